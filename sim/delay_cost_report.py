"""Cost of delay and emissions of runs and comparisons: tables, CSV files and console headlines.

The numbers come from ``sim.delay_costs`` (pure functions on each replication's wait table); this
module only feeds it a run's tables and formats what comes back. Files: ``delay_costs.csv`` (run and
compare: per scenario, mode, lane group and hour, with ``all`` totals) and
``delay_cost_differences.csv`` (compare: each what-if − the baseline, paired by replication).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim import delay_costs as dc
from sim.results import Comparison, RunResult
from sim.statistics import ALL

COSTS_FILE = "delay_costs.csv"
DIFFERENCES_FILE = "delay_cost_differences.csv"
_SOURCES = ("parameters and sources: sim/delay_cost_parameters.yaml (README, 'Cost of delay and emissions'); "
            "primary line only, every minute in it idling")


def run_costs(result: RunResult, params: dc.CostParameters | None = None) -> pd.DataFrame:
    """Per replication × mode × lane group × hour (and ``all`` rows) of a run: ``delay_costs.COST_METRICS``,
    every replication having every cell (zeros where nobody arrived)."""
    params = params or dc.load_parameters()
    sc = result.loaded.scenario
    w = sc.window
    days_by_hour, days_total = dc.counted_days(w.start, w.duration_h, w.warmup_h)
    ports = {name: g.port for name, g in sc.lane_groups.items()}
    per_rep = dc.replication_costs(result.per_replication("by_hour"), params, ports, days_by_hour, days_total)
    return dc.complete(per_rep, [o.replication for o in result.outputs])


def cost_summary(result: RunResult, params: dc.CostParameters | None = None) -> pd.DataFrame:
    """Mean and 95 % interval per cell of a run (``delay_costs.summarise``)."""
    return dc.summarise(run_costs(result, params))


def cost_differences(cmp: Comparison, params: dc.CostParameters | None = None) -> pd.DataFrame:
    """Each what-if − the baseline per cell, paired by replication, with baseline and scenario columns."""
    params = params or dc.load_parameters()
    base = run_costs(cmp.baseline, params)
    parts = []
    for r in cmp.runs[1:]:
        d = dc.paired(base, run_costs(r, params))
        d.insert(0, "scenario", r.name)
        d.insert(0, "baseline", cmp.baseline.name)
        parts.append(d)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def write_run_costs(result: RunResult, directory: Path) -> None:
    """``delay_costs.csv`` of one run into ``directory`` (a staging directory of ``reports.write_run``)."""
    cost_summary(result).to_csv(Path(directory) / COSTS_FILE, index=False, float_format="%.4f")


def write_comparison_costs(cmp: Comparison, directory: Path) -> None:
    """``delay_costs.csv`` of every scenario and ``delay_cost_differences.csv`` into ``directory``."""
    params = dc.load_parameters()
    frames = [cost_summary(r, params) for r in cmp.runs]
    pd.concat([f.assign(scenario=r.name) for f, r in zip(frames, cmp.runs, strict=True)]).pipe(
        lambda f: f[["scenario", *[c for c in f.columns if c != "scenario"]]]).to_csv(
        Path(directory) / COSTS_FILE, index=False, float_format="%.4f")
    cost_differences(cmp, params).to_csv(Path(directory) / DIFFERENCES_FILE, index=False, float_format="%.4f")


# --- console text ---------------------------------------------------------------------------------


def _num(x: float, prefix: str = "", sign: bool = False) -> str:
    """A figure at a sensible precision with thousands separators; ``prefix`` goes after the sign ($)."""
    if np.isnan(x):
        return "—"
    a = abs(x)
    body = f"{a:,.0f}" if a >= 100 else f"{a:,.1f}" if a >= 10 else f"{a:,.2f}"
    if float(body.replace(",", "")) == 0:
        return f"{prefix}0"
    return ("-" if x < 0 else "+" if sign else "") + prefix + body


def _mean_ci(r: pd.Series, m: str, scale: float = 1.0, prefix: str = "") -> str:
    mean, lo, hi = r[m] * scale, r[f"{m}_lo"] * scale, r[f"{m}_hi"] * scale
    if np.isnan(lo):
        return _num(mean, prefix)
    return f"{_num(mean, prefix)} [{_num(lo, prefix)}, {_num(hi, prefix)}]"


def _diff_ci(r: pd.Series, m: str, scale: float = 1.0, prefix: str = "") -> str:
    mean, lo, hi = r[f"{m}_diff"] * scale, r[f"{m}_diff_lo"] * scale, r[f"{m}_diff_hi"] * scale
    if np.isnan(lo):
        return _num(mean, prefix, sign=True)
    return f"{_num(mean, prefix, sign=True)} [{_num(lo, prefix, sign=True)}, {_num(hi, prefix, sign=True)}]"


def _line(r: pd.Series, fmt) -> str:
    """Delay, cost, fuel and emissions of one row (``fmt`` formats a metric with its interval)."""
    if r["mode"] == "pedestrian":
        return (f"delay {fmt(r, 'delay_person_h_per_day')} person-h; cost {fmt(r, 'cost_usd_per_day', prefix='$')}; "
                "no fuel or emissions (on foot)")
    return (f"delay {fmt(r, 'delay_veh_h_per_day')} vehicle-h, {fmt(r, 'delay_person_h_per_day')} person-h; "
            f"cost {fmt(r, 'cost_usd_per_day', prefix='$')}; idling fuel {fmt(r, 'fuel_gal_per_day')} gal, "
            f"CO2 {fmt(r, 'co2_kg_per_day', 1e-3)} t, NOx {fmt(r, 'nox_g_per_day', 1e-3)} kg, "
            f"PM2.5 {fmt(r, 'pm25_g_per_day', 1e-3)} kg")


def run_headline(result: RunResult, summary: pd.DataFrame | None = None) -> str:
    """Per counted day, mean [95 % CI]: the run's total delay, cost, fuel and emissions, and by mode."""
    s = cost_summary(result) if summary is None else summary
    whole = s[(s["lane_group"] == ALL) & (s["hour"] == ALL)]
    if whole.empty:
        return ""
    lines = [f"Cost of delay and emissions ({result.name}; per counted day, mean [95 % CI] over "
             f"{result.replications} replications; 2017 US$)"]
    total = whole[whole["mode"] == ALL].iloc[0]
    lines.append("  all: " + _line(total, _mean_ci))
    modes = whole[whole["mode"] != ALL]
    if len(modes) > 1:
        for _, r in modes.iterrows():
            lines.append(f"  {r['mode']}: " + _line(r, _mean_ci))
    if total["unserved_per_day"] > 0:
        lines.append(f"  LOWER BOUND: {_num(total['unserved_per_day'])} travellers per day were still in line when "
                     "the run ended; their delay counts only up to then")
    lines.append("  " + _SOURCES)
    return "\n".join(lines)


