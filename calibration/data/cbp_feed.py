"""CBP's live wait-time feed (bwt.cbp.gov), as copies of it in ``cbp_bwt/``: each crossing's maximum
lanes and hours (a July 2026 sample of every port), and the waits and lanes open by lane type that
scrapers recorded over days (Brownsville's four crossings with lanes open; El Paso's with waits only).

Times in the feed are local port time. Copies, columns and quirks: the data directory's README §2.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

SNAPSHOTS = "cbp_bwt/bwt_all_ports_sample_snapshots_2026-07.csv"
BROWNSVILLE = "cbp_bwt/brownsville_bwt_rss_history_2026-08.csv"
EL_PASO = "cbp_bwt/el_paso_bwt_scraped_2026-08.csv"
# the feed's passenger lane types -> poesim's lane types
SNAPSHOT_LANE_TYPE = {"standard_lanes": "General", "ready_lanes": "Ready", "NEXUS_SENTRI_lanes": "SENTRI"}
RSS_LANE_TYPE = {"General": "General", "Ready": "Ready", "Sentri": "SENTRI"}


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


def _clock_hour(update_time: str) -> int | None:
    """"1:00 pm CDT" -> 13; None if unreadable."""
    m = re.match(r"\s*(\d{1,2}):(\d{2})\s*([ap]m)", str(update_time).lower())
    if not m:
        return None
    h = int(m.group(1)) % 12
    return h + 12 if m.group(3) == "pm" else h


def observed_passenger(data_dir: str | Path, crossing: Crossing) -> pd.DataFrame | None:
    """The feed's recorded passenger-vehicle waits and lanes open at ``crossing``, one row per reading
    (hourly: repeats between scrapes dropped): ``date, hour, lane_type, wait_min, lanes_open``. None
    if no recorded history covers the crossing (only Brownsville's four crossings have one with lanes)."""
    d = _csv(data_dir, BROWNSVILLE)
    title = f"{crossing.port_name} - {crossing.crossing_name}"
    d = d[(d["port_title"] == title) & (d["category"] == "Passenger Vehicles") & (d["status"] == "reported")]
    if d.empty:
        return None
    d = d.drop_duplicates(["port_title", "category", "lane_type", "date", "update_time"])
    out = pd.DataFrame({
        "date": d["date"],
        "hour": d["update_time"].map(_clock_hour),
        "lane_type": d["lane_type"].map(RSS_LANE_TYPE),
        "wait_min": pd.to_numeric(d["delay_minutes"], errors="coerce"),
        "lanes_open": pd.to_numeric(d["lanes_open"], errors="coerce"),
    }).dropna()
    out["hour"] = out["hour"].astype(int)
    return out.reset_index(drop=True)


def hourly_profile(readings: pd.DataFrame) -> pd.DataFrame:
    """Mean wait and lanes open by lane type and clock hour over the recorded days, with the number
    of readings: ``lane_type, hour, wait_min, lanes_open, readings``."""
    return (readings.groupby(["lane_type", "hour"])
            .agg(wait_min=("wait_min", "mean"), lanes_open=("lanes_open", "mean"), readings=("wait_min", "size"))
            .reset_index())
