"""The pure pieces of calibration/studies/validate.py: hour mapping, lane-type mapping, pairing and the
MAE/bias function. No simulation is run; the data-dependent test is skipped without the data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from calibration.port_baseline import fitted_parameters
from sim.scenario import load_scenario
from tests.calibration.scripts import DATA_DIR, REPO, calibration_module


def _v():
    return calibration_module("studies.validate")


def test_clock_hour():
    v = _v()
    assert v.clock_hour(1) == "00"
    assert v.clock_hour(10) == "09"
    assert v.clock_hour(24) == "23"
    for bad in (0, 25):
        with pytest.raises(ValueError):
            v.clock_hour(bad)


def test_lane_type_and_groups():
    v = _v()
    assert v.lane_type("pov_general") == "General"
    assert v.lane_type("pov_ready_stacked") == "Ready"
    assert v.lane_type("pov_sentri") == "SENTRI"
    assert v.lane_type("truck_general") is None and v.lane_type("ped_general") is None
    sc = load_scenario(REPO / "scenarios" / "otay_mesa" / "baseline.yaml").scenario
    assert v.passenger_groups(sc) == {"pov_general": "General", "pov_ready": "Ready", "pov_sentri": "SENTRI"}


def _frames():
    sim = pd.DataFrame(
        {
            "lane_group": ["pov_general"] * 3 + ["pov_ready_stacked"] * 3,
            "lane_type": ["General"] * 3 + ["Ready"] * 3,
            "hour": ["00", "01", "02"] * 2,
            "n": [10.0, 10.0, 10.0, 5.0, 0.0, 5.0],
            "sim_wait_min": [70.0, 50.0, 60.0, 10.0, math.nan, 40.0],
            "sim_lo": [0.0] * 6,
            "sim_hi": [99.0] * 6,
        }
    )
    obs = pd.DataFrame(
        {
            "lane_type": ["General"] * 3 + ["Ready"] * 3,
            "hour": ["00", "01", "02"] * 2,
            "volume": [1.0] * 6,
            "open_lanes": [2.0, 2.0, 0.0, 1.0, 1.0, 1.0],  # General 02: closed -> skipped
            "obs_wait_min": [60.0, 60.0, 60.0, 20.0, 20.0, math.nan],  # Ready 02: missing -> skipped
        }
    )
    return sim, obs


def test_paired_skips_closed_missing_and_empty_hours():
    v = _v()
    p = v.paired(*_frames())
    assert list(zip(p["lane_group"], p["hour"], strict=True)) == [
        ("pov_general", "00"), ("pov_general", "01"), ("pov_ready_stacked", "00")]


def test_errors_mae_and_bias():
    v = _v()
    e = v.errors(v.paired(*_frames()), ["lane_group", "lane_type"]).set_index("lane_group")
    # General: errors +10 and -10 -> MAE 10, bias 0; Ready: one hour, error -10
    assert e.loc["pov_general", "mae_min"] == pytest.approx(10.0)
    assert e.loc["pov_general", "bias_min"] == pytest.approx(0.0)
    assert e.loc["pov_general", "hours"] == 2
    assert e.loc["pov_ready_stacked", "mae_min"] == pytest.approx(10.0)
    assert e.loc["pov_ready_stacked", "bias_min"] == pytest.approx(-10.0)
    assert e.loc["pov_ready_stacked", "lane_type"] == "Ready"


def test_observed_missing_wait_is_nan(tmp_path):
    v = _v()
    head = "hour,port_name,direction,vehicle_type,traveler_type,volume,open_lanes,wait_time"
    rows = [f"{h},Otay Mesa,Northbound,Passenger,SENTRI,{h}.0,{h % 2},{'' if h == 1 else 12}" for h in range(1, 25)]
    rows += [f"{h},San Ysidro,Northbound,Passenger,SENTRI,9,1,5" for h in range(1, 25)]
    path = tmp_path / v.OBSERVED
    path.parent.mkdir(parents=True)
    path.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    df = v.observed(tmp_path, "Otay Mesa")
    assert df["hour"].tolist()[:2] == ["00", "01"] and len(df) == 24
    assert math.isnan(df["obs_wait_min"].iloc[0]) and df["obs_wait_min"].iloc[1] == 12.0


def test_observed_data_covers_every_hour():
    v = _v()
    if not (DATA_DIR / v.OBSERVED).exists():
        pytest.skip(f"data not found: {DATA_DIR / v.OBSERVED}")
    for port in v.PORTS:
        df = v.observed(DATA_DIR, port)
        assert set(df["lane_type"]) == {"General", "Ready", "SENTRI"}
        assert (df.groupby("lane_type")["hour"].nunique() == 24).all()


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"public data not found at {DATA_DIR}")
@pytest.mark.parametrize("port, other", [("Otay Mesa", "San Ysidro"), ("San Ysidro", "Otay Mesa")])
def test_out_of_sample_scenario_keeps_the_ports_data_and_takes_only_the_other_ports_fitted_numbers(port, other):
    v = _v()
    own = v.scenario_for(port, DATA_DIR, port, "policy")
    oos = v.scenario_for(port, DATA_DIR, other, "policy")
    assert own["streams"] == oos["streams"]  # demand is the port's own
    for g, grp in own["lane_groups"].items():
        if not g.startswith("pov_"):
            assert oos["lane_groups"][g] == grp
            continue
        o = oos["lane_groups"][g]
        assert (o["lanes"], o["policy"]["max_lanes"], o["policy"]["min_lanes"]) == (
            grp["lanes"], grp["policy"]["max_lanes"], grp["policy"]["min_lanes"])
        key = g.split("_")[1]
        other_params = fitted_parameters(v._port_script(other).PARAMETERS)
        assert o["policy"]["low_wait_min"] == pytest.approx(0.8 * other_params[f"{key}_target_wait_min"], abs=0.051)


@pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"public data not found at {DATA_DIR}")
def test_observed_lanes_case_replaces_the_policy_by_cbps_open_lanes():
    v = _v()
    data = v.scenario_for("Otay Mesa", DATA_DIR, "Otay Mesa", "observed")
    obs = v.observed(DATA_DIR, "Otay Mesa")
    for g, t in v.LANE_TYPES.items():
        grp = data["lane_groups"][g]
        assert "policy" not in grp
        assert grp["lanes_open"] == obs[obs.lane_type == t].sort_values("hour")["open_lanes"].astype(int).tolist()


def test_lane_errors_compare_lanes_open_in_hours_with_a_lane_open():
    v = _v()
    lanes = pd.DataFrame({"lane_group": "pov_general", "hour": ["00", "01", "02"], "sim_lanes": [2.0, 3.0, 1.0],
                          "sim_lanes_lo": 0.0, "sim_lanes_hi": 0.0})
    obs = pd.DataFrame({"lane_type": "General", "hour": ["00", "01", "02"], "open_lanes": [3.0, 3.0, 0.0]})
    e = v.lane_errors(lanes, obs, {"pov_general": "General"}).iloc[0]
    assert (e.lanes_mae, e.lanes_bias) == (0.5, -0.5)  # hour 02 (no lane observed open) is left out