def comparison_headline(cmp: Comparison, differences: pd.DataFrame | None = None) -> str:
    """Per what-if: total delay, cost, fuel and emissions per counted day, B − A with paired 95 % CIs."""
    d = cost_differences(cmp) if differences is None else differences
    if d.empty:
        return ""
    d = d[(d["mode"] == ALL) & (d["lane_group"] == ALL) & (d["hour"] == ALL)]
    lines = [f"Cost of delay and emissions, B − A per counted day [paired 95 % CI] (A = {cmp.baseline.name}; "
             "2017 US$)"]
    for _, r in d.iterrows():
        lines.append(f"  B = {r['scenario']}: A {_num(r['delay_veh_h_per_day_a'])} → B "
                     f"{_num(r['delay_veh_h_per_day_b'])} vehicle-h, A {_num(r['cost_usd_per_day_a'], '$')} → B "
                     f"{_num(r['cost_usd_per_day_b'], '$')}")
        metrics = [f"{m}_diff{x}" for m in dc.COST_METRICS for x in ("", "_lo", "_hi")]
        if (r[metrics].fillna(0) == 0).all():
            lines.append("    Δ none: B gives exactly A's delay in every replication")
        else:
            lines.append("    Δ " + _line(r, _diff_ci))
        if r["unserved_per_day_a"] > 0 or r["unserved_per_day_b"] > 0:
            lines.append(f"    unserved at the end (lower bounds): A {_num(r['unserved_per_day_a'])}, "
                         f"B {_num(r['unserved_per_day_b'])} travellers per day")
    lines.append("  " + _SOURCES)
    return "\n".join(lines)
