"""Durable per-replication results, so an interrupted run can resume where it stopped.

Each finished replication is written to ``<dir>/rep-NNNNN.ckpt`` through a temporary file and
an atomic rename: a file either holds a whole replication or does not exist. The format is
inert data, never code: a magic line, a JSON header carrying the run key (scenario hash, seed,
records kept, statistics mode, poesim version), the replication number and the SHA-256 of the
payload, then the replication's tables as Parquet. A checkpoint is used only if its key is the
run's key, its number is the one asked for and its payload hashes to the header's: a file of
another run, a truncated or edited file is run again, with a notice, instead of being trusted.
``key.json`` records the key of the directory too, so ``--resume`` against a different run is
refused with a message rather than silently re-running everything.

Only files poesim wrote are ever deleted: checkpoints that start with the magic line, its own
``key.json`` and its temporary files. Anything else in the directory is left alone.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.errors import PoesimError
from sim.results import ReplicationOutput

MAGIC = b"POESIM-CHECKPOINT 1\n"
SUFFIX = ".ckpt"
KEY_FILE = "key.json"
MAX_HEADER_BYTES = 1 << 20
_TABLES = ("by_hour", "by_band", "queue", "quantiles", "records", "staffing", "ports")


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


class CorruptCheckpoint(Exception):
    """A checkpoint that cannot be used (unreadable, of another run, or altered)."""


def encode(output: ReplicationOutput, key: dict[str, Any]) -> bytes:
    """A replication's output as checkpoint bytes (see the module docstring)."""
    parts, chunks, offset = [], [], 0
    for name in _TABLES:
        frame = getattr(output, name)
        if frame is None:
            continue
        buf = io.BytesIO()
        frame.to_parquet(buf)
        data = buf.getvalue()
        parts.append([name, offset, len(data)])
        chunks.append(data)
        offset += len(data)
    payload = b"".join(chunks)
    header = {
        "key": key,
        "replication": output.replication,
        "sha256": hashlib.sha256(payload).hexdigest(),
        "tables": parts,
        "n_travellers": int(output.n_travellers),
        "runtime_s": float(output.runtime_s),
        "timings_s": {k: float(v) for k, v in output.timings_s.items()},
    }
    return MAGIC + json.dumps(header, sort_keys=True).encode() + b"\n" + payload


