"""Lane groups: lanes, their lines and booths, and how travellers move through them.

A group's discipline is its class: ``SharedGroup`` (one FCFS line feeds every open lane) or
``PerLaneGroup`` (a line per lane; arrivals join the lane with the fewest travellers). Both
have stacked booths (a traveller enters a lane only if its rearmost booth is free and drives to
the booth just behind the last occupied one; travellers leave in order) and open and close
lanes non-preemptively. A new discipline is a new subclass: ``admit``, ``fill``, ``free_booth``
and the opening half of ``set_open``.

The group also carries the state the controllers keep on it (``staffing``: pool, roster,
policy, a decision pending, closed hours; ``choice``: the wait posted).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from heapq import heappush
from typing import Any

from sim.engine.ledger import Ledger
from sim.engine.loop import NORMAL, Call, Loop
from sim.model import GroupModel, PolicyModel

_INF = math.inf


class Lane:
    __slots__ = ("group", "index", "open", "occupants", "rear", "queue", "in_ready")

    def __init__(self, group: Group, index: int):
        self.group = group
        self.index = index
        self.open = False
        self.occupants: deque[list[Any]] = deque()  # [traveller, finished?, lane, done at] front first
        self.rear = -1  # position of the rearmost occupied booth, -1 when empty
        self.queue: deque[int] = deque()  # own line (per_lane discipline only)
        self.in_ready = False  # listed in the group's ``ready`` (shared discipline only)


def seconds_per_lane(gm: GroupModel) -> float:
    """Seconds per traveller of one busy lane: the mean service time, or for k stacked booths
    E[max of k service times] / k (a platoon clears when its slowest member does). Averaged
    over the group's programs; what a lane policy divides the line by to estimate the wait."""
    k = gm.booths_per_lane
    return sum(d.mean_max_s(k) for d in gm.service.values()) / (k * len(gm.service))


