#!/usr/bin/env python
"""Validate the (uncalibrated) port baselines against SANDAG's observed hourly waits.

Usage (from the repository root)::

    .venv/bin/python -m calibration.studies.validate [--data ../shared/data] [--reps 10] \
        [--out calibration/VALIDATION_PORTS.md]

For each port (Otay Mesa, San Ysidro) the baseline scenario is run and the simulated mean wait
by clock hour of arrival in each passenger lane group (all programs pooled: ``summary`` rows
``program == "all"``) is compared with SANDAG's observed wait of that lane's type
(``sandag_sr11_ome/OME_Observed_Data.csv``, direction Northbound, vehicle_type Passenger,
traveler_type General/Ready/SENTRI, column ``wait_time`` in minutes). SANDAG hour h (1..24)
covers (h-1):00-h:00, i.e. clock hour ``h - 1``. Hours with no observed open lanes or no
observed wait are skipped, and so are hours in which the lane group served nobody.

Note the different units: SANDAG's wait is per lane TYPE and hour; ours is per lane GROUP and
hour of arrival. A lane type split into a single-booth and a ``_stacked`` group (San Ysidro) is
compared group by group against the same observed type.

Writes the report (``--out``) and one PNG per port next to it (``validation_<port>.png``).
The section "Where the model misses and why" is written by hand: when the report already
exists, that section is kept as it is and everything else is regenerated.

The data directory is read with the helpers of ``calibration/otay_mesa_baseline.py`` (imported
by path, as ``calibration/san_ysidro_baseline.py`` does).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from calibration import otay_mesa_baseline as _om
from calibration import san_ysidro_baseline as _sy
from calibration.data import DEFAULT_DATA, REPO, sandag
from calibration.data.sandag import OBSERVED, RATES
from calibration.port_baseline import fitted_parameters

DEFAULT_OUT = REPO / "calibration" / "VALIDATION_PORTS.md"
DEFAULT_REPS = 10
LANE_TYPES = _om.POV_LANE_TYPES  # base lane group name -> SANDAG traveler_type (lane type)
STACKED_SUFFIX = "_stacked"
MISSES_HEADING = "## Where the model misses and why"
COMMAND = (".venv/bin/python -m calibration.studies.validate --data ../shared/data --reps {reps}"
           " --out calibration/VALIDATION_PORTS.md")

# port name in SANDAG's files -> (slug for the PNG, baseline scenario, SANDAG rate-file prefixes)
PORTS: dict[str, dict[str, Any]] = {
    "Otay Mesa": {
        "slug": "otay_mesa",
        "scenario": REPO / "scenarios" / "otay_mesa" / "baseline.yaml",
        "rate_prefix": _om.POV_RATE_PREFIX,
    },
    "San Ysidro": {
        "slug": "san_ysidro",
        "scenario": REPO / "scenarios" / "san_ysidro" / "baseline.yaml",
        "rate_prefix": _sy.POV_RATE_PREFIX,
    },
}


# --- pure pieces ------------------------------------------------------------------------


def clock_hour(sandag_hour: int) -> str:
    """SANDAG hour 1..24 -> the summary's clock hour "00".."23" (hour 1 = 00:00-01:00)."""
    if not 1 <= int(sandag_hour) <= 24:
        raise ValueError(f"SANDAG hour must be 1..24, got {sandag_hour}")
    return f"{int(sandag_hour) - 1:02d}"


def lane_type(group: str) -> str | None:
    """SANDAG lane type of a passenger lane group (``pov_ready_stacked`` -> "Ready"), or None."""
    base = group[: -len(STACKED_SUFFIX)] if group.endswith(STACKED_SUFFIX) else group
    return LANE_TYPES.get(base)


def passenger_groups(scenario) -> dict[str, str]:
    """{lane group: lane type} for the scenario's passenger-vehicle lane groups."""
    out = {}
    for name, g in scenario.lane_groups.items():
        t = lane_type(name)
        if t is not None and str(getattr(g.mode, "value", g.mode)) == "vehicle":
            out[name] = t
    return out


