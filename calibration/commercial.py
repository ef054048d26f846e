#!/usr/bin/env python
"""Commercial (truck) ports of entry from CBP's posted commercial waits: the scenarios and their fit.

Usage (from the repository root)::

    .venv/bin/python -m calibration.commercial [--data ../shared/data]            # write the scenarios
    .venv/bin/python -m calibration.commercial --fit --reps 10 [--data ...]       # refit, then write

One method for every commercial port (the trucks of ``scenarios/otay_mesa/baseline.yaml`` use it too):

* **Streams**: General and FAST trucks. Daily volume: the port's northbound trucks in the month of the
  year the feed was recorded in (August), from the latest year counted (Texas bridge counts: 2025),
  ÷ the days of the month (all days; the feed covers weekdays and weekends alike). FAST share:
  ``FAST_SHARE`` (public-figures §4.7, the one cited share of trucks in FAST). Hourly profile: SANDAG's
  Otay Mesa truck trips by arrival hour, kept to the port's hours of operation and spread over them (an
  open hour without trips gets the smallest hourly share). CBP's hourly Otay Mesa commercial counts
  (``count_profile``) are the alternative, refitted as a sensitivity in ``VALIDATION_TRUCKS.md``
  (``--fit --profile counts --print-only``).
* **Hours of operation and lanes**: from the posted feed. An hour is open when the General lanes are
  open in at least half the readings of that clock hour; lanes open by lane type and hour = the
  mean over the readings (closed = 0), rounded. The hour after closing keeps the last open hour's
  lanes with no arrivals (the lanes clear the line, as CBP does); every other closed hour has no lane
  open and no arrival. Where the feed copy has no lanes (El Paso), the all-ports snapshots' lanes at
  clock hours with a reading (linear between them).
* **Service**: gamma, cv ``TRUCK_CV``; one mean for General lanes (FAST trucks in them too) and one for
  FAST lanes, FITTED at the calibration port (``FIT_PORT``) so the mean hourly wait of each lane type
  equals the posted one (``sim.fitting``, common random numbers). Every other port is a prediction.
* **Secondary**: NII scanning and exams, ``TRUCK_REFERRAL_P`` of trucks (public-figures §4.2: 15 % of
  commercial vehicles scanned, SW border FY2021), ``TRUCK_SECONDARY`` positions and durations
  (assumption, public-figures §4.2: NII 5-15 min plus an exam tail). CBP's posted wait is primary only.

``derive(data_dir, port)`` returns ``{"scenario": ..., "checks": ..., "observed": ...}``; ``render`` the
commented YAML. A test checks that the committed ``scenarios/commercial/<port>.yaml`` equal the output.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from calibration.assumptions import TRUCK_CV, TRUCK_REFERRAL_P, TRUCK_SECONDARY
from calibration.data import DEFAULT_DATA, FIGURES, HOURS, cbp_feed, sandag
from calibration.port_baseline import PARAMETERS_DIR, REPO, gamma, lognormal, r1
from calibration.yaml_writer import group_lines, num, quote, secondary_lines, stream_lines, window_lines

FAST_SHARE = 0.225  # public-figures §4.7: 22.5 % of trucks FAST-eligible (Pacific Hwy SB 2009, WWU BPRI pub 91)
COUNT_MONTH = 8  # the feed copies are of August 2026
MIN_READINGS = 3  # an hour's posted wait is compared only with at least this many open readings
PARAMETERS = PARAMETERS_DIR / "commercial.json"
OUT_DIR = REPO / "scenarios" / "commercial"
START = {"general_service_s": 120.0, "fast_service_s": 60.0}  # the fit's start (public-figures §4.1 ranges)
BOUNDS = {"general_service_s": (20.0, 900.0), "fast_service_s": (10.0, 900.0)}
GROUP = {"General": "truck_general", "FAST": "truck_fast"}
SEED = 20260811
REPLICATIONS = 10


@dataclass(frozen=True)
class Port:
    """A commercial crossing: where its counts, posted waits and lanes are."""

    key: str
    name: str
    crossing: str  # texas_bridge_crossings ``Crossing``
    feed: str  # "brownsville" (RSS history with lanes) or "el_paso" (scrape without lanes)
    feed_name: str  # port_title / port_name in the feed copy
    snapshot: str  # port_number in the all-ports snapshots (maximum lanes; lanes where the feed has none)


PORTS = {
    "veterans": Port("veterans", "Brownsville Veterans International", "Veterans International Bridge at Los Tomates",
                     "brownsville", "Brownsville - Veterans International", "535502"),
    "ysleta": Port("ysleta", "El Paso Ysleta", "Ysleta Bridge", "el_paso", "Ysleta", "240203"),
}
FIT_PORT = "veterans"
PREDICT_PORT = "ysleta"
DATA_FILES = (*cbp_feed.FILES, sandag.TRUCKS)  # of the committed fit (count_profile, a sensitivity, reads OBSERVED)


def fitted_parameters() -> dict[str, float]:
    """The committed fit (``calibration/parameters/commercial.json``), else the start values."""
    if not PARAMETERS.exists():
        return dict(START)
    return dict(json.loads(PARAMETERS.read_text(encoding="utf-8"))["parameters"])


def truck_profile(data_dir: Path) -> list[float]:
    """SANDAG's northbound Otay Mesa truck trips (GP + FAST) by arrival hour (the profile used)."""
    trips = sandag.truck_trips(data_dir)
    return [trips["GP"][k] + trips["FAST"][k] for k in HOURS]