class HourlyFactors:
    """Service-time multipliers of the clock hour containing the time (``service_by_hour``),
    valid until ``until_s``: synced lazily, so no event orders against a change at :00."""

    __slots__ = ("until_s", "_clock0_s", "_groups")

    def __init__(self, groups: list[Group], clock0_s: float):
        self._clock0_s = clock0_s  # the window's start, as seconds since its midnight
        self._groups = [(g, g.by_hour) for g in groups if g.by_hour is not None]
        self.until_s = 0.0 if self._groups else _INF  # when the multipliers are next due

    def sync(self, now: float) -> None:
        hour = int((now + self._clock0_s) // 3600.0)
        for g, by_hour in self._groups:
            g.factor = by_hour[hour % 24]
        self.until_s = (hour + 1) * 3600.0 - self._clock0_s


class Group:
    """A lane group. Call ``bind`` before the run: it ties the group to the ledger, the loop and
    the service-done callback."""

    __slots__ = ("index", "k", "lanes", "queue", "ready", "n_open", "waiting", "peak", "service", "mean_s",
                 "lane_s", "pending", "by_hour", "factor", "pool", "policy", "roster", "posted_s", "posted_at_hour",
                 "closing", "spilled", "booth_steps", "_start", "_lane_of", "_svc", "_heap", "_ids", "_done", "_hours")

    per_lane = False

    def __init__(self, gm: GroupModel):
        self.index = gm.index
        self.k = gm.booths_per_lane
        self.lanes = [Lane(self, j) for j in range(gm.lanes)]
        self.queue: deque[int] = deque()  # the shared line (per_lane: the holding line while no lane is open)
        self.ready: list[Lane] = []  # open lanes with a free rear booth (shared discipline)
        self.n_open = 0
        self.waiting = 0  # travellers in line, all lines of the group
        self.peak = 0  # most travellers in line since the last hourly tick
        self.service: list[float] = []  # service time (s) of each traveller if served here (the ledger's column)
        self.mean_s = {p: d.mean_s for p, d in gm.service.items()}  # program -> mean service time (s)
        self.lane_s = seconds_per_lane(gm)  # seconds per traveller of one busy lane, for wait estimates
        self.by_hour: list[float] | None = None if gm.service_by_hour is None else list(gm.service_by_hour)
        self.factor = 1.0  # the service multiplier of the current clock hour (see HourlyFactors)
        self.pool: int | None = gm.pool  # index of the shared lane pool, or None
        self.policy: PolicyModel | None = gm.policy  # the group's lane policy, or None
        self.roster: int | None = gm.roster  # index of the officers' roster staffing its booths, or None
        self.pending = False  # a lane policy's decision waiting to take effect
        self.posted_s = 0.0  # the wait last posted for this group (s)
        self.posted_at_hour: list[float | None] = [None] * 24  # the wait last posted at each clock hour (s)
        self.closing = False  # in a closed hour of its policy: nobody joins; lanes close when the line is empty
        self.spilled = 0  # travellers set aside at its full lines (counted as waiting, never simulated)
        self.booth_steps: list[tuple[float, int]] = []  # (time_s, booths accepting travellers) as they change

    def bind(self, ledger: Ledger, loop: Loop, hours: HourlyFactors, done: Callable[[Call], None]) -> None:
        self.service = ledger.service[self.index]
        self._start, self._lane_of, self._svc = ledger.start, ledger.lane_of, ledger.svc
        self._heap, self._ids, self._done, self._hours = loop.heap, loop.ids, done, hours

    # -- travellers -------------------------------------------------------------------------

    def admit(self, i: int, now: float) -> None:
        """Traveller i joins the group: straight to a booth, or into a line."""
        raise NotImplementedError

    def fill(self, lane: Lane, now: float) -> None:
        """Let travellers into ``lane`` while its rear booth is free."""
        raise NotImplementedError

    def free_booth(self) -> bool:
        """Would a traveller joining now go straight to a booth?"""
        raise NotImplementedError

    def enter(self, lane: Lane, i: int, now: float) -> None:
        """Traveller i reaches a booth of ``lane``: the wait ends, inspection starts; the
        service-done callback gets ``[i, False, lane, time done]``."""
        hours = self._hours
        if now >= hours.until_s:
            hours.sync(now)
        d = self.service[i] * self.factor
        lane.rear += 1
        occ = [i, False, lane, now + d]  # traveller, finished?, lane, done at
        lane.occupants.append(occ)
        self._start[i] = now
        self._lane_of[i] = lane.index
        self._svc[i] = d
        heappush(self._heap, (now + d, NORMAL, next(self._ids), Call(self._done, occ)))  # = Loop.push, inlined

    # -- lanes ------------------------------------------------------------------------------

    def set_open(self, target: int, now: float) -> None:
        """Open lanes (lowest number first) or close them (idle ones first, highest number
        first; busy ones finish their travellers) until ``target`` accept travellers."""
        if target != self.n_open or not self.booth_steps:
            self.booth_steps.append((now, target * self.k))
        if target > self.n_open:
            self._open(target, now)
        elif target < self.n_open:
            order = sorted((ln for ln in self.lanes if ln.open),
                           key=lambda ln: (len(ln.occupants) + len(ln.queue) == 0, ln.index), reverse=True)
            for lane in order[: self.n_open - target]:
                lane.open = False
                self.n_open -= 1
                if lane.in_ready:
                    self.ready.remove(lane)
                    lane.in_ready = False

    def _open(self, target: int, now: float) -> None:
        raise NotImplementedError

    def wait_estimate(self, now: float) -> float:
        """A lane policy's estimate of the wait of a traveller joining now (s): travellers in line
        × seconds per traveller of a busy lane ÷ open lanes, × the hour's service multiplier."""
        if self.waiting == 0:
            return 0.0
        if not self.n_open:
            return _INF
        if now >= self._hours.until_s:
            self._hours.sync(now)
        return self.waiting * self.lane_s / self.n_open * self.factor

    def renumber(self, new_index: list[int]) -> None:
        """Map the traveller indices held in lines and at booths to their new places."""
        self.queue = deque(new_index[i] for i in self.queue)
        for lane in self.lanes:
            lane.queue = deque(new_index[i] for i in lane.queue)
            for occ in lane.occupants:
                occ[0] = new_index[occ[0]]  # the same lists ride in the pending service-done events


class SharedGroup(Group):
    """One FCFS line feeds every open lane."""

    __slots__ = ()

    def admit(self, i: int, now: float) -> None:
        if self.ready and not self.queue:
            lane = self.ready[-1]
            self.enter(lane, i, now)
            if lane.rear == self.k - 1:
                self.ready.pop()
                lane.in_ready = False
        else:  # (inline: the hot path)
            self.queue.append(i)
            self.waiting += 1
            if self.waiting > self.peak:
                self.peak = self.waiting

    def fill(self, lane: Lane, now: float) -> None:
        if not lane.open:
            return
        k1 = self.k - 1
        q = self.queue
        while q and lane.rear < k1:
            self.waiting -= 1
            self.enter(lane, q.popleft(), now)
        if lane.rear < k1 and not lane.in_ready:
            self.ready.append(lane)
            lane.in_ready = True

    def free_booth(self) -> bool:
        return bool(self.ready) and not self.queue

    def _open(self, target: int, now: float) -> None:
        for lane in self.lanes:
            if self.n_open == target:
                break
            if not lane.open:
                lane.open = True
                self.n_open += 1
                self.fill(lane, now)


class PerLaneGroup(Group):
    """Each lane has its own FCFS line; arrivals join the lane with the fewest travellers
    (waiting plus at the booths), lowest lane number on ties. A closing lane clears its own line."""

    __slots__ = ()
    per_lane = True

    def admit(self, i: int, now: float) -> None:
        best = None
        best_n = _INF
        for lane in self.lanes:
            if lane.open:
                n = len(lane.queue) + len(lane.occupants)
                if n < best_n:
                    best, best_n = lane, n
        if best is None:  # no lane open: wait in the group's holding line for the next opening
            line = self.queue
        elif not best.queue and best.rear < self.k - 1:
            self.enter(best, i, now)
            return
        else:
            line = best.queue
        line.append(i)
        self.waiting += 1
        if self.waiting > self.peak:
            self.peak = self.waiting

    def fill(self, lane: Lane, now: float) -> None:
        k1 = self.k - 1
        q = lane.queue
        while q and lane.rear < k1:
            self.waiting -= 1
            self.enter(lane, q.popleft(), now)

    def free_booth(self) -> bool:
        return any(ln.open and not ln.queue and ln.rear < self.k - 1 for ln in self.lanes)

    def _open(self, target: int, now: float) -> None:
        lanes = self.lanes
        for lane in lanes:
            if self.n_open == target:
                break
            if not lane.open:
                lane.open = True
                self.n_open += 1
        # the holding line (kept while no lane was open) spreads over the open lanes in order
        while self.queue:
            open_lanes = [ln for ln in lanes if ln.open]
            shortest = min(open_lanes, key=lambda ln: (len(ln.queue) + len(ln.occupants), ln.index))
            shortest.queue.append(self.queue.popleft())
        for lane in lanes:
            if lane.open:
                self.fill(lane, now)


def make_group(gm: GroupModel) -> Group:
    """The group of ``gm``'s discipline."""
    return PerLaneGroup(gm) if gm.per_lane else SharedGroup(gm)
