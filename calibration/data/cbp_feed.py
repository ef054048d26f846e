"""CBP's live wait-time feed (bwt.cbp.gov) as copies of it in ``cbp_bwt/``, and CBP's Texas bridge counts:
the one reader of each file, for the commercial method (``calibration/commercial.py``) and for crossings
built from public data (``calibration/port_new.py``): each crossing's maximum lanes and hours, the posted
waits and lanes open by lane type over days, and monthly counts per Texas bridge.

Files (relative to the data directory; see its README.md §2d-2f and §4, and ``calibration/README.md``):

* ``BROWNSVILLE`` — every committed version of CBP's BWT RSS for the Brownsville crossings
  (2026-08-12 → 08-22): per reading ``delay_minutes`` and ``lanes_open`` by lane type, with the
  feed's own local ``update_time`` ("1:00 pm CDT"). Versions repeat between CBP's hourly updates, so
  readings are deduplicated on (port, category, lane type, date, update_time).
* ``EL_PASO`` — a scraper of the same RSS for the El Paso crossings (2026-08-09 → 08-22): waits and
  status, no lanes open; ``timestamp`` is the scraper's clock in UTC, read as El Paso local time
  (MDT = UTC − 6 in August).
* ``SNAPSHOTS`` — 62 feed times of all ports (2026-07-27 → 07-31): ``maximum_lanes`` and, where
  open, ``lanes_open`` by lane type (``standard_lanes`` = General, ``FAST_lanes``); used for the lanes
  of ports the RSS copies give no lanes for.
* ``TEXAS`` — CBP northbound counts per Texas bridge and month, 2008-2025 (``Modes`` "Commercial
  Trucks", "Passenger Vehicles", "Pedestrians/ Bicyclists"); ``TEXAS_CROSSING`` names each feed crossing's
  bridge in it.

Lane types are named as the scenarios' groups: commercial ``General`` (CBP's "General"/"standard_lanes")
and ``FAST`` (CBP's "Fast"/"FAST_lanes"); passenger ``General``, ``Ready`` ("Ready"/"ready_lanes") and
``SENTRI`` ("Sentri"/"NEXUS_SENTRI_lanes"). Clock hours are local, 0-23; a reading posted at hh:mm
belongs to hour hh.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from calibration.data import read_rows

BROWNSVILLE = "cbp_bwt/brownsville_bwt_rss_history_2026-08.csv"
EL_PASO = "cbp_bwt/el_paso_bwt_scraped_2026-08.csv"
SNAPSHOTS = "cbp_bwt/bwt_all_ports_sample_snapshots_2026-07.csv"
TEXAS = "texas_bridge_crossings/monthly_crossings_2008_2025.csv"
FILES = (BROWNSVILLE, EL_PASO, SNAPSHOTS, TEXAS)

LANE_TYPES = ("General", "FAST")  # commercial
PASSENGER_LANE_TYPES = ("General", "Ready", "SENTRI")
_FEED_TYPE = {"General": "General", "Fast": "FAST", "standard_lanes": "General", "FAST_lanes": "FAST",
              "Ready": "Ready", "ready_lanes": "Ready", "Sentri": "SENTRI", "NEXUS_SENTRI_lanes": "SENTRI"}
# the bridge of each feed crossing (CBP port number) in TEXAS, where the names differ
TEXAS_CROSSING = {
    "230301": "Eagle Pass International Bridge", "230302": "Camino Real International Bridge",
    "230401": "Gateway to the Americas Bridge", "230402": "Juárez-Lincoln International Bridge",
    "230403": "Colombia Solidarity Bridge", "230404": "World Trade Bridge",
    "230501": "McAllen-Hidalgo International Bridge", "230502": "Pharr International Bridge",
    "230503": "Anzalduas International Bridge", "230901": "Progreso International Bridge",
    "230902": "Donna-Rio Bravo International Bridge", "231002": "Roma-Ciudad Miguel Alemán International Bridge",
    "240201": "Bridge of the Americas", "240202": "Paso del Norte Bridge", "240203": "Ysleta Bridge",
    "240204": "Good Neighbor Bridge", "240301": "Presidio-Ojinaga International Bridge",
    "240401": "Marcelino Serna Bridge", "l24501": "Fort Hancock-El Porvenir Bridge",
    "535501": "Brownsville & Matamoros Express Bridge", "535502": "Veterans International Bridge at Los Tomates",
    "535503": "Free Trade International Bridge (Los Indios)", "535504": "Gateway International Bridge",
}
EL_PASO_UTC_OFFSET_H = -6  # MDT in August
_TIME = re.compile(r"(\d{1,2}):(\d{2})\s*([ap]m)", re.I)

COLUMNS = ["lane_type", "date", "hour", "open", "wait_min", "lanes_open"]
# the snapshot sample's passenger lane types -> poesim's
SNAPSHOT_LANE_TYPE = {"standard_lanes": "General", "ready_lanes": "Ready", "NEXUS_SENTRI_lanes": "SENTRI"}


def clock_hour(text: str) -> int:
    """The clock hour (0-23) of a feed time such as "1:00 pm CDT", "At 11:00 am MDT" or "Noon CDT"."""
    low = text.lower()
    if "noon" in low:
        return 12
    if "midnight" in low:
        return 0
    m = _TIME.search(text)
    if not m:
        raise ValueError(f"unexpected feed time {text!r}; expected e.g. '1:00 pm CDT'")
    h = int(m.group(1)) % 12
    return h + 12 if m.group(3).lower() == "pm" else h


def _add_open_reading(rows: list[dict[str, object]], seen: set[tuple[str, str, str]], lane: str,
                      r: dict[str, str]) -> None:
    """Append the feed row ``r`` (an open lane type's reading) unless the same reading (lane type, date,
    update time) was seen in an earlier copy of the feed."""
    key = (lane, r["date"], r["update_time"])
    if key in seen:
        return
    seen.add(key)
    rows.append({"lane_type": lane, "date": r["date"], "hour": clock_hour(r["update_time"]), "open": True,
                 "wait_min": float(r["delay_minutes"]), "lanes_open": float(r["lanes_open"])})


def brownsville_readings(data_dir: str | Path, port_title: str, category: str = "Commercial") -> pd.DataFrame:
    """One row per distinct hourly reading of a Brownsville crossing's lanes of ``category``
    ("Commercial", "Passenger", "Pedestrian"; columns ``COLUMNS``): ``open`` False for "Lanes Closed"
    (lanes 0, no wait); other statuses (N/A, Update Pending) are left out."""
    seen: set[tuple[str, str, str]] = set()
    rows: list[dict[str, object]] = []
    for r in read_rows(Path(data_dir) / BROWNSVILLE):
        if r["port_title"] != port_title or not r["category"].startswith(category):
            continue
        lane = _FEED_TYPE.get(r["lane_type"])
        if lane is None:
            continue
        if r["status"] == "reported":
            _add_open_reading(rows, seen, lane, r)
        elif r["status"] == "Lanes Closed":
            # no update time: the hour is the feed's publication time, one reading per version-hour
            pub = dt.datetime.strptime(r["feed_pubdate"][:25], "%a, %d %b %Y %H:%M:%S")
            local = pub - dt.timedelta(hours=1)  # the feed stamps EST; Brownsville is on CDT (EST - 1 h in August)
            key = (lane, local.strftime("%m/%d/%Y"), f"closed {local.hour}")
            if key in seen:
                continue
            seen.add(key)
            rows.append({"lane_type": lane, "date": local.strftime("%-m/%-d/%Y"), "hour": local.hour, "open": False,
                         "wait_min": float("nan"), "lanes_open": 0.0})
    return pd.DataFrame(rows, columns=COLUMNS)


def el_paso_readings(data_dir: str | Path, port_name: str) -> pd.DataFrame:
    """One row per scrape of an El Paso crossing's commercial lanes (columns ``COLUMNS``, lanes open
    NaN: the scrape has none); "closed" readings are ``open`` False, "not applicable" ones left out."""
    rows = []
    for r in read_rows(Path(data_dir) / EL_PASO):
        if r["port_name"] != port_name or r["category"] != "Commercial Vehicles":
            continue
        lane = _FEED_TYPE.get(r["lane_type"])
        if lane is None or r["status"] not in ("reported", "closed"):
            continue
        local = dt.datetime.fromisoformat(r["timestamp"]) + dt.timedelta(hours=EL_PASO_UTC_OFFSET_H)
        is_open = r["status"] == "reported"
        rows.append({"lane_type": lane, "date": local.date().isoformat(), "hour": local.hour, "open": is_open,
                     "wait_min": float(r["wait_minutes"]) if is_open else float("nan"),
                     "lanes_open": float("nan")})
    return pd.DataFrame(rows, columns=COLUMNS)


def snapshot_readings(data_dir: str | Path, port_number: str) -> tuple[pd.DataFrame, int]:
    """The all-ports snapshots of one commercial crossing: distinct readings (columns ``COLUMNS``,
    hour from the reading's own update time; closed readings carry no time and are left out) and the
    crossing's ``maximum_lanes``."""
    seen: set[tuple[str, str, str]] = set()
    rows: list[dict[str, object]] = []
    maximum: set[int] = set()
    for r in read_rows(Path(data_dir) / SNAPSHOTS):
        if r["port_number"] != port_number or r["lane_group"] != "commercial_vehicle_lanes":
            continue
        lane = _FEED_TYPE.get(r["lane_type"])
        if lane is None:
            continue
        if r["maximum_lanes"]:
            maximum.add(int(float(r["maximum_lanes"])))
        if r["lanes_open"] and r["update_time"]:
            _add_open_reading(rows, seen, lane, r)
    if len(maximum) != 1:
        raise ValueError(f"{SNAPSHOTS}: expected one maximum_lanes for commercial port {port_number}, got {maximum}")
    return pd.DataFrame(rows, columns=COLUMNS), maximum.pop()


def texas_monthly(data_dir: str | Path, crossing: str, mode: str) -> pd.DataFrame:
    """Monthly northbound counts of one Texas crossing and mode ("Commercial Trucks", "Passenger
    Vehicles", "Pedestrians/ Bicyclists"): ``year``, ``month``, ``count``."""
    rows = [{"year": int(r["Year"]), "month": int(r["Month"]), "count": float(r["Northbound Crossing"] or "nan")}
            for r in read_rows(Path(data_dir) / TEXAS)
            if r["Crossing"] == crossing and r["Modes"] == mode]
    if not rows:
        raise ValueError(f"{TEXAS}: no {mode} rows for crossing {crossing!r}")
    return pd.DataFrame(rows).sort_values(["year", "month"]).reset_index(drop=True)


def texas_trucks(data_dir: str | Path, crossing: str) -> pd.DataFrame:
    """Monthly northbound commercial trucks of one Texas crossing: ``year``, ``month``, ``trucks``."""
    return texas_monthly(data_dir, crossing, "Commercial Trucks").rename(columns={"count": "trucks"})


def hourly(readings: pd.DataFrame) -> pd.DataFrame:
    """Per lane type and clock hour: readings, share open, mean posted wait over the open readings
    (``wait_min``) and mean lanes open with closed readings as 0 (``lanes_open``)."""
    g = readings.groupby(["lane_type", "hour"])
    out = pd.DataFrame({
        "readings": g.size(),
        "open_share": g["open"].mean(),
        "open_readings": g["open"].sum(),
        "wait_min": g["wait_min"].mean(),
        "lanes_open": g["lanes_open"].mean(),
    }).reset_index()
    out["open_readings"] = out["open_readings"].astype(int)
    return out


@dataclass(frozen=True)
class Crossing:
    """One crossing as the feed lists it: maximum lanes per lane group (passenger, pedestrian,
    commercial) and the lane types it reports, and its hours."""

    port_number: str
    port_name: str
    crossing_name: str
    hours: str
    max_lanes: dict[str, int] = field(default_factory=dict)  # lane group -> maximum lanes
    lane_types: dict[str, list[str]] = field(default_factory=dict)  # lane group -> feed lane types

    @property
    def label(self) -> str:
        return f"{self.port_name} - {self.crossing_name}"


def _csv(data_dir: str | Path, rel: str) -> pd.DataFrame:
    path = Path(data_dir) / rel
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found (is --data the shared data directory?)")
    return pd.read_csv(path, dtype=str)


def _words(s: str) -> set[str]:
    return {w for w in re.split(r"[^a-z0-9]+", s.lower()) if w and w not in {"the", "of", "at", "port", "entry"}}


def crossings(data_dir: str | Path) -> list[Crossing]:
    """Every US-Mexico crossing in the snapshot sample, with its maximum lanes by lane group."""
    d = _csv(data_dir, SNAPSHOTS)
    d = d[d["border"] == "Mexican Border"]
    out = []
    for (num, port, name), g in d.groupby(["port_number", "port_name", "crossing_name"], sort=True):
        lanes: dict[str, int] = {}
        types: dict[str, list[str]] = {}
        for group, gg in g.groupby("lane_group"):
            m = pd.to_numeric(gg["maximum_lanes"], errors="coerce").dropna()
            if len(m) and m.max() > 0:
                lanes[str(group)] = int(m.max())
                types[str(group)] = sorted(gg["lane_type"].dropna().unique())
        out.append(Crossing(str(num), str(port), str(name), str(g["hours"].mode().iloc[0]), lanes, types))
    return out


def find_crossing(data_dir: str | Path, query: str) -> Crossing:
    """The crossing named by ``query``: its CBP port number, or words of "port - crossing" that
    match exactly one crossing. A clear error listing the candidates otherwise."""
    all_ = crossings(data_dir)
    by_number = [c for c in all_ if c.port_number == query.strip()]
    if by_number:
        return by_number[0]
    q = _words(query)
    hits = [c for c in all_ if q and q <= _words(c.label)]
    if len(hits) == 1:
        return hits[0]
    listing = "; ".join(f"{c.port_number} {c.label}" for c in (hits or all_))
    what = "matches several crossings" if hits else "matches no crossing"
    raise ValueError(f"{SNAPSHOTS}: {query!r} {what}; name one by its port number or more words: {listing}")
