"""The event loop: SimPy's ``Environment`` driven by our own run loop. The only module that
touches SimPy's internals (``tests/engine/test_simpy_contract.py`` checks what it relies on;
``pyproject.toml`` pins SimPy's major version).

What it relies on, all of SimPy 4's ``Environment``:

* ``_queue``: the event heap, a list of ``(time, priority, id, event)`` tuples ordered by
  ``heapq``; ``_eid``: the ``itertools.count`` that numbers events; ``_now``: the clock, which
  ``step`` sets to the time of the event it pops.
* ``step`` needs only three attributes of an event: ``callbacks`` (called with the event),
  ``_ok`` and ``_value``. ``Call`` is such a bare event, already triggered, built without
  ``simpy.Event.__init__`` (which is what makes a scheduled callback cheap).

Arrival times are known in advance, so they are never heap events: ``run`` merges them in from
their sorted array, comparing the next arrival with the head of the heap (events first on ties).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from heapq import heappush
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL, URGENT

__all__ = ["NORMAL", "URGENT", "Call", "Loop"]

_INF = float("inf")


class Call:
    """A bare SimPy event: already triggered, one callback, a payload in ``_value``."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callback: Callable[[Call], None], value: Any):
        self.callbacks = [callback]
        self._ok = True
        self._value = value


class _Occupied(Protocol):
    in_system: int  # travellers inside; the drain stops when none are left


class Loop:
    """One replication's clock and event heap."""

    __slots__ = ("env", "heap", "ids", "_schedule")

    def __init__(self) -> None:
        env = simpy.Environment()
        self.env = env
        # The heap of (time, priority, id, event) and the event numbering. The one hot path that pushes
        # itself (``Group.enter``, once per traveller) does exactly what ``push`` does, to save a call.
        self.heap: list[Any] = env._queue
        self.ids = env._eid
        self._schedule: Callable[..., None] = env.schedule  # takes a Call too (it duck-types an Event)

    @property
    def now(self) -> float:
        return self.env._now

    def at(self, delay: float, callback: Callable[[Call], None], value: Any, priority: int = NORMAL) -> None:
        """Call ``callback`` (with a ``Call`` whose ``_value`` is ``value``) ``delay`` seconds from now."""
        self._schedule(Call(callback, value), priority, delay)

    def push(self, t: float, callback: Callable[[Call], None], value: Any) -> None:
        """The hot path's ``at``: call ``callback`` at absolute time ``t`` (normal priority)."""
        heappush(self.heap, (t, NORMAL, next(self.ids), Call(callback, value)))

    def run(self, until_s: float, arrival: list[float], i: int, arrive: Callable[[int, float], None]) -> int:
        """SimPy's run loop up to ``until_s``, with the arrivals ``arrival[i:]`` (sorted) merged in:
        ``arrive(index, time)`` for each; events first on ties. Returns the next arrival's index."""
        env = self.env
        queue = self.heap
        step = env.step
        n = len(arrival)
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
                arrive(i, t_arr)
                i += 1
        env._now = max(env._now, until_s)
        return i

    def drain(self, stop_s: float, system: _Occupied) -> float:
        """Process events before ``stop_s`` while anyone is inside ``system``; the end of the run:
        when the last traveller left, or ``stop_s`` (or later) if some never did."""
        env = self.env
        while system.in_system > 0 and env.peek() < stop_s:
            env.step()
        return env.now if system.in_system == 0 else max(stop_s, env.now)

    def payloads(self, *callbacks: Callable[[Call], None]) -> Iterator[Any]:
        """The payloads of the pending events whose callback is one of ``callbacks``."""
        for _, _, _, ev in self.heap:
            if ev.callbacks and ev.callbacks[0] in callbacks:
                yield ev._value
