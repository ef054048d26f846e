#!/usr/bin/env python
"""Derive a year-long Otay Mesa northbound scenario whose seasonality comes from BTS data.

Usage (from the repository root)::

    .venv/bin/python calibration/otay_mesa_year.py [--data ../shared/data] \
        [--out scenarios/otay_mesa/year_2017.yaml]

Input (relative to the data directory; see its README.md):

* ``bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv`` — BTS monthly
  crossings; rows ``Port Name`` = Otay Mesa, ``Date`` "Mon 2017", ``Measure`` Personal Vehicles /
  Trucks / Pedestrians.

For each measure and month m of 2017::

    month_factor[m] = (volume[m] / days_in_month[m]) / (annual volume / 365)

so the factors average to 1 when weighted by days in month. The scenario ``extends:
baseline.yaml`` (whose base day is SANDAG's 2017 Tue/Wed/Thu average) and overrides only
``demand.month_factor`` of every baseline stream: vehicle streams get the Personal Vehicles
factors, truck streams Trucks, pedestrian streams Pedestrians. The stream names and modes are
read from the resolved ``scenarios/otay_mesa/baseline.yaml``.

``derive(data_dir)`` returns ``{"scenario": <mapping>, "checks": <mapping>}``: the scenario
exactly as the YAML file holds it, plus the figures quoted in the YAML comments.
``render(derived)`` turns that into the commented YAML text. A test checks that the committed
``scenarios/otay_mesa/year_2017.yaml`` equals ``render(derive(data_dir))``.
"""

from __future__ import annotations

import calendar
import importlib.util
import statistics
import sys
from pathlib import Path
from typing import Any

from sim.scenario.loader import resolve
from sim.scenario.schema import MONTHS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "scenarios" / "otay_mesa" / "year_2017.yaml"
BASELINE = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"


def _baseline_script():
    """Import calibration/otay_mesa_baseline.py by path (calibration/ is not a package)."""
    name = "otay_mesa_baseline_script"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).resolve().parent / "otay_mesa_baseline.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


_base = _baseline_script()
DEFAULT_DATA = _base.DEFAULT_DATA
BTS = _base.BTS
_rows, _quote = _base._rows, _base._quote

# --- assumptions (each one is quoted in a YAML comment) ----------------------------------
PORT = "Otay Mesa"
YEAR = 2017  # the SANDAG base year of baseline.yaml
WINDOW_START = f"{YEAR}-01-01T00:00"
WARMUP_H = 24
DURATION_H = (365 + 1) * 24  # one warm-up day + 365 counted days
DRAIN_H = 6
REPLICATIONS = 2
MEASURE_BY_MODE = {"vehicle": "Personal Vehicles", "truck": "Trucks", "pedestrian": "Pedestrians"}
# Data repair: occupancy = Personal Vehicle Passengers / Personal Vehicles; a month whose
# occupancy is off the year's median by more than this share has an implausible vehicle count
# (BTS March 2017 at Otay Mesa: 1.01 against 1.67-1.84 in every other month), which is
# replaced by passengers / median occupancy and reported in the YAML comments.
OCCUPANCY_MEASURE = "Personal Vehicle Passengers"
OCCUPANCY_TOLERANCE = 0.25

MONTH_ABBR = tuple(calendar.month_abbr[1:])  # "Jan" .. "Dec", as in the BTS Date column
DAYS = tuple(calendar.monthrange(YEAR, m)[1] for m in range(1, 13))
DAYS_IN_YEAR = sum(DAYS)


# --- readers ----------------------------------------------------------------------------


def bts_monthly(
    data_dir: Path, measures: tuple[str, ...], year: int = YEAR, port: str = PORT
) -> dict[str, list[float]]:
    """The 12 monthly values (Jan..Dec) of each measure for one port and year. Fails on a
    duplicate row, a missing month or a Date that is not "Mon YYYY"."""
    found: dict[str, dict[int, float]] = {m: {} for m in measures}
    for r in _rows(Path(data_dir) / BTS):
        if r["Port Name"] != port or r["Measure"] not in found or not r["Date"].endswith(f" {year}"):
            continue
        mon = r["Date"][: -len(f" {year}")]
        if mon not in MONTH_ABBR:
            raise ValueError(f"{BTS}: unexpected Date {r['Date']!r} ({port} {r['Measure']}); expected e.g. 'May {year}'")
        month = MONTH_ABBR.index(mon) + 1
        values = found[r["Measure"]]
        if month in values:
            raise ValueError(f"{BTS}: duplicate row {port} {r['Measure']} {r['Date']}")
        values[month] = float(r["Value"])
    missing = {m: [MONTH_ABBR[k - 1] for k in range(1, 13) if k not in v] for m, v in found.items()}
    missing = {m: v for m, v in missing.items() if v}
    if missing:
        raise ValueError(f"{BTS}: missing months of {port} {year}: {missing}")
    return {m: [v[k] for k in range(1, 13)] for m, v in found.items()}


