"""Regression baselines flag real changes, name where they happened, and pass unchanged models."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
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


# --- whole baselines, and changes confined to one replication ------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small scenario and its baseline (absolute paths, so tests can run from anywhere)."""
    d = tmp_path_factory.mktemp("regress")
    scen = d / "port.yaml"
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=300, lanes=6, hours=4, warmup_h=1)))
    res = cli.invoke(app, ["baseline", "save", str(scen), "--reps", "6", "--dir", str(d / "bl"), "--workers", "1"])
    assert res.exit_code == 0, res.output
    return json.loads((d / "bl" / "port.json").read_text())


def regress_with(tmp_path, doc) -> tuple[int, str]:
    (tmp_path / "bl").mkdir(exist_ok=True)
    (tmp_path / "bl" / "port.json").write_text(json.dumps(doc))
    res = cli.invoke(app, ["regress", "--dir", str(tmp_path / "bl"), "--workers", "1"])
    return res.exit_code, res.output


def whole_window(doc):
    return next(c for c in doc["cells"] if c["hour"] == "all" and c["program"] == "general")


def test_the_saved_baseline_passes(saved, tmp_path):
    rc, out = regress_with(tmp_path, saved)
    assert rc == 0, out


@pytest.mark.parametrize(("change", "expected"), [
    (lambda d: d.update(cells=[]), "cells: empty, so nothing would be tested"),
    (lambda d: d.pop("seed"), "seed: missing"),
    (lambda d: d.update(replications="6"), "replications: expected int, got str"),
    (lambda d: d["cells"][0].pop("p90_wait_min"), "cells[0]: missing p90_wait_min"),
    (lambda d: d["cells"][0].update(mean_wait_min=d["cells"][0]["mean_wait_min"][:-1]),
     "cells[0].mean_wait_min: expected one value per replication"),
    (lambda d: d["cells"][0].update(replications=[0, 0, 1, 2, 3, 4]), "cells[0].replications: expected distinct"),
    (lambda d: d.update(cells=[{**c, "replications": c["replications"][:3],
                                **{m: c[m][:3] for m in regression.BASELINE_METRICS}} for c in d["cells"]]),
     "no cell holds all 6 replications (a partial baseline)"),
    (lambda d: d["cells"][1].update(p95_wait_min=["x"] * len(d["cells"][1]["p95_wait_min"])),
     "cells[1].p95_wait_min: expected finite numbers"),
])
def test_an_empty_partial_or_misshapen_baseline_is_refused(saved, tmp_path, change, expected):
    doc = copy.deepcopy(saved)
    change(doc)
    rc, out = regress_with(tmp_path, doc)
    assert rc == 2 and "Traceback" not in out, out
    assert f"{tmp_path / 'bl' / 'port.json'}: not a whole baseline" in out and expected in out, out


def test_a_baseline_that_is_not_json_is_refused(tmp_path):
    (tmp_path / "bl").mkdir()
    (tmp_path / "bl" / "port.json").write_bytes(b"\xff{not json")
    res = cli.invoke(app, ["regress", "--dir", str(tmp_path / "bl"), "--workers", "1"])
    assert res.exit_code == 2 and "cannot read the baseline" in res.output and "Traceback" not in res.output


@pytest.mark.parametrize(("metric", "shift_min"), [
    ("mean_wait_min", 5.0), pytest.param("p90_wait_min", 30.0, marks=pytest.mark.long)])
def test_one_replication_shifted_beyond_noise_is_flagged(saved, tmp_path, metric, shift_min):
    """The t-test alone misses it (one of six differences: p ≈ 0.36); the other replications
    reproduce the baseline exactly, so replication 3 moved for a reason."""
    doc = copy.deepcopy(saved)
    cell = whole_window(doc)
    cell[metric][3] -= shift_min
    d = np.zeros(6)
    d[3] = shift_min
    assert regression.paired_p_value(np.zeros(6), d) > 0.3
    rc, out = regress_with(tmp_path, doc)
    assert rc == 1, out
    assert f"vehicle/booths/general/hours all: {metric}: replication 3 moved" in out


@pytest.mark.long
def test_every_replication_moving_within_noise_of_each_other_is_left_to_the_t_tests(saved, tmp_path):
    """Reshuffled random numbers move every replication; mean-zero moves are not a regression."""
    doc = copy.deepcopy(saved)
    for c in doc["cells"]:
        for m in regression.BASELINE_METRICS:
            c[m] = [None if v is None else v + (0.5 if i % 2 else -0.5) for i, v in enumerate(c[m])]
    rc, out = regress_with(tmp_path, doc)
    assert rc == 0, out


def test_travellers_in_a_cell_the_baseline_lacks_are_a_finding(saved, tmp_path):
    doc = copy.deepcopy(saved)
    doc["cells"] = [c for c in doc["cells"] if c["hour"] != "00-06"]
    rc, out = regress_with(tmp_path, doc)
    assert rc == 1 and "hours 00-06: n: travellers in this cell now, none in the baseline" in out, out
