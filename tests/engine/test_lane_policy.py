"""A lane-opening policy: officers open a lane when the line's expected wait is above the target
band and close one below it, within the lane limits, a reaction time after deciding."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest

import sim
from sim.engine import Engine
from sim.errors import ScenarioError
from sim.model import build_model
from sim.scenario import scenario_from_dict
from sim.travellers import sample_travellers
from tests.builders import single_queue

POLICY = {"low_wait_min": 2.0, "high_wait_min": 5.0, "min_lanes": 1, "max_lanes": 10,
          "review_min": 5.0, "reaction_min": 10.0}


def busy_port(policy=POLICY, **kw):
    # demand needs about 7 of the 10 booths (420/h at 1 min each); the policy starts with one open
    doc = single_queue(rate_per_h=420, lanes=10, hours=12, warmup_h=0, drain_h=4, **kw)
    doc["lane_groups"]["booths"]["policy"] = policy
    return scenario_from_dict(doc)


def run_engine(loaded, seed=3):
    model = build_model(loaded.scenario)
    engine = Engine(model, sample_travellers(model, seed, 0), 0)
    records = engine.run()
    return model, engine, records


def test_lanes_open_as_the_line_grows_and_stay_within_the_limits():
    _, engine, _ = run_engine(busy_port())
    steps = engine.open_steps[0]
    lanes = [n for _, n in steps]
    assert lanes[0] == POLICY["min_lanes"]
    assert all(POLICY["min_lanes"] <= n <= POLICY["max_lanes"] for n in lanes)
    assert max(lanes) >= 7  # enough booths for the demand were opened
    assert all(abs(b - a) == 1 for a, b in pairwise(lanes))  # one lane at a time


def test_every_change_takes_effect_a_reaction_time_after_a_review():
    _, engine, _ = run_engine(busy_port())
    review_s, reaction_s = 60 * POLICY["review_min"], 60 * POLICY["reaction_min"]
    times = np.array([t for t, _ in engine.open_steps[0][1:]])
    decided = times - reaction_s
    np.testing.assert_allclose(decided / review_s, np.round(decided / review_s), atol=1e-9)
    assert (np.diff(times) >= reaction_s - 1e-9).all()  # no decision while one is pending


def test_the_policy_holds_waits_far_below_those_of_a_port_that_never_opens_more_lanes():
    fixed = busy_port(policy={**POLICY, "max_lanes": 1, "low_wait_min": 0.0, "high_wait_min": 1e5})
    flexible = busy_port()
    a = sim.run(fixed, replications=3, workers=1).summary
    b = sim.run(flexible, replications=3, workers=1).summary
    pick = lambda s: s[(s.lane_group == "booths") & (s.program == "all") & (s.hour == "all")].iloc[0]  # noqa: E731
    assert pick(b)["mean_wait_min_hi"] < 0.1 * pick(a)["mean_wait_min_lo"]


def test_booths_open_in_the_queue_table_follow_the_policy():
    r = sim.run(busy_port(), replications=2, workers=1)
    q = r.queue[(r.queue.lane_group == "booths") & (r.queue.hour != "all")]
    assert q["booths_open"].max() >= 7 and q["booths_open"].min() >= POLICY["min_lanes"]


def test_a_policy_and_a_schedule_cannot_both_be_given():
    doc = single_queue(lanes=4, lanes_open=3)
    doc["lane_groups"]["booths"]["policy"] = {**POLICY, "max_lanes": 4}
    with pytest.raises(ScenarioError, match="either lanes_open .* or policy"):
        scenario_from_dict(doc)
    doc = single_queue(lanes=4)
    doc["lane_groups"]["booths"]["policy"] = POLICY
    with pytest.raises(ScenarioError, match="max_lanes: expected at most lanes=4"):
        scenario_from_dict(doc)