def count_profile(data_dir: Path) -> list[float]:
    """CBP's observed northbound commercial volume at Otay Mesa by clock hour (``OME_Observed_Data.csv``,
    Commercial, 2017 Tue/Wed/Thu): the sensitivity alternative (peaks at 15:00, not 05:00)."""
    return sandag.observed_volumes(data_dir, "Otay Mesa")[("Commercial", "_All_")]


def spread(daily: float, profile: list[float], open_hours: list[int]) -> list[float]:
    """``daily`` arrivals over the open hours by ``profile`` (an open hour with no weight gets the
    smallest positive weight); none in closed hours."""
    floor = min(w for w in profile if w > 0)
    w = [(profile[k] if profile[k] > 0 else floor) if k in open_hours else 0.0 for k in HOURS]
    total = sum(w)
    return [daily * x / total for x in w]


def readings(data_dir: Path, port: Port) -> pd.DataFrame:
    """Every posted reading of the port's commercial lanes (``calibration.data.cbp_feed``)."""
    if port.feed == "brownsville":
        return cbp_feed.brownsville_readings(data_dir, port.feed_name)
    return cbp_feed.el_paso_readings(data_dir, port.feed_name)


def _interpolate(values: dict[int, float], k: int) -> float:
    """The value at clock hour ``k``, linear between the nearest hours with a value (circular)."""
    if k in values:
        return values[k]
    before = max(values, key=lambda h: -((k - h) % 24))
    after = min(values, key=lambda h: (h - k) % 24)
    gap, dist = (after - before) % 24 or 24, (k - before) % 24
    return values[before] + (values[after] - values[before]) * dist / gap


def _hours_and_lanes(
    port: Port, obs: pd.DataFrame, snap: pd.DataFrame
) -> tuple[list[int], int, dict[str, list[int]], str]:
    """The port's hours of operation (the span of hours in which General lanes were open in at least half the
    readings), its clearing hour, lanes open by hour per lane type (the feed's, else the snapshots', linear
    between readings), and which of the two they came from."""
    general = obs[obs["lane_type"] == "General"].set_index("hour")
    opened = [k for k in HOURS if k in general.index and general.loc[k, "open_share"] >= 0.5]
    open_hours = list(range(min(opened), max(opened) + 1))  # an hour without readings inside the span is open
    clearing = (max(open_hours) + 1) % 24
    if clearing in open_hours:
        raise ValueError(f"{port.name}: open around the clock in the feed; no hours of operation to model")
    lanes: dict[str, list[int]] = {}
    lanes_source = "feed"
    for t in cbp_feed.LANE_TYPES:
        rows = obs[obs["lane_type"] == t].set_index("hour")
        if rows["lanes_open"].notna().any():
            seen = {int(k): float(v) for k, v in rows["lanes_open"].items()}
            by_hour = {k: _interpolate(seen, k) for k in HOURS}
        else:
            lanes_source = "snapshots"
            s = cbp_feed.hourly(snap[snap["lane_type"] == t]).set_index("hour")["lanes_open"]
            snapped = {int(k): float(v) for k, v in s.items()}
            by_hour = {k: _interpolate(snapped, k) for k in HOURS}
        lanes[t] = [int(round(by_hour.get(k, 0.0) + 1e-9)) if k in open_hours else 0 for k in HOURS]
        last = max(open_hours)
        lanes[t][clearing] = lanes[t][last] if lanes["General"][last] else 0
    lanes["General"][clearing] = max(lanes["General"][clearing], 1)
    return open_hours, clearing, lanes, lanes_source


