"""Regression baselines flag real changes, name where they happened, and pass unchanged models."""

from __future__ import annotations

import json

import numpy as np
import yaml
from typer.testing import CliRunner

from sim import regression
from sim.cli import app
from tests.builders import single_queue

cli = CliRunner()


def write(path, **kw):
    path.write_text(yaml.safe_dump(single_queue(rate_per_h=300, lanes=6, hours=24, warmup_h=2, **kw)))
    return path


def test_holm_controls_the_family_wise_rate_of_uniform_p_values():
    rng = np.random.default_rng(0)
    trials, m, alpha = 4000, 50, 0.05
    false_alarms = sum(regression.holm_reject(rng.random(m), alpha).any() for _ in range(trials))
    assert false_alarms / trials <= alpha + 3 * np.sqrt(alpha * (1 - alpha) / trials)


def test_holm_rejects_a_clear_signal_among_noise():
    p = np.array([1e-6, 0.4, 0.8, 0.03])
    assert regression.holm_reject(p, 0.01).tolist() == [True, False, False, False]


def test_welch_p_values_handle_constant_samples_exactly():
    assert regression.welch_p_value(np.zeros(5), np.zeros(5)) == 1.0
    assert regression.welch_p_value(np.zeros(5), np.ones(5)) == 0.0
    assert regression.welch_p_value(np.array([1.0, 2, 3]), np.array([1.0, 2, 3])) == 1.0


def test_an_unchanged_scenario_passes_and_a_slower_booth_is_flagged(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scen = write(tmp_path / "port.yaml")
    res = cli.invoke(app, ["baseline", "save", "port.yaml", "--reps", "8", "--dir", "bl", "--workers", "1"])
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "bl" / "port.json").read_text())
    assert doc["replications"] == 8 and doc["cells"]

    res = cli.invoke(app, ["regress", "--dir", "bl", "--workers", "1", "--json", "r.json", "--junit", "r.xml"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "r.json").read_text())["passed"] is True

    write(scen, mean_s=66.0)  # booths 10 % slower (load 0.83 → 0.92): waits rise well beyond noise
    res = cli.invoke(app, ["regress", "--dir", "bl", "--workers", "1", "--json", "r.json", "--junit", "r.xml"])
    assert res.exit_code == 1
    assert "REGRESSION" in res.output and "vehicle/booths/general/hours all: mean_wait_min" in res.output
    assert "scenario file has changed" in res.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert not report["passed"]
    moved = {(f["lane_group"], f["hour"], f["metric"]) for f in report["scenarios"][0]["findings"]}
    assert ("booths", "all", "mean_wait_min") in moved
    assert all(f["current"] > f["baseline"] for f in report["scenarios"][0]["findings"])
    assert "<failure" in (tmp_path / "r.xml").read_text()


def test_regress_without_baselines_says_how_to_make_them(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = cli.invoke(app, ["regress", "--dir", "nowhere"])
    assert res.exit_code == 2 and "poesim baseline save" in res.output


def test_paired_p_values_see_a_consistent_shift_that_noise_would_hide():
    rng = np.random.default_rng(1)
    base = rng.normal(50, 10, size=8)  # replication-to-replication noise ≫ the change
    assert regression.paired_p_value(base, base) == 1.0
    assert regression.paired_p_value(base, base + 1.0 + rng.normal(0, 0.1, 8)) < 1e-6
    assert regression.welch_p_value(base, base + 1.0) > 0.5


def test_floating_point_noise_is_not_a_regression(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "port.yaml")
    saved = cli.invoke(app, ["baseline", "save", "port.yaml", "--reps", "4", "--dir", "bl", "--workers", "1"])
    assert saved.exit_code == 0
    doc = json.loads((tmp_path / "bl" / "port.json").read_text())
    for cell in doc["cells"]:  # a platform whose results differ in the 7th digit, consistently (p ≈ 0)
        for m in regression.BASELINE_METRICS:
            cell[m] = [None if v is None else v + 1e-7 + 1e-10 * i for i, v in enumerate(cell[m])]
    (tmp_path / "bl" / "port.json").write_text(json.dumps(doc))
    res = cli.invoke(app, ["regress", "--dir", "bl", "--workers", "1"])
    assert res.exit_code == 0, res.output
