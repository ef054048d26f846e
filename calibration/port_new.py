#!/usr/bin/env python
"""A baseline scenario for any US-Mexico land crossing, from public data alone.

Usage (from the repository root)::

    .venv/bin/python -m calibration.port_new "Brownsville Veterans" [--data ../shared/data] [--fit] \
        [--out scenarios/brownsville_veterans/baseline.yaml]

(or ``poesim port new "Brownsville Veterans"``). The crossing is named by its CBP port number or by
words of "port - crossing" as CBP's feed lists it. What the file gets, and from where (every number's
source is written beside it in the file):

* **Lanes and hours**: CBP's feed (``cbp_bwt/bwt_all_ports_sample_snapshots_2026-07.csv``): maximum
  passenger lanes, shared by the lane types the crossing reports (General, Ready, SENTRI), and its hours
  of operation (the lanes close outside them).
* **Officers on duty by hour**: the lanes CBP reported open by hour, summed over the lane types, where the
  feed's history covers the crossing (``cbp_bwt/brownsville_bwt_rss_history_2026-08.csv``); else every
  lane in open hours (ASSUMPTION, an upper bound).
* **Demand**: vehicles a day from CBP's bridge counts (Texas crossings,
  ``texas_bridge_crossings/monthly_crossings_2008_2025.csv``) or BTS (a port with one passenger crossing),
  in the month of the feed's observations; split among lane types and spread over the open hours as
  SANDAG's 2017 observed volumes of San Ysidro and Otay Mesa (ASSUMPTION: their shares and hourly shape).
* **Service, officers' bands, drivers**: the calibrated San Diego region (``scenarios/region/baseline.yaml``,
  Otay Mesa's single-booth lanes): service times by lane type, SANDAG's target bands, and drivers who see
  the posted wait and give up above the reservation wait fitted in San Diego. ``--fit``: one scale on
  every service time, fitted to this crossing's own observed waits (``sim.fitting``).
* **Pedestrians**: daily count as above, SANDAG's pedestrian hourly shape (``port_baseline``), the feed's
  maximum pedestrian lanes open in open hours, 45 s per crossing (public-figures §4.1: 30-60 s).

Trucks are not modelled here (``calibration/studies/trucks.py`` has the commercial method).
"""

from __future__ import annotations

import argparse
import calendar
import re
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from calibration.data import DEFAULT_DATA, REPO, bts, cbp_feed, read_rows, sandag
from calibration.data.cbp_feed import BROWNSVILLE, SNAPSHOTS, TEXAS, Crossing, crossings, find_crossing

REGION = REPO / "scenarios" / "region" / "baseline.yaml"
REGION_PORT = "om"  # single-booth lanes, like most crossings
GROUP_OF = {"General": "pov_general", "Ready": "pov_ready", "SENTRI": "pov_sentri"}
PROGRAM_OF = {"General": "general", "Ready": "ready", "SENTRI": "sentri"}
PED_SERVICE_S = 45.0  # public-figures §4.1: pedestrian primary 30-60 s
SEED = 20260818
WINDOW = {"start": "2026-08-18T00:00", "duration_h": 48, "warmup_h": 24, "drain_h": 6}


def slug(c: Crossing) -> str:
    return re.sub(r"[^a-z0-9]+", "_", f"{c.port_name} {c.crossing_name}".lower()).strip("_")


def open_hours(hours: str) -> list[int]:
    """The clock hours a crossing is open, from the feed's "6 am-Midnight" or "24 hrs/day"."""
    if "24" in hours:
        return list(range(24))
    m = re.match(r"\s*(\d{1,2})\s*([ap]m)\s*-\s*(\d{1,2}\s*[ap]m|midnight|noon)", hours.lower())
    if not m:
        raise ValueError(f"{SNAPSHOTS}: unreadable hours {hours!r}")

    def hour(s: str) -> int:
        s = s.strip()
        if s == "midnight":
            return 24
        if s == "noon":
            return 12
        n, ap = re.match(r"(\d{1,2})\s*([ap]m)", s).groups()  # type: ignore[union-attr]
        return int(n) % 12 + (12 if ap == "pm" else 0)

    start, end = hour(m.group(1) + m.group(2)), hour(m.group(3))
    return list(range(start, end)) if end > start else list(range(start, 24)) + list(range(0, end))


def observed_passenger(data_dir: Path, c: Crossing) -> pd.DataFrame | None:
    """The feed's recorded passenger-vehicle readings at ``c`` (``cbp_feed.COLUMNS``), or None where no
    recorded history covers it (only Brownsville's four crossings have one with lanes open)."""
    r = cbp_feed.brownsville_readings(data_dir, c.label, "Passenger")
    return None if r.empty else r


