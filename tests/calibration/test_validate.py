"""The pure pieces of calibration/validate.py: hour mapping, lane-type mapping, pairing and the
MAE/bias function. No simulation is run; the data-dependent test is skipped without the data."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.calibration.scripts import DATA_DIR, REPO, load_script
from sim.scenario import load_scenario


def _v():
    return load_script("validate")


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
    assert list(zip(p["lane_group"], p["hour"])) == [("pov_general", "00"), ("pov_general", "01"), ("pov_ready_stacked", "00")]


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


def test_observed_rows_missing_wait_is_nan():
    v = _v()
    row = {"port_name": "Otay Mesa", "direction": "Northbound", "vehicle_type": "Passenger", "traveler_type": "SENTRI"}
    rows = [
        {**row, "hour": "1", "volume": "1.0", "open_lanes": "0", "wait_time": ""},
        {**row, "hour": "2", "volume": "3.0", "open_lanes": "1", "wait_time": "12"},
        {**row, "port_name": "San Ysidro", "hour": "1", "volume": "9", "open_lanes": "1", "wait_time": "5"},
    ]
    df = v.observed_rows(rows, "Otay Mesa")
    assert df["hour"].tolist() == ["00", "01"]
    assert math.isnan(df["obs_wait_min"].iloc[0]) and df["obs_wait_min"].iloc[1] == 12.0


def test_observed_data_covers_every_hour():
    v = _v()
    if not (DATA_DIR / v.OBSERVED).exists():
        pytest.skip(f"data not found: {DATA_DIR / v.OBSERVED}")
    for port in v.PORTS:
        df = v.observed(DATA_DIR, port)
        assert set(df["lane_type"]) == {"General", "Ready", "SENTRI"}
        assert (df.groupby("lane_type")["hour"].nunique() == 24).all()
