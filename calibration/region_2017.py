"""San Diego region 2017: San Ysidro and Otay Mesa northbound passenger vehicles in one run,
with officers as the supply and drivers who respond to the posted waits.

Built from the two port baselines' derivations (``calibration/<port>_baseline.py``: demand by lane
type and hour, SANDAG's processing rates with their hourly profile, lane counts, secondary) and
from data:

* **Officers** (``staffing``): each port's roster is CBP's observed open lanes by hour
  (``sandag_sr11_ome/OME_Observed_Data.csv``, column ``open_lanes``, summed over General, Ready
  and SENTRI) × booths per lane (San Ysidro's General and Ready lanes are double-stacked, as in its
  baseline): the booths CBP staffed in 2017. Data, not a fit.
* **Officers' policy**: which lane type the officers on duty staff follows the lines, with SANDAG's
  target band per port and lane type (``port_configurations.csv`` ``min_wait``/``max_wait``,
  ``min_lanes``), not a band fitted to the 2017 waits: officers open a booth above ``max_wait``
  and move to the line that is longest for its band. The roster is ``keep_staffed``: CBP's observed
  open booths were open, so an officer on duty staffs any free lane with a line and no booth closes
  for a short line (SANDAG's rule, closing below ``min_wait``, left about 8 % of the observed
  officer-hours idle at San Ysidro and carried less than the observed volume).
* **Drivers**: a logit over ports and lane types on the waits posted hourly (SANDAG SR11_OME_IG
  ``model/port_of_entry_choice.R``: −0.0625 utils per minute of port time, −0.025 per minute of
  driving; bias constants per port and lane type from ``port_configurations.csv``; value of
  time from ``vot_segmentation.csv``, HBO purpose). Each port's 2017 crossers are one segment
  whose access time to the other port is ``ACCESS_MIN`` (an assumption). Not crossing now is
  worth a crossing with a posted wait of ``give_up_above_min`` (fitted; one for the region's drivers).
* **Demand** before drivers respond is the observed hourly volume (× ``<port>_demand_scale``, 1 in
  the baseline: what-ifs and the expansion scale it). Crossed + diverted + given up = demand; the
  crossings are a check against the counts, not a fit (see ``region_2017.yaml`` for why).

Fitted (``poesim calibrate calibration/region_2017.yaml``): the drivers' reservation wait, to the
mean observed wait; everything else is data or a stated assumption. Validation fits it on one
port's waits and predicts the other port's (``studies/region_validate.py``).
"""

from __future__ import annotations

import sys
from copy import deepcopy
from pathlib import Path
from typing import Any

import yaml

from calibration import otay_mesa_baseline as om
from calibration import san_ysidro_baseline as sy
from calibration.data import DEFAULT_DATA, sandag
from calibration.data.sandag import VOT
from calibration.port_baseline import UNSCALED, booth_mean_s, fitted_parameters, stacked_factor, weighted_rate

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_OUT = REPO / "scenarios" / "region" / "baseline.yaml"
DATA_FILES = tuple(dict.fromkeys((*om.DATA_FILES, *sy.DATA_FILES, VOT)))
PORT_SCRIPTS = {"san_ysidro": sy, "otay_mesa": om}
PORT_NAMES = {"san_ysidro": "San Ysidro", "otay_mesa": "Otay Mesa"}
SHORT = {"san_ysidro": "sy", "otay_mesa": "om"}
LANE_TYPES = sandag.LANE_TYPES
PROGRAM_TYPE = {"general": "General", "ready": "Ready", "sentri": "SENTRI"}
ACCESS_MIN = 90.0  # ASSUMPTION (see HEADER): the other port is worth 90 min of driving to a 2017 crosser of one port
POSTING_INTERVAL_MIN = 60.0  # CBP's Border Wait Times feed updates about hourly (shared/data/README.md §2e)
VOT_PURPOSE = "HBO"  # SANDAG vot_segmentation.csv: HBO (home-based other) stands for the mix of purposes
START_PARAMETERS = {"give_up_above_min": 150.0, "sy_demand_scale": 1.0, "om_demand_scale": 1.0}
PARAMETERS = HERE / "parameters" / "region_2017.json"


