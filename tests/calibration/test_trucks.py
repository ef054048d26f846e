"""The commercial (truck) method: generated scenarios equal their generator's output, the error
metric of the validation is right on a hand-made table, FAST beats General under the calibrated
inputs, and commercial lanes closed at night take no one.

Simulations here are short (one day of one small port, 2 replications); the Otay Mesa one is
``long``. Data-dependent tests are skipped without the shared data directory.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
import yaml

import sim
from sim.scenario import load_scenario, scenario_from_dict
from tests.calibration.scripts import DATA_DIR, REPO, assert_generated, calibration_module, skip_without_data

SCENARIOS = REPO / "scenarios" / "commercial"
REGENERATE = "python -m calibration.commercial --data ../shared/data"


def _method():
    return calibration_module("commercial")


@pytest.fixture(scope="module", params=["veterans", "ysleta"])
def derived(request):
    mod = _method()
    skip_without_data(mod.DATA_FILES)
    return mod.derive(DATA_DIR, request.param)


def test_committed_commercial_scenarios_equal_script_output(derived):
    path = SCENARIOS / f"{derived['port'].key}.yaml"
    assert_generated(path, _method().render(derived), REGENERATE)


def test_rendered_yaml_holds_exactly_the_derived_scenario(derived):
    assert yaml.safe_load(_method().render(derived)) == derived["scenario"]
    scenario_from_dict(derived["scenario"])


def test_scenarios_use_the_committed_fit(derived):
    params = _method().fitted_parameters()
    groups = derived["scenario"]["lane_groups"]
    assert groups["truck_general"]["service"]["general"]["mean_s"] == params["general_service_s"]
    assert groups["truck_fast"]["service"]["fast"]["mean_s"] == params["fast_service_s"]


def test_clock_hour_reads_every_feed_time_form():
    ch = calibration_module("data.cbp_feed").clock_hour
    assert [ch("1:00 pm CDT"), ch("At 11:00 am MDT"), ch("12:00 am CDT"), ch("12:00 pm CDT"), ch("Noon CDT"),
            ch("Midnight CDT")] == [13, 11, 0, 12, 12, 0]


def test_interpolated_lanes_are_linear_between_readings_and_circular():
    interp = _method()._interpolate
    seen = {6: 4.0, 11: 4.0, 23: 1.0}
    assert interp(seen, 8) == 4.0
    assert interp(seen, 17) == pytest.approx(4.0 - 3.0 * 6 / 12)
    assert interp(seen, 2) == pytest.approx(1.0 + 3.0 * 3 / 7)  # 23 -> 6 across midnight


def test_spread_keeps_the_day_total_and_closed_hours_empty():
    spread = _method().spread
    profile = [0.0] * 5 + [4.0, 2.0, 0.0] + [1.0] * 16
    rates = spread(100.0, profile, [6, 7, 8])
    assert sum(rates) == pytest.approx(100.0)
    assert rates[5] == 0.0 and rates[9] == 0.0
    assert rates[7] == pytest.approx(rates[8])  # an open hour without weight gets the smallest positive one
    assert rates[6] == pytest.approx(2 * rates[8])


def test_errors_by_hand():
    errors = calibration_module("studies.trucks").errors
    table = pd.DataFrame({
        "lane_group": ["truck_general"] * 3 + ["truck_fast"] * 2,
        "observed": [10.0, 20.0, 30.0, 5.0, float("nan")],
        "mean_wait_min": [12.0, 14.0, 30.0, 2.0, 9.0],
    })
    e = errors(table).set_index("lane type")
    # General: differences +2, -6, 0 -> MAE 8/3, bias -4/3; FAST: one hour (the NaN hour drops), -3
    assert e.loc["General", "hours"] == 3
    assert e.loc["General", "MAE"] == pytest.approx(8 / 3)
    assert e.loc["General", "bias"] == pytest.approx(-4 / 3)
    assert e.loc["General", "observed mean"] == pytest.approx(20.0)
    assert e.loc["FAST", "hours"] == 1
    assert e.loc["FAST", "MAE"] == pytest.approx(3.0) and e.loc["FAST", "bias"] == pytest.approx(-3.0)


@pytest.fixture(scope="module")
def veterans_run():
    return sim.run(SCENARIOS / "veterans.yaml", 2, workers=1, keep_records=True)


def _lane_wait(result, group: str) -> float:
    s = result.summary
    row = s[(s["lane_group"] == group) & (s["program"] == "all") & (s["hour"] == "all")]
    return float(row["mean_wait_min"].iloc[0])


def test_fast_waits_less_than_general_at_the_fitted_port(veterans_run):
    assert _lane_wait(veterans_run, "truck_fast") < _lane_wait(veterans_run, "truck_general") - 5.0


def test_commercial_lanes_closed_at_night_take_no_one(veterans_run):
    scenario = load_scenario(SCENARIOS / "veterans.yaml").scenario
    rec = veterans_run.records()
    rec = rec[rec["lane_group"].notna()]
    start_s = rec["arrival_s"].to_numpy() + rec["wait_min"].to_numpy() * 60.0
    served = np.isfinite(start_s)
    assert served.all()  # the clearing hour empties the line: nobody is stranded overnight
    for name, g in scenario.lane_groups.items():
        closed = [h for h in range(24) if [n for m, n in g.lanes_open if m <= h * 60][-1] == 0]
        assert closed, f"{name}: no closed hour"
        mine = (rec["lane_group"] == name).to_numpy()
        hours = (start_s[mine] // 3600 % 24).astype(int)
        assert not set(hours) & set(closed), f"{name} started service in a closed hour"
    night = [h for h in range(24) if all(s.demand.rate_per_h[h] == 0 for s in scenario.streams.values())]
    assert 3 in night
    arrived = (rec["arrival_s"].to_numpy() // 3600 % 24).astype(int)
    assert not set(arrived) & set(night)


@pytest.mark.long
def test_otay_mesa_fast_trucks_wait_less_than_general():
    """Otay Mesa's baseline trucks alone (same lanes, volumes and fitted service): FAST lanes gain clearly."""
    data = yaml.safe_load((REPO / "scenarios" / "otay_mesa" / "baseline.yaml").read_text(encoding="utf-8"))
    data["streams"] = {k: v for k, v in data["streams"].items() if v["mode"] == "truck"}
    data["lane_groups"] = {k: v for k, v in data["lane_groups"].items() if v["mode"] == "truck"}
    data["secondary"] = {k: v for k, v in data["secondary"].items() if v["mode"] == "truck"}
    result = sim.run(scenario_from_dict(data, name="<om trucks>"), 2, workers=1)
    general, fast = _lane_wait(result, "truck_general"), _lane_wait(result, "truck_fast")
    assert math.isfinite(general) and fast < 0.8 * general


