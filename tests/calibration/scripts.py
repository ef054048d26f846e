"""Shared by the calibration tests: where the repository and the public data are, and how to
import a module of the ``calibration`` package by its short name."""

from __future__ import annotations

import difflib
import importlib
from pathlib import Path
from types import ModuleType

import pytest

from sim.datadir import default_data_dir

REPO = Path(__file__).resolve().parents[2]
DATA_DIR = default_data_dir()


def calibration_module(stem: str) -> ModuleType:
    """``calibration.<stem>``, imported."""
    return importlib.import_module(f"calibration.{stem}")


def assert_generated(path: Path, expected: str, regenerate: str) -> None:
    """A committed generated file equals what its script writes now; else fail with the start of
    the diff and the command that regenerates it."""
    actual = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True),
                                                 "committed", "script"))[:40])
        pytest.fail(f"{path.name} is out of date with its script; regenerate with `{regenerate}`\n{diff}")


def skip_without_data(files: list[str] | tuple[str, ...]) -> None:
    """Skip the calling test or fixture when a public data file (relative to DATA_DIR) is missing."""
    missing = [str(DATA_DIR / f) for f in files if not (DATA_DIR / f).exists()]
    if missing:
        pytest.skip(f"public data not found (set POESIM_DATA_DIR to the shared data directory): {missing}")