def _vot(data_dir: Path) -> dict[str, float]:
    """Value of time ($/h) of northbound passenger travellers by traveler type, purpose ``VOT_PURPOSE``."""
    return {t: v for (t, purpose), v in sandag.value_of_time(data_dir).items() if purpose == VOT_PURPOSE}


def roster(data_dir: Path, port: str, booths_per_lane: dict[str, int]) -> list[int]:
    """Officers on primary duty by clock hour: observed open lanes × booths per lane, all lane types."""
    obs = sandag.observed_passenger(data_dir, PORT_NAMES[port])
    out = [0] * 24
    for group, t in LANE_TYPES.items():
        for k, lanes in enumerate(obs[t]["open_lanes"]):
            out[k] += int(round(lanes if lanes == lanes else 0.0)) * booths_per_lane[group]
    return out


SATURATED_WAIT_MIN = 10.0  # ASSUMPTION: a lane type whose observed wait is at least this long had a line all hour


def observed_service(group: dict[str, Any], obs: dict[str, list[float]]) -> tuple[float, list[float], list[str]]:
    """Per-booth mean service time and hourly multipliers from what CBP's lanes cleared.

    In an hour with a line all hour (observed wait ≥ ``SATURATED_WAIT_MIN``) every open lane was
    busy, so a lane cleared ``volume / open_lanes`` vehicles: that is the lane's processing rate,
    from the data. In other hours the rate is not observed and SANDAG's (the group's derived
    ``mean_s`` × ``service_by_hour``) is kept. A stacked lane of k booths clears k per
    E[max of k service times], so per-booth mean = k × 3600 / (rate × E[max]/E[S]).
    Returns the daily mean (volume-weighted rate), the 24 multipliers and the source of each hour."""
    k = int(group.get("booths_per_lane", 1))
    cv = group["service"][next(iter(group["service"]))]["cv"]
    f = stacked_factor(cv) if k == 2 else 1.0
    if k > 2:
        raise ValueError("observed_service: only single or double-stacked booths are derived")
    mean_s = next(iter(group["service"].values()))["mean_s"]
    by_hour = group.get("service_by_hour") or [1.0] * 24
    rates, source = [], []
    for h in range(24):
        lanes, vol, wait = obs["open_lanes"][h], obs["volume"][h], obs["wait_time"][h]
        if lanes > 0 and vol > 0 and wait == wait and wait >= SATURATED_WAIT_MIN:
            rates.append(vol / lanes)
            source.append("observed")
        else:
            rates.append(k * 3600.0 / (mean_s * f * by_hour[h]))
            source.append("SANDAG")
    mean_rate = weighted_rate(rates, obs["volume"])
    return booth_mean_s(mean_rate, cv, k), [round(mean_rate / r, 3) for r in rates], source


def _lane_group(
    base_group: dict[str, Any], config: dict[str, Any], observed: dict[str, Any], lane_type: str
) -> tuple[dict[str, Any], list[str]]:
    """A port baseline's lane group for the region: service rates from the observed volumes and open
    lanes, SANDAG's officers' band, hours of operation where CBP had none of its lanes open; and where
    its service rate came from."""
    g = deepcopy(base_group)
    mean_s, by_hour, source = observed_service(g, observed)
    g["service"] = {prog: {**d, "mean_s": round(mean_s, 1)} for prog, d in g["service"].items()}
    g["service_by_hour"] = by_hour
    g["policy"] = {
        "low_wait_min": float(config["min_wait"]), "high_wait_min": float(config["max_wait"]),
        "min_lanes": int(config["min_lanes"]), "max_lanes": int(g["lanes"]),
        "review_min": g["policy"]["review_min"], "reaction_min": g["policy"]["reaction_min"],
        "priority": 1 if lane_type == "SENTRI" else 0,
    }
    closed = [h for h in range(24) if not observed["open_lanes"][h] > 0]
    if closed:  # hours of operation: CBP had none of these lanes open then
        g["policy"]["closed_hours"] = closed
    g.pop("lanes_open", None)
    return g, source


