#!/usr/bin/env python
"""Derive day-of-week demand factors and write a full-week scenario for each port.

Usage (from the repository root)::

    .venv/bin/python -m calibration.weekday_factors [--data ../shared/data]

writes ``scenarios/otay_mesa/week.yaml`` and ``scenarios/san_ysidro/week.yaml``. Each extends
its port's ``baseline.yaml`` (one SANDAG Tue/Wed/Thu-average day) and sets only the window (8
days from a Monday, the first day warm-up) and ``demand.weekday_factor`` of every baseline stream.

Input (relative to the data directory; see its README.md):

* ``bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv`` -- BTS monthly
  inbound crossings; rows ``Port Name`` (Otay Mesa / San Ysidro), ``Measure`` Personal Vehicles /
  Trucks / Pedestrians (and Personal Vehicle Passengers, for the occupancy repair of
  ``calibration/otay_mesa_year.py``), ``Date`` "Mon YYYY", column ``Value``.

No public data set here has dated daily volumes: the Cascade Gateway file has hourly delays
only (and is another border), the Texas bridge counts and BTS are monthly, and the CBP wait
histories by day of week are waits, not volumes. So the factors use two things:

1. **Weekly level** (data): BTS 2017 annual / 365 divided by the baseline's expected arrivals
   per day, per mode = the mean of the seven factors (Tue/Wed/Thu = 1, SANDAG's day).
2. **Shape** (which days are light): a day-of-week composition regression on BTS monthly
   counts 2010-2019 -- a month with five Sundays carries one more Sunday than one with four:

       log(volume / days) = year effect + month-of-year effect + log(sum_d n_d g_d / days)

   (n_d = number of weekday d in the month, g = 1 on Tue/Wed/Thu). For Otay Mesa **trucks** it
   shows light weekends; the Mon/Fri/Sat/Sun deficits 1 - g_d are scaled by one constant so the
   seven factors average the weekly level. For **passenger vehicles** its standard errors are
   far too large to say anything (quoted in the files); the four days other than Tue/Wed/Thu
   get one equal factor that meets the weekly level (ASSUMPTION: equal). **Pedestrians**: the
   baselines' pedestrian day is already an all-days average (BTS 2018 annual / 365), so every
   factor is 1 (ASSUMPTION: no day-of-week pattern).

``derive(data_dir)`` returns ``{port: {"scenario": <mapping>, "checks": <mapping>}}``;
``render(port, derived[port])`` gives the commented YAML. Tests check the committed files equal
``render(port, derive(data_dir)[port])`` for each port.
"""

from __future__ import annotations

import argparse
import calendar
import sys
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from calibration.data import DEFAULT_DATA, REPO, bts
from calibration.data.bts import BTS, MEASURE_BY_MODE, PVP
from calibration.yaml_writer import quote, window_lines
from sim.scenario import load_scenario
from sim.scenario.schema import WEEKDAYS

# --- assumptions (each one is quoted in a YAML comment) ----------------------------------
PORTS = {"otay_mesa": "Otay Mesa", "san_ysidro": "San Ysidro"}
LEVEL_YEAR = 2017  # the SANDAG base year of the baselines
FIT_YEARS = (2010, 2019)  # ten pre-COVID years around the base year
BASE_DAYS = ("tue", "wed", "thu")  # SANDAG's day is a Tue/Wed/Thu average: factor 1
FREE_DAYS = ("mon", "fri", "sat", "sun")
SHAPE_FROM_REGRESSION = {"truck"}  # modes whose day shape is taken from the regression
WINDOW_START = "2017-03-06T00:00"  # a Monday, the day before the baselines' Tuesday 2017-03-07
DURATION_H = 8 * 24
WARMUP_H = 24
DRAIN_H = 6
REPLICATIONS = 4
DIGITS = 3


def _scenario_path(port_dir: str, name: str) -> Path:
    return REPO / "scenarios" / port_dir / name


# --- BTS --------------------------------------------------------------------------------


def weekday_counts(year: int, month: int) -> np.ndarray:
    """How many Mondays .. Sundays the month has."""
    n = np.zeros(7)
    for d in range(1, calendar.monthrange(year, month)[1] + 1):
        n[calendar.weekday(year, month, d)] += 1
    return n


