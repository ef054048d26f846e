"""A lane group's lines hold at most ``window.max_in_line`` travellers; an arrival that finds them
full is set aside: counted as unserved, still waiting when the run ends, but never simulated. For
the travellers admitted, that makes the queue an M/M/c/N loss system, checked against its exact
blocking probability and mean wait; a cap at the longest line changes nothing; and an overloaded
engine fed a day at a time holds a bounded number of travellers. Tolerances: Student-t intervals
over replications, as in ``test_theory.py``."""

from __future__ import annotations

import numpy as np

from sim.engine import Engine
from sim.travellers import TravellerSource
from tests import queueing_theory as qt
from tests.helpers import check_within, exponential, model_of, queue_scenario, replicate, simulate

ALPHA = 0.001
MEAN_S = 60.0
MU = 1.0 / MEAN_S


def _capped(scenario: dict, max_in_line: int) -> dict:
    scenario["window"]["max_in_line"] = max_in_line
    return scenario


def loss_statistics(records) -> list[float]:
    """Share of counted arrivals set aside, and the mean wait (s) of those admitted."""
    counted = records.counted()
    lost = np.isnan(records.start_s[counted])
    return [lost.mean(), records.wait_s[counted][~lost].mean()]


def test_a_capped_line_loses_the_arrivals_an_mmcn_queue_loses_and_its_admitted_wait_as_much():
    c, k, rho = 2, 5, 1.2  # overloaded: without the cap the line would grow for ever
    lam = rho * c * MU
    model = model_of(_capped(queue_scenario(lam * 3600, exponential(MEAN_S), c, hours=41, warmup_h=1, drain_h=2), k))
    values = replicate(model, 31, 30, loss_statistics)

    def theory(cap: int) -> list[float]:
        return [qt.mmcn_blocking(lam, MU, c, c + cap), qt.mmcn_mean_wait(lam, MU, c, c + cap)]

    problems = []
    for j, name in enumerate(["share set aside", "mean wait of the admitted (s)"]):
        problems += check_within(theory(k)[j], values[:, j], ALPHA / 2, name, [theory(k - 1)[j], theory(k + 1)[j]])
    assert not problems, "\n".join(problems)


def test_a_cap_at_the_longest_line_changes_nothing_and_one_below_it_turns_someone_away():
    scenario = queue_scenario(100.0, exponential(MEAN_S), 2, hours=24, drain_h=2)  # ρ = 0.83: lines come and go
    free = simulate(model_of(scenario), 5)
    longest = int(free.queue_peak.max())
    assert longest > 3
    same = simulate(model_of(_capped(scenario, longest)), 5)
    for field in ("group", "lane", "start_s", "depart_s"):
        np.testing.assert_array_equal(getattr(free, field), getattr(same, field))
    tighter = simulate(model_of(_capped(scenario, longest - 1)), 5)
    assert np.isnan(tighter.start_s).sum() >= 1
    assert tighter.queue_peak.max() >= longest  # who was set aside still counts in the line (as unserved)


def test_an_overloaded_engine_fed_day_by_day_holds_no_more_than_its_lines_after_each_retire():
    cap, lanes = 300, 2
    model = model_of(_capped(queue_scenario(1200.0, exponential(MEAN_S), lanes, hours=24 * 6, drain_h=1), cap))
    source, engine = TravellerSource(model, 7, 0), Engine(model, replication=0)
    unserved, arrived = 0, 0
    for day in range(1, 7):
        engine.feed(source.take(day * 86400.0))
        engine.advance(day * 86400.0)
        for batch in engine.retire():
            unserved += int(np.isnan(batch.start_s).sum())
            arrived += len(batch)
        assert engine.held <= cap + lanes  # in line, at the booths; ten times the arrivals are served
    assert unserved > 0.8 * arrived  # 1,200/h against 120/h served: nine in ten are set aside
