"""What ``sim/engine/loop.py`` relies on in SimPy beyond its public API. If a SimPy release
changes any of it, this fails before the engine silently misbehaves (pyproject pins SimPy's
major version for the same reason)."""

from __future__ import annotations

import heapq
import itertools

import simpy
from simpy.events import NORMAL, URGENT

from sim.engine.loop import Call, Loop


def test_simpy_major_version_is_the_one_the_loop_was_written_for():
    assert simpy.__version__.split(".")[0] == "4"


def test_environment_keeps_a_heap_of_time_priority_id_event_tuples_an_id_counter_and_a_clock():
    env = simpy.Environment()
    assert env._queue == [] and isinstance(env._queue, list)
    assert isinstance(env._eid, itertools.count)
    assert env._now == 0
    ev = env.timeout(5.0)
    (entry,) = env._queue
    t, priority, eid, event = entry
    assert (t, priority, event) == (5.0, NORMAL, ev) and isinstance(eid, int)
    assert next(env._eid) == eid + 1  # the counter numbers events in scheduling order
    assert NORMAL == 1 and URGENT == 0  # urgent first at equal times


def test_step_pops_the_heap_sets_the_clock_and_calls_back_a_bare_event():
    """``step`` reads only ``callbacks``, ``_ok`` and ``_value`` of an event, and takes one
    pushed straight onto the heap; writing ``_now`` moves the clock."""
    env = simpy.Environment()
    seen = []
    heapq.heappush(env._queue, (3.0, NORMAL, next(env._eid), Call(lambda ev: seen.append((env.now, ev._value)), "b")))
    env.schedule(Call(lambda ev: seen.append((env.now, ev._value)), "a"), URGENT, 3.0)  # same time, urgent: first
    env._now = 1.0
    assert env.now == 1.0 and env.peek() == 3.0
    env.step()
    env.step()
    assert seen == [(3.0, "a"), (3.0, "b")]
    assert env._now == 3.0 and env.peek() == float("inf")


def test_the_loop_merges_sorted_arrivals_with_events_events_first_on_ties():
    loop = Loop()
    order = []
    loop.at(2.0, lambda ev: order.append(("event", loop.now, ev._value)), "x")
    loop.push(5.0, lambda ev: order.append(("event", loop.now, ev._value)), "y")
    arrivals = [1.0, 2.0, 7.0]
    nxt = loop.run(6.0, arrivals, 0, lambda i, t: order.append(("arrival", t, i)))
    assert order == [("arrival", 1.0, 0), ("event", 2.0, "x"), ("arrival", 2.0, 1), ("event", 5.0, "y")]
    assert nxt == 2 and loop.now == 6.0  # the clock stops at the horizon; the third arrival waits
    assert list(loop.payloads()) == []
    loop.at(1.0, print, [9])
    assert list(loop.payloads(print)) == [[9]]
