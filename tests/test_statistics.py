"""Statistics are pure functions of records: checked on hand-built records with known answers."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import binning
from sim import statistics as st
from sim.records import Records


def records(arrival_s, start_s, service_s=None, group=None, program=None, warmup_s=0.0, horizon_s=7200.0, end_s=None,
            booths=((0.0, 1),), queue_peak=None):
    n = len(arrival_s)
    arrival_s = np.asarray(arrival_s, float)
    start_s = np.asarray(start_s, float)
    service_s = np.asarray(service_s if service_s is not None else [60.0] * n, float)
    return Records(
        replication=0, start=dt.datetime(2024, 1, 1), horizon_s=horizon_s, warmup_s=warmup_s,
        end_s=end_s if end_s is not None else horizon_s, stream_names=("s",), group_names=("g",),
        group_modes=("vehicle",), group_booths=(booths,), arrival_s=arrival_s, stream=np.zeros(n, int),
        program=np.asarray(program if program is not None else [0] * n),
        group=np.asarray(group if group is not None else [0] * n),
        lane=np.zeros(n, int), start_s=start_s, service_s=service_s, depart_s=start_s + service_s,
        referred=np.zeros(n, bool), sec_start_s=np.full(n, np.nan), sec_end_s=np.full(n, np.nan),
        queue_peak=np.asarray(
            queue_peak if queue_peak is not None else np.zeros((1, int(np.ceil(horizon_s / 3600)))), float),
    )


def cell(table, **where):
    d = table
    for k, v in where.items():
        d = d[d[k] == v]
    assert len(d) == 1, d
    return d.iloc[0]


def test_wait_summary_reports_count_mean_and_percentiles_per_hour():
    r = records(arrival_s=[0, 600, 1200, 3600 + 60], start_s=[60, 780, 1440, 3600 + 60])
    s = st.wait_summary(r)
    h0 = cell(s, lane_group="g", program="general", hour="00")
    assert h0["n"] == 3
    assert h0["mean_wait_min"] == pytest.approx((1 + 3 + 4) / 3)
    assert h0["p50_wait_min"] == pytest.approx(3)
    assert h0["max_wait_min"] == pytest.approx(4)
    assert cell(s, lane_group="g", program="general", hour="01")["mean_wait_min"] == 0
    whole = cell(s, lane_group="all", program="all", hour="all")
    assert whole["n"] == 4 and whole["mean_wait_min"] == pytest.approx(2.0)


def test_travellers_arriving_in_the_warm_up_are_not_counted():
    r = records(arrival_s=[0, 4000], start_s=[600, 4060], warmup_s=3600)
    whole = cell(st.wait_summary(r), lane_group="g", program="general", hour="all")
    assert whole["n"] == 1 and whole["mean_wait_min"] == pytest.approx(1.0)


def test_unserved_travellers_count_with_the_wait_they_had_so_far():
    r = records(arrival_s=[0, 3000], start_s=[60, np.nan], end_s=3600)
    whole = cell(st.wait_summary(r), lane_group="g", program="general", hour="all")
    assert whole["n_unserved"] == 1
    assert whole["max_wait_min"] == pytest.approx(10.0)  # 3000 → 3600 s, a lower bound


def test_hour_bands_group_clock_hours():
    assert list(st.band_label(np.array([0, 5, 6, 9, 10, 15, 16, 19, 20, 23]))) == [
        "00-06", "00-06", "06-10", "06-10", "10-16", "10-16", "16-20", "16-20", "20-24", "20-24"]


def test_queue_summary_integrates_queue_length_and_utilisation_over_each_hour():
    # one traveller waits from 0 to 1800 s (queue 1 for half of hour 0), then is served for 900 s
    r = records(arrival_s=[0.0], start_s=[1800.0], service_s=[900.0], horizon_s=7200.0, booths=((0.0, 2),),
                queue_peak=[[1, 0]])
    q = st.queue_summary(r)
    h0 = cell(q, lane_group="g", hour="00")
    assert h0["mean_queue"] == pytest.approx(0.5)
    assert h0["max_queue"] == 1
    assert h0["utilisation"] == pytest.approx(900 / (2 * 3600))
    assert h0["throughput_per_h"] == 1
    assert cell(q, lane_group="g", hour="01")["mean_queue"] == 0
    assert cell(q, lane_group="g", hour="all")["mean_queue"] == pytest.approx(0.25)


def test_t_interval_matches_the_textbook_formula():
    mean, lo, hi = st.t_interval(np.array([1.0, 2.0, 3.0]))
    half = stats.t.ppf(0.975, 2) * 1.0 / np.sqrt(3)
    assert (mean, lo, hi) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    assert np.isnan(st.t_interval(np.array([5.0]))[1])


def test_t_interval_covers_the_true_mean_95_percent_of_the_time():
    rng = np.random.default_rng(3)
    trials = 4000
    samples = rng.exponential(2.0, size=(trials, 30))  # skewed, like waits
    covered = sum(lo <= 2.0 <= hi for _, lo, hi in map(st.t_interval, samples))
    # coverage of a t interval on exponential data with n=30 is ≈ 0.93–0.95; allow the binomial 99.9 % band
    band = stats.binom.interval(0.999, trials, 0.94)
    assert band[0] - 0.01 * trials <= covered <= band[1] + 0.01 * trials


def test_paired_differences_of_a_constant_shift_are_exact():
    a = pd.DataFrame({"replication": range(5), "mode": "vehicle", "lane_group": "g", "program": "all", "hour": "all",
                      "mean_wait_min": [3.0, 5.0, 9.0, 4.0, 7.0]})
    b = a.assign(mean_wait_min=a["mean_wait_min"] - 2.0)
    d = st.paired_differences(a, b, metrics=["mean_wait_min"]).iloc[0]
    assert d["mean_wait_min_diff"] == pytest.approx(-2.0)
    assert d["mean_wait_min_diff_lo"] == pytest.approx(-2.0) and d["mean_wait_min_diff_hi"] == pytest.approx(-2.0)
    assert d["mean_wait_min_diff_unpaired_halfwidth"] > 1.0  # independent runs could not have seen it


def test_across_replications_clips_the_lower_bound_of_non_negative_metrics_at_zero():
    d = pd.DataFrame({"replication": range(3), "k": "x", "w": [0.0, 0.0, 3.0]})
    row = st.across_replications(d, ["k"], ["w"]).iloc[0]
    assert row["w"] == 1.0 and row["w_lo"] == 0.0 and row["w_hi"] > 3.0


def test_interval_seconds_are_split_exactly_across_hours():
    edges = np.array([0.0, 3600, 7200, 10800])
    got = st.interval_seconds_per_bin(np.array([1800.0, 100, 3600]), np.array([9000.0, 200, 3600]), edges)
    assert got == pytest.approx([1800 + 100, 3600, 1800])


def test_hourly_totals_of_batches_add_up_to_the_totals_of_the_whole():
    rng = np.random.default_rng(5)
    a = np.sort(rng.uniform(0, 7000, 200))
    s = a + rng.exponential(600, 200)
    whole = st.hourly_totals(records(a, s))
    first, second = st.hourly_totals(records(a[:80], s[:80])), st.hourly_totals(records(a[80:], s[80:]))
    for k in whole:
        np.testing.assert_allclose(whole[k], first[k] + second[k])


def test_interval_seconds_of_no_interval_are_zero():
    edges = np.array([0.0, 3600, 7200])
    np.testing.assert_array_equal(st.interval_seconds_per_bin(np.array([]), np.array([]), edges), [0.0, 0.0])
    np.testing.assert_array_equal(st.interval_seconds_per_bin(np.array([10.0]), np.array([20.0]), edges), [10.0, 0.0])


def test_an_hour_bin_is_computed_exactly_where_a_binary_search_over_the_edges_would_find_it():
    edges = st.window_hour_edges(40 * 3600.0 + 1234.5)  # a partial last hour
    on_edges = np.arange(0, 42) * 3600.0
    times = np.concatenate([on_edges, np.nextafter(on_edges, -np.inf), np.nextafter(on_edges, np.inf),
                            np.random.default_rng(3).uniform(-100, 41 * 3600, 5000), [edges[-1], -1.0]])
    for side in ("left", "right"):
        for grid in (True, False):  # computed by division, or searched
            got = [binning._bin(edges, t, grid, side == "right") for t in times]
            np.testing.assert_array_equal(got, np.searchsorted(edges, times, side) - 1)


def test_intervals_are_split_the_same_over_edges_off_the_hour_grid():
    rng = np.random.default_rng(4)
    t0 = rng.uniform(-500, 9000, 300)
    t1 = t0 + rng.exponential(2000, 300)
    edges = np.array([0.0, 1000.0, 3600.0, 5000.0, 9000.0])
    got = st.interval_seconds_per_bin(t0, t1, edges)
    direct = [np.clip(np.minimum(t1, hi) - np.maximum(t0, lo), 0, None).sum() for lo, hi in pairwise(edges)]
    np.testing.assert_allclose(got, direct, rtol=300 * np.finfo(float).eps)  # sums of 300 terms in another order


def test_a_step_functions_seconds_per_hour_are_its_value_times_the_time_it_holds_in_each_hour():
    edges = st.window_hour_edges(5 * 3600.0)
    # two steps at 900 s: the later holds; a step after the window changes nothing
    steps = [(-50.0, 2), (900.0, 3), (900.0, 5), (7300.5, 0), (9000.0, 4), (16000.0, 1), (25000.0, 9)]
    expected = [900 * 2 + 2700 * 5, 3600 * 5, 100.5 * 5 + 1699.5 * 0 + 1800 * 4, 3600 * 4, 1600 * 4 + 2000 * 1]
    np.testing.assert_allclose(st._step_seconds_per_bin(steps, edges), expected, rtol=1e-14)


def test_hourly_totals_of_each_lane_group_are_those_of_its_travellers_alone():
    rng = np.random.default_rng(9)
    a = np.sort(rng.uniform(0, 7000, 300))
    s = a + rng.exponential(900, 300)
    s[::17] = np.nan  # some never served
    g = rng.integers(0, 2, 300)
    both = records(a, s, group=g)
    both = Records(**{**both.__dict__, "group_names": ("g", "h"), "group_modes": ("vehicle", "vehicle"),
                      "group_booths": (((0.0, 1),), ((0.0, 1),))})
    whole = st.hourly_totals(both)
    for gi in (0, 1):
        alone = st.hourly_totals(records(a[g == gi], s[g == gi]))
        for k in whole:
            np.testing.assert_array_equal(whole[k][gi], alone[k][0])


def test_ecdf_quantiles_are_numpys_quantiles_of_each_groups_waits_with_the_unserved_at_their_wait_so_far():
    a = np.array([0.0, 100, 200, 300, 400, 500])
    s = np.array([60.0, np.nan, 500, 330, np.nan, 560])
    r = records(a, s, group=[0, 0, 0, 0, 0, 0], end_s=1000.0)
    q = st.wait_quantiles(r)
    waits_min = np.array([60.0, 900, 300, 30, 600, 60]) / 60.0
    np.testing.assert_array_equal(q["wait_min"], np.quantile(waits_min, st.ECDF_PROBS))
    assert set(q["lane_group"]) == {"g"} and len(q) == len(st.ECDF_PROBS)


def test_the_clock_hour_of_a_time_is_exactly_its_floor_division_by_an_hour():
    r = records([0.0], [0.0])
    r = Records(**{**r.__dict__, "start": dt.datetime(2024, 1, 1, 5, 30, 15)})
    start_s = 5 * 3600 + 30 * 60 + 15
    on_hours = np.arange(0, 24 * 400) * 3600.0 - start_s
    t = np.concatenate([on_hours, np.nextafter(on_hours, -np.inf), np.nextafter(on_hours, np.inf),
                        np.random.default_rng(8).uniform(0, 400 * 86400, 100_000)])
    np.testing.assert_array_equal(st._clock_hour(r, t), (((t + start_s) // 3600) % 24).astype(np.int64))
