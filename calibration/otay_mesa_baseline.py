#!/usr/bin/env python
"""Derive the Otay Mesa northbound baseline scenario from public data.

Usage (from the repository root)::

    .venv/bin/python -m calibration.otay_mesa_baseline [--data ../shared/data] \
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

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from calibration import commercial as commercial_method
from calibration.assumptions import PED_BTS_YEAR as BTS_YEAR
from calibration.assumptions import PED_READY_SHARE as PED_READY_SHARE
from calibration.assumptions import (
    POV_CV,
    POV_REFERRAL_P,
    POV_SECONDARY,
    TRUCK_CV,
    TRUCK_REFERRAL_P,
    TRUCK_SECONDARY,
)
from calibration.data import DEFAULT_DATA, FIGURES, HOURS, bts, sandag
from calibration.data.bts import BTS
from calibration.data.sandag import CONFIGS, OBSERVED, RATES, TRUCKS
from calibration.port_baseline import (
    LANE_TYPE_KEY,
    PARAMETERS_DIR,
    REPO,
    calibration_header,
    fitted_parameters,
    gamma,
    lane_policy,
    lognormal,
    ped_service_mean_s,
    pedestrians,
    policy_comments,
    r1,
    scenario_mapping,
    service_by_hour,
    weighted_rate,
    whole,
)
from calibration.port_baseline import render_observed_lanes as _render_observed_lanes
from calibration.yaml_writer import generate, group_lines, num, quote, secondary_lines, stream_lines, window_lines

DEFAULT_OUT = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"
PORT = "Otay Mesa"

# --- assumptions (each one is quoted in a YAML comment; the shared ones in calibration/assumptions.py) ---
PED_BOOTHS = 6  # public-figures §4.3
PHYSICAL_POV_LANES = 13  # public-figures §4.3; OM_*_MAX in the rates file
DATA_FILES = (OBSERVED, RATES, TRUCKS, CONFIGS, BTS)  # what `poesim calibrate` hashes into the record
PARAMETERS = PARAMETERS_DIR / "otay_mesa.json"

POV_LANE_TYPES = sandag.LANE_TYPES
POV_RATE_PREFIX = {"pov_general": "OM_GP", "pov_ready": "OM_RE", "pov_sentri": "OM_SE"}
POV_PROGRAM = {"pov_general": "general", "pov_ready": "ready", "pov_sentri": "sentri"}
TRUCK_LANES = {"truck_general": "GP", "truck_fast": "FAST"}
TRUCK_RATE_PREFIX = {"truck_general": "OMC_GP", "truck_fast": "OMC_SP"}
TRUCK_PRIMARY_LANES = 9  # public-figures §4.3: Otay Mesa truck primary lanes 9 before the April 2022 expansion to 16


def observations(data_dir: str | Path) -> pd.DataFrame:
    """The observations ``poesim calibrate`` fits Otay Mesa's parameters to."""
    return sandag.observations_for(Path(data_dir), PORT, POV_LANE_TYPES)


# --- derivation -------------------------------------------------------------------------