def _bts_month(data_dir: Path, port: str, month: int) -> tuple[int, dict[str, float]]:
    """The latest year whose ``month`` BTS counts for ``port`` (the copy ends 2022-07), and its
    Personal Vehicles and Pedestrians."""
    wanted = (bts.PV, "Pedestrians")
    found: dict[int, dict[str, float]] = {}
    for r in read_rows(Path(data_dir) / bts.BTS):
        if r["Port Name"] == port and r["Border"] == bts.BORDER and r["Measure"] in wanted \
                and r["Date"].startswith(calendar.month_abbr[month] + " "):
            found.setdefault(int(r["Date"][-4:]), {})[r["Measure"]] = float(r["Value"])
    years = [y for y, v in found.items() if len(v) == len(wanted)]
    if not years:
        raise ValueError(f"{bts.BTS}: no {calendar.month_abbr[month]} counts for Port Name={port}")
    return max(years), found[max(years)]


def daily_volumes(data_dir: Path, c: Crossing, month: int) -> tuple[dict[str, float], str]:
    """Vehicles and pedestrians a day in ``month`` of the latest year counted, and where from."""
    bridge = cbp_feed.TEXAS_CROSSING.get(c.port_number)
    if bridge is not None:
        vol, year = {}, None
        for mode, col in (("vehicle", "Passenger Vehicles"), ("pedestrian", "Pedestrians/ Bicyclists")):
            try:
                m = cbp_feed.texas_monthly(data_dir, bridge, col)
            except ValueError:  # a bridge without that mode
                vol[mode] = 0.0
                continue
            m = m[(m["month"] == month) & m["count"].notna()]
            year = int(m["year"].max()) if year is None else year
            days = calendar.monthrange(year, month)[1]
            vol[mode] = float(m.loc[m["year"] == year, "count"].sum()) / days
        return vol, (f"{TEXAS}: Crossing={bridge}, {calendar.month_abbr[month]} {year} / days in the month (Modes"
                     " Passenger Vehicles, Pedestrians/ Bicyclists)")
    # BTS counts ports, not crossings: the port's volume split among its crossings by maximum lanes
    year, vals = _bts_month(data_dir, c.port_name, month)
    days = calendar.monthrange(year, month)[1]
    siblings = [x for x in crossings(data_dir) if x.port_name == c.port_name]
    share = {}
    for group, measure in (("passenger_vehicle_lanes", bts.PV), ("pedestrian_lanes", "Pedestrians")):
        total = sum(x.max_lanes.get(group, 0) for x in siblings)
        share[measure] = c.max_lanes.get(group, 0) / total if total else 0.0
    vol = {"vehicle": vals[bts.PV] / days * share[bts.PV],
           "pedestrian": vals["Pedestrians"] / days * share["Pedestrians"]}
    split = ("" if len(siblings) == 1 else
             f" x this crossing's share of the port's maximum lanes (ASSUMPTION): vehicles {share[bts.PV]:.3f},"
             f" pedestrians {share['Pedestrians']:.3f}")
    return vol, (f"{bts.BTS}: Port Name={c.port_name}, {calendar.month_abbr[month]} {year} / {days} days{split}")


def sandag_shape(data_dir: Path) -> tuple[dict[str, float], dict[str, list[float]]]:
    """Lane-type shares and hourly shapes of SANDAG's 2017 observed passenger volumes, San Ysidro and
    Otay Mesa together."""
    total = {t: [0.0] * 24 for t in GROUP_OF}
    for port in ("San Ysidro", "Otay Mesa"):
        obs = sandag.observed_passenger(data_dir, port)
        for t in GROUP_OF:
            total[t] = [a + b for a, b in zip(total[t], obs[t]["volume"], strict=True)]
    all_ = sum(sum(v) for v in total.values())
    return {t: sum(v) / all_ for t, v in total.items()}, total


def region_inputs() -> dict[str, Any]:
    """What the new crossing borrows from the calibrated San Diego region (Otay Mesa's groups)."""
    r = yaml.safe_load(REGION.read_text(encoding="utf-8"))
    groups = {t: r["lane_groups"][f"{REGION_PORT}_{g}"] for t, g in GROUP_OF.items()}
    stream = r["streams"][f"{REGION_PORT}_pov_general"]["lane_choice"]
    return {"groups": groups, "logit": stream}