def _stream(
    base_stream: dict[str, Any], p: dict[str, float], demand_scale: float, vot: dict[str, float], other: str
) -> dict[str, Any]:
    """A port baseline's passenger stream for the region: demand scaled, drivers choosing by SANDAG's
    logit on the posted waits (the other port ``other`` an access time away), giving up above the
    fitted reservation wait."""
    st = deepcopy(base_stream)
    st["demand"] = {"rate_per_h": [round(r * demand_scale, 1) for r in st["demand"]["rate_per_h"]]}
    st["lane_choice"] = {
        "rule": "posted_wait_logit",
        "wait_utils_per_min": -0.0625,
        "access_utils_per_min": -0.025,
        "value_of_time_usd_per_h": vot[PROGRAM_TYPE[st["program"]]],
        "access_min": {other: ACCESS_MIN},
        "give_up_above_min": p["give_up_above_min"],
    }
    return st


def _otay_mesa_east(
    data_dir: Path, configs: dict[tuple[str, str], dict[str, str]]
) -> tuple[dict[str, float], dict[str, dict[str, Any]]]:
    """SANDAG's processing rates and officers' bands of Otay Mesa East (not built in 2017), per lane type."""
    ome_rates = {t: float(sandag.first_rates(data_dir)[col]) for t, col in OME_RATES.items()}
    ome = {t: configs[("Otay Mesa East", t)] for t in ("General", "Ready", "SENTRI")}
    ome_bands = {t: {"low_wait_min": float(c["min_wait"]), "high_wait_min": float(c["max_wait"]),
                     "min_lanes": int(c["min_lanes"])} for t, c in ome.items()}
    return ome_rates, ome_bands


