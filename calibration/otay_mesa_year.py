#!/usr/bin/env python
"""Derive a year-long Otay Mesa northbound scenario whose volumes by month and mode are BTS 2017's.

Usage (from the repository root)::

    .venv/bin/python -m calibration.otay_mesa_year [--data ../shared/data] \
        [--out scenarios/otay_mesa/year_2017.yaml]

Input (relative to the data directory; see its README.md):

* ``bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv`` — BTS monthly
  crossings; rows ``Port Name`` = Otay Mesa, ``Date`` "Mon 2017", ``Measure`` Personal Vehicles /
  Trucks / Pedestrians.

The scenario ``extends: baseline.yaml`` (whose base day is SANDAG's 2017 Tue/Wed/Thu average)
and overrides only ``demand.weekday_factor`` and ``demand.month_factor`` of every baseline
stream. The weekday factors are those of ``scenarios/otay_mesa/week.yaml``, taken from
``calibration/weekday_factors.py`` (imported). The model's rate in an hour is the
baseline rate x weekday_factor[day of week] x month_factor[month] (``sim/model.py``), so a
month's expected volume is ``base day x month_factor[m] x W[m]`` with ``W[m]`` the sum of the
weekday factors over the counted days of month m. For each measure and month m of 2017::

    month_factor[m] = BTS volume[m] / (base day of the mode x W[m])

(rounded to 3 decimals), so every month's expected volume, and so the year's, equals BTS 2017
per mode up to that rounding. Vehicle streams use Personal Vehicles, truck streams Trucks,
pedestrian streams Pedestrians; the stream names, modes and base days are read from the
resolved ``scenarios/otay_mesa/baseline.yaml``.

``derive(data_dir)`` returns ``{"scenario": <mapping>, "checks": <mapping>}``: the scenario
exactly as the YAML file holds it, plus the figures quoted in the YAML comments.
``render(derived)`` turns that into the commented YAML text. A test checks that the committed
``scenarios/otay_mesa/year_2017.yaml`` equals ``render(derive(data_dir))``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import sys
from pathlib import Path
from typing import Any

from calibration import weekday_factors as wf
from calibration.data import DEFAULT_DATA, REPO, bts
from calibration.data.bts import BTS, MEASURE_BY_MODE
from calibration.data.bts import PVP as OCCUPANCY_MEASURE
from calibration.yaml_writer import generate, quote, window_lines
from sim.scenario.loader import resolve
from sim.scenario.schema import MONTHS, WEEKDAYS

DEFAULT_OUT = REPO / "scenarios" / "otay_mesa" / "year_2017.yaml"
BASELINE = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"




# --- assumptions (each one is quoted in a YAML comment) ----------------------------------
PORT = "Otay Mesa"
YEAR = 2017  # the SANDAG base year of baseline.yaml
WINDOW_START = f"{YEAR}-01-01T00:00"
WARMUP_H = 24
DURATION_H = (365 + 1) * 24  # one warm-up day + 365 counted days
DRAIN_H = 6
REPLICATIONS = 2
# Data repair: occupancy = Personal Vehicle Passengers / Personal Vehicles; a month whose
# occupancy is off the year's median by more than this share has an implausible vehicle count
# (BTS March 2017 at Otay Mesa: 1.01 against 1.67-1.84 in every other month), which is
# replaced by passengers / median occupancy and reported in the YAML comments.

DAYS = tuple(calendar.monthrange(YEAR, m)[1] for m in range(1, 13))
DAYS_IN_YEAR = sum(DAYS)


# --- readers ----------------------------------------------------------------------------


def bts_monthly(
    data_dir: str | Path, measures: tuple[str, ...], year: int = YEAR, port: str = PORT
) -> dict[str, list[float]]:
    """The 12 monthly BTS values (Jan..Dec) of each measure for one port and year (``calibration.data.bts``)."""
    return bts.monthly(data_dir, measures, year, port)


def month_factors(monthly: list[float]) -> list[float]:
    """BTS's seasonal shape per day: (volume / days in month) / (annual volume / days in year),
    Jan..Dec, unrounded. Quoted in the YAML comments; the scenario uses ``calendar_month_factors``."""
    annual = sum(monthly)
    if annual <= 0:
        raise ValueError("annual volume is zero: no month factors")
    per_day = annual / DAYS_IN_YEAR
    return [v / d / per_day for v, d in zip(monthly, DAYS, strict=True)]


def counted_dates(start: str = WINDOW_START, warmup_h: int = WARMUP_H, duration_h: int = DURATION_H) -> list[dt.date]:
    """The whole days of the counted window [warmup_h, duration_h) (both multiples of 24)."""
    if warmup_h % 24 or duration_h % 24:
        raise ValueError(f"window: warm-up {warmup_h} h and duration {duration_h} h must be whole days")
    first = dt.datetime.fromisoformat(start).date() + dt.timedelta(days=warmup_h // 24)
    return [first + dt.timedelta(days=k) for k in range((duration_h - warmup_h) // 24)]


def weekday_weights(weekday_factor: dict[str, float], dates: list[dt.date]) -> tuple[list[float], list[int]]:
    """W[m], the sum of the weekday factors over the given days that fall in calendar month m
    (whatever their year), and the number of those days, Jan..Dec."""
    w, n = [0.0] * 12, [0] * 12
    for d in dates:
        w[d.month - 1] += weekday_factor[WEEKDAYS[d.weekday()]]
        n[d.month - 1] += 1
    return w, n


def calendar_month_factors(monthly: list[float], base_day: float, weights: list[float]) -> list[float]:
    """month_factor[m] = volume[m] / (base day x W[m]), Jan..Dec, unrounded: the factor that makes
    the expected volume of month m (base day x month_factor[m] x W[m]) equal volume[m]."""
    if base_day <= 0:
        raise ValueError("base day volume is zero: no month factors")
    bad = [MONTHS[k] for k, w in enumerate(weights) if w <= 0]
    if bad:
        raise ValueError(f"months with no counted weekday weight: {bad}")
    return [v / (base_day * w) for v, w in zip(monthly, weights, strict=True)]


def baseline_streams(baseline: Path = BASELINE) -> dict[str, str]:
    """Stream name -> mode of the resolved baseline, in file order."""
    data, _, _ = resolve(baseline)
    return {name: s["mode"] for name, s in data["streams"].items()}


# --- derivation -------------------------------------------------------------------------


def r3(x: float) -> float:
    return round(x + 0.0, 3) + 0.0


def _weekday_factors(data_dir: Path, streams_modes: dict[str, str]) -> dict[str, dict[str, float]]:
    """Mode -> the weekday factors week.yaml gives its streams (one calendar per mode, checked)."""
    week = wf.derive(data_dir)["otay_mesa"]["scenario"]["streams"]  # what week.yaml holds
    if set(week) != set(streams_modes):
        raise ValueError(f"weekday factors (calibration/weekday_factors.py) for streams {sorted(week)}, "
                         f"baseline streams {sorted(streams_modes)}")
    weekday: dict[str, dict[str, float]] = {}
    for s, mode in streams_modes.items():
        f = dict(week[s]["demand"]["weekday_factor"])
        if weekday.setdefault(mode, f) != f:
            raise ValueError(f"weekday factors of stream {s} differ from other {mode} streams:"
                             " one month factor per mode needs one weekday calendar")
    return weekday


def _month_factors(
    measure: str, bts_m: list[float], base_day: float, weekday: dict[str, float], dates: list[dt.date]
) -> dict[str, Any]:
    """One mode's month factors (BTS volume of each month over the base day x its weekday factors,
    rounded) and the checks the comments quote: expected volumes against BTS by month and year."""
    weights, ndays = weekday_weights(weekday, dates)
    raw = calendar_month_factors(bts_m, base_day, weights)
    factors = dict(zip(MONTHS, (r3(f) for f in raw), strict=True))
    expected = [base_day * f * w for f, w in zip(factors.values(), weights, strict=True)]
    return {
        "measure": measure, "base_day": base_day, "weekday_factor": weekday,
        "weekday_mean": sum(weekday.values()) / 7.0,
        "days": ndays, "mean_weekday_factor": [w / n for w, n in zip(weights, ndays, strict=True)],
        "bts": list(bts_m), "shape": month_factors(bts_m), "month_factor": factors,
        "weighted_mean": sum(n * f for n, f in zip(ndays, factors.values(), strict=True)) / sum(ndays),
        "expected": expected,
        "month_diff_pct": [100.0 * (e / v - 1.0) for e, v in zip(expected, bts_m, strict=True)],
        "year_diff_pct": 100.0 * (sum(expected) / sum(bts_m) - 1.0),
    }


def derive(data_dir: str | Path = DEFAULT_DATA, baseline: str | Path = BASELINE) -> dict[str, Any]:
    """Read the BTS data, the baseline's streams and the weekday factors of
    calibration/weekday_factors.py; return ``{"scenario": ..., "checks": ...}``."""
    data_dir = Path(data_dir)
    measures = tuple(dict.fromkeys(MEASURE_BY_MODE.values()))
    monthly = bts_monthly(data_dir, (*measures, OCCUPANCY_MEASURE))
    pv, pvp = monthly["Personal Vehicles"], monthly[OCCUPANCY_MEASURE]
    occupancy = [p / v for p, v in zip(pvp, pv, strict=True)]
    # A month whose vehicle count is implausible against its passenger count is repaired
    # (calibration.data.bts.repair_vehicles; documented in the YAML).
    repaired, median, suspect = bts.repair_vehicles(pv, pvp)
    corrected = {**monthly, "Personal Vehicles": repaired}

    streams_modes = baseline_streams(Path(baseline))
    unknown = {s: mode for s, mode in streams_modes.items() if mode not in MEASURE_BY_MODE}
    if unknown:
        raise ValueError(f"{baseline}: streams of a mode with no BTS measure: {unknown}")
    _, base_day = wf.baseline_per_day(Path(baseline))  # expected arrivals per base day, by mode
    weekday = _weekday_factors(data_dir, streams_modes)

    dates = counted_dates()
    per_mode: dict[str, Any] = {}
    for mode in dict.fromkeys(streams_modes.values()):
        m = MEASURE_BY_MODE[mode]
        per_mode[mode] = _month_factors(m, corrected[m], base_day[mode], weekday[mode], dates)
    streams = {
        s: {"demand": {"weekday_factor": dict(weekday[mode]), "month_factor": dict(per_mode[mode]["month_factor"])}}
        for s, mode in streams_modes.items()
    }

    checks: dict[str, Any] = {
        "annual": {m: round(sum(corrected[m])) for m in measures},
        "per_day": {m: round(sum(corrected[m]) / DAYS_IN_YEAR) for m in measures},
        "modes": per_mode,
        "first_counted": dates[0], "last_counted": dates[-1],
        "streams": streams_modes,
        "occupancy_median": median,
        "occupancy_suspect": [(MONTHS[k], round(pv[k]), round(pvp[k]), occupancy[k], round(pvp[k] / median))
                              for k in suspect],
    }
    scenario = {
        "extends": "baseline.yaml",
        "name": f"Otay Mesa NB {YEAR}, full year (BTS volumes by month, day-of-week factors)",
        "description": (
            f"Otay Mesa northbound, every day of {YEAR}: the SANDAG {YEAR} weekday baseline scaled by day of week "
            "(the factors of week.yaml) and by month, so that each month's expected volume per mode equals "
            f"BTS {YEAR} monthly crossings at Otay Mesa (Personal Vehicles, Trucks, Pedestrians). "
            "Holidays are not modelled; not calibrated against observed waits."
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
    L = _header(ck) + _window(sc, ck) + _streams(sc, ck)
    return "\n".join(L) + "\n"


def _header(ck: dict[str, Any]) -> list[str]:
    """The comment block: how the file is made, the month factors' method, the BTS repairs."""
    first = ck["first_counted"]
    jan = [d for d in (first, ck["last_counted"]) if d.month == 1 and d.year != YEAR]
    L: list[str] = [
        f"# Otay Mesa port of entry, northbound: every day of {YEAR}, volumes by month and mode from BTS,",
        "# day-of-week factors of week.yaml.",
        "#",
        "# GENERATED by calibration/otay_mesa_year.py -- do not edit by hand. Regenerate with",
        ("#   .venv/bin/python -m calibration.otay_mesa_year --data ../shared/data"
         " --out scenarios/otay_mesa/year_2017.yaml"),
        "# (tests/calibration/test_otay_mesa_year.py checks that this file matches the script's output).",
        "#",
        "# Everything but the window and the demand calendar comes from baseline.yaml (its base day,",
        "# lanes, lane policy, service times and secondary). The loader deep-merges mappings, so each",
        "# stream below sets only demand.weekday_factor and demand.month_factor and keeps the baseline's",
        "# hourly demand. The rate in an hour is the baseline rate x weekday_factor[day of week] x",
        "# month_factor[month] (sim/model.py), so the expected volume of a month m is",
        "#   base day x month_factor[m] x W[m],   W[m] = sum of weekday_factor over the counted days of m.",
        "#",
        "# Weekday factors: those of week.yaml (calibration/weekday_factors.py, imported; see week.yaml",
        "# for the derivation): Tue/Wed/Thu 1, the SANDAG base day being their average; trucks from a",
        "# BTS day-of-week regression (light weekends), vehicles one equal factor for Mon/Fri/Sat/Sun",
        "# (assumption), pedestrians 1 (assumption).",
        "#",
        "# Month factors: data file (relative to the shared data directory, see its README.md)",
        f"#   {BTS}",
        f"# rows Port Name={PORT}, Date 'Jan {YEAR}'..'Dec {YEAR}', column Value, for each Measure",
        "# (vehicle streams Personal Vehicles, truck streams Trucks, pedestrian streams Pedestrians):",
        "#   month_factor[m] = BTS volume[m] / (base day of the mode x W[m]), rounded to 3 decimals,",
        "# so every month's expected volume, and so the year's, equals BTS per mode up to that rounding",
        "# (quoted per mode below; calibration/studies/bts_volumes.py checks it). Why not BTS's seasonal shape",
        "# (volume[m] / days in m) / (annual / 365) times the weekday factors: a month's BTS volume per day",
        "# already holds its weekday mix (a month with five Sundays has fewer trucks per day), so that",
        "# would count the mix twice, and the year would miss BTS by the months' mix and the rounding of",
        "# the weekday factors. Dividing by W[m] leaves in the month factor the seasonality and the level",
        "# (BTS over the base day x weekday factors); it averages close to 1 for every mode (below).",
    ]
    if jan:
        L += [
            (f"# The counted January is {YEAR}-01-{first.day:02d}..31 plus {jan[0].isoformat()}"
             f" (a {calendar.day_name[jan[0].weekday()]}; see the"),
            f"# window); W[jan] is summed over those days and their volume is matched to BTS January {YEAR}.",
        ]
    L += [
        "# Holidays are not modelled: a month's holidays lower its factor on all of its days.",
        f"# {YEAR} annual totals: "
        + "; ".join(f"{m} {ck['annual'][m]:,} ({ck['per_day'][m]:,}/day)" for m in ck["annual"])
        + ".",
        f"# The SANDAG base day of baseline.yaml is itself {YEAR} (base-year data). The pedestrian base day",
        f"# is BTS 2018 annual/365 (see baseline.yaml); here the month factors bring pedestrians to {YEAR}.",
    ]
    return L + _repairs(ck)


