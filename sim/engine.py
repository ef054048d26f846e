"""The discrete-event engine: one replication of a model on SimPy's event loop.

Semantics (what a planner can rely on):

* **Wait** runs from the moment a traveller joins a line (arrival) to the moment they reach a
  booth (start of primary inspection). Time blocked behind a stacked booth is not wait.
* **Lane choice** happens once, on arrival, among the lane groups that accept the traveller's
  program. ``shortest_expected_wait``: the group where they expect to clear primary soonest
  (expected wait from the line ahead and the open booths, plus their mean service time there,
  so a SENTRI driver facing no line anywhere takes the faster SENTRI booth); a group with no
  lane open is never chosen while another is open. ``fixed_shares``: by a per-traveller
  uniform draw. Nobody switches lines later.
* **Disciplines.** ``shared``: one FCFS line feeds every open lane of the group. ``per_lane``:
  each lane has its own FCFS line and arrivals join the lane with the fewest travellers
  (waiting plus at the booths), lowest lane number on ties.
* **Stacked booths** (``booths_per_lane`` = k): booths stand one behind the other. A traveller
  enters a lane only if the rearmost booth is free, and drives to the booth just behind the
  last occupied one; travellers leave in order, so one finished early waits for the one ahead.
  Under heavy load this gives 2/E[max(S1, S2)] per lane for k = 2: +50–60 % for CV ≈ 0.5.
* **Opening and closing** follow the group's schedule, non-preemptively: a lane that closes
  takes no one new, finishes the travellers at its booths, and (``per_lane``) clears its own
  line first. Lanes open lowest-numbered first and close highest-numbered first.
* **Lane policy** (instead of a schedule): every review interval the group's expected wait
  for a traveller joining now is estimated (travellers in line × seconds per traveller of a
  busy lane ÷ open lanes; a lane of k stacked booths clears k travellers per E[max of k
  service times]);
  above the target band one more lane opens, below it one closes (non-preemptively, as above),
  a reaction time after the decision, within the policy's lane limits.
* **Shared lane pools** (``lane_pools`` and a group's ``pool``): policy groups that share a
  pool's physical lanes open a lane while one is free; it is taken when the decision is made and
  returned when the lane closes. When the pool is full, a group above its target takes a lane
  from the member whose estimated wait is the smallest share of its own upper target, if that
  share is below the taker's by a margin (``POOL_MARGIN``); the donor closes it, non-preemptively.
* **Officers** (``staffing`` rosters and a group's ``staffed_by``): one officer staffs one booth, so
  the policy groups of a roster together never have more booths open than officers on duty. A
  lane opens only while k officers are free (k = booths per lane); when none are, a group above
  its target takes a lane's officers from the member whose line is the smallest share of its own
  upper target (as for pools; a group of lower policy ``priority`` gives way first, whatever its
  line). Officers are taken when the decision is made and returned when the lane closes. When
  the roster falls, lanes close at once (non-preemptively), shortest line for its target
  first (whatever the priority: officers going off duty leave the quietest booths), until the
  booths open fit the officers on duty; when it rises, the policies open lanes at their next
  review. A group left below ``min_lanes`` reopens as soon as
  officers are free. In a policy's ``closed_hours`` (hours of operation) nobody joins the group
  and its lanes close, releasing their officers, once its line is empty.
* **Posted waits and driver choice** (``posted_wait_logit``): every posting interval each group's
  wait is posted (the policy's estimate for a driver joining then: line × seconds per traveller
  ÷ open lanes). Arriving drivers choose among the groups open to them (a group with no lane
  open and none opening is unavailable) by a logit on the posted waits, tolls, access times and
  bias constants, inverting the logit's distribution at their own uniform draw (so the same
  driver makes the same choice when nothing they see differs). By default the logit picks the
  port (worth its best available group for the driver) and, at the port, the driver joins the
  group they expect to clear soonest from the lines in sight (as ``shortest_expected_wait``);
  ``lane_by: posted_wait`` lets the logit pick the group itself. With a give-up alternative, a
  driver who takes it leaves at once without crossing (recorded with no lane group). With
  ``shift_h``, coming back 1..shift_h hours later is an alternative too, judged by the waits last
  posted at that clock hour (a day earlier; the current post before any) and a penalty per hour; a driver who
  shifts arrives again then (their arrival time is the later one, ``shifted_h`` says by how much)
  and decides again without shifting. No shift reaches past the window.
* **Service by hour** (``service_by_hour``): a traveller's service time is multiplied by the
  factor of the clock hour in which their service starts (and so is a lane policy's estimate).
* **Secondary**: a referred traveller leaves primary for the mode's secondary facility, one
  FCFS line for all positions.
* After the window no one new arrives; those in the system are served for up to ``drain_s``.

Speed: one SimPy event per arrival and one per service completion, handled by plain
callbacks on ``simpy.Timeout`` events (no process per traveller, which is ~5× slower).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable, Iterator
from heapq import heappush as _heappush
from itertools import compress
from typing import Any

import numpy as np
import simpy
from simpy.events import NORMAL, URGENT

from sim.model import Model, PolicyModel
from sim.records import Records
from sim.travellers import Travellers

_INF = math.inf
POOL_MARGIN = 1.25  # a full pool moves a lane only to a line this much longer (relative to its target)


class _Call:
    """A bare SimPy event: already triggered, one callback, a payload in ``_value``.

    ``Environment.step`` needs only ``callbacks``, ``_ok`` and ``_value``; skipping
    ``simpy.Event.__init__`` and its bookkeeping is what makes callbacks cheap."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback, value):
        self.callbacks = [callback]
        self._ok = True
        self._value = value