def derive(data_dir: str | Path = DEFAULT_DATA, parameters: dict[str, float] | None = None) -> dict[str, Any]:
    """The region scenario for given values (default: the committed fit, or ``START_PARAMETERS``)."""
    data_dir = Path(data_dir)
    committed = fitted_parameters(PARAMETERS) if PARAMETERS.exists() else {}
    p = {**START_PARAMETERS, **(committed if parameters is None else parameters)}
    configs, vot = sandag.passenger_configs(data_dir), _vot(data_dir)
    streams: dict[str, Any] = {}
    groups: dict[str, Any] = {}
    staffing: dict[str, Any] = {}
    positions = 0
    first = None
    sources: dict[str, list[str]] = {}
    busiest: dict[str, int] = {}  # lane group -> CBP's most lanes open in any hour (2017)
    for port, script in PORT_SCRIPTS.items():
        # the port's baseline with SANDAG's own (calibrated) processing rates: the service-time scales
        # fitted for the target-wait policy are not used; the targets are replaced below
        base = script.derive(data_dir, {**fitted_parameters(script.PARAMETERS), **UNSCALED})["scenario"]
        base = yaml.safe_load(yaml.safe_dump(base))  # plain mappings and lists
        first = first or base
        s, pname = SHORT[port], PORT_NAMES[port]
        other = [q for q in PORT_SCRIPTS if q != port][0]
        k_of = {g: int(base["lane_groups"][g].get("booths_per_lane", 1)) for g in LANE_TYPES}
        staffing[f"{s}_officers"] = {
            "officers": roster(data_dir, port, k_of),
            # the roster is CBP's observed OPEN booths: they were open, so no officer on it idles while a line waits
            "keep_staffed": True,
            "description": f"{pname}: CBP's observed open lanes by hour (OME_Observed_Data.csv) x booths per lane",
        }
        obs = sandag.observed_passenger(data_dir, pname)
        for gname, t in LANE_TYPES.items():
            g, sources[f"{s}_{gname}"] = _lane_group(base["lane_groups"][gname], configs[(pname, t)], obs[t], t)
            g["staffed_by"] = f"{s}_officers"
            g["port"] = port
            g["choice_bias"] = 0.0  # SANDAG's constants are relative to its OD travel times (see HEADER)
            groups[f"{s}_{gname}"] = g
            busiest[f"{s}_{gname}"] = int(max(obs[t]["open_lanes"]))
        for sname in ("pov_general", "pov_ready", "pov_sentri"):
            streams[f"{s}_{sname}"] = _stream(base["streams"][sname], p, p[f"{s}_demand_scale"], vot, other)
        positions += int(base["secondary"]["pov_secondary"]["positions"])
        sec_service = base["secondary"]["pov_secondary"]["service"]
    assert first is not None
    scenario = {
        "name": "San Diego region NB passenger vehicles 2017 (San Ysidro + Otay Mesa, staffed, responding drivers)",
        "description": "Both ports' 2017 weekday passenger demand and lanes (from their calibrated baselines), "
                       "officers on duty = CBP's observed open booths by hour, SANDAG's officers' target bands, "
                       "drivers choosing port and lane type by SANDAG's logit on the hourly posted waits, with "
                       "a fitted reservation wait (not crossing now is worth a crossing with that posted wait).",
        "window": first["window"],
        "replications": first["replications"],
        "seed": first["seed"],
        "posting_interval_min": POSTING_INTERVAL_MIN,
        "streams": streams,
        "lane_groups": groups,
        "staffing": staffing,
        "secondary": {"pov_secondary": {"mode": "vehicle", "positions": positions, "service": sec_service}},
    }
    ome_rates, ome_bands = _otay_mesa_east(data_dir, configs)
    return {"scenario": scenario, "parameters": p, "service_sources": sources, "busiest_lanes": busiest,
            "ome_rates_veh_per_h": ome_rates, "ome_bands": ome_bands}


def observations(data_dir: str | Path):
    """What the fit matches, per region lane group and clock hour: observed mean wait and volume."""
    import pandas as pd

    rows = []
    for port in PORT_SCRIPTS:
        obs = sandag.observed_passenger(Path(data_dir), PORT_NAMES[port])
        for gname, t in LANE_TYPES.items():
            for k in range(24):
                lanes, wait, vol = obs[t]["open_lanes"][k], obs[t]["wait_time"][k], obs[t]["volume"][k]
                group = f"{SHORT[port]}_{gname}"
                rows.append({"lane_group": group, "hour": f"{k:02d}", "metric": "throughput_per_h", "observed": vol})
                if lanes > 0 and wait == wait:
                    rows.append({"lane_group": group, "hour": f"{k:02d}", "metric": "mean_wait_min", "observed": wait})
    return pd.DataFrame(rows)


