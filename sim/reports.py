"""Reports: text tables, CSV/Parquet/JSON files and plots from run results.

Files are written into a staging directory and moved into place only when all of them
exist, so a failed run never leaves a half-written output that looks complete.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__, delay_cost_report
from sim import statistics as st
from sim.results import Comparison, RunResult, Sweep, describe
from sim.statistics import ALL

MANIFEST = "manifest.json"
MODE_ORDER = {"vehicle": 0, "truck": 1, "pedestrian": 2}
SUMMARY_COLUMNS = [
    "mode", "lane_group", "program", "hour", "replications", "n", "n_unserved",
    "mean_wait_min", "mean_wait_min_lo", "mean_wait_min_hi",
    "p50_wait_min", "p50_wait_min_lo", "p50_wait_min_hi",
    "p90_wait_min", "p90_wait_min_lo", "p90_wait_min_hi",
    "p95_wait_min", "p95_wait_min_lo", "p95_wait_min_hi",
    "max_wait_min", "max_wait_min_lo", "max_wait_min_hi",
]  # fmt: skip


# --- text tables --------------------------------------------------------------------------


def _ci(mean: float, lo: float, hi: float) -> str:
    if np.isnan(mean):
        return "—"
    if np.isnan(lo):
        return f"{mean:6.1f}"
    return f"{mean:6.1f} ±{(hi - lo) / 2:5.1f}"


AT_LEAST = "≥"  # marks a wait that is only a lower bound: travellers still in line when the run stopped
AT_LEAST_NOTE = (f"{AT_LEAST} = at least: travellers still in line when the run ended count with their wait so far, "
                 "so these waits understate theirs (see the warning below)")


def _wait(value: float, unserved: bool) -> str:
    """A wait in minutes; with travellers never served, marked as the lower bound it is."""
    if np.isnan(value):
        return "—"
    return f"{AT_LEAST}{value:.1f}" if unserved else f"{value:.1f}"


def summary_table(result: RunResult) -> str:
    """Whole-window waits per lane group and program: mean ±95 % CI half-width and percentiles."""
    s = result.summary
    s = s[(s["hour"] == ALL)].sort_values(["mode", "lane_group", "program"])
    unserved = bool(s["n_unserved"].fillna(0).gt(0).any())  # a column only when someone was never served
    rows = []
    for _, r in s.iterrows():
        short = bool(r["n_unserved"] > 0)  # waits so far of travellers never served: lower bounds, no CI
        everyone = short and r["n_unserved"] >= r["n"]
        rows.append(
            {
                "mode": r["mode"],
                "lane group": r["lane_group"],
                "program": r["program"],
                "travellers/rep": f"{r['n']:.0f}",
                **({"unserved/rep": "all" if everyone else f"{r['n_unserved']:.0f}"} if unserved else {}),
                "mean wait (min)": (_wait(r["mean_wait_min"], True) if short
                                    else _ci(r["mean_wait_min"], r["mean_wait_min_lo"], r["mean_wait_min_hi"])),
                "p50": _wait(r["p50_wait_min"], short),
                "p90": _wait(r["p90_wait_min"], short),
                "p95": _wait(r["p95_wait_min"], short),
                "max": _wait(r["max_wait_min"], short),
            }
        )
    head = f"{result.name}: {result.replications} replications, seed {result.seed} (± = 95 % CI half-width)"
    foot = "\n" + AT_LEAST_NOTE if unserved else ""
    return head + "\n" + pd.DataFrame(rows).to_string(index=False) + foot


def comparison_table(cmp: Comparison, program: str = ALL, detail: bool = False) -> str:
    """Paired comparison of each scenario (B) with the baseline (A), in minutes.

    First the whole counted window per lane group: mean/p50/p90/p95 wait as A→B with the
    paired difference B − A and its 95 % confidence interval; then, per hour band, the mean
    (all four metrics with ``detail=True``, as in ``comparison.txt``)."""
    d = cmp.by_band
    if d.empty:
        return "(nothing to compare)"
    d = d[d["program"] == program]
    metrics = ("mean", "p50", "p90", "p95")
    blocks = []
    for scen, ds in d.groupby("scenario", sort=False):
        ds = ds.assign(_order=ds["mode"].map(MODE_ORDER).fillna(9)).sort_values(
            ["_order", "mode", "lane_group", "hour"])
        diffs = ds[[f"{m}_wait_min_{x}" for m in metrics for x in ("diff", "diff_lo", "diff_hi")]].fillna(0)
        same = (diffs == 0).all(axis=1).groupby(ds["mode"]).all()
        unchanged = [m for m in dict.fromkeys(ds["mode"]) if same[m]]
        ds = ds[~ds["mode"].isin(unchanged)]
        head = (f"A = {cmp.baseline.name}\nB = {scen}\nwaits in minutes (program: {program}); "
                f"Δ = B − A over {cmp.baseline.replications} paired replications (common random numbers)")
        if unchanged:
            head += f"\nUnchanged (identical waits in every replication): {', '.join(unchanged)}"
        if ds.empty:
            blocks.append(f"{head}\nB gives exactly the waits of A in every replication: "
                          "nothing it changes reaches a traveller.")
            continue
        short = (_unserved_cells(cmp.baseline, program), _unserved_cells(_run_named(cmp, scen), program))
        whole = _comparison_rows(ds[ds["hour"] == ALL], metrics, with_hours=False, short=short)
        banded = _comparison_rows(ds[ds["hour"] != ALL], metrics if detail else ("mean",), with_hours=True,
                                  short=short)
        note = f"\n{AT_LEAST_NOTE}" if any(AT_LEAST in t for t in (whole, banded)) else ""
        blocks.append(f"{head}\n\nWhole day\n{whole}\n\nBy hour band\n{banded}{note}\n\n{crn_gain(ds)}")
    return "\n\n".join(blocks)


def staffing_text(result: RunResult) -> str:
    """Officer-hours per day by roster (the staffing assumption), booths staffed and officer utilisation;
    or a line saying lanes open as scheduled or by policy, with no roster."""
    s = result.staffing
    if s.empty:
        return (f"Staffing ({result.name}): no officer roster; "
                "lanes open by schedule or policy within their lane limits.")
    lines = [f"Staffing ({result.name}): officers on primary duty (one per open booth), per counted day"]
    for roster, d in s.groupby("roster", sort=False):
        hours = d[d["hour"] != ALL]
        whole = d[d["hour"] == ALL].iloc[0]
        lines.append(f"  {roster}: {hours['officers_on_duty'].sum():.0f} officer-hours on duty, "
                     f"{hours['booths_staffed'].sum():.0f} booth-hours staffed "
                     f"[{hours['booths_staffed_lo'].sum():.0f}, {hours['booths_staffed_hi'].sum():.0f}], "
                     f"inspecting {100 * whole['officer_utilisation']:.0f} % of their time on duty")
    return "\n".join(lines)


def overload_text(result: RunResult) -> str:
    """A plain warning for each long stretch in which arrivals exceed what the open booths serve,
    and for travellers still waiting when the drain ended (see ``unserved_text``)."""
    o = result.overloaded_hours()
    lines = []
    if not o.empty:
        lines = [f"WARNING ({result.name}): arrivals exceed what the open booths can serve for hours on end; "
                 "waits in these hours keep growing and depend on how long the run is:"]
        for _, r in o.iterrows():
            lines.append(f"  {r['mode']} {r['hours']} h: {r['arrivals_per_h']:.0f} arrivals/h against "
                         f"{r['throughput_per_h']:.0f} served/h ({r['excess_pct']:+.0f} %)")
    unserved = unserved_text(result)
    return "\n".join(lines + ([unserved] if unserved else []))


def unserved_text(result: RunResult) -> str:
    """A warning naming, per mode, the travellers per replication still in line when the drain
    ended: their waits count only up to then (``n_unserved`` in summary.csv and by_band.csv)."""
    s = result.summary
    whole = s[(s["hour"] == ALL) & (s["lane_group"] == ALL) & (s["program"] == ALL) & s["n_unserved"].gt(0)]
    if whole.empty:
        return ""
    drain_h = result.loaded.scenario.window.drain_h
    lines = [f"WARNING ({result.name}): travellers still waiting when the run ended ({drain_h:g} h of drain after "
             "the window) were never served; their waits count only up to then, so the waits above understate "
             "them (lengthen window.drain_h, or add lanes or officers):"]
    for _, r in whole.iterrows():
        lines.append(f"  {r['mode']}: {r['n_unserved']:.0f} of {r['n']:.0f} travellers per replication unserved "
                     f"({100 * r['n_unserved'] / r['n']:.0f} %)")
    return "\n".join(lines)


def ports_text(result: RunResult) -> str:
    """Per port: travellers crossing per day, mean wait and delay; drivers who gave up; regional delay."""
    p = result.ports
    if p.empty:
        return ""
    d = p[(p["stream"] == ALL) & (p["hour"] == ALL)]
    gave_up = d.loc[d["port"] == st.GAVE_UP, "travellers_per_day"]
    if d["port"].nunique() <= 3 and not (gave_up > 0).any():  # one port, nobody gave up
        return ""
    rows = []
    for _, r in d.iterrows():
        rows.append({"port": r["port"],
                     "travellers/day": _ci(r["travellers_per_day"], r["travellers_per_day_lo"],
                                           r["travellers_per_day_hi"]),
                     "share %": f"{100 * r['share']:.1f}",
                     "mean wait (min)": "—" if r["port"] == st.GAVE_UP
                                        else _ci(r["mean_wait_min"], r["mean_wait_min_lo"], r["mean_wait_min_hi"]),
                     "delay (veh-h/day)": "—" if r["port"] == st.GAVE_UP else f"{r['delay_veh_h_per_day']:.0f}"})
    return (f"Ports ({result.name}; all streams; '{st.GAVE_UP}' = drivers who did not cross; 'all' = the region)\n"
            + pd.DataFrame(rows).to_string(index=False))


def ports_comparison_text(cmp: Comparison) -> str:
    """Travellers moved between ports (and to not crossing) and the regional delay, B − A with 95 % CIs."""
    d = cmp.ports
    if d.empty:
        return ""
    d = d[(d["stream"] == ALL) & (d["hour"] == ALL)]
    gave_up = d[d["port"] == st.GAVE_UP]
    nobody_gave_up = gave_up.empty or bool(
        ((gave_up["travellers_per_day_a"] == 0) & (gave_up["travellers_per_day_b"] == 0)).all())
    if d["port"].nunique() <= 3 and nobody_gave_up:  # one port, 'all' and an empty 'gave_up': nothing moved
        return ""
    blocks = []
    for scen, ds in d.groupby("scenario", sort=False):
        rows = []
        for _, r in ds.iterrows():
            rows.append({"port": r["port"],
                         "travellers/day A→B": f"{r['travellers_per_day_a']:.0f}→{r['travellers_per_day_b']:.0f}",
                         "Δ [95% CI]": _diff(r, "travellers_per_day"),
                         "delay veh-h/day A→B": f"{r['delay_veh_h_per_day_a']:.0f}→{r['delay_veh_h_per_day_b']:.0f}",
                         "Δdelay [95% CI]": _diff(r, "delay_veh_h_per_day")})
        blocks.append(f"Ports, B = {scen} (travellers who moved between ports or gave up; delay of those who crossed)\n"
                      + pd.DataFrame(rows).to_string(index=False))
    return "\n\n".join(blocks)


def crn_gain(d: pd.DataFrame, metric: str = "mean_wait_min") -> str:
    """How much pairing (common random numbers) narrowed the difference CIs, versus what
    independent runs with the same replications would have given."""
    paired = (d[f"{metric}_diff_hi"] - d[f"{metric}_diff_lo"]) / 2
    unpaired = d[f"{metric}_diff_unpaired_halfwidth"]
    ok = (paired > 0) & unpaired.notna()
    if not ok.any():
        return "Common random numbers: no cell with a finite paired interval to compare."
    ratio = (unpaired[ok] / paired[ok]).median()
    if ratio < 1.1:
        return (f"Common random numbers: pairing hardly narrowed the 95 % CIs of Δmean here (median ratio "
                f"{ratio:.2f} over {ok.sum()} cells), as happens when one scenario's waits barely vary.")
    return (f"Common random numbers: the 95 % CIs of Δmean are {ratio:.1f}× narrower than independent runs "
            f"would give (median over {ok.sum()} cells); independent runs would need about {ratio ** 2:.0f}× "
            "the replications for the same precision.")


def _run_named(cmp: Comparison, name: str) -> RunResult | None:
    return next((r for r in cmp.runs[1:] if r.name == name), None)


def _unserved_cells(result: RunResult | None, program: str) -> set[tuple[str, str, str]]:
    """(mode, lane group, hour band or 'all') cells of ``program`` where some travellers were never served."""
    if result is None:
        return set()
    b = result.by_band
    b = b[(b["program"] == program) & b["n_unserved"].gt(0)]
    return set(zip(b["mode"], b["lane_group"], b["hour"], strict=True))


def _comparison_rows(d: pd.DataFrame, metrics: tuple[str, ...], with_hours: bool,
                     short: tuple[set, set] = (set(), set())) -> str:
    groups_per_mode = d[d["lane_group"] != ALL].groupby("mode")["lane_group"].nunique()
    d = d[(d["lane_group"] != ALL) | d["mode"].map(groups_per_mode).gt(1)]  # "all" repeats a lone group
    unserved = "n_unserved_a" in d and bool((d[["n_unserved_a", "n_unserved_b"]].fillna(0) > 0).any(axis=None))
    rows = []
    for _, r in d.iterrows():
        row = {"mode": r["mode"], "lane group": r["lane_group"]}
        if with_hours:
            row["hours"] = r["hour"]
        if unserved:  # waits of a side with unserved travellers are lower bounds
            row["unserved/rep A→B"] = f"{r['n_unserved_a']:.0f}→{r['n_unserved_b']:.0f}"
        cell = (r["mode"], r["lane_group"], r["hour"])
        for m in metrics:
            col = f"{m}_wait_min"
            row[f"{m} A→B"] = f"{_wait(r[col + '_a'], cell in short[0])}→{_wait(r[col + '_b'], cell in short[1])}"
            row[f"Δ{m} [95% CI]"] = _diff(r, col)
        rows.append(row)
    return pd.DataFrame(rows).to_string(index=False) if rows else "(no cells in common)"


def _diff(r: pd.Series, m: str) -> str:
    mean, lo, hi = r[f"{m}_diff"], r[f"{m}_diff_lo"], r[f"{m}_diff_hi"]
    if np.isnan(mean):
        return "—"
    if np.isnan(lo):
        return f"{mean:+.1f}"
    return f"{mean:+.1f} [{lo:+.1f}, {hi:+.1f}]"


# --- plots --------------------------------------------------------------------------------


def _subplots(rows: int, cols: int, figsize: tuple[float, float], **kw: Any):
    """A figure and its axes, drawn off-screen: a bare ``Figure`` saves to PNG without pyplot, so
    writing plots never switches the process's matplotlib backend (a notebook's keeps working)."""
    from matplotlib.figure import Figure  # imported when plotting only: it takes a while

    fig = Figure(figsize=figsize)
    return fig, fig.subplots(rows, cols, **kw)


def _panels(n: int):
    """A grid of up to three panels per row for ``n`` lane groups."""
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    return _subplots(rows, cols, figsize=(max(7, 5 * cols), 3.4 * rows), squeeze=False)


def _finish_panels(fig, axes, n: int, title: str, path: Path) -> None:
    """Hide unused panels, put one legend below the panels, title and save. The file is cut
    to what is drawn (``bbox_inches='tight'``), so a wide legend widens the image instead of being cut."""
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    handles: dict[str, object] = {}
    for ax in list(axes.flat)[:n]:  # every scenario that appears in any panel, once
        for h, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, h)
    labels = list(handles)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    if handles:
        ncol = 1 if any(len(x) > 40 for x in labels) else min(4, len(labels))
        fig.legend(list(handles.values()), labels, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol,
                   fontsize=8, frameon=False, handlelength=4)
    fig.savefig(path, dpi=110, bbox_inches="tight", pad_inches=0.15)


# one look per scenario (baseline first): line style, marker and width differ, so that curves lying
# exactly on one another still show every scenario (a solid wide line under a dashed and a dotted one)
LOOKS = (dict(ls="-", lw=3.2, marker="o", ms=4), dict(ls="--", lw=2.0, marker="s", ms=4),
         dict(ls=":", lw=2.2, marker="^", ms=5), dict(ls="-.", lw=1.6, marker="D", ms=3),
         dict(ls=(0, (5, 1, 1, 1, 1, 1)), lw=1.4, marker="v", ms=4))


def _look(k: int, points: int = 24, n: int = 1) -> dict:
    """Line style of the k-th scenario; markers staggered so that identical curves' markers do not overlap."""
    look = dict(LOOKS[k % len(LOOKS)], zorder=3 + k)
    if n > 1:
        look["markevery"] = (k % 3, 3) if points > 8 else 1
    else:
        look.update(ls="-", lw=1.6, marker="o", ms=3)
    return look