def _officers(c: Crossing, readings: pd.DataFrame | None, types: list[str], closed: list[int],
              pov_lanes: int) -> tuple[int, list[int], str]:
    """The month of the observations, the officers on duty by hour (the passenger lanes CBP reported open,
    else every lane in open hours), and their source."""
    if readings is None:
        officers = [0 if h in closed else pov_lanes for h in range(24)]
        return 8, officers, "ASSUMPTION: no lanes-open history for this crossing: every lane staffed in open hours"
    month = int(readings["date"].str.split("/").str[0].mode().iloc[0])
    by_hour = cbp_feed.hourly(readings).groupby("hour")["lanes_open"].sum()
    officers = [0 if h in closed else int(round(min(pov_lanes, by_hour.get(h, by_hour.mean())))) for h in range(24)]
    return month, officers, (f"{BROWNSVILLE}: mean lanes open by clock hour over {readings['date'].nunique()} days,"
                             f" summed over {', '.join(types)} (hours without a reading: the day's mean), at most"
                             f" the {pov_lanes} lanes")


def _vehicle_group(rg: dict[str, Any], types: list[str], pov_lanes: int, closed: list[int],
                   scale: float) -> dict[str, Any]:
    """A passenger lane group on the crossing's shared lanes, from the region group ``rg`` of its type:
    its service (times ``scale``) and bands; min_lanes 1 (drivers never choose a group with no lane open,
    so its policy would never see a line); closed outside the crossing's hours."""
    programs = [p for p in rg["programs"] if p in {PROGRAM_OF[x] for x in types}]
    pol = {k: rg["policy"][k] for k in ("low_wait_min", "high_wait_min", "review_min", "reaction_min", "priority")}
    pol.update({"min_lanes": 1, "max_lanes": pov_lanes})
    if closed:
        pol["closed_hours"] = closed
    return {"mode": "vehicle", "programs": programs, "lanes": pov_lanes, "booths_per_lane": 1,
            "discipline": "shared", "pool": "pov_lanes",
            "service": {p: {**rg["service"][p], "mean_s": round(rg["service"][p]["mean_s"] * scale, 1)}
                        for p in programs},
            "policy": pol, "staffed_by": "officers"}


def derive(data_dir: str | Path, query: str, service_scale: float | None = None) -> dict[str, Any]:
    """The scenario mapping for the crossing ``query`` and, beside it, each number's source;
    ``service_scale`` multiplies the borrowed service times (None: 1, nothing fitted)."""
    data_dir = Path(data_dir)
    c = find_crossing(data_dir, query)
    pov_lanes = c.max_lanes.get("passenger_vehicle_lanes")
    if not pov_lanes:
        raise ValueError(f"{SNAPSHOTS}: {c.label} lists no passenger lanes")
    types = [t for ft, t in (("standard_lanes", "General"), ("ready_lanes", "Ready"), ("NEXUS_SENTRI_lanes", "SENTRI"))
             if ft in c.lane_types.get("passenger_vehicle_lanes", [])]
    hours = open_hours(c.hours)
    closed = [h for h in range(24) if h not in hours]
    readings = observed_passenger(data_dir, c)
    src: dict[str, str] = {}
    month, officers, src["officers"] = _officers(c, readings, types, closed, pov_lanes)
    vol, src["volume"] = daily_volumes(data_dir, c, month)
    shares, shape = sandag_shape(data_dir)
    kept = sum(shares[t] for t in types)
    region = region_inputs()
    give_up = float(region["logit"]["give_up_above_min"])
    scale = 1.0 if service_scale is None else service_scale
    streams: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    for t in types:
        g = GROUP_OF[t]
        profile = [0.0 if h in closed else round(x, 1) for h, x in enumerate(shape[t])]
        streams[g] = {"mode": "vehicle", "program": PROGRAM_OF[t],
                      "demand": {"daily_volume": round(vol["vehicle"] * shares[t] / kept, 1), "profile": profile},
                      "lane_choice": {"rule": "posted_wait_logit",
                                      "wait_utils_per_min": region["logit"]["wait_utils_per_min"],
                                      "give_up_above_min": round(give_up, 1)}}
        groups[g] = _vehicle_group(region["groups"][t], types, pov_lanes, closed, scale)
    ped_lanes = c.max_lanes.get("pedestrian_lanes", 0)
    if ped_lanes and vol["pedestrian"] > 0:
        ped_shape = [0.0 if h in closed else 1.0 for h in range(24)]
        streams["ped_general"] = {"mode": "pedestrian", "program": "general",
                                  "demand": {"daily_volume": round(vol["pedestrian"], 1), "profile": ped_shape},
                                  "lane_choice": {"rule": "shortest_expected_wait"}}
        groups["ped_general"] = {"mode": "pedestrian", "programs": ["general"], "lanes": ped_lanes,
                                 "discipline": "shared",
                                 "lanes_open": [0 if h in closed else ped_lanes for h in range(24)],
                                 "service": {"general": {"dist": "lognormal", "mean_s": PED_SERVICE_S, "cv": 0.5}}}
    scenario = {
        "name": f"{c.label} northbound (port {c.port_number}), built from public data",
        "description": (f"{c.label}: passenger vehicles ({', '.join(types)}) on {pov_lanes} shared lanes staffed by "
                        "CBP's reported open lanes, San Diego's calibrated service times and officers' bands, drivers "
                        "who give up above a reservation wait; pedestrians. Generated by calibration/port_new.py."),
        "window": dict(WINDOW), "replications": 10, "seed": SEED, "posting_interval_min": 60.0,
        "streams": streams,
        "lane_pools": {"pov_lanes": pov_lanes},
        "lane_groups": groups,
        "staffing": {"officers": {"officers": officers, "keep_staffed": True,
                                  "description": "CBP's reported open passenger lanes by hour"}},
    }
    return {"crossing": c, "scenario": scenario, "sources": src, "types": types, "shares": shares, "kept": kept,
            "month": month, "closed": closed, "service_scale": service_scale, "readings": readings}


