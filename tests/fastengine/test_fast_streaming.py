"""Streaming runs (travellers fed a chunk at a time, those who have left retired and forgotten)
give the same per-replication tables on both engines: the fast engine's renumbering of the
travellers it still holds (in lines, at booths, in pending events) loses and mixes up nobody."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings

from sim.model import Model, build_model
from sim.runner import _run_streaming
from sim.scenario import load_scenario, scenario_from_dict
from tests.fastengine.test_fast_identity import IDENTITY, port_scenarios

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("by_hour", "by_band", "queue", "staffing", "ports", "quantiles")


def assert_same_streaming(model: Model, seed: int, chunk_s: float, retire_every: int) -> None:
    try:
        ref = _run_streaming(model, seed, 0, 0.0, chunk_s, retire_every, engine="simpy")
    except ValueError:  # the streaming totals of a run with nobody in it (either engine): nothing to compare
        with pytest.raises(ValueError):
            _run_streaming(model, seed, 0, 0.0, chunk_s, retire_every, engine="fast")
        return
    fast = _run_streaming(model, seed, 0, 0.0, chunk_s, retire_every, engine="fast")
    assert ref.n_travellers == fast.n_travellers
    for name in TABLES:
        pd.testing.assert_frame_equal(getattr(ref, name), getattr(fast, name), check_exact=False, rtol=0, atol=1e-9)


@settings(IDENTITY, max_examples=60)
@given(port_scenarios())
def test_streaming_on_both_engines_gives_the_same_tables_on_random_ports(case):
    data, seed = case
    # chunks of 20 minutes, retiring after each: many renumberings while lines and booths are full
    assert_same_streaming(build_model(scenario_from_dict(data).scenario), seed, 1200.0, 1)


@pytest.mark.long
@pytest.mark.parametrize("name", ["otay_mesa/week.yaml", "san_ysidro/week.yaml"])
def test_streaming_on_both_engines_gives_the_same_tables_on_the_week_scenarios(name):
    model = build_model(load_scenario(ROOT / "scenarios" / name).scenario)
    assert_same_streaming(model, 1, 86400.0, 2)


@pytest.mark.long
def test_streaming_on_both_engines_gives_the_same_tables_on_the_year():
    """The Otay Mesa year as the runner streams it (a day at a time, folded weekly): 12 million
    travellers; about two minutes on SimPy."""
    model = build_model(load_scenario(ROOT / "scenarios/otay_mesa/year_2017.yaml").scenario)
    assert_same_streaming(model, 1, 86400.0, 7)
