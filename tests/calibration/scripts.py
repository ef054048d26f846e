"""Shared by the calibration tests: where the repository and the public data are, and how to
import a calibration script by path (calibration/ holds scripts, not a package)."""

from __future__ import annotations

import difflib
import os
from pathlib import Path
from types import ModuleType

import pytest

from sim import calibrate as sim_calibrate

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = Path(os.environ.get("POESIM_DATA_DIR") or REPO / ".." / "shared" / "data")


def load_script(stem: str) -> ModuleType:
    """Import ``calibration/<stem>.py`` once, as module ``<stem>_script``."""
    return sim_calibrate.load_script(REPO / "calibration" / f"{stem}.py")


def assert_generated(path: Path, expected: str, regenerate: str) -> None:
    """A committed generated file equals what its script writes now; else fail with the start of
    the diff and the command that regenerates it."""
    actual = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), "committed", "script"))[:40])
        pytest.fail(f"{path.name} is out of date with its script; regenerate with `{regenerate}`\n{diff}")


def skip_without_data(files: list[str] | tuple[str, ...]) -> None:
    """Skip the calling test or fixture when a public data file (relative to DATA_DIR) is missing."""
    missing = [str(DATA_DIR / f) for f in files if not (DATA_DIR / f).exists()]
    if missing:
        pytest.skip(f"public data not found (set POESIM_DATA_DIR to the shared data directory): {missing}")
