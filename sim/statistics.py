"""Statistics over records: pure functions, no simulation and no I/O.

Per replication: wait distribution (count, mean, p50/p90/p95, max) by lane group × program ×
hour of arrival (or hour band), queue length, throughput and booth utilisation by hour.
Across replications: the mean of each per-replication statistic with a Student-t 95 %
confidence interval (replications are independent, so this is the textbook method), and
paired differences between scenarios run with common random numbers.

Travellers still waiting when the run stops are counted with the wait they had so far (a lower
bound) and reported in ``n_unserved``, so long waits are never silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from sim import binning
from sim.model import PROGRAMS
from sim.records import Records

WAIT_METRICS = ("mean_wait_min", "p50_wait_min", "p90_wait_min", "p95_wait_min", "max_wait_min")
QUEUE_METRICS = (
    "mean_queue", "max_queue", "arrivals_per_h", "throughput_per_h", "lanes_open", "booths_open", "utilisation",
    "unserved_per_h",
)
STAFFING_METRICS = ("officers_on_duty", "booths_staffed", "officer_utilisation")
PORT_METRICS = ("travellers_per_day", "share", "mean_wait_min", "delay_veh_h_per_day", "shifted_per_day",
                "unserved_per_day")
GAVE_UP = "gave_up"  # the port column of drivers who chose not to cross
HOUR_BANDS: tuple[tuple[str, int, int], ...] = (
    ("00-06", 0, 6),
    ("06-10", 6, 10),
    ("10-16", 10, 16),
    ("16-20", 16, 20),
    ("20-24", 20, 24),
)
ALL = "all"


def _clock_hour(records: Records, t_s: np.ndarray) -> np.ndarray:
    """The clock hour (0–23) of times ``t_s`` (s since the window start): ⌊(t + start) / 3600⌋ mod 24,
    exactly as floor division gives it. A true division rounded to the nearest double can land on
    the next whole hour, so the quotient is checked against the hour's exact start (several times
    faster than NumPy's floor division of floats)."""
    start_s = records.start.hour * 3600 + records.start.minute * 60 + records.start.second
    x = t_s + start_s
    k = np.floor(x / 3600.0)
    k -= k * 3600.0 > x
    k += (k + 1.0) * 3600.0 <= x
    return k.astype(np.int64) % 24


def hour_label(hour: np.ndarray) -> np.ndarray:
    """'00' … '23' for clock hours."""
    if len(hour) == 0:  # zfill cannot take an empty array (a replication in which nobody arrived)
        return np.empty(0, dtype="<U2")
    return np.char.zfill(hour.astype(str), 2)


def band_label(hour: np.ndarray, bands: Sequence[tuple[str, int, int]] = HOUR_BANDS) -> np.ndarray:
    """The hour band ('06-10', …) each clock hour falls in."""
    out = np.empty(len(hour), dtype=object)
    for name, lo, hi in bands:
        out[(hour >= lo) & (hour < hi)] = name
    return out


_WAIT_COLUMNS = ["mode", "lane_group", "program", "hour", "n", "mean_wait_min", "p50_wait_min", "p90_wait_min",
                 "p95_wait_min", "max_wait_min", "n_unserved"]


def _group_waits(codes: np.ndarray, wait: np.ndarray, unserved: np.ndarray) -> dict[str, np.ndarray]:
    """Per distinct code (ascending): the code, count, mean, p50/p90/p95 (linear interpolation
    between order statistics, as ``numpy.quantile`` and pandas), max and unserved count.
    ``wait`` must be sorted ascending: a stable sort by code then orders every group's waits
    (NumPy radix-sorts 16-bit codes, so one float sort serves every grouping)."""
    order = np.argsort(codes, kind="stable")
    c, w = codes[order], wait[order]
    starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    counts = np.diff(np.r_[starts, len(c)])
    last = starts + counts - 1

    def quantile(p: float) -> np.ndarray:
        pos = starts + (counts - 1) * p
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, last)
        return w[lo] + (w[hi] - w[lo]) * (pos - lo)

    return {
        "code": c[starts],
        "n": counts.astype(np.int64),
        "mean_wait_min": np.add.reduceat(w, starts) / counts,
        "p50_wait_min": quantile(0.50),
        "p90_wait_min": quantile(0.90),
        "p95_wait_min": quantile(0.95),
        "max_wait_min": w[last],
        "n_unserved": np.add.reduceat(unserved[order].astype(np.int64), starts),
    }


