#!/usr/bin/env python
"""Check the volumes poesim's scenarios imply against BTS monthly crossing counts.

Usage (from the repository root)::

    .venv/bin/python -m calibration.studies.bts_volumes [--data ../shared/data] [--reps 2] [--out FILE]

Input (relative to the data directory; see its README.md):

* ``bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv`` — BTS monthly
  inbound crossings; rows ``Port Name`` (Otay Mesa / San Ysidro), ``Border`` US-Mexico Border,
  ``Date`` "Mon YYYY", ``Measure`` Personal Vehicles / Trucks / Pedestrians (and Personal Vehicle
  Passengers for the March 2017 repair), column ``Value`` (a count per month).

What it checks, with no simulation except the last item:

1. ``scenarios/otay_mesa/year_2017.yaml`` (every day of 2017, month factors from BTS): the expected
   arrivals per month and mode against BTS 2017 (Personal Vehicles <-> mode vehicle, Trucks <->
   truck, Pedestrians <-> pedestrian), per month and for the year. The BTS Personal Vehicles value
   of a month whose occupancy (passengers / vehicles) is implausible is repaired exactly as
   ``calibration/otay_mesa_year.py`` does when it derives the month factors (March 2017).
2. The weekday baselines (``scenarios/otay_mesa/baseline.yaml``, ``scenarios/san_ysidro/baseline.yaml``,
   one counted Tue/Wed/Thu-average day): expected arrivals per mode against BTS 2017 annual / 365.
   A weekday need not equal the all-days average; the ratio is reported as it is.
3. The same two baselines simulated (``sim.run``, ``--reps`` replications, ``0`` to skip): counted
   arrivals per mode per counted day next to the expected value, with the Poisson standard
   deviation of that mean.

Expected arrivals come from the compiled model (``sim.model.build_model``): each stream's
``rate_per_s`` per hour of the window, integrated over the counted part of the window
(``warmup_h`` to ``duration_h``; the last window hour may be partial). The engine draws a
non-homogeneous Poisson process with exactly these rates, so the number of counted arrivals is
Poisson with this mean.

The ``## Volumes against BTS monthly counts`` markdown section is printed (or written to ``--out``).
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import math
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol, cast

import numpy as np
import pandas as pd

from calibration.assumptions import PED_BTS_YEAR
from calibration.data import DEFAULT_DATA, REPO, bts
from calibration.data.bts import BTS, PV, PVP
from calibration.otay_mesa_year import YEAR  # 2017, the SANDAG base year
from sim.model import build_model
from sim.scenario.loader import LoadedScenario, load_scenario

BORDER = bts.BORDER
MEASURE_BY_MODE: dict[str, str] = dict(bts.MEASURE_BY_MODE)  # vehicle / truck / pedestrian
MODE_BY_MEASURE = bts.MODE_BY_MEASURE
PED_BASE_YEAR = PED_BTS_YEAR  # the baselines' pedestrian day is BTS 2018 annual / 365
YEAR_SCENARIO = REPO / "scenarios" / "otay_mesa" / "year_2017.yaml"
WEEKDAY_SCENARIOS = {
    "Otay Mesa": REPO / "scenarios" / "otay_mesa" / "baseline.yaml",
    "San Ysidro": REPO / "scenarios" / "san_ysidro" / "baseline.yaml",
}
REPLICATIONS = 2
TOLERANCE_PCT = 3.0  # the year file's annual volume should be this close to BTS
POISSON_SD = 4.0  # simulated arrivals within this many Poisson standard deviations
MONTH_ABBR = bts.MONTH_ABBR


def _rel(path: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(REPO))
    except ValueError:
        return str(path)


# --- BTS --------------------------------------------------------------------------------


def bts_monthly_counts(
    data_dir: str | Path, port_name: str, year: int, measures: tuple[str, ...] = tuple(MEASURE_BY_MODE.values())
) -> pd.DataFrame:
    """BTS monthly counts of one port and year (``calibration.data.bts.monthly_counts``): one row per
    month x measure, columns ``port``, ``measure``, ``mode``, ``year``, ``month``, ``days``, ``value``."""
    return bts.monthly_counts(data_dir, port_name, year, tuple(measures))


def repaired_counts(data_dir: str | Path, port_name: str, year: int, measures: tuple[str, ...]) -> pd.DataFrame:
    """``bts_monthly_counts`` plus ``value_used``: the value with the Personal Vehicles repair of
    ``calibration/otay_mesa_year.py`` (a month whose occupancy = passengers / vehicles is off the
    year's median by more than its OCCUPANCY_TOLERANCE gets vehicles = passengers / median
    occupancy), and ``repaired`` (bool). Other measures are used as they are."""
    extra = (PVP,) if PV in measures else ()
    df = bts_monthly_counts(data_dir, port_name, year, tuple(measures) + extra)
    df["value_used"] = df["value"]
    df["repaired"] = False
    if extra:
        pv = df[df["measure"] == PV].set_index("month")["value"]
        pvp = df[df["measure"] == PVP].set_index("month")["value"]
        fixed, _, suspect = bts.repair_vehicles(pv.tolist(), pvp.tolist())
        for k in suspect:
            at = (df["measure"] == PV) & (df["month"] == pv.index[k])
            df.loc[at, "value_used"] = fixed[k]
            df.loc[at, "repaired"] = True
        df = df[df["measure"] != PVP].reset_index(drop=True)
    return df


# --- expected volumes -------------------------------------------------------------------


def expected_volumes(scenario_path: str | Path | LoadedScenario, by: str = "stream") -> pd.DataFrame:
    """Expected arrivals per counted day implied by a scenario, without simulation.

    Each window hour k's rate (``StreamModel.rate_per_s[k]``) is integrated over the part of
    [k, k + 1) h that lies in the counted window [warmup_h, duration_h). A day is the calendar
    date at which that counted part starts. ``by="stream"``: columns ``date``, ``stream``, ``mode``,
    ``counted_h``, ``expected``; ``by="mode"``: ``date``, ``mode``, ``counted_h``, ``expected``
    (streams of a mode summed)."""
    if by not in ("stream", "mode"):
        raise ValueError(f"by: expected 'stream' or 'mode', got {by!r}")
    loaded = scenario_path if isinstance(scenario_path, LoadedScenario) else load_scenario(scenario_path)
    sc = loaded.scenario
    w = sc.window
    model = build_model(sc)
    n = len(model.streams[0].rate_per_s)
    k = np.arange(n, dtype=float)
    lo = np.maximum(k, w.warmup_h)
    counted_h = np.clip(np.minimum(k + 1.0, w.duration_h) - lo, 0.0, None)
    dates = np.array([(w.start + dt.timedelta(hours=float(x))).date() for x in lo], dtype=object)
    keep = counted_h > 0
    frames = [
        pd.DataFrame(
            {
                "date": dates[keep],
                "stream": s.name,
                "mode": s.mode,
                "counted_h": counted_h[keep],
                "expected": s.rate_per_s[keep] * counted_h[keep] * 3600.0,
            }
        )
        for s in model.streams
    ]
    hours = pd.concat(frames, ignore_index=True)
    out = hours.groupby(["date", "stream", "mode"], sort=False, as_index=False).agg(
        counted_h=("counted_h", "sum"), expected=("expected", "sum")
    )
    if by == "mode":
        out = out.groupby(["date", "mode"], sort=False, as_index=False).agg(
            counted_h=("counted_h", "first"), expected=("expected", "sum")
        )
    return out


def counted_days(expected: pd.DataFrame) -> float:
    """Counted days of an ``expected_volumes`` table (counted hours of one stream or mode / 24)."""
    first = expected.columns[1]  # stream or mode
    one = expected[expected[first] == expected[first].iloc[0]]
    return float(one["counted_h"].sum()) / 24.0


# --- comparisons ------------------------------------------------------------------------


def _pct(a: float, b: float) -> float:
    return 100.0 * (a / b - 1.0) if b else math.nan


def year_comparison(
    data_dir: str | Path, scenario: str | Path = YEAR_SCENARIO, port: str = "Otay Mesa", year: int = YEAR
) -> pd.DataFrame:
    """Expected monthly arrivals per mode of a full-year scenario against BTS counts of ``year``.

    Rows: mode x month 1..12 and month "year" (the totals). Columns ``mode``, ``measure``,
    ``month``, ``days`` (counted days attributed to that month), ``expected``, ``bts`` (raw),
    ``bts_used`` (repaired, see ``repaired_counts``), ``repaired``, ``diff_pct`` (against
    ``bts_used``) and ``diff_pct_raw``. Counted days are attributed by calendar month, whatever
    their year (year_2017.yaml counts 2017-01-02 .. 2018-01-01; the last stands for January).
    Each month must hold as many counted days as it has days."""
    exp = expected_volumes(scenario, by="mode")
    exp["month"] = [d.month for d in exp["date"]]
    modes = list(dict.fromkeys(exp["mode"]))
    unknown = [m for m in modes if m not in MEASURE_BY_MODE]
    if unknown:
        raise ValueError(f"{scenario}: modes with no BTS measure: {unknown}")
    bts = repaired_counts(data_dir, port, year, tuple(MEASURE_BY_MODE[m] for m in modes))
    monthly = exp.groupby(["mode", "month"], as_index=False).agg(days=("counted_h", "sum"),
                                                                 expected=("expected", "sum"))
    monthly["days"] = monthly["days"] / 24.0
    df = monthly.merge(bts[["mode", "measure", "month", "days", "value", "value_used", "repaired"]].rename(
        columns={"days": "month_days", "value": "bts", "value_used": "bts_used"}), on=["mode", "month"], how="outer")
    short = df[~np.isclose(df["days"].fillna(0.0), df["month_days"])]
    if len(short):
        raise ValueError(
            f"{scenario}: not a full year of counted days; (mode, month, counted days): "
            f"{list(zip(short['mode'], short['month'], short['days'], strict=True))}"
        )
    rows = []
    for mode in modes:
        d = df[df["mode"] == mode].sort_values("month")
        for r in d.itertuples():
            rows.append({"mode": mode, "measure": r.measure, "month": MONTH_ABBR[r.month - 1], "days": r.days,
                         "expected": r.expected, "bts": r.bts, "bts_used": r.bts_used, "repaired": bool(r.repaired)})
        rows.append({"mode": mode, "measure": d["measure"].iloc[0], "month": "year", "days": d["days"].sum(),
                     "expected": d["expected"].sum(), "bts": d["bts"].sum(), "bts_used": d["bts_used"].sum(),
                     "repaired": bool(d["repaired"].any())})
    out = pd.DataFrame(rows)
    out["diff_pct"] = [_pct(e, b) for e, b in zip(out["expected"], out["bts_used"], strict=True)]
    out["diff_pct_raw"] = [_pct(e, b) for e, b in zip(out["expected"], out["bts"], strict=True)]
    return out


def weekday_comparison(
    data_dir: str | Path, scenarios: Mapping[str, str | Path] = WEEKDAY_SCENARIOS, year: int = YEAR,
    ped_base_year: int = PED_BASE_YEAR,
) -> pd.DataFrame:
    """Expected arrivals per counted day of each port's weekday baseline against BTS ``year``
    annual / days in year, per mode: ``expected_per_day``, ``bts_per_day`` (raw), ``bts_per_day_used``
    (repaired), ``ratio`` (expected / used), ``ratio_raw``, and ``ratio_base_year`` (expected / BTS
    ``ped_base_year`` annual / its days, to show a day taken from that year's average)."""
    rows = []
    for port, path in scenarios.items():
        exp = expected_volumes(path, by="mode")
        days = counted_days(exp)
        per_mode = exp.groupby("mode", sort=False)["expected"].sum() / days
        measures = tuple(MEASURE_BY_MODE[m] for m in per_mode.index)
        bts = repaired_counts(data_dir, port, year, measures)
        base = bts_monthly_counts(data_dir, port, ped_base_year, measures)
        n_days = 366 if calendar.isleap(year) else 365
        n_base = 366 if calendar.isleap(ped_base_year) else 365
        for mode, e in per_mode.items():
            b = bts[bts["mode"] == mode]
            raw, used = b["value"].sum() / n_days, b["value_used"].sum() / n_days
            rows.append({
                "port": port, "scenario": _rel(Path(path)), "mode": mode, "measure": MEASURE_BY_MODE[cast(str, mode)],
                "counted_days": days, "expected_per_day": e, "bts_per_day": raw, "bts_per_day_used": used,
                "repaired": bool(b["repaired"].any()), "ratio": e / used, "ratio_raw": e / raw,
                "ratio_base_year": e / (base.loc[base["mode"] == mode, "value"].sum() / n_base),
            })
    return pd.DataFrame(rows)


def simulated_check(
    scenarios: Mapping[str, str | Path] = WEEKDAY_SCENARIOS, replications: int = REPLICATIONS, workers: int = 1
) -> pd.DataFrame:
    """Run each scenario (its own seed) and compare counted arrivals per mode per counted day with
    the expected value. Arrivals are ``n`` of the per-replication ``by_hour`` rows with lane_group,
    program and hour "all" (every traveller arriving after the warm-up, served or not).
    ``sd`` is the standard deviation of the replication mean of a Poisson count, per counted day:
    sqrt(expected_total / replications) / days; ``z`` = (simulated - expected) / sd."""
    import sim
    from sim.statistics import ALL

    rows = []
    for port, path in scenarios.items():
        loaded = load_scenario(path)
        exp = expected_volumes(loaded, by="mode")
        days = counted_days(exp)
        expected = exp.groupby("mode", sort=False)["expected"].sum()
        result = sim.run(loaded, replications=replications, workers=workers)
        pr = result.per_replication("by_hour")
        pr = pr[(pr["lane_group"] == ALL) & (pr["program"] == ALL) & (pr["hour"] == ALL)]
        for mode, e in expected.items():
            n = pr.loc[pr["mode"] == mode].sort_values("replication")["n"].to_numpy(dtype=float)
            n = np.concatenate([n, np.zeros(replications - len(n))])  # a replication with none of that mode
            sd = math.sqrt(e / replications) / days
            mean = float(n.mean()) / days
            rows.append({
                "port": port, "scenario": _rel(Path(path)), "mode": mode, "replications": replications,
                "seed": loaded.scenario.seed, "counted_days": days, "expected_per_day": e / days,
                "simulated_per_day": mean, "per_replication": tuple(int(x) for x in n),
                "diff_pct": _pct(mean, e / days), "sd": sd, "z": (mean - e / days) / sd if sd else math.nan,
            })
    return pd.DataFrame(rows)


# --- report -----------------------------------------------------------------------------

MODE_LABEL = {"vehicle": "Vehicles", "truck": "Trucks", "pedestrian": "Pedestrians"}


# The rows of the frames the report tables iterate over (itertuples: the stubs cannot know a frame's columns).
class _WeekdayRow(Protocol):
    """A row of ``weekday_comparison``."""

    port: str
    mode: str
    expected_per_day: float
    bts_per_day: float
    bts_per_day_used: float
    repaired: bool
    ratio: float
    ratio_raw: float
    ratio_base_year: float


class _SimRow(Protocol):
    """A row of ``simulated_check``."""

    port: str
    mode: str
    expected_per_day: float
    simulated_per_day: float
    per_replication: tuple[int, ...]
    diff_pct: float
    sd: float
    z: float


def _n(x: float) -> str:
    return f"{x:,.0f}"


def _table(header: list[str], rows: list[list[str]], align: str) -> list[str]:
    sep = ["---:" if a == "r" else "---" for a in align]
    return ["| " + " | ".join(header) + " |", "|" + "|".join(sep) + "|"] + ["| " + " | ".join(r) + " |" for r in rows]


def _year_lines(yc: pd.DataFrame, wd: pd.DataFrame | None, port: str, scenario: str, year: int) -> list[str]:
    modes = list(dict.fromkeys(yc["mode"]))
    months = list(dict.fromkeys(yc["month"]))
    header = ["Month", "Days"]
    for m in modes:
        header += [f"{MODE_LABEL.get(m, m)} expected", f"BTS {MEASURE_BY_MODE[m]}", "Δ %"]
    rows = []
    for mon in months:
        d = yc[yc["month"] == mon].set_index("mode")
        row = [f"**{mon}**" if mon == "year" else mon, f"{d['days'].iloc[0]:.0f}"]
        for m in modes:
            r = d.loc[m]
            bts = _n(r["bts_used"]) + (" *" if r["repaired"] and mon != "year" else "")
            row += [_n(r["expected"]), bts, f"{r['diff_pct']:+.1f}"]
        rows.append(row)
    L = [
        f"### {port} {year}, month by month (`{scenario}`)",
        "",
        "Expected arrivals (rates integrated over the counted window, no simulation) against BTS",
        f"{year} counts. Δ % = expected / BTS − 1.",
        "",
    ]
    L += _table(header, rows, "lr" + "rrr" * len(modes))
    rep = yc[yc["repaired"] & (yc["month"] != "year")]
    L.append("")
    for r in rep.itertuples():
        L.append(
            f"\\* BTS {r.measure} {r.month} {year} repaired as in `calibration/otay_mesa_year.py`: "
            f"{_n(r.bts)} raw → {_n(r.bts_used)} (passengers / the year's median occupancy)."
        )
    L += ["", "Findings:", ""]
    annual = yc[yc["month"] == "year"].set_index("mode")
    for m in modes:
        a = annual.loc[m]
        mon = yc[(yc["mode"] == m) & (yc["month"] != "year")]
        spread = mon["diff_pct"].max() - mon["diff_pct"].min()
        within = abs(a["diff_pct"]) <= TOLERANCE_PCT
        s = (
            f"* {MODE_LABEL.get(m, m)}: {_n(a['expected'])} expected in the year against {_n(a['bts_used'])} "
            f"(BTS{' repaired' if a['repaired'] else ''}), {a['diff_pct']:+.1f} % "
            f"({'within' if within else 'outside'} ±{TOLERANCE_PCT:g} %)"
        )
        if a["repaired"]:
            s += f"; {a['diff_pct_raw']:+.1f} % against the raw BTS total {_n(a['bts'])}"
        s += f"; the monthly Δ spans {spread:.2f} points, so the month factors carry BTS's seasonality."
        if not within and wd is not None:
            r = wd[(wd["port"] == port) & (wd["mode"] == m)]
            if len(r):
                s += (
                    f" The gap is the base day: the year file scales one baseline day by month only (no weekday "
                    f"factor), and that day is {r['ratio'].iloc[0]:.3f} × BTS {year} annual / 365 (next table)."
                )
        L.append(s)
    return L


def _weekday_lines(wd: pd.DataFrame, year: int, ped_base_year: int) -> list[str]:
    rows = []
    for r in cast("Iterable[_WeekdayRow]", wd.itertuples()):
        bts = _n(r.bts_per_day_used) + (f" (raw {_n(r.bts_per_day)})" if r.repaired else "")
        ratio = f"{r.ratio:.3f}" + (f" (raw {r.ratio_raw:.3f})" if r.repaired else "")
        rows.append([r.port, MODE_LABEL.get(r.mode, r.mode), _n(r.expected_per_day), bts, ratio,
                     f"{r.ratio_base_year:.3f}"])
    L = [
        f"### Weekday baselines against BTS {year} annual / 365",
        "",
        "The baselines count one Tue/Wed/Thu-average day (SANDAG). Ratio = expected weekday volume /",
        f"BTS {year} all-days average; a weekday need not equal the average.",
        "",
    ]
    L += _table(
        ["Port", "Mode", "Expected per weekday", f"BTS {year} per day", "Ratio",
         f"Ratio to BTS {ped_base_year} per day"],
        rows, "llrrrr",
    )
    L += ["", "Findings:", ""]
    for r in cast("Iterable[_WeekdayRow]", wd.itertuples()):
        label = f"* {r.port} {MODE_LABEL.get(r.mode, r.mode).lower()}: ratio {r.ratio:.3f}"
        if abs(r.ratio_base_year - 1) < 0.002:
            L.append(
                f"{label}; the day equals BTS {ped_base_year} annual / 365 (ratio {r.ratio_base_year:.3f}),"
                f" so the ratio is the {ped_base_year}/{year} change of the all-days average, not a weekday effect."
            )
            continue
        where = "above" if r.ratio > 1 else "below"
        s = f"{label}; the weekday is {abs(r.ratio - 1) * 100:.1f} % {where} the {year} all-days average"
        if r.repaired:
            s += f" (against the raw BTS total, whose March is implausible, {r.ratio_raw:.3f})"
        L.append(s + ".")
    return L


def _sim_lines(sc: pd.DataFrame) -> list[str]:
    rows = [
        [r.port, MODE_LABEL.get(r.mode, r.mode), _n(r.expected_per_day), _n(r.simulated_per_day),
         ", ".join(_n(x) for x in r.per_replication), f"{r.diff_pct:+.2f}", f"{r.sd:.0f}", f"{r.z:+.2f}"]
        for r in cast("Iterable[_SimRow]", sc.itertuples())
    ]
    reps = sorted(set(sc["replications"]))
    L = [
        "### Simulated arrivals of the weekday baselines",
        "",
        f"`sim.run(scenario, replications={', '.join(map(str, reps))})` with each file's seed; arrivals = counted",
        "travellers (arriving after the warm-up), `n` of the `by_hour` rows with lane group, program and",
        "hour `all`. sd = Poisson standard deviation of the replication mean; z = (simulated − expected) / sd.",
        "",
    ]
    L += _table(["Port", "Mode", "Expected per day", "Simulated per day", "Per replication", "Δ %", "sd", "z"], rows,
                "llrrrrrr")
    worst = sc.loc[cast(int, sc["z"].abs().idxmax())]  # sc has a RangeIndex
    ok = bool((sc["z"].abs() <= POISSON_SD).all())
    L += [
        "",
        "Findings:",
        "",
        (
            f"* Every simulated volume is within {POISSON_SD:g} Poisson standard deviations of the expected value: "
            f"{'yes' if ok else 'NO'} (largest |z| {abs(worst['z']):.2f}, {worst['port']} {worst['mode']})."
        ),
    ]
    return L


def render_markdown(
    year_table: pd.DataFrame, weekday_table: pd.DataFrame | None = None, sim_table: pd.DataFrame | None = None,
    port: str = "Otay Mesa", scenario: str = _rel(YEAR_SCENARIO), year: int = YEAR, ped_base_year: int = PED_BASE_YEAR,
) -> str:
    """The markdown section of the checks' tables (``sim_table`` optional)."""
    L = [
        "## Volumes against BTS monthly counts",
        "",
        "GENERATED by `calibration/studies/bts_volumes.py`. Data: `" + BTS + "`",
        f"(BTS Border Crossing Entry Data, inbound), rows Border = {BORDER}, column Value (count per month).",
        "Measures: " + "; ".join(f"{MEASURE_BY_MODE[m]} ↔ mode {m}" for m in MEASURE_BY_MODE) + ".",
        "",
    ]
    L += _year_lines(year_table, weekday_table, port, scenario, year)
    if weekday_table is not None:
        L += [""] + _weekday_lines(weekday_table, year, ped_base_year)
    if sim_table is not None and len(sim_table):
        L += [""] + _sim_lines(sim_table)
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    ap.add_argument("--reps", type=int, default=REPLICATIONS, help="replications of the simulated check; 0 skips it")
    ap.add_argument("--out", type=Path, default=None, help="markdown file to write (default: print)")
    args = ap.parse_args(argv)
    yc = year_comparison(args.data)
    wd = weekday_comparison(args.data)
    sc = simulated_check(replications=args.reps) if args.reps > 0 else None
    text = render_markdown(yc, wd, sc)
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