class _Lane:
    __slots__ = ("group", "index", "open", "occupants", "rear", "queue", "in_ready")

    def __init__(self, group: _Group, index: int):
        self.group = group
        self.index = index
        self.open = False
        self.occupants: deque = deque()  # [traveller, finished?] front first
        self.rear = -1  # position of the rearmost occupied booth, -1 when empty
        self.queue: deque = deque()  # own line (per_lane discipline only)
        self.in_ready = False


def _seconds_per_lane(gm) -> float:
    """Seconds per traveller of one busy lane: the mean service time, or for k stacked booths
    E[max of k service times] / k (a platoon clears when its slowest member does). Averaged
    over the group's programs; what a lane policy divides the line by to estimate the wait."""
    k = gm.booths_per_lane
    return sum(d.mean_max_s(k) for d in gm.service.values()) / (k * len(gm.service))


class _Group:
    __slots__ = ("index", "k", "per_lane", "lanes", "queue", "ready", "n_open", "waiting", "peak", "service", "mean_s",
                 "lane_s", "pending", "by_hour", "factor", "pool", "policy", "roster", "posted_s", "posted_at_hour",
                 "closing", "spilled")

    def __init__(self, index: int, n_lanes: int, k: int, per_lane: bool, service: list[float],
                 mean_s: dict[int, float]):
        self.index = index
        self.k = k
        self.per_lane = per_lane
        self.lanes = [_Lane(self, j) for j in range(n_lanes)]
        self.queue: deque = deque()  # shared line
        self.ready: list[_Lane] = []  # open lanes with a free rear booth (shared discipline)
        self.n_open = 0
        self.waiting = 0  # travellers in line, all lines of the group
        self.peak = 0  # most travellers in line since the last hourly tick
        self.service = service  # service time (s) of each traveller if served here
        self.mean_s = mean_s  # program -> mean service time (s), for lane choice
        self.lane_s = 0.0  # seconds per traveller of one busy lane, for wait estimates (set by the engine)
        self.pending = False  # a lane policy's decision waiting to take effect
        self.by_hour: list[float] | None = None  # service-time multiplier by clock hour of service start, or None
        self.factor = 1.0  # the multiplier of the current clock hour (see Engine._sync_factors)
        self.pool: int | None = None  # index of the shared lane pool, or None
        self.policy: PolicyModel | None = None  # the group's lane policy, or None
        self.roster: int | None = None  # index of the officers' roster staffing its booths, or None
        self.posted_s = 0.0  # the wait last posted for this group (s)
        self.posted_at_hour: list[float | None] = [None] * 24  # the wait last posted at each clock hour (s)
        self.closing = False  # in a closed hour of its policy: nobody joins; lanes close when the line is empty
        self.spilled = 0  # travellers set aside at its full lines (counted as waiting, never simulated)


# posted-wait logit: an alternative is a port's groups (or one group), each with the fixed part of its utility;
# a stream's spec is (utils per s of posted wait, alternatives by program, give-up utility, shift_h, utils per h)
_Alternative = list[tuple[_Group, float]]
_LogitSpec = tuple[float, dict[int, list[_Alternative]], float | None, int, float]