def _ranks(names: Sequence[str], present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For labels ``names[i]``, of which those with ``present[i]`` occur: each label's rank among
    the distinct present labels in sorted order (as ``pandas.factorize(sort=True)``), and those labels."""
    labels = np.array(sorted({n for n, p in zip(names, present, strict=True) if p}), dtype=object)
    rank = {n: i for i, n in enumerate(labels)}
    return np.array([rank.get(n, -1) for n in names], dtype=np.int64), labels


class _CountedWaits:
    """The counted travellers who joined a line, sorted by wait, with the codes of the labels
    every wait table groups by; shared by the hour and band tables (their 'all hours' rows are one)."""

    def __init__(self, records: Records):
        mask = records.counted() & (records.group >= 0)
        arrival, start = records.arrival_s[mask], records.start_s[mask]
        unserved = np.isnan(start)
        wait_min = np.where(unserved, records.end_s - arrival, start - arrival) / 60.0
        order = np.argsort(wait_min)  # ties in any order: only the sorted values are used
        self.wait_min, self.unserved = wait_min[order], unserved[order]
        self.hour = _clock_hour(records, arrival[order])
        group, program = records.group[mask][order], records.program[mask][order]
        n_groups = len(records.group_names)
        has_group = np.bincount(group, minlength=n_groups) > 0
        mode_rank, self.modes = _ranks(records.group_modes, has_group)
        lg_rank, self.lane_groups = _ranks(records.group_names, has_group)
        prog_rank, self.programs = _ranks(PROGRAMS, np.bincount(program, minlength=len(PROGRAMS)) > 0)
        self.mode, self.lane_group = mode_rank.astype(np.int16)[group], lg_rank.astype(np.int16)[group]
        self.program = prog_rank.astype(np.int16)[program]  # 16-bit codes: NumPy radix-sorts them
        self.replication = records.replication
        self._pooled_hours: dict[tuple[bool, bool], dict[str, np.ndarray]] = {}

    def table(self, by: str) -> pd.DataFrame:
        """The wait table by clock hour ('00'–'23') or hour band, each with its 'all' rows."""
        if by == "hour":
            names = [f"{h:02d}" for h in range(24)]
        else:
            names = list(band_label(np.arange(24)))
        hour_rank, hours = _ranks(names, np.bincount(self.hour, minlength=24) > 0)
        keys = {"mode": (self.mode, self.modes), "lane_group": (self.lane_group, self.lane_groups),
                "program": (self.program, self.programs), "hour": (hour_rank.astype(np.int16)[self.hour], hours)}
        parts = []
        for lg in (False, True):
            for prog in (False, True):
                for hr in (False, True):
                    if hr and (lg, prog) in self._pooled_hours:
                        parts.append(self._pooled_hours[(lg, prog)])
                        continue
                    part = self._part(keys, {"mode": False, "lane_group": lg, "program": prog, "hour": hr})
                    if hr:
                        self._pooled_hours[(lg, prog)] = part
                    parts.append(part)
        columns = {c: np.concatenate([p[c] for p in parts]) for c in _WAIT_COLUMNS}
        return pd.DataFrame({"replication": np.full(len(columns["n"]), self.replication, dtype=np.int64), **columns})

    def _part(self, keys: dict[str, tuple[np.ndarray, np.ndarray]], pooled: dict[str, bool]) -> dict[str, np.ndarray]:
        """The rows of one grouping: each key's code (0 where ``pooled``) combined in mixed radix, so
        that codes sort as the labels do; the labels decoded back from each group's code."""
        small = np.prod([len(labels) for _, labels in keys.values()]) < 2**15
        code = np.zeros(len(self.wait_min), dtype=np.int16 if small else np.int64)
        for k, (rank, labels) in keys.items():
            code = code * len(labels) + (0 if pooled[k] else rank)
        g = _group_waits(code, self.wait_min, self.unserved)
        part: dict[str, np.ndarray] = {}
        rest = g["code"]
        for k, (_, labels) in reversed(keys.items()):
            part[k] = np.full(len(rest), ALL, dtype=object) if pooled[k] else labels[rest % len(labels)]
            rest = rest // len(labels)
        part.update({c: g[c] for c in _WAIT_COLUMNS[4:]})
        return part


def wait_summary(records: Records, by: str = "hour") -> pd.DataFrame:
    """Wait statistics of one replication by mode × lane group × program × time label.

    ``by`` is ``"hour"`` (clock hour of arrival, '00'–'23') or ``"band"`` (``HOUR_BANDS``).
    Rows with ``lane_group == 'all'`` pool every group of a mode, ``program == 'all'`` every
    program, ``hour == 'all'`` the whole counted window.
    """
    return wait_summaries(records, (by,))[0]


def wait_summaries(records: Records, by: Sequence[str] = ("hour", "band")) -> list[pd.DataFrame]:
    """``wait_summary`` for each of ``by``, sorting the waits once for all of them."""
    if not (records.counted() & (records.group >= 0)).any():  # nobody counted joined a line
        empty = pd.DataFrame({"replication": pd.Series(dtype=np.int64), **{c: [] for c in _WAIT_COLUMNS}})
        return [empty.copy() for _ in by]
    cells = _CountedWaits(records)
    return [cells.table(b) for b in by]


def window_hour_edges(horizon_s: float) -> np.ndarray:
    """Edges (s) of the hours of the window; the last hour may be partial."""
    edges = np.arange(0.0, horizon_s + 3600.0, 3600.0)
    edges[-1] = min(edges[-1], horizon_s)
    return np.unique(edges)


def _on_hour_grid(edges: np.ndarray) -> bool:
    """Whether ``edges`` are the window's hour edges: 0, 3600, 7200, … (the last possibly sooner)."""
    n = len(edges)
    return n >= 2 and edges[0] == 0.0 and bool(np.array_equal(edges[:-1], np.arange(n - 1) * 3600.0))


def interval_seconds_per_bin(t0: np.ndarray, t1: np.ndarray, edges: np.ndarray,
                             key: np.ndarray | None = None, n_keys: int = 1) -> np.ndarray:
    """Total time the intervals [t0, t1) spend in each bin [edges[k], edges[k+1]).

    With ``key`` (ints below ``n_keys``), one row of bins per key. Additive over intervals, so
    totals of separate batches of travellers can be summed. One compiled pass (``binning``)."""
    n = len(edges) - 1
    row = np.zeros(len(t0), dtype=np.int64) if key is None else np.ascontiguousarray(key, dtype=np.int64)
    same, first, last = np.zeros(n_keys * n), np.zeros(n_keys * n), np.zeros(n_keys * n)
    full = np.zeros(n_keys * (n + 1), dtype=np.int64)
    edges = np.ascontiguousarray(edges, dtype=float)
    binning.interval_parts(np.ascontiguousarray(t0, dtype=float), np.ascontiguousarray(t1, dtype=float), row,
                           edges, _on_hour_grid(edges), same, first, last, full)
    out = ((same + first) + last).reshape(n_keys, n)  # the order the parts were always added in
    out = out + np.cumsum(full.reshape(n_keys, n + 1)[:, :-1], axis=1) * np.diff(edges)
    return out[0] if key is None else out


def hourly_totals(records: Records) -> dict[str, np.ndarray]:
    """Per lane group × hour of the window: seconds travellers spent in line (``queue_s``),
    seconds of inspection (``busy_s``), departures from primary, arrivals and, by hour of arrival,
    arrivals never served before the run ended (``unserved``). Additive over batches."""
    edges = window_hour_edges(records.horizon_s)
    n_groups, n_bins = len(records.group_names), len(edges) - 1
    size = n_groups * n_bins
    group = records.group
    joined = group >= 0  # (drivers who gave up joined no group)
    arrival, start = records.arrival_s, records.start_s
    grid = _on_hour_grid(edges)

    def count(g: np.ndarray, t: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        out = np.zeros(size)
        w = np.ones(len(t)) if weights is None else weights
        binning.count_in_bins(np.ascontiguousarray(t, dtype=float), g, w, edges, grid, out)
        return out.reshape(n_groups, n_bins)

    g, a, s = np.ascontiguousarray(group[joined], dtype=np.int64), arrival[joined], start[joined]
    served = ~np.isnan(s)
    return {
        "queue_s": interval_seconds_per_bin(a, np.where(served, s, records.end_s), edges, g, n_groups),
        "busy_s": interval_seconds_per_bin(s[served], s[served] + records.service_s[joined][served], edges,
                                           g[served], n_groups),
        "departures": count(g, records.depart_s[joined]),
        "arrivals": count(g, a),
        "unserved": count(g, a, (~served).astype(float)),
    }


def _by_clock_hour(records: Records) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The window's hour bins after the warm-up: which bins (mask), their widths (s), and for
    each the row of its clock hour among the clock hours present (sorted), with those hours."""
    edges = window_hour_edges(records.horizon_s)
    keep = edges[:-1] >= records.warmup_s
    clock = _clock_hour(records, edges[:-1][keep])
    hours = np.unique(clock)
    return keep, np.diff(edges)[keep], np.searchsorted(hours, clock), hours


def _sum_by(values: np.ndarray, at: np.ndarray, n_rows: int) -> np.ndarray:
    """Row sums of ``values`` (keys × bins) over the bins of each row ``at`` (bins in time order)."""
    n_keys = values.shape[0]
    cell = (np.arange(n_keys)[:, None] * n_rows + at[None, :]).ravel()
    return np.bincount(cell, weights=values.ravel(), minlength=n_keys * n_rows).reshape(n_keys, n_rows)


def _max_by(values: np.ndarray, at: np.ndarray, n_rows: int) -> np.ndarray:
    """Row maxima of ``values`` (keys × bins) over the bins of each row ``at``."""
    out = np.full((values.shape[0], n_rows), -np.inf)
    for r in range(n_rows):
        cols = values[:, at == r]
        if cols.shape[1]:
            out[:, r] = cols.max(axis=1)
    return out


def _weighted_mean(values: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per row of ``values``, the ``w``-weighted mean (``numpy.average``; NaN without bins)."""
    if not len(w):
        return np.full(values.shape[0], np.nan)
    return np.array([np.average(v, weights=w) for v in values])


def queue_table(records: Records, totals: dict[str, np.ndarray], queue_peak: np.ndarray) -> pd.DataFrame:
    """Per replication, lane group and clock hour: time-average and maximum queue length,
    primary throughput (travellers/h), booths open (time-average), booth utilisation
    (busy ÷ open booth time) and arrivals per hour never served before the run ended.

    Hours of the counted window (after warm-up) are averaged over days; the maximum is the
    largest seen in that clock hour on any day. ``records`` supplies only the window and the
    groups' schedules; the counts come from ``totals`` (``hourly_totals``, possibly summed over
    batches) and ``queue_peak`` (the engine's hourly maxima)."""
    edges = window_hour_edges(records.horizon_s)
    keep, width, at, hours = _by_clock_hour(records)
    n_groups, n_rows = len(records.group_names), len(hours)
    days = np.bincount(at, minlength=n_rows)

    def per_h(key: str) -> np.ndarray:
        if key not in totals:
            return np.full((n_groups, len(width)), np.nan)
        return totals[key][:, keep] * 3600.0 / width

    open_s = np.array([_step_seconds_per_bin(b, edges) for b in records.group_booths]).reshape(n_groups, -1)[:, keep]
    busy_s = totals["busy_s"][:, keep]
    per_bin = {
        "mean_queue": totals["queue_s"][:, keep] / width,
        "arrivals_per_h": per_h("arrivals"),
        "throughput_per_h": totals["departures"][:, keep] * 3600.0 / width,
        "unserved_per_h": per_h("unserved"),
        "booths_open": open_s / width,
    }
    peak = np.asarray(queue_peak, dtype=float)[:, : len(keep)][:, keep]
    rows = {k: np.hstack([_sum_by(v, at, n_rows) / days, _weighted_mean(v, width)[:, None]])
            for k, v in per_bin.items()}
    rows["max_queue"] = np.hstack([_max_by(peak, at, n_rows), peak.max(axis=1, initial=-np.inf)[:, None]])
    rows["max_queue"][np.isinf(rows["max_queue"])] = np.nan
    busy = np.hstack([_sum_by(busy_s, at, n_rows), busy_s.sum(axis=1)[:, None]])
    opened = np.hstack([_sum_by(open_s, at, n_rows), open_s.sum(axis=1)[:, None]])
    with np.errstate(invalid="ignore", divide="ignore"):
        rows["utilisation"] = np.where(opened > 0, busy / opened, np.nan)
    k = np.array([records.group_lane_booths[gi] if records.group_lane_booths else np.nan for gi in range(n_groups)],
                 dtype=float)
    rows["lanes_open"] = rows["booths_open"] / k[:, None]
    n_out = n_rows + 1
    labels = np.array([*hour_label(hours), ALL], dtype=object)
    out = pd.DataFrame({
        "replication": np.full(n_groups * n_out, records.replication, dtype=np.int64),
        "mode": np.repeat(np.array(records.group_modes, dtype=object), n_out),
        "lane_group": np.repeat(np.array(records.group_names, dtype=object), n_out),
        "hour": np.tile(labels, n_groups),
        **{c: rows[c].ravel() for c in ("mean_queue", "max_queue", "arrivals_per_h", "throughput_per_h",
                                        "unserved_per_h", "booths_open", "utilisation", "lanes_open")},
    })
    return out


def _step_seconds_per_bin(steps: Sequence[tuple[float, int]], edges: np.ndarray) -> np.ndarray:
    """∫ of a step function (time_s, value) over each bin [edges[k], edges[k+1]): the window cut
    at every step and every edge, each piece's value × length added into its bin."""
    t = np.array([x for x, _ in steps], dtype=float)
    v = np.array([n for _, n in steps], dtype=float)
    cuts = np.union1d(edges, t[(t > edges[0]) & (t < edges[-1])])
    lo, length = cuts[:-1], np.diff(cuts)
    step = np.searchsorted(t, lo, side="right") - 1  # the last step at or before each piece (the later of equal times)
    value = np.where(step >= 0, v[np.maximum(step, 0)] if len(v) else 0.0, 0.0)
    return np.bincount(np.searchsorted(edges, lo, side="right") - 1, weights=value * length,
                       minlength=len(edges) - 1)


def staffing_table(records: Records, totals: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per replication, roster and clock hour: officers on duty and booths they staff (time
    averages; officer-hours per hour), and officer utilisation (inspection time ÷ time on duty).
    Empty when the scenario has no roster."""
    cols = ["replication", "roster", "hour", *STAFFING_METRICS]
    if not records.rosters:
        return pd.DataFrame(columns=cols)
    edges = window_hour_edges(records.horizon_s)
    keep, width, at, hours = _by_clock_hour(records)
    n_rows = len(hours)
    duty, staffed, busy = [], [], []
    for r, (_, steps) in enumerate(records.rosters):
        members = [gi for gi, x in enumerate(records.group_roster) if x == r]
        duty.append(_step_seconds_per_bin(steps, edges)[keep])
        staffed.append(sum((_step_seconds_per_bin(records.group_booths[gi], edges)[keep] for gi in members),
                           np.zeros(len(width))))
        busy.append(sum((totals["busy_s"][gi][keep] for gi in members), np.zeros(len(width))))

    def by_hour(x: list[np.ndarray]) -> np.ndarray:
        a = np.array(x).reshape(len(x), -1)
        return np.hstack([_sum_by(a, at, n_rows), a.sum(axis=1)[:, None]])

    duty_s, staffed_s, busy_s = by_hour(duty), by_hour(staffed), by_hour(busy)
    span = np.append(_sum_by(width[None, :], at, n_rows)[0], width.sum())
    n_out = n_rows + 1
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pd.DataFrame({
            "replication": np.full(len(records.rosters) * n_out, records.replication, dtype=np.int64),
            "roster": np.repeat(np.array([name for name, _ in records.rosters], dtype=object), n_out),
            "hour": np.tile(np.array([*hour_label(hours), ALL], dtype=object), len(records.rosters)),
            "officers_on_duty": (duty_s / span).ravel(),
            "booths_staffed": (staffed_s / span).ravel(),
            "officer_utilisation": np.where(duty_s > 0, busy_s / duty_s, np.nan).ravel(),
        })
    return out


def port_totals(records: Records, clock_hour: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per stream × port (last index: gave up) × clock hour of arrival, counted travellers:
    how many, their summed wait (s; unserved count with the wait so far), how many of them had
    shifted their departure to that hour and how many were never served. Additive over batches.
    ``clock_hour``: every traveller's clock hour of arrival, if the caller has it already."""
    ports = list(dict.fromkeys(records.group_ports))
    n_ports = len(ports) + 1
    shape = (len(records.stream_names), n_ports, 24)
    m = records.counted()
    group = records.group[m]
    port_of_group = np.array([ports.index(p) for p in records.group_ports] + [len(ports)], dtype=np.int64)
    port = port_of_group[np.where(group >= 0, group, len(records.group_ports))]
    arrival = records.arrival_s[m]
    start = records.start_s[m]
    wait = np.where(group < 0, 0.0, np.where(np.isnan(start), records.end_s - arrival, start - arrival))
    hour = _clock_hour(records, arrival) if clock_hour is None else clock_hour[m]
    cell = (records.stream[m] * n_ports + port) * 24 + hour
    size = int(np.prod(shape))
    shifted = (records.shifted_h[m] > 0).astype(float) if records.shifted_h is not None else np.zeros(len(cell))
    return {
        "n": np.bincount(cell, minlength=size).reshape(shape).astype(float),
        "wait_s": np.bincount(cell, weights=wait, minlength=size).reshape(shape),
        "shifted": np.bincount(cell, weights=shifted, minlength=size).reshape(shape),
        "unserved": np.bincount(cell, weights=(group >= 0) & np.isnan(start), minlength=size).reshape(shape),
    }


def port_table(records: Records, totals: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per replication, stream × port (or ``gave_up``) × clock hour (and ``all``), counted
    travellers per day, their share of the stream's arrivals in that hour, mean wait,
    vehicle-hours of delay per day (a lower bound where some were never served), how many of them had
    shifted their departure to that hour, and how many were still waiting when the run ended.
    Stream ``all`` pools the streams, port ``all`` the ports (the regional total delay)."""
    ports = list(dict.fromkeys(records.group_ports)) + [GAVE_UP]
    edges = window_hour_edges(records.horizon_s)
    starts = edges[:-1][edges[:-1] >= records.warmup_s]
    days_by_hour = np.bincount(_clock_hour(records, starts), minlength=24) if len(starts) else np.zeros(24)
    days = np.append(days_by_hour, max((records.horizon_s - records.warmup_s) / 86400.0, 1e-12))
    n = totals["n"]

    def cube(key: str) -> np.ndarray:
        """stream (+ all) × port (+ all who crossed) × hour (+ all)."""
        a = totals.get(key, np.zeros_like(n))
        a = np.concatenate([a, a.sum(axis=0)[None]])  # all streams
        a = np.concatenate([a, a[:, :-1].sum(axis=1)[:, None]], axis=1)  # all ports (not those who gave up)
        return np.concatenate([a, a.sum(axis=2)[:, :, None]], axis=2)  # all hours

    cnt, wait, moved, never = cube("n"), cube("wait_s"), cube("shifted"), cube("unserved")
    tot = cnt[:, :-1].sum(axis=1)  # each stream's travellers by hour: every port and those who gave up
    tot = np.broadcast_to(tot[:, None, :], cnt.shape)
    day = np.broadcast_to(days, cnt.shape)
    streams = [*records.stream_names, ALL]
    labels = [*ports, ALL]
    hours = [*(f"{h:02d}" for h in range(24)), ALL]
    keep = ((tot != 0) & (day != 0)).ravel()
    with np.errstate(invalid="ignore", divide="ignore"):
        values = {
            "travellers_per_day": cnt / day,
            "share": cnt / tot,
            "mean_wait_min": np.where(cnt > 0, wait / cnt / 60.0, np.nan),
            "delay_veh_h_per_day": wait / 3600.0 / day,
            "shifted_per_day": moved / day,
            "unserved_per_day": never / day,
        }
    s, p, h = np.meshgrid(np.arange(len(streams)), np.arange(len(labels)), np.arange(len(hours)), indexing="ij")
    out = pd.DataFrame({
        "replication": np.full(int(keep.sum()), records.replication, dtype=np.int64),
        "stream": np.array(streams, dtype=object)[s.ravel()[keep]],
        "port": np.array(labels, dtype=object)[p.ravel()[keep]],
        "hour": np.array(hours, dtype=object)[h.ravel()[keep]],
        **{k: v.ravel()[keep] for k, v in values.items()},
    })
    return out


def queue_summary(records: Records) -> pd.DataFrame:
    """``queue_table`` for one whole replication's records."""
    if records.queue_peak is None:
        raise ValueError("records without the engine's hourly queue maxima (queue_peak)")
    return queue_table(records, hourly_totals(records), records.queue_peak)


def t_critical(level: float, df: Any) -> Any:
    """Two-sided Student-t critical value at confidence ``level`` for ``df`` degrees of freedom (NaN
    below 1). The function ``scipy.stats.t.ppf`` evaluates, without its argument checks, which took
    1.5 ms a call: a run's tables make a few such calls and a calibration thousands."""
    return special.stdtrit(df, 0.5 + level / 2)


def _t_halfwidth(n: Any, sd: Any, level: float) -> Any:
    """Half-width of the Student-t confidence interval of a mean of ``n`` values with sample
    standard deviation ``sd`` (elementwise; NaN where ``n`` < 2)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        half = t_critical(level, n - 1) * sd / np.sqrt(n)
    return np.where(n < 2, np.nan, half)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided Student-t confidence interval of independent replications' values.

    NaNs (a replication with no traveller in that cell) are left out; fewer than two values
    give an interval of NaN."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        return np.nan, np.nan, np.nan
    mean = float(v.mean())
    if len(v) < 2:
        return mean, np.nan, np.nan
    half = float(_t_halfwidth(len(v), v.std(ddof=1), level))
    return mean, mean - half, mean + half


def _grouped_t(g, columns: list[str], level: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Per group and column: mean and Student-t CI bounds (NaNs left out; < 2 values → NaN CI).
    Vectorised ``t_interval``, every column in one aggregation."""
    cols = g[columns]
    mean = cols.mean()
    half = pd.DataFrame(_t_halfwidth(cols.count().to_numpy(), cols.std(ddof=1).to_numpy(), level),
                        index=mean.index, columns=mean.columns)
    return mean, mean - half, mean + half


def across_replications(
    per_rep: pd.DataFrame, keys: Iterable[str], metrics: Iterable[str], level: float = 0.95
) -> pd.DataFrame:
    """Mean of each metric over replications with ``<metric>_lo``/``<metric>_hi`` CI bounds
    (``t_interval`` per cell). Lower bounds of metrics that are never negative are clipped at 0:
    intersecting a CI with the range the quantity must lie in keeps its coverage.
    One pandas aggregation per statistic over every metric; the table is assembled from arrays."""
    keys, metrics = list(keys), list(metrics)
    g = per_rep.groupby(keys, sort=True, observed=True)
    cols = g[metrics]
    mean = cols.mean()
    half = _t_halfwidth(cols.count().to_numpy(), cols.std(ddof=1).to_numpy(), level)
    m = mean.to_numpy()
    lo, hi = m - half, m + half
    never_negative = ~(cols.min().to_numpy() < 0)  # (NaN only: no value below 0 either)
    lo = np.where(never_negative & (lo < 0), 0.0, lo)
    columns = {"replications": g["replication"].nunique().to_numpy()}
    for extra in ("n", "n_unserved"):
        if extra in per_rep:
            columns[extra] = g[extra].mean().to_numpy().astype(float)
    for i, name in enumerate(metrics):
        columns.update({name: m[:, i], f"{name}_lo": lo[:, i], f"{name}_hi": hi[:, i]})
    return pd.concat([mean.index.to_frame(index=False), pd.DataFrame(columns)], axis=1)


WAIT_KEYS = ["mode", "lane_group", "program", "hour"]
QUEUE_KEYS = ["mode", "lane_group", "hour"]
STAFFING_KEYS = ["roster", "hour"]
PORT_KEYS = ["stream", "port", "hour"]


def paired_differences(a: pd.DataFrame, b: pd.DataFrame, metrics: Iterable[str] = WAIT_METRICS,
                       keys: Sequence[str] = WAIT_KEYS, level: float = 0.95) -> pd.DataFrame:
    """B − A per cell, paired by replication (valid under common random numbers).

    ``a``/``b`` are per-replication tables (e.g. from ``wait_summary``). Only cells present in
    both appear. Returns each side's mean, the mean difference with a t interval over the paired
    replications, and the half-width an unpaired (Welch, independent-runs) comparison would have
    had, to show how much common random numbers narrowed it. Wait tables also carry each side's mean
    ``n_unserved`` per replication: where it is above 0, that side's waits are lower bounds."""
    keys = list(keys)
    merged = a.merge(b, on=keys + ["replication"], suffixes=("_a", "_b"))
    for m in metrics:
        merged[f"{m}_diff"] = merged[f"{m}_b"] - merged[f"{m}_a"]
    g = merged.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame({"pairs": g.size()})
    if "n_unserved" in a and "n_unserved" in b:  # flag cells whose waits are lower bounds
        out["n_unserved_a"], out["n_unserved_b"] = g["n_unserved_a"].mean(), g["n_unserved_b"].mean()
    diff_mean, diff_lo, diff_hi = _grouped_t(g, [f"{m}_diff" for m in metrics], level)
    sides = {s: g[[f"{m}_{s}" for m in metrics]] for s in "ab"}
    mean = {s: cols.mean() for s, cols in sides.items()}
    count = {s: cols.count() for s, cols in sides.items()}
    var = {s: cols.var(ddof=1) for s, cols in sides.items()}
    for m in metrics:
        out[f"{m}_a"], out[f"{m}_b"] = mean["a"][f"{m}_a"], mean["b"][f"{m}_b"]
        out[f"{m}_diff"], out[f"{m}_diff_lo"], out[f"{m}_diff_hi"] = (
            diff_mean[f"{m}_diff"], diff_lo[f"{m}_diff"], diff_hi[f"{m}_diff"])
        na, nb = count["a"][f"{m}_a"], count["b"][f"{m}_b"]
        se = np.sqrt(var["a"][f"{m}_a"] / na + var["b"][f"{m}_b"] / nb)
        with np.errstate(invalid="ignore"):
            tq = pd.Series(t_critical(level, np.minimum(na, nb).to_numpy() - 1), index=na.index)
        out[f"{m}_diff_unpaired_halfwidth"] = (tq * se).where((na > 1) & (nb > 1))
    return out.reset_index()


ECDF_PROBS = np.round(np.linspace(0.0, 1.0, 101), 2)


def wait_quantiles(records: Records) -> pd.DataFrame:
    """Wait quantiles (0, 0.01, …, 1) per mode × lane group, for ECDF plots with CIs.

    Travellers still in line when the run stopped count with their wait so far, as in
    ``wait_summary``; drivers who gave up joined no line and are left out."""
    m = records.counted() & (records.group >= 0)
    group, arrival, start = records.group[m], records.arrival_s[m], records.start_s[m]
    wait_min = np.where(np.isnan(start), (records.end_s - arrival) / 60.0, (start - arrival) / 60.0)
    present = np.flatnonzero(np.bincount(group, minlength=len(records.group_names)))
    modes = np.array(records.group_modes, dtype=object)
    order = sorted(present, key=lambda g: (modes[g], g))  # by mode's name, then the groups' order
    if not order:
        return pd.DataFrame(columns=["replication", "mode", "lane_group", "prob", "wait_min"])
    n = len(ECDF_PROBS)
    return pd.DataFrame({
        "replication": np.full(n * len(order), records.replication, dtype=np.int64),
        "mode": np.repeat(modes[order], n),
        "lane_group": np.repeat(np.array(records.group_names, dtype=object)[order], n),
        "prob": np.tile(ECDF_PROBS, len(order)),
        "wait_min": np.concatenate([np.quantile(wait_min[group == g], ECDF_PROBS) for g in order]),
    })
