"""The San Ysidro expansion pair: the committed files are what the script produces from the public
data and the baseline, they validate, the passenger lanes are shared lane pools whose lanes and
booths are the public record (24 lanes / 24 booths before, 25 / 46 after), they change only what
the expansion changed, and the model says the expansion shortens the General line at the peak
(paired, common random numbers).

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the
tests that need it are skipped when it is absent. The files inherit the officers' lane policy from
``scenarios/san_ysidro/baseline.yaml``; the tests that load them are skipped, saying so, while the
baseline has no ``policy:`` blocks.
"""

from __future__ import annotations

import pytest
import yaml

import sim
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.loader import resolve
from tests.calibration.scripts import (
    DATA_DIR,
    REPO,
    assert_generated,
    calibration_module,
    skip_without_data,
)

SCENARIOS = REPO / "scenarios" / "san_ysidro"
BASELINE = SCENARIOS / "baseline.yaml"
FILES = ("pre_expansion.yaml", "post_expansion.yaml")
PRE, POST = (SCENARIOS / f for f in FILES)
REGENERATE = "python -m calibration.san_ysidro_expansion --out scenarios/san_ysidro"
LANE_TYPES = {"pov_general": "General", "pov_ready": "Ready", "pov_sentri": "SENTRI"}
POOLS = {"pre": {"pov_lanes": 24}, "post": {"stacked_lanes": 21, "single_lanes": 4}}  # public-figures §4.3


def _script():
    return calibration_module("san_ysidro_expansion")


def _baseline_has_policy() -> bool:
    data, _, _ = resolve(BASELINE)
    return all("policy" in data["lane_groups"].get(g, {}) for g in LANE_TYPES)


needs_policy = pytest.mark.skipif(
    not _baseline_has_policy(),
    reason="scenarios/san_ysidro/baseline.yaml has no lane policy yet; the expansion files inherit it",
)


@pytest.fixture(scope="module")
def derived():
    mod = _script()
    skip_without_data([mod.BTS, mod.PORT_CONFIG])
    if not _baseline_has_policy():
        pytest.skip("scenarios/san_ysidro/baseline.yaml has no lane policy yet; the expansion files inherit it")
    return mod.derive(DATA_DIR, BASELINE)


@pytest.mark.parametrize("name", FILES)
def test_committed_files_equal_script_output(derived, name):
    assert_generated(SCENARIOS / name, _script().render(derived)[name], REGENERATE)


def test_rendered_yaml_holds_exactly_the_derived_scenarios(derived):
    texts = _script().render(derived)
    for key, mapping in derived["scenarios"].items():
        assert yaml.safe_load(texts[f"{key}.yaml"]) == mapping
        assert mapping["extends"] == "baseline.yaml"


def _loaded(path):
    return load_scenario(path).scenario


def _by_type(sc, what):
    """Lane type -> sum over its passenger lane groups (``pov_sentri_stacked`` counts as SENTRI)."""
    out = {}
    for name, g in sc.lane_groups.items():
        base = name.removesuffix("_stacked")
        if g.mode == "vehicle" and base in LANE_TYPES:
            out[LANE_TYPES[base]] = out.get(LANE_TYPES[base], 0) + what(g)
    return out


def _passenger(sc):
    return {n: g for n, g in sc.lane_groups.items() if g.mode == "vehicle" and n.removesuffix("_stacked") in LANE_TYPES}


@needs_policy
def test_both_files_load_and_validate():
    for path in (PRE, POST):
        sc = _loaded(path)
        assert sc.window == _loaded(BASELINE).window
        assert all(g.policy is not None and g.pool is not None for g in _passenger(sc).values())


@needs_policy
def test_the_lanes_are_shared_pools_whose_lanes_and_booths_are_the_public_record():
    for key, path, lanes, booths in (("pre", PRE, 24, 24), ("post", POST, 25, 46)):
        sc = _loaded(path)
        groups = _passenger(sc)
        assert {p: n for p, n in sc.lane_pools.items()} == POOLS[key]
        members = {p: {n: g for n, g in groups.items() if g.pool == p} for p in sc.lane_pools}
        assert all(members.values()), "every declared pool is used"
        assert {g.pool for g in groups.values()} <= set(sc.lane_pools)
        per_lane = {}
        for p, ms in members.items():
            (k,) = {g.booths_per_lane for g in ms.values()}  # one booth count per pool, so booths are defined
            per_lane[p] = k
            for g in ms.values():  # every member may open all of the pool's lanes, no more
                assert g.lanes == g.policy.max_lanes == sc.lane_pools[p]
            assert sum(g.policy.min_lanes for g in ms.values()) <= sc.lane_pools[p]
        assert sum(sc.lane_pools.values()) == lanes
        assert sum(sc.lane_pools[p] * per_lane[p] for p in sc.lane_pools) == booths
        # every lane type has lanes; after the expansion each can reach more booths than before
        reach = {t: sum(sc.lane_pools[p] * per_lane[p] for p in {g.pool for n, g in groups.items()
                                                                   if LANE_TYPES[n.removesuffix("_stacked")] == t})
                 for t in LANE_TYPES.values()}
        assert all(v > 0 for v in reach.values())
        if key == "pre":
            assert set(per_lane.values()) == {1} and reach == {t: 24 for t in LANE_TYPES.values()}
        else:
            assert per_lane == {"stacked_lanes": 2, "single_lanes": 1}
            assert reach == {"General": 42, "Ready": 42, "SENTRI": 46}
            assert {n for n, g in groups.items() if g.pool == "single_lanes"} == {"pov_sentri"}
            assert groups["pov_sentri_stacked"].policy.min_lanes >= 1  # a new group keeps a lane open