class Engine:
    """Runs one replication. ``Engine(model, travellers).run()`` → ``Records`` for a whole
    window; for long windows, ``feed`` travellers a day at a time, ``advance`` the clock and
    ``retire`` the travellers who have left, so memory stays bounded (see ``runner._run_streaming``)."""

    def __init__(self, model: Model, travellers: Travellers | None = None, replication: int = 0):
        self.model = model
        self.replication = replication
        self.env = simpy.Environment()
        self._schedule: Callable[..., None] = self.env.schedule  # takes our _Call too (it duck-types an Event)
        self._queue: list[Any] = self.env._queue  # SimPy's event heap and id counter, for the hot path
        self._eid = self.env._eid
        self._done_cb = self._on_service_done
        self._next_arrival = 0
        self.groups = [
            _Group(g.index, g.lanes, g.booths_per_lane, g.per_lane, [], {p: d.mean_s for p, d in g.service.items()})
            for g in model.groups
        ]
        for gm, g in zip(model.groups, self.groups, strict=True):
            g.lane_s = _seconds_per_lane(gm)
            if gm.service_by_hour is not None:
                g.by_hour = list(gm.service_by_hour)
            g.pool = gm.pool
            g.policy = gm.policy
            g.roster = gm.roster
        self.pool_free = list(model.pool_lanes)  # lanes of each pool neither open nor promised to a group
        self.roster_free = [0] * len(model.rosters)  # officers on duty neither at a booth nor promised to one
        self.roster_on_duty = [0] * len(model.rosters)
        self._keep_staffed = [r.keep_staffed for r in model.rosters]
        self._roster_members = [[g for gm, g in zip(model.groups, self.groups, strict=True)
                                 if gm.roster == r and gm.policy is not None] for r in range(len(model.rosters))]
        start = model.start
        self._clock0_s = start.hour * 3600.0 + start.minute * 60.0 + start.second  # window start, time of day
        self._factor_groups = [(g, g.by_hour) for g in self.groups if g.by_hour is not None]
        self._factors_until_s = 0.0 if self._factor_groups else _INF  # when the multipliers are next due
        self.arrival: list[float] = []
        self.program: list[int] = []
        self.stream: list[int] = []
        self.choice_u: list[float] = []
        self.referred: list[bool] = []
        self.secondary_s: list[float] = []
        self.group_of: list[int] = []
        self.lane_of: list[int] = []
        self.start: list[float] = []
        self.svc: list[float] = []
        self.depart: list[float] = []
        self.sec_start: list[float] = []
        self.sec_end: list[float] = []
        self.in_system = 0
        self.uid: list[int] = []  # each held traveller's number in the replication (arrival order)
        self._max_in_line = model.max_in_line  # beyond it, arrivals to a line are counted, not simulated
        self._spilled: list[int] = []  # travellers set aside at a full line since the last retire
        self.shifted: list[int] = []  # hours each traveller shifted their departure by (posted_wait_logit)
        self._fed = 0
        # per stream: per program, the candidate groups and fixed shares
        self.candidates = [{p: [self.groups[i] for i in gi] for p, gi in s.eligible.items()} for s in model.streams]
        self.shares = [
            None if s.fixed_shares is None else [(self.groups[gi], c) for gi, c in s.fixed_shares]
            for s in model.streams
        ]
        # posted-wait logit: per stream, per program, the alternatives (one per port, or one per group),
        # each a list of (group, fixed part of its utility)
        self.logit: list[_LogitSpec | None] = []
        for s in model.streams:
            if s.logit is None:
                self.logit.append(None)
                continue
            by_program: dict[int, list[_Alternative]] = {}
            for p, gi_list in s.eligible.items():
                members = [(self.groups[gi], s.logit.fixed_utils[gi]) for gi in gi_list]
                if s.logit.lane_by_line_seen:
                    ports = list(dict.fromkeys(model.groups[gi].port for gi in gi_list))
                    by_program[p] = [
                        [m for m, gi in zip(members, gi_list, strict=True) if model.groups[gi].port == port]
                        for port in ports
                    ]
                else:
                    by_program[p] = [[m] for m in members]
            self.logit.append((s.logit.wait_utils_per_s, by_program, s.logit.give_up_utils,
                               s.logit.shift_h, s.logit.shift_utils_per_h))
        self.sec_free = {m: f.positions for m, f in model.secondary.items()}
        self.sec_queue: dict[str, deque] = {m: deque() for m in model.secondary}
        self.stream_mode = [s.mode for s in model.streams]
        # largest line (all lines of a group) seen in each hour of the run, per group
        n_hours = int(math.ceil((model.horizon_s + model.drain_s) / 3600.0)) + 1
        self.queue_peak = np.zeros((len(model.groups), n_hours))
        self._booth_steps: list[list[tuple[float, int]]] = [[] for _ in model.groups]  # (time_s, booths accepting)
        for gm, g in zip(model.groups, self.groups, strict=True):  # a pool group starts with its min_lanes taken
            if g.pool is not None:
                self.pool_free[g.pool] -= gm.schedule[0][1]
            if g.roster is not None:  # ... and its officers (the roster's first step is applied after)
                self.roster_free[g.roster] -= gm.schedule[0][1] * g.k
        for gm, g in zip(model.groups, self.groups, strict=True):  # each change schedules the next (small heap)
            self._at(gm.schedule[0][0], self._on_schedule, (g, gm.schedule, 0), URGENT)
            if gm.policy is not None:
                self._at(gm.policy.review_s, self._on_review, (g, gm.policy), URGENT)
        for r, roster in enumerate(model.rosters):  # after the groups' first lanes open at t = 0
            self._at(roster.schedule[0][0], self._on_roster, (r, roster.schedule, 0), URGENT)
        if any(x is not None for x in self.logit):
            self._at(model.posting_interval_s, self._on_post, None, URGENT)
        self._at(3600.0, self._on_hour, 1, URGENT)
        self._closable = [(g, g.policy) for g in self.groups if g.policy is not None and g.policy.closed_hours]
        if self._closable:  # hours of operation: a tick at every clock hour (the first one now)
            self._at(0.0, self._on_clock_hour, None, URGENT)
        if travellers is not None:
            self.feed(travellers)

    def feed(self, travellers: Travellers) -> None:
        """Append travellers (arriving no earlier than those fed before) to the run."""
        n = len(travellers)
        self.uid += range(self._fed, self._fed + n)
        self._fed += n
        for g in self.groups:
            g.service += travellers.service_s[g.index].tolist()
        self.arrival += travellers.arrival_s.tolist()
        self.program += travellers.program.tolist()
        self.stream += travellers.stream.tolist()
        self.choice_u += travellers.choice_u.tolist()
        self.referred += travellers.referred.tolist()
        self.secondary_s += travellers.secondary_s.tolist()
        self.group_of += [-1] * n
        self.lane_of += [-1] * n
        self.shifted += [0] * n
        for lst in (self.start, self.svc, self.depart, self.sec_start, self.sec_end):
            lst += [_INF] * n

    # -- scheduling helpers -----------------------------------------------------------------

    def _at(self, delay: float, callback, value, priority=NORMAL) -> None:
        self._schedule(_Call(callback, value), priority, delay)

    # -- arrivals and lane choice -----------------------------------------------------------

    def _arrive(self, i: int) -> None:
        self.in_system += 1
        self._join(i)

    def _on_return(self, ev) -> None:
        """A driver who shifted their departure arrives again (and decides again, without shifting)."""
        i = ev._value[0]
        self.arrival[i] = self.env._now
        self._join(i)

    def _join(self, i: int) -> None:
        s = self.stream[i]
        shares = self.shares[s]
        logit = self.logit[s]
        if shares is not None:
            u = self.choice_u[i]
            g = next(grp for grp, c in shares if u < c) if u < shares[-1][1] else shares[-1][0]
        elif logit is not None:
            alt = self._logit_choice(logit, self.program[i], self.choice_u[i], not self.shifted[i])
            if isinstance(alt, int):  # comes back ``alt`` hours later
                self.shifted[i] = alt
                self._at(3600.0 * alt, self._on_return, [i])
                return
            if alt is None:  # gave up: leaves at once without crossing (and so is never referred)
                self.depart[i] = self.env._now
                self.referred[i] = False
                self.in_system -= 1
                return
            g = alt[0][0] if len(alt) == 1 else self._shortest_expected_wait([m for m, _ in alt], self.program[i])
        else:
            cands = self.candidates[s][self.program[i]]
            g = cands[0] if len(cands) == 1 else self._shortest_expected_wait(cands, self.program[i])
        self.group_of[i] = g.index
        if g.waiting >= self._max_in_line:
            self._spill(g, i)
            return
        if g.per_lane:
            best = None
            best_n = _INF
            for lane in g.lanes:
                if lane.open:
                    n = len(lane.queue) + len(lane.occupants)
                    if n < best_n:
                        best, best_n = lane, n
            if best is None:  # no lane open: wait in the group's holding line for the next opening
                g.queue.append(i)
                g.waiting += 1
                if g.waiting > g.peak:
                    g.peak = g.waiting
            elif not best.queue and best.rear < g.k - 1:
                self._enter(best, i)
            else:
                best.queue.append(i)
                g.waiting += 1
                if g.waiting > g.peak:
                    g.peak = g.waiting
        else:
            if g.ready and not g.queue:
                lane = g.ready[-1]
                self._enter(lane, i)
                if lane.rear == g.k - 1:
                    g.ready.pop()
                    lane.in_ready = False
            else:
                g.queue.append(i)
                g.waiting += 1
                if g.waiting > g.peak:
                    g.peak = g.waiting

    def _spill(self, g: _Group, i: int) -> None:
        """Set traveller i aside from ``g``'s full lines: counted in the line until the run ends but
        never served (they stay in the system, so the run drains to its end); forgotten at the next
        retire, so an overloaded run holds at most ``max_in_line`` travellers per line."""
        self._spilled.append(i)
        g.spilled += 1
        if g.waiting + g.spilled > g.peak:
            g.peak = g.waiting + g.spilled

    def _logit_choice(
        self, spec: _LogitSpec, program: int, u: float, may_shift: bool = True
    ) -> _Alternative | int | None:
        """Posted-wait logit: the alternative (a port's available groups, or one group) whose
        cumulative probability first exceeds ``u``; an int h: come back h hours later; None: the
        give-up alternative, listed last. An alternative is worth its best available group (fixed
        utility + posted wait); a later hour is worth the best group's fixed utility + the wait last
        posted at that clock hour, plus the shift penalty. Unavailable: groups with no lane open or
        opening. If nothing is available and there is no give-up option, the first candidate group."""
        wait_b, by_program, give_up, shift_h, shift_b = spec
        utils: list[tuple[_Alternative | int | None, float]] = []
        for alt in by_program[program]:
            avail = [(g, fixed + wait_b * g.posted_s) for g, fixed in alt if (g.n_open or g.pending) and not g.closing]
            if avail:
                utils.append((avail, max(v for _, v in avail)))
        if shift_h and may_shift:
            now = self.env._now
            hour = int((now + self._clock0_s) // 3600.0)
            for h in range(1, shift_h + 1):
                if now + 3600.0 * h >= self.model.horizon_s:
                    break
                at = (hour + h) % 24
                later = max(fixed + wait_b * (g.posted_s if (posted := g.posted_at_hour[at]) is None else posted)
                            for alt in by_program[program] for g, fixed in alt)
                utils.append((h, later + shift_b * h))
        if give_up is not None:
            utils.append((None, give_up))
        if not utils:
            return [(by_program[program][0][0][0], 0.0)]
        if len(utils) == 1:
            return utils[0][0]
        top = max(v for _, v in utils)
        weights = [math.exp(v - top) for _, v in utils]
        x = u * sum(weights)
        for (g, _), w in zip(utils, weights, strict=True):
            x -= w
            if x < 0:
                return g
        return utils[-1][0]

    def _on_post(self, ev) -> None:
        """Post every group's current wait estimate (what arriving drivers see until the next post)."""
        self._at(self.model.posting_interval_s, self._on_post, None, URGENT)
        hour = int((self.env._now + self._clock0_s) // 3600.0) % 24
        for g in self.groups:
            g.posted_s = self._wait_estimate(g)
            g.posted_at_hour[hour] = g.posted_s

    def _shortest_expected_wait(self, cands: list[_Group], program: int) -> _Group:
        """The candidate group where the traveller expects to be through primary soonest:
        expected wait (travellers in line ahead, plus this one, × mean service ÷ open booths;
        zero if a booth is free) plus their own mean service time there. Ties: first listed."""
        best, best_t = cands[0], _INF
        for g in cands:
            if g.n_open == 0 or g.closing:
                continue
            mean_s = g.mean_s[program]
            if g.per_lane:
                free = any(ln.open and not ln.queue and ln.rear < g.k - 1 for ln in g.lanes)
            else:
                free = bool(g.ready) and not g.queue
            k_wait = 0.0 if free else (g.waiting + 1) * mean_s / (g.n_open * g.k)
            t = k_wait + mean_s
            if t < best_t:
                best, best_t = g, t
        return best

    # -- primary inspection -----------------------------------------------------------------

    def _enter(self, lane: _Lane, i: int) -> None:
        """Traveller i reaches a booth of ``lane``: the wait ends, inspection starts."""
        now = self.env._now
        lane.rear += 1
        occ = [i, False, lane]  # traveller, finished?, lane; rides in the completion event
        lane.occupants.append(occ)
        self.start[i] = now
        self.lane_of[i] = lane.index
        if now >= self._factors_until_s:
            self._sync_factors(now)
        d = lane.group.service[i] * lane.group.factor
        self.svc[i] = d
        _heappush(self._queue, (now + d, NORMAL, next(self._eid), _Call(self._done_cb, occ)))

    def _on_service_done(self, ev) -> None:
        occ = ev._value
        lane = occ[2]
        occ[1] = True
        occupants = lane.occupants
        now = self.env._now
        while occupants and occupants[0][1]:
            j = occupants.popleft()[0]
            self.depart[j] = now
            if self.referred[j]:
                self._to_secondary(j)
            else:
                self.in_system -= 1
        if not occupants:
            lane.rear = -1
        self._fill(lane)

    def _fill(self, lane: _Lane) -> None:
        """Let travellers into ``lane`` while its rear booth is free."""
        g = lane.group
        k1 = g.k - 1
        if g.per_lane:
            q = lane.queue
            while q and lane.rear < k1:
                g.waiting -= 1
                self._enter(lane, q.popleft())
            return
        if not lane.open:
            return
        q = g.queue
        while q and lane.rear < k1:
            g.waiting -= 1
            self._enter(lane, q.popleft())
        if lane.rear < k1 and not lane.in_ready:
            g.ready.append(lane)
            lane.in_ready = True

    # -- opening schedules ------------------------------------------------------------------

    def _on_schedule(self, ev) -> None:
        g, steps, k = ev._value
        if k + 1 < len(steps):
            self._at(steps[k + 1][0] - self.env._now, self._on_schedule, (g, steps, k + 1), URGENT)
        self._set_open(g, steps[k][1])

    def _on_review(self, ev) -> None:
        """Lane-opening policy: estimate the wait of a traveller joining now; open or close one
        lane (after the reaction time) if it is outside the target band. Under a ``keep_staffed``
        roster a group with a line also opens a lane whenever officers are free, and closes one for a
        short line only to send its officers to a line that is not short."""
        g, p = ev._value
        self._at(p.review_s, self._on_review, ev._value, URGENT)
        if g.pending:
            return
        if g.closing:
            self._close_if_empty(g)
            return
        estimate = self._wait_estimate(g)
        delta = 0
        keep = g.roster is not None and self._keep_staffed[g.roster]
        want = estimate > p.high_wait_s or g.n_open < p.min_lanes  # (closed hours: above)
        if (want or (keep and g.waiting > 0 and self._neediest(g))) and g.n_open < p.max_lanes:
            need_lane = g.pool is not None and self.pool_free[g.pool] <= 0
            need_staff = g.roster is not None and self.roster_free[g.roster] < g.k
            if not (need_lane or need_staff):
                delta = 1
            elif want:  # pool or roster used up: take a lane from the member whose line is shortest for its band
                pressure = estimate / p.high_wait_s if estimate > p.high_wait_s else _INF
                donor = self._donor(g, pressure, need_lane, need_staff)
                if donor is not None:
                    assert donor.policy is not None  # donors are policy groups
                    donor.pending = True
                    self._at(donor.policy.reaction_s, self._on_policy_change, (donor, -1), URGENT)
                    delta = 1  # the donor's lane and officers come back when it closes
            if delta:  # promise the lane and its officers to this group now
                if g.pool is not None:
                    self.pool_free[g.pool] -= 1
                if g.roster is not None:
                    self.roster_free[g.roster] -= g.k
        elif estimate < p.low_wait_s and g.n_open > p.min_lanes and (not keep or self._officer_wanted(g)):
            delta = -1
        if delta:
            g.pending = True
            self._at(p.reaction_s, self._on_policy_change, (g, delta), URGENT)

    def _takers(self, g: _Group, skip_pending: bool, g_frees_a_lane: bool) -> Iterator[tuple[_Group, PolicyModel]]:
        """The other policy groups of g's roster that could open a lane now (open, below max_lanes, a
        pool lane free, or g's own when ``g_frees_a_lane``); with ``skip_pending``, none with a decision due."""
        assert g.roster is not None  # only rostered groups look for takers
        for h in self._roster_members[g.roster]:
            hp = h.policy
            assert hp is not None  # roster members are policy groups
            if h is g or h.closing or (skip_pending and h.pending) or h.n_open >= hp.max_lanes:
                continue
            if h.pool is not None and self.pool_free[h.pool] <= 0 and not (g_frees_a_lane and h.pool == g.pool):
                continue
            yield h, hp

    def _neediest(self, g: _Group) -> bool:
        """Under a ``keep_staffed`` roster, free officers go to the line longest for its band: ``g``
        may take one only if no other group of the roster that can open a lane has a longer one."""
        share = self._share_of_target(g)
        return not any(h.waiting > 0 and self._share_of_target(h) > share
                       for h, _ in self._takers(g, skip_pending=True, g_frees_a_lane=False))

    def _officer_wanted(self, g: _Group) -> bool:
        """Under a ``keep_staffed`` roster, a lane whose line is short closes only if its officers
        can go to another group of the roster whose line is not short (at or above its lower target)
        and that can open a lane: no officer idles, none shuttles between two short lines."""
        return any(h.waiting > 0 and self._wait_estimate(h) >= hp.low_wait_s
                   for h, hp in self._takers(g, skip_pending=False, g_frees_a_lane=True))

    def _on_clock_hour(self, ev) -> None:
        """Hours of operation: at each full clock hour, groups enter or leave their closed hours."""
        now = self.env._now
        k = int((now + self._clock0_s + 1e-6) // 3600.0)  # clock hours since the start day's midnight
        hour = k % 24
        self._at((k + 1) * 3600.0 - self._clock0_s - now, self._on_clock_hour, None, URGENT)
        for g, policy in self._closable:
            g.closing = hour in policy.closed_hours
            if g.closing:
                self._close_if_empty(g)

    def _close_if_empty(self, g: _Group) -> None:
        """A closing group's lanes close (non-preemptively) once nobody waits in its line."""
        if g.waiting == 0 and g.n_open > 0 and not g.pending:
            self._release(g, g.n_open)
            self._set_open(g, 0)

    def _wait_estimate(self, g: _Group) -> float:
        """A lane policy's estimate of the wait of a traveller joining ``g`` now (s)."""
        if g.waiting == 0:
            return 0.0
        if not g.n_open:
            return _INF
        if self.env._now >= self._factors_until_s:
            self._sync_factors(self.env._now)
        return g.waiting * g.lane_s / g.n_open * g.factor

    def _share_of_target(self, g: _Group) -> float:
        """A policy group's estimated wait as a share of its policy's upper target."""
        assert g.policy is not None  # rostered groups have a policy (the schema requires it)
        return self._wait_estimate(g) / g.policy.high_wait_s

    def _donor(self, g: _Group, pressure: float, need_lane: bool, need_staff: bool) -> _Group | None:
        """Of the other groups that share what ``g`` lacks (its pool's lanes, its roster's officers,
        enough of them for g's lane) and can spare a lane (above min_lanes, no decision pending),
        the one whose estimated wait is the smallest share of its own upper target, if that share
        is below ``pressure`` / 1.25 (a margin, so lanes do not shuttle back and forth). A group of
        lower ``priority`` gives way first and whatever its line; one of higher priority never."""
        policy = g.policy
        assert policy is not None  # only a policy group looks for a donor
        free = self.roster_free[g.roster] if g.roster is not None else 0  # officers free in g's roster
        best, best_key = None, (policy.priority, pressure / POOL_MARGIN)
        for h in self.groups:
            hp = h.policy
            if h is g or hp is None or h.pending or h.n_open <= hp.min_lanes:
                continue
            if hp.priority > policy.priority:
                continue
            if need_lane and h.pool != g.pool:
                continue
            if need_staff and (h.roster != g.roster or free + h.k < g.k):
                continue
            key = (hp.priority, self._wait_estimate(h) / hp.high_wait_s)
            if key < best_key:
                best, best_key = h, key
        return best

    def _on_policy_change(self, ev) -> None:
        g, delta = ev._value
        g.pending = False
        if delta > 0 and g.roster is not None and self.roster_free[g.roster] < 0:
            # officers went off duty meanwhile: the opening is cancelled and its promise returned
            self.roster_free[g.roster] += g.k
            if g.pool is not None:
                self.pool_free[g.pool] += 1
            return
        if delta < 0:
            delta = -min(-delta, g.n_open)  # a roster drop may have closed the lane already (and released it)
            if delta == 0:
                return
            self._release(g, -delta)  # a closed lane goes back to the pool, its officers to the roster
        self._set_open(g, g.n_open + delta)

    def _release(self, g: _Group, lanes: int) -> None:
        if g.pool is not None:
            self.pool_free[g.pool] += lanes
        if g.roster is not None:
            self.roster_free[g.roster] += lanes * g.k

    def _on_roster(self, ev) -> None:
        """Officers come on or go off duty. Going off, lanes close at once (shortest line for its
        target first; non-preemptively) until the booths open and promised fit those on duty."""
        r, steps, k = ev._value
        if k + 1 < len(steps):
            self._at(steps[k + 1][0] - self.env._now, self._on_roster, (r, steps, k + 1), URGENT)
        self.roster_free[r] += steps[k][1] - self.roster_on_duty[r]
        self.roster_on_duty[r] = steps[k][1]
        while self.roster_free[r] < 0:
            members = [h for h in self.groups if h.roster == r and h.n_open > 0]
            if not members:
                break  # only promised openings remain; they are cancelled when due
            h = min(members, key=lambda x: (self._share_of_target(x), -x.index))
            self._release(h, 1)
            self._set_open(h, h.n_open - 1)

    def _set_open(self, g: _Group, target: int) -> None:
        """Open lanes (lowest number first) or close them (idle ones first, highest number
        first; busy ones finish their travellers) until ``target`` accept travellers."""
        if target != g.n_open or not self._booth_steps[g.index]:
            self._booth_steps[g.index].append((self.env._now, target * g.k))
        lanes = g.lanes
        if target > g.n_open:
            for lane in lanes:
                if g.n_open == target:
                    break
                if not lane.open:
                    lane.open = True
                    g.n_open += 1
                    if not g.per_lane:
                        self._fill(lane)
            if g.per_lane:
                # the holding line (kept while no lane was open) spreads over the open lanes in order
                while g.queue:
                    open_lanes = [ln for ln in lanes if ln.open]
                    shortest = min(open_lanes, key=lambda ln: (len(ln.queue) + len(ln.occupants), ln.index))
                    shortest.queue.append(g.queue.popleft())
                for lane in lanes:
                    if lane.open:
                        self._fill(lane)
        elif target < g.n_open:
            # close idle lanes first, highest number first, then busy ones (they finish their travellers)
            order = sorted((ln for ln in lanes if ln.open),
                           key=lambda ln: (len(ln.occupants) + len(ln.queue) == 0, ln.index), reverse=True)
            for lane in order[: g.n_open - target]:
                lane.open = False
                g.n_open -= 1
                if lane.in_ready:
                    g.ready.remove(lane)
                    lane.in_ready = False

    # -- secondary inspection -----------------------------------------------------------------

    def _to_secondary(self, j: int) -> None:
        mode = self.stream_mode[self.stream[j]]
        if self.sec_free[mode] > 0:
            self.sec_free[mode] -= 1
            self._start_secondary(j, mode)
        elif len(self.sec_queue[mode]) >= self._max_in_line:
            self._spilled.append(j)  # secondary's line is full: set aside, never inspected
        else:
            self.sec_queue[mode].append(j)

    def _start_secondary(self, j: int, mode: str) -> None:
        self.sec_start[j] = self.env._now
        self._at(self.secondary_s[j], self._on_secondary_done, [j, mode])

    def _on_secondary_done(self, ev) -> None:
        j, mode = ev._value
        self.sec_end[j] = self.env._now
        self.in_system -= 1
        q = self.sec_queue[mode]
        if q:
            self._start_secondary(q.popleft(), mode)
        else:
            self.sec_free[mode] += 1

    # -- run --------------------------------------------------------------------------------

    def _sync_factors(self, now: float) -> None:
        """The service-time multipliers of the clock hour containing ``now``, valid until the
        next full hour (checked lazily, so no event orders against a schedule change at :00)."""
        hour = int((now + self._clock0_s) // 3600.0)
        for g, by_hour in self._factor_groups:
            g.factor = by_hour[hour % 24]
        self._factors_until_s = (hour + 1) * 3600.0 - self._clock0_s

    def _on_hour(self, ev) -> None:
        """Hourly tick: note each group's largest line in the hour that just ended."""
        h = ev._value
        peak = self.queue_peak
        if h <= peak.shape[1]:
            for g in self.groups:
                peak[g.index, h - 1] = g.peak
                g.peak = g.waiting + g.spilled
            self._at(3600.0, self._on_hour, h + 1, URGENT)

    @property
    def held(self) -> int:
        """Travellers the engine holds (fed, not yet retired)."""
        return len(self.arrival)

    def advance(self, until_s: float) -> None:
        """Process every arrival and event before ``until_s``."""
        self._run_arrivals(until_s)

    def drain(self) -> float:
        """After the window: serve those still inside for up to the drain time; return the end."""
        m = self.model
        env = self.env
        self._run_arrivals(m.horizon_s)
        stop = m.horizon_s + m.drain_s
        while self.in_system > 0 and env.peek() < stop:
            env.step()
        end = env.now if self.in_system == 0 else max(stop, env.now)
        for g in self.groups:  # close the hour that ``end`` falls in (or ends)
            h = min(max(math.ceil(end / 3600.0) - 1, 0), self.queue_peak.shape[1] - 1)
            self.queue_peak[g.index, h] = max(self.queue_peak[g.index, h], g.peak)
        return end

    def run(self) -> Records:
        """Simulate the whole window and drain; return every traveller's record."""
        end = self.drain()
        return self._records(end)

    def retire(self, end_s: float | None = None) -> list[Records]:
        """Hand out the records of every traveller who has left (everyone, when ``end_s`` is
        given after ``drain``) and forget them, so a long run holds only those still inside.

        Travellers set aside at a full line leave the engine too, in a batch of their own whose
        run end is the window's end plus the drain: being never served keeps the run going that long.
        Those still inside are renumbered: the indices held in lines, at booths and in pending
        events are mapped to their new places."""
        n = len(self.arrival)
        if end_s is not None:
            self._spilled = []
            out = [self._records(end_s, None)]
            self._forget(np.ones(n, dtype=bool))
            return out
        live = min(n, self._next_arrival)  # travellers who have arrived
        gone = np.zeros(n, dtype=bool)
        gone[:live] = np.where(np.asarray(self.referred[:live], dtype=bool),
                               np.asarray(self.sec_end[:live]), np.asarray(self.depart[:live])) < _INF
        spilled = np.zeros(n, dtype=bool)
        spilled[self._spilled] = True
        out = [self._records(self.env.now, gone & ~spilled)]
        if self._spilled:
            out.append(self._records(self.model.horizon_s + self.model.drain_s, spilled))
            self._spilled = []
        gone |= spilled
        if gone.any():
            self._forget(gone)
        return out

    def _forget(self, gone: np.ndarray) -> None:
        keep = ~gone
        keep_list = keep.tolist()
        new_index = (np.cumsum(keep) - 1).tolist()  # valid for kept travellers only
        for name in self._PER_TRAVELLER:
            setattr(self, name, list(compress(getattr(self, name), keep_list)))
        for g in self.groups:
            g.service = list(compress(g.service, keep_list))
            g.queue = deque(new_index[i] for i in g.queue)
            for lane in g.lanes:
                lane.queue = deque(new_index[i] for i in lane.queue)
                for occ in lane.occupants:
                    occ[0] = new_index[occ[0]]  # the same lists ride in the pending service-done events
        for mode, q in self.sec_queue.items():
            self.sec_queue[mode] = deque(new_index[i] for i in q)
        for _, _, _, ev in self.env._queue:
            if ev.callbacks and ev.callbacks[0] in (self._on_secondary_done, self._on_return):
                ev._value[0] = new_index[ev._value[0]]
        self._next_arrival = int(keep[: self._next_arrival].sum())

    _PER_TRAVELLER = ("uid", "arrival", "program", "stream", "choice_u", "referred", "secondary_s",
                      "group_of", "lane_of", "start", "svc", "depart", "sec_start", "sec_end", "shifted")

    def _run_arrivals(self, until_s: float) -> None:
        """SimPy's run loop, with arrivals merged in from their sorted array.

        Arrival times are known in advance, so instead of one heap event per arrival the
        loop compares the next arrival with the head of SimPy's event queue and handles
        whichever comes first (events first on ties). This halves heap traffic."""
        env = self.env
        queue = env._queue
        step = env.step
        arrival = self.arrival
        arrive = self._arrive
        n = len(arrival)
        i = self._next_arrival
        while True:
            t_arr = arrival[i] if i < n else _INF
            if queue and queue[0][0] <= t_arr:
                if queue[0][0] >= until_s:
                    break
                step()
            else:
                if t_arr >= until_s:
                    break
                env._now = t_arr
                arrive(i)
                i += 1
        self._next_arrival = i
        env._now = max(env._now, until_s)

    @property
    def open_steps(self) -> list[list[tuple[float, int]]]:
        """Per group, when the number of lanes accepting travellers changed: (time_s, lanes)."""
        return [[(t, n // g.k) for t, n in steps] for steps, g in zip(self._booth_steps, self.groups, strict=True)]

    def booth_steps(self) -> tuple[tuple[tuple[float, int], ...], ...]:
        """Per group, when the number of booths accepting travellers changed: (time_s, booths)."""
        return tuple(map(tuple, self._booth_steps))  # kept as they happen: long runs call this weekly

    def _records(self, end_s: float, rows: np.ndarray | None = None) -> Records:
        """Records of the travellers held (those selected by the boolean mask ``rows``)."""

        def arr(x: list, dtype=float) -> np.ndarray:
            a = np.asarray(x, dtype=dtype)
            a = a[rows] if rows is not None else a
            if dtype is float:
                a[np.isinf(a)] = np.nan
            return a

        m = self.model
        return Records(
            replication=self.replication,
            start=m.start,
            horizon_s=m.horizon_s,
            warmup_s=m.warmup_s,
            end_s=end_s,
            stream_names=tuple(s.name for s in m.streams),
            group_names=tuple(g.name for g in m.groups),
            group_modes=tuple(g.mode for g in m.groups),
            group_booths=self.booth_steps(),
            arrival_s=arr(self.arrival),
            stream=arr(self.stream, np.int64),
            program=arr(self.program, np.int64),
            group=arr(self.group_of, np.int64),
            lane=arr(self.lane_of, np.int64),
            start_s=arr(self.start),
            service_s=arr(self.svc),
            depart_s=arr(self.depart),
            referred=arr(self.referred, bool),
            sec_start_s=arr(self.sec_start),
            sec_end_s=arr(self.sec_end),
            queue_peak=self.queue_peak,
            traveller=arr(self.uid, np.int64),
            group_ports=tuple(g.port for g in m.groups),
            shifted_h=arr(self.shifted, np.int64),
            group_lane_booths=tuple(g.booths_per_lane for g in m.groups),
            group_roster=tuple(-1 if g.roster is None else g.roster for g in m.groups),
            rosters=tuple((r.name, r.schedule) for r in m.rosters),
        )


def simulate_replication(model: Model, travellers: Travellers, replication: int = 0) -> Records:
    """Run one replication of ``model`` with the given travellers."""
    return Engine(model, travellers, replication).run()
