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
from itertools import pairwise

import numpy as np
import pandas as pd
from scipy import stats

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
    start_s = records.start.hour * 3600 + records.start.minute * 60 + records.start.second
    return (((t_s + start_s) // 3600) % 24).astype(np.int64)


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
    One sort for all statistics: a pandas groupby per quantile was most of a replication's
    statistics time."""
    order = np.lexsort((wait, codes))
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


def wait_summary(records: Records, by: str = "hour") -> pd.DataFrame:
    """Wait statistics of one replication by mode × lane group × program × time label.

    ``by`` is ``"hour"`` (clock hour of arrival, '00'–'23') or ``"band"`` (``HOUR_BANDS``).
    Rows with ``lane_group == 'all'`` pool every group of a mode, ``program == 'all'`` every
    program, ``hour == 'all'`` the whole counted window.
    """
    mask = records.counted() & (records.group >= 0)
    arrival = records.arrival_s[mask]
    start = records.start_s[mask]
    unserved = np.isnan(start)
    wait_s = np.where(unserved, records.end_s - arrival, start - arrival)
    hour = _clock_hour(records, arrival)
    label = hour_label(hour) if by == "hour" else band_label(hour)
    groups = records.group[mask]
    keys = {
        "mode": np.asarray(records.group_modes, dtype=object)[groups],
        "lane_group": np.asarray(records.group_names, dtype=object)[groups],
        "program": np.asarray(PROGRAMS, dtype=object)[records.program[mask]],
        "hour": label,
    }
    wait_min = wait_s / 60.0
    if len(wait_min) == 0:
        return pd.DataFrame({"replication": pd.Series(dtype=np.int64), **{c: [] for c in _WAIT_COLUMNS}})
    # each key as sorted codes, so that combined codes sort as pandas sorts the labels
    codes, uniques = {}, {}
    for k, v in keys.items():
        codes[k], uniques[k] = pd.factorize(v, sort=True)
    radix = [len(uniques[k]) for k in keys]
    parts = []
    for lg in (False, True):
        for prog in (False, True):
            for hr in (False, True):
                pooled = {"mode": False, "lane_group": lg, "program": prog, "hour": hr}
                code = np.zeros(len(wait_min), dtype=np.int64)
                for k, r in zip(keys, radix, strict=True):
                    code = code * r + (0 if pooled[k] else codes[k])
                g = _group_waits(code, wait_min, unserved)
                part: dict[str, object] = {}
                rest = g["code"]
                for k, r in reversed(list(zip(keys, radix, strict=True))):
                    part[k] = ALL if pooled[k] else np.asarray(uniques[k], dtype=object)[rest % r]
                    rest = rest // r
                part = {k: part[k] for k in keys}
                part.update({c: g[c] for c in _WAIT_COLUMNS[4:]})
                parts.append(pd.DataFrame(part))
    out = pd.concat(parts, ignore_index=True)[_WAIT_COLUMNS]
    out.insert(0, "replication", records.replication)
    return out


def window_hour_edges(horizon_s: float) -> np.ndarray:
    """Edges (s) of the hours of the window; the last hour may be partial."""
    edges = np.arange(0.0, horizon_s + 3600.0, 3600.0)
    edges[-1] = min(edges[-1], horizon_s)
    return np.unique(edges)


def interval_seconds_per_bin(t0: np.ndarray, t1: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Total time the intervals [t0, t1) spend in each bin [edges[k], edges[k+1]).

    Additive over intervals, so totals of separate batches of travellers can be summed."""
    n = len(edges) - 1
    lo, hi = edges[0], edges[-1]
    t0, t1 = np.clip(t0, lo, hi), np.clip(t1, lo, hi)
    keep = t1 > t0
    t0, t1 = t0[keep], t1[keep]
    b0 = np.clip(np.searchsorted(edges, t0, side="right") - 1, 0, n - 1)
    b1 = np.clip(np.searchsorted(edges, t1, side="left") - 1, 0, n - 1)  # bin holding the end
    same = b0 == b1
    cross = ~same
    out = np.zeros(n)  # (bincount of nothing is an integer array, so add into floats)
    out += np.bincount(b0[same], weights=(t1 - t0)[same], minlength=n)
    out += np.bincount(b0[cross], weights=edges[b0[cross] + 1] - t0[cross], minlength=n)
    out += np.bincount(b1[cross], weights=t1[cross] - edges[b1[cross]], minlength=n)
    # whole bins strictly between: a difference array
    full = np.bincount(b0[cross] + 1, minlength=n + 1) - np.bincount(b1[cross], minlength=n + 1)
    return out + np.cumsum(full[:-1]) * np.diff(edges)


def hourly_totals(records: Records) -> dict[str, np.ndarray]:
    """Per lane group × hour of the window: seconds travellers spent in line (``queue_s``),
    seconds of inspection (``busy_s``), departures from primary, arrivals and, by hour of arrival,
    arrivals never served before the run ended (``unserved``). Additive over batches."""
    edges = window_hour_edges(records.horizon_s)
    n_groups = len(records.group_names)
    n_bins = len(edges) - 1
    out = {k: np.zeros((n_groups, n_bins)) for k in ("queue_s", "busy_s", "departures", "arrivals", "unserved")}
    for gi in range(n_groups):
        m = records.group == gi
        arr = records.arrival_s[m]
        inside = (arr >= edges[0]) & (arr < edges[-1])
        bins = np.searchsorted(edges, arr[inside], side="right") - 1
        out["arrivals"][gi] = np.bincount(bins, minlength=n_bins)
        start = records.start_s[m]
        out["unserved"][gi] = np.bincount(bins, weights=np.isnan(start[inside]), minlength=n_bins)
        out["queue_s"][gi] = interval_seconds_per_bin(
            records.arrival_s[m], np.where(np.isnan(start), records.end_s, start), edges)
        served = ~np.isnan(start)
        out["busy_s"][gi] = interval_seconds_per_bin(start[served], start[served] + records.service_s[m][served], edges)
        dep = records.depart_s[m]
        dep = dep[(dep >= edges[0]) & (dep < edges[-1])]
        out["departures"][gi] = np.bincount(np.searchsorted(edges, dep, side="right") - 1, minlength=len(edges) - 1)
    return out


def queue_table(records: Records, totals: dict[str, np.ndarray], queue_peak: np.ndarray) -> pd.DataFrame:
    """Per replication, lane group and clock hour: time-average and maximum queue length,
    primary throughput (travellers/h), booths open (time-average), booth utilisation
    (busy ÷ open booth time) and arrivals per hour never served before the run ended.

    Hours of the counted window (after warm-up) are averaged over days; the maximum is the
    largest seen in that clock hour on any day. ``records`` supplies only the window and the
    groups' schedules; the counts come from ``totals`` (``hourly_totals``, possibly summed over
    batches) and ``queue_peak`` (the engine's hourly maxima)."""
    edges = window_hour_edges(records.horizon_s)
    width = np.diff(edges)
    keep = edges[:-1] >= records.warmup_s
    clock = _clock_hour(records, edges[:-1])
    rows = []
    for gi, name in enumerate(records.group_names):
        open_s = _step_seconds_per_bin(records.group_booths[gi], edges)
        frame = pd.DataFrame(
            {
                "hour": hour_label(clock),
                "mean_queue": totals["queue_s"][gi] / width,
                "max_queue": queue_peak[gi, : len(width)],
                "arrivals_per_h": totals["arrivals"][gi] * 3600.0 / width if "arrivals" in totals else np.nan,
                "throughput_per_h": totals["departures"][gi] * 3600.0 / width,
                "unserved_per_h": totals["unserved"][gi] * 3600.0 / width if "unserved" in totals else np.nan,
                "busy_s": totals["busy_s"][gi],
                "open_s": open_s,
                "width": width,
            }
        )[keep]
        frame["booths_open"] = frame["open_s"] / frame["width"]
        agg = frame.groupby("hour").agg(
            mean_queue=("mean_queue", "mean"),
            max_queue=("max_queue", "max"),
            arrivals_per_h=("arrivals_per_h", "mean"),
            throughput_per_h=("throughput_per_h", "mean"),
            unserved_per_h=("unserved_per_h", "mean"),
            booths_open=("booths_open", "mean"),
            busy_s=("busy_s", "sum"),
            open_s=("open_s", "sum"),
        )
        w = frame["width"]
        total = pd.DataFrame(
            {
                "mean_queue": [np.average(frame["mean_queue"], weights=w) if len(w) else np.nan],
                "max_queue": [frame["max_queue"].max()],
                "arrivals_per_h": [np.average(frame["arrivals_per_h"], weights=w) if len(w) else np.nan],
                "throughput_per_h": [np.average(frame["throughput_per_h"], weights=w) if len(w) else np.nan],
                "unserved_per_h": [np.average(frame["unserved_per_h"], weights=w) if len(w) else np.nan],
                "booths_open": [np.average(frame["booths_open"], weights=w) if len(w) else np.nan],
                "busy_s": [frame["busy_s"].sum()],
                "open_s": [frame["open_s"].sum()],
            },
            index=pd.Index([ALL], name="hour"),
        )
        agg = pd.concat([agg, total])
        with np.errstate(invalid="ignore", divide="ignore"):
            agg["utilisation"] = np.where(agg["open_s"] > 0, agg["busy_s"] / agg["open_s"], np.nan)
        k = records.group_lane_booths[gi] if records.group_lane_booths else np.nan
        agg["lanes_open"] = agg["booths_open"] / k
        agg = agg.drop(columns=["busy_s", "open_s"]).reset_index().rename(columns={"index": "hour"})
        agg.insert(0, "lane_group", name)
        agg.insert(0, "mode", records.group_modes[gi])
        rows.append(agg)
    out = pd.concat(rows, ignore_index=True)
    out.insert(0, "replication", records.replication)
    return out


def _step_seconds_per_bin(steps: Sequence[tuple[float, int]], edges: np.ndarray) -> np.ndarray:
    """∫ of a step function (time_s, value) over each bin [edges[k], edges[k+1])."""
    t = np.array([x for x, _ in steps] + [np.inf])
    v = np.array([n for _, n in steps], dtype=float)
    return np.array([np.sum(v * np.clip(np.minimum(t[1:], e1) - np.maximum(t[:-1], e0), 0, None))
                     for e0, e1 in pairwise(edges)])


def staffing_table(records: Records, totals: dict[str, np.ndarray]) -> pd.DataFrame:
    """Per replication, roster and clock hour: officers on duty and booths they staff (time
    averages; officer-hours per hour), and officer utilisation (inspection time ÷ time on duty).
    Empty when the scenario has no roster."""
    cols = ["replication", "roster", "hour", *STAFFING_METRICS]
    if not records.rosters:
        return pd.DataFrame(columns=cols)
    edges = window_hour_edges(records.horizon_s)
    width = np.diff(edges)
    keep = edges[:-1] >= records.warmup_s
    clock = hour_label(_clock_hour(records, edges[:-1]))
    rows = []
    for r, (name, steps) in enumerate(records.rosters):
        members = [gi for gi, x in enumerate(records.group_roster) if x == r]
        duty_s = _step_seconds_per_bin(steps, edges)
        staffed_s = sum((_step_seconds_per_bin(records.group_booths[gi], edges) for gi in members),
                        np.zeros(len(width)))
        busy_s = sum((totals["busy_s"][gi] for gi in members), np.zeros(len(width)))
        frame = pd.DataFrame(
            {"hour": clock, "duty_s": duty_s, "staffed_s": staffed_s, "busy_s": busy_s, "width": width})[keep]
        agg = frame.groupby("hour")[["duty_s", "staffed_s", "busy_s", "width"]].sum()
        agg.loc[ALL] = frame[["duty_s", "staffed_s", "busy_s", "width"]].sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            part = pd.DataFrame({
                "roster": name,
                "hour": agg.index,
                "officers_on_duty": agg["duty_s"] / agg["width"],
                "booths_staffed": agg["staffed_s"] / agg["width"],
                "officer_utilisation": np.where(agg["duty_s"] > 0, agg["busy_s"] / agg["duty_s"], np.nan),
            })
        rows.append(part)
    out = pd.concat(rows, ignore_index=True)
    out.insert(0, "replication", records.replication)
    return out[cols]


def port_totals(records: Records) -> dict[str, np.ndarray]:
    """Per stream × port (last index: gave up) × clock hour of arrival, counted travellers:
    how many, their summed wait (s; unserved count with the wait so far), how many of them had
    shifted their departure to that hour and how many were never served. Additive over batches."""
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
    cell = np.ravel_multi_index((records.stream[m], port, _clock_hour(records, arrival)), shape)
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
    days_total = max((records.horizon_s - records.warmup_s) / 86400.0, 1e-12)
    n, w = totals["n"], totals["wait_s"]
    sh = totals.get("shifted", np.zeros_like(n))
    un = totals.get("unserved", np.zeros_like(n))
    streams = list(records.stream_names)
    rows = []
    for si, sname in [(i, x) for i, x in enumerate(streams)] + [(None, ALL)]:
        ns = n.sum(axis=0) if si is None else n[si]
        ws = w.sum(axis=0) if si is None else w[si]
        ss = sh.sum(axis=0) if si is None else sh[si]
        us = un.sum(axis=0) if si is None else un[si]
        for pi, pname in [(i, x) for i, x in enumerate(ports)] + [(None, ALL)]:
            if pname == ALL:
                np_, wp, sp = ns[:-1].sum(axis=0), ws[:-1].sum(axis=0), ss[:-1].sum(axis=0)  # all ports: who crossed
                up = us[:-1].sum(axis=0)
            else:
                np_, wp, sp, up = ns[pi], ws[pi], ss[pi], us[pi]
            stream_n = ns.sum(axis=0)
            for h, label in [(h, f"{h:02d}") for h in range(24)] + [(None, ALL)]:
                cnt = np_.sum() if h is None else np_[h]
                tot = stream_n.sum() if h is None else stream_n[h]
                wait = wp.sum() if h is None else wp[h]
                moved = sp.sum() if h is None else sp[h]
                never = up.sum() if h is None else up[h]
                days = days_total if h is None else days_by_hour[h]
                if tot == 0 or days == 0:
                    continue
                rows.append({"stream": sname, "port": pname, "hour": label,
                             "travellers_per_day": cnt / days, "share": cnt / tot,
                             "mean_wait_min": wait / cnt / 60.0 if cnt else np.nan,
                             "delay_veh_h_per_day": wait / 3600.0 / days,
                             "shifted_per_day": moved / days, "unserved_per_day": never / days})
    out = pd.DataFrame(rows, columns=["stream", "port", "hour", *PORT_METRICS])
    out.insert(0, "replication", records.replication)
    return out


def queue_summary(records: Records) -> pd.DataFrame:
    """``queue_table`` for one whole replication's records."""
    if records.queue_peak is None:
        raise ValueError("records without the engine's hourly queue maxima (queue_peak)")
    return queue_table(records, hourly_totals(records), records.queue_peak)


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
    half = float(stats.t.ppf(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return mean, mean - half, mean + half


def _grouped_t(g, column: pd.Series | str, level: float) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Per group: mean and Student-t CI bounds of a column (NaNs left out; < 2 values → NaN CI).
    Vectorised ``t_interval``."""
    col = g[column]
    cnt, mean, sd = col.count(), col.mean(), col.std(ddof=1)
    with np.errstate(invalid="ignore"):
        half = pd.Series(stats.t.ppf(0.5 + level / 2, cnt.to_numpy() - 1), index=cnt.index) * sd / np.sqrt(cnt)
    half[cnt < 2] = np.nan
    return mean, mean - half, mean + half


def across_replications(
    per_rep: pd.DataFrame, keys: Iterable[str], metrics: Iterable[str], level: float = 0.95
) -> pd.DataFrame:
    """Mean of each metric over replications with ``<metric>_lo``/``<metric>_hi`` CI bounds
    (``t_interval`` per cell). Lower bounds of metrics that are never negative are clipped at 0:
    intersecting a CI with the range the quantity must lie in keeps its coverage."""
    keys, metrics = list(keys), list(metrics)
    g = per_rep.groupby(keys, sort=True, observed=True)
    out = pd.DataFrame({"replications": g["replication"].nunique()})
    for extra in ("n", "n_unserved"):
        if extra in per_rep:
            out[extra] = g[extra].mean().astype(float)
    for m in metrics:
        mean, lo, hi = _grouped_t(g, m, level)
        nonneg = ~(per_rep[m] < 0).groupby([per_rep[k] for k in keys], sort=True, observed=True).any()
        out[m], out[f"{m}_lo"], out[f"{m}_hi"] = mean, lo.where(~(nonneg & (lo < 0)), 0.0), hi
    return out.reset_index()


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
    for m in metrics:
        out[f"{m}_a"], out[f"{m}_b"] = g[f"{m}_a"].mean(), g[f"{m}_b"].mean()
        out[f"{m}_diff"], out[f"{m}_diff_lo"], out[f"{m}_diff_hi"] = _grouped_t(g, f"{m}_diff", level)
        na, nb = g[f"{m}_a"].count(), g[f"{m}_b"].count()
        se = np.sqrt(g[f"{m}_a"].var(ddof=1) / na + g[f"{m}_b"].var(ddof=1) / nb)
        with np.errstate(invalid="ignore"):
            tq = pd.Series(stats.t.ppf(0.5 + level / 2, np.minimum(na, nb).to_numpy() - 1), index=na.index)
        out[f"{m}_diff_unpaired_halfwidth"] = (tq * se).where((na > 1) & (nb > 1))
    return out.reset_index()


ECDF_PROBS = np.round(np.linspace(0.0, 1.0, 101), 2)


def wait_quantiles(records_frame: pd.DataFrame, replication: int, end_s: float | None = None) -> pd.DataFrame:
    """Wait quantiles (0, 0.01, …, 1) per mode × lane group, for ECDF plots with CIs.

    Travellers still in line when the run stopped at ``end_s`` count with their wait so far, as in
    ``wait_summary`` (without ``end_s`` they are left out)."""
    d = records_frame[records_frame["counted"]]
    rows = []
    for (mode, lg), g in d.groupby(["mode", "lane_group"], observed=True):
        waits = g["wait_min"].to_numpy()
        if end_s is not None:
            waits = np.where(np.isnan(waits), (end_s - g["arrival_s"].to_numpy()) / 60.0, waits)
        waits = waits[~np.isnan(waits)]
        if len(waits):
            q = np.quantile(waits, ECDF_PROBS)
            rows.append(pd.DataFrame(
                {"replication": replication, "mode": mode, "lane_group": lg, "prob": ECDF_PROBS, "wait_min": q}))
    if not rows:
        return pd.DataFrame(columns=["replication", "mode", "lane_group", "prob", "wait_min"])
    return pd.concat(rows, ignore_index=True)