def derive(data_dir: str | Path = DEFAULT_DATA, port_key: str = FIT_PORT,
           parameters: dict[str, float] | None = None, fast_share: float = FAST_SHARE,
           profile: list[float] | None = None) -> dict[str, Any]:
    """The port's scenario (mapping as the YAML holds it), the figures its comments quote, and the
    observed hourly table (``lane_type, hour, readings, open_share, open_readings, wait_min, lanes_open``).
    ``fast_share`` and ``profile`` (24 weights; default SANDAG's truck trips) are for sensitivity runs
    only: the committed scenarios use the defaults."""
    data_dir = Path(data_dir)
    port = PORTS[port_key]
    params = fitted_parameters() if parameters is None else parameters
    obs = cbp_feed.hourly(readings(data_dir, port))
    snap, max_lanes = cbp_feed.snapshot_readings(data_dir, port.snapshot)
    open_hours, clearing, lanes, lanes_source = _hours_and_lanes(port, obs, snap)

    counts = cbp_feed.texas_trucks(data_dir, port.crossing)
    year = int(counts["year"].max())
    month = counts[(counts["year"] == year) & (counts["month"] == COUNT_MONTH)]
    monthly = float(month["trucks"].iloc[0])
    days = pd.Period(f"{year}-{COUNT_MONTH:02d}").days_in_month
    daily = monthly / days
    profile = truck_profile(data_dir) if profile is None else profile
    rates = {"General": spread(daily * (1 - fast_share), profile, open_hours),
             "FAST": spread(daily * fast_share, profile, open_hours)}
    streams = {
        GROUP[t]: {"mode": "truck", "program": "general" if t == "General" else "fast",
                   "demand": {"rate_per_h": [r1(v) for v in rates[t]]},
                   "referral_p": TRUCK_REFERRAL_P, "lane_choice": {"rule": "shortest_expected_wait"}}
        for t in cbp_feed.LANE_TYPES
    }
    g_s, f_s = params["general_service_s"], params["fast_service_s"]
    groups = {
        "truck_general": {"mode": "truck", "programs": ["general", "fast"], "lanes": max(lanes["General"]),
                          "discipline": "shared", "lanes_open": lanes["General"],
                          "service": {"general": gamma(g_s, TRUCK_CV), "fast": gamma(g_s, TRUCK_CV)}},
        "truck_fast": {"mode": "truck", "programs": ["fast"], "lanes": max(1, max(lanes["FAST"])),
                       "discipline": "shared", "lanes_open": lanes["FAST"],
                       "service": {"fast": gamma(f_s, TRUCK_CV)}},
    }
    if max(lanes["General"]) + max(lanes["FAST"]) > max_lanes:
        raise ValueError(f"{port.name}: more commercial lanes open than the feed's maximum_lanes {max_lanes}")
    scenario = {
        "name": f"{port.name} commercial NB (August {year} volumes, 2026 feed lanes)",
        "description": f"{port.name}, northbound commercial trucks: General and FAST primary lanes with the "
                       "posted hours of operation and lanes open by hour, NII/secondary referral; service "
                       f"times fitted at {PORTS[FIT_PORT].name} (calibration/commercial.py).",
        "window": {"start": "2026-08-11T00:00", "duration_h": 24, "warmup_h": 0, "drain_h": 6},
        "replications": REPLICATIONS,
        "seed": SEED,
        "streams": streams,
        "lane_groups": groups,
        "secondary": {"truck_secondary": {"mode": "truck", "positions": TRUCK_SECONDARY["positions"],
                                          "service": lognormal(TRUCK_SECONDARY["mean_s"], TRUCK_SECONDARY["cv"])}},
    }
    checks = {"year": year, "monthly": round(monthly), "days": days, "daily": r1(daily),
              "annual": round(float(counts[counts["year"] == year]["trucks"].sum())),
              "open_hours": (min(open_hours), max(open_hours)), "clearing": clearing,
              "max_lanes": max_lanes, "lanes_source": lanes_source, "params": dict(params)}
    return {"scenario": scenario, "checks": checks, "observed": obs, "port": port}


