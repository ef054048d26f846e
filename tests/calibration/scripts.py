"""Shared by the calibration tests: where the repository and the public data are, and how to
import a calibration script by path (calibration/ holds scripts, not a package)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("POESIM_DATA_DIR") or REPO / ".." / "shared" / "data")


def load_script(stem: str) -> ModuleType:
    """Import ``calibration/<stem>.py`` once, as module ``<stem>_script``."""
    name = f"{stem}_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "calibration" / f"{stem}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]