def _floor_zero(ax, axis: str = "y") -> None:
    """Start the axis a little below 0, so a curve at 0 stays visible above the axis line."""
    lo, hi = ax.get_ylim() if axis == "y" else ax.get_xlim()
    hi = max(hi, 1.0)
    (ax.set_ylim if axis == "y" else ax.set_xlim)(-0.03 * hi, hi)


def _scenario_label(k: int, name: str, n: int, width: int = 90) -> str:
    """Legend label: 'A: name' for the baseline, 'B1: name', ... for the others; long names wrapped."""
    import textwrap

    tag = "" if n == 1 else ("A: " if k == 0 else (f"B{k}: " if n > 2 else "B: "))
    return "\n".join(textwrap.wrap(tag + name, width)) or tag


def _panel_keys(pairs) -> list[tuple[str, str]]:
    """Distinct (mode, lane group) panels, vehicles first; a mode's "all" panel only when it
    has more than one lane group (otherwise it repeats that group)."""
    keys = list(dict.fromkeys(tuple(k) for k in pairs))
    keys = [(m, lg) for m, lg in keys if lg != ALL or sum(1 for m2, g2 in keys if m2 == m and g2 != ALL) > 1]
    return sorted(keys, key=_panel_order)


def _panel_order(key: tuple[str, str]) -> tuple[int, bool, str]:
    mode, lg = key
    return MODE_ORDER.get(mode, 9), lg == ALL, lg


