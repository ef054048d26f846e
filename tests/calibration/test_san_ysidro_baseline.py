"""The San Ysidro baseline: the committed file is what the derivation script produces from the
public data, it validates, and the stacked-lane representation holds.

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the
tests that need it are skipped when it is absent. No simulation is run here.
"""

from __future__ import annotations

import pytest
import yaml

from sim.scenario import load_scenario, scenario_from_dict
from tests.calibration.scripts import (
    DATA_DIR,
    REPO,
    assert_generated,
    calibration_module,
    skip_without_data,
)

BASELINE = REPO / "scenarios" / "san_ysidro" / "baseline.yaml"
REGENERATE = "python -m calibration.san_ysidro_baseline --out scenarios/san_ysidro/baseline.yaml"



def _script():
    return calibration_module("san_ysidro_baseline")


@pytest.fixture(scope="module")
def derived():
    mod = _script()
    skip_without_data(mod.DATA_FILES)
    return mod.derive(DATA_DIR)


def test_committed_baseline_equals_script_output(derived):
    assert_generated(BASELINE, _script().render(derived), REGENERATE)


def test_rendered_yaml_holds_exactly_the_derived_scenario(derived):
    assert yaml.safe_load(_script().render(derived)) == derived["scenario"]
    scenario_from_dict(derived["scenario"])  # validates


def test_san_ysidro_baseline_validates():
    loaded = load_scenario(BASELINE)
    assert loaded.scenario.window.duration_h > loaded.scenario.window.warmup_h


def _lanes_open_at(steps, minute: int) -> int:
    """Lanes in force at a minute of the day, from the normalised ((minute, lanes), ...) steps."""
    return [n for m, n in steps if m <= minute][-1]


def test_baseline_key_figures():
    sc = load_scenario(BASELINE).scenario
    assert sc.window.start.weekday() == 1 and sc.window.start.hour == 0  # a Tuesday, midnight
    assert (sc.window.duration_h, sc.window.warmup_h) == (48, 24)
    assert {s.mode for s in sc.streams.values()} == {"vehicle", "pedestrian"}  # no trucks at San Ysidro
    vehicle = [g for g in sc.lane_groups.values() if g.mode == "vehicle"]
    # 2017 base: General and Ready stacked in every open lane, SENTRI never
    assert {n: g.booths_per_lane for n, g in sc.lane_groups.items() if g.mode == "vehicle"} == {
        "pov_general": 2,
        "pov_ready": 2,
        "pov_sentri": 1,
    }
    # a lane policy per lane type, up to SANDAG's 25 physical lanes (SY_*_MAX), SANDAG's min_lanes
    assert {n: (g.lanes, g.policy.max_lanes, g.policy.min_lanes)
            for n, g in sc.lane_groups.items() if n.startswith("pov_")} == {
        "pov_general": (25, 25, 4), "pov_ready": (25, 25, 6), "pov_sentri": (25, 25, 1)}
    assert all(g.policy is not None for g in vehicle)
    # pedestrians: BTS 2018 ≈ 25.9 k/day (public-figures §4.4) through 15 booths (SANDAG config), one of them
    # a Ready-only booth (CBP feed 2026)
    ped = sum(s.demand.daily_volume for s in sc.streams.values() if s.mode == "pedestrian")
    assert ped == pytest.approx(25851.0, abs=1.0)
    assert (sc.lane_groups["ped_general"].lanes, sc.lane_groups["ped_ready"].lanes) == (14, 1)
    assert sc.lane_groups["ped_ready"].programs == ["ready"]


# --- the stacked-lane representation, on made-up rate columns (no data needed) -----------------


def _rates(open_, stl, veh=40.0, stv=60.0):
    cols = {}
    for prefix in ("SY_GP", "SY_RE", "SY_SE"):
        cols |= {f"{prefix}_OPEN": [float(open_)] * 24, f"{prefix}_STL": [float(stl)] * 24}
        cols |= {f"{prefix}_VEH": [veh] * 24, f"{prefix}_STV": [stv] * 24, f"{prefix}_MAX": [25.0] * 24}
    return cols


def _volumes():
    return {s: [100.0] * 24 for s in ("pov_general", "pov_ready", "pov_sentri")}


def test_partly_stacked_lanes_become_a_single_booth_group_and_a_stacked_group():
    mod = _script()
    groups, _ = mod.pov_lane_groups(_rates(open_=10, stl=7), _volumes())
    assert set(groups) == {
        f"{t}{suffix}" for t in ("pov_general", "pov_ready", "pov_sentri") for suffix in ("", "_stacked")
    }
    single, stacked = groups["pov_general"], groups["pov_general_stacked"]
    assert "booths_per_lane" not in single and stacked["booths_per_lane"] == 2
    assert (single["lanes_open"], stacked["lanes_open"]) == ([3] * 24, [7] * 24)
    assert single["service"]["general"]["mean_s"] == pytest.approx(3600 / 40.0, abs=0.05)
    # a saturated stacked lane clears 2 / E[max(S1, S2)] = the SANDAG stacked rate
    mean_s = stacked["service"]["general"]["mean_s"]
    assert 2 * 3600 / (mean_s * mod.stacked_factor()) == pytest.approx(60.0, rel=1e-3)


def test_all_or_no_stacked_lanes_keep_one_group_per_lane_type():
    mod = _script()
    stacked, _ = mod.pov_lane_groups(_rates(open_=8, stl=8), _volumes())
    assert set(stacked) == {"pov_general", "pov_ready", "pov_sentri"}
    assert all(g["booths_per_lane"] == 2 for g in stacked.values())
    single, _ = mod.pov_lane_groups(_rates(open_=8, stl=0), _volumes())
    assert set(single) == {"pov_general", "pov_ready", "pov_sentri"}
    assert all("booths_per_lane" not in g for g in single.values())


def test_more_stacked_than_open_lanes_is_an_error():
    with pytest.raises(ValueError, match="STL <= OPEN"):
        _script().pov_lane_groups(_rates(open_=5, stl=6), _volumes())


def test_stacked_factor_matches_the_lognormal_mean_of_the_larger_of_two():
    # E[max(S1, S2)] / E[S] for lognormal cv 0.6 (closed form 1 + erf(σ/2)); exponential would be 1.5
    assert _script().stacked_factor(0.6) == pytest.approx(1.305, abs=0.001)
