#!/usr/bin/env python
"""Derive the Otay Mesa northbound baseline scenario from public data.

Usage (from the repository root)::

    .venv/bin/python calibration/otay_mesa_baseline.py [--data ../shared/data] \
        [--out scenarios/otay_mesa/baseline.yaml]

Inputs (paths relative to the data directory; see its README.md):

* ``sandag_sr11_ome/OME_Observed_Data.csv`` — SANDAG's observed hourly passenger-vehicle volumes
  per lane type (CBP data, Tue/Wed/Thu averages) and commercial volumes (no lane split).
* ``sandag_sr11_ome/poe_rates_2017_base.csv`` — hourly open lanes and processing rates
  (veh/h/lane) of SANDAG's calibrated 2017 base-year simulation.
* ``sandag_sr11_ome/Truck_Trips_2017.csv`` — weighted truck trips by arrival hour and lane (GP/FAST).
* ``bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv`` — BTS monthly
  crossings (pedestrian volume; cross-checks of vehicle and truck volumes).

Hour convention of the SANDAG files: hour 1 = 00:00–01:00 … hour 24 = 23:00–24:00, so the
value for hour of day k (0-based, as in the scenario's 24-value lists) is row ``k + 1``.

``derive(data_dir)`` returns ``{"scenario": <mapping>, "checks": <mapping>}``: the scenario
exactly as the YAML file holds it, plus the cross-check figures quoted in the YAML comments.
``render(derived)`` turns that into the commented YAML text. A test checks that the committed
``scenarios/otay_mesa/baseline.yaml`` equals ``render(derive(data_dir))``.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO / ".." / "shared" / "data"
DEFAULT_OUT = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"

OBSERVED = "sandag_sr11_ome/OME_Observed_Data.csv"
RATES = "sandag_sr11_ome/poe_rates_2017_base.csv"
TRUCKS = "sandag_sr11_ome/Truck_Trips_2017.csv"
CONFIGS = "sandag_sr11_ome/port_configurations.csv"
BTS = "bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv"
FIGURES = "shared/reference/public-figures.md"  # a sibling of the shared data directory

HOURS = range(24)

# --- assumptions (each one is quoted in a YAML comment) ----------------------------------
WINDOW_START = "2017-03-07T00:00"  # a Tuesday in the 2017 base year
DURATION_H = 48
WARMUP_H = 24
DRAIN_H = 6
REPLICATIONS = 10
SEED = 20170307
POV_CV = 0.6  # public-figures §4.1 suggested default (CV 0.5–0.7)
TRUCK_CV = 0.5
POV_REFERRAL_P = 0.03  # public-figures §4.2: 2–5 %
TRUCK_REFERRAL_P = 0.15  # public-figures §4.2: NII scans 15 % of commercial (SW border, FY2021)
POV_SECONDARY = {"positions": 20, "mean_s": 900.0, "cv": 1.0}
TRUCK_SECONDARY = {"positions": 10, "mean_s": 1200.0, "cv": 0.8}
PED_BOOTHS = 6  # public-figures §4.3
PED_MEAN_S = 30.0  # public-figures §4.1: suggested default 30–60 s; low end, see the YAML comment
PED_CV = 0.5
PED_READY_SHARE = 0.25
BTS_YEAR = 2018
PHYSICAL_POV_LANES = 13  # public-figures §4.3; OM_*_MAX in the rates file
DATA_FILES = (OBSERVED, RATES, TRUCKS, CONFIGS, BTS)  # what `poesim calibrate` hashes into the record
PARAMETERS = REPO / "calibration" / "parameters" / "otay_mesa.json"

# Officers' lane policy (see sim/scenario/schema.py LanePolicy). Fitted per lane type by
# `poesim calibrate` (calibration/otay_mesa.yaml): the target wait (min) and a scale on SANDAG's
# per-lane service time. Values below are only the fit's starting point.
LANE_TYPE_KEY = {"pov_general": "general", "pov_ready": "ready", "pov_sentri": "sentri"}
START_PARAMETERS = {
    "general_target_wait_min": 60.0, "ready_target_wait_min": 40.0, "sentri_target_wait_min": 25.0,
    "general_service_scale": 1.0, "ready_service_scale": 1.0, "sentri_service_scale": 1.0,
}
TARGET_BAND = 0.2  # ASSUMPTION: officers act outside target × (1 ± 0.2) (SANDAG's bands are ±15-35 %)
REVIEW_MIN = 5.0  # ASSUMPTION: how often the line is looked at
REACTION_MIN = 10.0  # ASSUMPTION: from decision to a lane opening or closing

POV_LANE_TYPES = {"pov_general": "General", "pov_ready": "Ready", "pov_sentri": "SENTRI"}
POV_RATE_PREFIX = {"pov_general": "OM_GP", "pov_ready": "OM_RE", "pov_sentri": "OM_SE"}
TRUCK_LANES = {"truck_general": "GP", "truck_fast": "FAST"}
TRUCK_RATE_PREFIX = {"truck_general": "OMC_GP", "truck_fast": "OMC_SP"}


# --- readers ----------------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found (is --data the shared data directory?)")
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _hourly(pairs: list[tuple[int, float]], what: str) -> list[float]:
    """24 values from (hour 1..24, value) pairs; every hour exactly once."""
    out: dict[int, float] = {}
    for hour, value in pairs:
        if not 1 <= hour <= 24 or hour in out:
            raise ValueError(f"{what}: unexpected or repeated hour {hour}")
        out[hour] = value
    if set(out) != set(range(1, 25)):
        raise ValueError(f"{what}: missing hours {sorted(set(range(1, 25)) - set(out))}")
    return [out[k + 1] for k in HOURS]


def observed_volumes(data_dir: Path) -> dict[tuple[str, str], list[float]]:
    """Otay Mesa northbound hourly ``volume`` by (vehicle_type, traveler_type)."""
    pairs: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for r in _rows(data_dir / OBSERVED):
        if r["port_name"] == "Otay Mesa" and r["direction"] == "Northbound":
            pairs[(r["vehicle_type"], r["traveler_type"])].append((int(r["hour"]), float(r["volume"])))
    return {k: _hourly(v, f"{OBSERVED} {k}") for k, v in pairs.items()}


def poe_rates(data_dir: Path) -> dict[str, list[float]]:
    """Every column of the 2017 base rate file as 24 hourly values (row TIME = hour 1..24)."""
    rows = _rows(data_dir / RATES)
    cols = [c for c in rows[0] if c != "TIME"]
    return {c: _hourly([(int(r["TIME"]), float(r[c])) for r in rows], f"{RATES} {c}") for c in cols}


def truck_trips(data_dir: Path) -> dict[str, list[float]]:
    """Northbound truck trips by lane (GP/FAST): sum of RevWght by ArHour; absent hours are 0."""
    out = {lane: [0.0] * 24 for lane in TRUCK_LANES.values()}
    for r in _rows(data_dir / TRUCKS):
        if r["Dir"] == "NB":
            out[r["Lane"]][int(r["ArHour"]) - 1] += float(r["RevWght"])
    return out


def bts_annual(
    data_dir: Path, measures: tuple[str, ...], year: int = BTS_YEAR, port: str = "Otay Mesa"
) -> dict[str, float]:
    """Annual totals of the given BTS measures for one port and year: the sum of the 12 monthly
    values (each measure must have exactly 12 months and no duplicate rows)."""
    months: dict[str, dict[str, float]] = {m: {} for m in measures}
    for r in _rows(data_dir / BTS):
        if r["Port Name"] == port and r["Measure"] in months and r["Date"].endswith(f" {year}"):
            m = months[r["Measure"]]
            if r["Date"] in m:
                raise ValueError(f"{BTS}: duplicate row {port} {r['Measure']} {r['Date']}")
            m[r["Date"]] = float(r["Value"])
    bad = {k: len(v) for k, v in months.items() if len(v) != 12}
    if bad:
        raise ValueError(f"{BTS}: expected 12 months of {port} {year}, found {bad}")
    return {k: sum(v.values()) for k, v in months.items()}


def min_lanes(data_dir: Path, port: str) -> dict[str, int]:
    """SANDAG's ``min_lanes`` per northbound passenger lane type (General/Ready/SENTRI)."""
    return {
        r["traveler_type"]: int(r["min_lanes"])
        for r in _rows(data_dir / CONFIGS)
        if r["port_name"] == port and r["vehicle_type"] == "Passenger" and r["direction"] == "Northbound"
    }