def observed(data_dir: Path, port: str) -> pd.DataFrame:
    """Northbound passenger rows of one port: lane_type, hour ("00".."23"), volume, open_lanes,
    obs_wait_min (NaN where SANDAG gives none)."""
    return sandag.observed_table(Path(data_dir), port).rename(columns={"wait_time": "obs_wait_min"})


def simulated_waits(summary: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """Hourly rows (program "all") of the given lane groups: lane_group, lane_type, hour, n,
    sim_wait_min, sim_lo, sim_hi."""
    s = summary[summary["lane_group"].isin(list(groups)) & (summary["program"] == "all") & (summary["hour"] != "all")]
    s = s.rename(columns={"mean_wait_min": "sim_wait_min", "mean_wait_min_lo": "sim_lo", "mean_wait_min_hi": "sim_hi"})
    s = s.assign(lane_type=s["lane_group"].map(groups), hour=s["hour"].astype(str))
    return s[["lane_group", "lane_type", "hour", "n", "sim_wait_min", "sim_lo", "sim_hi"]].reset_index(drop=True)


def paired(sim: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    """Simulated and observed waits side by side, only the hours that can be compared: observed
    lanes open > 0, observed wait present, simulated wait present (the group served someone)."""
    m = sim.merge(obs, on=["lane_type", "hour"], how="inner")
    keep = (m["open_lanes"] > 0) & m["obs_wait_min"].notna() & m["sim_wait_min"].notna() & (m["n"] > 0)
    return m[keep].sort_values(["lane_group", "hour"]).reset_index(drop=True)


def errors(pairs: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Mean absolute error and bias (simulated - observed), minutes, and hours compared."""
    d = pairs.assign(err=pairs["sim_wait_min"] - pairs["obs_wait_min"])
    g = d.groupby(by, sort=False)["err"]
    return pd.DataFrame(
        {"mae_min": g.apply(lambda e: e.abs().mean()), "bias_min": g.mean(), "hours": g.size()}
    ).reset_index()


# --- volumes ----------------------------------------------------------------------------


def volumes(
    summary: pd.DataFrame, groups: dict[str, str], obs: pd.DataFrame, capacity: dict[str, float]
) -> pd.DataFrame:
    """Per lane type and day: observed volume (sum over hours), simulated arrivals of the program of
    that name (``n`` at hour "all" over the passenger groups, + ``n_unserved``), simulated
    travellers served by that lane type's group(s) (all programs), and SANDAG's daily capacity."""
    day = summary[(summary["hour"] == "all") & summary["lane_group"].isin(list(groups))]
    rows = []
    for t in dict.fromkeys(groups.values()):
        program = t.lower()
        prog = day[day["program"] == program]
        lane = day[(day["program"] == "all") & (day["lane_group"].map(groups) == t)]
        obs_day = float(obs.loc[obs["lane_type"] == t, "volume"].sum())
        rows.append(
            {
                "lane_type": t,
                "observed": obs_day,
                "sim_program": float(prog["n"].sum() + prog["n_unserved"].sum()),
                "sim_lane": float(lane["n"].sum()),
                "sandag_capacity": capacity.get(t, math.nan),
            }
        )
    df = pd.DataFrame(rows)
    for c in ("sim_program", "sim_lane", "sandag_capacity"):
        df[c + "_pct"] = 100.0 * (df[c] / df["observed"] - 1.0)
    return df


def sandag_capacity(data_dir: Path, rate_prefix: dict[str, str]) -> dict[str, float]:
    """SANDAG's daily capacity per lane type, sum over hours of VEH × (OPEN − STL) + STV × STL
    (``calibration/san_ysidro_baseline.py``)."""
    rates = sandag.poe_rates(Path(data_dir))
    return {LANE_TYPES[g]: sum(sandag.stacked_capacity(rates, p)) for g, p in rate_prefix.items()}


# --- running and reporting --------------------------------------------------------------

# The ways each port is run: whose fitted parameters (its own: in sample; the other port's: out of
# sample) and how lanes open (the fitted officers' lane policy, or CBP's observed open lanes).
CASES = (
    ("other", "policy"),
    ("own", "policy"),
    ("own", "observed"),
    ("other", "observed"),
)
CASE_LABEL = {
    ("other", "policy"): "out of sample, lane policy",
    ("own", "policy"): "in sample, lane policy",
    ("own", "observed"): "in sample, observed lanes",
    ("other", "observed"): "out of sample, observed lanes",
}


def _port_script(port: str):
    return _om if port == "Otay Mesa" else _sy


def scenario_for(port: str, data_dir: Path, fitted_on: str, lanes: str) -> dict[str, Any]:
    """The port's scenario mapping with the parameters fitted on ``fitted_on`` and, for
    ``lanes == "observed"``, CBP's observed open lanes instead of the lane policy."""
    params = fitted_parameters(_port_script(fitted_on).PARAMETERS)
    derived = _port_script(port).derive(data_dir, params)
    data = derived["scenario"]
    if lanes == "observed":
        for g, open_ in derived["observed_lanes"].items():
            grp = data["lane_groups"][g]
            grp.pop("policy")
            grp["lanes_open"] = open_
    return data


def simulated_lanes(queue: pd.DataFrame, groups: Iterable[str]) -> pd.DataFrame:
    """Mean lanes open per passenger lane group and clock hour, with its CI (queue.csv's lanes_open)."""
    q = queue[queue["lane_group"].isin(list(groups)) & (queue["hour"] != "all")]
    q = q.rename(columns={"lanes_open": "sim_lanes", "lanes_open_lo": "sim_lanes_lo", "lanes_open_hi": "sim_lanes_hi"})
    return q[["lane_group", "hour", "sim_lanes", "sim_lanes_lo", "sim_lanes_hi"]].reset_index(drop=True)


def lane_errors(lanes: pd.DataFrame, obs: pd.DataFrame, groups: dict[str, str]) -> pd.DataFrame:
    """Per lane group: MAE and bias of simulated against observed lanes open (hours with a lane open)."""
    m = lanes.assign(lane_type=lanes["lane_group"].map(groups)).merge(obs, on=["lane_type", "hour"])
    m = m[m["open_lanes"] > 0]
    d = m.assign(err=m["sim_lanes"] - m["open_lanes"]).groupby("lane_group", sort=False)["err"]
    return pd.DataFrame({"lanes_mae": d.apply(lambda e: e.abs().mean()), "lanes_bias": d.mean()}).reset_index()


def validate_case(port: str, data_dir: Path, reps: int, fitted_on: str, lanes: str) -> dict[str, Any]:
    import sim
    from sim.scenario.loader import scenario_from_dict

    data = scenario_for(port, data_dir, fitted_on, lanes)
    loaded = scenario_from_dict(data, name=f"{port} ({lanes} lanes, fitted on {fitted_on})")
    groups = passenger_groups(loaded.scenario)
    result = sim.run(loaded, replications=reps, workers=None)
    obs = observed(data_dir, port)
    sim_w = simulated_waits(result.summary, groups)
    pairs = paired(sim_w, obs)
    sim_l = simulated_lanes(result.queue, groups)
    err = errors(pairs, ["lane_group", "lane_type"]).merge(lane_errors(sim_l, obs, groups), on="lane_group", how="left")
    return {
        "port": port, "fitted_on": fitted_on, "lanes": lanes, "seed": loaded.scenario.seed, "groups": groups,
        "obs": obs, "sim": sim_w, "sim_lanes": sim_l, "pairs": pairs, "errors": err, "summary": result.summary,
    }


def validate_port(port: str, data_dir: Path, reps: int) -> dict[str, Any]:
    """Every case of one port, keyed by (own|other, policy|observed), plus its daily volumes."""
    other = next(p for p in PORTS if p != port)
    cases = {}
    for who, lanes in CASES:
        cases[(who, lanes)] = validate_case(port, data_dir, reps, port if who == "own" else other, lanes)
    own = cases[("own", "policy")]
    spec = PORTS[port]
    return {
        "port": port, "other": other, "slug": spec["slug"], "scenario": spec["scenario"], "cases": cases,
        "groups": own["groups"],
        "volumes": volumes(own["summary"], own["groups"], own["obs"], sandag_capacity(data_dir, spec["rate_prefix"])),
    }


def plot_port(res: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    types = list(dict.fromkeys(res["groups"].values()))
    fig, axes = plt.subplots(2, len(types), figsize=(4.4 * len(types), 6.4), sharex=True,
                             gridspec_kw={"height_ratios": [2, 1]})
    styles = {
        ("other", "policy"): dict(color="tab:blue", lw=2.0, ls="-"),
        ("own", "policy"): dict(color="tab:green", lw=1.2, ls="--"),
        ("own", "observed"): dict(color="tab:red", lw=1.2, ls=":"),
    }
    for j, t in enumerate(types):
        ax, axl = axes[0][j], axes[1][j]
        g = next(g for g, tt in res["groups"].items() if tt == t)
        for key, st in styles.items():
            case = res["cases"][key]
            s = case["sim"][case["sim"]["lane_group"] == g].sort_values("hour")
            x = s["hour"].astype(int)
            who = res["other"] if key[0] == "other" else res["port"]
            ax.plot(x, s["sim_wait_min"], label=f"{CASE_LABEL[key]} (fitted on {who})", **st)
            if key == ("other", "policy"):
                ax.fill_between(x, s["sim_lo"], s["sim_hi"], color=st["color"], alpha=0.2, lw=0, label="95 % CI")
                sl = case["sim_lanes"][case["sim_lanes"]["lane_group"] == g].sort_values("hour")
                xl = sl["hour"].astype(int)
                axl.plot(xl, sl["sim_lanes"], label="simulated, out of sample", **st)
                axl.fill_between(xl, sl["sim_lanes_lo"], sl["sim_lanes_hi"], color=st["color"], alpha=0.2, lw=0)
        o = res["cases"][("own", "policy")]["obs"]
        o = o[o["lane_type"] == t].sort_values("hour")
        used = (o["open_lanes"] > 0) & o["obs_wait_min"].notna()
        ax.plot(o["hour"].astype(int)[used], o["obs_wait_min"][used], "o", color="black", ms=4,
                label="observed (CBP via SANDAG)")
        axl.plot(o["hour"].astype(int), o["open_lanes"], "o", color="black", ms=3, label="observed open lanes")
        e = res["cases"][("other", "policy")]["errors"]
        e = e[e["lane_group"] == g].iloc[0]
        ax.set_title(f"{t}: out-of-sample MAE {e.mae_min:.1f}, bias {e.bias_min:+.1f} min", fontsize=10)
        ax.set_ylim(bottom=0)
        axl.set_ylim(bottom=0)
        for a in (ax, axl):
            a.set_xlim(-0.5, 23.5)
            a.set_xticks(range(0, 24, 3))
            a.grid(alpha=0.3)
        axl.set_xlabel("clock hour of arrival")
    axes[0][0].set_ylabel("mean wait (min)")
    axes[1][0].set_ylabel("lanes open")
    axes[0][0].legend(fontsize=7, loc="lower left")
    axes[1][0].legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{res['port']} NB passenger vehicles: simulated vs observed", fontsize=11)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=90)
    plt.close(fig)


def _kept_misses(out: Path) -> str | None:
    if not out.exists():
        return None
    text = out.read_text(encoding="utf-8")
    i = text.find(MISSES_HEADING)
    return text[i:].rstrip() + "\n" if i >= 0 else None


def _fit_table(records: dict[str, dict[str, Any]]) -> list[str]:
    names = list(next(iter(records.values()))["parameters"])
    L = ["| parameter | " + " | ".join(f"fitted on {p}" for p in records) + " |",
         "|---|" + "---:|" * len(records)]
    for n in names:
        L.append(f"| `{n}` | " + " | ".join(f"{r['parameters'][n]:g}" for r in records.values()) + " |")
    return L


def _method(reps: int, today: str, records: dict[str, dict[str, Any]]) -> list[str]:
    """How the report was made, the model and what was fitted."""
    L = [
        "# Validation of the calibrated baselines against observed waits",
        "",
        "GENERATED by `calibration/studies/validate.py` (except the last section, written by hand and kept",
        "when the file is regenerated). Regenerate with",
        "",
        "```",
        COMMAND.format(reps=reps),
        "```",
        "",
        f"Run on {today}; {reps} replications per case, each scenario's own seed; day 2 of the",
        "48-hour window (the first 24 h are warm-up).",
        "",
        "## The model and what was fitted",
        "",
        "Observed waits are flat all day (Otay Mesa General about 60 min, Ready about 43, SENTRI about 25)",
        "while demand varies threefold, and every open lane is busy. The baselines therefore give each",
        "passenger lane type an officers' **lane policy**: every 5 min the wait of a driver joining now is",
        "estimated; above target × 1.2 one more lane opens, below target × 0.8 one closes (10 min later),",
        "between SANDAG's `min_lanes` and the physical lanes. Per lane type, `poesim calibrate` fits two",
        "numbers by the method of moments with common random numbers: the **target wait** (so that the",
        "mean simulated hourly wait equals the observed one) and a **scale on SANDAG's per-lane service",
        "time** (so that the mean simulated lanes open equals CBP's observed open lanes). Each port is",
        "fitted on its own data (`calibration/parameters/*.json`):",
        "",
        *_fit_table(records),
        "",
        "**Out of sample** below means: a port simulated with its own demand, SANDAG rates and lane counts",
        "but with the six numbers fitted on the OTHER port. **Observed lanes** means the lane policy is",
        "replaced by CBP's observed hourly open lanes (the other way of validating; the lanes are then",
        "data, so only the service-time scale is a fitted input).",
    ]
    return L


def _wait_errors(results: list[dict[str, Any]]) -> list[str]:
    """Hourly wait and lanes-open errors by port, lane type and case; then the daily volumes."""
    L = [
        "",
        "## Hourly waits: error by port, lane type and case",
        "",
        f"Observed: `{OBSERVED}`, direction Northbound, vehicle_type Passenger, column `wait_time`",
        "(CBP data, Tue/Wed/Thu averages; SANDAG hour h = clock hour h-1). Simulated: mean wait by clock",
        "hour of arrival, all programs pooled, per lane group. Hours with no observed lane open or no",
        "observed wait are skipped. MAE = mean over hours of |simulated − observed|, bias = mean of",
        "(simulated − observed), minutes; lanes: the same for lanes open (simulated: booths open ÷",
        "booths per lane, time-averaged in the hour; 0 by construction in the observed-lanes cases).",
        "",
        "| port | lane type | case | fitted on | wait MAE (min) | wait bias (min) | hours | lanes MAE | lanes bias |",
        "|---|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        for key in CASES:
            case = res["cases"][key]
            for e in case["errors"].itertuples():
                bold = "**" if key == ("other", "policy") else ""
                L.append(
                    f"| {res['port']} | {e.lane_type} | {CASE_LABEL[key]} | {case['fitted_on']} "
                    f"| {bold}{e.mae_min:.1f}{bold} "
                    f"| {e.bias_min:+.1f} | {e.hours} | {e.lanes_mae:.2f} | {e.lanes_bias:+.2f} |"
                )
    oos = pd.concat([r["cases"][("other", "policy")]["errors"].assign(port=r["port"]) for r in results],
                    ignore_index=True)
    worst = oos.loc[oos["mae_min"].idxmax()] if len(oos) else None
    L += [
        "",
        f"Out of sample with the lane policy, the hourly MAE is at most **{oos['mae_min'].max():.1f} min** "
        f"({worst['port']} {worst['lane_type']}); the target is 10 min per lane type."
        if worst is not None else "",
        "",
        "## Daily volumes",
        "",
        "Vehicles per day by lane type (in-sample lane-policy run). *Observed*: SANDAG `volume` summed",
        "over the 24 hours. *Program arrivals*: simulated travellers of the program of that name arriving",
        "on the counted day (these come from the scenario's demand, SANDAG's volume, so they only check",
        "the arrival process). *Through these lanes*: travellers served by the lane type's group, all",
        "programs (Ready and SENTRI drivers may use General lanes). *SANDAG capacity*: Σ over hours of",
        f"VEH × (OPEN − STL) + STV × STL from `{RATES}`.",
        "",
        "| port | lane type | observed | program arrivals | Δ % | through these lanes | Δ % | SANDAG capacity | Δ % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        for v in res["volumes"].itertuples():
            L.append(
                f"| {res['port']} | {v.lane_type} | {v.observed:,.0f} | {v.sim_program:,.0f} "
                f"| {v.sim_program_pct:+.1f} | {v.sim_lane:,.0f} | {v.sim_lane_pct:+.1f} "
                f"| {v.sandag_capacity:,.0f} | {v.sandag_capacity_pct:+.1f} |"
            )
    return L


def _plots(results: list[dict[str, Any]], png_names: dict[str, str]) -> list[str]:
    """The figures, one per port, with what they show."""
    L = ["", "## Plots", ""]
    for res in results:
        L += [
            f"![{res['port']}: simulated vs observed hourly wait and lanes open]({png_names[res['port']]})",
            "",
            f"{res['port']} (`{res['scenario'].relative_to(REPO)}`). Top: mean wait by clock hour of arrival;",
            f"blue = out of sample (parameters fitted on {res['other']}) with its 95 % CI across replications,",
            "green dashed = in sample, red dotted = observed lanes instead of the policy; dots = observed.",
            "Bottom: lanes open, simulated out of sample (blue, 95 % CI) and observed (dots).",
            "",
        ]
    return L


def render(results: list[dict[str, Any]], reps: int, today: str, png_names: dict[str, str], misses: str | None,
           records: dict[str, dict[str, Any]], bts: str | None = None) -> str:
    """VALIDATION_PORTS.md: the model and the fit, the errors, volumes and plots, and the hand-written
    reading of the misses (kept when the file is regenerated)."""
    L = _method(reps, today, records) + _wait_errors(results) + _plots(results, png_names)
    if bts:
        L += [bts.rstrip(), ""]
    L.append(misses if misses else f"{MISSES_HEADING}\n\n(to be written by hand after reading the results above)\n")
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    ap.add_argument("--reps", type=int, default=DEFAULT_REPS, help="replications per case (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report to write (default: %(default)s)")
    ap.add_argument("--no-bts", action="store_true",
                    help="leave out the BTS volume section (calibration/studies/bts_volumes.py)")
    args = ap.parse_args(argv)
    results, pngs = [], {}
    for port in PORTS:
        res = validate_port(port, args.data, args.reps)
        png = args.out.parent / f"validation_{res['slug']}.png"
        plot_port(res, png)
        pngs[port] = png.name
        results.append(res)
        for key in CASES:
            print(f"{port}, {CASE_LABEL[key]}:\n{res['cases'][key]['errors'].round(2).to_string(index=False)}")
        print(f"wrote {png}")
    records = {p: json.loads(_port_script(p).PARAMETERS.read_text(encoding="utf-8")) for p in PORTS}
    bts = None
    if not args.no_bts:
        from calibration.studies import bts_volumes as bv
        bts = bv.render_markdown(bv.year_comparison(args.data), bv.weekday_comparison(args.data), None)
    text = render(results, args.reps, _dt.date.today().isoformat(), pngs, _kept_misses(args.out), records, bts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
