"""Cost of delay, idling fuel and emissions from the wait tables: pure functions, no I/O but the
parameter file.

Per replication, from its per-hour wait table (``statistics.wait_summary(records, "hour")``: count
``n`` and ``mean_wait_min`` by mode × lane group × program × clock hour), each cell's traveller-hours
in the primary line Σ n × mean wait give:

* vehicle-hours (vehicles and trucks; 0 for pedestrians) and person-hours (× persons per vehicle of
  the lane group's port; trucks × 1; pedestrians are persons);
* cost: person-hours × value of time of the traveller's program (vehicles, pedestrians), truck-hours ×
  truck operating cost per hour (trucks, no value of time on top: the driver's wage is in it);
* idling fuel, CO2, NOx and PM2.5: vehicle-hours × light-duty (vehicles) or heavy-duty (trucks) idle
  rates; every minute in the primary line is taken as idling; pedestrians emit nothing.

All per counted day (a clock hour's cells ÷ the counted days that hour had, whole-window rows ÷ the
counted days). Across replications: mean with a Student-t 95 % interval; between scenarios run with
common random numbers: paired differences B − A per replication. Cells a replication did not have
(nobody arrived) are zeros, not missing: delay is additive. Travellers still in line when the run
ended count with the wait they had so far, so a cell with any (``unserved_per_day`` > 0) is a lower
bound (``lower_bound``). Parameters and their sources: ``sim/delay_cost_parameters.yaml``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim import statistics as st
from sim.errors import PoesimError
from sim.statistics import ALL

PARAMETER_FILE = "delay_cost_parameters.yaml"
COST_KEYS = ["mode", "lane_group", "hour"]
COST_METRICS = (
    "travellers_per_day", "unserved_per_day", "delay_veh_h_per_day", "delay_person_h_per_day", "cost_usd_per_day",
    "fuel_gal_per_day", "co2_kg_per_day", "nox_g_per_day", "pm25_g_per_day",
)
# (parameter name, what it needs to be) for the scalar parameters the computation uses
_SCALARS = (
    "truck_cost_usd_per_veh_h", "truck_occupancy_persons_per_vehicle",
    "idle_fuel_gal_per_h_light_duty", "idle_fuel_gal_per_h_heavy_duty",
    "co2_kg_per_gal_gasoline", "co2_kg_per_gal_diesel",
    "idle_nox_g_per_h_light_duty", "idle_nox_g_per_h_heavy_duty",
    "idle_pm25_g_per_h_light_duty", "idle_pm25_g_per_h_heavy_duty",
)
SOURCE_FIELDS = ("title", "publisher", "year", "url")


@dataclass(frozen=True)
class CostParameters:
    """The numbers the computation uses (see ``sim/delay_cost_parameters.yaml`` for their sources)."""

    value_of_time_usd_per_person_h: Mapping[str, float]  # by program; others take 'general'
    occupancy_persons_per_vehicle: Mapping[str, float]  # by port name; others take 'default'
    truck_cost_usd_per_veh_h: float
    truck_occupancy_persons_per_vehicle: float
    idle_fuel_gal_per_h_light_duty: float
    idle_fuel_gal_per_h_heavy_duty: float
    co2_kg_per_gal_gasoline: float
    co2_kg_per_gal_diesel: float
    idle_nox_g_per_h_light_duty: float
    idle_nox_g_per_h_heavy_duty: float
    idle_pm25_g_per_h_light_duty: float
    idle_pm25_g_per_h_heavy_duty: float
    currency_year: int = 2017
    document: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)  # the whole file

    def vot(self, program: str) -> float:
        v = self.value_of_time_usd_per_person_h
        return float(v.get(program, v["general"]))

    def occupancy(self, port: str) -> float:
        o = self.occupancy_persons_per_vehicle
        return float(o.get(port, o["default"]))


def parameter_path() -> Path:
    """The committed parameter file shipped inside the package."""
    return Path(str(resources.files("sim") / PARAMETER_FILE))


def load_parameters(path: str | Path | None = None) -> CostParameters:
    """Read and check a parameter file (default: the committed one): every parameter has a value (a
    number > 0, or a mapping of them), a unit and a source."""
    p = Path(path) if path is not None else parameter_path()
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PoesimError(f"{p}: cannot read the delay-cost parameters: {exc}") from exc
    params = (doc or {}).get("parameters")
    if not isinstance(params, dict):
        raise PoesimError(f"{p}: expected a mapping 'parameters'")
    problems = []
    for name, entry in params.items():
        if not isinstance(entry, dict):
            problems.append(f"parameters.{name}: expected a mapping with value, unit, source")
            continue
        values = entry.get("value")
        numbers = list(values.values()) if isinstance(values, dict) else [values]
        if not numbers or not all(isinstance(x, (int, float)) and not isinstance(x, bool) and x > 0 for x in numbers):
            problems.append(f"parameters.{name}.value: expected a number above 0 (or a mapping of them), "
                            f"got {values!r}")
        if not entry.get("unit"):
            problems.append(f"parameters.{name}.unit: missing")
        src = entry.get("source")
        if not isinstance(src, dict) or not src.get("title") or not src.get("publisher") or not src.get("year"):
            problems.append(f"parameters.{name}.source: expected title, publisher and year")
    for name in ("value_of_time_usd_per_person_h", "occupancy_persons_per_vehicle", *_SCALARS):
        if name not in params:
            problems.append(f"parameters.{name}: missing")
    if not problems:
        if "general" not in params["value_of_time_usd_per_person_h"]["value"]:
            problems.append("parameters.value_of_time_usd_per_person_h.value.general: missing")
        if "default" not in params["occupancy_persons_per_vehicle"]["value"]:
            problems.append("parameters.occupancy_persons_per_vehicle.value.default: missing")
    if problems:
        raise PoesimError(f"{p}: " + "; ".join(problems))
    return CostParameters(
        value_of_time_usd_per_person_h=dict(params["value_of_time_usd_per_person_h"]["value"]),
        occupancy_persons_per_vehicle=dict(params["occupancy_persons_per_vehicle"]["value"]),
        **{name: float(params[name]["value"]) for name in _SCALARS},
        currency_year=int(doc.get("currency_year", 2017)),
        document=doc,
    )


def counted_days(start: dt.datetime, duration_h: float, warmup_h: float) -> tuple[np.ndarray, float]:
    """Counted days per clock hour (how many window hours after warm-up start at that clock hour) and
    counted days of the whole window: the divisors of per-day figures, as ``statistics.port_table``."""
    horizon_s, warmup_s = duration_h * 3600.0, warmup_h * 3600.0
    edges = st.window_hour_edges(horizon_s)
    starts = edges[:-1][edges[:-1] >= warmup_s]
    offset_s = start.hour * 3600 + start.minute * 60 + start.second
    clock = (((starts + offset_s) // 3600) % 24).astype(np.int64)
    return np.bincount(clock, minlength=24).astype(float), max((horizon_s - warmup_s) / 86400.0, 1e-12)


def replication_costs(by_hour: pd.DataFrame, params: CostParameters, group_ports: Mapping[str, str],
                      days_by_hour: np.ndarray, days_total: float) -> pd.DataFrame:
    """Per replication × mode × lane group × clock hour (and ``all`` rows pooling lane groups, hours,
    modes): travellers, unserved, delay, cost, fuel and emissions per counted day (``COST_METRICS``).

    ``by_hour`` holds per-replication wait tables (column ``replication``); only its cells by lane
    group × program × hour are used (the ``all`` rows are sums of them). ``group_ports`` maps a lane
    group to its port, for the occupancy."""
    cols = ["replication", *COST_KEYS, *COST_METRICS]
    if by_hour.empty:
        return pd.DataFrame(columns=cols)
    d = by_hour[(by_hour["lane_group"] != ALL) & (by_hour["program"] != ALL) & (by_hour["hour"] != ALL)]
    mode = d["mode"].to_numpy(dtype=object)
    veh, truck, ped = mode == "vehicle", mode == "truck", mode == "pedestrian"
    traveller_h = d["n"].to_numpy(dtype=float) * d["mean_wait_min"].to_numpy(dtype=float) / 60.0
    occ = np.array([params.occupancy(group_ports.get(g, "")) for g in d["lane_group"]], dtype=float)
    vot = np.array([params.vot(p) for p in d["program"]], dtype=float)
    veh_h = np.where(ped, 0.0, traveller_h)
    person_h = np.where(veh, traveller_h * occ,
                        np.where(truck, traveller_h * params.truck_occupancy_persons_per_vehicle, traveller_h))
    fuel = veh_h * np.where(truck, params.idle_fuel_gal_per_h_heavy_duty,
                            np.where(veh, params.idle_fuel_gal_per_h_light_duty, 0.0))
    raw = pd.DataFrame({
        "replication": d["replication"].to_numpy(),
        "mode": mode, "lane_group": d["lane_group"].to_numpy(dtype=object), "hour": d["hour"].to_numpy(dtype=object),
        "travellers_per_day": d["n"].to_numpy(dtype=float),
        "unserved_per_day": d["n_unserved"].to_numpy(dtype=float),
        "delay_veh_h_per_day": veh_h,
        "delay_person_h_per_day": person_h,
        "cost_usd_per_day": np.where(truck, veh_h * params.truck_cost_usd_per_veh_h, person_h * vot),
        "fuel_gal_per_day": fuel,
        "co2_kg_per_day": fuel * np.where(truck, params.co2_kg_per_gal_diesel, params.co2_kg_per_gal_gasoline),
        "nox_g_per_day": veh_h * np.where(truck, params.idle_nox_g_per_h_heavy_duty,
                                          params.idle_nox_g_per_h_light_duty),
        "pm25_g_per_day": veh_h * np.where(truck, params.idle_pm25_g_per_h_heavy_duty,
                                           params.idle_pm25_g_per_h_light_duty),
    })
    metrics = list(COST_METRICS)
    cells = raw.groupby(["replication", *COST_KEYS], sort=True)[metrics].sum().reset_index()
    parts = [cells]
    for pooled in (["hour"], ["lane_group"], ["lane_group", "hour"], ["mode", "lane_group"],
                   ["mode", "lane_group", "hour"]):
        keep = ["replication", *[k for k in COST_KEYS if k not in pooled]]
        part = cells.groupby(keep, sort=True)[metrics].sum().reset_index()
        for k in pooled:
            part[k] = ALL
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)[cols]
    hour = out["hour"].to_numpy(dtype=object)
    whole = hour == ALL
    clock = np.where(whole, 0, pd.to_numeric(pd.Series(hour).where(~whole, "0")).to_numpy()).astype(np.int64)
    days = np.where(whole, days_total, np.asarray(days_by_hour, dtype=float)[clock])
    with np.errstate(invalid="ignore", divide="ignore"):
        out[metrics] = out[metrics].to_numpy(dtype=float) / np.where(days > 0, days, np.nan)[:, None]
    return out


def complete(per_rep: pd.DataFrame, replications: Sequence[int], cells: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every replication × every cell (of ``per_rep``, or the given ``cells`` of ``COST_KEYS``), a cell a
    replication did not have counting zero: delay and its costs add up, so nobody there means 0."""
    keys = cells if cells is not None else per_rep[COST_KEYS].drop_duplicates()
    grid = keys.merge(pd.DataFrame({"replication": list(replications)}), how="cross")
    out = grid.merge(per_rep, on=["replication", *COST_KEYS], how="left")
    out[list(COST_METRICS)] = out[list(COST_METRICS)].fillna(0.0)
    return out[["replication", *COST_KEYS, *COST_METRICS]].sort_values(["replication", *COST_KEYS],
                                                                         ignore_index=True)


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    """Modes vehicle, truck, pedestrian, then 'all'; within a mode lane groups by name, 'all' last."""
    rank = {"vehicle": 0, "truck": 1, "pedestrian": 2, ALL: 9}
    return (frame.assign(_m=frame["mode"].map(rank).fillna(5), _g=frame["lane_group"].eq(ALL),
                         _h=frame["hour"].eq(ALL))
            .sort_values(["_m", "mode", "_g", "lane_group", "_h", "hour"])
            .drop(columns=["_m", "_g", "_h"]).reset_index(drop=True))


def summarise(per_rep: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Mean of each metric over replications with its ``_lo``/``_hi`` t interval, per cell, and
    ``lower_bound``: True where travellers were still in line at the end in some replication (their
    delay counts only up to then)."""
    if per_rep.empty:
        return pd.DataFrame(columns=[*COST_KEYS, "replications", "lower_bound"])
    out = st.across_replications(per_rep, COST_KEYS, COST_METRICS, level)
    out.insert(len(COST_KEYS) + 1, "lower_bound", out["unserved_per_day"] > 0)
    return _order(out)


def paired(a: pd.DataFrame, b: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """B − A per cell, paired by replication (valid under common random numbers), over the union of
    both scenarios' cells (a lane group only one of them has counts zero in the other); with each
    side's mean, the difference's t interval and the unpaired half-width (``statistics.paired_differences``)."""
    reps = sorted(set(a["replication"]) & set(b["replication"]))
    cells = pd.concat([a[COST_KEYS], b[COST_KEYS]]).drop_duplicates()
    out = st.paired_differences(complete(a, reps, cells), complete(b, reps, cells), COST_METRICS, COST_KEYS, level)
    return _order(out)
