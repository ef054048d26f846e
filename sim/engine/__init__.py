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

Speed: arrivals are merged into SimPy's loop from their sorted array (no heap event); one SimPy
event per service completion, handled by plain callbacks (no process per traveller, which is ~5×
slower).

Layout: ``Engine`` (here) wires the parts and owns the flow of a traveller — arrive, choose, join,
inspect, leave — and the queue peaks; ``loop`` is SimPy's run loop (the only code touching SimPy
internals), ``ledger`` the per-traveller columns, ``lanes`` the lane groups by discipline,
``staffing`` schedules, policies, pools and rosters, ``choice`` lane and port choice,
``secondary`` secondary inspection.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from sim.engine.choice import Choice
from sim.engine.lanes import Group, HourlyFactors, make_group
from sim.engine.ledger import Ledger
from sim.engine.loop import URGENT, Call, Loop
from sim.engine.secondary import Secondary
from sim.engine.staffing import Staffing
from sim.model import Model
from sim.records import Records, model_fields
from sim.travellers import Travellers

__all__ = ["POOL_MARGIN", "Engine", "simulate_replication"]

POOL_MARGIN = 1.25  # a full pool moves a lane only to a line this much longer (relative to its target)


class Engine:
    """Runs one replication. ``Engine(model, travellers).run()`` → ``Records`` for a whole
    window; for long windows, ``feed`` travellers a day at a time, ``advance`` the clock and
    ``retire`` the travellers who have left, so memory stays bounded (see ``runner._run_streaming``)."""

    def __init__(self, model: Model, travellers: Travellers | None = None, replication: int = 0):
        self.model = model
        self.replication = replication
        self.loop = Loop()
        self.ledger = Ledger(len(model.groups))
        self.groups: list[Group] = [make_group(gm) for gm in model.groups]
        start = model.start
        self.hours = HourlyFactors(self.groups, start.hour * 3600.0 + start.minute * 60.0 + start.second)
        for g in self.groups:
            g.bind(self.ledger, self.loop, self.hours, self._on_service_done)
        self.in_system = 0  # travellers arrived and not yet gone (set-aside ones included)
        self._next_arrival = 0  # ledger index of the next arrival
        self._max_in_line = model.max_in_line  # beyond it, arrivals to a line are counted, not simulated
        self._spilled: list[int] = []  # travellers set aside at a full line since the last retire
        self.staffing = Staffing(model, self.groups, self.loop, POOL_MARGIN)
        self.choice = Choice(model, self.groups, self.ledger, self.loop, self._give_up, self._on_return)
        self.secondary = Secondary(model, self.ledger, self.loop, self._spilled, self._on_secondary_done)
        self._rule_of, self._stream_of = self.choice.by_stream, self.ledger.stream  # stream -> its rule's choose
        self._group_of, self._depart, self._referred = self.ledger.group_of, self.ledger.depart, self.ledger.referred
        # largest line (all lines of a group) seen in each hour of the run, per group
        n_hours = int(math.ceil((model.horizon_s + model.drain_s) / 3600.0)) + 1
        self.queue_peak = np.zeros((len(model.groups), n_hours))
        # the first events, in this order (it decides ties at equal times)
        self.staffing.start(model)
        self.choice.start()
        self.loop.at(3600.0, self._on_hour, 1, URGENT)
        self.staffing.start_hours_of_operation()
        if travellers is not None:
            self.feed(travellers)

    # -- what tests and the runner read ------------------------------------------------------

    @property
    def pool_free(self) -> list[int]:
        return self.staffing.pool_free

    @property
    def roster_free(self) -> list[int]:
        return self.staffing.roster_free

    @property
    def roster_on_duty(self) -> list[int]:
        return self.staffing.roster_on_duty

    @property
    def held(self) -> int:
        """Travellers the engine holds (fed, not yet retired)."""
        return len(self.ledger)

    @property
    def open_steps(self) -> list[list[tuple[float, int]]]:
        """Per group, when the number of lanes accepting travellers changed: (time_s, lanes)."""
        return [[(t, n // g.k) for t, n in g.booth_steps] for g in self.groups]

    def booth_steps(self) -> tuple[tuple[tuple[float, int], ...], ...]:
        """Per group, when the number of booths accepting travellers changed: (time_s, booths)."""
        return tuple(tuple(g.booth_steps) for g in self.groups)  # kept as they happen: long runs call this weekly

    # -- a traveller's way through ----------------------------------------------------------

    def _arrive(self, i: int, now: float) -> None:
        self.in_system += 1
        self._join(i, now)

    def _on_return(self, ev: Call) -> None:
        """A driver who shifted their departure arrives again (and decides again, without shifting)."""
        i = ev._value[0]
        now = self.loop.now
        self.ledger.arrival[i] = now
        self._join(i, now)

    def _join(self, i: int, now: float) -> None:
        """Traveller i chooses a lane group and joins its line (or is set aside at a full one)."""
        g = self._rule_of[self._stream_of[i]](i, now)
        if g is None:
            return
        self._group_of[i] = g.index
        if g.waiting >= self._max_in_line:
            self._spill(g, i)
        else:
            g.admit(i, now)

    def _give_up(self, i: int, now: float) -> None:
        """Traveller i leaves at once without crossing (and so is never referred)."""
        self._depart[i] = now
        self._referred[i] = False
        self.in_system -= 1

    def _spill(self, g: Group, i: int) -> None:
        """Set traveller i aside from ``g``'s full lines: counted in the line until the run ends but
        never served (they stay in the system, so the run drains to its end); forgotten at the next
        retire, so an overloaded run holds at most ``max_in_line`` travellers per line."""
        self._spilled.append(i)
        g.spilled += 1
        if g.waiting + g.spilled > g.peak:
            g.peak = g.waiting + g.spilled

    def _on_service_done(self, ev: Call) -> None:
        occ = ev._value
        lane = occ[2]
        occ[1] = True
        occupants = lane.occupants
        now = occ[3]
        depart, referred = self._depart, self._referred
        while occupants and occupants[0][1]:
            j = occupants.popleft()[0]
            depart[j] = now
            if referred[j]:
                self.secondary.refer(j, now)
            else:
                self.in_system -= 1
        if not occupants:
            lane.rear = -1
        lane.group.fill(lane, now)

    def _on_secondary_done(self, ev: Call) -> None:
        j, mode = ev._value
        self.in_system -= 1
        self.secondary.finish(j, mode, self.loop.now)

    def _on_hour(self, ev: Call) -> None:
        """Hourly tick: note each group's largest line in the hour that just ended."""
        h = ev._value
        peak = self.queue_peak
        if h <= peak.shape[1]:
            for g in self.groups:
                peak[g.index, h - 1] = g.peak
                g.peak = g.waiting + g.spilled
            self.loop.at(3600.0, self._on_hour, h + 1, URGENT)

    # -- running ----------------------------------------------------------------------------

    def feed(self, travellers: Travellers) -> None:
        """Append travellers (arriving no earlier than those fed before) to the run."""
        self.ledger.feed(travellers)

    def advance(self, until_s: float) -> None:
        """Process every arrival and event before ``until_s``."""
        self._next_arrival = self.loop.run(until_s, self.ledger.arrival, self._next_arrival, self._arrive)

    def drain(self) -> float:
        """After the window: serve those still inside for up to the drain time; return the end."""
        m = self.model
        self.advance(m.horizon_s)
        end = self.loop.drain(m.horizon_s + m.drain_s, self)
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
        n = len(self.ledger)
        if end_s is not None:
            self._spilled.clear()
            out = [self._records(end_s, None)]
            self._forget(np.ones(n, dtype=bool))
            return out
        gone = self.ledger.left(min(n, self._next_arrival))  # of the travellers who have arrived
        spilled = np.zeros(n, dtype=bool)
        spilled[self._spilled] = True
        out = [self._records(self.loop.now, gone & ~spilled)]
        if self._spilled:
            out.append(self._records(self.model.horizon_s + self.model.drain_s, spilled))
            self._spilled.clear()
        gone |= spilled
        if gone.any():
            self._forget(gone)
        return out

    def _forget(self, gone: np.ndarray) -> None:
        new_index = self.ledger.forget(gone)
        for g in self.groups:
            g.renumber(new_index)
        self.secondary.renumber(new_index)
        for payload in self.loop.payloads(self._on_secondary_done, self._on_return):
            payload[0] = new_index[payload[0]]
        self._next_arrival = int((~gone[: self._next_arrival]).sum())

    def _records(self, end_s: float, rows: np.ndarray | None = None) -> Records:
        """Records of the travellers held (those selected by the boolean mask ``rows``)."""
        fields: dict[str, Any] = {**model_fields(self.model), **self.ledger.columns(rows)}
        return Records(
            replication=self.replication,
            end_s=end_s,
            group_booths=self.booth_steps(),
            queue_peak=self.queue_peak,
            **fields,
        )


def simulate_replication(model: Model, travellers: Travellers, replication: int = 0) -> Records:
    """Run one replication of ``model`` with the given travellers."""
    return Engine(model, travellers, replication).run()