def render(d: dict[str, Any]) -> str:
    """The scenario as YAML under a header that gives every number's source."""
    c, src, sc = d["crossing"], d["sources"], d["scenario"]
    share_txt = ", ".join(f"{t} {d['shares'][t] / d['kept']:.3f}" for t in d["types"])
    head = [
        f"# {c.label} (CBP port {c.port_number}), northbound: a baseline built from public data alone.",
        "#",
        "# GENERATED by calibration/port_new.py -- do not edit by hand. Regenerate with",
        f"#   .venv/bin/python -m calibration.port_new {c.port_number} --data ../shared/data"
        + (" --fit" if d["service_scale"] is not None else ""),
        "# Sources (data files relative to the shared data directory, see its README.md):",
        f"# * lanes: {SNAPSHOTS} maximum_lanes: passenger {c.max_lanes.get('passenger_vehicle_lanes')}"
        f" (shared by {', '.join(d['types'])}: one lane pool), pedestrian {c.max_lanes.get('pedestrian_lanes', 0)};"
        f" hours {c.hours!r} -> closed_hours {d['closed']}.",
        f"# * staffing.officers: {src['officers']}.",
        f"# * demand daily_volume: {src['volume']};",
        f"#   lane-type split {share_txt} and hourly profile: {sandag.OBSERVED} volume, San Ysidro + Otay Mesa 2017",
        "#   (ASSUMPTION: their shares and shape; no hour of the open day is left empty), zero in closed hours.",
        f"# * service (mean_s, cv, dist), policy bands (low/high_wait_min, review, reaction, priority):"
        f" {REGION.relative_to(REPO)}",
        f"#   lane groups {REGION_PORT}_pov_* (Otay Mesa's single-booth lanes: service from CBP's observed volume /"
        " open lanes, bands from SANDAG).",
        "# * service_scale "
        + (f"{d['service_scale']:g}: FITTED to this crossing's observed waits (calibration/studies/new_ports.py):"
           " every mean_s is the region's x this scale" if d["service_scale"] is not None else
           "1: the region's service times as they are, NOT fitted here") + ".",
        "# * lane_choice: SANDAG's logit coefficient on the posted wait; give_up_above_min from the San Diego region"
        " fit (calibration/parameters/region_2017.json).",
        "# * pedestrians: daily_volume as the vehicles' source; flat over the open hours (ASSUMPTION);"
        f" {PED_SERVICE_S:g} s"
        " per crossing (public-figures §4.1: 30-60 s).",
        f"# * window: the week of the feed's observations (month {d['month']}); 24 h warm-up.",
        "# Not modelled: trucks, secondary inspection, other crossings drivers could switch to.",
        "",
    ]
    return "\n".join(head) + yaml.safe_dump(sc, sort_keys=False, default_flow_style=None, width=120)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("crossing", help="CBP port number (e.g. 535502) or words of 'port - crossing'")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--fit", action="store_true", help="fit a service-time scale to the crossing's observed waits")
    ap.add_argument("--reps", type=int, default=4, help="replications per fit evaluation")
    ap.add_argument("--out", type=Path, default=None, help="default scenarios/<port_crossing>/baseline.yaml")
    args = ap.parse_args(argv)
    scale = None
    if args.fit:
        from calibration.studies.new_ports import fit_service_scale

        scale = fit_service_scale(args.data, args.crossing, args.reps)
    d = derive(args.data, args.crossing, scale)
    out = args.out or REPO / "scenarios" / slug(d["crossing"]) / "baseline.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".yaml.tmp")
    tmp.write_text(render(d), encoding="utf-8")
    tmp.replace(out)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
