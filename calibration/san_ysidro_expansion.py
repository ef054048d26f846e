#!/usr/bin/env python
"""Derive the San Ysidro northbound pre- and post-expansion scenario pair (Phase 1B, Nov 2014).

Usage (from the repository root)::

    .venv/bin/python calibration/san_ysidro_expansion.py [--data ../shared/data] \
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
* **Supply.** Pre: 24 lanes with one booth each (public-figures §4.3). Post: 25 lanes with 46
  booths (§4.3, GSA Phase 1B), i.e. 21 double-stacked lanes and 4 single-booth lanes. The port's
  lanes are split among General / Ready / SENTRI in proportion to CBP's observed open lanes of
  each type in the busiest hour of 2017 (``sandag_sr11_ome/OME_Observed_Data.csv``, San Ysidro
  NB Passenger, column ``open_lanes``; largest remainders), the same rule before and after. The
  stacked lanes go first to the lane types SANDAG allows to stack at San Ysidro (``allow_stack``
  in ``sandag_sr11_ome/port_configurations.csv``: General, Ready), in that order, and the rest to
  the others (SENTRI), which then becomes two lane groups, ``pov_sentri`` (single booths) and
  ``pov_sentri_stacked``, because ``booths_per_lane`` is one value per lane group.
* **Lane policy.** The baseline's lane groups carry ``policy:`` blocks (officers open and close
  lanes to hold a target wait band). The scenario files override only ``lanes``,
  ``booths_per_lane`` and ``policy.max_lanes`` (and ``policy.min_lanes`` if it would exceed the new
  maximum), so the fitted targets are inherited. A new group (``pov_sentri_stacked``) copies its
  lane type's baseline group (programs, service, policy targets) with its own lane counts; if the
  baseline's policy changes, regenerate (the test says so).
* Per-booth service times are the baseline's; the throughput gain of a stacked lane (2/E[max of
  two service times], +50–60 %) comes from the engine. Nothing here is chosen from
  post-expansion waits: ``post_expansion.yaml`` is a prediction.

``derive(data_dir, baseline)`` returns ``{"scenarios": {"pre_expansion": ..., "post_expansion":
...}, "checks": ...}``: the two scenario mappings exactly as the YAML files hold them, plus the
figures quoted in their comments. ``render(derived)`` returns ``{file name: YAML text}``. A test
checks that the committed files equal ``render(derive(data_dir))``.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from sim.scenario.loader import resolve
from sim.scenario.schema import WEEKDAYS

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT_DIR = REPO / "scenarios" / "san_ysidro"


if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def _script(stem: str):
    """Import calibration/<stem>.py by path (calibration/ is not a package; see sim.calibrate.load_script)."""
    from sim.calibrate import load_script

    return load_script(Path(__file__).resolve().parent / f"{stem}.py")


_om = _script("otay_mesa_baseline")
_sy = _script("san_ysidro_baseline")
_year = _script("otay_mesa_year")

DEFAULT_DATA = _om.DEFAULT_DATA
OBSERVED, BTS, FIGURES = _om.OBSERVED, _om.BTS, _om.FIGURES
PORT_CONFIG = "sandag_sr11_ome/port_configurations.csv"
_num, _quote = _om._num, _om._quote
PORT = _sy.PORT
LANE_TYPES = _sy.POV_LANE_TYPES  # lane group -> SANDAG traveler_type, in the order General, Ready, SENTRI
STACKED_SUFFIX = "_stacked"  # calibration/validate.py maps pov_<type>_stacked to the lane type

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
YEAR_OF = {"pre_expansion": PRE_YEAR, "post_expansion": POST_YEAR}
MEASURE = "Personal Vehicles"


# --- readers ----------------------------------------------------------------------------


def bts_pov_annual(data_dir: Path, year: int) -> float:
    """BTS San Ysidro Personal Vehicles, sum of the 12 months of ``year``."""
    return _om.bts_annual(Path(data_dir), (MEASURE,), year=year, port=PORT)[MEASURE]


def stacking_order(data_dir: Path) -> list[str]:
    """Lane groups in the order stacked lanes are given to them: the lane types SANDAG allows to
    stack at San Ysidro (``allow_stack`` = 1), then the others, each in LANE_TYPES order."""
    allow = {}
    for r in _om._rows(Path(data_dir) / PORT_CONFIG):
        if r["port_name"] == PORT and r["direction"] == "Northbound" and r["vehicle_type"] == "Passenger":
            allow[r["traveler_type"]] = r["allow_stack"].strip() == "1"
    missing = [t for t in LANE_TYPES.values() if t not in allow]
    if missing:
        raise ValueError(f"{PORT_CONFIG}: no {PORT} Northbound Passenger row for {missing}")
    return [g for g, t in LANE_TYPES.items() if allow[t]] + [g for g, t in LANE_TYPES.items() if not allow[t]]


# --- derivation -------------------------------------------------------------------------


def largest_remainder(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Split ``total`` whole lanes in proportion to ``weights`` (Hamilton's method; ties go to
    the key listed first)."""
    s = sum(weights.values())
    if s <= 0:
        raise ValueError("largest_remainder: weights sum to zero")
    quotas = {k: total * w / s for k, w in weights.items()}
    out = {k: math.floor(q) for k, q in quotas.items()}
    order = sorted(quotas, key=lambda k: -(quotas[k] - out[k]))  # stable: ties keep key order
    for k in order[: total - sum(out.values())]:
        out[k] += 1
    return out


