"""Replications are reproducible, independent of the number of processes, and comparisons
share their travellers (common random numbers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import sim
from sim import runner
from sim.runner import ReplicationError
from sim.scenario import scenario_from_dict
from tests.builders import single_queue


def small(**kw) -> sim.LoadedScenario:
    return scenario_from_dict(single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1, **kw))


def test_the_same_seed_gives_identical_results():
    a = sim.run(small(), replications=3, seed=5, workers=1, keep_records=True)
    b = sim.run(small(), replications=3, seed=5, workers=1, keep_records=True)
    pd.testing.assert_frame_equal(a.summary, b.summary)
    pd.testing.assert_frame_equal(a.records(), b.records())


def test_results_do_not_depend_on_the_number_of_processes():
    one = sim.run(small(), replications=4, seed=5, workers=1)
    two = sim.run(small(), replications=4, seed=5, workers=2)
    pd.testing.assert_frame_equal(one.summary, two.summary)
    pd.testing.assert_frame_equal(one.queue, two.queue)


def test_a_different_seed_gives_different_travellers():
    a = sim.run(small(), replications=1, seed=5, workers=1, keep_records=True).records()
    b = sim.run(small(), replications=1, seed=6, workers=1, keep_records=True).records()
    assert len(a) != len(b) or not np.allclose(a["arrival_s"], b["arrival_s"])


def test_replications_are_different_draws():
    r = sim.run(small(), replications=2, seed=5, workers=1, keep_records=True).records()
    a, b = (d["arrival_s"].to_numpy() for _, d in r.groupby("replication"))
    assert len(a) != len(b) or not np.allclose(a, b)


def test_scenarios_compared_share_their_travellers():
    base, more = small(), scenario_from_dict(single_queue(rate_per_h=300, lanes=8, hours=6, warmup_h=1))
    ra = sim.run(base, replications=2, seed=9, workers=1, keep_records=True).records()
    rb = sim.run(more, replications=2, seed=9, workers=1, keep_records=True).records()
    np.testing.assert_array_equal(ra["arrival_s"], rb["arrival_s"])
    np.testing.assert_array_equal(ra["service_s"], rb["service_s"])
    assert (rb["wait_min"] <= ra["wait_min"] + 1e-9).all()  # more booths, same travellers: nobody waits longer


def test_compare_reports_paired_differences_from_the_first_scenario():
    base = small()
    more = scenario_from_dict({**single_queue(rate_per_h=300, lanes=8, hours=6, warmup_h=1), "name": "more"})
    cmp = sim.compare([base, more], replications=4, seed=3, workers=1)
    row = cmp.by_band[(cmp.by_band["lane_group"] == "booths") & (cmp.by_band["program"] == "all")
                      & (cmp.by_band["hour"] == "all")].iloc[0]
    assert row["scenario"] == "more" and row["pairs"] == 4
    assert row["mean_wait_min_diff"] < 0
    assert row["mean_wait_min_diff"] == pytest.approx(row["mean_wait_min_b"] - row["mean_wait_min_a"])


def test_a_failing_replication_is_reported_with_its_seed(monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(runner, "simulate_replication", boom)
    with pytest.raises(ReplicationError) as info:
        sim.run(small(), replications=2, seed=42, workers=1)
    assert info.value.seed == 42 and info.value.replication == 0
    assert "seed 42" in str(info.value) and "engine exploded" in str(info.value)


def test_records_are_only_available_when_kept():
    r = sim.run(small(), replications=1, seed=1, workers=1)
    with pytest.raises(sim.runner.PoesimError):
        r.records()


def test_precision_mode_adds_replications_until_the_interval_is_tight_enough():
    r = sim.runner.run_to_precision(small(), 0.15, workers=2, min_replications=3)
    p = r.precision
    assert p["reached"] and p["rel_halfwidth"] <= 0.15 and p["replications_needed"] == r.replications >= 3
    s = r.summary
    whole = s[(s.lane_group == "booths") & (s.program == "all") & (s.hour == "all")].iloc[0]
    assert (whole["mean_wait_min_hi"] - whole["mean_wait_min_lo"]) / 2 <= 0.15 * whole["mean_wait_min"]
    plain = sim.run(small(), replications=r.replications, workers=1)  # the same replications 0..n-1
    pd.testing.assert_frame_equal(plain.summary, r.summary)


def test_a_long_stretch_of_arrivals_beyond_what_the_booths_serve_is_reported_with_its_hours_and_excess():
    """6 booths of 60 s serve 360/h; 480/h arrive from 08:00 to 12:00 (+33 %), 200/h otherwise."""
    rates = [200.0] * 24
    rates[8:12] = [480.0] * 4
    doc = single_queue(rate_per_h=200, lanes=6, hours=24, warmup_h=0)
    doc["streams"]["cars"]["demand"] = {"rate_per_h": rates}
    result = sim.run(scenario_from_dict(doc), replications=3, seed=5, workers=1)
    over = result.overloaded_hours()
    assert list(over["mode"]) == ["vehicle"]
    row = over.iloc[0]
    assert row["hours"] == "08-12"
    # served ≈ the booths' capacity (360/h), arrivals ≈ 480/h: about a third more arrive than leave
    assert 20 < row["excess_pct"] < 50
    calm = sim.run(small(), replications=2, seed=5, workers=1)  # 300/h on 6 booths: 83 % load
    assert calm.overloaded_hours().empty
