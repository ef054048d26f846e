#!/usr/bin/env python
"""Derive the San Ysidro northbound baseline scenario (passenger vehicles and pedestrians) from
public data, the same way ``calibration/otay_mesa_baseline.py`` derives Otay Mesa's.

Usage (from the repository root)::

    .venv/bin/python -m calibration.san_ysidro_baseline [--data ../shared/data] \
        [--out scenarios/san_ysidro/baseline.yaml]

Inputs (paths relative to the data directory; see its README.md):

* ``sandag_sr11_ome/OME_Observed_Data.csv`` — SANDAG's observed hourly passenger-vehicle volumes,
  open lanes and waits per lane type (CBP data, Tue/Wed/Thu averages); rows port_name
  "San Ysidro", direction Northbound, vehicle_type Passenger.
* ``sandag_sr11_ome/poe_rates_2017_base.csv`` — hourly open lanes, stacked lanes and processing
  rates (veh/h/lane) of SANDAG's calibrated 2017 base-year simulation, columns ``SY_GP_*``,
  ``SY_RE_*``, ``SY_SE_*``.
* ``bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv`` — BTS monthly
  crossings (pedestrian volume; cross-check of the vehicle volume).

San Ysidro has no commercial traffic (public-figures §4.4). Buses (dedicated lane) are not modelled.

**Stacked lanes.** SANDAG's rate file gives, per lane type and hour, ``_OPEN`` open lanes of which
``_STL`` are stacked (two booths one behind the other), a processing rate ``_VEH`` per
single-booth lane and ``_STV`` per stacked lane. SANDAG's POE model uses the capacity
``VEH × (OPEN − STL) + STV × STL`` (SANDAG/SR11_OME_IG ``model/run_poe_model.rsc``;
``docs/user_guide.md`` "Revise POE Rate File": STL ≤ OPEN, "of the 10 open lanes, 7 are
stacked"). A lane group of ours has one ``booths_per_lane`` for all its lanes, so a lane type
whose open lanes are partly stacked becomes two groups, ``pov_<type>`` (single booths, OPEN − STL
lanes) and ``pov_<type>_stacked`` (two booths, STL lanes); a type stacked in every open lane (or
in none) stays one group named ``pov_<type>``. In the 2017 base file General and Ready are
stacked in every open lane (STL = OPEN in every hour) and SENTRI in none (STL = 0), so the
scenario has one group per lane type.

The engine's stacked lane takes a platoon of two and the next only when both have left
(``sim/engine.py``), so a saturated stacked lane clears ``2 / E[max(S1, S2)]`` per hour. The
per-booth mean service time of a stacked group is chosen so that this equals SANDAG's
volume-weighted ``_STV``: for lognormal service with coefficient of variation ``cv``,
``E[max(S1, S2)] = mean × (1 + erf(σ/2))`` with ``σ² = ln(1 + cv²)``, hence
``mean_s = 2 × 3600 / (STV × (1 + erf(σ/2)))``. Single-booth lanes use ``3600 / VEH`` as for
Otay Mesa.

Everything else (window, service distributions, referral, secondary, pedestrian assumptions) is
taken from the Otay Mesa script, which is imported by path rather than copied.

``derive(data_dir)`` returns ``{"scenario": <mapping>, "checks": <mapping>}``; ``render(derived)``
turns that into the commented YAML text. A test checks that the committed
``scenarios/san_ysidro/baseline.yaml`` equals ``render(derive(data_dir))``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pandas as pd

from calibration.assumptions import PED_BTS_YEAR as BTS_YEAR
from calibration.assumptions import (
    PED_CV,
    PED_READY_SHARE,
    POV_CV,
    POV_REFERRAL_P,
    POV_SECONDARY,
    STACKED_BOOTHS,
)
from calibration.data import DEFAULT_DATA, FIGURES, HOURS, bts, sandag
from calibration.data.bts import BTS
from calibration.data.sandag import CONFIGS, OBSERVED, RATES
from calibration.port_baseline import (
    LANE_TYPE_KEY,
    PARAMETERS_DIR,
    REPO,
    booth_mean_s,
    calibration_header,
    fitted_parameters,
    lane_policy,
    lognormal,
    ped_service_mean_s,
    pedestrians,
    policy_comments,
    pov_streams,
    r1,
    scenario_mapping,
    service_by_hour,
    stacked_factor,
    weighted_rate,
    whole,
)
from calibration.port_baseline import render_observed_lanes as _render_observed_lanes
from calibration.yaml_writer import generate, group_lines, num, quote, secondary_lines, stream_lines, window_lines

DEFAULT_OUT = REPO / "scenarios" / "san_ysidro" / "baseline.yaml"

PORT = "San Ysidro"
DATA_FILES = (OBSERVED, RATES, CONFIGS, BTS)  # what `poesim calibrate` hashes into the record
PARAMETERS = PARAMETERS_DIR / "san_ysidro.json"
# --- San Ysidro figures -----------------------------------------------------------------
PED_BOOTHS = 15  # public-figures §4.3: SANDAG model config "San Ysidro veh 24 / ped 15"
# of PED_BOOTHS, Ready-only: CBP's feed 2026-07 (cbp_bwt/bwt_all_ports_sample_snapshots_2026-07.csv): 1 open
PED_READY_BOOTHS = 1
PHYSICAL_POV_BOOTHS = 46  # public-figures §4.3: Phase 1B (Nov 2014), 25 NB lanes, 46 primary booths

POV_LANE_TYPES = sandag.LANE_TYPES
POV_RATE_PREFIX = {"pov_general": "SY_GP", "pov_ready": "SY_RE", "pov_sentri": "SY_SE"}
POV_PROGRAMS = {
    "pov_general": ["general", "ready", "sentri"],
    "pov_ready": ["ready", "sentri"],
    "pov_sentri": ["sentri"],
}


def observed(data_dir: Path) -> dict[str, dict[str, list[float]]]:
    """San Ysidro northbound passenger rows by traveler_type: 24 hourly values of ``volume``,
    ``open_lanes`` and ``wait_time`` each."""
    return sandag.observed_passenger(data_dir, PORT)


def observations(data_dir: str | Path) -> pd.DataFrame:
    """The observations ``poesim calibrate`` fits San Ysidro's parameters to."""
    return sandag.observations_for(Path(data_dir), PORT, POV_LANE_TYPES)


