"""Choosing the engine: auto takes the fast engine where it applies and otherwise SimPy with a
one-line notice naming the reason; forcing fast where it does not apply is a clear error; a run
gives the same results on either engine. Every feature is in the fast engine today, so the fallback
is tested with ``supports`` patched to refuse."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import sim
from sim import runner
from sim.cli import app
from sim.errors import PoesimError
from sim.fastengine import supports
from sim.model import build_model
from sim.scenario import load_scenario, scenario_from_dict
from tests.builders import single_queue

ROOT = Path(__file__).resolve().parents[2]
REGION = ROOT / "scenarios" / "region" / "baseline.yaml"  # officers' rosters and the posted-wait logit


def small() -> sim.LoadedScenario:
    return scenario_from_dict(single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1))


def test_every_feature_of_the_region_model_is_supported():
    assert supports(build_model(load_scenario(REGION).scenario)) == (True, "")


@pytest.fixture
def unsupported(monkeypatch):
    """A feature the fast engine does not cover (none is left today: the check itself is tested)."""
    import sim.fastengine

    monkeypatch.setattr(sim.fastengine, "supports", lambda model: (False, "a feature not in the fast engine yet"))


def test_auto_takes_the_fast_engine_where_it_applies(monkeypatch):
    notices: list[str] = []
    model = build_model(small().scenario)
    assert runner.choose_engine(model, "auto", notify=notices.append) == "fast"
    assert runner.choose_engine(model, "auto", stats="streaming", notify=notices.append) == "fast"
    assert runner.choose_engine(model, "simpy", notify=notices.append) == "simpy"
    assert notices == []


def test_auto_falls_back_to_simpy_with_one_line_naming_the_reason(unsupported):
    notices: list[str] = []
    model = build_model(small().scenario)
    assert runner.choose_engine(model, "auto", notify=notices.append) == "simpy"
    assert len(notices) == 1 and "\n" not in notices[0] and "not in the fast engine yet" in notices[0]
    result = sim.run(small(), replications=1, seed=1, workers=1, notify=notices.append)
    assert len(notices) == 2 and not result.summary.empty


def test_forcing_the_fast_engine_where_it_does_not_apply_is_an_error(unsupported):
    model = build_model(small().scenario)
    with pytest.raises(PoesimError, match="fast engine cannot run .*not in the fast engine yet"):
        runner.choose_engine(model, "fast")
    with pytest.raises(PoesimError, match="engine: expected one of"):
        runner.choose_engine(model, "quick")


def test_a_run_gives_the_same_results_on_either_engine():
    fast = sim.run(small(), replications=2, seed=5, workers=1, keep_records=True, engine="fast")
    slow = sim.run(small(), replications=2, seed=5, workers=1, keep_records=True, engine="simpy")
    pd.testing.assert_frame_equal(fast.records(), slow.records())
    pd.testing.assert_frame_equal(fast.summary, slow.summary)
    pd.testing.assert_frame_equal(fast.queue, slow.queue)


def test_the_command_line_forces_an_engine(tmp_path, monkeypatch):
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1)))
    cli = CliRunner()
    out = cli.invoke(app, ["run", str(path), "-r", "1", "-w", "1", "--no-plots", "--out", str(tmp_path / "f"),
                           "--engine", "fast"])
    assert out.exit_code == 0, out.output
    import sim.fastengine

    monkeypatch.setattr(sim.fastengine, "supports", lambda model: (False, "a feature not in the fast engine yet"))
    out = cli.invoke(app, ["run", str(path), "-r", "1", "-w", "1", "--no-plots", "--out", str(tmp_path / "r"),
                           "--engine", "fast"])
    assert out.exit_code != 0
    assert "fast engine cannot run" in out.output
