"""Named random streams, all spawned from one seed.

Each (replication, traveller stream, purpose) gets its own generator, keyed by *names* rather
than by creation order. Two scenarios that share a stream name therefore draw the same
travellers (common random numbers), adding a stream elsewhere changes nothing, and the
numbers do not depend on which process runs a replication.
"""

from __future__ import annotations

import zlib

import numpy as np

PURPOSES = ("arrivals", "program", "service", "lane_choice", "referral", "secondary")


def stream_key(name: str) -> int:
    """A stable 32-bit key for a name (``hash()`` is salted per process, so not usable)."""
    return zlib.crc32(name.encode("utf-8"))


def generator(seed: int, replication: int, stream: str, purpose: str) -> np.random.Generator:
    """The generator for one purpose of one traveller stream in one replication."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown random-stream purpose {purpose!r}; expected one of {PURPOSES}")
    ss = np.random.SeedSequence(entropy=seed, spawn_key=(replication, stream_key(stream), PURPOSES.index(purpose)))
    return np.random.Generator(np.random.PCG64(ss))
