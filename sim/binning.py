"""Compiled loops that split intervals into time bins, for ``statistics.interval_seconds_per_bin``.

One pass over the travellers instead of a dozen NumPy passes: a streaming year folds millions of
travellers a week into 8,784 hour bins per lane group. The sums are accumulated in the same order
as the NumPy version did (each part sequentially over the travellers, then added part by part),
so the results are the same to the last bit.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _bin(edges: np.ndarray, t: float, grid: bool, right: bool) -> int:
    """``searchsorted(edges, t, 'right' if right else 'left') - 1``; on an hour grid by division."""
    n = edges.shape[0]
    if not grid:  # (numba needs the side as a literal)
        if right:
            return int(np.searchsorted(edges, t, side="right")) - 1
        return int(np.searchsorted(edges, t, side="left")) - 1
    k = min(max(math.floor(t / 3600.0), -1), n - 1)
    above = edges[k + 1] if k + 1 < n else np.inf
    below = edges[k] if k >= 0 else -np.inf
    if (above <= t) if right else (above < t):
        k += 1
    elif (below > t) if right else (below >= t):
        k -= 1
    return k


@numba.njit(cache=True)
def interval_parts(t0: np.ndarray, t1: np.ndarray, row: np.ndarray, edges: np.ndarray, grid: bool,
                   same: np.ndarray, first: np.ndarray, last: np.ndarray, full: np.ndarray) -> None:
    """Add each interval [t0, t1) (clipped to the edges; NaN or empty ones skipped) of key ``row``
    into: ``same`` (its length, when it lies in one bin), ``first`` and ``last`` (its parts in its
    first and last bins) and ``full`` (+1 after its first bin, −1 at its last: a difference array of
    the whole bins between). Flat arrays, ``row`` × bins (``full``: × bins + 1)."""
    n = edges.shape[0] - 1
    lo, hi = edges[0], edges[-1]
    for i in range(t0.shape[0]):
        a, b = t0[i], t1[i]
        if a != a or b != b:
            continue
        a, b = min(max(a, lo), hi), min(max(b, lo), hi)
        if not b > a:
            continue
        k0 = min(max(_bin(edges, a, grid, True), 0), n - 1)
        k1 = min(max(_bin(edges, b, grid, False), 0), n - 1)
        r = row[i]
        if k0 == k1:
            same[r * n + k0] += b - a
        else:
            first[r * n + k0] += edges[k0 + 1] - a
            last[r * n + k1] += b - edges[k1]
            full[r * (n + 1) + k0 + 1] += 1
            full[r * (n + 1) + k1] -= 1


@numba.njit(cache=True)
def count_in_bins(t: np.ndarray, row: np.ndarray, weight: np.ndarray, edges: np.ndarray, grid: bool,
                  out: np.ndarray) -> None:
    """Add ``weight[i]`` into the bin of time ``t[i]`` (inside the edges; NaN skipped) of key
    ``row[i]``; ``out`` is flat, keys × bins."""
    n = edges.shape[0] - 1
    lo, hi = edges[0], edges[-1]
    for i in range(t.shape[0]):
        x = t[i]
        if x >= lo and x < hi:
            out[row[i] * n + _bin(edges, x, grid, True)] += weight[i]