# --- derivation -------------------------------------------------------------------------


def split_stacked(open_: list[int], stl: list[int], what: str) -> tuple[list[int], list[int]]:
    """(single-booth lanes, stacked lanes) per hour from SANDAG's OPEN lanes of which STL stacked."""
    bad = [k + 1 for k in HOURS if not 0 <= stl[k] <= open_[k]]
    if bad:
        raise ValueError(f"{what}: expected 0 <= STL <= OPEN, not so at hours {bad}")
    return [o - s for o, s in zip(open_, stl, strict=True)], list(stl)


def _rate_where(rates: list[float], volumes: list[float], lanes: list[int], what: str) -> float:
    """Volume-weighted mean rate over the hours in which such lanes are open."""
    weights = [v if n > 0 else 0.0 for v, n in zip(volumes, lanes, strict=True)]
    if sum(weights) <= 0:
        raise ValueError(f"{what}: no volume in the hours these lanes are open")
    return weighted_rate(rates, weights)


def pov_lane_groups(
    rates: dict[str, list[float]], volumes: dict[str, list[float]], cv: float = POV_CV
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Passenger-vehicle lane groups from the SY_* rate columns and each lane type's volumes.

    Returns ``(groups, facts)``: the lane-group mappings as the scenario holds them, and per group
    the rate column used, its weighted rate and (stacked) the SANDAG STV/VEH ratio."""
    groups: dict[str, Any] = {}
    facts: dict[str, Any] = {}
    for s, prefix in POV_RATE_PREFIX.items():
        open_ = whole(rates[f"{prefix}_OPEN"], f"{prefix}_OPEN")
        stl = whole(rates[f"{prefix}_STL"], f"{prefix}_STL")
        single, stacked = split_stacked(open_, stl, prefix)
        parts = []
        if any(single):
            parts.append((1, single))
        if any(stacked):
            parts.append((STACKED_BOOTHS, stacked))
        if not parts:
            raise ValueError(f"{prefix}_OPEN: no lane open in any hour")
        for booths, lanes_open in parts:
            name = f"{s}_stacked" if booths > 1 and len(parts) > 1 else s
            if booths == 1:
                col = f"{prefix}_VEH"
                rate = _rate_where(rates[col], volumes[s], lanes_open, col)
                mean_s = r1(3600.0 / rate)
            else:
                col = f"{prefix}_STV"
                rate = _rate_where(rates[col], volumes[s], lanes_open, col)
                mean_s = r1(booth_mean_s(rate, cv, booths))
                veh = _rate_where(rates[f"{prefix}_VEH"], volumes[s], lanes_open, f"{prefix}_VEH")
            group: dict[str, Any] = {
                "mode": "vehicle",
                "programs": list(POV_PROGRAMS[s]),
                "lanes": max(lanes_open),
                "discipline": "shared",
                "lanes_open": lanes_open,
                "service": {p: lognormal(mean_s, cv) for p in POV_PROGRAMS[s]},
            }
            if booths > 1:
                group["booths_per_lane"] = booths
            groups[name] = group
            facts[name] = {
                "lane_type": s,
                "prefix": prefix,
                "rate_col": col,
                "rate": r1(rate),
                "booths": booths,
                "all_stacked": booths > 1 and len(parts) == 1,
                "none_stacked": booths == 1 and len(parts) == 1,
            }
            if booths > 1:
                facts[name]["veh_rate"] = r1(veh)
                facts[name]["stv_over_veh"] = round(rate / veh, 2)
    return groups, facts


def _pov_checks(rates: dict[str, list[float]], obs: dict[str, dict[str, list[float]]], checks: dict[str, Any]) -> None:
    """Per lane type: daily demand, SANDAG's daily capacity and CBP's observed lanes and waits (quoted)."""
    for s, t in POV_LANE_TYPES.items():
        vol = obs[t]["volume"]
        checks[f"{s}_daily"] = round(sum(vol))
        checks[f"{s}_capacity_daily"] = round(sum(sandag.stacked_capacity(rates, POV_RATE_PREFIX[s])))
        ol, wt = obs[t]["open_lanes"], obs[t]["wait_time"]
        checks[f"{s}_observed_open"] = (int(min(ol)), int(max(ol)))
        checks[f"{s}_observed_wait"] = (int(min(wt)), int(max(wt)))
        checks[f"{s}_observed_wait_h1"] = int(wt[0])
        checks[f"{s}_observed_wait_mean"] = r1(sum(w * v for w, v in zip(wt, vol, strict=True)) / sum(vol))


def _physical_lanes(rates: dict[str, list[float]], checks: dict[str, Any]) -> tuple[int, int]:
    """The one SY_*_MAX value and the most booths SANDAG's schedule opens; checks that they fit."""
    maxes = {int(v) for p in POV_RATE_PREFIX.values() for v in rates[f"{p}_MAX"]}
    if len(maxes) != 1:
        raise ValueError(f"{RATES}: expected one SY_*_MAX value for all types and hours, got {sorted(maxes)}")
    physical = maxes.pop()
    checks["max_col"] = physical
    total_open = [sum(int(rates[f"{p}_OPEN"][k]) for p in POV_RATE_PREFIX.values()) for k in HOURS]
    booths_open = [
        sum(int(rates[f"{p}_OPEN"][k]) + (STACKED_BOOTHS - 1) * int(rates[f"{p}_STL"][k])
            for p in POV_RATE_PREFIX.values())
        for k in HOURS
    ]
    if max(total_open) > physical:
        raise ValueError(f"{RATES}: more than SY_GP_MAX = {physical} passenger lanes open in one hour: {total_open}")
    if max(booths_open) > PHYSICAL_POV_BOOTHS:
        raise ValueError(f"{RATES}: more than {PHYSICAL_POV_BOOTHS} primary booths open in one hour: {booths_open}")
    checks["pov_max_total_open"] = max(total_open)
    return physical, max(booths_open)


def _apply_policy(groups: dict[str, Any], facts: dict[str, Any], rates: dict[str, list[float]],
                  volumes: dict[str, list[float]], lane_min: dict[str, int], physical: int,
                  params: dict[str, float]) -> None:
    """The lane policy: each lane type is one group (all stacked or none, checked), any of the physical
    lanes may open; service time x the fitted scale."""
    for g, t in POV_LANE_TYPES.items():
        if g not in groups or any(other.startswith(g + "_") for other in groups):
            raise ValueError(f"{RATES}: {t} lanes are partly stacked; the lane policy needs one group per lane type")
        key = LANE_TYPE_KEY[g]
        grp = groups[g]
        col = facts[g]["rate_col"]
        grp["service_by_hour"] = service_by_hour(rates[col],
                                                 _rate_where(rates[col], volumes[g], grp["lanes_open"], col))
        del grp["lanes_open"]
        grp["lanes"] = physical
        grp["policy"] = lane_policy(params[f"{key}_target_wait_min"], lane_min[t], physical)
        for d in grp["service"].values():
            d["mean_s"] = r1(d["mean_s"] * params[f"{key}_service_scale"])


def derive(data_dir: str | Path = DEFAULT_DATA, parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """Read the public data and return ``{"scenario": ..., "checks": ..., "observed_lanes": ...}``
    (see module doc); ``parameters`` are the lane-policy values (default: the committed fit)."""
    data_dir = Path(data_dir)
    params = fitted_parameters(PARAMETERS) if parameters is None else parameters
    obs = observed(data_dir)
    rates = sandag.poe_rates(data_dir)
    bts_year = bts.annual(data_dir, ("Personal Vehicles", "Pedestrians"), BTS_YEAR, PORT)
    checks: dict[str, Any] = {}
    pov_raw = {s: obs[t]["volume"] for s, t in POV_LANE_TYPES.items()}
    streams = pov_streams(pov_raw, {s: POV_PROGRAMS[s][0] for s in POV_LANE_TYPES})
    _pov_checks(rates, obs, checks)
    groups, facts = pov_lane_groups(rates, pov_raw)
    checks["groups"] = facts
    checks["stacked_factor"] = round(stacked_factor(POV_CV), 3)
    physical, max_booths = _physical_lanes(rates, checks)
    _apply_policy(groups, facts, rates, pov_raw, sandag.min_lanes(data_dir, PORT), physical, params)
    checks["parameters"] = dict(params)
    checks["pov_max_booths_open"] = max_booths
    pov_total = [sum(pov_raw[s][k] for s in pov_raw) for k in HOURS]
    checks["pov_daily_total"] = round(sum(pov_total))
    checks["bts_pov_per_day"] = round(bts_year["Personal Vehicles"] / 365)

    ped_annual = bts_year["Pedestrians"]  # SANDAG has no pedestrian counts
    ped_daily = ped_annual / 365
    checks["bts_ped_annual"] = round(ped_annual)
    checks["bts_ped_per_day"] = r1(ped_daily)
    profile = [r1(v) for v in pov_total]
    checks["ped_peak_per_h"] = round(ped_daily * max(profile) / sum(profile))
    ped_mean_s = ped_service_mean_s()
    checks["ped_mean_s"] = ped_mean_s
    checks["ped_capacity_per_h"] = round(PED_BOOTHS * 3600 / ped_mean_s)
    ped_streams, ped_groups = pedestrians(ped_daily, profile, PED_BOOTHS - PED_READY_BOOTHS, ped_mean_s,
                                          PED_READY_BOOTHS)
    streams.update(ped_streams)
    groups.update(ped_groups)

    scenario = scenario_mapping(
        "San Ysidro NB baseline (2017 weekday)",
        "San Ysidro northbound, typical 2017 weekday (SANDAG Tue/Wed/Thu averages): passenger "
        "vehicles (General/Ready/SENTRI; General and Ready lanes double-stacked) and pedestrians. "
        "No commercial traffic; buses not modelled. Derived from public SANDAG and BTS data; passenger "
        "lanes follow an officers' lane policy whose target waits and service-time scales are fitted to "
        "CBP's observed waits and open lanes (poesim calibrate calibration/san_ysidro.yaml).",
        streams,
        groups,
        {"pov_secondary": ("vehicle", POV_SECONDARY)},
    )
    observed_lanes = {g: whole(obs[t]["open_lanes"], f"{OBSERVED} open_lanes") for g, t in POV_LANE_TYPES.items()}
    return {"scenario": scenario, "checks": checks, "observed_lanes": observed_lanes}


# --- rendering --------------------------------------------------------------------------


def _range(pair: tuple[int, int]) -> str:
    return f"{pair[0]}-{pair[1]}"


def _pov_group_comments(name: str, f: dict[str, Any], ck: dict[str, Any]) -> dict[str, list[str]]:
    p, t = f["prefix"], POV_LANE_TYPES[f["lane_type"]]
    if f["booths"] == 1:
        lanes_src = f"{p}_OPEN" if f["none_stacked"] else f"{p}_OPEN - {p}_STL"
        what = (
            f"{p}_STL = 0 in every hour: no stacked lanes"
            if f["none_stacked"]
            else f"{p}_OPEN lanes less {p}_STL stacked ones"
        )
        service = [f"{p}_VEH weighted by {t} volume: {num(f['rate'])} veh/h/lane; mean_s = 3600 / rate."]
        booths = []
    else:
        lanes_src = f"{p}_STL"
        what = (
            f"= {p}_OPEN in every hour: every open lane is stacked"
            if f["all_stacked"]
            else f"the stacked ones of {p}_OPEN"
        )
        service = [
            f"{p}_STV weighted by {t} volume: {num(f['rate'])} veh/h per stacked lane ({p}_VEH: {num(f['veh_rate'])},",
            f"ratio {f['stv_over_veh']:.2f}). Per-booth mean_s = 2 x 3600 / (rate x {ck['stacked_factor']:.3f}), "
            f"{ck['stacked_factor']:.3f} = E[max(S1,S2)]/E[S]",
            f"for lognormal cv {num(POV_CV)}, so that a saturated lane clears {num(f['rate'])}/h (the engine's "
            f"2/E[max]; {2 / ck['stacked_factor']:.2f} x a single booth).",
        ]
        booths = [f"stacked: two booths one behind the other ({p}_STL; public-figures §4.3: 46 double-stacked booths)."]
    scale = ck["parameters"][f"{LANE_TYPE_KEY[f['lane_type']]}_service_scale"]
    policy = policy_comments(p, t, ck, f["rate"], f"{p}_MAX = {ck['max_col']} physical lanes ({lanes_src}: {what}).")
    service[-1] = service[-1][:-1] + f"; x {scale} (FITTED: {LANE_TYPE_KEY[f['lane_type']]}_service_scale)."
    return {"lanes": policy["lanes"], "booths_per_lane": booths, "lanes_open": policy["lanes_open"], "service": service,
            "service_by_hour": policy["service_by_hour"]}


def render(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """The commented YAML text of a ``derive`` result (``record``: the fit, unused here)."""
    sc, ck = derived["scenario"], derived["checks"]
    L = _head(sc, ck) + _ped_streams(sc, ck) + _pov_groups(sc, ck) + _ped_groups(sc, ck) + _secondary(sc, ck)
    return "\n".join(L) + "\n"


def _head(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The header (sources, how to regenerate), window and the passenger-vehicle streams."""
    st = sc["streams"]
    w = sc["window"]
    L: list[str] = [
        "# San Ysidro port of entry, northbound: 2017 typical-weekday baseline (passenger vehicles, pedestrians).",
        "#",
        "# GENERATED by calibration/san_ysidro_baseline.py -- do not edit by hand. Regenerate with",
        "#   poesim calibrate calibration/san_ysidro.yaml --data ../shared/data   (fits, then writes this file), or",
        "#   .venv/bin/python -m calibration.san_ysidro_baseline --data ../shared/data   (the committed fit)",
        "# (tests/calibration/test_san_ysidro_baseline.py checks that this file matches the script's output).",
        "# Window, service-distribution shapes, referral and secondary are the assumptions of",
        "# calibration/otay_mesa_baseline.py (imported by the script), quoted again below.",
        "#",
        "# Data files are named relative to the shared data directory (see its README.md):",
        f"#   {OBSERVED}  -- SANDAG SR-11/OME model, observed CBP data (Tue/Wed/Thu averages)",
        f"#   {RATES}  -- SANDAG 2017 base-year lane supply and processing rates",
        f"#   {BTS}",
        f"# Assumptions cite {FIGURES} (section numbers as there).",
        "# SANDAG hour h (1..24) covers (h-1):00-h:00, so list position k (0..23) = hour k+1 = k:00-(k+1):00.",
        "# Rates are rounded to 0.1 veh/h, mean service times to 0.1 s.",
        *calibration_header("san_ysidro"),
        "# Observed waits (OME_Observed_Data.csv column wait_time, minutes; volume-weighted daily means): "
        f"General {num(ck['pov_general_observed_wait_mean'])},",
        f"# Ready {num(ck['pov_ready_observed_wait_mean'])}, SENTRI {num(ck['pov_sentri_observed_wait_mean'])}.",
        "",
        f"name: {quote(sc['name'])}",
        f"description: {quote(sc['description'])}",
        "",
        "# A Tuesday 00:00 start; the data describe an average Tue/Wed/Thu, repeated on both days.",
        "# Observed queues do not drain at midnight (OME_Observed_Data.csv wait_time at hour 1: "
        f"General {ck['pov_general_observed_wait_h1']} min,",
        f"# Ready {ck['pov_ready_observed_wait_h1']} min), so the first 24 h are warm-up; only day 2 is counted.",
        *window_lines(w),
        f"replications: {sc['replications']}",
        f"seed: {sc['seed']}",
        "",
        "streams:",
        f"  # Passenger vehicles: {OBSERVED}, rows port_name={PORT}, direction=Northbound,",
        "  # vehicle_type=Passenger, column volume (veh/h) by traveler_type. All lane types together:",
        f"  # {ck['pov_daily_total']:,} veh/day (BTS {BTS_YEAR} Personal Vehicles, annual/365 incl. weekends: "
        f"{ck['bts_pov_per_day']:,}/day;",
        "  # public-figures §4.4: 39.7 k/day).",
        f"  # referral_p {num(POV_REFERRAL_P)}: assumption, public-figures §4.2 suggests 2-5 % for POVs.",
        "  # lane_choice: the default rule, written out; General lanes take everyone, Ready lanes take",
        "  # Ready and SENTRI, so Ready and SENTRI drivers pick among their eligible groups on arrival.",
        "  # SANDAG's own daily capacity, sum over hours of VEH x (OPEN - STL) + STV x STL (rate file), vs demand:",
        "  # "
        + "; ".join(f"{t} {ck[s + '_capacity_daily']:,} vs {ck[s + '_daily']:,}" for s, t in POV_LANE_TYPES.items())
        + ".",
    ]
    for s, t in POV_LANE_TYPES.items():
        L += stream_lines(s, st[s], [f"traveler_type={t}, column volume; {ck[s + '_daily']:,} veh/day."])
    return L


def _ped_streams(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The pedestrian streams (BTS volume, assumed profile and Ready share)."""
    st = sc["streams"]
    L: list[str] = []
    L += [
        "",
        "  # Pedestrians: SANDAG has no pedestrian volumes. daily_volume (split below) from",
        f"  # {BTS}:",
        f"  # rows Port Name={PORT}, Measure=Pedestrians, sum of Value over the 12 months of {BTS_YEAR}",
        f"  # = {ck['bts_ped_annual']:,}; / 365 = {num(ck['bts_ped_per_day'])}/day (public-figures §4.4: 25.9 k/day). "
        "An all-days average, not a weekday figure.",
        "  # ASSUMPTION (as for Otay Mesa): profile = the passenger-vehicle hourly volume of all lane types",
        f"  # together ({OBSERVED}, Passenger General+Ready+SENTRI, column volume),",
        "  # a stand-in for the unknown pedestrian arrival profile; its peak hour brings about "
        f"{ck['ped_peak_per_h']:,} pedestrians.",
        f"  # ASSUMPTION (as for Otay Mesa): {round(100 * (1 - PED_READY_SHARE))} % general / "
        f"{round(100 * PED_READY_SHARE)} % Ready (CBP runs pedestrian Ready lanes;",
        "  # no public share found). Ready pedestrians choose ped_ready or ped_general (see lane_groups).",
        "  # No pedestrian secondary.",
    ]
    for s in ("ped_general", "ped_ready"):
        L += stream_lines(s, st[s], [])
    return L


def _pov_groups(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The passenger lane groups: lanes, stacked booths, the officers' policy, service."""
    lg = sc["lane_groups"]
    L: list[str] = []
    L += ["", "lane_groups:"]
    L += [
        (f"  # Passenger vehicles: SY_GP_MAX = SY_RE_MAX = SY_SE_MAX = {ck['max_col']} physical lanes"
         " (public-figures §4.3:"),
        "  # 25 northbound lanes and 46 primary booths after Phase 1B, 2014) shared among General, Ready and",
        "  # SENTRI. These per-port baselines use no lane pool (the region model does: scenarios/region/),",
        "  # so each group may open up to all of them (as in",
        f"  # SANDAG's model); SANDAG's schedule opens at most {ck['pov_max_total_open']} lanes "
        f"({ck['pov_max_booths_open']} booths) together.",
        "  # Officers open a lane when the estimated wait of a driver joining now is above the band and close",
        "  # one below it (the observed waits are flat all day while demand varies threefold).",
        f"  # Stacked lanes: {RATES} gives OPEN lanes of which STL are stacked",
        "  # (SANDAG/SR11_OME_IG docs/user_guide.md, 'Revise POE Rate File'; capacity VEH x (OPEN - STL) + STV x STL",
        "  # in model/run_poe_model.rsc; stacking allowed for San Ysidro General and Ready only, allow_stack in",
        "  # sandag_sr11_ome/port_configurations.csv). One lane group has one booths_per_lane, so a lane type with",
        "  # some stacked and some single lanes would become two groups (pov_<type> and pov_<type>_stacked);",
        "  # in the 2017 base file every open General and Ready lane is stacked and no SENTRI lane is, so each",
        "  # lane type is one group.",
        f"  # CBP's observed open_lanes ({OBSERVED}: General {_range(ck['pov_general_observed_open'])}, "
        f"Ready {_range(ck['pov_ready_observed_open'])},",
        (f"  # SENTRI {_range(ck['pov_sentri_observed_open'])} over the day)"
         " are what the service-time scales are fitted to."),
        "  # Service: SANDAG's hourly processing rate (veh/h/lane), weighted by that lane type's hourly volume",
        f"  # ({OBSERVED} column volume), gives one daily mean rate (the schema has one",
        "  # service distribution per lane group and program).",
        f"  # cv {num(POV_CV)} lognormal: assumption, public-figures §4.1 suggested default (CV 0.5-0.7).",
        "  # Ready/SENTRI drivers in General lanes get the General mean; SENTRI drivers in Ready lanes the Ready mean.",
    ]
    for g, f in ck["groups"].items():
        L += group_lines(g, lg[g], _pov_group_comments(g, f, ck))
    return L


def _ped_groups(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The pedestrian booths (general and Ready) and their fitted service time."""
    lg = sc["lane_groups"]
    L: list[str] = []
    L += [
        "",
        f"  # Pedestrians: {PED_BOOTHS} booths (public-figures §4.3: SANDAG model config 'ped 15'; other counts there:",
        "  # 16 booths in 2000, 12 regular lanes + 1 SENTRI lane in 2008), all open all day (assumption: no hourly",
        f"  # staffing is public), {PED_BOOTHS - PED_READY_BOOTHS} general booths fed by one line and "
        f"{PED_READY_BOOTHS} Ready-only booth (ped_ready: CBP's",
        "  # feed, cbp_bwt/bwt_all_ports_sample_snapshots_2026-07.csv, shows 1 Ready pedestrian lane open at 250401;",
        "  # CBP's historical averages carry a separate ped_ready_lanes_time_avg).",
        f"  # Service: lognormal mean {num(ck['ped_mean_s'])} s cv {num(PED_CV)}: FITTED on Otay Mesa, "
        "not on San Ysidro",
        "  # (ped_service_mean_s in calibration/parameters/pedestrians.json; this port is the out-of-sample",
        "  # prediction of calibration/VALIDATION_PEDESTRIANS.md).",
        f"  # Capacity {ck['ped_capacity_per_h']:,}/h against the profile's peak of about {ck['ped_peak_per_h']:,}/h.",
    ]
    L += group_lines("ped_general", lg["ped_general"], {})
    L += group_lines("ped_ready", lg["ped_ready"], {})
    return L


def _secondary(sc: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """Secondary inspection (assumptions)."""
    sec = sc["secondary"]
    L: list[str] = []
    L += [
        "",
        "# Secondary inspection: no public capacities or durations; Otay Mesa's assumptions",
        "# (public-figures §4.2: POV secondary 10-30 min with a long tail). San Ysidro has no trucks.",
        "secondary:",
    ]
    L += secondary_lines(sec)
    return L

def render_observed_lanes(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """``extends: baseline.yaml`` with CBP's observed hourly open lanes instead of the lane policy."""
    return _render_observed_lanes(derived, "san_ysidro", PORT)


def main(argv: list[str] | None = None) -> int:
    return generate(argv, __doc__, DEFAULT_OUT, derive, render)


if __name__ == "__main__":
    sys.exit(main())
