#!/usr/bin/env python
"""How well a crossing built from public data alone (``calibration/port_new.py``) predicts its
observed hourly waits, before fitting anything to them and after fitting its one parameter.

Usage (from the repository root)::

    .venv/bin/python -m calibration.studies.new_ports [--data ../shared/data] [--reps 10] \
        [--crossing 535502] [--out calibration/VALIDATION_NEW_PORTS.md]

*Before*: the generated baseline as it is: San Diego's service times, officers' bands and reservation
wait (the wait above which drivers give up), this crossing's lanes, hours, officers (CBP's reported open
lanes) and volumes. *After*: one scale on every service time fitted to this crossing's observed waits
(method of moments, ``sim.fitting``), everything else unchanged. Observed: CBP's feed as recorded by a scraper
(``cbp_bwt/brownsville_bwt_rss_history_2026-08.csv``), mean by clock hour over the recorded days.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from calibration import port_new
from calibration.data import DEFAULT_DATA, REPO
from calibration.data.cbp_feed import BROWNSVILLE, hourly
from calibration.studies.sections import replace_section
from sim.fitting import Parameter, fit
from sim.runner import run
from sim.scenario.loader import scenario_from_dict
from sim.statistics import ALL

DEFAULT_CROSSING = "535502"  # Brownsville - Veterans International: all three lane types, lanes open recorded
PNG = "validation_new_ports.png"


def observed(d: dict[str, Any]) -> pd.DataFrame:
    """The crossing's observed mean wait by lane group and clock hour (``sim.fitting``'s long format)."""
    if d["readings"] is None:
        raise ValueError(f"{d['crossing'].label}: no recorded waits in {BROWNSVILLE}")
    prof = hourly(d["readings"])
    prof = prof[prof["lane_type"].isin(d["types"])]
    return pd.DataFrame({"lane_group": prof["lane_type"].map(port_new.GROUP_OF), "hour": prof["hour"].map(
        lambda h: f"{h:02d}"), "metric": "mean_wait_min", "observed": prof["wait_min"], "readings": prof["readings"]})


def fit_service_scale(data_dir: Path, query: str, reps: int) -> float:
    """The scale on every borrowed service time with which the crossing's mean simulated wait (all
    passenger lane types and observed hours) equals its observed one."""
    d = port_new.derive(data_dir, query)
    obs = observed(d)
    p = Parameter("service_scale", start=1.0, bounds=(0.3, 4.0), metric="mean_wait_min",
                  lane_groups=tuple(port_new.GROUP_OF[t] for t in d["types"]), xtol=0.005, decimals=3)
    res = fit(lambda v: port_new.derive(data_dir, query, v["service_scale"])["scenario"], [p],
              obs[["lane_group", "hour", "metric", "observed"]], replications=reps, seed=d["scenario"]["seed"])
    return float(res.values["service_scale"])


def waits_by_hour(d: dict[str, Any], reps: int) -> pd.DataFrame:
    """Simulated mean wait by lane group and clock hour (mean over replications, with its 95 % CI)."""
    r = run(scenario_from_dict(d["scenario"], name="<new port>"), replications=reps, seed=d["scenario"]["seed"])
    s = r.summary
    s = s[(s["program"] == ALL) & (s["hour"] != ALL) & s["lane_group"].isin(port_new.GROUP_OF.values())]
    cols = ["lane_group", "hour", "mean_wait_min", "mean_wait_min_lo", "mean_wait_min_hi", "n_unserved"]
    return s[[c for c in cols if c in s.columns]].reset_index(drop=True)


def errors(sim_w: pd.DataFrame, obs: pd.DataFrame) -> pd.DataFrame:
    """MAE and bias (min) by lane group over the hours with an observation, and the mean waits."""
    both = obs.merge(sim_w, on=["lane_group", "hour"], how="inner")
    both["err"] = both["mean_wait_min"] - both["observed"]
    g = both.groupby("lane_group")
    return pd.DataFrame({"hours": g.size(), "observed_mean": g["observed"].mean(), "simulated_mean":
                         g["mean_wait_min"].mean(), "mae": g["err"].apply(lambda e: float(np.abs(e).mean())),
                         "bias": g["err"].mean()}).reset_index()


def study(data_dir: Path, query: str, reps: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    before = port_new.derive(data_dir, query)
    obs = observed(before)
    scale = fit_service_scale(data_dir, query, max(2, reps // 2))
    after = port_new.derive(data_dir, query, scale)
    w = {"before": waits_by_hour(before, reps), "after": waits_by_hour(after, reps)}
    return {"d": before, "obs": obs, "scale": scale, "waits": w,
            "errors": {k: errors(v, obs) for k, v in w.items()}, "reps": reps, "runtime_s": time.perf_counter() - t0}


def plot(res: dict[str, Any], path: Path) -> None:
    import matplotlib.pyplot as plt

    types = res["d"]["types"]
    fig, axes = plt.subplots(1, len(types), figsize=(4.2 * len(types), 3.4), sharey=True, squeeze=False)
    for ax, t in zip(axes[0], types, strict=True):
        g = port_new.GROUP_OF[t]
        o = res["obs"][res["obs"]["lane_group"] == g]
        ax.plot(o["hour"].astype(int), o["observed"], "ko", label="observed (CBP feed)")
        for key, style in (("before", "C0--"), ("after", "C1-")):
            w = res["waits"][key]
            w = w[w["lane_group"] == g]
            h = w["hour"].astype(int)
            ax.plot(h, w["mean_wait_min"], style, label=f"{key} fitting")
            if "mean_wait_min_lo" in w:
                ax.fill_between(h, w["mean_wait_min_lo"], w["mean_wait_min_hi"], color=style[:2], alpha=0.15)
        ax.set_title(t)
        ax.set_xlabel("clock hour of arrival")
        ax.set_xlim(0, 23)
    axes[0][0].set_ylabel("mean wait (min)")
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, frameon=False)
    fig.suptitle(res["d"]["crossing"].label)
    fig.tight_layout(rect=(0, 0.1, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _table(res: dict[str, Any]) -> list[str]:
    """Before and after fitting: observed and simulated mean wait, MAE and bias per lane type."""
    lines = [
        "| lane type | hours | observed mean | before: simulated | MAE | bias | after: simulated | MAE | bias |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    b = res["errors"]["before"].set_index("lane_group")
    a = res["errors"]["after"].set_index("lane_group")
    for t in res["d"]["types"]:
        g = port_new.GROUP_OF[t]
        if g not in b.index:
            continue
        x, y = b.loc[g], a.loc[g]
        lines.append(f"| {t} | {int(x['hours'])} | {x['observed_mean']:.1f} | {x['simulated_mean']:.1f}"
                     f" | {x['mae']:.1f} | {x['bias']:+.1f} | {y['simulated_mean']:.1f} | {y['mae']:.1f}"
                     f" | {y['bias']:+.1f} |")
    return lines


def summary(res: dict[str, Any], report: str) -> str:
    """The section of ``VALIDATION.md``: the crossing, before and after fitting (details in ``report``)."""
    c = res["d"]["crossing"]
    return "\n".join([
        f"## A crossing built from public data: {c.label} (`poesim port new {c.port_number}`)",
        "",
        "Hourly waits (min) against CBP's feed, before fitting anything to this crossing and after fitting one"
        f" scale on every service time ({res['scale']:.3f}); {res['reps']} replications. Written by"
        f" `calibration/studies/new_ports.py`; details and figure in [{report}]({report}).",
        "",
        *_table(res),
        "",
    ])


def render(res: dict[str, Any], png: str) -> str:
    """The report: how it was made, what the crossing borrows, the errors before and after fitting."""
    c = res["d"]["crossing"]
    lines = [
        "# A crossing built from public data alone, against its observed waits",
        "",
        "GENERATED by `calibration/studies/new_ports.py`. Regenerate with",
        "",
        "```",
        f".venv/bin/python -m calibration.studies.new_ports --data ../shared/data --reps {res['reps']}"
        f" --crossing {c.port_number}",
        "```",
        "",
        f"Run on {dt.date.today().isoformat()} in {res['runtime_s']:.0f} s; {res['reps']} replications per case; day 2"
        " of the 48-hour window.",
        "",
        f"**{c.label}** (CBP port {c.port_number}): none of the shipped scenarios covers it. `calibration/port_new.py`"
        " builds its baseline from public sources alone (every number's source is in the generated file's header):"
        " lanes and hours from CBP's feed, officers from the lanes CBP reported open, volumes from CBP's bridge"
        " counts, and San Diego's calibrated service times, officers' bands and reservation wait.",
        "",
        f"Observed: `{BROWNSVILLE}` (a scraper's record of CBP's feed, {res['d']['readings']['date'].nunique()} days"
        " in August 2026, every day of the week), mean wait by clock hour over the days. *Before*: nothing fitted to"
        " this crossing. *After*: one scale on every service time (San Diego's per lane type) fitted to its mean"
        f" observed wait over the lane types and hours: **{res['scale']:.3f}**.",
        "",
    ]
    lines += _table(res)
    lines += ["", f"![observed and simulated waits by hour]({png})", "",
              "What carries and what does not: the lanes, hours, officers and volumes are this crossing's; the"
              " service times (up to the fitted scale), bands, lane-type shares, hourly shape and reservation wait"
              " are San Diego's. One fitted number can only move the level of all lane types together; an error"
              " left after fitting is in the borrowed shares and shape (SANDAG's 2017 San Diego mix) or service"
              " times, which the public record does not give for this crossing.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--reps", type=int, default=10)
    ap.add_argument("--crossing", default=DEFAULT_CROSSING)
    ap.add_argument("--out", type=Path, default=REPO / "calibration" / "VALIDATION_NEW_PORTS.md")
    args = ap.parse_args(argv)
    res = study(args.data, args.crossing, args.reps)
    plot(res, args.out.parent / PNG)
    args.out.write_text(render(res, PNG), encoding="utf-8")
    replace_section(args.out.parent / "VALIDATION.md", "new_ports", summary(res, args.out.name))
    print(render(res, PNG))
    return 0


if __name__ == "__main__":
    sys.exit(main())