def _passenger_vehicles(
    data_dir: Path, params: dict[str, float], rates: dict[str, list[float]],
    obs: dict[tuple[str, str], list[float]], checks: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, list[int]]]:
    """Passenger streams and lane groups (the fitted lane policy), and SANDAG's open lanes by group."""
    lane_min = sandag.min_lanes(data_dir, PORT)
    pov_raw = {s: obs[("Passenger", t)] for s, t in POV_LANE_TYPES.items()}
    pov_mean_s: dict[str, float] = {}
    pov_open: dict[str, list[int]] = {}
    pov_by_hour: dict[str, list[float]] = {}
    for s, prefix in POV_RATE_PREFIX.items():
        rate = weighted_rate(rates[f"{prefix}_VEH"], pov_raw[s])
        pov_mean_s[s] = r1(3600.0 / rate * params[f"{LANE_TYPE_KEY[s]}_service_scale"])
        pov_by_hour[s] = service_by_hour(rates[f"{prefix}_VEH"], rate)
        checks[f"{s}_rate_veh_h_lane"] = r1(rate)
        pov_open[s] = whole(rates[f"{prefix}_OPEN"], f"{prefix}_OPEN")
        checks[f"{s}_max_col"] = int(max(rates[f"{prefix}_MAX"]))
    streams = {
        s: {"mode": "vehicle", "program": program, "demand": {"rate_per_h": [r1(v) for v in pov_raw[s]]},
            "referral_p": POV_REFERRAL_P, "lane_choice": {"rule": "shortest_expected_wait"}}
        for s, program in POV_PROGRAM.items()
    }
    for s in POV_PROGRAM:
        checks[f"{s}_daily"] = round(sum(pov_raw[s]))
    gp, re_, se = pov_mean_s["pov_general"], pov_mean_s["pov_ready"], pov_mean_s["pov_sentri"]
    pov_programs = {
        "pov_general": {"general": gp, "ready": gp, "sentri": gp},
        "pov_ready": {"ready": re_, "sentri": re_},
        "pov_sentri": {"sentri": se},
    }
    groups: dict[str, Any] = {}
    for g, progs in pov_programs.items():
        key = LANE_TYPE_KEY[g]
        groups[g] = {
            "mode": "vehicle",
            "programs": list(progs),
            "lanes": PHYSICAL_POV_LANES,
            "discipline": "shared",
            "policy": lane_policy(params[f"{key}_target_wait_min"], lane_min[POV_LANE_TYPES[g]], PHYSICAL_POV_LANES),
            "service": {p: lognormal(m, POV_CV) for p, m in progs.items()},
            "service_by_hour": pov_by_hour[g],
        }
    checks["parameters"] = dict(params)
    total_open = [sum(pov_open[g][k] for g in pov_open) for k in HOURS]
    checks["pov_max_total_open"] = max(total_open)
    if max(total_open) > PHYSICAL_POV_LANES:
        raise ValueError(f"{RATES}: more than {PHYSICAL_POV_LANES} passenger lanes open in one hour: {total_open}")
    return streams, groups, pov_open


