"""How many lanes each group has open: opening schedules, lane policies, shared lane pools and
officers' rosters (the semantics are in the ``sim.engine`` docstring).

``Staffing`` holds what pools and rosters have free and decides; a group's lanes change only
through ``Group.set_open``. Lanes and officers are promised when a decision is made and returned
when a lane closes, so decisions are relative (±1 lane) and a shed lane is never closed twice.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from sim.engine.lanes import Group
from sim.engine.loop import URGENT, Call, Loop
from sim.model import Model, PolicyModel

_INF = math.inf


class Staffing:
    """Lane schedules, policies, pools and rosters of one replication."""

    def __init__(self, model: Model, groups: list[Group], loop: Loop, margin: float):
        self.groups = groups
        self.loop = loop
        self.margin = margin  # a full pool or roster moves a lane only to a line this much longer for its target
        self.pool_free = list(model.pool_lanes)  # lanes of each pool neither open nor promised to a group
        self.roster_free = [0] * len(model.rosters)  # officers on duty neither at a booth nor promised to one
        self.roster_on_duty = [0] * len(model.rosters)
        self._keep_staffed = [r.keep_staffed for r in model.rosters]
        self._roster_members = [[g for g in groups if g.roster == r and g.policy is not None]
                                for r in range(len(model.rosters))]
        self._closable = [(g, g.policy) for g in groups if g.policy is not None and g.policy.closed_hours]
        self._clock0_s = model.start.hour * 3600.0 + model.start.minute * 60.0 + model.start.second
        for gm, g in zip(model.groups, groups, strict=True):  # a pool group starts with its min_lanes taken
            if g.pool is not None:
                self.pool_free[g.pool] -= gm.schedule[0][1]
            if g.roster is not None:  # ... and its officers (the roster's first step is applied after)
                self.roster_free[g.roster] -= gm.schedule[0][1] * g.k

    def start(self, model: Model) -> None:
        """Schedule the groups' opening schedules and policy reviews, then the rosters' steps
        (after the groups' first lanes open at t = 0). Each change schedules the next (a small heap)."""
        at = self.loop.at
        for gm, g in zip(model.groups, self.groups, strict=True):
            at(gm.schedule[0][0], self._on_schedule, (g, gm.schedule, 0), URGENT)
            if gm.policy is not None:
                at(gm.policy.review_s, self._on_review, (g, gm.policy), URGENT)
        for r, roster in enumerate(model.rosters):
            at(roster.schedule[0][0], self._on_roster, (r, roster.schedule, 0), URGENT)

    def start_hours_of_operation(self) -> None:
        """Policies with closed hours: a tick at every clock hour (the first one now)."""
        if self._closable:
            self.loop.at(0.0, self._on_clock_hour, None, URGENT)

    # -- schedules and policies -------------------------------------------------------------

    def _on_schedule(self, ev: Call) -> None:
        g, steps, k = ev._value
        now = self.loop.now
        if k + 1 < len(steps):
            self.loop.at(steps[k + 1][0] - now, self._on_schedule, (g, steps, k + 1), URGENT)
        g.set_open(steps[k][1], now)

    def _on_review(self, ev: Call) -> None:
        """Lane-opening policy: estimate the wait of a traveller joining now; open or close one
        lane (after the reaction time) if it is outside the target band. Under a ``keep_staffed``
        roster a group with a line also opens a lane whenever officers are free, and closes one for a
        short line only to send its officers to a line that is not short."""
        g, p = ev._value
        loop = self.loop
        loop.at(p.review_s, self._on_review, ev._value, URGENT)
        if g.pending:
            return
        if g.closing:
            self._close_if_empty(g)
            return
        estimate = g.wait_estimate(loop.now)
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
                    loop.at(donor.policy.reaction_s, self._on_policy_change, (donor, -1), URGENT)
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
            loop.at(p.reaction_s, self._on_policy_change, (g, delta), URGENT)

    def _share_of_target(self, g: Group) -> float:
        """A policy group's estimated wait as a share of its policy's upper target."""
        assert g.policy is not None  # rostered groups have a policy (the schema requires it)
        return g.wait_estimate(self.loop.now) / g.policy.high_wait_s

    def _donor(self, g: Group, pressure: float, need_lane: bool, need_staff: bool) -> Group | None:
        """Of the other groups that share what ``g`` lacks (its pool's lanes, its roster's officers,
        enough of them for g's lane) and can spare a lane (above min_lanes, no decision pending),
        the one whose estimated wait is the smallest share of its own upper target, if that share
        is below ``pressure`` / margin (so lanes do not shuttle back and forth). A group of
        lower ``priority`` gives way first and whatever its line; one of higher priority never."""
        policy = g.policy
        assert policy is not None  # only a policy group looks for a donor
        free = self.roster_free[g.roster] if g.roster is not None else 0  # officers free in g's roster
        now = self.loop.now
        best, best_key = None, (policy.priority, pressure / self.margin)
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
            key = (hp.priority, h.wait_estimate(now) / hp.high_wait_s)
            if key < best_key:
                best, best_key = h, key
        return best

    def _on_policy_change(self, ev: Call) -> None:
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
        g.set_open(g.n_open + delta, self.loop.now)

    def _release(self, g: Group, lanes: int) -> None:
        if g.pool is not None:
            self.pool_free[g.pool] += lanes
        if g.roster is not None:
            self.roster_free[g.roster] += lanes * g.k

    # -- officers ---------------------------------------------------------------------------

    def _on_roster(self, ev: Call) -> None:
        """Officers come on or go off duty. Going off, lanes close at once (shortest line for its
        target first; non-preemptively) until the booths open and promised fit those on duty."""
        r, steps, k = ev._value
        now = self.loop.now
        if k + 1 < len(steps):
            self.loop.at(steps[k + 1][0] - now, self._on_roster, (r, steps, k + 1), URGENT)
        self.roster_free[r] += steps[k][1] - self.roster_on_duty[r]
        self.roster_on_duty[r] = steps[k][1]
        while self.roster_free[r] < 0:
            members = [h for h in self.groups if h.roster == r and h.n_open > 0]
            if not members:
                break  # only promised openings remain; they are cancelled when due
            h = min(members, key=lambda x: (self._share_of_target(x), -x.index))
            self._release(h, 1)
            h.set_open(h.n_open - 1, now)

    def _takers(self, g: Group, skip_pending: bool, g_frees_a_lane: bool) -> Iterator[tuple[Group, PolicyModel]]:
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

    def _neediest(self, g: Group) -> bool:
        """Under a ``keep_staffed`` roster, free officers go to the line longest for its band: ``g``
        may take one only if no other group of the roster that can open a lane has a longer one."""
        share = self._share_of_target(g)
        return not any(h.waiting > 0 and self._share_of_target(h) > share
                       for h, _ in self._takers(g, skip_pending=True, g_frees_a_lane=False))

    def _officer_wanted(self, g: Group) -> bool:
        """Under a ``keep_staffed`` roster, a lane whose line is short closes only if its officers
        can go to another group of the roster whose line is not short (at or above its lower target)
        and that can open a lane: no officer idles, none shuttles between two short lines."""
        now = self.loop.now
        return any(h.waiting > 0 and h.wait_estimate(now) >= hp.low_wait_s
                   for h, hp in self._takers(g, skip_pending=False, g_frees_a_lane=True))

    # -- hours of operation -----------------------------------------------------------------

    def _on_clock_hour(self, ev: Call) -> None:
        """At each full clock hour, groups enter or leave their closed hours."""
        now = self.loop.now
        k = int((now + self._clock0_s + 1e-6) // 3600.0)  # clock hours since the start day's midnight
        hour = k % 24
        self.loop.at((k + 1) * 3600.0 - self._clock0_s - now, self._on_clock_hour, None, URGENT)
        for g, policy in self._closable:
            g.closing = hour in policy.closed_hours
            if g.closing:
                self._close_if_empty(g)

    def _close_if_empty(self, g: Group) -> None:
        """A closing group's lanes close (non-preemptively) once nobody waits in its line."""
        if g.waiting == 0 and g.n_open > 0 and not g.pending:
            self._release(g, g.n_open)
            g.set_open(0, self.loop.now)