def plot_wait_by_hour(results: list[RunResult], path: Path) -> None:
    """Mean wait by clock hour of arrival with 95 % CI band, one panel per lane group."""
    keys = _panel_keys(
        k for r in results
        for k in r.summary[(r.summary["program"] == ALL) & (r.summary["hour"] != ALL)][["mode", "lane_group"]]
        .itertuples(index=False)
    )
    n = len(keys)
    fig, axes = _panels(n)
    for ax, (mode, lg) in zip(axes.flat, keys, strict=False):
        for k, r in enumerate(results):
            s = r.summary
            d = s[(s["mode"] == mode) & (s["lane_group"] == lg) & (s["program"] == ALL) & (s["hour"] != ALL)]
            if d.empty:
                continue
            d = d.assign(h=d["hour"].astype(int)).sort_values("h")
            look = _look(k, len(d), len(results))
            line = ax.plot(d["h"] + 0.5, d["mean_wait_min"], label=_scenario_label(k, r.name, len(results)),
                           clip_on=False, **look)[0]
            ax.fill_between(d["h"] + 0.5, d["mean_wait_min_lo"], d["mean_wait_min_hi"], color=line.get_color(),
                            alpha=0.12, zorder=1)
            ax.plot(d["h"] + 0.5, d["p90_wait_min"], ls=look["ls"], color=line.get_color(), lw=0.9, alpha=0.6,
                    zorder=2)
        ax.set_title(f"{lg} ({mode})" if lg != ALL else f"all {mode} lanes")
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        _floor_zero(ax)
        ax.grid(alpha=0.3)
        ax.set_xlabel("hour of arrival")
        ax.set_ylabel("wait (min)")
    _finish_panels(fig, axes, n, "Mean wait by hour of arrival (band: 95 % CI of the mean; thin line: p90)", path)


