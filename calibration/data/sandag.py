"""SANDAG SR-11 / Otay Mesa East model files (``sandag_sr11_ome/``): the one reader of each file.

Source: SANDAG's SR11_OME_IG repository (see ``calibration/README.md`` §1). SANDAG hour h (1..24)
covers clock (h-1):00-h:00, so the value for hour of day k (0-based, as in the scenarios' 24-value
lists) is row ``k + 1``. ``OME_Observed_Data.csv`` holds CBP's observed volumes, open lanes and waits
(Tue/Wed/Thu averages): it is also where the calibration's CBP wait times come from.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pandas as pd

from calibration.data import HOURS, read_rows

OBSERVED = "sandag_sr11_ome/OME_Observed_Data.csv"
RATES = "sandag_sr11_ome/poe_rates_2017_base.csv"
TRUCKS = "sandag_sr11_ome/Truck_Trips_2017.csv"
CONFIGS = "sandag_sr11_ome/port_configurations.csv"
VOT = "sandag_sr11_ome/vot_segmentation.csv"
SURVEY = "sandag_sr11_ome/OD_Survey_2017.csv"
LANE_TYPES = {"pov_general": "General", "pov_ready": "Ready", "pov_sentri": "SENTRI"}  # lane group -> traveler_type


def hourly(pairs: list[tuple[int, float]], what: str) -> list[float]:
    """24 values from (hour 1..24, value) pairs; every hour exactly once."""
    out: dict[int, float] = {}
    for hour, value in pairs:
        if not 1 <= hour <= 24 or hour in out:
            raise ValueError(f"{what}: unexpected or repeated hour {hour}")
        out[hour] = value
    if set(out) != set(range(1, 25)):
        raise ValueError(f"{what}: missing hours {sorted(set(range(1, 25)) - set(out))}")
    return [out[k + 1] for k in HOURS]


def _value(s: str) -> float:
    return float(s) if s.strip() else float("nan")


def observed(data_dir: Path, port: str) -> dict[tuple[str, str], dict[str, list[float]]]:
    """The northbound rows of ``OME_Observed_Data.csv`` for a port, by (vehicle_type, traveler_type):
    24 hourly values of ``volume``, ``open_lanes`` and ``wait_time`` (NaN where blank)."""
    cols = ("volume", "open_lanes", "wait_time")
    pairs: dict[tuple[str, str], dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    for r in read_rows(Path(data_dir) / OBSERVED):
        if r["port_name"] == port and r["direction"] == "Northbound":
            for c in cols:
                pairs[(r["vehicle_type"], r["traveler_type"])][c].append((int(r["hour"]), _value(r[c])))
    return {k: {c: hourly(v[c], f"{OBSERVED} {port} {k[1]} {c}") for c in cols} for k, v in pairs.items()}


def observed_volumes(data_dir: Path, port: str = "Otay Mesa") -> dict[tuple[str, str], list[float]]:
    """A port's northbound hourly ``volume`` by (vehicle_type, traveler_type)."""
    return {k: v["volume"] for k, v in observed(data_dir, port).items()}


def observed_passenger(data_dir: Path, port: str) -> dict[str, dict[str, list[float]]]:
    """Per traveler_type (General/Ready/SENTRI): hourly ``volume``, ``open_lanes`` and ``wait_time``
    of the observed northbound passenger data for a port (NaN where blank)."""
    return {t: v for (vehicle, t), v in observed(data_dir, port).items() if vehicle == "Passenger"}


def observed_table(data_dir: Path, port: str) -> pd.DataFrame:
    """The observed northbound passenger rows of a port as a table: ``lane_type``, ``hour`` (clock hour
    "00".."23"), ``volume``, ``open_lanes``, ``wait_time``."""
    rows = [{"lane_type": t, "hour": f"{k:02d}", **{c: v[c][k] for c in ("volume", "open_lanes", "wait_time")}}
            for t, v in observed_passenger(data_dir, port).items() for k in HOURS]
    return pd.DataFrame(rows)