@pytest.mark.long
def test_the_committed_truck_fit_replays_on_the_public_data():
    """The record in calibration/parameters/commercial.json: same data files (SHA-256), and one run at the
    fitted values with its replications and seed gives its residual biases (the fit's roots)."""
    from sim.fitting import Parameter, residuals

    mod = _method()
    skip_without_data(mod.DATA_FILES)
    record = json.loads(mod.PARAMETERS.read_text(encoding="utf-8"))
    assert record["data"] == {f: mod.sha256(DATA_DIR / f) for f in mod.DATA_FILES}
    values = record["parameters"]
    observed = mod.observations(mod.derive(DATA_DIR, mod.FIT_PORT, values))
    params = [Parameter(r["parameter"], values[r["parameter"]], mod.BOUNDS[r["parameter"]], r["metric"],
                        (r["lane_groups"],)) for r in record["residuals"]]
    got = residuals(lambda v: mod.derive(DATA_DIR, mod.FIT_PORT, v)["scenario"], params, values,
                    observed[["lane_group", "hour", "metric", "observed"]], record["replications"], record["seed"])
    for r, g in zip(record["residuals"], got.to_dict(orient="records"), strict=True):
        assert g["bias"] == pytest.approx(r["bias"], abs=1e-6)
        assert abs(g["bias"]) < 0.1  # the fit's root: mean simulated wait = mean posted wait
