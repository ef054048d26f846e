"""Where the public data directory is by default: the one convention for the CLI, the calibration
package and the tests."""

from __future__ import annotations

import os
from pathlib import Path

ENV = "POESIM_DATA_DIR"
FALLBACK = Path("..") / "shared" / "data"


def default_data_dir() -> Path:
    """``$POESIM_DATA_DIR`` if set, else ``../shared/data`` (beside the repository, for commands run
    from its root). A ``--data`` option, where a command has one, overrides both."""
    return Path(os.environ.get(ENV) or FALLBACK)
