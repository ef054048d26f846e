"""The Otay Mesa scenarios: the committed baseline is what the derivation script produces from
the public data, both files validate, and the what-if really adds 25 passenger lanes.

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the
tests that need it are skipped when it is absent. No simulation is run here.
"""

from __future__ import annotations

import difflib

import pytest
import yaml

from tests.calibration.scripts import DATA_DIR, REPO, load_script
from sim.scenario import load_scenario, scenario_from_dict

BASELINE = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"
ADD_25 = REPO / "scenarios" / "otay_mesa" / "add_25_lanes.yaml"
REGENERATE = "python calibration/otay_mesa_baseline.py --out scenarios/otay_mesa/baseline.yaml"



def _script():
    return load_script("otay_mesa_baseline")


@pytest.fixture(scope="module")
def derived():
    mod = _script()
    needed = [DATA_DIR / mod.OBSERVED, DATA_DIR / mod.RATES, DATA_DIR / mod.TRUCKS, DATA_DIR / mod.BTS]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        pytest.skip(f"public data not found (set POESIM_DATA_DIR to the shared data directory): {missing}")
    return mod.derive(DATA_DIR)


def test_committed_baseline_equals_script_output(derived):
    expected = _script().render(derived)
    actual = BASELINE.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), "committed", "script"))[:40]
        )
        pytest.fail(f"{BASELINE.name} is out of date with the script; regenerate with `{REGENERATE}`\n{diff}")


def test_rendered_yaml_holds_exactly_the_derived_scenario(derived):
    assert yaml.safe_load(_script().render(derived)) == derived["scenario"]
    scenario_from_dict(derived["scenario"])  # validates


@pytest.mark.parametrize("path", [BASELINE, ADD_25], ids=lambda p: p.name)
def test_otay_mesa_scenarios_validate(path):
    loaded = load_scenario(path)
    assert loaded.scenario.window.duration_h > loaded.scenario.window.warmup_h


def _lanes_open_at(steps, minute: int) -> int:
    """Lanes in force at a minute of the day, from the normalised ((minute, lanes), ...) steps."""
    return [n for m, n in steps if m <= minute][-1]


def _vehicle_groups(scenario):
    return {name: g for name, g in scenario.lane_groups.items() if g.mode == "vehicle"}


def test_add_25_lanes_adds_25_passenger_lanes_open_in_every_hour():
    base = load_scenario(BASELINE).scenario
    child = load_scenario(ADD_25).scenario
    base_groups, child_groups = _vehicle_groups(base), _vehicle_groups(child)
    assert sum(g.lanes for g in child_groups.values()) - sum(g.lanes for g in base_groups.values()) == 25
    for minute in range(24 * 60):
        b = sum(_lanes_open_at(g.lanes_open, minute) for g in base_groups.values())
        c = sum(_lanes_open_at(g.lanes_open, minute) for g in child_groups.values())
        assert b < c <= b + 25, f"at {minute // 60:02d}:{minute % 60:02d}: baseline {b} open, add_25_lanes {c}"
    # only passenger-vehicle lanes change: demand, other modes and secondary are the baseline's
    assert child.streams == base.streams
    assert child.secondary == base.secondary
    assert {k: g for k, g in child.lane_groups.items() if g.mode != "vehicle"} == {
        k: g for k, g in base.lane_groups.items() if g.mode != "vehicle"
    }
    assert child.name != base.name and child.description != base.description


def test_baseline_key_figures():
    sc = load_scenario(BASELINE).scenario
    assert sc.window.start.weekday() == 1 and sc.window.start.hour == 0  # a Tuesday, midnight
    assert (sc.window.duration_h, sc.window.warmup_h) == (48, 24)
    # passenger lanes: never more open at once than Otay Mesa's 13 physical lanes
    vehicle = _vehicle_groups(sc).values()
    assert max(sum(_lanes_open_at(g.lanes_open, 60 * h) for g in vehicle) for h in range(24)) <= 13
    # pedestrians: BTS 2018 ≈ 9.3 k/day (public-figures §4.4)
    ped = sum(s.demand.daily_volume for s in sc.streams.values() if s.mode == "pedestrian")
    assert ped == pytest.approx(9291.4, abs=1.0)
