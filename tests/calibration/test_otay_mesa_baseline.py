"""The Otay Mesa scenarios: the committed baseline is what the derivation script produces from
the public data, both files validate, and the what-if really adds 25 passenger lanes.

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

BASELINE = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"
OBSERVED_LANES = REPO / "scenarios" / "otay_mesa" / "observed_lanes.yaml"
REGENERATE = "python -m calibration.otay_mesa_baseline --out scenarios/otay_mesa/baseline.yaml"



def _script():
    return calibration_module("otay_mesa_baseline")


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


@pytest.mark.parametrize("path", [BASELINE, OBSERVED_LANES], ids=lambda p: p.name)
def test_otay_mesa_scenarios_validate(path):
    loaded = load_scenario(path)
    assert loaded.scenario.window.duration_h > loaded.scenario.window.warmup_h


def _lanes_open_at(steps, minute: int) -> int:
    """Lanes in force at a minute of the day, from the normalised ((minute, lanes), ...) steps."""
    return [n for m, n in steps if m <= minute][-1]


def _vehicle_groups(scenario):
    return {name: g for name, g in scenario.lane_groups.items() if g.mode == "vehicle"}


def test_observed_lanes_variant_replaces_each_passenger_policy_by_cbps_observed_lanes(derived):
    base = load_scenario(BASELINE).scenario
    child = load_scenario(OBSERVED_LANES).scenario
    for name, g in _vehicle_groups(base).items():
        assert g.policy is not None and child.lane_groups[name].policy is None
        if name.startswith("pov_"):
            hourly = [_lanes_open_at(child.lane_groups[name].lanes_open, 60 * h) for h in range(24)]
            assert hourly == derived["observed_lanes"][name]
    assert child.streams == base.streams


def test_baseline_key_figures():
    sc = load_scenario(BASELINE).scenario
    assert sc.window.start.weekday() == 1 and sc.window.start.hour == 0  # a Tuesday, midnight
    assert (sc.window.duration_h, sc.window.warmup_h) == (48, 24)
    # passenger lanes: a lane policy per lane type, up to Otay Mesa's 13 physical lanes, with the fitted
    # target and SANDAG's min_lanes (port_configurations.csv: General 2, Ready 2, SENTRI 1)
    pov = {n: g for n, g in sc.lane_groups.items() if n.startswith("pov_")}
    assert {n: (g.lanes, g.policy.max_lanes, g.policy.min_lanes) for n, g in pov.items()} == {
        "pov_general": (13, 13, 2), "pov_ready": (13, 13, 2), "pov_sentri": (13, 13, 1)}
    for g in pov.values():
        assert g.policy.low_wait_min < g.policy.high_wait_min
    # pedestrians: BTS 2018 ≈ 9.3 k/day (public-figures §4.4)
    ped = sum(s.demand.daily_volume for s in sc.streams.values() if s.mode == "pedestrian")
    assert ped == pytest.approx(9291.4, abs=1.0)