def _trucks(data_dir: Path, rates: dict[str, list[float]], obs: dict[tuple[str, str], list[float]],
            checks: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Truck streams (SANDAG's truck trips) and lane groups by the commercial method
    (``calibration/commercial.py``): hours of operation = the trip file's arrival hours plus one hour to
    clear the line; SANDAG's open lanes by hour within the public record's 9 primary lanes (FAST kept,
    General cut); the service means fitted on CBP's posted commercial waits; with the cross-checks."""
    trucks = sandag.truck_trips(data_dir, tuple(TRUCK_LANES.values()))
    truck_open: dict[str, list[int]] = {}
    for s, prefix in TRUCK_RATE_PREFIX.items():
        checks[f"{s}_rate_veh_h_lane"] = r1(weighted_rate(rates[f"{prefix}_VEH"], trucks[TRUCK_LANES[s]]))
        truck_open[s] = whole(rates[f"{prefix}_OPEN"], f"{prefix}_OPEN")
        checks[f"{s}_max_col"] = int(max(rates[f"{prefix}_MAX"]))
    truck_total = [sum(trucks[lane][k] for lane in trucks) for k in HOURS]
    arriving = [k for k in HOURS if truck_total[k] > 0]
    open_hours = list(range(min(arriving), max(arriving) + 1))
    clearing = max(open_hours) + 1
    for s in truck_open:
        truck_open[s] = [truck_open[s][k] if k in open_hours else truck_open[s][clearing - 1] if k == clearing else 0
                         for k in HOURS]
    truck_open["truck_general"] = [min(g, TRUCK_PRIMARY_LANES - f)
                                   for g, f in zip(truck_open["truck_general"], truck_open["truck_fast"], strict=True)]
    checks["truck_open_hours"] = (min(open_hours), max(open_hours) + 1)
    checks["truck_clearing_hour"] = clearing
    streams: dict[str, Any] = {}
    for s, program in (("truck_general", "general"), ("truck_fast", "fast")):
        streams[s] = {
            "mode": "truck",
            "program": program,
            "demand": {"rate_per_h": [r1(v) for v in trucks[TRUCK_LANES[s]]]},
            "referral_p": TRUCK_REFERRAL_P,
            "lane_choice": {"rule": "shortest_expected_wait"},
        }
        checks[f"{s}_daily"] = round(sum(trucks[TRUCK_LANES[s]]))
    checks["truck_fast_share"] = round(checks["truck_fast_daily"] / sum(truck_total), 3)
    service = commercial_method.fitted_parameters()
    checks["truck_service"] = service
    tg, tf = service["general_service_s"], service["fast_service_s"]
    truck_programs = {"truck_general": {"general": tg, "fast": tg}, "truck_fast": {"fast": tf}}
    groups = {
        g: {"mode": "truck", "programs": list(progs), "lanes": max(truck_open[g]), "discipline": "shared",
            "lanes_open": truck_open[g], "service": {p: gamma(m, TRUCK_CV) for p, m in progs.items()}}
        for g, progs in truck_programs.items()
    }
    commercial = obs[("Commercial", "_All_")]
    checks["truck_daily_total"] = round(sum(truck_total))
    checks["commercial_observed_daily"] = round(sum(commercial))

    def hours_with(v: list[float]) -> list[int]:
        return [k + 1 for k in HOURS if v[k] > 0]

    checks["truck_trip_hours"] = (min(hours_with(truck_total)), max(hours_with(truck_total)))
    checks["commercial_observed_hours"] = (min(hours_with(commercial)), max(hours_with(commercial)))
    checks["truck_trips_peak_hour"] = max(HOURS, key=lambda k: truck_total[k]) + 1
    checks["commercial_observed_peak_hour"] = max(HOURS, key=lambda k: commercial[k]) + 1
    return streams, groups


def derive(data_dir: str | Path = DEFAULT_DATA, parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """Read the public data and return ``{"scenario": ..., "checks": ..., "observed_lanes": ...}``
    (see module doc); ``parameters`` are the lane-policy values (default: the committed fit)."""
    data_dir = Path(data_dir)
    params = fitted_parameters(PARAMETERS) if parameters is None else parameters
    obs = sandag.observed_volumes(data_dir, PORT)
    rates = sandag.poe_rates(data_dir)
    bts_year = bts.annual(data_dir, ("Personal Vehicles", "Trucks", "Pedestrians"), BTS_YEAR, PORT)
    checks: dict[str, Any] = {}
    streams, groups, pov_open = _passenger_vehicles(data_dir, params, rates, obs, checks)
    pov_total = [sum(obs[("Passenger", t)][k] for t in POV_LANE_TYPES.values()) for k in HOURS]
    checks["pov_daily_total"] = round(sum(pov_total))
    checks["bts_pov_per_day"] = round(bts_year["Personal Vehicles"] / 365)
    truck_streams, truck_groups = _trucks(data_dir, rates, obs, checks)
    streams.update(truck_streams)
    groups.update(truck_groups)
    checks["bts_trucks_per_day"] = round(bts_year["Trucks"] / 365)

    ped_annual = bts_year["Pedestrians"]  # SANDAG has no pedestrian counts
    ped_daily = ped_annual / 365
    checks["bts_ped_annual"] = round(ped_annual)
    checks["bts_ped_per_day"] = r1(ped_daily)
    ped_mean_s = ped_service_mean_s()
    checks["ped_mean_s"] = ped_mean_s
    ped_streams, ped_groups = pedestrians(ped_daily, [r1(v) for v in pov_total], PED_BOOTHS, ped_mean_s)
    streams.update(ped_streams)
    groups.update(ped_groups)

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
    observed_pov = sandag.observed_passenger(data_dir, PORT)
    observed_lanes = {g: whole(observed_pov[t]["open_lanes"], f"{OBSERVED} open_lanes")
                      for g, t in POV_LANE_TYPES.items()}
    return {"scenario": scenario, "checks": checks, "observed_lanes": observed_lanes, "sandag_open": pov_open}


# --- rendering --------------------------------------------------------------------------


def render(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """The commented YAML text of a ``derive`` result (``record``: the fit, unused here)."""
    sc, ck = derived["scenario"], derived["checks"]
    L = (_head(sc, ck) + _truck_streams(sc, ck) + _ped_streams(sc, ck)
         + _pov_groups(sc, ck) + _truck_groups(sc, ck) + _ped_groups(sc, ck) + _secondary(sc, ck))
    return "\n".join(L) + "\n"


def _head(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The header (sources, how to regenerate), window and the passenger-vehicle streams."""
    st = sc["streams"]
    w = sc["window"]
    L: list[str] = [
        "# Otay Mesa port of entry, northbound: 2017 typical-weekday baseline.",
        "#",
        "# GENERATED by calibration/otay_mesa_baseline.py -- do not edit by hand. Regenerate with",
        "#   poesim calibrate calibration/otay_mesa.yaml --data ../shared/data   (fits, then writes this file), or",
        "#   .venv/bin/python -m calibration.otay_mesa_baseline --data ../shared/data   (the committed fit)",
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
        *calibration_header("otay_mesa"),
        "",
        f"name: {quote(sc['name'])}",
        f"description: {quote(sc['description'])}",
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
        f"  # referral_p {num(POV_REFERRAL_P)}: assumption, public-figures §4.2 suggests 2-5 % for POVs.",
        "  # lane_choice: the default rule, written out; General lanes take everyone, Ready lanes take",
        "  # Ready and SENTRI, so Ready and SENTRI drivers pick among their eligible groups on arrival.",
    ]
    for s, t in POV_LANE_TYPES.items():
        L += stream_lines(s, st[s], [f"traveler_type={t}, column volume; {ck[s + '_daily']:,} veh/day."])
    return L


def _truck_streams(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The truck streams (SANDAG truck trips) with their cross-checks."""
    st = sc["streams"]
    L: list[str] = []
    L += [
        "",
        f"  # Trucks: {TRUCKS}, rows Dir=NB, sum of RevWght by ArHour for Lane=GP / Lane=FAST",
        "  # (hours with no rows = 0). Cross-check: together "
        f"{ck['truck_daily_total']:,} trucks/day vs {ck['commercial_observed_daily']:,}/day in",
        f"  # {OBSERVED} (vehicle_type=Commercial, traveler_type=_All_, column volume,",
        "  # no lane split): the daily totals agree (the trip file looks scaled to that total), the hourly",
        "  # shapes differ (SANDAG hours 1..24; trip file: hours "
        f"{ck['truck_trip_hours'][0]}-{ck['truck_trip_hours'][1]}, "
        f"peak at hour {ck['truck_trips_peak_hour']}; observed: hours "
        f"{ck['commercial_observed_hours'][0]}-{ck['commercial_observed_hours'][1]}, peak at hour "
        f"{ck['commercial_observed_peak_hour']}).",
        f"  # BTS {BTS_YEAR} Trucks, annual/365 incl. weekends: {ck['bts_trucks_per_day']:,}/day. FAST share "
        f"{num(ck['truck_fast_share'])} (this file's FAST trips).",
        f"  # referral_p {num(TRUCK_REFERRAL_P)}: public-figures §4.2, NII scans of about 15 % of commercial "
        "vehicles (SW border, FY2021).",
    ]
    for s, lane in TRUCK_LANES.items():
        L += stream_lines(s, st[s], [f"Lane={lane}; {ck[s + '_daily']:,} trucks/day."])
    return L


def _ped_streams(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The pedestrian streams (BTS volume, assumed profile and Ready share)."""
    st = sc["streams"]
    L: list[str] = []
    L += [
        "",
        "  # Pedestrians: SANDAG has no pedestrian volumes. daily_volume (split below) from",
        f"  # {BTS}:",
        f"  # rows Port Name=Otay Mesa, Measure=Pedestrians, sum of Value over the 12 months of {BTS_YEAR}",
        f"  # = {ck['bts_ped_annual']:,}; / 365 = {num(ck['bts_ped_per_day'])}/day (public-figures §4.4: 9.3 k/day). "
        "An all-days average, not a weekday figure.",
        "  # ASSUMPTION: profile = the passenger-vehicle hourly volume of all lane types together",
        f"  # ({OBSERVED}, Passenger General+Ready+SENTRI, column volume),",
        "  # a stand-in for the unknown pedestrian arrival profile.",
        f"  # ASSUMPTION: {round(100 * (1 - PED_READY_SHARE))} % general / {round(100 * PED_READY_SHARE)} % Ready "
        "(CBP runs pedestrian Ready lanes; no public share found).",
        "  # Both use ped_general (no Ready pedestrian booths at Otay Mesa, see lane_groups). No pedestrian secondary.",
    ]
    for s in ("ped_general", "ped_ready"):
        L += stream_lines(s, st[s], [])
    return L


def _pov_groups(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The passenger lane groups: physical lanes, the officers' policy, service."""
    lg = sc["lane_groups"]
    L: list[str] = []
    L += ["", "lane_groups:"]
    L += [
        f"  # Passenger vehicles: {PHYSICAL_POV_LANES} physical lanes (OM_GP_MAX = OM_RE_MAX = OM_SE_MAX = "
        f"{ck['pov_general_max_col']}; public-figures §4.3)",
        "  # shared among General, Ready and SENTRI. These per-port baselines use no lane pool (the region",
        "  # model does: scenarios/region/), so each group may",
        (f"  # open up to all {PHYSICAL_POV_LANES} (as in SANDAG's model);"
         " CBP's observed open_lanes reach 14-15 in total."),
        "  # Officers open a lane when the estimated wait of a driver joining now is above the band and close",
        "  # one below it (the observed waits are flat all day while demand varies threefold).",
        "  # Service: SANDAG's hourly processing rate (OM_*_VEH, veh/h/lane), weighted by that lane type's",
        f"  # hourly volume ({OBSERVED} column volume), gives one daily mean rate;",
        "  # mean_s = 3600 / rate (the schema has one service distribution per lane group and program).",
        f"  # cv {num(POV_CV)} lognormal: assumption, public-figures §4.1 suggested default (CV 0.5-0.7).",
        "  # Ready/SENTRI drivers in General lanes get the General mean; SENTRI drivers in Ready lanes the Ready mean.",
    ]
    for g, prefix in POV_RATE_PREFIX.items():
        rate = ck[f"{g}_rate_veh_h_lane"]
        L += group_lines(
            g, lg[g],
            policy_comments(prefix, POV_LANE_TYPES[g], ck, rate,
                            f"{prefix}_MAX = {ck[g + '_max_col']} physical lanes."),
        )
    return L


def _truck_groups(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The truck lane groups: the commercial method's hours, lanes open and fitted service."""
    lg = sc["lane_groups"]
    L: list[str] = []
    L += [
        "",
        "  # Trucks (the commercial method, calibration/commercial.py): Otay Mesa Commercial,",
        f"  # OMC_* columns of {RATES}.",
        f"  # Hours of operation: the trip file's arrival hours {ck['truck_open_hours'][0]:02d}:00-"
        f"{ck['truck_open_hours'][1]:02d}:00, and {ck['truck_clearing_hour']:02d}:00-"
        f"{ck['truck_clearing_hour'] + 1:02d}:00 to clear the line (no arrivals);",
        "  # no lane open at other hours (SANDAG keeps one lane of each open overnight, when no trucks arrive).",
        f"  # Lanes open: OMC_GP_OPEN / OMC_SP_OPEN by hour, within the public record's {TRUCK_PRIMARY_LANES} truck "
        "primary lanes",
        "  # (public-figures §4.3: 9 -> 16 in April 2022; SANDAG's peak 7 GP + 3 FAST = 10): FAST kept, General cut.",
        f"  # (OMC_GP_MAX = OMC_SP_MAX = {ck['truck_general_max_col']} count shared physical lanes.)",
        f"  # Service: gamma cv {num(TRUCK_CV)}; means fitted on CBP's posted commercial waits at "
        f"{commercial_method.PORTS[commercial_method.FIT_PORT].name}",
        "  # (calibration/parameters/commercial.json, calibration/VALIDATION_TRUCKS.md); FAST trucks in GP lanes "
        "take the GP mean.",
        f"  # SANDAG's own rates (OMC_*_VEH weighted by volume: GP {num(ck['truck_general_rate_veh_h_lane'])}, FAST "
        f"{num(ck['truck_fast_rate_veh_h_lane'])} veh/h/lane) are not used.",
    ]
    for g, prefix in TRUCK_RATE_PREFIX.items():
        L += group_lines(
            g,
            lg[g],
            {
                "lanes": [f"most lanes open ({prefix}_MAX = {ck[g + '_max_col']})."],
                "lanes_open": [f"{RATES} column {prefix}_OPEN, rows TIME 1..24, in the hours of operation."],
                "service": [f"{'general' if g == 'truck_general' else 'fast'}_service_s"
                            " (calibration/parameters/commercial.json)."],
            },
        )
    return L


def _ped_groups(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The pedestrian booths and their fitted service time."""
    lg = sc["lane_groups"]
    L: list[str] = []
    L += [
        "",
        f"  # Pedestrians: {PED_BOOTHS} booths (public-figures §4.3: Otay Mesa pedestrian booths 6, 12 after 2023-24),",
        "  # one line feeding every booth, all open all day (assumption: CBP's 2026 feed shows 3-6 of 6 open;",
        "  # no hourly staffing is public). No pedestrian Ready booths: none is documented for Otay Mesa before",
        "  # 2023-24 (the 2026 feed lists Ready pedestrian lanes with no lanes open), so Ready pedestrians use these.",
        f"  # Service: lognormal mean {num(ck['ped_mean_s'])} s (FITTED on Otay Mesa: ped_service_mean_s in",
        "  # calibration/parameters/pedestrians.json, to CBP's historical Tue/Wed/Thu pedestrian waits,",
        "  # cbp_bwt/california_pedestrian_bwt_historical_avg_by_month_hour_dow.csv; public-figures §4.1:",
        f"  # 30-60 s, CBP's 45-60 s per person at primary), cv {num(lg['ped_general']['service']['general']['cv'])}"
        " (assumption).",
        "  # Report: calibration/VALIDATION_PEDESTRIANS.md (python -m calibration.studies.pedestrians).",
    ]
    L += group_lines("ped_general", lg["ped_general"], {})
    return L


def _secondary(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """Secondary inspection (assumptions)."""
    sec = sc["secondary"]
    L: list[str] = []
    L += [
        "",
        "# Secondary inspection: no public capacities or durations; all values are assumptions",
        "# (public-figures §4.2: POV secondary 10-30 min with a long tail; truck NII 5-15 min plus exams).",
        "secondary:",
    ]
    L += secondary_lines(sec)
    return L

def render_observed_lanes(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """``extends: baseline.yaml`` with CBP's observed hourly open lanes instead of the lane policy."""
    return _render_observed_lanes(derived, "otay_mesa", PORT)


def main(argv: list[str] | None = None) -> int:
    return generate(argv, __doc__, DEFAULT_OUT, derive, render)


if __name__ == "__main__":
    sys.exit(main())