def decode(data: bytes, key: dict[str, Any], replication: int) -> ReplicationOutput:
    """The replication stored in ``data``; raise CorruptCheckpoint saying why it cannot be used."""
    if not data.startswith(MAGIC):
        raise CorruptCheckpoint("not a poesim checkpoint (an older pickle, or another program's file)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER_BYTES)
    if end < 0:
        raise CorruptCheckpoint("its header is cut off")
    try:
        header = json.loads(data[len(MAGIC):end])
        stored_key, number, digest = header["key"], header["replication"], header["sha256"]
        tables = header["tables"]
    except (ValueError, KeyError, TypeError):
        raise CorruptCheckpoint("its header cannot be read") from None
    if stored_key != key:
        diff = sorted(k for k in set(stored_key) | set(key) if stored_key.get(k) != key.get(k)) \
            if isinstance(stored_key, dict) else ["key"]
        raise CorruptCheckpoint(f"it belongs to a different run (differs in {', '.join(diff)})")
    if number != replication:
        raise CorruptCheckpoint(f"it holds replication {number!r}, not {replication}")
    payload = data[end + 1:]
    if hashlib.sha256(payload).hexdigest() != digest:
        raise CorruptCheckpoint("its content does not match its hash (truncated or altered)")
    frames: dict[str, pd.DataFrame] = {}
    try:
        for name, offset, length in tables:
            if name not in _TABLES:
                raise CorruptCheckpoint(f"unknown table {str(name)[:40]!r}")
            frames[name] = pd.read_parquet(io.BytesIO(payload[offset:offset + length]))
        return ReplicationOutput(
            replication=replication,
            by_hour=frames["by_hour"], by_band=frames["by_band"], queue=frames["queue"],
            quantiles=frames["quantiles"], records=frames.get("records"), staffing=frames.get("staffing"),
            ports=frames.get("ports"), n_travellers=int(header["n_travellers"]),
            runtime_s=float(header["runtime_s"]), timings_s=dict(header["timings_s"]),
        )
    except CorruptCheckpoint:
        raise
    except Exception as exc:  # a hash-valid file poesim could not have written: do not trust it
        raise CorruptCheckpoint(f"its tables cannot be read ({type(exc).__name__})") from None


def _ours(path: Path) -> bool:
    """A file poesim wrote in a checkpoint directory: a checkpoint (by its magic line), a key
    file holding a run key, or a temporary file of an interrupted write."""
    name = path.name
    try:
        if not path.is_file() or path.is_symlink():
            return False
        if name.startswith(".rep-") or name.startswith(f".{KEY_FILE}."):
            return True  # atomic_write_bytes's temporary files
        if name.startswith("rep-") and name.endswith(SUFFIX):
            with path.open("rb") as f:
                return f.read(len(MAGIC)) == MAGIC
        if name == KEY_FILE and path.stat().st_size < MAX_HEADER_BYTES:
            doc = json.loads(path.read_bytes())
            return isinstance(doc, dict) and "scenario_sha256" in doc and "poesim_version" in doc
    except (OSError, ValueError):
        return False
    return False


def remove(directory: str | os.PathLike[str]) -> list[str]:
    """Delete the files poesim wrote in a checkpoint directory, and the directory if that empties
    it; return the names of the files left (not poesim's)."""
    d = Path(directory)
    if not d.is_dir():
        return []
    for p in d.iterdir():
        if _ours(p):
            p.unlink(missing_ok=True)
    left = sorted(p.name for p in d.iterdir())
    if not left:
        d.rmdir()
    return left


def finished(directory: str | os.PathLike[str]) -> list[int]:
    """Replication numbers with a checkpoint file in ``directory`` (not yet checked)."""
    out = []
    for p in Path(directory).glob(f"rep-*{SUFFIX}"):
        number = p.name[len("rep-"):-len(SUFFIX)]
        if number.isdigit():
            out.append(int(number))
    return sorted(out)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


class Checkpoints:
    """The replications of one run already finished, stored under ``directory``.

    ``notify`` receives a line for each checkpoint that is run again and why (default: stderr)."""

    def __init__(self, directory: str | os.PathLike[str], key: dict[str, Any], resume: bool,
                 notify: Callable[[str], None] | None = None):
        self.dir = Path(directory)
        self.key = key
        self.notify = notify or _stderr
        key_file = self.dir / KEY_FILE
        stored: Any = None
        if resume and key_file.is_file():
            try:
                stored = json.loads(key_file.read_bytes())
            except (OSError, ValueError):
                self.notify(f"{key_file}: unreadable; each checkpoint is checked against this run on its own")
        if isinstance(stored, dict) and stored != key:
            diff = sorted(k for k in set(stored) | set(key) if stored.get(k) != key.get(k))
            raise PoesimError(
                f"--resume: {self.dir} holds replications of a different run (differs in {', '.join(diff)}); "
                "use another --out directory or run without --resume"
            )
        if not resume:
            for n in finished(self.dir):
                p = self._path(n)
                if _ours(p):
                    p.unlink()
        legacy = sorted(self.dir.glob("rep-*.pkl"))
        if legacy:
            self.notify(f"{self.dir}: {len(legacy)} rep-*.pkl files of an older poesim are ignored (pickles are "
                        "never loaded: they could run code); delete them if you do not need them")
        atomic_write_bytes(key_file, json.dumps(key, indent=1, sort_keys=True).encode())

    def _path(self, replication: int) -> Path:
        return self.dir / f"rep-{replication:05d}{SUFFIX}"

    def load(self, replication: int) -> ReplicationOutput | None:
        """The stored replication, or None if there is none or it cannot be used (then it is run
        again: a notice says why)."""
        p = self._path(replication)
        try:
            if not p.is_file():
                return None
            return decode(p.read_bytes(), self.key, replication)
        except (OSError, CorruptCheckpoint) as exc:
            why = exc.strerror if isinstance(exc, OSError) else str(exc)
            self.notify(f"{p}: cannot be used ({why}); running replication {replication} again")
            return None

    def save(self, replication: int, output: ReplicationOutput) -> None:
        atomic_write_bytes(self._path(replication), encode(output, self.key))

    def finished(self) -> list[int]:
        return finished(self.dir)