def month_factors(monthly: list[float]) -> list[float]:
    """(volume / days in month) / (annual volume / days in year), Jan..Dec, unrounded."""
    annual = sum(monthly)
    if annual <= 0:
        raise ValueError("annual volume is zero: no month factors")
    per_day = annual / DAYS_IN_YEAR
    return [v / d / per_day for v, d in zip(monthly, DAYS)]


def baseline_streams(baseline: Path = BASELINE) -> dict[str, str]:
    """Stream name -> mode of the resolved baseline, in file order."""
    data, _, _ = resolve(baseline)
    return {name: s["mode"] for name, s in data["streams"].items()}


# --- derivation -------------------------------------------------------------------------


def r3(x: float) -> float:
    return round(x + 0.0, 3) + 0.0


def derive(data_dir: str | Path = DEFAULT_DATA, baseline: str | Path = BASELINE) -> dict[str, Any]:
    """Read the BTS data and the baseline's streams; return ``{"scenario": ..., "checks": ...}``."""
    data_dir = Path(data_dir)
    measures = tuple(dict.fromkeys(MEASURE_BY_MODE.values()))
    monthly = bts_monthly(data_dir, (*measures, OCCUPANCY_MEASURE))
    pv, pvp = monthly["Personal Vehicles"], monthly[OCCUPANCY_MEASURE]
    occupancy = [p / v for p, v in zip(pvp, pv)]
    median = statistics.median(occupancy)
    suspect = [k for k in range(12) if abs(occupancy[k] / median - 1) > OCCUPANCY_TOLERANCE]
    # A month whose vehicle count is implausible against its passenger count is repaired:
    # vehicles = passengers / the year's median occupancy (documented in the YAML).
    corrected = {**monthly, "Personal Vehicles": [pvp[k] / median if k in suspect else pv[k] for k in range(12)]}
    raw = {m: month_factors(corrected[m]) for m in measures}
    factors = {m: dict(zip(MONTHS, (r3(f) for f in raw[m]))) for m in measures}

    streams_modes = baseline_streams(Path(baseline))
    unknown = {s: mode for s, mode in streams_modes.items() if mode not in MEASURE_BY_MODE}
    if unknown:
        raise ValueError(f"{baseline}: streams of a mode with no BTS measure: {unknown}")
    streams = {s: {"demand": {"month_factor": dict(factors[MEASURE_BY_MODE[mode]])}} for s, mode in streams_modes.items()}

    checks: dict[str, Any] = {
        "annual": {m: round(sum(corrected[m])) for m in measures},
        "per_day": {m: round(sum(corrected[m]) / DAYS_IN_YEAR) for m in measures},
        "weighted_mean": {m: sum(d * f for d, f in zip(DAYS, factors[m].values())) / DAYS_IN_YEAR for m in measures},
        "streams": streams_modes,
        "occupancy_median": median,
        "occupancy_suspect": [(MONTHS[k], round(pv[k]), round(pvp[k]), occupancy[k], round(pvp[k] / median)) for k in suspect],
    }
    scenario = {
        "extends": "baseline.yaml",
        "name": f"Otay Mesa NB {YEAR}, full year (seasonality from BTS)",
        "description": (
            f"Otay Mesa northbound, every day of {YEAR}: the SANDAG {YEAR} weekday baseline scaled by "
            f"month (BTS {YEAR} monthly crossings at Otay Mesa: Personal Vehicles, Trucks, Pedestrians). "
            "No weekday effects; not calibrated against observed waits."
        ),
        "window": {"start": WINDOW_START, "duration_h": DURATION_H, "warmup_h": WARMUP_H, "drain_h": DRAIN_H},
        "replications": REPLICATIONS,
        "streams": streams,
    }
    return {"scenario": scenario, "checks": checks}


# --- rendering --------------------------------------------------------------------------


def _factor_map(f: dict[str, float]) -> str:
    return "{" + ", ".join(f"{m}: {v:.3f}" for m, v in f.items()) + "}"