def observations_for(data_dir: Path, port: str, lane_types: dict[str, str]) -> pd.DataFrame:
    """What a port's fit matches: per passenger lane group and clock hour, the observed mean wait
    (``wait_time``, min) and lanes open (``open_lanes``); hours with no lane open are left out."""
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


def poe_rates(data_dir: Path) -> dict[str, list[float]]:
    """Every column of the 2017 base rate file as 24 hourly values (row TIME = hour 1..24)."""
    rows = read_rows(Path(data_dir) / RATES)
    cols = [c for c in rows[0] if c != "TIME"]
    return {c: hourly([(int(r["TIME"]), float(r[c])) for r in rows], f"{RATES} {c}") for c in cols}


def first_rates(data_dir: Path) -> dict[str, str]:
    """The first row (TIME 1) of the rate file as text, e.g. for columns of ports not built in 2017."""
    return read_rows(Path(data_dir) / RATES)[0]


def stacked_capacity(rates: dict[str, list[float]], prefix: str) -> list[float]:
    """SANDAG's hourly capacity of a lane type (veh/h): VEH x (OPEN - STL) + STV x STL
    (SANDAG/SR11_OME_IG ``model/run_poe_model.rsc``; STL of the OPEN lanes are stacked)."""
    veh, open_, stl, stv = (rates[f"{prefix}_{c}"] for c in ("VEH", "OPEN", "STL", "STV"))
    return [veh[k] * (open_[k] - stl[k]) + stv[k] * stl[k] for k in HOURS]


def truck_trips(data_dir: Path, lanes: tuple[str, ...] = ("GP", "FAST")) -> dict[str, list[float]]:
    """Northbound truck trips by lane (GP/FAST): sum of RevWght by ArHour; absent hours are 0."""
    out = {lane: [0.0] * 24 for lane in lanes}
    for r in read_rows(Path(data_dir) / TRUCKS):
        if r["Dir"] == "NB":
            out[r["Lane"]][int(r["ArHour"]) - 1] += float(r["RevWght"])
    return out


def passenger_configs(data_dir: Path) -> dict[tuple[str, str], dict[str, str]]:
    """The northbound passenger rows of ``port_configurations.csv`` by (port name, traveler type)."""
    return {(r["port_name"], r["traveler_type"]): r for r in read_rows(Path(data_dir) / CONFIGS)
            if r["vehicle_type"] == "Passenger" and r["direction"] == "Northbound"}


def min_lanes(data_dir: Path, port: str) -> dict[str, int]:
    """SANDAG's ``min_lanes`` per northbound passenger lane type (General/Ready/SENTRI)."""
    return {t: int(r["min_lanes"]) for (p, t), r in passenger_configs(data_dir).items() if p == port}


def stackable(data_dir: Path, port: str) -> dict[str, bool]:
    """``allow_stack`` per northbound passenger lane type of a port."""
    return {t: r["allow_stack"].strip() == "1" for (p, t), r in passenger_configs(data_dir).items() if p == port}


def value_of_time(data_dir: Path) -> dict[tuple[str, str], float]:
    """``vot_segmentation.csv``: US$ per hour of northbound passenger travellers by (traveler type, purpose)."""
    return {(r["traveler_type"], r["purpose"]): float(r["value_of_time_dollars"])
            for r in read_rows(Path(data_dir) / VOT)
            if r["vehicle_type"] == "Passenger" and r["direction"] == "Northbound"}


def survey_weights(data_dir: Path) -> dict[tuple[str, str], float]:
    """``OD_Survey_2017.csv``: the northbound expansion weights (Σ RevWght) by (lane, purpose)."""
    weight: dict[tuple[str, str], float] = defaultdict(float)
    for r in read_rows(Path(data_dir) / SURVEY):
        if r["Dir"] == "NB":
            weight[(r["Lane"], r["Purpose"])] += float(r["RevWght"])
    return dict(weight)
