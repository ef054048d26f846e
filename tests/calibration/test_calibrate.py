"""`poesim calibrate`: the committed parameters and scenario files are exactly what a fresh
calibration from the public data produces, and bad calibration files or data are clear errors
that leave the committed files untouched."""

from __future__ import annotations

import textwrap

import pytest

from sim.calibrate import calibrate, load_config, replay
from sim.errors import PoesimError
from tests.calibration.scripts import DATA_DIR, REPO

needs_data = pytest.mark.skipif(not DATA_DIR.is_dir(), reason=f"public data not found at {DATA_DIR}")


@needs_data
@pytest.mark.parametrize("port", ["otay_mesa", "san_ysidro"])
def test_the_committed_parameter_record_replays_on_the_public_data(port):
    rec, problems = replay(REPO / "calibration" / f"{port}.yaml", DATA_DIR, workers=2)
    assert problems == [], problems  # same data (SHA-256) and the recorded residuals, run again
    assert set(rec["residuals"]) == set(rec["parameters"])


@pytest.mark.slow
@needs_data
@pytest.mark.parametrize("port", ["otay_mesa", "san_ysidro"])
def test_a_fresh_calibration_reproduces_the_committed_parameters_and_scenarios(port):
    """Re-fits from scratch (a few minutes per port): `pytest -m slow`."""
    _, differ = calibrate(REPO / "calibration" / f"{port}.yaml", DATA_DIR, workers=2, check=True)
    assert differ == [], f"run `poesim calibrate calibration/{port}.yaml` and commit: {differ}"


FAKE_SCRIPT = '''
import pandas as pd
DATA_FILES = ("x.csv",)

def derive(data_dir, parameters):
    return {"scenario": {
        "name": "fake", "window": {"start": "2024-01-01T00:00:00", "duration_h": 24, "warmup_h": 2, "drain_h": 2},
        "replications": 2, "seed": 1,
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": [30.0] * 24}}},
        "lane_groups": {"booths": {"mode": "vehicle", "programs": ["general"], "lanes": 1,
                                   "service": {"general": {"dist": "exponential",
                                                           "mean_s": 60.0 * parameters["scale"]}}}},
    }}

def observations(data_dir):
    return pd.DataFrame({"lane_group": "booths", "hour": [f"{h:02d}" for h in range(24)],
                         "metric": "mean_wait_min", "observed": 3.0})

def render(derived, record):
    return "ok\\n"

def broken(derived, record):
    raise RuntimeError("renderer failed")
'''


def _setup(tmp_path, outputs: str, extra: str = "") -> tuple:
    (tmp_path / "fake.py").write_text(FAKE_SCRIPT)
    data = tmp_path / "data"
    data.mkdir()
    (data / "x.csv").write_text("a\n1\n")
    cfg = tmp_path / "fake.yaml"
    cfg.write_text(textwrap.dedent(f"""\
        description: fake
        module: fake
        outputs: {outputs}
        parameters_out: params.json
        replications: 2
        seed: 1
        parameters:
          scale: {{start: 1.0, bounds: [1.0, 2.0], metric: mean_wait_min, lane_groups: [booths], xtol: 0.05}}
        {extra}"""))
    return cfg, data


def test_calibration_writes_the_record_and_every_output(tmp_path):
    cfg, data = _setup(tmp_path, "{out.txt: render}")
    rec, files = calibrate(cfg, data, workers=1)
    assert {f.name for f in files} == {"params.json", "out.txt"}
    assert set(rec["data"]) == {"x.csv"} and len(rec["data"]["x.csv"]) == 64  # SHA-256 of each data file
    assert 1.0 <= rec["parameters"]["scale"] <= 2.0


def test_a_failing_output_leaves_no_file_half_written(tmp_path):
    cfg, data = _setup(tmp_path, "{out.txt: render, other.txt: broken}")
    (tmp_path / "out.txt").write_text("committed\n")
    with pytest.raises(RuntimeError, match="renderer failed"):
        calibrate(cfg, data, workers=1)
    assert (tmp_path / "out.txt").read_text() == "committed\n"
    assert not (tmp_path / "params.json").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left behind


def test_a_typo_in_the_calibration_file_is_an_error_naming_file_and_field(tmp_path):
    cfg, _ = _setup(tmp_path, "{out.txt: render}", extra="replicatoins: 3\n")
    with pytest.raises(PoesimError, match=r"fake\.yaml: replicatoins: Extra inputs are not permitted"):
        load_config(cfg)


def test_a_missing_data_file_names_the_file_and_the_option(tmp_path):
    cfg, data = _setup(tmp_path, "{out.txt: render}")
    (data / "x.csv").unlink()
    with pytest.raises(PoesimError, match=r"--data: .* has no x\.csv"):
        calibrate(cfg, data, workers=1)


def test_a_missing_renderer_is_named(tmp_path):
    cfg, data = _setup(tmp_path, "{out.txt: nowhere}")
    with pytest.raises(PoesimError, match="has no function 'nowhere'"):
        calibrate(cfg, data, workers=1)


def test_replay_names_a_changed_data_file_and_a_residual_the_record_does_not_reproduce(tmp_path):
    import json

    cfg, data = _setup(tmp_path, "{out.txt: render}")
    calibrate(cfg, data, workers=1)
    assert replay(cfg, data, workers=1)[1] == []
    rec = json.loads((tmp_path / "params.json").read_text())
    rec["residuals"]["scale"]["bias"] += 0.5
    (tmp_path / "params.json").write_text(json.dumps(rec))
    (data / "x.csv").write_text("a\n2\n")
    problems = replay(cfg, data, workers=1)[1]
    assert any("x.csv" in p for p in problems) and any("residual of scale" in p for p in problems)
