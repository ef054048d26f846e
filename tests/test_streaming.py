"""Long runs stream: a day at a time, with finished travellers folded into histograms. The
streamed run simulates exactly the same travellers as the whole-window run; counts, means,
maxima and queue statistics agree exactly, percentiles within the stated 1 % (or 1 s)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.engine import Engine, simulate_replication
from sim.model import build_model
from sim.runner import run_replication
from sim.scenario import load_scenario
from sim.streaming import N_BINS, histogram_quantiles, wait_bin
from sim.travellers import TravellerSource, sample_travellers
from tests.conftest import ROOT

OTAY = ROOT / "scenarios/otay_mesa/baseline.yaml"


@pytest.fixture(scope="module")
def otay():
    return build_model(load_scenario(OTAY).scenario)


def test_drawing_travellers_in_pieces_gives_the_same_travellers(otay):
    whole = sample_travellers(otay, 3, 1)
    src = TravellerSource(otay, 3, 1)
    parts = [src.take(t) for t in (5000.0, 40000.0, 86400.0, otay.horizon_s)]
    for field in ("arrival_s", "stream", "program", "referred", "secondary_s", "choice_u"):
        np.testing.assert_array_equal(getattr(whole, field), np.concatenate([getattr(p, field) for p in parts]))
    for g in whole.service_s:
        np.testing.assert_array_equal(whole.service_s[g], np.concatenate([p.service_s[g] for p in parts]))


def test_an_engine_fed_and_retired_day_by_day_reproduces_every_traveller(otay):
    whole = simulate_replication(otay, sample_travellers(otay, 3, 1), 1)
    src, eng, batches = TravellerSource(otay, 3, 1), Engine(otay, replication=1), []
    for t in (20000.0, 50000.0, 86400.0, 120000.0, otay.horizon_s):
        eng.feed(src.take(t))
        eng.advance(t)
        batches += eng.retire()
    batches += eng.retire(end_s=eng.drain())
    assert sum(len(b) for b in batches[:-1]) > 0.9 * len(whole)  # memory really was released on the way
    order = np.argsort(np.concatenate([b.traveller for b in batches]))
    np.testing.assert_array_equal(np.concatenate([b.traveller for b in batches])[order], np.arange(len(whole)))
    for field in ("arrival_s", "group", "lane", "start_s", "depart_s", "sec_start_s", "sec_end_s"):
        np.testing.assert_array_equal(getattr(whole, field),
                                      np.concatenate([getattr(b, field) for b in batches])[order])
    np.testing.assert_array_equal(whole.queue_peak, eng.queue_peak)


def test_streamed_statistics_match_exact_ones(otay):
    exact = run_replication(otay, 2, 0, stats="exact")
    streamed = run_replication(otay, 2, 0, stats="streaming")
    keys = ["mode", "lane_group", "program", "hour"]
    for table in ("by_hour", "by_band"):
        e, s = getattr(exact, table), getattr(streamed, table)
        assert len(e) == len(s)
        m = e.merge(s, on=keys, suffixes=("_e", "_s"))
        assert len(m) == len(e)
        for c in ("n", "n_unserved", "max_wait_min"):
            np.testing.assert_array_equal(m[f"{c}_e"], m[f"{c}_s"])
        np.testing.assert_allclose(m["mean_wait_min_s"], m["mean_wait_min_e"], rtol=1e-9, atol=1e-12)
        for c in ("p50_wait_min", "p90_wait_min", "p95_wait_min"):
            err = np.abs(m[f"{c}_s"] - m[f"{c}_e"])
            assert (err <= 0.01 * m[f"{c}_e"] + 1 / 60 + 1e-9).all(), c
    q = exact.queue.merge(streamed.queue, on=["mode", "lane_group", "hour"], suffixes=("_e", "_s"))
    for c in ("mean_queue", "max_queue", "throughput_per_h", "utilisation"):
        np.testing.assert_allclose(q[f"{c}_s"], q[f"{c}_e"], rtol=1e-9, atol=1e-9, err_msg=c)


def test_histogram_percentiles_are_within_one_percent_of_exact_ones():
    rng = np.random.default_rng(4)
    waits = np.concatenate([np.zeros(300), rng.uniform(0, 1, 50), rng.lognormal(7, 1.2, 5000)])
    counts = np.bincount(wait_bin(waits), minlength=N_BINS)
    probs = np.array([0.0, 0.05, 0.5, 0.9, 0.95, 0.99, 1.0])
    got = histogram_quantiles(counts, probs, waits.max())
    exact = np.quantile(waits, probs)
    assert (np.abs(got - exact) <= 0.01 * exact + 1.0).all()


def test_records_cannot_be_kept_while_streaming(otay):
    from sim.errors import PoesimError

    with pytest.raises(PoesimError, match="records need exact statistics"):
        run_replication(otay, 1, 0, keep_records=True, stats="streaming")
