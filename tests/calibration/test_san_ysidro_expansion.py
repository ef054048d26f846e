"""The San Ysidro expansion pair: the committed files are what the script produces from the public
data and the baseline, they validate, they change only what the expansion changed, and the model
says the expansion shortens the General line at the peak (paired, common random numbers).

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the
tests that need it are skipped when it is absent. The files inherit the officers' lane policy from
``scenarios/san_ysidro/baseline.yaml``; the tests that load them are skipped, saying so, while the
baseline has no ``policy:`` blocks.
"""

from __future__ import annotations

import difflib

import pytest
import yaml

import sim
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.loader import resolve
from tests.calibration.scripts import DATA_DIR, REPO, load_script

SCENARIOS = REPO / "scenarios" / "san_ysidro"
BASELINE = SCENARIOS / "baseline.yaml"
FILES = ("pre_expansion.yaml", "post_expansion.yaml")
PRE, POST = (SCENARIOS / f for f in FILES)
REGENERATE = "python calibration/san_ysidro_expansion.py --out scenarios/san_ysidro"
LANE_TYPES = {"pov_general": "General", "pov_ready": "Ready", "pov_sentri": "SENTRI"}


def _script():
    return load_script("san_ysidro_expansion")


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
    needed = [DATA_DIR / mod.OBSERVED, DATA_DIR / mod.BTS, DATA_DIR / mod.PORT_CONFIG]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        pytest.skip(f"public data not found (set POESIM_DATA_DIR to the shared data directory): {missing}")
    if not _baseline_has_policy():
        pytest.skip("scenarios/san_ysidro/baseline.yaml has no lane policy yet; the expansion files inherit it")
    return mod.derive(DATA_DIR, BASELINE)


@pytest.mark.parametrize("name", FILES)
def test_committed_files_equal_script_output(derived, name):
    expected = _script().render(derived)[name]
    actual = (SCENARIOS / name).read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), "committed", "script"))[:40]
        )
        pytest.fail(f"{name} is out of date with the script or the baseline; regenerate with `{REGENERATE}`\n{diff}")


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


@needs_policy
def test_both_files_load_and_validate():
    for path in (PRE, POST):
        sc = _loaded(path)
        assert sc.window == _loaded(BASELINE).window
        assert all(g.policy is not None for g in sc.lane_groups.values() if g.mode == "vehicle")


@needs_policy
def test_supply_follows_the_public_record_and_post_has_more_booths_in_every_lane_type():
    pre, post = _loaded(PRE), _loaded(POST)
    lanes = {k: sum(_by_type(sc, lambda g: g.lanes).values()) for k, sc in (("pre", pre), ("post", post))}
    booths = {k: _by_type(sc, lambda g: g.lanes * g.booths_per_lane) for k, sc in (("pre", pre), ("post", post))}
    assert (lanes["pre"], sum(booths["pre"].values())) == (24, 24)  # public-figures §4.3
    assert (lanes["post"], sum(booths["post"].values())) == (25, 46)
    assert all(g.booths_per_lane == 1 for g in pre.lane_groups.values())
    assert set(booths["pre"]) == set(booths["post"]) == set(LANE_TYPES.values())
    assert all(booths["post"][t] > booths["pre"][t] for t in booths["pre"])
    for sc in (pre, post):  # every lane group can open all of its lanes, no more
        assert all(g.policy.max_lanes == g.lanes for g in sc.lane_groups.values() if g.mode == "vehicle")


@needs_policy
def test_only_the_expansion_and_the_demand_level_differ_from_the_baseline():
    base = _loaded(BASELINE)
    for path in (PRE, POST):
        sc = _loaded(path)
        for name, g in sc.lane_groups.items():
            like = base.lane_groups[name.removesuffix("_stacked")]
            assert g.service == like.service and g.programs == like.programs and g.discipline == like.discipline
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
        assert a.weekday_factor["tue"] == factors["pre_expansion"] and b.weekday_factor["tue"] == factors["post_expansion"]
        ra, rb = a.rates_for_weekday("wed"), b.rates_for_weekday("wed")
        assert all(y == pytest.approx(x * factors["post_expansion"] / factors["pre_expansion"]) for x, y in zip(ra, rb))
    # BTS: the port carried more personal vehicles after the expansion than before
    assert factors["post_expansion"] > factors["pre_expansion"]


@needs_policy
def test_expansion_shortens_the_general_line_at_the_peak_hour():
    """With common random numbers, the post − pre mean General wait at the busiest hour of arrivals
    has a paired 95 % CI below zero (3 replications)."""
    pre = load_scenario(PRE)
    sc = pre.scenario
    total = [sum(s.demand.rates_for_weekday("wed")[h] for s in sc.streams.values() if s.mode == "vehicle") for h in range(24)]
    peak = f"{max(range(24), key=total.__getitem__):02d}"
    cmp = sim.compare([pre, POST], replications=3)
    d = cmp.by_hour
    row = d[(d["mode"] == "vehicle") & (d.lane_group == "pov_general") & (d.program == "all") & (d.hour == peak)]
    assert len(row) == 1
    assert row.iloc[0]["mean_wait_min_diff_hi"] < 0, row.iloc[0].to_dict()


# --- the allocation rules, no data needed --------------------------------------------------


def test_largest_remainder_splits_whole_lanes_in_proportion():
    split = _script().largest_remainder
    assert split(24, {"a": 9, "b": 11, "c": 7}) == {"a": 8, "b": 10, "c": 6}
    assert split(25, {"a": 9, "b": 11, "c": 7}) == {"a": 8, "b": 10, "c": 7}
    assert split(3, {"a": 1, "b": 1, "c": 1}) == {"a": 1, "b": 1, "c": 1}
    assert split(2, {"a": 1, "b": 1, "c": 1}) == {"a": 1, "b": 1, "c": 0}  # ties: listed first
    for total in range(40):
        assert sum(split(total, {"a": 3.3, "b": 5.1, "c": 0.7}).values()) == total


def test_stacked_lanes_fill_the_allowed_types_first():
    assign = _script().assign_stacked
    lanes = {"g": 8, "r": 10, "s": 7}
    assert assign(lanes, 21, ["g", "r", "s"]) == {"g": 8, "r": 10, "s": 3}
    assert assign(lanes, 5, ["r", "g", "s"]) == {"g": 0, "r": 5, "s": 0}
    with pytest.raises(ValueError):
        assign(lanes, 26, ["g", "r", "s"])


def test_a_partly_stacked_lane_type_becomes_two_valid_groups(derived):
    post = derived["scenarios"]["post_expansion"]
    stacked = post["lane_groups"].get("pov_sentri_stacked")
    if stacked is None:
        pytest.skip("no partly stacked lane type in this derivation")
    base, _, _ = resolve(BASELINE)
    doc = {**base, "lane_groups": {**base["lane_groups"], "pov_sentri_stacked": stacked}}
    scenario_from_dict(doc)  # the new group is complete on its own