def plot_difference_by_hour(cmp: Comparison, path: Path, metric: str = "mean_wait_min") -> None:
    """B − A of the mean wait by hour of arrival, one panel per lane group and one curve per what-if,
    with the paired 95 % CI band (common random numbers) and the zero line."""
    d = cmp.by_hour
    d = d[(d["program"] == ALL) & (d["hour"] != ALL)]
    keys = _panel_keys(d[["mode", "lane_group"]].itertuples(index=False))
    n = len(keys)
    fig, axes = _panels(n)
    whatifs = list(dict.fromkeys(d["scenario"]))
    total = len(cmp.runs)
    for ax, (mode, lg) in zip(axes.flat, keys, strict=False):
        ax.axhline(0, color="black", lw=0.9, zorder=2)
        for k, scen in enumerate(whatifs, start=1):
            ds = d[(d["scenario"] == scen) & (d["mode"] == mode) & (d["lane_group"] == lg)]
            if ds.empty:
                continue
            ds = ds.assign(h=ds["hour"].astype(int)).sort_values("h")
            label = _scenario_label(k, scen, total) + f" − A ({cmp.baseline.name})"
            line = ax.plot(ds["h"] + 0.5, ds[f"{metric}_diff"], label=label, clip_on=False,
                           **_look(k, len(ds), total))[0]
            ax.fill_between(ds["h"] + 0.5, ds[f"{metric}_diff_lo"], ds[f"{metric}_diff_hi"], color=line.get_color(),
                            alpha=0.15, zorder=1)
        ax.set_title(f"{lg} ({mode})" if lg != ALL else f"all {mode} lanes")
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        lo, hi = ax.get_ylim()
        pad = 0.05 * max(hi - lo, 1.0)
        ax.set_ylim(min(lo, -pad), max(hi, pad))  # zero always inside, never on the frame
        ax.grid(alpha=0.3)
        ax.set_xlabel("hour of arrival")
        ax.set_ylabel("Δ wait B − A (min)")
    what = metric.replace("_wait_min", "")
    _finish_panels(fig, axes, n, f"Difference in {what} wait by hour of arrival, B − A (band: paired 95 % CI; "
                                      "below 0: B shorter)", path)