def _repairs(ck: dict[str, Any]) -> list[str]:
    """The BTS values replaced, with the reason (implausible vehicle counts for their passengers)."""
    L: list[str] = []
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
            "# (the BTS volume used for that month's factor and for the annual total).",
        ]
    return L


def _window(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """``extends``, name, description and the year-long window."""
    w = sc["window"]
    first, last = ck["first_counted"], ck["last_counted"]
    return [
        "",
        f"extends: {sc['extends']}",
        f"name: {quote(sc['name'])}",
        f"description: {quote(sc['description'])}",
        "",
        f"# {w['duration_h'] // 24} days = {w['duration_h']} h from {w['start']} (a "
        f"{calendar.day_name[calendar.weekday(YEAR, 1, 1)]}): the first {w['warmup_h']} h ({YEAR}-01-01) are",
        "# warm-up (queues do not drain at midnight, see baseline.yaml), so the counted window is a full",
        (f"# 365 days, {first.isoformat()} 00:00 to {last + dt.timedelta(days=1)} 00:00;"
         f" its last day, {last.isoformat()}, uses the jan factor."),
        *window_lines(w),
        "# Two replications: a year-long run is costly; two give a first look at between-replication spread.",
        f"replications: {sc['replications']}",
        "",
        "streams:",
    ]


def _streams(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """Each stream's weekday and month factors, with the per-mode checks against BTS."""
    modes = ck["modes"]
    L: list[str] = []
    last_mode = None
    for s, body in sc["streams"].items():
        mode = ck["streams"][s]
        m = modes[mode]
        if mode != last_mode:
            last_mode = mode
            L += [
                (f"  # {mode}: Measure={m['measure']}. Base day {m['base_day']:,.0f}; BTS {YEAR} {sum(m['bts']):,.0f}"
                 f" ({sum(m['bts']) / DAYS_IN_YEAR:,.0f}/day); mean weekday factor {m['weekday_mean']:.4f}."),
                "  # W[m] / days in m (mean weekday factor of the month's counted days):",
                f"  #   {_factor_map(dict(zip(MONTHS, m['mean_weekday_factor'], strict=True)))}",
                "  # BTS seasonal shape (volume[m] / days) / (annual / 365), for comparison:",
                f"  #   {_factor_map(dict(zip(MONTHS, m['shape'], strict=True)))}",
                (f"  # Day-weighted mean of the month factors {m['weighted_mean']:.4f}."
                 " Expected with the rounded factors:"
                 f" year {sum(m['expected']):,.0f} ({m['year_diff_pct']:+.3f} % vs BTS),"),
                f"  # months {min(m['month_diff_pct']):+.3f} to {max(m['month_diff_pct']):+.3f} %.",
            ]
        L += [
            f"  {s}:",
            "    demand:",
            f"      weekday_factor: {_factor_map(body['demand']['weekday_factor'])}",
            f"      month_factor: {_factor_map(body['demand']['month_factor'])}",
        ]
    return L
def _report(derived: dict[str, Any]) -> None:
    for m, pv, pvp, occ, fixed in derived["checks"]["occupancy_suspect"]:
        print(f"note: BTS {PORT} {m} {YEAR}: {pvp:,} passengers / {pv:,} personal vehicles = {occ:.2f} "
              f"(median month {derived['checks']['occupancy_median']:.2f}); vehicles corrected to {fixed:,}",
              file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    return generate(argv, __doc__, DEFAULT_OUT, derive, render, _report)


if __name__ == "__main__":
    sys.exit(main())
