"""calibration/studies/pedestrians.py: CBP's hour labels, the MAE/bias/peak computation on a hand-made case,
the observed Tue/Wed/Thu averages, the parameter record against the data, and (long) the fitted and the
predicted port against the issue #9 targets."""

from __future__ import annotations

import hashlib
import json
import math

import pandas as pd
import pytest

from calibration.port_baseline import PEDESTRIAN_PARAMETERS, ped_service_mean_s
from sim.scenario import load_scenario
from tests.calibration.scripts import DATA_DIR, REPO, calibration_module, skip_without_data


def _p():
    return calibration_module("studies.pedestrians")


def test_clock_hour():
    p = _p()
    assert [p.clock_hour(t) for t in ("12:00 AM", "1:00 AM", "11:00 AM", "12:00 PM", "7:00 PM", "11:00 PM")] == [
        0, 1, 11, 12, 19, 23]


def test_metrics_on_a_hand_made_case():
    p = _p()
    obs = pd.Series([0.0] * 24)
    obs[5], obs[7], obs[12] = 10.0, 20.0, 30.0  # morning peak 20 at 07; daily max 30 at 12
    obs[23] = math.nan  # a blank CBP cell: that hour is not compared
    sim = pd.Series([1.0] * 24)  # +1 everywhere ...
    sim[5], sim[7], sim[12], sim[8] = 10.0, 14.0, 30.0, 16.0  # ... but 0 at 05 and 12, -6 at 07, +16 at 08
    m = p.metrics(sim, obs)
    # 23 hours compared: 05 and 12 exact, 07 off by 6, 08 off by 16, 19 others off by 1
    assert m["hours"] == 23
    assert m["mae_min"] == pytest.approx((6 + 16 + 19) / 23)
    assert m["bias_min"] == pytest.approx((-6 + 16 + 19) / 23)
    assert (m["obs_peak_min"], m["obs_peak_hour"]) == (20.0, 7)
    assert (m["sim_peak_min"], m["sim_peak_hour"]) == (16.0, 8)
    assert m["peak_rel_err"] == pytest.approx(16 / 20 - 1)
    assert (m["obs_max_min"], m["obs_max_hour"]) == (30.0, 12)
    assert p.meets_targets(m) is True  # MAE 1.8 <= 5 and the peak 20 % low, within 30 %
    assert p.meets_targets({**m, "peak_rel_err": -0.35}) is False
    assert p.meets_targets({**m, "mae_min": 5.01, "peak_rel_err": 0.0}) is False


def test_baselines_carry_the_fitted_service_time():
    mean_s = ped_service_mean_s()
    record = json.loads(PEDESTRIAN_PARAMETERS.read_text(encoding="utf-8"))
    assert record["fitted_on"] == "Otay Mesa"
    assert record["parameters"]["ped_service_mean_s"] == mean_s
    for port in ("otay_mesa", "san_ysidro"):
        sc = load_scenario(REPO / "scenarios" / port / "baseline.yaml").scenario
        peds = {n: g for n, g in sc.lane_groups.items() if g.mode == "pedestrian"}
        assert peds and all(s.mean_s == mean_s for g in peds.values() for s in g.service.values())
    assert set(load_scenario(REPO / "scenarios" / "san_ysidro" / "baseline.yaml").scenario.lane_groups) >= {
        "ped_general", "ped_ready"}


def test_observed_tue_wed_thu_averages():
    p = _p()
    skip_without_data(p.DATA_FILES)
    om, sy = p.observed(DATA_DIR, "Otay Mesa"), p.observed(DATA_DIR, "San Ysidro")
    assert list(om.index) == list(range(24)) and not om.isna().any() and not sy.isna().any()
    # the brief's figures: Otay Mesa 6-8 min a day on Tue-Thu, 07-08 peaks of 18-26 min
    assert om.mean() == pytest.approx(6.87, abs=0.01)
    assert om.idxmax() == 7 and om[7] == pytest.approx(21.9, abs=0.05)
    assert sy.mean() == pytest.approx(20.5, abs=0.05)


def test_parameter_record_matches_the_data():
    p = _p()
    skip_without_data(p.DATA_FILES)
    record = json.loads(PEDESTRIAN_PARAMETERS.read_text(encoding="utf-8"))
    for rel, sha in record["data"].items():
        assert hashlib.sha256((DATA_DIR / rel).read_bytes()).hexdigest() == sha, rel
    assert record["target"]["observed_daily_mean_wait_min"] == pytest.approx(p.observed(DATA_DIR, "Otay Mesa").mean(),
                                                                             abs=1e-3)


@pytest.mark.long
def test_fitted_and_predicted_port_against_the_targets():
    """Otay Mesa (fitted) meets both targets. San Ysidro (predicted, not fitted) MISSES them: its 15 booths
    sit on a knife edge (14 general + 1 Ready booths overshoot, one more booth undershoots; see
    calibration/VALIDATION_PEDESTRIANS.md), so this documents the miss: MAE about 11 min, the morning
    peak about 45 % high."""
    p = _p()
    skip_without_data(p.DATA_FILES)
    res = {}
    for port in p.PORTS:
        sim = p.simulate(p.pedestrian_scenario(port, DATA_DIR), 3)["sim"]
        res[port] = p.metrics(sim, p.observed(DATA_DIR, port))
    om, sy = res["Otay Mesa"], res["San Ysidro"]
    assert p.meets_targets(om), om
    assert abs(om["bias_min"]) < 2.0
    assert not p.meets_targets(sy), "San Ysidro now meets the targets: update the test and the report"
    assert 6.0 < sy["mae_min"] < 16.0 and 0.3 < sy["peak_rel_err"] < 0.8, sy


@pytest.mark.slow
def test_refit_reproduces_the_record():
    """``python -m calibration.studies.pedestrians --fit`` gives the committed value again (common random
    numbers: the same seed, so the same evaluations)."""
    p = _p()
    skip_without_data(p.DATA_FILES)
    record = json.loads(PEDESTRIAN_PARAMETERS.read_text(encoding="utf-8"))
    again = p.fit(DATA_DIR, record["settings"]["replications"])
    assert again["parameters"] == record["parameters"]
    assert again["residuals"] == record["residuals"]