def assign_stacked(lanes: dict[str, int], stacked: int, order: list[str]) -> dict[str, int]:
    """Stacked lanes per lane group: fill the groups in ``order``, each up to its lane count."""
    if not 0 <= stacked <= sum(lanes.values()):
        raise ValueError(f"expected 0..{sum(lanes.values())} stacked lanes, got {stacked}")
    out = {}
    for g in order:
        out[g] = min(lanes[g], stacked)
        stacked -= out[g]
    return {g: out[g] for g in lanes}


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


def _group_override(baseline: dict[str, Any], group: str, lanes: int, booths: int) -> dict[str, Any]:
    """What a scenario file sets for an existing baseline group: lanes, booths, policy limits."""
    pol = _policy_of(baseline, group)
    policy: dict[str, Any] = {"max_lanes": lanes}
    if pol.get("min_lanes", 0) > lanes:
        policy["min_lanes"] = lanes
    return {"lanes": lanes, "booths_per_lane": booths, "policy": policy}


def _new_group(baseline: dict[str, Any], like: str, lanes: int, booths: int) -> dict[str, Any]:
    """A group the baseline does not have: a copy of its lane type's group with its own lanes."""
    g = baseline["lane_groups"][like]
    pol = dict(_policy_of(baseline, like))
    pol["max_lanes"] = lanes
    # at least one lane open: travellers never choose a group with none open while another is,
    # so its policy would never see a line and never open one
    pol["min_lanes"] = min(max(pol.get("min_lanes", 0), 1), lanes)
    return {
        "mode": g["mode"],
        "programs": list(g["programs"]),
        "lanes": lanes,
        "booths_per_lane": booths,
        "discipline": g.get("discipline", "shared"),
        "policy": pol,
        "service": {p: dict(d) for p, d in g["service"].items()},
    }


def _capacity_per_h(service: dict[str, Any], booths: int) -> float:
    """Saturated throughput of one lane (veh/h) for a lane type's own program: 3600 / mean for one
    booth, k x 3600 / E[max of k] for k stacked booths (k = 2; lognormal, see san_ysidro_baseline.py)."""
    mean_s, cv = service["mean_s"], service.get("cv", 0.0)
    if booths == 1:
        return 3600.0 / mean_s
    if booths != 2 or service["dist"] != "lognormal":
        raise ValueError("capacity: only single booths or two stacked lognormal booths are quoted")
    return 2 * 3600.0 / (mean_s * _sy.stacked_factor(cv))


