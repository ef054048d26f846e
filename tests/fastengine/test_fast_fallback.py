"""Choosing the engine: auto takes the fast engine where it applies and otherwise SimPy with a
one-line notice naming the reason; forcing fast on a model it cannot run is a clear error; a run
gives the same results on either engine."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
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


def test_rosters_and_the_logit_are_not_supported_and_say_so():
    ok, reason = supports(build_model(load_scenario(REGION).scenario))
    assert not ok and "roster" in reason
    data = single_queue(rate_per_h=300, lanes=6, hours=6)
    data["streams"]["cars"]["lane_choice"] = {"rule": "posted_wait_logit"}
    ok, reason = supports(build_model(scenario_from_dict(data).scenario))
    assert not ok and "posted-wait logit" in reason


def test_auto_takes_the_fast_engine_where_it_applies_and_falls_back_with_one_notice():
    notices: list[str] = []
    model = build_model(small().scenario)
    assert runner.choose_engine(model, "auto", notify=notices.append) == "fast"
    assert notices == []
    region = build_model(load_scenario(REGION).scenario)
    assert runner.choose_engine(region, "auto", notify=notices.append) == "simpy"
    assert len(notices) == 1 and "\n" not in notices[0] and "roster" in notices[0]
    assert runner.choose_engine(model, "auto", stats="streaming", notify=notices.append) == "simpy"
    assert "streaming" in notices[-1]
    assert runner.choose_engine(region, "simpy", notify=notices.append) == "simpy"
    assert len(notices) == 2


def test_forcing_the_fast_engine_where_it_does_not_apply_is_an_error():
    region = build_model(load_scenario(REGION).scenario)
    with pytest.raises(PoesimError, match="fast engine cannot run .*roster"):
        runner.choose_engine(region, "fast")
    with pytest.raises(PoesimError, match="engine: expected one of"):
        runner.choose_engine(region, "quick")


def test_a_run_gives_the_same_results_on_either_engine():
    fast = sim.run(small(), replications=2, seed=5, workers=1, keep_records=True, engine="fast")
    slow = sim.run(small(), replications=2, seed=5, workers=1, keep_records=True, engine="simpy")
    pd.testing.assert_frame_equal(fast.records(), slow.records())
    pd.testing.assert_frame_equal(fast.summary, slow.summary)
    pd.testing.assert_frame_equal(fast.queue, slow.queue)


def test_the_command_line_forces_an_engine_and_refuses_fast_where_it_does_not_apply(tmp_path):
    cli = CliRunner()
    out = cli.invoke(app, ["run", str(REGION), "-r", "1", "-w", "1", "--no-plots", "--out", str(tmp_path / "r"),
                           "--engine", "fast"])
    assert out.exit_code != 0
    assert "fast engine cannot run" in out.output
