#!/usr/bin/env python
"""Validate the (uncalibrated) port baselines against SANDAG's observed hourly waits.

Usage (from the repository root)::

    .venv/bin/python calibration/validate.py [--data ../shared/data] [--reps 10] \
        [--out calibration/VALIDATION.md]

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
import importlib.util
import math
import sys
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _script(stem: str):
    """Import calibration/<stem>.py by path (calibration/ is not a package)."""
    name = f"{stem}_script"  # the names the calibration tests use
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / f"{stem}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_om = _script("otay_mesa_baseline")
_sy = _script("san_ysidro_baseline")

DEFAULT_DATA = _om.DEFAULT_DATA
OBSERVED, RATES = _om.OBSERVED, _om.RATES
DEFAULT_OUT = REPO / "calibration" / "VALIDATION.md"
DEFAULT_REPS = 10
LANE_TYPES = _om.POV_LANE_TYPES  # base lane group name -> SANDAG traveler_type (lane type)
STACKED_SUFFIX = "_stacked"
MISSES_HEADING = "## Where the model misses and why"
COMMAND = ".venv/bin/python calibration/validate.py --data ../shared/data --reps {reps} --out calibration/VALIDATION.md"

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


def _float_or_nan(s: str) -> float:
    s = (s or "").strip()
    return float(s) if s else math.nan


def observed_rows(rows: list[dict[str, str]], port: str) -> pd.DataFrame:
    """Northbound passenger rows of one port: lane_type, hour ("00".."23"), volume, open_lanes,
    obs_wait_min (NaN where SANDAG gives none)."""
    out = []
    for r in rows:
        if r["port_name"] == port and r["direction"] == "Northbound" and r["vehicle_type"] == "Passenger":
            out.append(
                {
                    "lane_type": r["traveler_type"],
                    "hour": clock_hour(int(r["hour"])),
                    "volume": _float_or_nan(r["volume"]),
                    "open_lanes": _float_or_nan(r["open_lanes"]),
                    "obs_wait_min": _float_or_nan(r["wait_time"]),
                }
            )
    df = pd.DataFrame(out, columns=["lane_type", "hour", "volume", "open_lanes", "obs_wait_min"])
    dup = df.duplicated(["lane_type", "hour"])
    if dup.any():
        raise ValueError(f"{OBSERVED}: repeated {port} rows {df[dup][['lane_type', 'hour']].values.tolist()}")
    return df


def observed(data_dir: Path, port: str) -> pd.DataFrame:
    return observed_rows(_om._rows(Path(data_dir) / OBSERVED), port)


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


def volumes(summary: pd.DataFrame, groups: dict[str, str], obs: pd.DataFrame, capacity: dict[str, float]) -> pd.DataFrame:
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
    rates = _om.poe_rates(Path(data_dir))
    return {LANE_TYPES[g]: _sy._capacity_per_day(rates, p) for g, p in rate_prefix.items()}


# --- running and reporting --------------------------------------------------------------


def validate_port(port: str, data_dir: Path, reps: int) -> dict[str, Any]:
    import sim

    spec = PORTS[port]
    loaded = sim.load_scenario(spec["scenario"])
    groups = passenger_groups(loaded.scenario)
    result = sim.run(loaded, replications=reps, workers=None)
    obs = observed(data_dir, port)
    sim_w = simulated_waits(result.summary, groups)
    pairs = paired(sim_w, obs)
    return {
        "port": port,
        "slug": spec["slug"],
        "scenario": spec["scenario"],
        "seed": loaded.scenario.seed,
        "groups": groups,
        "policies": {g: loaded.scenario.lane_groups[g].policy is not None for g in groups},
        "obs": obs,
        "sim": sim_w,
        "pairs": pairs,
        "errors": errors(pairs, ["lane_group", "lane_type"]),
        "volumes": volumes(result.summary, groups, obs, sandag_capacity(data_dir, spec["rate_prefix"])),
    }


def plot_port(res: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    types = list(dict.fromkeys(res["groups"].values()))
    fig, axes = plt.subplots(1, len(types), figsize=(4.2 * len(types), 3.6), sharey=True)
    axes = list(axes) if len(types) > 1 else [axes]
    colors = ["tab:blue", "tab:purple"]
    for ax, t in zip(axes, types):
        for i, g in enumerate([g for g, tt in res["groups"].items() if tt == t]):
            s = res["sim"][res["sim"]["lane_group"] == g].sort_values("hour")
            x = s["hour"].astype(int)
            ax.plot(x, s["sim_wait_min"], color=colors[i % 2], lw=1.8, label=f"simulated {g}")
            ax.fill_between(x, s["sim_lo"], s["sim_hi"], color=colors[i % 2], alpha=0.2, lw=0, label="95 % CI")
        o = res["obs"][res["obs"]["lane_type"] == t].sort_values("hour")
        used = (o["open_lanes"] > 0) & o["obs_wait_min"].notna()
        ax.plot(o["hour"].astype(int)[used], o["obs_wait_min"][used], "o", color="black", ms=4, label="observed (SANDAG)")
        e = res["errors"][res["errors"]["lane_type"] == t]
        sub = "; ".join(f"MAE {r.mae_min:.0f}, bias {r.bias_min:+.0f} min" for r in e.itertuples())
        ax.set_title(f"{t}\n{sub}", fontsize=10)
        ax.set_xlabel("clock hour of arrival")
        ax.set_xlim(-0.5, 23.5)
        ax.set_xticks(range(0, 24, 3))
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("mean wait (min)")
    axes[0].legend(fontsize=8, loc="upper left")
    fig.suptitle(f"{res['port']} NB passenger vehicles: simulated vs observed wait (uncalibrated baseline)", fontsize=11)
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


def render(results: list[dict[str, Any]], reps: int, today: str, png_names: dict[str, str], misses: str | None) -> str:
    L = [
        "# Validation of the baselines against SANDAG's observed waits",
        "",
        "GENERATED by `calibration/validate.py` (except the last section, written by hand and kept",
        "when the file is regenerated). Regenerate with",
        "",
        "```",
        COMMAND.format(reps=reps),
        "```",
        "",
        f"Run on {today}; {reps} replications per port, each scenario's own seed; day 2 of the",
        "48-hour window (the first 24 h are warm-up).",
        "",
        "**In-sample and uncalibrated.** The baselines were derived from the same SANDAG file whose",
        "waits they are compared with here (volumes, lanes open and processing rates), and nothing",
        "was tuned to the waits. The target for calibration is an hourly MAE of at most 10 min out",
        "of sample; it is not met.",
        "",
        "## What is compared",
        "",
        f"* Observed: `{OBSERVED}`, rows direction Northbound, vehicle_type Passenger,",
        "  traveler_type General/Ready/SENTRI, column `wait_time` (min), per lane TYPE and hour",
        "  (CBP data, Tue/Wed/Thu averages). SANDAG hour h = clock hour h-1.",
        "* Simulated: `result.summary`, column `mean_wait_min` with its 95 % CI",
        "  (`mean_wait_min_lo`/`_hi`), program `all` (all programs pooled), per lane GROUP and clock",
        "  hour of ARRIVAL. Ready and SENTRI drivers may also use General lanes, so a lane group's",
        "  wait mixes programs, as SANDAG's per-lane-type wait does.",
        "* Hours are skipped where SANDAG shows 0 lanes open or no wait, or the group served nobody.",
        "* MAE = mean over compared hours of |simulated - observed|; bias = mean of",
        "  (simulated - observed); both in minutes.",
        "",
        "## Hourly waits: error by port and lane type",
        "",
        "| port | lane type | lane group | MAE (min) | bias (min) | hours compared | observed mean (min) | simulated mean (min) |",
        "|---|---|---|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        for e in res["errors"].itertuples():
            p = res["pairs"][res["pairs"]["lane_group"] == e.lane_group]
            L.append(
                f"| {res['port']} | {e.lane_type} | `{e.lane_group}` | {e.mae_min:.1f} | {e.bias_min:+.1f} | {e.hours} "
                f"| {p['obs_wait_min'].mean():.1f} | {p['sim_wait_min'].mean():.1f} |"
            )
    L += [
        "",
        "Observed and simulated means are unweighted means over the compared hours.",
        "",
        "## Daily volumes",
        "",
        "Vehicles per day by lane type. *Observed*: SANDAG `volume` summed over the 24 hours.",
        "*Program arrivals*: simulated travellers of the program of that name (e.g. `ready`)",
        "arriving on the counted day, served or not (`n` + `n_unserved` at hour `all`); these come",
        "from the scenario's stream demand, which is SANDAG's volume, so they only check the",
        "arrival process. *Through these lanes*: simulated travellers served by the lane type's",
        "group(s), all programs. *SANDAG capacity*: Σ over hours of VEH × (OPEN − STL) + STV × STL",
        f"from `{RATES}` (the supply the scenario's lanes are built from).",
        "",
        "| port | lane type | observed | program arrivals | Δ % | through these lanes | Δ % | SANDAG capacity | Δ % |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for res in results:
        for v in res["volumes"].itertuples():
            L.append(
                f"| {res['port']} | {v.lane_type} | {v.observed:,.0f} | {v.sim_program:,.0f} | {v.sim_program_pct:+.1f} "
                f"| {v.sim_lane:,.0f} | {v.sim_lane_pct:+.1f} | {v.sandag_capacity:,.0f} | {v.sandag_capacity_pct:+.1f} |"
            )
    L += ["", "## Plots", ""]
    for res in results:
        L += [
            f"![{res['port']}: simulated vs observed hourly wait]({png_names[res['port']]})",
            "",
            f"{res['port']} (`{res['scenario'].relative_to(REPO)}`): line = simulated mean wait by clock hour of",
            "arrival, band = its 95 % CI across replications, dots = SANDAG's observed wait (hours compared only).",
            "",
        ]
    policies = sorted(g for res in results for g, has in res["policies"].items() if has)
    L += [
        "## Lane policies",
        "",
        ("Lane groups with a `policy:` (officers opening lanes to hold a target wait): "
         + ", ".join(f"`{g}`" for g in policies) + ".")
        if policies
        else "No passenger lane group of these baselines has a `policy:`: lanes open exactly as SANDAG's "
        "hourly `_OPEN` schedule says, whatever the queue.",
        "",
    ]
    L.append(misses if misses else f"{MISSES_HEADING}\n\n(to be written by hand after reading the results above)\n")
    return "\n".join(L)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    ap.add_argument("--reps", type=int, default=DEFAULT_REPS, help="replications per port (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="report to write (default: %(default)s)")
    args = ap.parse_args(argv)
    results, pngs = [], {}
    for port in PORTS:
        res = validate_port(port, args.data, args.reps)
        png = args.out.parent / f"validation_{res['slug']}.png"
        plot_port(res, png)
        pngs[port] = png.name
        results.append(res)
        print(f"{port}:\n{res['errors'].to_string(index=False)}\n{res['volumes'].round(1).to_string(index=False)}")
        print(f"wrote {png}")
    text = render(results, args.reps, _dt.date.today().isoformat(), pngs, _kept_misses(args.out))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