def composition_fit(series: pd.Series) -> dict[str, Any]:
    """Fit the day-of-week composition regression (module docstring) to a monthly series indexed
    by (year, month). Returns g (Mon/Fri/Sat/Sun relative to Tue/Wed/Thu), the standard errors
    of log g, the residual standard deviation and the number of months."""
    years = sorted({y for y, _ in series.index})
    n = np.array([weekday_counts(y, m) for y, m in series.index])
    days = n.sum(axis=1)
    v = np.log(series.to_numpy() / days)
    yi = np.array([years.index(y) for y, _ in series.index])
    mi = np.array([m - 1 for _, m in series.index])
    free = [WEEKDAYS.index(d) for d in FREE_DAYS]
    ny = len(years)

    def resid(p: np.ndarray) -> np.ndarray:
        g = np.ones(7)
        g[free] = np.exp(p[ny + 11:])
        moy = np.concatenate([[0.0], p[ny:ny + 11]])
        return v - (p[:ny][yi] + moy[mi] + np.log(n @ g / days))

    p0 = np.zeros(ny + 11 + len(free))
    fit = least_squares(resid, p0, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    dof = len(v) - len(p0)
    s2 = float(fit.fun @ fit.fun) / dof
    # least_squares with its default dense 2-point Jacobian returns it as an ndarray (the stubs allow sparse too)
    jac = cast(np.ndarray, fit.jac)
    cov = np.linalg.pinv(jac.T @ jac) * s2
    se = np.sqrt(np.diag(cov))[ny + 11:]
    g = np.exp(fit.x[ny + 11:])
    return {"g": dict(zip(FREE_DAYS, g.tolist(), strict=True)),
            "se_log": dict(zip(FREE_DAYS, se.tolist(), strict=True)),
            "resid_sd": s2 ** 0.5, "months": len(v)}


# --- derivation -------------------------------------------------------------------------


def baseline_per_day(baseline: Path) -> tuple[dict[str, str], dict[str, float]]:
    """Stream -> mode of the resolved baseline (file order), and expected arrivals per base day by mode."""
    sc = load_scenario(baseline).scenario
    modes: dict[str, str] = {name: s.mode for name, s in sc.streams.items()}
    per_day: dict[str, float] = {}
    for name, s in sc.streams.items():
        if s.demand.weekday_factor or s.demand.by_weekday or s.demand.month_factor:
            raise ValueError(f"{baseline}: stream {name} already has a calendar; expected one base day")
        per_day[s.mode] = per_day.get(s.mode, 0.0) + sum(s.demand.hourly_rates_per_h())
    return modes, per_day


def r3(x: float) -> float:
    return round(x + 0.0, DIGITS) + 0.0


def factors_for(mode: str, level: float | None, fit: dict[str, Any] | None) -> tuple[dict[str, float], dict[str, Any]]:
    """The seven factors of one mode, and how they were made."""
    if mode == "pedestrian":
        return {d: 1.0 for d in WEEKDAYS}, {"method": "flat"}
    assert level is not None
    if mode in SHAPE_FROM_REGRESSION:
        deficit = {d: 1.0 - fit["g"][d] for d in FREE_DAYS}  # type: ignore[index]
        total = sum(deficit.values())
        if total <= 0:
            raise ValueError(f"{mode}: the regression finds no light day; cannot scale its shape")
        k = 7.0 * (1.0 - level) / total
        free = {d: 1.0 - k * deficit[d] for d in FREE_DAYS}
        if min(free.values()) < 0:
            raise ValueError(f"{mode}: scaled factors below 0: {free}")
        how = {"method": "regression", "k": k}
    else:
        x = (7.0 * level - len(BASE_DAYS)) / len(FREE_DAYS)
        free = {d: x for d in FREE_DAYS}
        how = {"method": "equal"}
    return {d: r3(1.0 if d in BASE_DAYS else free[d]) for d in WEEKDAYS}, how


def derive(data_dir: str | Path = DEFAULT_DATA) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for port_dir, port in PORTS.items():
        baseline = _scenario_path(port_dir, "baseline.yaml")
        stream_modes, per_day = baseline_per_day(baseline)
        modes = list(dict.fromkeys(stream_modes.values()))
        measures = tuple(MEASURE_BY_MODE[m] for m in modes)
        extra = (PVP,) if "vehicle" in modes else ()
        wide = bts.series(data_dir, port, measures + extra,
                          (min(FIT_YEARS[0], LEVEL_YEAR), max(FIT_YEARS[1], LEVEL_YEAR)))
        repaired: list[tuple[int, int]] = []
        if "vehicle" in modes:
            wide["Personal Vehicles"], repaired = bts.repaired_series(wide)
        days_in_year = 366 if calendar.isleap(LEVEL_YEAR) else 365
        fit_rows = wide.loc[FIT_YEARS[0]:FIT_YEARS[1]]
        per_mode: dict[str, Any] = {}
        for mode in modes:
            measure = MEASURE_BY_MODE[mode]
            # a year of the (year, month) index selects that year's 12 months: a Series
            bts_day = float(cast(pd.Series, wide.loc[LEVEL_YEAR, measure]).sum()) / days_in_year
            level = bts_day / per_day[mode]
            fit = composition_fit(fit_rows[measure])
            factors, how = factors_for(mode, level, fit)
            per_mode[mode] = {
                "measure": measure, "bts_per_day": bts_day, "baseline_per_day": per_day[mode], "level": level,
                "fit": fit, "factors": factors, "mean": sum(factors.values()) / 7.0, **how,
            }
        streams = {s: {"demand": {"weekday_factor": dict(per_mode[m]["factors"])}} for s, m in stream_modes.items()}
        scenario = {
            "extends": "baseline.yaml",
            "name": f"{port} NB, one full week (2017, day-of-week factors)",
            "description": (
                f"{port} northbound, Tuesday 2017-03-07 to Monday 2017-03-13: the 2017 weekday baseline "
                "scaled by day of week (weekly level from BTS 2017 annual counts; truck day shape from a "
                "BTS monthly day-of-week regression; passenger-vehicle day shape and pedestrian factors are "
                "assumptions). Generated by calibration/weekday_factors.py."
            ),
            "window": {"start": WINDOW_START, "duration_h": DURATION_H, "warmup_h": WARMUP_H, "drain_h": DRAIN_H},
            "replications": REPLICATIONS,
            "streams": streams,
        }
        out[port_dir] = {"scenario": scenario, "checks": {
            "port": port, "streams": stream_modes, "modes": per_mode,
            "repaired": [(y, m) for y, m in repaired if y == LEVEL_YEAR or FIT_YEARS[0] <= y <= FIT_YEARS[1]],
        }}
    return out


# --- rendering --------------------------------------------------------------------------


def _fmap(f: dict[str, float]) -> str:
    return "{" + ", ".join(f"{d}: {v:.{DIGITS}f}" for d, v in f.items()) + "}"


def _fit_text(fit: dict[str, Any]) -> str:
    return ", ".join(f"{d} {fit['g'][d]:.2f} ({fit['se_log'][d]:.2f})" for d in FREE_DAYS)


def render(port_dir: str, derived: dict[str, Any]) -> str:
    """The commented YAML text of one port's ``derive`` result."""
    sc, ck = derived["scenario"], derived["checks"]
    L = _header(ck) + _window(sc) + _streams(sc, ck)
    return "\n".join(L) + "\n"


def _header(ck: dict[str, Any]) -> list[str]:
    """The comment block: how the file is made and the method of the factors."""
    port = ck["port"]
    L = [
        f"# {port} port of entry, northbound: one full week (8 days, the first warm-up), 2017.",
        "#",
        "# GENERATED by calibration/weekday_factors.py -- do not edit by hand. Regenerate with",
        "#   .venv/bin/python -m calibration.weekday_factors --data ../shared/data",
        "# (tests/test_scenario_library.py checks that this file matches the script's output).",
        "#",
        "# Extends baseline.yaml (the calibrated SANDAG Tue/Wed/Thu-average day with its lanes, lane",
        "# policy, service times and secondary) and sets only the window and demand.weekday_factor, so",
        "# the lane policy answers each day's demand with more or fewer lanes open (queue.csv booths_open).",
        "# Factors scale the whole base day; the hourly shape is the weekday's on every day (the Sunday-",
        "# afternoon peak reported for both ports, public-figures §4.5, is not modelled: no hourly data).",
        "#",
        "# Data (relative to the shared data directory, see its README.md):",
        f"#   {BTS}",
        f"#   rows Port Name={port}, Measure "
        + " / ".join(m["measure"] for m in ck["modes"].values()) + ", column Value.",
        "# No data set at hand has dated daily volumes (checked: cascade_gateway/query_PeaceArch_South_Cars.csv",
        "# is hourly DELAY at Peace Arch, another border, no volumes; texas_bridge_crossings/ and BTS are monthly;",
        "# cbp_bwt/ day-of-week histories are waits, not volumes). So:",
        f"# * weekly level (data): BTS {LEVEL_YEAR} annual / 365 over the baseline's expected arrivals per day",
        "#   is the mean of the seven factors; Tue/Wed/Thu are 1 (SANDAG's day is their average);",
        f"# * day shape: day-of-week composition regression on BTS monthly counts {FIT_YEARS[0]}-{FIT_YEARS[1]}",
        "#   (log(volume/days) = year + month-of-year + log(sum_d n_d g_d / days), n_d = how many of weekday d",
        "#   the month has, g = 1 on Tue/Wed/Thu): a month with five Sundays has one Sunday more than one with four.",
    ]
    if ck["repaired"]:
        L.append("# BTS Personal Vehicles repaired as in calibration/otay_mesa_year.py"
                 " (occupancy off the year's median)"
                 " for " + ", ".join(f"{calendar.month_abbr[m]} {y}" for y, m in ck["repaired"]) + ".")
    return L


def _window(sc: dict[str, Any]) -> list[str]:
    """``extends``, name, description and the week's window."""
    w = sc["window"]
    return [
        "",
        f"extends: {sc['extends']}",
        f"name: {quote(sc['name'])}",
        f"description: {quote(sc['description'])}",
        "",
        f"# {w['duration_h'] // 24} days from {w['start']} (a Monday): Monday is warm-up (queues do not drain at",
        "# midnight, see baseline.yaml); counted: Tue 2017-03-07 .. Mon 2017-03-13, no US or Mexican holiday.",
        "# (US daylight time starts Sun 2017-03-12; the simulator's clock is local time without a jump.)",
        *window_lines(w),
        (f"# {sc['replications']} replications (assumption: a replication simulates 4 x the baseline's 48 h"
         " and counts 7 days)."),
        f"replications: {sc['replications']}",
        "",
        "streams:",
    ]


def _streams(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """Each stream's weekday factors, with a comment per mode on how they were found."""
    L: list[str] = []
    last = None
    for s, body in sc["streams"].items():
        mode = ck["streams"][s]
        m = ck["modes"][mode]
        if mode != last:
            last = mode
            L += _mode_comment(mode, m)
        L += [
            f"  {s}:",
            "    demand:",
            f"      weekday_factor: {_fmap(body['demand']['weekday_factor'])}",
        ]
    return L


def _mode_comment(mode: str, m: dict[str, Any]) -> list[str]:
    """How one mode's factors were found: level, regression, and the method used."""
    L: list[str] = []
    head = (f"  # {mode}: Measure={m['measure']}. BTS {LEVEL_YEAR}: {m['bts_per_day']:,.0f}/day;"
            f" baseline day {m['baseline_per_day']:,.0f}")
    L.append(head + (f"; level {m['level']:.3f}." if m["method"] != "flat" else "."))
    L.append(f"  # Regression ({m['fit']['months']} months, residual SD {m['fit']['resid_sd']:.3f}),"
             " g and SE of log g:")
    L.append(f"  #   {_fit_text(m['fit'])}.")
    if m["method"] == "regression":
        L += [
            (f"  # Used: the Mon/Fri/Sat/Sun deficits 1 - g are scaled by {m['k']:.3f}"
             " so the factors average the level: light"),
            "  # weekends, almost no trucks on Sundays. BTS annual / 365 includes holidays, so a holiday-free",
            "  # week may be slightly heavier than this. The weekend hourly shape (shorter cargo hours,",
            "  # public-figures §4.8) is not modelled: the weekday profile is scaled.",
        ]
    elif m["method"] == "equal":
        L += [
            "  # NOT used: standard errors that large say nothing about the shape. ASSUMPTION: Mon, Fri, Sat",
            (f"  # and Sun get one equal factor, (7 x {m['level']:.3f} - 3) / 4,"
             " that meets the weekly level. CBP's"),
            "  # San Ysidro General-lane waits by day (public-figures §4.5) are highest on Sun and Sat, but",
            "  # waits are not volumes (staffing differs by day), so they are not used either.",
        ]
    else:
        L += [
            "  # NOT used. ASSUMPTION: every factor 1 -- the baseline's pedestrian day is already an all-days",
            ("  # average (BTS 2018 annual / 365, see baseline.yaml)"
             " and no day-of-week pedestrian counts exist."),
        ]
    L.append(f"  # Mean of the rounded factors: {m['mean']:.4f}.")
    return L


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    args = ap.parse_args(argv)
    derived = derive(args.data)
    for port_dir, d in derived.items():
        out = _scenario_path(port_dir, "week.yaml")
        out.write_text(render(port_dir, d), encoding="utf-8")
        print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