@needs_policy
def test_only_the_expansion_and_the_demand_level_differ_from_the_baseline():
    base = _loaded(BASELINE)
    for path in (PRE, POST):
        sc = _loaded(path)
        for name, g in sc.lane_groups.items():
            like = base.lane_groups[name.removesuffix("_stacked")]
            assert g.service == like.service and g.programs == like.programs and g.discipline == like.discipline
            assert g.service_by_hour == like.service_by_hour
            if g.policy is not None:
                keep = {"low_wait_min", "high_wait_min", "review_min", "reaction_min"}
                assert g.policy.model_dump(include=keep) == like.policy.model_dump(include=keep)
        assert sc.secondary == base.secondary
        for name, s in sc.streams.items():
            b = base.streams[name]
            assert s.model_dump(exclude={"demand"}) == b.model_dump(exclude={"demand"})
            assert s.demand.model_dump(exclude={"weekday_factor"}) == b.demand.model_dump(exclude={"weekday_factor"})


@needs_policy
def test_same_demand_model_except_the_bts_scale(derived):
    pre, post = _loaded(PRE), _loaded(POST)
    factors = derived["checks"]["factor"]
    for name in pre.streams:
        a, b = pre.streams[name].demand, post.streams[name].demand
        if pre.streams[name].mode != "vehicle":
            assert a == b  # pedestrians: unchanged
            continue
        assert len(set(a.weekday_factor.values())) == 1 and len(set(b.weekday_factor.values())) == 1
        assert a.weekday_factor["tue"] == factors["pre_expansion"]
        assert b.weekday_factor["tue"] == factors["post_expansion"]
        ra, rb = a.rates_for_weekday("wed"), b.rates_for_weekday("wed")
        assert all(y == pytest.approx(x * factors["post_expansion"] / factors["pre_expansion"])
                   for x, y in zip(ra, rb, strict=True))
    # BTS: the port carried more personal vehicles after the expansion than before
    assert factors["post_expansion"] > factors["pre_expansion"]


@needs_policy
def test_expansion_shortens_the_general_line_at_the_peak_hour():
    """With common random numbers, the post − pre mean General wait at the busiest hour of arrivals
    has a paired 95 % CI below zero (3 replications)."""
    pre = load_scenario(PRE)
    sc = pre.scenario
    total = [sum(s.demand.rates_for_weekday("wed")[h] for s in sc.streams.values() if s.mode == "vehicle")
             for h in range(24)]
    peak = f"{max(range(24), key=total.__getitem__):02d}"
    cmp = sim.compare([pre, POST], replications=3)
    d = cmp.by_hour
    row = d[(d["mode"] == "vehicle") & (d.lane_group == "pov_general") & (d.program == "all") & (d.hour == peak)]
    assert len(row) == 1
    assert row.iloc[0]["mean_wait_min_diff_hi"] < 0, row.iloc[0].to_dict()


# --- the pool rules, no data needed ---------------------------------------------------------


def test_lane_pools_of_single_and_stacked_ports():
    pools = _script().lane_pools
    stack = {"g": True, "r": True, "s": False}
    assert pools(24, 24, stack) == {
        "pov_lanes": {"lanes": 24, "booths_per_lane": 1, "members": {"g": "g", "r": "r", "s": "s"}}}
    assert pools(25, 46, stack) == {
        "stacked_lanes": {"lanes": 21, "booths_per_lane": 2, "members": {"g": "g", "r": "r", "s_stacked": "s"}},
        "single_lanes": {"lanes": 4, "booths_per_lane": 1, "members": {"s": "s"}},
    }
    assert list(pools(10, 20, stack)) == ["stacked_lanes"]  # all stacked: no single-booth pool
    with pytest.raises(ValueError):
        pools(25, 51, stack)  # more than two booths a lane
    with pytest.raises(ValueError):
        pools(25, 46, {"g": True, "r": True})  # single-booth lanes but no type that may not stack


def test_pool_need_fills_the_single_type_pool_first_and_sends_the_rest_to_the_shared_pool():
    need = _script().pool_need
    pools = {"stacked": {"lanes": 10, "members": {"g": "g", "s_stacked": "s"}},
             "single": {"lanes": 2, "members": {"s": "s"}}}
    per_lane = {"g": 50.0, "s_stacked": 150.0, "s": 100.0}
    out = need(pools, {"g": 400.0, "s": 500.0}, per_lane)
    assert out["single"] == {"lanes": 2, "need": 2.0, "demand": 200.0, "throughput": 200.0, "by_group": {"s": 2.0}}
    assert out["stacked"]["need"] == pytest.approx(400 / 50 + 300 / 150)  # 8 + 2 lanes
    assert out["stacked"]["by_group"] == pytest.approx({"g": 8.0, "s_stacked": 2.0})
    assert out["stacked"]["demand"] == pytest.approx(700.0)
    assert out["stacked"]["throughput"] == pytest.approx(700.0)  # exactly the 10 lanes it has
    light = need(pools, {"g": 0.0, "s": 50.0}, per_lane)
    assert light["single"]["need"] == pytest.approx(0.5) and light["stacked"]["need"] == 0.0


def test_a_partly_stacked_lane_type_becomes_two_valid_groups(derived):
    post = derived["scenarios"]["post_expansion"]
    stacked = post["lane_groups"]["pov_sentri_stacked"]
    assert stacked["pool"] == "stacked_lanes" and stacked["policy"]["min_lanes"] >= 1
    base, _, _ = resolve(BASELINE)
    doc = {**base, "lane_pools": {"stacked_lanes": 21},
           "lane_groups": {**base["lane_groups"], "pov_sentri_stacked": stacked}}
    scenario_from_dict(doc)  # the new group is complete on its own
