"""Every shipped scenario validates and runs, and what-ifs share their baseline's travellers."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from sim.scenario import load_scenario, scenario_from_dict
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))


def test_the_library_is_not_empty():
    assert any(p.parent.name == "otay_mesa" for p in SCENARIOS)


RUN_AT_MOST_H = 72  # long scenarios (a year) run their first three days here; benchmarks run them whole


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_shipped_scenario_validates_and_runs(path):
    loaded = load_scenario(path)
    if loaded.scenario.window.duration_h > RUN_AT_MOST_H:
        doc = {**loaded.resolved, "window": {**loaded.resolved["window"], "duration_h": RUN_AT_MOST_H}}
        loaded = scenario_from_dict(doc, name=str(path))
    r = sim.run(loaded, replications=1, workers=1)
    whole = r.summary[(r.summary["hour"] == "all") & (r.summary["program"] == "all")]
    assert len(whole) and whole["n"].gt(0).all()
    assert np.isfinite(whole["mean_wait_min"]).all() and whole["mean_wait_min"].ge(0).all()


def test_the_otay_mesa_what_if_sees_the_same_travellers_as_the_baseline():
    a = sim.run(ROOT / "scenarios/otay_mesa/baseline.yaml", replications=1, workers=1, keep_records=True).records()
    b = sim.run(ROOT / "scenarios/otay_mesa/add_25_lanes.yaml", replications=1, workers=1, keep_records=True).records()
    for col in ("stream", "program", "arrival_s", "referred"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())
