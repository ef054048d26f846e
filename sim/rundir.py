"""Output directories that runs cannot mix, and that fail before simulating, not after.

``claim(out_dir)`` is held for the whole of a run that writes into ``out_dir``:

* the directory is created and a probe file written to it (and removed), so a read-only,
  full, missing or impossible place (a file, ``/proc``) is reported before any replication runs;
* an exclusive lock (``flock`` on ``out_dir/.poesim.lock``) keeps two runs out of one
  directory: the second stops at once naming the first one's process; the kernel releases the
  lock when its holder dies, so a killed run never leaves the directory locked;
* staging directories (``.staging-*``) left by a run that was killed while writing are removed:
  they are poesim's, and with the lock held no other run can be using them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.errors import PoesimError

LOCK = ".poesim.lock"
STAGING_PREFIX = ".staging-"
PROBE_BYTES = 64 * 1024  # a write this size fails on a full disk

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: runs are then not locked
    fcntl = None  # type: ignore[assignment]


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


def _lock(out_dir: Path) -> int | None:
    """Take the directory's lock; return its file descriptor (None where locks do not exist)."""
    if fcntl is None:
        return None
    path = out_dir / LOCK
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise _problem(out_dir, "cannot create its lock file", exc) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise PoesimError(
                f"--out {out_dir}: another poesim run (process {holder}) is writing here; wait for it to finish "
                "or choose another --out directory") from None
        try:  # the file may have been removed by the previous holder between our open and our lock
            if os.stat(path).st_ino == os.fstat(fd).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _unlock(out_dir: Path, fd: int | None) -> None:
    if fd is None:
        return
    try:
        (out_dir / LOCK).unlink(missing_ok=True)  # still holding it: no other run is between open and lock
    except OSError:
        pass
    os.close(fd)


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
    fd = _lock(out)
    try:
        remove_stale_staging(out)
        yield out
    finally:
        _unlock(out, fd)