def observations(derived: dict[str, Any]) -> pd.DataFrame:
    """What the fit and the validation compare: per truck lane group and clock hour the posted mean
    wait (``observed``, min), in hours where the model has the lane type open and the feed has at
    least ``MIN_READINGS`` open readings."""
    obs, groups = derived["observed"], derived["scenario"]["lane_groups"]
    rows = []
    for r in obs.itertuples():
        g = GROUP[str(r.lane_type)]
        k = int(r.hour)
        if groups[g]["lanes_open"][k] > 0 and int(r.open_readings) >= MIN_READINGS:
            rows.append({"lane_group": g, "hour": f"{k:02d}", "metric": "mean_wait_min",
                         "observed": float(r.wait_min), "readings": int(r.open_readings)})
    return pd.DataFrame(rows, columns=["lane_group", "hour", "metric", "observed", "readings"])


def render(derived: dict[str, Any]) -> str:
    """The commented YAML of a ``derive`` result."""
    sc, ck, port = derived["scenario"], derived["checks"], derived["port"]
    st, lg = sc["streams"], sc["lane_groups"]
    fit_note = ("FITTED here" if port.key == FIT_PORT else f"fitted at {PORTS[FIT_PORT].name}, predicted here")
    L = [
        f"# {port.name}, northbound commercial: General and FAST trucks.",
        "#",
        "# GENERATED by calibration/commercial.py -- do not edit by hand. Regenerate with",
        "#   .venv/bin/python -m calibration.commercial --data ../shared/data   (the committed fit), or",
        "#   .venv/bin/python -m calibration.commercial --data ../shared/data --fit --reps 10   (refit, then write)",
        "# (tests/calibration/test_trucks.py checks that this file matches the script's output).",
        f"# Data files relative to the shared data directory; figures cite {FIGURES} (sections as there).",
        "",
        f"name: {quote(sc['name'])}",
        f"description: {quote(sc['description'])}",
        "",
        "# One day from an empty port: commercial lanes close at night, so nobody is carried over.",
        *window_lines(sc["window"]),
        f"replications: {sc['replications']}",
        f"seed: {sc['seed']}",
        "",
        "streams:",
        f"  # Volume: {cbp_feed.TEXAS}, Crossing={port.crossing!r},",
        f"  # Modes=Commercial Trucks, {ck['year']}-{COUNT_MONTH:02d}: {ck['monthly']:,} trucks / {ck['days']} days = "
        f"{num(ck['daily'])}/day ({ck['year']}: {ck['annual']:,}).",
        "  # The feed is of August 2026 and the counts end in 2025: same month a year earlier, no growth assumed.",
        f"  # FAST share {num(FAST_SHARE)} (public-figures §4.7: 22.5 % of trucks FAST-eligible, Pacific Hwy 2009).",
        f"  # Profile: {sandag.TRUCKS} (Otay Mesa, Dir=NB, GP+FAST RevWght by ArHour), kept to the open hours",
        f"  # {ck['open_hours'][0]:02d}:00-{ck['open_hours'][1] + 1:02d}:00; open hours without trips get the "
        "smallest hourly share.",
        f"  # referral_p {num(TRUCK_REFERRAL_P)}: public-figures §4.2, NII scans of 15 % of commercial vehicles "
        "(SW border, FY2021).",
    ]
    for s in ("truck_general", "truck_fast"):
        L += stream_lines(s, st[s], [])
    feed = cbp_feed.BROWNSVILLE if port.feed == "brownsville" else cbp_feed.EL_PASO
    L += [
        "",
        "lane_groups:",
        f"  # Hours and lanes: {feed} ({port.feed_name!r}, Commercial),",
        "  # by clock hour of the posted reading: open when General is open in at least half the readings;",
        "  # lanes_open = mean lanes open over the readings (closed = 0), rounded; the hour after closing",
        f"  # ({ck['clearing']:02d}:00) keeps the last hour's lanes to clear the line, with no arrivals.",
    ]
    if ck["lanes_source"] == "snapshots":
        L += [f"  # The scrape has no lanes: {cbp_feed.SNAPSHOTS} (port_number {port.snapshot}),",
              "  # lanes_open linear between the clock hours with a reading (the scrape's daytime closed readings are",
              "  # whole closed days, as the waits compared are those of open readings only)."]
    L += [f"  # At most {ck['max_lanes']} commercial lanes (maximum_lanes, {cbp_feed.SNAPSHOTS}).",
          f"  # Service: gamma cv {num(TRUCK_CV)} (assumption); means {fit_note}"
          f" (calibration/parameters/commercial.json)."]
    L += group_lines("truck_general", lg["truck_general"], {
        "service": ["general_service_s; FAST trucks in General lanes take the General time."]})
    L += group_lines("truck_fast", lg["truck_fast"], {"service": ["fast_service_s."]})
    L += ["",
          "# Secondary (NII scan and exam): assumption, public-figures §4.2 (NII 5-15 min plus a physical exam tail).",
          "secondary:"]
    L += secondary_lines(sc["secondary"])
    return "\n".join(L) + "\n"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fit_service(data_dir: Path, reps: int, log: Any = print, profile: list[float] | None = None) -> dict[str, Any]:
    """Fit the General and FAST service means at ``FIT_PORT`` (method of moments on the mean hourly
    wait of each lane type, ``sim.fitting.fit``); the record written to ``PARAMETERS``. ``profile``:
    another arrival profile (sensitivity; the committed fit uses the default)."""
    from sim.fitting import Parameter, fit

    observed = observations(derive(data_dir, FIT_PORT, START, profile=profile))
    params = [Parameter("general_service_s", START["general_service_s"], BOUNDS["general_service_s"],
                        "mean_wait_min", ("truck_general",), xtol=0.5, decimals=1),
              Parameter("fast_service_s", START["fast_service_s"], BOUNDS["fast_service_s"],
                        "mean_wait_min", ("truck_fast",), xtol=0.5, decimals=1)]
    result = fit(lambda v: derive(data_dir, FIT_PORT, v, profile=profile)["scenario"], params,
                 observed[list(observed.columns[:4])], reps, SEED, passes=2, log=log)
    return {
        "what": "Mean primary service time (s) of commercial General and FAST lanes, fitted so that the mean "
                "over hours of the simulated mean wait of each lane type equals CBP's posted wait at "
                f"{PORTS[FIT_PORT].name} (calibration/commercial.py fit_service; sim.fitting.fit, brentq on the "
                "mean bias, common random numbers, 2 passes).",
        "fitted_on": PORTS[FIT_PORT].name,
        "replications": reps,
        "seed": SEED,
        "parameters": result.values,
        "residuals": result.residuals.to_dict(orient="records"),
        "evaluations": result.evaluations,
        "data": {f: sha256(data_dir / f) for f in DATA_FILES},
    }


def write(data_dir: Path) -> list[Path]:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    out = []
    for key in PORTS:
        path = OUT_DIR / f"{key}.yaml"
        path.write_text(render(derive(data_dir, key)), encoding="utf-8")
        out.append(path)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    ap.add_argument("--fit", action="store_true", help="refit the service times first (writes the parameters file)")
    ap.add_argument("--reps", type=int, default=REPLICATIONS, help="replications per fit evaluation")
    ap.add_argument("--profile", choices=("trips", "counts"), default="trips",
                    help="arrival profile of the fit (counts: the sensitivity alternative, with --print-only)")
    ap.add_argument("--print-only", action="store_true", help="with --fit: print the fitted values, write nothing")
    args = ap.parse_args(argv)
    if args.profile != "trips" and not (args.fit and args.print_only):
        ap.error("--profile counts is a sensitivity fit: use it with --fit --print-only")
    if args.fit:
        profile = count_profile(args.data) if args.profile == "counts" else None
        record = fit_service(args.data, args.reps, profile=profile)
        if args.print_only:
            print(json.dumps(record["parameters"], sort_keys=True))
            return 0
        PARAMETERS.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {PARAMETERS}: {record['parameters']}")
    for p in write(args.data):
        print(f"wrote {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