HEADER = """\
# San Diego region, northbound passenger vehicles, 2017 typical weekday: San Ysidro and Otay Mesa in one run.
#
# GENERATED by calibration/region_2017.py -- do not edit by hand. Regenerate with
#   poesim calibrate calibration/region_2017.yaml --data ../shared/data
# Sources (data files relative to the shared data directory, see its README.md):
# * streams: each port's passenger streams as derived for scenarios/<port>/baseline.yaml (SANDAG observed hourly
#   volume by lane type): demand before drivers respond (crossed + diverted + given up = demand); not fitted.
# * lane_choice: SANDAG SR11_OME_IG model/port_of_entry_choice.R: K_PORT_TIME = 2.5 x K_TRAVEL_TIME = -0.0625
#   utils/min of posted wait, K_TRAVEL_TIME = -0.025 utils/min of driving; value of time:
#   sandag_sr11_ome/vot_segmentation.csv (Passenger, Northbound, purpose HBO, by traveler type);
#   access_min 90 to the other port: ASSUMPTION, standing for everything that ties a 2017 crosser to their port
#   (origin, destination, habit; SANDAG uses zone-to-zone travel times, which are not public here): at equal posted
#   waits 1 in 10 would take the other port (exp(-0.025 x 90) = 0.105);
#   give_up_above_min: FITTED (not crossing now is worth a crossing with that posted wait).
# * lane_groups: lanes and booths of each port's baseline. Service: in each hour in which a lane type had a line
#   all hour (observed wait_time >= 10 min, ASSUMPTION) every open lane was busy, so its processing rate is what
#   it cleared: OME_Observed_Data.csv volume / open_lanes; in other hours SANDAG's rate (poe_rates_2017_base.csv
#   *_VEH, stacked *_STV). mean_s from the volume-weighted daily rate, service_by_hour = daily rate / hourly rate
#   (a stacked lane clears 2 per E[max of two service times]). No service time is fitted;
#   choice_bias 0: SANDAG's port_choice_bias_constant is relative to its zone-to-zone travel times, which the
#   segments here replace (applied on top, it sent more than half of Otay Mesa's General drivers to San Ysidro);
#   policy low/high_wait_min = min_wait/max_wait, min_lanes of
#   sandag_sr11_ome/port_configurations.csv (Passenger, Northbound, by port and traveler type): officers' bands
#   from SANDAG, NOT fitted to the 2017 waits; review/reaction times as the baselines; SENTRI priority 1 (SANDAG
#   SR11_OME_IG docs/lane_update_logic.md: SENTRI lanes are updated first and preserved when General and Ready compete);
#   closed_hours: the hours in which CBP had none of a lane type's lanes open (Otay Mesa SENTRI 00-04; public-figures
#   §4.8: SENTRI lanes at Otay Mesa open 4 a.m. to midnight).
# * staffing: officers on primary duty by hour = sandag_sr11_ome/OME_Observed_Data.csv open_lanes (Passenger,
#   Northbound, General + Ready + SENTRI) x booths per lane (San Ysidro General and Ready double-stacked).
#   keep_staffed: those booths were open, so an officer on duty staffs any free lane with a line and no booth
#   closes for a short line (SANDAG's bands alone left about 8 % of San Ysidro's observed officer-hours idle).
# * secondary: one facility with both baselines' positions (secondary does not hold up primary lanes).
# * posting_interval_min 60: CBP's wait-time feed updates about hourly.
"""


