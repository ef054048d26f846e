"""The per-traveller ledger: what the engine knows about each traveller it holds, as columns.

Columns are plain lists (indexing a list is the fastest thing the hot path can do) owned by one
``Ledger``: ``feed`` appends travellers, ``forget`` drops those who have left and renumbers the
rest, ``columns`` hands them out as arrays for ``Records``. ``forget`` changes the lists in
place, so the other parts of the engine may hold a column (e.g. ``ledger.start``) for good.
"""

from __future__ import annotations

import math
from itertools import compress

import numpy as np

from sim.travellers import Travellers

_INF = math.inf


class Ledger:
    """Travellers fed and not yet forgotten, in arrival order; index = place in the ledger."""

    COLUMNS = ("uid", "arrival", "program", "stream", "choice_u", "referred", "secondary_s",
               "group_of", "lane_of", "start", "svc", "depart", "sec_start", "sec_end", "shifted")

    def __init__(self, n_groups: int):
        # drawn before the run (from Travellers) ...
        self.uid: list[int] = []  # each traveller's number in the replication (arrival order)
        self.arrival: list[float] = []  # arrival time (s); a driver who shifts gets the later one
        self.program: list[int] = []
        self.stream: list[int] = []
        self.choice_u: list[float] = []  # the lane-choice uniform
        self.referred: list[bool] = []
        self.secondary_s: list[float] = []  # secondary inspection time, if referred
        # ... and what happened to them (inf or -1: not yet, or never)
        self.group_of: list[int] = []
        self.lane_of: list[int] = []
        self.start: list[float] = []  # reached a booth: the wait ends
        self.svc: list[float] = []  # primary inspection time
        self.depart: list[float] = []  # left primary
        self.sec_start: list[float] = []
        self.sec_end: list[float] = []
        self.shifted: list[int] = []  # hours the traveller shifted their departure by
        self.service: list[list[float]] = [[] for _ in range(n_groups)]  # per group: service time if served there
        self.fed = 0  # travellers fed so far (forgotten ones included)

    def __len__(self) -> int:
        return len(self.arrival)

    def feed(self, travellers: Travellers) -> None:
        """Append travellers (arriving no earlier than those fed before)."""
        n = len(travellers)
        self.uid += range(self.fed, self.fed + n)
        self.fed += n
        for g, column in enumerate(self.service):
            column += travellers.service_s[g].tolist()
        self.arrival += travellers.arrival_s.tolist()
        self.program += travellers.program.tolist()
        self.stream += travellers.stream.tolist()
        self.choice_u += travellers.choice_u.tolist()
        self.referred += travellers.referred.tolist()
        self.secondary_s += travellers.secondary_s.tolist()
        self.group_of += [-1] * n
        self.lane_of += [-1] * n
        self.shifted += [0] * n
        for column in (self.start, self.svc, self.depart, self.sec_start, self.sec_end):
            column += [_INF] * n

    def left(self, arrived: int) -> np.ndarray:
        """Boolean mask: travellers who have left (primary, or secondary if referred), among the
        first ``arrived``."""
        gone = np.zeros(len(self), dtype=bool)
        gone[:arrived] = np.where(np.asarray(self.referred[:arrived], dtype=bool),
                                  np.asarray(self.sec_end[:arrived]), np.asarray(self.depart[:arrived])) < _INF
        return gone

    def forget(self, gone: np.ndarray) -> list[int]:
        """Drop the travellers of the mask ``gone`` (in place); returns each old index's new one
        (valid for those kept), for whoever holds indices."""
        keep = ~gone
        keep_list = keep.tolist()
        for name in self.COLUMNS:
            column = getattr(self, name)
            column[:] = compress(column, keep_list)
        for column in self.service:
            column[:] = compress(column, keep_list)
        return (np.cumsum(keep) - 1).tolist()

    def columns(self, rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The per-traveller fields of ``Records`` (of the rows selected by the boolean mask
        ``rows``); times not reached are NaN."""

        def arr(x: list, dtype: type = float) -> np.ndarray:
            a: np.ndarray = np.asarray(x, dtype=dtype)
            a = a[rows] if rows is not None else a
            if dtype is float:
                a[np.isinf(a)] = np.nan
            return a

        return {
            "arrival_s": arr(self.arrival),
            "stream": arr(self.stream, np.int64),
            "program": arr(self.program, np.int64),
            "group": arr(self.group_of, np.int64),
            "lane": arr(self.lane_of, np.int64),
            "start_s": arr(self.start),
            "service_s": arr(self.svc),
            "depart_s": arr(self.depart),
            "referred": arr(self.referred, bool),
            "sec_start_s": arr(self.sec_start),
            "sec_end_s": arr(self.sec_end),
            "traveller": arr(self.uid, np.int64),
            "shifted_h": arr(self.shifted, np.int64),
        }