def render(derived: dict[str, Any]) -> str:
    """The commented YAML text of a ``derive`` result."""
    sc, ck = derived["scenario"], derived["checks"]
    w = sc["window"]
    measure_of = {s: MEASURE_BY_MODE[mode] for s, mode in ck["streams"].items()}
    L: list[str] = [
        f"# Otay Mesa port of entry, northbound: every day of {YEAR}, seasonality from BTS monthly data.",
        "#",
        "# GENERATED by calibration/otay_mesa_year.py -- do not edit by hand. Regenerate with",
        "#   .venv/bin/python calibration/otay_mesa_year.py --data ../shared/data --out scenarios/otay_mesa/year_2017.yaml",
        "# (tests/calibration/test_otay_mesa_year.py checks that this file matches the script's output).",
        "#",
        "# Everything but the window and the month factors comes from baseline.yaml (its base day,",
        "# lanes, service times and secondary). The loader deep-merges mappings, so each stream below",
        "# sets only demand.month_factor and keeps the baseline's hourly demand.",
        "#",
        "# Month factors: data file (relative to the shared data directory, see its README.md)",
        f"#   {BTS}",
        f"# rows Port Name={PORT}, Date 'Jan {YEAR}'..'Dec {YEAR}', column Value, for each Measure:",
        "#   month_factor = (monthly volume / days in month) / (annual volume / 365),",
        "# so each measure's factors average to 1 weighted by days in month (rounded to 3 decimals).",
        f"# {YEAR} annual totals: "
        + "; ".join(f"{m} {ck['annual'][m]:,} ({ck['per_day'][m]:,}/day)" for m in ck["annual"])
        + ".",
        "# Vehicle streams use Personal Vehicles, truck streams Trucks, pedestrian streams Pedestrians.",
        f"# The SANDAG base day of baseline.yaml is itself {YEAR} (base-year data), so the factors are",
        f"# relative to the {YEAR} annual average: a factor of 1 means the baseline day unchanged.",
        "# The pedestrian base day is BTS 2018 annual/365 (see baseline.yaml), so pedestrians have the",
        f"# 2018 level with the {YEAR} monthly shape.",
        "#",
        "# Weekday effects are NOT modelled: the SANDAG base day is a Tue/Wed/Thu average and is",
        "# applied to every day of the week (weekends included), so no weekday_factor is set; weekday",
        "# factors are future calibration work. The simulated annual volume is therefore the weekday",
        "# base day x 365 x the month factors, not the BTS annual total.",
        "#",
        "# KNOWN GAP: in the baseline day the General lanes open too few lane-hours for their demand",
        "# (SANDAG's open lanes x processing rates give slightly less than the General volume), so",
        "# over a year the General line never clears and its waits grow to days. Real officers open",
        "# lanes when lines grow; that operations policy is not modelled yet. Use this file to test",
        "# long-horizon runs, not for General-lane waits.",
    ]
    if ck["occupancy_suspect"]:
        L += [
            "#",
            f"# CORRECTED BTS value: {OCCUPANCY_MEASURE} / Personal Vehicles is {ck['occupancy_median']:.2f}",
            f"# in the median month of {YEAR}, but",
        ]
        for m, pv, pvp, occ, fixed in ck["occupancy_suspect"]:
            L.append(
                f"#   {m}: {pvp:,} passengers / {pv:,} vehicles = {occ:.2f}: the vehicle count is implausible;"
                f" replaced by {pvp:,} / {ck['occupancy_median']:.2f} = {fixed:,}"
            )
        L += [
            "# (used for that month's factor and for the annual mean all factors are relative to).",
        ]
    L += [
        "",
        f"extends: {sc['extends']}",
        f"name: {_quote(sc['name'])}",
        f"description: {_quote(sc['description'])}",
        "",
        f"# {w['duration_h'] // 24} days = {w['duration_h']} h from {w['start']} (a "
        f"{calendar.day_name[calendar.weekday(YEAR, 1, 1)]}): the first {w['warmup_h']} h ({YEAR}-01-01) are",
        "# warm-up (queues do not drain at midnight, see baseline.yaml), so the counted window is a full",
        f"# 365 days, {YEAR}-01-02 00:00 to {YEAR + 1}-01-02 00:00; its last day, {YEAR + 1}-01-01, uses the jan factor.",
        "window:",
        f"  start: {w['start']}",
        f"  duration_h: {w['duration_h']}",
        f"  warmup_h: {w['warmup_h']}",
        f"  drain_h: {w['drain_h']}",
        "# Two replications: a year-long run is costly; two give a first look at between-replication spread.",
        f"replications: {sc['replications']}",
        "",
        "streams:",
    ]
    last = None
    for s, body in sc["streams"].items():
        m = measure_of[s]
        if m != last:
            L.append(
                f"  # Measure={m}; day-weighted mean of the rounded factors "
                f"{ck['weighted_mean'][m]:.4f}."
            )
            last = m
        L += [
            f"  {s}:",
            "    demand:",
            f"      month_factor: {_factor_map(body['demand']['month_factor'])}",
        ]
    return "\n".join(L) + "\n"


def _report(derived: dict[str, Any]) -> None:
    for m, pv, pvp, occ, fixed in derived["checks"]["occupancy_suspect"]:
        print(f"note: BTS {PORT} {m} {YEAR}: {pvp:,} passengers / {pv:,} personal vehicles = {occ:.2f} "
              f"(median month {derived['checks']['occupancy_median']:.2f}); vehicles corrected to {fixed:,}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    return _base.generate(argv, __doc__, DEFAULT_OUT, derive, render, _report)


if __name__ == "__main__":
    sys.exit(main())
