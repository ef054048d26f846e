"""Output directories that runs cannot mix, and that fail before simulating, not after.

``claim(out_dir)`` is held for the whole of a run that writes into ``out_dir``:

* the directory is created and a probe file written to it (and removed), so a read-only,
  full, missing or impossible place (a file, ``/proc``) is reported before any replication runs;
* an exclusive lock on ``out_dir/.poesim.lock`` (the ``filelock`` library: ``flock`` on Unix,
  ``msvcrt`` locking on Windows) keeps two runs out of one directory: the second stops at once
  naming the first one's process; the operating system releases the lock when its holder dies, so
  a killed run never leaves the directory locked (its lock file may stay; it is harmless);
* staging directories (``.staging-*``) left by a run that was killed while writing are removed:
  they are poesim's, and with the lock held no other run can be using them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from sim.errors import PoesimError

LOCK = ".poesim.lock"
STAGING_PREFIX = ".staging-"
PROBE_BYTES = 64 * 1024  # a write this size fails on a full disk

def _problem(out_dir: Path, what: str, exc: OSError) -> PoesimError:
    return PoesimError(f"--out {out_dir}: {what} ({exc.strerror or exc}); choose another --out directory")


def check_writable(out_dir: Path) -> None:
    """Create ``out_dir`` if needed and prove a file can be written there; raise PoesimError if not."""
    if out_dir.exists() and not out_dir.is_dir():
        raise PoesimError(f"--out {out_dir}: exists and is not a directory; choose another --out directory")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _problem(out_dir, "cannot create it", exc) from None
    probe = out_dir / f".poesim-probe-{os.getpid()}"
    try:
        with probe.open("wb") as f:
            f.write(b"\0" * PROBE_BYTES)
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise _problem(out_dir, "cannot write there", exc) from None
    finally:
        try:
            probe.unlink(missing_ok=True)
        except OSError:
            pass


def _note_holder(fd: int) -> None:
    """Write this process's id into the lock file just locked, for a second run's message."""
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())


def _lock(out_dir: Path) -> FileLock:
    """Take the directory's lock (one attempt) or raise PoesimError naming the holder."""
    lock = FileLock(out_dir / LOCK, timeout=0, on_acquired=_note_holder)
    try:
        lock.acquire()
    except Timeout:
        try:
            holder = (out_dir / LOCK).read_text(errors="replace").strip() or "?"
        except OSError:
            holder = "?"
        raise PoesimError(
            f"--out {out_dir}: another poesim run (process {holder}) is writing here; wait for it to finish "
            "or choose another --out directory") from None
    except OSError as exc:
        raise _problem(out_dir, "cannot create its lock file", exc) from None
    return lock


def remove_stale_staging(out_dir: Path) -> None:
    """Delete staging directories of runs killed while writing (call with the lock held)."""
    for p in out_dir.glob(f"{STAGING_PREFIX}*"):
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)


@contextmanager
def claim(out_dir: str | os.PathLike[str]) -> Iterator[Path]:
    """Check that ``out_dir`` is writable, lock it for this run and clear stale staging
    directories; release the lock on exit (see the module docstring)."""
    out = Path(out_dir)
    check_writable(out)
    lock = _lock(out)
    try:
        remove_stale_staging(out)
        yield out
    finally:
        try:  # removed while still held, so no other run holds it; filelock retries a peer's unlinked file
            (out / LOCK).unlink(missing_ok=True)
        except OSError:
            pass
        lock.release()