def render(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """The region scenario file, with its provenance header and the fitted values."""
    p = derived["parameters"]
    fitted = (f"# FITTED (calibration/parameters/region_2017.json): give_up_above_min = {p['give_up_above_min']:g}; "
              f"demand scales (not fitted): San Ysidro {p['sy_demand_scale']:g}, Otay Mesa {p['om_demand_scale']:g}")
    body = yaml.safe_dump(derived["scenario"], sort_keys=False, default_flow_style=None, width=120, allow_unicode=True)
    return HEADER + fitted + "\n\n" + body


WHATIF_HEADER = """\
# {title}
#
# GENERATED by calibration/region_2017.py with baseline.yaml -- do not edit by hand (regenerate with
#   poesim calibrate calibration/region_2017.yaml --data ../shared/data).
# Staffing assumption: {staffing}
# Everything else as in baseline.yaml (the loader deep-merges mappings; lists are replaced).

"""


def _whatif(title: str, staffing: str, body: dict[str, Any]) -> str:
    text = yaml.safe_dump({"extends": "baseline.yaml", "name": title, **body}, sort_keys=False,
                          default_flow_style=None, width=120, allow_unicode=True)
    return WHATIF_HEADER.format(title=title, staffing=staffing) + text


OM_ADDED_LANES = 25  # the mission's hypothetical: Otay Mesa gets 25 more passenger lanes (single booths)


def _om_added_lanes(derived: dict[str, Any]) -> dict[str, Any]:
    sc = derived["scenario"]
    out = {}
    for g in ("om_pov_general", "om_pov_ready", "om_pov_sentri"):
        lanes = int(sc["lane_groups"][g]["lanes"]) + OM_ADDED_LANES
        out[g] = {"lanes": lanes, "policy": {"max_lanes": lanes}}
    return out


def render_om_add_25_lanes_same_roster(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """Otay Mesa +25 passenger lanes, officers as in 2017: lanes without officers to staff them."""
    return _whatif(
        "Region 2017: Otay Mesa +25 passenger lanes, 2017 officers (no new staff)",
        "Otay Mesa's officers on duty stay CBP's observed 2017 roster: the new lanes have no one to staff them.",
        {"lane_groups": _om_added_lanes(derived)})


def render_om_add_25_lanes_staffed(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """Otay Mesa +25 passenger lanes with 25 more officers on duty at every hour."""
    roster = [n + OM_ADDED_LANES for n in derived["scenario"]["staffing"]["om_officers"]["officers"]]
    return _whatif(
        "Region 2017: Otay Mesa +25 passenger lanes, staffed (+25 officers at every hour)",
        "Otay Mesa gets 25 more officers on primary duty at every hour, one per new booth (2017 roster + 25).",
        {"lane_groups": _om_added_lanes(derived),
         "staffing": {"om_officers": {"officers": roster,
                                      "description": "2017 observed open booths + 25 officers for the new booths"}}})


def render_om_officers_plus_6_from_7am(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """Six more officers on duty at Otay Mesa from 07:00 to 19:00 (no new lanes)."""
    roster = [n + (6 if 7 <= h < 19 else 0)
              for h, n in enumerate(derived["scenario"]["staffing"]["om_officers"]["officers"])]
    return _whatif(
        "Region 2017: Otay Mesa 6 more booths staffed 07:00-19:00",
        "Otay Mesa's 2017 roster + 6 officers on primary duty from 07:00 to 19:00 (a 12-hour shift); lanes unchanged.",
        {"staffing": {"om_officers": {"officers": roster,
                                      "description": "2017 observed open booths + 6 from 07:00 to 19:00"}}})


OME_LANES = 5  # SANDAG SR11_OME_IG docs/lane_update_logic.md: Otay Mesa East POV NB "3 (or 5 or 10)" lanes
OME_TOLL_USD = 2.0  # port_configurations.csv: Otay Mesa East, Passenger, Northbound, default_toll_in_dollars
OME_ACCESS_FROM_OM_MIN = 15.0  # ASSUMPTION: Otay Mesa East lies about 3 km east of Otay Mesa
OME_RATES = {"General": "OME_GP_VEH", "Ready": "OME_RE_VEH", "SENTRI": "OME_SE_VEH"}  # poe_rates_2017_base.csv


def render_ome_opens_5_lanes(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """Otay Mesa East opens with five tolled passenger lanes, staffed at every hour: SANDAG's planned port
    as an option of the region (its rates, bands and toll from SANDAG; its access and roster assumed)."""
    sc = derived["scenario"]
    rates = derived["ome_rates_veh_per_h"]
    bands = derived["ome_bands"]
    groups = {}
    for gname, t in LANE_TYPES.items():
        om = sc["lane_groups"][f"om_{gname}"]
        mean_s = round(3600.0 / rates[t], 1)
        groups[f"ome_{gname}"] = {
            "mode": "vehicle", "programs": list(om["programs"]), "lanes": OME_LANES, "discipline": om["discipline"],
            "service": {prog: {**d, "mean_s": mean_s} for prog, d in om["service"].items()},
            "policy": {**bands[t], "max_lanes": OME_LANES, "review_min": om["policy"]["review_min"],
                       "reaction_min": om["policy"]["reaction_min"], "priority": om["policy"]["priority"]},
            "staffed_by": "ome_officers", "port": "otay_mesa_east", "toll_usd": OME_TOLL_USD, "choice_bias": 0.0,
        }
    access = {n: {"lane_choice": {"access_min": {
                  "otay_mesa_east": OME_ACCESS_FROM_OM_MIN + (ACCESS_MIN if n.startswith("sy_") else 0.0)}}}
              for n in sc["streams"]}
    return _whatif(
        f"Region 2017: Otay Mesa East opens ({OME_LANES} passenger lanes, ${OME_TOLL_USD:g} toll)",
        f"Otay Mesa East gets {OME_LANES} officers at every hour, one per booth (ASSUMPTION: no roster exists); "
        "San Ysidro and Otay Mesa keep CBP's observed 2017 rosters. Service rates, officers' bands and the toll "
        "are SANDAG's for Otay Mesa East (poe_rates_2017_base.csv OME_*_VEH; port_configurations.csv); access: "
        f"{OME_ACCESS_FROM_OM_MIN:g} min beyond Otay Mesa (ASSUMPTION), so San Ysidro's crossers "
        f"{ACCESS_MIN + OME_ACCESS_FROM_OM_MIN:g} min. Demand is 2017's.",
        {"streams": access, "lane_groups": groups,
         "staffing": {"ome_officers": {"officers": OME_LANES, "keep_staffed": True,
                                       "description": f"ASSUMPTION: all {OME_LANES} booths staffed at every hour"}}})


CONVERTED_LANES = 2  # CBP converted General lanes to Ready at Otay Mesa in 2011 (public-figures §4.3: up to 5 Ready)


def render_om_general_to_ready_2_lanes(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """Two of the lanes Otay Mesa's General line used at its busiest (CBP 2017) become Ready lanes:
    General may staff at most that many minus two, Ready always keeps two more; same officers."""
    gen_max = derived["busiest_lanes"]["om_pov_general"] - CONVERTED_LANES
    ready_min = int(derived["scenario"]["lane_groups"]["om_pov_ready"]["policy"]["min_lanes"]) + CONVERTED_LANES
    return _whatif(
        f"Region 2017: Otay Mesa {CONVERTED_LANES} General lanes converted to Ready, 2017 officers",
        "Otay Mesa keeps CBP's observed 2017 roster. CBP had at most "
        f"{gen_max + CONVERTED_LANES} General lanes open in "
        f"2017; {CONVERTED_LANES} of them become Ready lanes, so General may use at most {gen_max} and Ready always "
        f"keeps {ready_min} staffed.",
        {"lane_groups": {"om_pov_general": {"policy": {"max_lanes": gen_max}},
                         "om_pov_ready": {"policy": {"min_lanes": ready_min}}}})


def render_demand_plus_10pct(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """Every passenger stream's demand (before drivers respond) +10 %, officers as in 2017."""
    streams = {n: {"demand": {"rate_per_h": [round(1.1 * r, 1) for r in st["demand"]["rate_per_h"]]}}
               for n, st in derived["scenario"]["streams"].items()}
    return _whatif(
        "Region 2017: passenger demand +10 %, 2017 officers",
        "both ports keep CBP's observed 2017 roster; only demand grows.",
        {"streams": streams})


def render_drivers_may_shift_2h(derived: dict[str, Any], record: dict[str, Any] | None = None) -> str:
    """The 2017 region with drivers who may also come back up to 2 hours later (peak spreading)."""
    streams = {n: {"lane_choice": {"shift_h": 2}} for n in derived["scenario"]["streams"]}
    return _whatif(
        "Region 2017: drivers may shift their departure by up to 2 hours",
        "both ports keep CBP's observed 2017 roster.",
        {"streams": streams})


def main(argv: list[str] | None = None) -> int:
    """Write every output of ``region_2017.yaml`` from the committed fit (no fitting)."""
    import argparse

    from sim.calibrate import load_config

    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    args = ap.parse_args(argv)
    derived = derive(args.data)
    cfg = load_config(HERE / "region_2017.yaml")
    for out, fn in cfg.outputs.items():
        path = (HERE / out).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(globals()[fn](derived), encoding="utf-8")
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