def plot_queue_by_hour_compared(results: list[RunResult], path: Path) -> None:
    """Per lane group and hour, for every scenario: booths open (the staffing that served it) and the
    time-average line, one column of panels per lane group."""
    keys = _panel_keys(k for r in results
                       for k in r.queue[r.queue["hour"] != ALL][["mode", "lane_group"]].itertuples(index=False))
    keys = [k for k in keys if k[1] != ALL]
    cols = min(4, max(1, len(keys)))
    blocks = int(np.ceil(len(keys) / cols))
    fig, axes = _subplots(2 * blocks, cols, figsize=(max(7, 4.2 * cols), 5.6 * blocks), squeeze=False)
    for i, (mode, lg) in enumerate(keys):
        top, bottom = axes[2 * (i // cols), i % cols], axes[2 * (i // cols) + 1, i % cols]
        for k, r in enumerate(results):
            q = r.queue
            d = q[(q["mode"] == mode) & (q["lane_group"] == lg) & (q["hour"] != ALL)]
            if d.empty:
                continue
            d = d.assign(h=d["hour"].astype(int)).sort_values("h")
            look = _look(k, len(d), len(results))
            line = top.plot(d["h"] + 0.5, d["booths_open"], label=_scenario_label(k, r.name, len(results)),
                            clip_on=False, **look)[0]
            bottom.plot(d["h"] + 0.5, d["mean_queue"], color=line.get_color(), clip_on=False, **look)
            bottom.fill_between(d["h"] + 0.5, d["mean_queue_lo"], d["mean_queue_hi"], color=line.get_color(),
                                alpha=0.12, zorder=1)
        top.set_title(f"{lg} ({mode})")
        top.set_ylabel("booths open (mean)")
        bottom.set_ylabel("travellers in line")
        bottom.set_xlabel("hour")
        for ax in (top, bottom):
            ax.set_xlim(0, 24)
            ax.set_xticks(range(0, 25, 3))
            _floor_zero(ax)
            ax.grid(alpha=0.3)
    for j in range(len(keys), blocks * cols):
        axes[2 * (j // cols), j % cols].set_visible(False)
        axes[2 * (j // cols) + 1, j % cols].set_visible(False)
    _finish_panels(fig, axes, axes.size, "Booths open (top) and time-average line (bottom, band: 95 % CI) "
                                              "by hour", path)


def plot_wait_ecdf(results: list[RunResult], path: Path) -> None:
    """Distribution of waits (empirical CDF, averaged over replications) per lane group."""
    qs = [(r, r.per_replication("quantiles")) for r in results]
    keys = _panel_keys(k for _, q in qs for k in q[["mode", "lane_group"]].itertuples(index=False))
    n = len(keys)
    fig, axes = _panels(n)
    for ax, (mode, lg) in zip(axes.flat, keys, strict=False):
        for k, (r, q) in enumerate(qs):
            d = q[(q["mode"] == mode) & (q["lane_group"] == lg)]
            if d.empty:
                continue
            m = d.groupby("prob")["wait_min"].agg(["mean", "min", "max"])
            look = {**_look(k, len(m), len(results)), "marker": None}
            line = ax.plot(m["mean"], m.index, label=_scenario_label(k, r.name, len(results)), clip_on=False,
                           **look)[0]
            ax.fill_betweenx(m.index, m["min"], m["max"], color=line.get_color(), alpha=0.12)
        ax.set_title(f"{lg} ({mode})")
        ax.set_xlabel("wait (min)")
        ax.set_ylabel("share of travellers waiting ≤ x")
        ax.set_ylim(-0.02, 1.02)
        _floor_zero(ax, "x")
        ax.grid(alpha=0.3)
    _finish_panels(fig, axes, n, "Wait distribution (line: mean over replications; band: their range)", path)


def plot_queue_by_hour(result: RunResult, path: Path) -> None:
    """Time-average queue length by hour with 95 % CI, and booth utilisation, per lane group."""
    q = result.queue[result.queue["hour"] != ALL]
    fig, (ax1, ax2) = _subplots(1, 2, figsize=(11, 3.8))
    for (_mode, lg), d in q.groupby(["mode", "lane_group"]):
        d = d.assign(h=d["hour"].astype(int)).sort_values("h")
        line = ax1.plot(d["h"] + 0.5, d["mean_queue"], label=f"{lg}")[0]
        ax1.fill_between(d["h"] + 0.5, d["mean_queue_lo"], d["mean_queue_hi"], color=line.get_color(), alpha=0.2)
        ax2.plot(d["h"] + 0.5, d["utilisation"], color=line.get_color(), label=f"{lg}")
    ax1.set_title("Time-average queue length")
    ax2.set_title("Booth utilisation (busy ÷ open)")
    for ax in (ax1, ax2):
        ax.set_xlim(0, 24)
        ax.set_xticks(range(0, 25, 3))
        ax.set_xlabel("hour")
        ax.grid(alpha=0.3)
    ax1.set_ylabel("travellers in line")
    ax2.set_ylim(0, 1.05)
    ax2.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


# --- files --------------------------------------------------------------------------------


def git_commit() -> str | None:
    """The commit of the working tree poesim runs from, if it is a git checkout."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def written_before(out_dir: Path) -> set[str]:
    """Names of the files an earlier poesim output in ``out_dir`` wrote (its manifest lists them):
    plain file names only, never a path, a hidden file or the manifest itself."""
    m = out_dir / MANIFEST
    try:
        if not m.is_file() or m.stat().st_size > 64 * 2**20:
            return set()
        doc = json.loads(m.read_bytes())
    except (OSError, ValueError):
        return set()
    entries = [doc] if isinstance(doc, dict) else []
    for part in ("comparison", "runs"):  # compare and sweep manifests nest one manifest per run
        if entries and isinstance(doc.get(part), list):
            entries += [e for e in doc[part] if isinstance(e, dict)]
    names = {f for e in entries if isinstance(e.get("files"), list) for f in e["files"] if isinstance(f, str)}
    return {n for n in names if n and n == Path(n).name and not n.startswith(".") and n != MANIFEST}


@contextmanager
def staged_directory(out_dir: Path) -> Iterator[Path]:
    """Yield a staging directory; on success move its files into ``out_dir`` (each with an
    atomic rename), on failure delete it, leaving ``out_dir`` as it was.

    ``manifest.json`` marks a complete output: the old one is removed before the first file is
    replaced and the new one is moved in last, so a directory with a manifest is never a mix.
    Files the previous output wrote (its manifest's list) that this one does not write, e.g. the
    plots of a run before one with ``--no-plots``, are removed; nothing else in ``out_dir`` is."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    try:
        yield stage
        stale = written_before(out_dir) - {f.name for f in stage.iterdir()}
        (out_dir / MANIFEST).unlink(missing_ok=True)
        for name in sorted(stale):
            old = out_dir / name
            if old.is_file() and not old.is_symlink():
                old.unlink()
        for f in sorted(stage.iterdir(), key=lambda p: p.name == MANIFEST):
            os.replace(f, out_dir / f.name)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def provenance(files: list[str], argv: list[str] | None = None) -> dict:
    """What made an output directory: versions, commit, command line and the files written."""
    import numpy
    import simpy

    return {
        "poesim_version": __version__,
        "git_commit": git_commit(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "simpy": simpy.__version__,
        "command": argv if argv is not None else sys.argv,
        "files": files,
    }


def manifest(result: RunResult, files: list[str], argv: list[str] | None = None) -> dict:
    return {**describe(result), **provenance(files, argv)}


def write_run(result: RunResult, out_dir: str | Path, records: bool = False, plots: bool = True) -> list[Path]:
    """Write summary.csv, by_band.csv, queue.csv, manifest.json, plots (and records.parquet)."""
    out_dir = Path(out_dir)
    with staged_directory(out_dir) as stage:
        result.summary[SUMMARY_COLUMNS].to_csv(stage / "summary.csv", index=False, float_format="%.4f")
        result.by_band[SUMMARY_COLUMNS].to_csv(stage / "by_band.csv", index=False, float_format="%.4f")
        result.queue.to_csv(stage / "queue.csv", index=False, float_format="%.4f")
        if not result.staffing.empty:
            result.staffing.to_csv(stage / "staffing.csv", index=False, float_format="%.4f")
        if not result.ports.empty:
            result.ports.to_csv(stage / "ports.csv", index=False, float_format="%.4f")
        delay_cost_report.write_run_costs(result, stage)
        if records:
            result.records().to_parquet(stage / "records.parquet", index=False)
        if plots:
            plot_wait_by_hour([result], stage / "wait_by_hour.png")
            plot_wait_ecdf([result], stage / "wait_ecdf.png")
            plot_queue_by_hour(result, stage / "queue_by_hour.png")
        files = sorted(p.name for p in stage.iterdir()) + [MANIFEST]
        (stage / MANIFEST).write_text(json.dumps(manifest(result, files), indent=2, default=str))
    return [out_dir / f for f in files]


def comparison_text(cmp: Comparison, detail: bool = True) -> str:
    """The whole comparison as text: staffing assumption of each scenario, waits A→B with paired
    differences, travellers moved between ports, and overload warnings."""
    parts = [staffing_text(r) for r in cmp.runs]
    parts.append(comparison_table(cmp, detail=detail))
    parts.append(ports_comparison_text(cmp))
    parts.append(delay_cost_report.comparison_headline(cmp))
    parts += [overload_text(r) for r in cmp.runs]
    return "\n\n".join(p for p in parts if p)


def write_comparison(cmp: Comparison, out_dir: str | Path, plots: bool = True) -> list[Path]:
    """Write comparison_by_band.csv, comparison_by_hour.csv, each scenario's summary, plots and a manifest."""
    out_dir = Path(out_dir)
    with staged_directory(out_dir) as stage:
        cmp.by_band.to_csv(stage / "comparison_by_band.csv", index=False, float_format="%.4f")
        cmp.by_hour.to_csv(stage / "comparison_by_hour.csv", index=False, float_format="%.4f")
        summaries = []
        for r in cmp.runs:
            summaries.append(r.summary[SUMMARY_COLUMNS].assign(scenario=r.name))
        pd.concat(summaries)[["scenario", *SUMMARY_COLUMNS]].to_csv(
            stage / "summary.csv", index=False, float_format="%.4f")
        pd.concat([r.queue.assign(scenario=r.name) for r in cmp.runs]).to_csv(
            stage / "queue.csv", index=False, float_format="%.4f")
        staffing = [r.staffing.assign(scenario=r.name) for r in cmp.runs if not r.staffing.empty]
        if staffing:
            pd.concat(staffing).to_csv(stage / "staffing.csv", index=False, float_format="%.4f")
        if not cmp.ports.empty:
            cmp.ports.to_csv(stage / "comparison_ports.csv", index=False, float_format="%.4f")
        delay_cost_report.write_comparison_costs(cmp, stage)
        (stage / "comparison.txt").write_text(comparison_text(cmp) + "\n")
        if plots:
            plot_wait_by_hour(cmp.runs, stage / "wait_by_hour.png")
            plot_wait_ecdf(cmp.runs, stage / "wait_ecdf.png")
            if not cmp.by_hour.empty:
                plot_difference_by_hour(cmp, stage / "difference_by_hour.png")
            plot_queue_by_hour_compared(cmp.runs, stage / "queue_by_hour.png")
        files = sorted(p.name for p in stage.iterdir()) + [MANIFEST]
        doc = {
            "comparison": [manifest(r, files) for r in cmp.runs],
            "baseline": cmp.baseline.name,
            "common_random_numbers": True,
        }
        (stage / MANIFEST).write_text(json.dumps(doc, indent=2, default=str))
    return [out_dir / f for f in files]


def plot_sweep(sweep: Sweep, path: Path) -> None:
    """Mean wait (95 % CI band) and p90 against the first swept field, one panel per lane group;
    one line per combination of any further fields."""
    first = sweep.settings[0][0]
    others = [p for p, _ in sweep.settings[1:]]
    t = sweep.table
    t = t[(t["hour"] == ALL) & (t["program"] == ALL)]
    keys = _panel_keys(zip(t["mode"], t["lane_group"], strict=True))
    n = len(keys)
    fig, axes = _panels(n)
    for ax, (mode, lg) in zip(axes.flat, keys, strict=False):
        d = t[(t["mode"] == mode) & (t["lane_group"] == lg)]
        for combo, dd in (d.groupby(others) if others else [((), d)]):
            dd = dd.sort_values(first)
            label = ", ".join(
                f"{o.split('.')[-1]}={v}" for o, v in zip(others, np.atleast_1d(combo), strict=True)) or "mean"
            line = ax.plot(dd[first], dd["mean_wait_min"], marker="o", ms=3, label=label)[0]
            ax.fill_between(dd[first], dd["mean_wait_min_lo"], dd["mean_wait_min_hi"], color=line.get_color(),
                            alpha=0.2)
            ax.plot(dd[first], dd["p90_wait_min"], ls="--", lw=1, color=line.get_color())
        ax.set_title(f"{lg} ({mode})" if lg != ALL else f"all {mode} lanes")
        ax.set_xlabel(first)
        ax.set_ylabel("wait (min)")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    _finish_panels(fig, axes, n, "Wait against the swept value (band: 95 % CI of the mean; dashed: p90)", path)


def sweep_table(sweep: Sweep) -> str:
    """Whole-window mean and p90 wait per grid point and lane group."""
    paths = [p for p, _ in sweep.settings]
    t = sweep.table
    t = t[(t["hour"] == ALL) & (t["program"] == ALL) & (t["lane_group"] != ALL)]
    unserved = bool(t["n_unserved"].fillna(0).gt(0).any())
    rows = []
    for _, r in t.sort_values([*paths, "mode", "lane_group"]).iterrows():
        rows.append({**{p.split(".")[-2] + "." + p.split(".")[-1] if "." in p else p: r[p] for p in paths},
                     "mode": r["mode"], "lane group": r["lane_group"],
                     **({"unserved/rep": f"{r['n_unserved']:.0f}"} if unserved else {}),
                     "mean wait (min)": _ci(r["mean_wait_min"], r["mean_wait_min_lo"], r["mean_wait_min_hi"]),
                     "p90": f"{r['p90_wait_min']:.1f}"})
    text = pd.DataFrame(rows).to_string(index=False)
    if unserved:
        text += ("\nWARNING: at some grid points travellers were still waiting when the run ended (unserved/rep): "
                 "their waits count only up to then, so those points' waits are lower bounds.")
    return text


def write_sweep(sweep: Sweep, out_dir: str | Path, plots: bool = True) -> list[Path]:
    """Write sweep.csv (one tidy table), sweep.png and a manifest."""
    out_dir = Path(out_dir)
    with staged_directory(out_dir) as stage:
        sweep.table.to_csv(stage / "sweep.csv", index=False, float_format="%.4f")
        if plots:
            plot_sweep(sweep, stage / "sweep.png")
        files = sorted(p.name for p in stage.iterdir()) + [MANIFEST]
        doc = {"settings": [{"field": p, "values": v} for p, v in sweep.settings],
               "runs": [manifest(r, files) for r in sweep.runs]}
        (stage / MANIFEST).write_text(json.dumps(doc, indent=2, default=str))
    return [out_dir / f for f in files]