def observed_passenger(data_dir: Path, port: str) -> dict[str, dict[str, list[float]]]:
    """Per traveler_type (General/Ready/SENTRI): hourly ``volume``, ``open_lanes`` and ``wait_time``
    of SANDAG's observed northbound passenger data for a port (NaN where blank)."""
    cols = ("volume", "open_lanes", "wait_time")
    pairs: dict[str, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    for r in _rows(data_dir / OBSERVED):
        if r["port_name"] == port and r["direction"] == "Northbound" and r["vehicle_type"] == "Passenger":
            for c in cols:
                pairs[r["traveler_type"]][c].append((int(r["hour"]), float(r[c]) if r[c].strip() else float("nan")))
    return {t: {c: _hourly(v[c], f"{OBSERVED} {port} {t} {c}") for c in cols} for t, v in pairs.items()}


def observations_for(data_dir: Path, port: str, lane_types: dict[str, str]):
    """What the fit matches: per passenger lane group and clock hour, the observed mean wait
    (``wait_time``, min) and lanes open (``open_lanes``); hours with no lane open are left out."""
    import pandas as pd

    obs = observed_passenger(data_dir, port)
    rows = []
    for group, t in lane_types.items():
        for k in HOURS:
            lanes, wait = obs[t]["open_lanes"][k], obs[t]["wait_time"][k]
            if not lanes > 0:
                continue
            rows.append({"lane_group": group, "hour": f"{k:02d}", "metric": "lanes_open", "observed": lanes})
            if wait == wait:
                rows.append({"lane_group": group, "hour": f"{k:02d}", "metric": "mean_wait_min", "observed": wait})
    return pd.DataFrame(rows)


def observations(data_dir: str | Path):
    """The observations ``poesim calibrate`` fits Otay Mesa's parameters to."""
    return observations_for(Path(data_dir), "Otay Mesa", POV_LANE_TYPES)


def fitted_parameters(path: Path = PARAMETERS) -> dict[str, float]:
    """The committed fitted values (``calibration/parameters/<port>.json``), or the fit's starting
    point when there are none yet."""
    if not path.exists():
        return dict(START_PARAMETERS)
    return dict(json.loads(path.read_text(encoding="utf-8"))["parameters"])


def service_by_hour(rates: list[float], mean_rate: float) -> list[float]:
    """Service-time multipliers by clock hour: SANDAG's daily mean rate over its hourly rate
    (officers process faster at some hours; SANDAG's rates vary by about ±40 % over the day)."""
    return [round(mean_rate / r, 3) for r in rates]


def lane_policy(target_wait_min: float, lanes_min: int, lanes_max: int) -> dict[str, Any]:
    """The scenario's ``policy:`` block for a fitted target wait."""
    return {
        "low_wait_min": r1(target_wait_min * (1 - TARGET_BAND)),
        "high_wait_min": r1(target_wait_min * (1 + TARGET_BAND)),
        "min_lanes": lanes_min,
        "max_lanes": lanes_max,
        "review_min": REVIEW_MIN,
        "reaction_min": REACTION_MIN,
    }


def scenario_mapping(name: str, description: str, streams: dict[str, Any], groups: dict[str, Any],
                     secondary: dict[str, tuple[str, dict[str, float]]]) -> dict[str, Any]:
    """A baseline scenario as the YAML holds it: the shared window, replications and seed, and
    secondary facilities from ``{name: (mode, {positions, mean_s, cv})}`` (lognormal service)."""
    return {
        "name": name,
        "description": description,
        "window": {"start": WINDOW_START, "duration_h": DURATION_H, "warmup_h": WARMUP_H, "drain_h": DRAIN_H},
        "replications": REPLICATIONS,
        "seed": SEED,
        "streams": streams,
        "lane_groups": groups,
        "secondary": {
            f: {"mode": mode, "positions": spec["positions"], "service": _lognormal(spec["mean_s"], spec["cv"])}
            for f, (mode, spec) in secondary.items()
        },
    }


# --- derivation -------------------------------------------------------------------------


def r1(x: float) -> float:
    """Round to one decimal (rates in veh/h, service means in s)."""
    return round(x + 0.0, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def weighted_rate(rates: list[float], volumes: list[float]) -> float:
    """Volume-weighted mean of hourly processing rates (veh/h/lane)."""
    return sum(r * v for r, v in zip(rates, volumes)) / sum(volumes)


def _lognormal(mean_s: float, cv: float) -> dict[str, Any]:
    return {"dist": "lognormal", "mean_s": mean_s, "cv": cv}


def _gamma(mean_s: float, cv: float) -> dict[str, Any]:
    return {"dist": "gamma", "mean_s": mean_s, "cv": cv}


def _whole(values: list[float], what: str) -> list[int]:
    if any(v != int(v) or v < 0 for v in values):
        raise ValueError(f"{what}: expected whole lane counts, got {values}")
    return [int(v) for v in values]


def pedestrians(daily: float, profile: list[float], booths: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pedestrian streams (general and Ready, split by PED_READY_SHARE) and their lane group:
    ``booths`` lines, one per booth, all open, lognormal PED_MEAN_S / PED_CV service."""
    streams = {
        s: {
            "mode": "pedestrian",
            "program": program,
            "demand": {"daily_volume": r1(daily * share), "profile": profile},
            "lane_choice": {"rule": "shortest_expected_wait"},
        }
        for s, program, share in (("ped_general", "general", 1 - PED_READY_SHARE), ("ped_ready", "ready", PED_READY_SHARE))
    }
    group = {
        "mode": "pedestrian",
        "programs": ["general", "ready"],
        "lanes": booths,
        "discipline": "per_lane",
        "lanes_open": booths,
        "service": {p: _lognormal(PED_MEAN_S, PED_CV) for p in ("general", "ready")},
    }
    return streams, group


def derive(data_dir: str | Path = DEFAULT_DATA, parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """Read the public data and return ``{"scenario": ..., "checks": ..., "observed_lanes": ...}``
    (see module doc); ``parameters`` are the lane-policy values (default: the committed fit)."""
    data_dir = Path(data_dir)
    params = fitted_parameters() if parameters is None else parameters
    lane_min = min_lanes(data_dir, "Otay Mesa")
    observed_pov = observed_passenger(data_dir, "Otay Mesa")
    obs = observed_volumes(data_dir)
    rates = poe_rates(data_dir)
    trucks = truck_trips(data_dir)
    bts = bts_annual(data_dir, ("Personal Vehicles", "Trucks", "Pedestrians"))
    checks: dict[str, Any] = {}
    streams: dict[str, Any] = {}
    groups: dict[str, Any] = {}

    # passenger vehicles ------------------------------------------------------------------
    pov_raw = {s: obs[("Passenger", t)] for s, t in POV_LANE_TYPES.items()}
    pov_mean_s: dict[str, float] = {}
    pov_open: dict[str, list[int]] = {}
    pov_by_hour: dict[str, list[float]] = {}
    for s, prefix in POV_RATE_PREFIX.items():
        rate = weighted_rate(rates[f"{prefix}_VEH"], pov_raw[s])
        pov_mean_s[s] = r1(3600.0 / rate * params[f"{LANE_TYPE_KEY[s]}_service_scale"])
        pov_by_hour[s] = service_by_hour(rates[f"{prefix}_VEH"], rate)
        checks[f"{s}_rate_veh_h_lane"] = r1(rate)
        pov_open[s] = _whole(rates[f"{prefix}_OPEN"], f"{prefix}_OPEN")
        checks[f"{s}_max_col"] = int(max(rates[f"{prefix}_MAX"]))
    for s, program in (("pov_general", "general"), ("pov_ready", "ready"), ("pov_sentri", "sentri")):
        streams[s] = {
            "mode": "vehicle",
            "program": program,
            "demand": {"rate_per_h": [r1(v) for v in pov_raw[s]]},
            "referral_p": POV_REFERRAL_P,
            "lane_choice": {"rule": "shortest_expected_wait"},
        }
        checks[f"{s}_daily"] = round(sum(pov_raw[s]))
    gp, re_, se = pov_mean_s["pov_general"], pov_mean_s["pov_ready"], pov_mean_s["pov_sentri"]
    pov_programs = {
        "pov_general": {"general": gp, "ready": gp, "sentri": gp},
        "pov_ready": {"ready": re_, "sentri": re_},
        "pov_sentri": {"sentri": se},
    }
    for g, progs in pov_programs.items():
        key = LANE_TYPE_KEY[g]
        groups[g] = {
            "mode": "vehicle",
            "programs": list(progs),
            "lanes": PHYSICAL_POV_LANES,
            "discipline": "shared",
            "policy": lane_policy(params[f"{key}_target_wait_min"], lane_min[POV_LANE_TYPES[g]], PHYSICAL_POV_LANES),
            "service": {p: _lognormal(m, POV_CV) for p, m in progs.items()},
            "service_by_hour": pov_by_hour[g],
        }
    checks["parameters"] = dict(params)
    total_open = [sum(pov_open[g][k] for g in pov_open) for k in HOURS]
    checks["pov_max_total_open"] = max(total_open)
    if max(total_open) > PHYSICAL_POV_LANES:
        raise ValueError(f"{RATES}: more than {PHYSICAL_POV_LANES} passenger lanes open in one hour: {total_open}")
    pov_total = [sum(pov_raw[s][k] for s in pov_raw) for k in HOURS]
    checks["pov_daily_total"] = round(sum(pov_total))
    checks["bts_pov_per_day"] = round(bts["Personal Vehicles"] / 365)

    # trucks ------------------------------------------------------------------------------
    truck_mean_s: dict[str, float] = {}
    truck_open: dict[str, list[int]] = {}
    for s, prefix in TRUCK_RATE_PREFIX.items():
        rate = weighted_rate(rates[f"{prefix}_VEH"], trucks[TRUCK_LANES[s]])
        truck_mean_s[s] = r1(3600.0 / rate)
        checks[f"{s}_rate_veh_h_lane"] = r1(rate)
        truck_open[s] = _whole(rates[f"{prefix}_OPEN"], f"{prefix}_OPEN")
        checks[f"{s}_max_col"] = int(max(rates[f"{prefix}_MAX"]))
    for s, program in (("truck_general", "general"), ("truck_fast", "fast")):
        streams[s] = {
            "mode": "truck",
            "program": program,
            "demand": {"rate_per_h": [r1(v) for v in trucks[TRUCK_LANES[s]]]},
            "referral_p": TRUCK_REFERRAL_P,
            "lane_choice": {"rule": "shortest_expected_wait"},
        }
        checks[f"{s}_daily"] = round(sum(trucks[TRUCK_LANES[s]]))
    tg, tf = truck_mean_s["truck_general"], truck_mean_s["truck_fast"]
    truck_programs = {"truck_general": {"general": tg, "fast": tg}, "truck_fast": {"fast": tf}}
    for g, progs in truck_programs.items():
        groups[g] = {
            "mode": "truck",
            "programs": list(progs),
            "lanes": max(truck_open[g]),
            "discipline": "shared",
            "lanes_open": truck_open[g],
            "service": {p: _gamma(m, TRUCK_CV) for p, m in progs.items()},
        }
    truck_total = [sum(trucks[l][k] for l in trucks) for k in HOURS]
    commercial = obs[("Commercial", "_All_")]
    checks["truck_daily_total"] = round(sum(truck_total))
    checks["commercial_observed_daily"] = round(sum(commercial))
    hours_with = lambda v: [k + 1 for k in HOURS if v[k] > 0]  # noqa: E731
    checks["truck_trip_hours"] = (min(hours_with(truck_total)), max(hours_with(truck_total)))
    checks["commercial_observed_hours"] = (min(hours_with(commercial)), max(hours_with(commercial)))
    checks["truck_trips_peak_hour"] = max(HOURS, key=lambda k: truck_total[k]) + 1
    checks["commercial_observed_peak_hour"] = max(HOURS, key=lambda k: commercial[k]) + 1
    checks["bts_trucks_per_day"] = round(bts["Trucks"] / 365)

    # pedestrians -------------------------------------------------------------------------
    ped_annual = bts["Pedestrians"]
    ped_daily = ped_annual / 365
    checks["bts_ped_annual"] = round(ped_annual)
    checks["bts_ped_per_day"] = r1(ped_daily)
    profile = [r1(v) for v in pov_total]
    ped_streams, groups["ped_general"] = pedestrians(ped_daily, profile, PED_BOOTHS)
    streams.update(ped_streams)

    scenario = scenario_mapping(
        "Otay Mesa NB baseline (2017 weekday)",
        "Otay Mesa northbound, typical 2017 weekday (SANDAG Tue/Wed/Thu averages): passenger "
        "vehicles (General/Ready/SENTRI), commercial trucks (GP/FAST) and pedestrians. "
        "Derived from public SANDAG and BTS data; passenger lanes follow an officers' lane policy whose "
        "target waits and service-time scales are fitted to CBP's observed waits and open lanes "
        "(poesim calibrate calibration/otay_mesa.yaml).",
        streams,
        groups,
        {"pov_secondary": ("vehicle", POV_SECONDARY), "truck_secondary": ("truck", TRUCK_SECONDARY)},
    )
    observed_lanes = {g: _whole(observed_pov[t]["open_lanes"], f"{OBSERVED} open_lanes") for g, t in POV_LANE_TYPES.items()}
    return {"scenario": scenario, "checks": checks, "observed_lanes": observed_lanes, "sandag_open": pov_open}


# --- rendering --------------------------------------------------------------------------


def _num(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return f"{x:.1f}" if x == round(x, 1) else repr(x)
    raise TypeError(f"not a number: {x!r}")


def window_lines(w: dict[str, Any]) -> list[str]:
    """The ``window:`` block of a generated scenario (shared by the generator scripts)."""
    return ["window:"] + [f"  {k}: {w[k] if k == 'start' else _num(w[k])}" for k in ("start", "duration_h", "warmup_h", "drain_h")]


def _flow_list(key: str, values: list[Any], indent: int, per_line: int = 12) -> list[str]:
    """``key: [v1, v2, ...]`` wrapped after ``per_line`` values, continuation aligned."""
    head = " " * indent + f"{key}: ["
    chunks = [", ".join(_num(v) for v in values[i : i + per_line]) for i in range(0, len(values), per_line)]
    lines = [head + chunks[0]]
    for c in chunks[1:]:
        lines[-1] += ","
        lines.append(" " * len(head) + c)
    lines[-1] += "]"
    return lines


def _service(d: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {v if isinstance(v, str) else _num(v)}" for k, v in d.items()) + "}"


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _group_lines(name: str, g: dict[str, Any], comments: dict[str, list[str]]) -> list[str]:
    out = [f"  {name}:"]
    out.append(f"    mode: {g['mode']}")
    out.append(f"    programs: [{', '.join(g['programs'])}]")
    out += ["    # " + c for c in comments.get("lanes", [])]
    out.append(f"    lanes: {g['lanes']}")
    out.append(f"    discipline: {g['discipline']}")
    out += ["    # " + c for c in comments.get("lanes_open", [])]
    if "policy" in g:
        out.append("    policy: {" + ", ".join(f"{k}: {_num(v)}" for k, v in g["policy"].items()) + "}")
    elif isinstance(g["lanes_open"], list):
        out += _flow_list("lanes_open", g["lanes_open"], 4)
    else:
        out.append(f"    lanes_open: {g['lanes_open']}")
    out += ["    # " + c for c in comments.get("service", [])]
    out.append("    service:")
    for p, d in g["service"].items():
        out.append(f"      {p}: {_service(d)}")
    if "service_by_hour" in g:
        out += ["    # " + c for c in comments.get("service_by_hour", [])]
        out += _flow_list("service_by_hour", g["service_by_hour"], 4)
    return out


def _stream_lines(name: str, s: dict[str, Any], comments: list[str]) -> list[str]:
    out = [f"  {name}:"]
    out.append(f"    mode: {s['mode']}")
    out.append(f"    program: {s['program']}")
    out.append("    demand:")
    out += ["      # " + c for c in comments]
    d = s["demand"]
    if "rate_per_h" in d:
        out += _flow_list("rate_per_h", d["rate_per_h"], 6)
    else:
        out.append(f"      daily_volume: {_num(d['daily_volume'])}")
        out += _flow_list("profile", d["profile"], 6)
    if "referral_p" in s:
        out.append(f"    referral_p: {_num(s['referral_p'])}")
    out.append(f"    lane_choice: {{rule: {s['lane_choice']['rule']}}}")
    return out


def policy_comments(prefix: str, lane_type: str, ck: dict[str, Any], rate: float, max_note: str) -> dict[str, list[str]]:
    """The comments of a passenger lane group under a fitted lane policy (shared by the port scripts)."""
    key = lane_type.lower()
    target = ck["parameters"][f"{key}_target_wait_min"]
    scale = ck["parameters"][f"{key}_service_scale"]
    return {
        "lanes": [max_note],
        "lanes_open": [
            f"Lane policy: target wait {_num(round(target, 1))} min (FITTED: {key}_target_wait_min), band x (1 -/+ "
            f"{_num(TARGET_BAND)}) (assumption);",
            f"min_lanes: {CONFIGS} min_lanes ({lane_type}); review/reaction {_num(REVIEW_MIN)}/"
            f"{_num(REACTION_MIN)} min (assumptions).",
        ],
        "service": [
            f"{prefix}_VEH weighted by {lane_type} volume: {_num(rate)} veh/h/lane; mean_s = 3600 / rate x "
            f"{scale} (FITTED: {key}_service_scale).",
        ],
        "service_by_hour": [
            "by clock hour of service start: that mean rate / SANDAG's rate in the hour (same column).",
        ],
    }


def calibration_header(port_file: str, ck: dict[str, Any]) -> list[str]:
    """Header lines saying where the fitted values come from (shared by the port scripts)."""
    return [
        f"# Calibrated: `poesim calibrate calibration/{port_file}.yaml --data ../shared/data` fits, per passenger",
        "# lane type, the officers' target wait (to CBP's observed hourly wait_time) and a scale on SANDAG's",
        f"# service time (to CBP's observed open_lanes); values and residuals: calibration/parameters/{port_file}.json.",
        "# Trucks and pedestrians are derived, not fitted (no observed waits in the SANDAG data).",
    ]


def render(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """The commented YAML text of a ``derive`` result (``record``: the fit, unused here)."""
    sc, ck = derived["scenario"], derived["checks"]
    st, lg, sec = sc["streams"], sc["lane_groups"], sc["secondary"]
    w = sc["window"]
    L: list[str] = [
        "# Otay Mesa port of entry, northbound: 2017 typical-weekday baseline.",
        "#",
        "# GENERATED by calibration/otay_mesa_baseline.py -- do not edit by hand. Regenerate with",
        "#   poesim calibrate calibration/otay_mesa.yaml --data ../shared/data   (fits, then writes this file), or",
        "#   .venv/bin/python calibration/otay_mesa_baseline.py --data ../shared/data   (the committed fit)",
        "# (tests/calibration/test_otay_mesa_baseline.py checks that this file matches the script's output).",
        "#",
        "# Data files are named relative to the shared data directory (see its README.md):",
        f"#   {OBSERVED}  -- SANDAG SR-11/OME model, observed CBP data (Tue/Wed/Thu averages)",
        f"#   {RATES}  -- SANDAG 2017 base-year lane supply and processing rates",
        f"#   {TRUCKS}  -- SANDAG weighted truck trips",
        f"#   {BTS}",
        f"# Assumptions cite {FIGURES} (section numbers as there).",
        "# SANDAG hour h (1..24) covers (h-1):00-h:00, so list position k (0..23) = hour k+1 = k:00-(k+1):00.",
        "# Rates are rounded to 0.1 veh/h, mean service times to 0.1 s.",
        *calibration_header("otay_mesa", ck),
        "",
        f"name: {_quote(sc['name'])}",
        f"description: {_quote(sc['description'])}",
        "",
        "# A Tuesday 00:00 start; the data describe an average Tue/Wed/Thu, repeated on both days.",
        "# Observed queues do not drain at midnight (OME_Observed_Data.csv wait_time is about an hour",
        "# at hour 1 for General lanes), so the first 24 h are warm-up; only day 2 is counted.",
        *window_lines(w),
        f"replications: {sc['replications']}",
        f"seed: {sc['seed']}",
        "",
        "streams:",
        f"  # Passenger vehicles: {OBSERVED}, rows port_name=Otay Mesa, direction=Northbound,",
        "  # vehicle_type=Passenger, column volume (veh/h) by traveler_type. All lane types together:",
        f"  # {ck['pov_daily_total']:,} veh/day (BTS {BTS_YEAR} Personal Vehicles, annual/365 incl. weekends: "
        f"{ck['bts_pov_per_day']:,}/day).",
        f"  # referral_p {_num(POV_REFERRAL_P)}: assumption, public-figures §4.2 suggests 2-5 % for POVs.",
        "  # lane_choice: the default rule, written out; General lanes take everyone, Ready lanes take",
        "  # Ready and SENTRI, so Ready and SENTRI drivers pick among their eligible groups on arrival.",
    ]
    for s, t in POV_LANE_TYPES.items():
        L += _stream_lines(s, st[s], [f"traveler_type={t}, column volume; {ck[s + '_daily']:,} veh/day."])
    L += [
        "",
        f"  # Trucks: {TRUCKS}, rows Dir=NB, sum of RevWght by ArHour for Lane=GP / Lane=FAST",
        "  # (hours with no rows = 0). Cross-check: together "
        f"{ck['truck_daily_total']:,} trucks/day vs {ck['commercial_observed_daily']:,}/day in",
        f"  # {OBSERVED} (vehicle_type=Commercial, traveler_type=_All_, column volume,",
        "  # no lane split): the daily totals agree (the trip file looks scaled to that total), the hourly",
        f"  # shapes differ (SANDAG hours 1..24; trip file: hours {ck['truck_trip_hours'][0]}-{ck['truck_trip_hours'][1]}, "
        f"peak at hour {ck['truck_trips_peak_hour']}; observed: hours "
        f"{ck['commercial_observed_hours'][0]}-{ck['commercial_observed_hours'][1]}, peak at hour "
        f"{ck['commercial_observed_peak_hour']}).",
        f"  # BTS {BTS_YEAR} Trucks, annual/365 incl. weekends: {ck['bts_trucks_per_day']:,}/day.",
        f"  # referral_p {_num(TRUCK_REFERRAL_P)}: public-figures §4.2, NII scans of about 15 % of commercial "
        "vehicles (SW border, FY2021).",
    ]
    for s, lane in TRUCK_LANES.items():
        L += _stream_lines(s, st[s], [f"Lane={lane}; {ck[s + '_daily']:,} trucks/day."])
    L += [
        "",
        "  # Pedestrians: SANDAG has no pedestrian volumes. daily_volume (split below) from",
        f"  # {BTS}:",
        f"  # rows Port Name=Otay Mesa, Measure=Pedestrians, sum of Value over the 12 months of {BTS_YEAR}",
        f"  # = {ck['bts_ped_annual']:,}; / 365 = {_num(ck['bts_ped_per_day'])}/day (public-figures §4.4: 9.3 k/day). "
        "An all-days average, not a weekday figure.",
        "  # ASSUMPTION: profile = the passenger-vehicle hourly volume of all lane types together",
        f"  # ({OBSERVED}, Passenger General+Ready+SENTRI, column volume),",
        "  # a stand-in for the unknown pedestrian arrival profile.",
        f"  # ASSUMPTION: {round(100 * (1 - PED_READY_SHARE))} % general / {round(100 * PED_READY_SHARE)} % Ready "
        "(CBP runs pedestrian Ready lanes; no public share found). No",
        "  # separate Ready pedestrian lanes are modelled: both use ped_general. No pedestrian secondary.",
    ]
    for s in ("ped_general", "ped_ready"):
        L += _stream_lines(s, st[s], [])
    L += ["", "lane_groups:"]
    L += [
        f"  # Passenger vehicles: {PHYSICAL_POV_LANES} physical lanes (OM_GP_MAX = OM_RE_MAX = OM_SE_MAX = "
        f"{ck['pov_general_max_col']}; public-figures §4.3)",
        "  # shared among General, Ready and SENTRI. The schema has no shared lane pool, so each group may",
        f"  # open up to all {PHYSICAL_POV_LANES} (as in SANDAG's model); CBP's observed open_lanes reach 14-15 in total.",
        "  # Officers open a lane when the estimated wait of a driver joining now is above the band and close",
        "  # one below it (the observed waits are flat all day while demand varies threefold).",
        "  # Service: SANDAG's hourly processing rate (OM_*_VEH, veh/h/lane), weighted by that lane type's",
        f"  # hourly volume ({OBSERVED} column volume), gives one daily mean rate;",
        "  # mean_s = 3600 / rate (the schema has one service distribution per lane group and program).",
        f"  # cv {_num(POV_CV)} lognormal: assumption, public-figures §4.1 suggested default (CV 0.5-0.7).",
        "  # Ready/SENTRI drivers in General lanes get the General mean; SENTRI drivers in Ready lanes the Ready mean.",
    ]
    for g, prefix in POV_RATE_PREFIX.items():
        rate = ck[f"{g}_rate_veh_h_lane"]
        L += _group_lines(
            g, lg[g], policy_comments(prefix, POV_LANE_TYPES[g], ck, rate, f"{prefix}_MAX = {ck[g + '_max_col']} physical lanes.")
        )
    L += [
        "",
        f"  # Trucks: Otay Mesa Commercial, OMC_* columns of {RATES}.",
        f"  # OMC_GP_MAX = OMC_SP_MAX = {ck['truck_general_max_col']} count shared physical lanes, so as for cars "
        "each group's lanes",
        "  # is its own hourly maximum of OMC_*_OPEN.",
        "  # Service: OMC_*_VEH (veh/h/lane) weighted by the stream's hourly truck volume; hours with no",
        "  # trucks carry no weight, but SANDAG's low rates at hours 6-7 (5-6 veh/h/lane) do and pull the",
        "  # mean down. mean_s = 3600 / rate. SANDAG uses the same hourly rates for GP and FAST lanes.",
        "  # Gamma cv 0.5: assumption. FAST trucks in GP lanes get the GP mean.",
    ]
    for g, prefix in TRUCK_RATE_PREFIX.items():
        rate = ck[f"{g}_rate_veh_h_lane"]
        L += _group_lines(
            g,
            lg[g],
            {
                "lanes": [f"max of {prefix}_OPEN ({prefix}_MAX = {ck[g + '_max_col']})."],
                "lanes_open": [f"{RATES} column {prefix}_OPEN, rows TIME 1..24", "(SANDAG keeps lanes open overnight, when no trucks arrive)."],
                "service": [f"{prefix}_VEH weighted by Lane={TRUCK_LANES[g]} truck volume: {_num(rate)} veh/h/lane."],
            },
        )
    L += [
        "",
        f"  # Pedestrians: {PED_BOOTHS} booths (public-figures §4.3: Otay Mesa pedestrian booths 6, 12 after 2023-24),",
        "  # one line per booth, all open all day (assumption). Service: lognormal mean 30 s cv 0.5",
        "  # (assumption: public-figures §4.1 suggests 30-60 s; 45-60 s per person is CBP's 2007 figure).",
        "  # The low end, because 6 booths at 45-60 s cannot carry the BTS volume at its peak (about",
        "  # 650/h on this profile) while CBP's historical Otay Mesa pedestrian waits are 6-8 min on",
        "  # weekdays (cbp_bwt/california_pedestrian_bwt_historical_avg_by_month_hour_dow.csv).",
    ]
    L += _group_lines("ped_general", lg["ped_general"], {})
    L += [
        "",
        "# Secondary inspection: no public capacities or durations; all values are assumptions",
        "# (public-figures §4.2: POV secondary 10-30 min with a long tail; truck NII 5-15 min plus exams).",
        "secondary:",
    ]
    L += secondary_lines(sec)
    return "\n".join(L) + "\n"


def render_observed_lanes(derived: dict[str, Any], record: dict[str, Any] | None = None,
                          port_file: str = "otay_mesa", port: str = "Otay Mesa") -> str:
    """A small ``extends: baseline.yaml`` file: the same port with CBP's observed hourly open lanes
    instead of the lane policy (the other way of validating)."""
    L = [
        f"# {port}, northbound: the calibrated baseline with CBP's OBSERVED open lanes instead of the lane policy.",
        "#",
        f"# GENERATED by calibration/{port_file}_baseline.py with the baseline (poesim calibrate",
        f"# calibration/{port_file}.yaml); tests check it matches. For validation: lanes as observed, everything",
        "# else (demand, fitted service times) as in baseline.yaml.",
        f"# Lanes open: {OBSERVED}, rows port_name={port}, direction=Northbound,",
        "# vehicle_type=Passenger, column open_lanes by traveler_type, hours 1..24.",
        "extends: baseline.yaml",
        f"name: {_quote(port + ' NB baseline, observed open lanes (2017 weekday)')}",
        "",
        "lane_groups:",
    ]
    for g, lanes in derived["observed_lanes"].items():
        L += [f"  {g}:", "    policy: null"] + _flow_list("lanes_open", lanes, 4)
    return "\n".join(L) + "\n"


def secondary_lines(sec: dict[str, Any]) -> list[str]:
    """YAML lines for the ``secondary:`` facilities (shared by the port scripts)."""
    L: list[str] = []
    for name, f in sec.items():
        L += [
            f"  {name}:",
            f"    mode: {f['mode']}",
            f"    positions: {f['positions']}",
            f"    service: {_service(f['service'])}",
        ]
    return L


def generate(argv: list[str] | None, doc: str | None, default_out: Path, derive_fn, render_fn, report=None) -> int:
    """Command line shared by the calibration scripts: ``--data DIR --out FILE``; derive, render, write."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=default_out, help="YAML file to write (default: %(default)s)")
    args = ap.parse_args(argv)
    derived = derive_fn(args.data)
    if report:
        report(derived)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_fn(derived), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    return generate(argv, __doc__, DEFAULT_OUT, derive, render)


if __name__ == "__main__":
    sys.exit(main())
