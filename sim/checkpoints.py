"""Durable per-replication results, so an interrupted run can resume where it stopped.

Each finished replication is pickled to ``<dir>/rep-NNNNN.pkl`` through a temporary file and
an atomic rename: a file either holds a whole replication or does not exist. ``key.json``
records what the replications belong to (scenario hash, seed, records kept, poesim version);
resuming against a different key is refused rather than mixing results.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from sim.errors import PoesimError


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes files private; outputs are ordinary files
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Checkpoints:
    """The replications of one run already finished, stored under ``directory``."""

    def __init__(self, directory: str | os.PathLike[str], key: dict[str, Any], resume: bool):
        self.dir = Path(directory)
        self.key = key
        key_file = self.dir / "key.json"
        if resume and key_file.exists():
            stored = json.loads(key_file.read_text())
            if stored != key:
                diff = sorted(k for k in set(stored) | set(key) if stored.get(k) != key.get(k))
                raise PoesimError(
                    f"--resume: {self.dir} holds replications of a different run (differs in {', '.join(diff)}); "
                    "use another --out directory or run without --resume"
                )
        else:
            for old in self.dir.glob("rep-*.pkl"):
                old.unlink()
            atomic_write_bytes(key_file, json.dumps(key, indent=1, sort_keys=True).encode())

    def _path(self, replication: int) -> Path:
        return self.dir / f"rep-{replication:05d}.pkl"

    def load(self, replication: int) -> Any | None:
        p = self._path(replication)
        if not p.exists():
            return None
        with p.open("rb") as f:
            return pickle.load(f)

    def save(self, replication: int, output: Any) -> None:
        atomic_write_bytes(self._path(replication), pickle.dumps(output, protocol=pickle.HIGHEST_PROTOCOL))

    def finished(self) -> list[int]:
        return sorted(int(p.stem.split("-")[1]) for p in self.dir.glob("rep-*.pkl"))
