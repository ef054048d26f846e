"""Readers of the public data directory (``--data``; default ``$POESIM_DATA_DIR``, else ``../shared/data``,
``sim.datadir``): one module per source.

``sandag`` (SANDAG SR-11/OME model files), ``bts`` (BTS Border Crossing Entry Data), ``cbp`` (CBP
Border Wait Times). Each names its files relative to the data directory; see ``calibration/README.md``.
"""

from __future__ import annotations

import csv
import functools
from pathlib import Path

from sim.datadir import default_data_dir

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = default_data_dir()
FIGURES = "shared/reference/public-figures.md"  # a sibling of the shared data directory
HOURS = range(24)


CACHED_FILE_BYTES = 2**20  # files up to this size are parsed once while unchanged


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as mappings (the caller's own); a clear error when the file is missing.

    A small file is parsed once while unchanged (same modification time and size): a calibration
    derives its scenario from the same SANDAG files at every evaluation, hundreds of times. Larger
    files are parsed afresh, so their rows are not held (BTS caches its answer instead, ``bts.read``)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise FileNotFoundError(f"{path}: not found (is --data the shared data directory?)") from None
    if info.st_size > CACHED_FILE_BYTES:
        return _parse(path)
    return [dict(r) for r in _parsed(path, info.st_mtime_ns, info.st_size)]


def _parse(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@functools.lru_cache(maxsize=32)
def _parsed(path: Path, mtime_ns: int, size: int) -> tuple[dict[str, str], ...]:
    """``_parse``, cached by file, modification time and size."""
    return tuple(_parse(path))
