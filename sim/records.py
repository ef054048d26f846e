"""Per-traveller records of one replication: what happened to whom, and when.

The engine fills these arrays; everything downstream (statistics, reports) reads them.
Times are seconds since the window start; NaN means "did not happen before the run ended".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.model import PROGRAMS, Model


@dataclass
class Records:
    """What happened to each traveller in one replication (row i = traveller i)."""

    replication: int
    start: dt.datetime
    horizon_s: float
    warmup_s: float
    end_s: float  # simulation clock when the run stopped
    stream_names: tuple[str, ...]
    group_names: tuple[str, ...]
    group_modes: tuple[str, ...]
    group_booths: tuple[tuple[tuple[float, int], ...], ...]  # per group: (time_s, booths open) steps
    arrival_s: np.ndarray
    stream: np.ndarray
    program: np.ndarray
    group: np.ndarray  # lane group chosen (int)
    lane: np.ndarray  # lane within the group (int, -1 if never reached a booth)
    start_s: np.ndarray  # reached a booth: the wait ends
    service_s: np.ndarray  # primary inspection time
    depart_s: np.ndarray  # left the primary lane (later than start+service if blocked by a stacked booth ahead)
    referred: np.ndarray
    sec_start_s: np.ndarray
    sec_end_s: np.ndarray
    queue_peak: np.ndarray | None = None  # [group, hour of the run]: most travellers in line in that hour
    traveller: np.ndarray | None = None  # each row's traveller number in the replication (arrival order)
    group_ports: tuple[str, ...] = ()  # the port of each lane group
    shifted_h: np.ndarray | None = None  # hours each traveller shifted their departure by (arrival_s is the later one)
    group_lane_booths: tuple[int, ...] = ()  # booths per lane of each lane group
    group_roster: tuple[int, ...] = ()  # the roster staffing each lane group (-1: none)
    rosters: tuple[tuple[str, tuple[tuple[float, int], ...]], ...] = ()  # (name, (time_s, officers) steps)

    @property
    def gave_up(self) -> np.ndarray:
        """Travellers who chose not to cross (posted-wait logit's give-up alternative): no lane group."""
        return (self.group < 0) & ~np.isnan(self.depart_s)

    def __len__(self) -> int:
        return len(self.arrival_s)

    @property
    def wait_s(self) -> np.ndarray:
        """Time from joining the line to reaching a booth (NaN if still waiting at the end)."""
        return self.start_s - self.arrival_s

    def counted(self) -> np.ndarray:
        """Mask of travellers that arrive after the warm-up (those the statistics count)."""
        return self.arrival_s >= self.warmup_s

    def to_frame(self) -> pd.DataFrame:
        """One row per traveller, with names instead of indices and waits in minutes."""
        t0 = pd.Timestamp(self.start)
        return pd.DataFrame(
            {
                "replication": self.replication,
                "stream": pd.Categorical.from_codes(self.stream, categories=pd.Index(self.stream_names)),
                "program": pd.Categorical.from_codes(self.program, categories=pd.Index(PROGRAMS)),
                "lane_group": pd.Categorical.from_codes(self.group, categories=pd.Index(self.group_names)),
                "lane": self.lane,
                "arrival": t0 + pd.to_timedelta(self.arrival_s, unit="s"),
                "arrival_s": self.arrival_s,
                "wait_min": self.wait_s / 60.0,
                "service_s": self.service_s,
                "depart_s": self.depart_s,
                "referred": self.referred,
                "secondary_wait_min": (self.sec_start_s - self.depart_s) / 60.0,
                "secondary_service_s": self.sec_end_s - self.sec_start_s,
                "counted": self.counted(),
                "shifted_h": self.shifted_h if self.shifted_h is not None else 0,
                "gave_up": self.gave_up,
            }
        )


def model_fields(m: Model) -> dict[str, Any]:
    """The fields of ``Records`` that describe the model rather than the run: the same whichever
    engine ran it."""
    return {
        "start": m.start,
        "horizon_s": m.horizon_s,
        "warmup_s": m.warmup_s,
        "stream_names": tuple(s.name for s in m.streams),
        "group_names": tuple(g.name for g in m.groups),
        "group_modes": tuple(g.mode for g in m.groups),
        "group_ports": tuple(g.port for g in m.groups),
        "group_lane_booths": tuple(g.booths_per_lane for g in m.groups),
        "group_roster": tuple(-1 if g.roster is None else g.roster for g in m.groups),
        "rosters": tuple((r.name, r.schedule) for r in m.rosters),
    }
