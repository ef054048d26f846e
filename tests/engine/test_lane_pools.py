"""Shared lane pools: policy groups that share a pool never have more lanes open together than
the pool holds, use all of it when both lines are long, and bad pool declarations are errors."""

from __future__ import annotations

import pytest

import sim
from sim.errors import ScenarioError
from sim.scenario.loader import scenario_from_dict


def _two_groups(pool: int | None, rate_per_h: float = 600.0, **policy) -> dict:
    pol = {"low_wait_min": 2.0, "high_wait_min": 4.0, "min_lanes": 1, "max_lanes": 5, "review_min": 2.0,
           "reaction_min": 1.0} | policy
    group = lambda prog: {"mode": "vehicle", "programs": [prog], "lanes": pol["max_lanes"], "policy": dict(pol),  # noqa: E731
                          "service": {prog: {"dist": "exponential", "mean_s": 60.0}},
                          **({"pool": "shared"} if pool else {})}
    data = {
        "name": "two lane types",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": 12, "warmup_h": 2, "drain_h": 1},
        "seed": 5,
        "streams": {p: {"mode": "vehicle", "program": p, "demand": {"rate_per_h": [rate_per_h] * 24}}
                    for p in ("general", "ready")},
        "lane_groups": {"general_lanes": group("general"), "ready_lanes": group("ready")},
    }
    if pool:
        data["lane_pools"] = {"shared": pool}
    return data


def _lanes_open_by_hour(data: dict):
    q = sim.run(scenario_from_dict(data), replications=2, workers=1).queue
    q = q[(q.hour != "all") & (q.lane_group != "all")]
    return q.pivot_table(index="hour", columns="lane_group", values="booths_open")


def test_a_pool_caps_the_lanes_open_together_and_is_used_in_full_when_both_lines_are_long():
    # each line alone would need all 5 of its lanes (600/h against 60/h per lane), 10 in all
    open_ = _lanes_open_by_hour(_two_groups(pool=6))
    total = open_.sum(axis=1)
    assert total.max() <= 6.0 + 1e-9
    assert total.iloc[3:].min() >= 5.5  # after the first hours, the pool is (nearly) always fully used


def test_without_a_pool_each_group_opens_up_to_its_own_limit():
    total = _lanes_open_by_hour(_two_groups(pool=None)).sum(axis=1)
    assert total.iloc[3:].min() > 9.0


@pytest.mark.parametrize("change, message", [
    (lambda d: d.__setitem__("lane_pools", {"other": 6}), "unknown lane pool 'shared'"),
    (lambda d: d["lane_groups"]["ready_lanes"].pop("policy"), "only a group with a policy can share a lane pool"),
    (lambda d: d.__setitem__("lane_pools", {"shared": 1}), "min_lanes add up to 2, more than the pool's 1 lanes"),
])
def test_bad_pools_are_errors_naming_the_field(change, message):
    data = _two_groups(pool=6)
    change(data)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(data)


def test_a_full_pool_moves_lanes_to_the_line_that_is_longest_for_its_target():
    # both lines exceed what 6 lanes can serve (60/h each); General's demand is three times Ready's
    data = _two_groups(pool=6, max_lanes=6)
    data["streams"]["general"]["demand"]["rate_per_h"] = [900.0] * 24
    data["streams"]["ready"]["demand"]["rate_per_h"] = [300.0] * 24
    open_ = _lanes_open_by_hour(data).iloc[3:]
    assert open_.sum(axis=1).min() >= 5.5  # the pool stays fully used
    # lanes follow the load: General holds most of them, Ready keeps at least its minimum
    assert (open_["general_lanes"] > open_["ready_lanes"] + 1).all()
    assert (open_["ready_lanes"] >= 1 - 1e-9).all()


def test_lanes_taken_by_the_first_long_line_move_when_another_line_becomes_longer(monkeypatch):
    """Ready's line is long first and takes the pool; from 02:00 General's line is far longer
    for its target while Ready's stays above its own, so only moving lanes can serve General."""
    data = _two_groups(pool=6, max_lanes=6)
    data["streams"]["general"]["demand"]["rate_per_h"] = [0.0] * 2 + [900.0] * 22
    data["streams"]["ready"]["demand"]["rate_per_h"] = [900.0] * 2 + [400.0] * 22
    late = _lanes_open_by_hour(data).iloc[6:]
    assert (late["general_lanes"] > late["ready_lanes"]).all()
    # and without moving lanes (an infinite margin) Ready would keep them
    import sim.engine

    monkeypatch.setattr(sim.engine, "POOL_MARGIN", float("inf"))
    stuck = _lanes_open_by_hour(data).iloc[6:]
    assert (stuck["ready_lanes"] > stuck["general_lanes"]).all()