def derive(data_dir: str | Path = DEFAULT_DATA, baseline: str | Path = DEFAULT_OUT_DIR / "baseline.yaml") -> dict[str, Any]:
    """Read the public data and the resolved baseline; return ``{"scenarios": ..., "checks": ...}``."""
    data_dir = Path(data_dir)
    base, _, _ = resolve(Path(baseline))
    checks: dict[str, Any] = {}

    # demand ----------------------------------------------------------------------------------
    annual = {y: bts_pov_annual(data_dir, y) for y in (PRE_YEAR, 2014, POST_YEAR, BASE_YEAR)}
    monthly_2014 = _year.bts_monthly(data_dir, (MEASURE,), year=2014, port=PORT)[MEASURE]
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
            raise ValueError(f"baseline: streams.{s}.demand has by_weekday/month_factor; a weekday_factor alone would not scale it")
        if "rate_per_h" in d:
            rates[s] = list(d["rate_per_h"])
        else:
            rates[s] = [d["daily_volume"] * w / sum(d["profile"]) for w in d["profile"]]
    base_factor = {s: v["demand"].get("weekday_factor") for s, v in pov_streams.items()}
    daily = {s: sum(r) for s, r in rates.items()}
    checks["daily_2017"] = {s: round(v) for s, v in daily.items()}
    checks["share"] = {s: daily[s] / sum(daily.values()) for s in daily}
    total = [sum(rates[s][k] for s in rates) for k in range(24)]
    checks["busiest_hour"] = max(range(24), key=lambda k: total[k])

    # supply ----------------------------------------------------------------------------------
    obs = _sy.observed(data_dir)
    peak = max(range(24), key=lambda k: sum(obs[t]["volume"][k] for t in LANE_TYPES.values()))
    open_peak = {g: obs[t]["open_lanes"][peak] for g, t in LANE_TYPES.items()}
    checks["obs_peak_hour"] = peak
    checks["obs_peak_volume"] = round(sum(obs[t]["volume"][peak] for t in LANE_TYPES.values()))
    checks["obs_open_peak"] = {g: int(v) for g, v in open_peak.items()}
    order = stacking_order(data_dir)
    checks["stack_order"] = order

    scenarios: dict[str, Any] = {}
    for sc, (n_lanes, n_booths, _) in SUPPLY.items():
        lanes = largest_remainder(n_lanes, open_peak)
        if (n_booths - n_lanes) % (STACKED_BOOTHS - 1):
            raise ValueError(f"{sc}: {n_booths} booths on {n_lanes} lanes is not whole stacked lanes")
        stacked = assign_stacked(lanes, (n_booths - n_lanes) // (STACKED_BOOTHS - 1), order)
        groups: dict[str, Any] = {}
        supply: dict[str, Any] = {}
        for g in LANE_TYPES:
            single = lanes[g] - stacked[g]
            parts = [(g, single, 1), (g + STACKED_SUFFIX, stacked[g], STACKED_BOOTHS)] if single and stacked[g] else (
                [(g, lanes[g], STACKED_BOOTHS if stacked[g] else 1)]
            )
            own = base["lane_groups"][g]["service"][pov_streams[g]["program"]]  # the type's own drivers
            cap = 0.0
            for name, n, k in parts:
                if name in base["lane_groups"]:
                    groups[name] = _group_override(base, name, n, k)
                else:
                    groups[name] = _new_group(base, g, n, k)
                cap += n * _capacity_per_h(own, k)
            supply[g] = {
                "lanes": lanes[g],
                "stacked": stacked[g],
                "booths": lanes[g] + (STACKED_BOOTHS - 1) * stacked[g],
                "groups": [p[0] for p in parts],
                "capacity_per_h": round(cap),
                "peak_demand_per_h": round(rates[g][checks["busiest_hour"]] * factor[sc]),
                "daily": round(daily[g] * factor[sc]),
                "capacity_daily": round(24 * cap),
            }
        if sum(s["booths"] for s in supply.values()) != n_booths:
            raise ValueError(f"{sc}: booths do not add up to {n_booths}")
        checks[sc] = supply
        streams = {}
        for s in pov_streams:
            bf = base_factor[s] or {d: 1.0 for d in WEEKDAYS}
            streams[s] = {"demand": {"weekday_factor": {d: round(bf[d] * factor[sc], 4) for d in WEEKDAYS}}}
        year = YEAR_OF[sc]
        if sc == "pre_expansion":
            name = f"San Ysidro NB before the 2014 expansion ({n_lanes} single-booth lanes, {year} demand)"
            desc = (
                f"San Ysidro northbound before Phase 1B: {n_lanes} passenger lanes with one booth each; "
                f"2017 weekday demand profile scaled to BTS {year} Personal Vehicles. Everything else "
                "(service times, lane policy targets, pedestrians, secondary) as in baseline.yaml."
            )
        else:
            name = f"San Ysidro NB after the 2014 expansion ({n_lanes} lanes, {n_booths} booths, {year} demand)"
            desc = (
                f"San Ysidro northbound after Phase 1B (Nov 2014): {n_lanes} passenger lanes, {n_booths} primary "
                f"booths ({n_booths - n_lanes} lanes double-stacked); 2017 weekday demand profile scaled to BTS "
                f"{year} Personal Vehicles. Everything else as in baseline.yaml. A prediction: nothing here "
                "is fitted to post-expansion waits."
            )
        scenarios[sc] = {
            "extends": "baseline.yaml",
            "name": name,
            "description": desc,
            "streams": streams,
            "lane_groups": groups,
        }
    return {"scenarios": scenarios, "checks": checks}


# --- rendering --------------------------------------------------------------------------


def _flow(d: dict[str, Any]) -> str:
    return "{" + ", ".join(f"{k}: {_flow(v) if isinstance(v, dict) else _num(v) if not isinstance(v, str) else v}"
                           for k, v in d.items()) + "}"


def _type(g: str) -> str:
    return LANE_TYPES[g]


def render(derived: dict[str, Any]) -> dict[str, str]:
    """``{file name: commented YAML text}`` of a ``derive`` result."""
    ck = derived["checks"]
    out = {}
    for sc, body in derived["scenarios"].items():
        n_lanes, n_booths, record = SUPPLY[sc]
        year = YEAR_OF[sc]
        sup = ck[sc]
        a = ck["annual"]
        L = [
            (f"# San Ysidro port of entry, northbound: {'before' if sc == 'pre_expansion' else 'after'} the 2014 "
            "expansion (Phase 1B), passenger vehicles."),
            "#",
            "# GENERATED by calibration/san_ysidro_expansion.py -- do not edit by hand. Regenerate with",
            "#   .venv/bin/python calibration/san_ysidro_expansion.py --data ../shared/data --out scenarios/san_ysidro",
            "# (tests/calibration/test_san_ysidro_expansion.py checks that this file matches the script's output).",
            "# Results next to the reported figures: calibration/EXPANSION.md (calibration/expansion_report.py).",
            "#",
            "# Everything not set here comes from baseline.yaml (2017 weekday): hourly demand profile and",
            "# program split, service times, the officers' lane policy (target wait band, review and",
            "# reaction times), pedestrians, secondary. The loader deep-merges mappings, so the blocks",
            "# below change only the keys they name.",
        ]
        if sc == "post_expansion":
            L += [
                "# A PREDICTION: no number in this file is chosen from post-expansion waits.",
            ]
        L += [
            "#",
            f"# Data files (relative to the shared data directory, see its README.md); figures from {FIGURES}:",
            f"#   {BTS}",
            f"#   {OBSERVED}",
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
        op = ck["obs_open_peak"]
        h = ck["obs_peak_hour"]
        L += [
            "",
            "lane_groups:",
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
            f"  # Lanes per type: the port's {n_lanes} split in proportion to CBP's observed open lanes in the busiest hour",
            (f"  # of 2017 ({OBSERVED}, {PORT} Northbound Passenger, column open_lanes, hour {h + 1} = "
            f"{h:02d}:00-{h + 1:02d}:00, {ck['obs_peak_volume']:,} veh/h:"),
            "  # " + ", ".join(f"{_type(g)} {op[g]}" for g in LANE_TYPES) + "), largest remainders; the same rule before and after.",
        ]
        if sc == "post_expansion":
            L += [
                f"  # Stacked lanes go first to the types SANDAG allows to stack at {PORT} ({PORT_CONFIG}",
                "  # allow_stack = 1: " + ", ".join(_type(g) for g in ck["stack_order"] if g != ck["stack_order"][-1])
                + "), the rest to " + _type(ck["stack_order"][-1]) + ": the booths exist, so we assume they are used.",
                "  # One lane group has one booths_per_lane, so a partly stacked type is two groups,",
                "  # pov_<type> (single booths) and pov_<type>_stacked; the new group copies its type's baseline",
                "  # group (programs, service, lane-policy targets) with its own lane limits (min_lanes at least 1:",
                "  # travellers never choose a group with no lane open, so its policy would never open one).",
            ]
        L += [
            "  # Per-booth service times as in the baseline; a stacked lane's gain (2/E[max of two service",
            "  # times], +50-60 %, public-figures §4.1) comes from the engine. Note: the baseline's per-booth means",
            "  # are fitted to SANDAG's stacked-lane rates, so a single-booth lane clears somewhat less than SANDAG's",
            "  # single-lane rate (SY_*_VEH).",
            "  # Lanes open and close by the baseline's lane policy (officers hold a target wait band); policy.max_lanes",
            "  # is each type's physical share. Saturated capacity of the type's own program (veh/h) vs its",
            f"  # demand in the busiest hour ({ck['busiest_hour']:02d}:00) and over the day:",
        ]
        for g in LANE_TYPES:
            s = sup[g]
            L.append(
                f"  #   {_type(g)}: {s['lanes']} lanes, {s['booths']} booths, {s['capacity_per_h']:,}/h "
                f"vs {s['peak_demand_per_h']:,}/h; {s['capacity_daily']:,}/day vs {s['daily']:,}/day"
            )
        L.append("  # (Ready and SENTRI drivers may also use General lanes, SENTRI drivers Ready lanes.)")
        for name, g in body["lane_groups"].items():
            L.append(f"  {name}:")
            for key in ("mode", "lanes", "booths_per_lane", "discipline"):
                if key in g:
                    L.append(f"    {key}: {g[key]}")
                if key == "mode" and "programs" in g:
                    L.append(f"    programs: [{', '.join(g['programs'])}]")
            L.append(f"    policy: {_flow(g['policy'])}")
            if "service" in g:
                L.append("    service:")
                L += [f"      {p}: {_flow(d)}" for p, d in g["service"].items()]
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
