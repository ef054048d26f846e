"""Bounded-memory statistics for long runs (a year of days): mergeable wait histograms and
additive hourly totals, fed one batch of finished travellers at a time.

Accuracy. Counts, means, maxima, queue areas, throughput and utilisation are exact. Wait
percentiles come from a histogram with a bin for exactly zero, one for (0, 1 s), and
logarithmic bins 1 % wide up to 7 days: every order statistic is located within its bin, so
a percentile (numpy's linear definition) is within 1 % of the exact value of the same data,
or within 1 s for waits under a second.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd

from sim.model import PROGRAMS
from sim.records import Records
from sim.statistics import (
    ALL,
    ECDF_PROBS,
    HOUR_BANDS,
    _clock_hour,
    hourly_totals,
    port_table,
    port_totals,
    queue_table,
    staffing_table,
)

RATIO = 1.01  # width of a logarithmic bin
MAX_WAIT_S = 7 * 86400.0
N_LOG = int(math.ceil(math.log(MAX_WAIT_S) / math.log(RATIO)))
# bin 0: exactly 0; bin 1: (0, 1 s); bin 2 + k: [RATIO**k, RATIO**(k+1)) s; the last bin also takes longer waits
BIN_LO = np.concatenate([[0.0, 0.0], RATIO ** np.arange(N_LOG)])
BIN_HI = np.concatenate([[0.0, 1.0], RATIO ** np.arange(1, N_LOG + 1)])
N_BINS = len(BIN_LO)
PERCENTILES = {"p50_wait_min": 0.50, "p90_wait_min": 0.90, "p95_wait_min": 0.95}


def wait_bin(wait_s: np.ndarray) -> np.ndarray:
    """Histogram bin of each wait (s)."""
    b = np.full(len(wait_s), 1, dtype=np.int64)
    b[wait_s <= 0] = 0
    big = wait_s >= 1.0
    b[big] = 2 + np.minimum(np.floor(np.log(wait_s[big]) / math.log(RATIO)).astype(np.int64), N_LOG - 1)
    return b


def histogram_quantiles(counts: np.ndarray, probs: np.ndarray, max_s: float) -> np.ndarray:
    """Quantiles (s) of a wait histogram, defined as numpy's default (linear interpolation
    between order statistics x[⌊p(n−1)⌋] and x[⌈p(n−1)⌉]). Each order statistic is placed
    inside its bin by its rank there; the largest is the exact maximum."""
    n = int(counts.sum())
    if n == 0:
        return np.full(len(probs), np.nan)
    cum = np.cumsum(counts)

    def order_stat(j: int) -> float:
        if j >= n - 1:
            return max_s
        k = int(np.searchsorted(cum, j + 1, side="left"))
        pos = j - (cum[k] - counts[k])
        hi = min(BIN_HI[k], max_s)
        lo = min(BIN_LO[k], hi)
        return lo + (pos + 0.5) / counts[k] * (hi - lo)

    out = np.empty(len(probs))
    for i, p in enumerate(probs):
        r = p * (n - 1)
        j = int(math.floor(r))
        f = r - j
        out[i] = order_stat(j) if f == 0 else (1 - f) * order_stat(j) + f * order_stat(j + 1)
    return out


class ReplicationAccumulator:
    """Running totals of one replication, fed batches of finished travellers' records."""

    def __init__(self, first: Records):
        self.meta = first
        g, p = len(first.group_names), len(PROGRAMS)
        self.hist = np.zeros((g, p, 24, N_BINS), dtype=np.int64)
        self.sum_s = np.zeros((g, p, 24))
        self.max_s = np.full((g, p, 24), -np.inf)
        self.unserved = np.zeros((g, p, 24), dtype=np.int64)
        self.totals: dict[str, np.ndarray] | None = None
        self.ports: dict[str, np.ndarray] | None = None
        self.n_travellers = 0

    def add(self, batch: Records) -> None:
        """Fold a batch (travellers who have left, or everyone left at the end) into the totals."""
        self.n_travellers += len(batch)
        t = hourly_totals(batch)
        self.totals = t if self.totals is None else {k: self.totals[k] + v for k, v in t.items()}
        hour = _clock_hour(batch, batch.arrival_s)
        pt = port_totals(batch, hour)
        self.ports = pt if self.ports is None else {k: self.ports[k] + v for k, v in pt.items()}
        m = batch.counted() & (batch.group >= 0)
        if not m.any():
            return
        arrival, start = batch.arrival_s[m], batch.start_s[m]
        unserved = np.isnan(start)
        wait = np.where(unserved, batch.end_s - arrival, start - arrival)
        cell = np.ravel_multi_index((batch.group[m], batch.program[m], hour[m]), self.sum_s.shape)
        size = self.sum_s.size
        self.hist += np.bincount(cell * N_BINS + wait_bin(wait), minlength=size * N_BINS).reshape(self.hist.shape)
        self.sum_s += np.bincount(cell, weights=wait, minlength=size).reshape(self.sum_s.shape)
        self.unserved += (np.bincount(cell, weights=unserved, minlength=size).astype(np.int64)
                          .reshape(self.unserved.shape))
        np.maximum.at(self.max_s.reshape(-1), cell, wait)  # (a view: updates max_s in place)

    def _cells(self, by: str):
        """(mode, lane group, program, label, index selector) for every reported cell."""
        names, modes = self.meta.group_names, self.meta.group_modes
        hour_sets = (
            [(f"{h:02d}", [h]) for h in range(24)] if by == "hour"
            else [(n, list(range(lo, hi))) for n, lo, hi in HOUR_BANDS]
        ) + [(ALL, list(range(24)))]
        for mode in dict.fromkeys(modes):
            in_mode = [i for i, md in enumerate(modes) if md == mode]
            for lg, gs in [(names[i], [i]) for i in in_mode] + [(ALL, in_mode)]:
                programs = [(PROGRAMS[p], [p]) for p in range(len(PROGRAMS))] + [(ALL, list(range(len(PROGRAMS))))]
                for prog, ps in programs:
                    for label, hs in hour_sets:
                        yield mode, lg, prog, label, np.ix_(gs, ps, hs)

    def wait_table(self, by: str) -> pd.DataFrame:
        """The same table as ``statistics.wait_summary`` (percentiles from the histogram)."""
        rows = []
        probs = np.array(list(PERCENTILES.values()))
        for mode, lg, prog, label, sel in self._cells(by):
            counts = self.hist[sel].reshape(-1, N_BINS).sum(axis=0)
            n = int(counts.sum())
            if n == 0:
                continue
            mx = float(self.max_s[sel].max())
            q = histogram_quantiles(counts, probs, mx)
            rows.append({"mode": mode, "lane_group": lg, "program": prog, "hour": label, "n": n,
                         "mean_wait_min": float(self.sum_s[sel].sum()) / n / 60.0,
                         **{k: v / 60.0 for k, v in zip(PERCENTILES, q, strict=True)},
                         "max_wait_min": mx / 60.0, "n_unserved": int(self.unserved[sel].sum())})
        out = pd.DataFrame(rows)
        out.insert(0, "replication", self.meta.replication)
        return out

    def quantile_table(self) -> pd.DataFrame:
        """Wait quantiles per mode × lane group for ECDF plots (as ``statistics.wait_quantiles``)."""
        rows = []
        for gi, (name, mode) in enumerate(zip(self.meta.group_names, self.meta.group_modes, strict=True)):
            counts = self.hist[gi].reshape(-1, N_BINS).sum(axis=0)
            if counts.sum():
                q = histogram_quantiles(counts, ECDF_PROBS, float(self.max_s[gi].max()))
                rows.append(pd.DataFrame({"replication": self.meta.replication, "mode": mode, "lane_group": name,
                                          "prob": ECDF_PROBS, "wait_min": q / 60.0}))
        return pd.concat(rows, ignore_index=True)

    def queue_table(self, queue_peak: np.ndarray, booth_steps) -> pd.DataFrame:
        """Queue statistics of the whole run (``booth_steps``: the engine's final open-booth record)."""
        assert self.totals is not None
        return queue_table(replace(self.meta, group_booths=booth_steps), self.totals, queue_peak)

    def staffing_table(self, booth_steps) -> pd.DataFrame:
        """Officers and booths staffed by roster and hour over the whole run."""
        assert self.totals is not None
        return staffing_table(replace(self.meta, group_booths=booth_steps), self.totals)

    def port_table(self) -> pd.DataFrame:
        """Travellers and delay by stream, port and hour over the whole run."""
        assert self.ports is not None
        return port_table(self.meta, self.ports)
