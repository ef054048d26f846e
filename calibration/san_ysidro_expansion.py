#!/usr/bin/env python
"""Derive the San Ysidro northbound pre- and post-expansion scenario pair (Phase 1B, Nov 2014).

Usage (from the repository root)::

    .venv/bin/python -m calibration.san_ysidro_expansion [--data ../shared/data] \
        [--out scenarios/san_ysidro]

writes ``pre_expansion.yaml`` and ``post_expansion.yaml`` into the ``--out`` directory. Both
``extends: baseline.yaml`` (the 2017 baseline in that same directory, which is also read by this
script) and override only what the expansion changed, plus the demand level:

* **Demand.** Every passenger-vehicle stream keeps the baseline's 2017 hourly profile and program
  split and is scaled by BTS San Ysidro 'Personal Vehicles' (annual) in the scenario year over
  2017, via ``demand.weekday_factor`` (the same factor on all seven days, i.e. a plain scale of
  the base day). Pre = 2013, the last full year before the new lanes: the BTS monthly counts step
  up from October 2014 (the 2014 lane tests and the Nov-2014 Phase 1B opening), so 2014 is mixed.
  Post = 2015, the first full year after. Pedestrians are left as in the baseline: they use their
  own booths, which the expansion did not change.
* **Supply: shared lane pools.** The public record gives the port's lanes and booths, not a split
  among lane types, and officers assign lanes to General, Ready or SENTRI as the lines require. So
  the physical lanes are scenario-level ``lane_pools`` (their lane counts are the public record) and
  every passenger lane group may open up to all lanes of its pool (``lanes`` = ``policy.max_lanes``
  = the pool's lanes, ``pool:`` the pool); the engine opens a lane for a group only while the pool
  has one free. Pre: 24 lanes with one booth each (public-figures §4.3): one pool ``pov_lanes``
  shared by ``pov_general``, ``pov_ready``, ``pov_sentri``. Post: 25 lanes with 46 booths (§4.3,
  GSA Phase 1B), i.e. 21 double-stacked and 4 single-booth lanes. ``booths_per_lane`` is one value
  per lane group, so these are two pools. ``stacked_lanes`` (21) is shared by every lane type; a
  type that SANDAG does not stack at San Ysidro (``allow_stack`` = 0 in
  ``sandag_sr11_ome/port_configurations.csv``: SENTRI) gets a second lane group there,
  ``pov_<type>_stacked`` (the name calibration/studies/validate.py's ``lane_type()`` maps to the type).
  ``single_lanes`` (4) serves only the types SANDAG does not stack (SENTRI): SANDAG stacks General
  and Ready and never SENTRI, so the single-booth lanes go to SENTRI, which may also use stacked
  lanes. (Giving General and Ready single-lane groups as well would add two groups for 4 lanes and
  let a slow type take a fast single lane; kept simple.)
* **Lane policy.** The baseline's lane groups carry ``policy:`` blocks (officers open and close
  lanes to hold a target wait band). The scenario files override only ``lanes``,
  ``booths_per_lane``, ``pool`` and ``policy.max_lanes`` (and ``policy.min_lanes`` if it would
  exceed the new maximum), so the fitted targets are inherited; the members' ``min_lanes`` must fit
  in their pool (checked here and by the schema). A new group (``pov_sentri_stacked``) copies its
  lane type's baseline group (programs, service, ``service_by_hour``, policy targets) with its own
  lane limits and ``min_lanes`` at least 1 (travellers never choose a group with no lane open, so
  its policy would never see a line and never open one); if the baseline changes, regenerate (the
  test says so).
* Per-booth service times (and hourly multipliers) are the baseline's; the throughput gain of a
  stacked lane (2/E[max of two service times], +50–60 %) comes from the engine. Nothing here is
  chosen from post-expansion waits: ``post_expansion.yaml`` is a prediction.

``derive(data_dir, baseline)`` returns ``{"scenarios": {"pre_expansion": ..., "post_expansion":
...}, "checks": ...}``: the two scenario mappings exactly as the YAML files hold them, plus the
figures quoted in their comments. ``render(derived)`` returns ``{file name: YAML text}``. A test
checks that the committed files equal ``render(derive(data_dir))``. ``lane_pools`` (the pools
of a lanes/booths count) and ``pool_need`` (lanes a pool needs for an hour's demand) are pure
functions, also used by calibration/studies/expansion_report.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from calibration import san_ysidro_baseline as sy
from calibration.data import DEFAULT_DATA, FIGURES, REPO, bts, sandag
from calibration.data.bts import BTS
from calibration.data.sandag import CONFIGS
from calibration.port_baseline import lane_rate
from calibration.yaml_writer import num as _num
from calibration.yaml_writer import quote as _quote
from sim.scenario.loader import resolve
from sim.scenario.schema import WEEKDAYS

DEFAULT_OUT_DIR = REPO / "scenarios" / "san_ysidro"

PORT_CONFIG = CONFIGS
PORT = sy.PORT
LANE_TYPES = sy.POV_LANE_TYPES  # lane group -> SANDAG traveler_type, in the order General, Ready, SENTRI
STACKED_SUFFIX = "_stacked"  # calibration/studies/validate.py maps pov_<type>_stacked to the lane type

# --- the public record (public-figures.md §4.3, §4.6) -------------------------------------
BASE_YEAR = 2017  # the SANDAG base year of baseline.yaml
PRE_YEAR = 2013  # last full year before the 2014 lane tests and the Nov-2014 Phase 1B opening
POST_YEAR = 2015  # first full year after
OPENING_MONTH = 10  # October 2014: first month of the BTS step-up (checked and quoted, see derive)
SUPPLY = {
    # scenario: (lanes, booths, what the record says)
    "pre_expansion": (24, 24, "24 lanes, one booth each (2000: 24 primary booths; 2005-2011: 24 lanes)"),
    "post_expansion": (25, 46, "Phase 1B, Nov 2014: 25 northbound lanes, 46 primary booths, double-stacked (GSA)"),
}
STACKED_BOOTHS = 2
POOL_NAMES = {"all": "pov_lanes", "stacked": "stacked_lanes", "single": "single_lanes"}
YEAR_OF = {"pre_expansion": PRE_YEAR, "post_expansion": POST_YEAR}
MEASURE = "Personal Vehicles"


# --- readers ----------------------------------------------------------------------------


def bts_pov_annual(data_dir: Path, year: int) -> float:
    """BTS San Ysidro Personal Vehicles, sum of the 12 months of ``year``."""
    return bts.annual(data_dir, (MEASURE,), year, PORT)[MEASURE]


def stackable(data_dir: Path) -> dict[str, bool]:
    """Lane group -> whether SANDAG allows its lane type to stack at San Ysidro (``allow_stack`` = 1)."""
    allow = sandag.stackable(Path(data_dir), PORT)
    missing = [t for t in LANE_TYPES.values() if t not in allow]
    if missing:
        raise ValueError(f"{PORT_CONFIG}: no {PORT} Northbound Passenger row for {missing}")
    return {g: allow[t] for g, t in LANE_TYPES.items()}


# --- the pools ----------------------------------------------------------------------------


def lane_pools(n_lanes: int, n_booths: int, stack: dict[str, bool]) -> dict[str, dict[str, Any]]:
    """The shared lane pools of a port with ``n_lanes`` lanes and ``n_booths`` booths (one or two
    per lane): ``{pool: {"lanes", "booths_per_lane", "members": {lane group: lane type's group}}}``.

    Single booths only: one pool shared by every lane type. Otherwise the stacked lanes are one pool
    shared by every lane type (a type that may not stack, ``stack[g]`` false, through a second group
    ``g + "_stacked"``) and the single-booth lanes, if any, one pool of the types that may not stack.
    """
    stacked = (n_booths - n_lanes) // (STACKED_BOOTHS - 1)
    if (n_booths - n_lanes) % (STACKED_BOOTHS - 1) or not 0 <= stacked <= n_lanes:
        raise ValueError(f"{n_booths} booths on {n_lanes} lanes is not whole lanes of 1 or {STACKED_BOOTHS} booths")
    single = n_lanes - stacked
    if stacked == 0:
        return {POOL_NAMES["all"]: {"lanes": n_lanes, "booths_per_lane": 1, "members": {g: g for g in stack}}}
    out = {POOL_NAMES["stacked"]: {
        "lanes": stacked, "booths_per_lane": STACKED_BOOTHS,
        "members": {(g if ok else g + STACKED_SUFFIX): g for g, ok in stack.items()},
    }}
    if single:
        others = [g for g, ok in stack.items() if not ok]
        if not others:
            raise ValueError("single-booth lanes but every lane type may stack: no rule for who uses them")
        out[POOL_NAMES["single"]] = {"lanes": single, "booths_per_lane": 1, "members": {g: g for g in others}}
    return out


def pool_need(
    pools: dict[str, dict[str, Any]], demand: dict[str, float], per_lane: dict[str, float]
) -> dict[str, dict[str, float]]:
    """Lanes each pool needs for an hour's arrivals if every lane is used as well as possible.

    ``pools`` as ``lane_pools`` returns; ``demand``: lane type's group -> veh/h; ``per_lane``: lane
    group -> saturated veh/h of one lane for its lane type's own drivers. Pools with fewer lane
    types go first (the single-booth lanes); a lane type that also belongs to a later pool sends
    what this one cannot clear there. Returns ``{pool: {"lanes", "need", "demand", "throughput",
    "by_group"}}``, ``throughput`` being the pool's veh/h with all its lanes open at this hour's mix of
    lane types and ``by_group`` the lanes each member group needs.
    (An approximation: Ready and SENTRI drivers may also use General lanes, at General's service.)
    """
    rem = dict(demand)
    order = sorted(pools, key=lambda p: len(set(pools[p]["members"].values())))
    out = {}
    for k, p in enumerate(order):
        lanes, need, served, by_group = pools[p]["lanes"], 0.0, 0.0, {}
        later = {t for q in order[k + 1:] for t in pools[q]["members"].values()}
        alone = len(set(pools[p]["members"].values())) == 1
        for grp, t in pools[p]["members"].items():
            take = min(rem[t], lanes * per_lane[grp]) if alone and t in later else rem[t]
            rem[t] -= take
            served += take
            by_group[grp] = take / per_lane[grp]
            need += by_group[grp]
        out[p] = {"lanes": lanes, "need": need, "demand": served,
                  "throughput": served * lanes / need if need > 0 else 0.0, "by_group": by_group}
    return out


# --- derivation -------------------------------------------------------------------------


def _policy_of(baseline: dict[str, Any], group: str) -> dict[str, Any]:
    g = baseline["lane_groups"].get(group)
    if g is None:
        raise ValueError(f"baseline: no lane group {group!r}")
    if "policy" not in g:
        raise ValueError(
            f"baseline: lane group {group!r} has no policy: block; the expansion scenarios inherit the officers' "
            "lane policy (target wait band) from the baseline and override only its max_lanes"
        )
    return g["policy"]


def _group_override(baseline: dict[str, Any], group: str, lanes: int, booths: int, pool: str) -> dict[str, Any]:
    """What a scenario file sets for an existing baseline group: lanes, booths, pool, policy limits."""
    pol = _policy_of(baseline, group)
    policy: dict[str, Any] = {"max_lanes": lanes}
    if pol.get("min_lanes", 0) > lanes:
        policy["min_lanes"] = lanes
    return {"lanes": lanes, "booths_per_lane": booths, "pool": pool, "policy": policy}


def _new_group(baseline: dict[str, Any], like: str, lanes: int, booths: int, pool: str) -> dict[str, Any]:
    """A group the baseline does not have: a copy of its lane type's group with its own lanes."""
    g = baseline["lane_groups"][like]
    pol = dict(_policy_of(baseline, like))
    pol["max_lanes"] = lanes
    # at least one lane open: travellers never choose a group with none open while another is,
    # so its policy would never see a line and never open one
    pol["min_lanes"] = min(max(pol.get("min_lanes", 0), 1), lanes)
    out = {
        "mode": g["mode"],
        "programs": list(g["programs"]),
        "lanes": lanes,
        "booths_per_lane": booths,
        "discipline": g.get("discipline", "shared"),
        "pool": pool,
        "policy": pol,
        "service": {p: dict(d) for p, d in g["service"].items()},
    }
    if g.get("service_by_hour") is not None:
        out["service_by_hour"] = list(g["service_by_hour"])
    return out


def _capacity_per_h(service: dict[str, Any], booths: int) -> float:
    """Saturated throughput of one lane (veh/h) for a lane type's own program: 3600 / mean for one
    booth, k x 3600 / E[max of k] for k stacked booths (k = 2; lognormal, see san_ysidro_baseline.py)."""
    mean_s, cv = service["mean_s"], service.get("cv", 0.0)
    if booths == 1:
        return 3600.0 / mean_s
    if booths != 2 or service["dist"] != "lognormal":
        raise ValueError("capacity: only single booths or two stacked lognormal booths are quoted")
    return lane_rate(mean_s, cv, booths)


def per_lane_by_hour(service: dict[str, Any], booths: int, by_hour: list[float] | None) -> list[float]:
    """``_capacity_per_h`` for each clock hour, the service time times ``service_by_hour`` (if any)."""
    c = _capacity_per_h(service, booths)
    return [c / (by_hour[h] if by_hour else 1.0) for h in range(24)]


def _demand(
    data_dir: Path, base: dict[str, Any], checks: dict[str, Any]
) -> tuple[dict[str, float], dict[str, Any], dict[str, list[float]]]:
    """The demand scale of each scenario (BTS volume of its year on 2017's), the baseline's vehicle
    streams and their hourly rates; the figures the comments quote go into ``checks``."""
    annual = {y: bts_pov_annual(data_dir, y) for y in (PRE_YEAR, 2014, POST_YEAR, BASE_YEAR)}
    monthly_2014 = bts.monthly(data_dir, (MEASURE,), 2014, PORT)[MEASURE]
    before = sum(monthly_2014[: OPENING_MONTH - 1]) / (OPENING_MONTH - 1)
    after = sum(monthly_2014[OPENING_MONTH - 1 :]) / (12 - OPENING_MONTH + 1)
    if not after > 1.1 * before:
        raise ValueError(f"{BTS}: expected the {PORT} {MEASURE} step-up from month {OPENING_MONTH} of 2014; not found")
    checks["annual"] = {y: round(v) for y, v in annual.items()}
    checks["month_2014"] = (round(before), round(after))
    factor = {sc: round(annual[y] / annual[BASE_YEAR], 4) for sc, y in YEAR_OF.items()}
    checks["factor"] = factor

    pov_streams = {s: v for s, v in base["streams"].items() if v["mode"] == "vehicle"}
    if set(pov_streams) != set(LANE_TYPES):
        raise ValueError(f"baseline: expected vehicle streams {sorted(LANE_TYPES)}, got {sorted(pov_streams)}")
    rates: dict[str, list[float]] = {}
    for s, v in pov_streams.items():
        d = v["demand"]
        if "by_weekday" in d or "month_factor" in d:
            raise ValueError(f"baseline: streams.{s}.demand has by_weekday/month_factor;"
                             " a weekday_factor alone would not scale it")
        if "rate_per_h" in d:
            rates[s] = list(d["rate_per_h"])
        else:
            rates[s] = [d["daily_volume"] * w / sum(d["profile"]) for w in d["profile"]]
    daily = {s: sum(r) for s, r in rates.items()}
    checks["daily_2017"] = {s: round(v) for s, v in daily.items()}
    checks["share"] = {s: daily[s] / sum(daily.values()) for s in daily}
    total = [sum(rates[s][k] for s in rates) for k in range(24)]
    checks["busiest_hour"] = max(range(24), key=lambda k: total[k])
    return factor, pov_streams, rates


def _pool_groups(
    sc: str, base: dict[str, Any], pools: dict[str, Any], pov_streams: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, list[float]]]:
    """The lane groups of each pool (the baseline's, with the pool's lanes and booths, or new ones), each
    group's lane throughput by hour (veh/h); the pools get their ``min_lanes`` floor and throughputs."""
    groups: dict[str, Any] = {}
    per_lane: dict[str, list[float]] = {}
    mean_lane: dict[str, float] = {}
    for pname, p in pools.items():
        n, k = p["lanes"], p["booths_per_lane"]
        for name, g in p["members"].items():
            if name in base["lane_groups"]:
                groups[name] = _group_override(base, name, n, k, pname)
            else:
                groups[name] = _new_group(base, g, n, k, pname)
            own = base["lane_groups"][g]["service"][pov_streams[g]["program"]]  # the type's own drivers
            per_lane[name] = per_lane_by_hour(own, k, base["lane_groups"][g].get("service_by_hour"))
            mean_lane[name] = _capacity_per_h(own, k)
        floor = sum(groups[m]["policy"]["min_lanes"] if "min_lanes" in groups[m]["policy"]
                    else _policy_of(base, m).get("min_lanes", 0) for m in p["members"])
        if floor > n:
            raise ValueError(f"{sc}: the policy.min_lanes of {sorted(p['members'])} add up to {floor}, "
                             f"more than pool {pname}'s {n} lanes")
        p["min_lanes"] = floor
        p["throughput"] = {g: round(n * mean_lane[m]) for m, g in p["members"].items()}
        p["throughput_by_hour"] = {g: (round(n * min(per_lane[m])), round(n * max(per_lane[m])))
                                   for m, g in p["members"].items()}
    return groups, per_lane


def _title(sc: str, n_lanes: int, n_booths: int) -> tuple[str, str]:
    """A scenario's name and description."""
    year = YEAR_OF[sc]
    if sc == "pre_expansion":
        name = f"San Ysidro NB before the 2014 expansion ({n_lanes} single-booth lanes, {year} demand)"
        desc = (
            f"San Ysidro northbound before Phase 1B: {n_lanes} passenger lanes with one booth each, shared "
            f"by General, Ready and SENTRI; 2017 weekday demand profile scaled to BTS {year} Personal Vehicles. "
            "Everything else (service times, lane policy targets, pedestrians, secondary) as in baseline.yaml."
        )
    else:
        name = f"San Ysidro NB after the 2014 expansion ({n_lanes} lanes, {n_booths} booths, {year} demand)"
        desc = (
            f"San Ysidro northbound after Phase 1B (Nov 2014): {n_lanes} passenger lanes, {n_booths} primary "
            f"booths ({n_booths - n_lanes} lanes double-stacked, shared by all lane types; "
            f"{2 * n_lanes - n_booths} single-booth lanes for SENTRI); 2017 weekday demand profile scaled to BTS "
            f"{year} Personal Vehicles. Everything else as in baseline.yaml. A prediction: nothing here "
            "is fitted to post-expansion waits."
        )
    return name, desc


def derive(
    data_dir: str | Path = DEFAULT_DATA, baseline: str | Path = DEFAULT_OUT_DIR / "baseline.yaml"
) -> dict[str, Any]:
    """Read the public data and the resolved baseline; return ``{"scenarios": ..., "checks": ...}``."""
    data_dir = Path(data_dir)
    base, _, _ = resolve(Path(baseline))
    checks: dict[str, Any] = {}
    factor, pov_streams, rates = _demand(data_dir, base, checks)
    base_factor = {s: v["demand"].get("weekday_factor") for s, v in pov_streams.items()}
    bh = checks["busiest_hour"]

    # supply ----------------------------------------------------------------------------------
    stack = stackable(data_dir)
    checks["stackable"] = stack
    base_pools = base.get("lane_pools") or {}
    scenarios: dict[str, Any] = {}
    for sc, (n_lanes, n_booths, _) in SUPPLY.items():
        pools = lane_pools(n_lanes, n_booths, stack)
        if sum(p["lanes"] for p in pools.values()) != n_lanes or \
                sum(p["lanes"] * p["booths_per_lane"] for p in pools.values()) != n_booths:
            raise ValueError(f"{sc}: pools do not add up to {n_lanes} lanes and {n_booths} booths")
        groups, per_lane = _pool_groups(sc, base, pools, pov_streams)
        demand = {g: [r * factor[sc] for r in rates[g]] for g in LANE_TYPES}
        need = [pool_need(pools, {g: demand[g][h] for g in LANE_TYPES}, {m: v[h] for m, v in per_lane.items()})
                for h in range(24)]
        checks[sc] = {
            "pools": pools,
            "types": {g: {"peak_demand_per_h": round(demand[g][bh]), "daily": round(sum(demand[g])),
                          "groups": [m for p in pools.values() for m, t in p["members"].items() if t == g]}
                      for g in LANE_TYPES},
            "need_busiest": {p: round(v["need"], 1) for p, v in need[bh].items()},
            "short_hours": {p: [h for h in range(24) if need[h][p]["need"] > pools[p]["lanes"]] for p in pools},
            "need_daily": {p: round(sum(need[h][p]["need"] for h in range(24))) for p in pools},
        }
        streams = {}
        for s in pov_streams:
            bf = base_factor[s] or {d: 1.0 for d in WEEKDAYS}
            streams[s] = {"demand": {"weekday_factor": {d: round(bf[d] * factor[sc], 4) for d in WEEKDAYS}}}
        name, desc = _title(sc, n_lanes, n_booths)
        body: dict[str, Any] = {
            "extends": "baseline.yaml",
            "name": name,
            "description": desc,
            "streams": streams,
            # a pool the baseline declares and this file does not use is dropped (null deletes a key)
            "lane_pools": {**{p: v["lanes"] for p, v in pools.items()},
                           **{p: None for p in base_pools if p not in pools}},
            "lane_groups": groups,
        }
        scenarios[sc] = body
    return {"scenarios": scenarios, "checks": checks}


# --- rendering --------------------------------------------------------------------------


def _flow(d: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_flow(v) if isinstance(v, dict) else _num(v) if not isinstance(v, str) else v}"
                           for k, v in d.items()) + "}"


def _type(g: str) -> str:
    return LANE_TYPES[g]


def _hours(hours: list[int]) -> str:
    """'05:00-09:00, 14:00-16:00' for clock hours 5..8 and 14, 15 (runs of consecutive hours)."""
    runs: list[list[int]] = []
    for h in sorted(hours):
        if runs and h == runs[-1][-1] + 1:
            runs[-1].append(h)
        else:
            runs.append([h])
    return ", ".join(f"{r[0]:02d}:00-{r[-1] + 1:02d}:00" for r in runs)


def _header(sc: str) -> list[str]:
    """The comment block at the top of a scenario file: what it is, how it is made."""
    L = [
        (f"# San Ysidro port of entry, northbound: {'before' if sc == 'pre_expansion' else 'after'} the 2014 "
        "expansion (Phase 1B), passenger vehicles."),
        "#",
        "# GENERATED by calibration/san_ysidro_expansion.py -- do not edit by hand. Regenerate with",
        "#   .venv/bin/python -m calibration.san_ysidro_expansion --data ../shared/data --out scenarios/san_ysidro",
        "# (tests/calibration/test_san_ysidro_expansion.py checks that this file matches the script's output).",
        "# Results next to the reported figures: calibration/EXPANSION_PORTS.md"
        " (calibration/studies/expansion_report.py).",
        "#",
        "# Everything not set here comes from baseline.yaml (2017 weekday): hourly demand profile and",
        "# program split, service times and their hourly multipliers, the officers' lane policy (target",
        "# wait band, review and reaction times), pedestrians, secondary. The loader deep-merges mappings,",
        "# so the blocks below change only the keys they name.",
    ]
    if sc == "post_expansion":
        L += [
            "# A PREDICTION: no number in this file is chosen from post-expansion waits.",
        ]
    return L


def _streams(sc: str, body: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The data files and the ``streams:`` block: demand scaled to the year's BTS volume."""
    year = YEAR_OF[sc]
    a = ck["annual"]
    L: list[str] = []
    L += [
        "#",
        f"# Data files (relative to the shared data directory, see its README.md); figures from {FIGURES}:",
        f"#   {BTS}",
        f"#   {PORT_CONFIG}",
        "",
        "extends: baseline.yaml",
        f"name: {_quote(body['name'])}",
        f"description: {_quote(body['description'])}",
        "",
        "streams:",
        f"  # Demand: the baseline's 2017 hourly profiles scaled by BTS rows Port Name={PORT}, Measure={MEASURE},",
        f"  # sum of the 12 months: {year} {a[year]:,} / {BASE_YEAR} {a[BASE_YEAR]:,} = {ck['factor'][sc]:.4f},",
        "  # set as weekday_factor (the same on every day: a plain scale of the base day).",
    ]
    if sc == "pre_expansion":
        L += [
            (f"  # {year} is the last full year before the new lanes: BTS {MEASURE} 2014 averages "
            f"{ck['month_2014'][0]:,}/month in Jan-Sep"),
            (f"  # and {ck['month_2014'][1]:,}/month in Oct-Dec (2014 lane tests, Phase 1B opening in Nov), "
            f"so 2014 ({a[2014]:,}) is mixed."),
            "  # BTS counts crossings, i.e. vehicles served: before the expansion some demand was",
            "  # suppressed (diverted or not travelling), so this is a lower bound on pre-expansion demand.",
        ]
    else:
        L += [
            (f"  # {year} is the first full year after Phase 1B (Nov 2014); it is {a[year] / a[PRE_YEAR] - 1:+.0%} "
            f"on {PRE_YEAR}."),
        ]
    sh = ck["share"]
    L.append(
        "  # ASSUMPTION: each program keeps its 2017 share of the demand ("
        + ", ".join(f"{_type(g)} {100 * sh[g]:.1f} %" for g in LANE_TYPES)
        + ");"
    )
    L += [
        "  # enrolment grew over these years (public-figures §4.7: SENTRI > 105 k members 2009, about 190 k 2014),",
        "  # and Ready lanes only exist since the end of 2011, so the pre-expansion split is uncertain.",
        "  # Pedestrians: as in the baseline (own booths, unchanged by the expansion).",
    ]
    for s, v in body["streams"].items():
        L += [f"  {s}:", "    demand:", f"      weekday_factor: {_flow(v['demand']['weekday_factor'])}"]

    return L


def _lane_pools(sc: str, body: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The ``lane_pools:`` block: the public record's lanes and what they can clear against the demand."""
    n_lanes, n_booths, record = SUPPLY[sc]
    sup = ck[sc]
    L: list[str] = []
    L += [
        "",
        "lane_pools:",
        f"  # Supply (public-figures §4.3): {record}.",
    ]
    if sc == "pre_expansion":
        L += [
            "  # The issue's pre-expansion port: 24 single-booth lanes. §4.3 also quotes '24 lanes, 30 inspection",
            "  # booths' (2011) and up to 12 stacked Ready booths (2011-12), so some lanes may already have had",
            "  # two booths before the works: this file may understate pre-expansion capacity.",
        ]
    else:
        L += [
            (f"  # {n_booths} booths on {n_lanes} lanes: {n_booths - n_lanes} lanes double-stacked, "
            f"{2 * n_lanes - n_booths} with one booth (KUSI quotes 47;"),
            "  # the 2019 final stage, 34 lanes / 63 booths, is not modelled).",
        ]
    L += [
        "  # The lanes are SHARED: the record gives the port's lanes, not a split among lane types, and officers",
        "  # give a lane to General, Ready or SENTRI as the lines require. A pool's lane count is the public",
        "  # record; every lane group of the pool may open up to all of its lanes (lanes = policy.max_lanes = the",
        "  # pool's lanes), but only while the pool has one free (first come, first served between groups).",
    ]
    if sc == "post_expansion":
        nostack = [g for g, ok in ck["stackable"].items() if not ok]
        may = [g for g, ok in ck["stackable"].items() if ok]
        L += [
            ("  # booths_per_lane is one value per lane group, so the stacked and the single-booth lanes"
             " are two pools."),
            (f"  # SANDAG stacks {' and '.join(_type(g) for g in may)} at {PORT} and never "
            f"{' or '.join(_type(g) for g in nostack)} ({PORT_CONFIG} allow_stack),"),
            (f"  # so the {2 * n_lanes - n_booths} single-booth lanes serve"
             f" {' and '.join(_type(g) for g in nostack)} "
             f"(ASSUMPTION), which may also take stacked lanes"),
            ("  # (group " + ", ".join(g + STACKED_SUFFIX for g in nostack)
             + "; the booths exist, so we assume both are used). General and Ready keep to the stacked lanes."),
        ]
    L += _capacity_comment(sup, ck["busiest_hour"])
    for pname, n in body["lane_pools"].items():
        L.append(f"  {pname}: {'null' if n is None else n}")
    return L



def _capacity_comment(sup: dict[str, Any], bh: int) -> list[str]:
    """What each pool can clear against the demand: throughput, busiest-hour and daily need."""
    pools = sup["pools"]
    L: list[str] = []
    L.append("  # Per pool: booths; saturated throughput (veh/h) with all its lanes given to one lane type,"
             " for that type's")
    L.append("  # own drivers, at the per-booth mean service time (range over the hours with the baseline's"
             " service_by_hour):")
    for pname, p in pools.items():
        thr = "; ".join(f"{_type(g)} {v:,} ({p['throughput_by_hour'][g][0]:,}-{p['throughput_by_hour'][g][1]:,})"
                        for g, v in p["throughput"].items())
        L.append(f"  #   {pname}: {p['lanes']} lanes x {p['booths_per_lane']}"
                 f" = {p['lanes'] * p['booths_per_lane']} booths; {thr}.")
    L.append(f"  # Demand in the busiest hour ({bh:02d}:00) and over the day: "
             + ", ".join(f"{_type(g)} {t['peak_demand_per_h']:,}/h, {t['daily']:,}/day"
                         for g, t in sup["types"].items())
             + ".")
    L.append("  # Lanes needed for the busiest hour's arrivals if every lane is used as well as possible: "
             + ", ".join(f"{p} {v:.1f} of {pools[p]['lanes']}" for p, v in sup["need_busiest"].items()) + ";")
    L.append("  # short in the hours " + "; ".join(
        f"{p} {_hours(v) if v else 'none'}" for p, v in sup["short_hours"].items())
        + ". Lane-hours needed over the day: "
        + ", ".join(f"{p} {v:,} of {24 * pools[p]['lanes']:,}" for p, v in sup["need_daily"].items()) + ".")
    L.append("  # (Ready and SENTRI drivers may also use General lanes, SENTRI drivers Ready lanes.)")
    return L

def _lane_groups(sc: str, body: dict[str, Any], ck: dict[str, Any]) -> list[str]:
    """The ``lane_groups:`` block: every passenger group in a pool, with the baseline's service."""
    pools = ck[sc]["pools"]
    L: list[str] = []
    L += [
        "",
        "lane_groups:",
        "  # Every passenger lane group joins a pool (pool:) and may open all of its lanes; min_lanes inherited",
        "  # (their sum fits in the pool: "
        + ", ".join(f"{p} {v['min_lanes']} of {v['lanes']}" for p, v in pools.items())
        + ").",
    ]
    if sc == "post_expansion":
        L += [
            ("  # A new group copies its lane type's baseline group (programs, service, service_by_hour,"
             " lane-policy"),
            "  # targets) with its own lane limits and min_lanes at least 1 (travellers never choose a group with",
            "  # no lane open, so its policy would never open one).",
        ]
    L += [
        "  # Per-booth service times as in the baseline; a stacked lane's gain (2/E[max of two service",
        "  # times], +50-60 %, public-figures §4.1) comes from the engine. Note: the baseline's per-booth means",
        "  # are fitted to SANDAG's stacked-lane rates, so a single-booth General or Ready lane clears somewhat",
        "  # less than SANDAG's single-lane rate (SY_*_VEH).",
    ]
    for name, g in body["lane_groups"].items():
        L.append(f"  {name}:")
        for key in ("mode", "lanes", "booths_per_lane", "discipline", "pool"):
            if key in g:
                L.append(f"    {key}: {g[key]}")
            if key == "mode" and "programs" in g:
                L.append(f"    programs: [{', '.join(g['programs'])}]")
        L.append(f"    policy: {_flow(g['policy'])}")
        if "service" in g:
            L.append("    service:")
            L += [f"      {p}: {_flow(d)}" for p, d in g["service"].items()]
        if "service_by_hour" in g:
            L.append(f"    service_by_hour: [{', '.join(_num(x) for x in g['service_by_hour'])}]")
    return L


def render(derived: dict[str, Any]) -> dict[str, str]:
    """``{file name: commented YAML text}`` of a ``derive`` result."""
    ck = derived["checks"]
    out = {}
    for sc, body in derived["scenarios"].items():
        L = _header(sc) + _streams(sc, body, ck) + _lane_pools(sc, body, ck) + _lane_groups(sc, body, ck)
        out[f"{sc}.yaml"] = "\n".join(L) + "\n"
    return out


def main(argv: list[str] | None = None) -> int:
    """``--data DIR --out DIR``, as the other calibration scripts (``generate`` in
    otay_mesa_baseline.py), but two files: the baseline is read from the ``--out`` directory."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT_DIR,
                    help="directory holding baseline.yaml, where the two files are written (default: %(default)s)")
    args = ap.parse_args(argv)
    texts = render(derive(args.data, args.out / "baseline.yaml"))
    for fname, text in texts.items():
        (args.out / fname).write_text(text, encoding="utf-8")
        print(f"wrote {args.out / fname}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
