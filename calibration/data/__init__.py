"""Readers of the public data directory (``--data``; default ``$POESIM_DATA_DIR``, else ``../shared/data``,
``sim.datadir``): one module per source.

``sandag`` (SANDAG SR-11/OME model files), ``bts`` (BTS Border Crossing Entry Data), ``cbp`` (CBP
Border Wait Times). Each names its files relative to the data directory; see ``calibration/README.md``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sim.datadir import default_data_dir

REPO = Path(__file__).resolve().parents[2]
DEFAULT_DATA = default_data_dir()
FIGURES = "shared/reference/public-figures.md"  # a sibling of the shared data directory
HOURS = range(24)


def read_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file as mappings; a clear error when the file is missing."""
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found (is --data the shared data directory?)")
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
