"""Shared lane pools: policy groups that share a pool never have more lanes open together than
the pool holds, leave none of it idle while their lines are too long, move lanes to the line that
is longest for its target, and bad pool declarations are errors."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Engine
from sim.errors import ScenarioError
from sim.model import build_model
from sim.scenario.loader import scenario_from_dict
from sim.travellers import sample_travellers

HOURS = 12


def _two_groups(pool: int | None, rates=(600.0, 600.0), max_lanes: int = 5) -> dict:
    pol = {"low_wait_min": 2.0, "high_wait_min": 4.0, "min_lanes": 1, "max_lanes": max_lanes, "review_min": 2.0,
           "reaction_min": 1.0}
    group = lambda prog: {"mode": "vehicle", "programs": [prog], "lanes": max_lanes, "policy": dict(pol),  # noqa: E731
                          "service": {prog: {"dist": "exponential", "mean_s": 60.0}},
                          **({"pool": "shared"} if pool else {})}
    rate = lambda r: list(r) if isinstance(r, list) else [r] * 24  # noqa: E731
    data = {
        "name": "two lane types",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": HOURS, "warmup_h": 0, "drain_h": 1},
        "seed": 5,
        "streams": {p: {"mode": "vehicle", "program": p, "demand": {"rate_per_h": rate(r)}}
                    for p, r in zip(("general", "ready"), rates, strict=True)},
        "lane_groups": {"general_lanes": group("general"), "ready_lanes": group("ready")},
    }
    if pool:
        data["lane_pools"] = {"shared": pool}
    return data


def _lanes_at(data: dict, times_s: np.ndarray) -> np.ndarray:
    """Lanes accepting travellers in each group (columns) at each time (rows), from the engine's
    record of every change (exact, not hourly averages)."""
    model = build_model(scenario_from_dict(data).scenario)
    engine = Engine(model, sample_travellers(model, 5, 0), 0)
    engine.run()
    out = np.zeros((len(times_s), len(model.groups)), dtype=int)
    for j, steps in enumerate(engine.open_steps):
        t = np.array([s[0] for s in steps])
        n = np.array([s[1] for s in steps])
        out[:, j] = n[np.searchsorted(t, times_s, side="right") - 1]
    return out


def _all_changes(data: dict) -> np.ndarray:
    """Every time at which some group's lanes changed, within the window."""
    model = build_model(scenario_from_dict(data).scenario)
    engine = Engine(model, sample_travellers(model, 5, 0), 0)
    engine.run()
    return np.unique([t for steps in engine.open_steps for t, _ in steps if t <= model.horizon_s])


def test_a_pool_never_has_more_lanes_open_than_it_holds():
    # each line alone would need all 5 of its lanes (600/h against 60/h per lane), 10 in all
    data = _two_groups(pool=6)
    total = _lanes_at(data, _all_changes(data)).sum(axis=1)
    assert total.max() == 6


def test_an_overloaded_pool_keeps_all_its_lanes_open_and_without_a_pool_each_group_opens_its_limit():
    after_first_hour = np.arange(3600.0, HOURS * 3600.0, 300.0)
    pooled = _lanes_at(_two_groups(pool=6), after_first_hour).sum(axis=1)
    # a moved lane closes in one group and opens in the other at the same instant (equal reaction times)
    assert (pooled == 6).all()
    unpooled = _lanes_at(_two_groups(pool=None), after_first_hour)
    assert (unpooled == 5).all()


def test_a_full_pool_moves_lanes_to_the_line_that_is_longest_for_its_target():
    # both lines exceed what 6 lanes can serve (60/h each); General's demand is three times Ready's
    lanes = _lanes_at(_two_groups(pool=6, rates=(900.0, 300.0), max_lanes=6),
                      np.arange(3 * 3600.0, HOURS * 3600.0, 600.0))
    general, ready = lanes[:, 0], lanes[:, 1]
    assert (general > ready).all()
    assert (ready >= 1).all()  # Ready keeps its min_lanes


def test_lanes_taken_by_the_first_long_line_move_when_another_line_becomes_longer(monkeypatch):
    """Ready's line is long first and takes the pool; from 02:00 General's line is far longer
    for its target while Ready's stays above its own, so only moving lanes can serve General."""
    data = _two_groups(pool=6, rates=([0.0] * 2 + [900.0] * 22, [900.0] * 2 + [400.0] * 22), max_lanes=6)
    late = np.arange(6 * 3600.0, HOURS * 3600.0, 600.0)
    lanes = _lanes_at(data, late)
    assert lanes[:, 0].mean() > lanes[:, 1].mean()  # General holds more of the pool over 06:00-12:00
    # and without moving lanes (an infinite margin) Ready keeps them
    import sim.engine

    monkeypatch.setattr(sim.engine, "POOL_MARGIN", float("inf"))
    stuck = _lanes_at(data, late)
    assert stuck[:, 1].mean() > stuck[:, 0].mean()


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
