"""The engine against exact queueing theory.

How the tolerances are set. Each statistical test runs R independent replications (replication
r of a fixed seed, so the test is deterministic), computes one value per replication (e.g. the
mean wait of the travellers counted after the warm-up), and asserts that the theoretical value
lies inside the two-sided Student-t confidence interval of those R values at level 1 − ALPHA.
When a test checks m quantities, each interval is at level 1 − ALPHA/m (Bonferroni), so a
correct engine fails a given test with probability at most ≈ ALPHA = 0.1 % (over seeds).

No tolerance is a tuned number: the interval's width comes from the replications. The run
lengths only make the interval narrow enough to matter, and every test checks that too: the
value theory would give if the engine were wrong in a stated way (service 10 % faster or
slower, stacked booths acting as parallel servers, ...) must fall *outside* the interval, so
the test would have failed on that engine.

What the interval does not cover is bias, so the designs keep it negligible and assert so:
queues start empty and the warm-up is long enough that the birth–death forward equations put the
expected queue at the end of the warm-up within 0.1 % of its stationary value; drains are long
enough that every counted traveller is served.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from scipy import integrate

import sim
from sim.scenario import scenario_from_dict
from sim.statistics import queue_summary
from tests import queueing_theory as qt
from tests.helpers import (
    check_within,
    deterministic,
    exponential,
    gamma,
    lognormal,
    model_of,
    queue_scenario,
    replicate,
    simulate,
    t_interval,
)

ALPHA = 0.001  # probability that a correct engine fails one statistical test (Bonferroni within it)
MEAN_S = 60.0
MU = 1.0 / MEAN_S
OFF_BY_10_PERCENT = (0.9, 1.1)  # service-rate factors every statistical test must be able to detect


def _or_unstable(f, unstable):
    """Theory under an alternative service rate, or its limit if that queue would be unstable."""
    try:
        return f()
    except ValueError:
        return unstable


def initial_bias(lam: float, mu: float, c: int, warmup_s: float) -> float:
    """Relative shortfall of E[queue] at the end of the warm-up, starting empty, from the
    forward equations: E[Lq(t)] rises monotonically from 0 to Lq, so this bounds the bias the
    empty start leaves in the counted travellers' statistics."""
    n_max = c + int(math.log(1e-15) / math.log(lam / (c * mu)))  # stationary P(N > n_max) < 1e-15
    t = qt.birth_death_transient([lam], [c], mu, warmup_s, n_max)
    assert t.overflow < 1e-12
    at_end = float(np.maximum(np.arange(n_max + 1) - c, 0) @ t.p_end[0])
    return 1.0 - at_end / qt.mmc_mean_queue(lam, mu, c)


# --- per-replication statistics (module level: they are sent to worker processes) --------------


def wait_statistics(records, t1: float, t2: float) -> list[float]:
    """Mean wait (s), P(wait > 0), P(wait > t1), P(wait > t2) of the counted travellers."""
    w = records.wait_s[records.counted()]
    if np.isnan(w).any():
        raise AssertionError("a counted traveller was never served: the drain is too short for this design")
    return [w.mean(), np.mean(w > 0), np.mean(w > t1), np.mean(w > t2)]


def hourly_mean_queue(records) -> np.ndarray:
    q = queue_summary(records)
    q = q[(q["lane_group"] == "booths") & (q["hour"] != "all")].sort_values("hour")
    return q["mean_queue"].to_numpy()


def saturated_lane_throughput_per_h(records, lanes: int) -> list[float]:
    """Departures per lane per hour after the warm-up; raises if any lane could have starved."""
    w0, h = records.warmup_s, records.horizon_s
    started = (records.start_s >= w0) & (records.start_s < h)
    if not (records.wait_s[started] > 0).all():
        raise AssertionError("someone reached a booth without waiting: the lanes were not saturated")
    departed = (records.depart_s >= w0) & (records.depart_s < h)
    return [departed.sum() / lanes / ((h - w0) / 3600.0)]


# --- M/M/c ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "c, rho, warmup_h, hours, replications, seed",
    [
        pytest.param(1, 0.8, 15, 165, 100, 11, id="M/M/1-rho0.8", marks=pytest.mark.long),
        pytest.param(3, 0.7, 3, 53, 80, 12, id="M/M/3-rho0.7"),  # the default run's representative
        pytest.param(10, 0.9, 6, 66, 50, 13, id="M/M/10-rho0.9", marks=pytest.mark.long),
    ],
)
def test_mmc_mean_wait_probability_of_waiting_and_tail_match_erlang_c(c, rho, warmup_h, hours, replications, seed):
    lam = rho * c * MU
    assert initial_bias(lam, MU, c, warmup_h * 3600.0) < 1e-3
    decay = c * MU - lam
    t1, t2 = math.log(2) / decay, 3 * math.log(2) / decay  # where P(W > t) is C/2 and C/8

    def theory(mu):
        return [qt.mmc_mean_wait(lam, mu, c), qt.erlang_c(c, lam / mu),
                qt.mmc_wait_tail(lam, mu, c, t1), qt.mmc_wait_tail(lam, mu, c, t2)]

    expected = theory(MU)
    alternatives = [_or_unstable(lambda f=f: theory(MU * f), [math.inf, 1.0, 1.0, 1.0]) for f in OFF_BY_10_PERCENT]
    model = model_of(queue_scenario(lam * 3600, exponential(MEAN_S), c, hours, warmup_h, drain_h=24))
    values = replicate(model, seed, replications, functools.partial(wait_statistics, t1=t1, t2=t2))
    names = ["mean wait (s)", "P(wait > 0)", f"P(wait > {t1:.0f} s)", f"P(wait > {t2:.0f} s)"]
    problems = []
    for k, name in enumerate(names):
        problems += check_within(expected[k], values[:, k], ALPHA / len(names), name, [alt[k] for alt in alternatives])
    assert not problems, "\n".join(problems)


# --- M/G/1 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "service, rho, warmup_h, hours, replications, seed",
    [
        pytest.param(deterministic(MEAN_S), 0.8, 15, 165, 60, 21, id="M/D/1-rho0.8"),
        pytest.param(lognormal(MEAN_S, 1.2), 0.7, 15, 165, 80, 22, id="M/lognormal(cv1.2)/1-rho0.7",
                     marks=pytest.mark.long),
        pytest.param(gamma(MEAN_S, 0.5), 0.85, 20, 220, 60, 23, id="M/gamma(cv0.5)/1-rho0.85", marks=pytest.mark.long),
    ],
)
def test_mg1_mean_wait_matches_pollaczek_khinchine_and_probability_of_waiting_is_rho(service, rho, warmup_h, hours,
                                                                                      replications, seed):
    lam = rho * MU
    model = model_of(queue_scenario(lam * 3600, service, 1, hours, warmup_h, drain_h=24))
    dist = model.groups[0].service[0]
    # the engine's service sampler has the first two moments the formula uses (quadrature of its inverse CDF)
    moment = lambda k: integrate.quad(lambda u: float(dist.ppf(np.array([u]))[0]) ** k, 0, 1, limit=200)[0]  # noqa: E731
    assert moment(1) == pytest.approx(MEAN_S, rel=1e-6)
    s2 = qt.second_moment(MEAN_S, dist.scv)
    assert moment(2) == pytest.approx(s2, rel=1e-6)
    # the warm-up is ≥ 10 relaxation times of the M/M/1 queue with the same load, scaled by (1 + scv)/2
    assert warmup_h * 3600 >= 10 * (1 + dist.scv) / 2 * MEAN_S / (1 - math.sqrt(rho)) ** 2

    def theory(f):  # service rate × f: every service time / f
        return [qt.pk_mean_wait(lam, MEAN_S / f, s2 / f**2), rho / f]

    alternatives = [_or_unstable(lambda f=f: theory(f), [math.inf, 1.0]) for f in OFF_BY_10_PERCENT]
    values = replicate(model, seed, replications, functools.partial(wait_statistics, t1=0.0, t2=0.0))
    problems = check_within(theory(1.0)[0], values[:, 0], ALPHA / 2, "mean wait (s)", [a[0] for a in alternatives])
    problems += check_within(rho, values[:, 1], ALPHA / 2, "P(wait > 0)", [a[1] for a in alternatives])
    assert not problems, "\n".join(problems)


# --- M_t/M/c_t --------------------------------------------------------------------------------

# Arrivals per minute and lanes open, hour by hour from midnight (μ = 1/min): steady, an overloaded
# peak (ρ = 1.2, then 1.0) with lanes opened to recover, an hour without arrivals that empties the
# port, then half the lanes close and the evening runs near capacity. Lanes only ever open while
# travellers are present; the one closing (06:00) happens when the chain says the port holds more
# than the remaining lanes with probability < 1e-9, so the engine's non-preemptive closing and the
# chain's instantaneous removal of servers cannot differ.
PEAK_ARRIVALS_PER_MIN = [2.4, 2.4, 6.0, 6.0, 6.0, 0.0, 3.5, 3.5]
PEAK_LANES = [3, 3, 5, 6, 8, 8, 4, 5]


@pytest.mark.long
def test_time_varying_queue_follows_the_kolmogorov_forward_equations_hour_by_hour():
    hours = len(PEAK_LANES)
    lam = [r / 60.0 for r in PEAK_ARRIVALS_PER_MIN]
    n_max = 500
    chain = qt.birth_death_transient(lam, PEAK_LANES, MU, 3600.0, n_max)
    assert chain.overflow < 1e-6  # the truncated state space holds all but a negligible mass
    for k in range(1, hours):
        if PEAK_LANES[k] < PEAK_LANES[k - 1]:  # a closing: nobody may be in service beyond the new lanes
            assert chain.p_end[k - 1][PEAK_LANES[k] + 1:].sum() < 1e-9

    rates_per_h = [r * 60 for r in PEAK_ARRIVALS_PER_MIN] + [0.0] * (24 - hours)
    lanes_open = PEAK_LANES + [PEAK_LANES[-1]] * (24 - hours)
    model = model_of(queue_scenario(rates_per_h, exponential(MEAN_S), max(PEAK_LANES), hours, warmup_h=0,
                                    drain_h=1, lanes_open=lanes_open))
    values = replicate(model, 31, 600, hourly_mean_queue)
    assert values.shape == (600, hours)

    alternatives = [qt.birth_death_transient(lam, PEAK_LANES, MU * f, 3600.0, n_max).mean_queue
                    for f in OFF_BY_10_PERCENT]
    problems, rejected = [], [False] * len(alternatives)
    for k in range(hours):
        problems += check_within(chain.mean_queue[k], values[:, k], ALPHA / hours, f"hour {k:02d} mean queue")
        _, lo, hi = t_interval(values[:, k], ALPHA / hours)
        rejected = [done or not lo <= alt[k] <= hi for done, alt in zip(rejected, alternatives, strict=True)]
    assert not problems, "\n".join(problems)
    assert all(rejected), "no hour's interval rejects a service rate 10 % off: the test could not detect it"


# --- Little's law -------------------------------------------------------------------------------


def test_time_average_queue_equals_arrival_rate_times_mean_wait():
    """Little's law, L = λW, through the runner's own tables: per replication, the time-average
    queue over the counted window (queue table) against the counted arrivals per second times their
    mean wait (wait table). Their difference has mean zero in steady state (only the travellers
    straddling the window's edges separate the two), so 0 must lie in its interval — and
    −λ·E[S], what it would be if waits ran to departure instead of to the booth, must not."""
    c, rho, warmup_h, hours = 4, 0.85, 3, 33
    lam = rho * c * MU
    assert initial_bias(lam, MU, c, warmup_h * 3600.0) < 1e-3
    loaded = scenario_from_dict(queue_scenario(lam * 3600, exponential(MEAN_S), c, hours, warmup_h, drain_h=24))
    result = sim.run(loaded, replications=40, seed=41, workers=2)
    q = result.per_replication("queue")
    q = q[(q["lane_group"] == "booths") & (q["hour"] == "all")].set_index("replication")["mean_queue"]
    w = result.per_replication("by_hour")
    w = w[(w["lane_group"] == "booths") & (w["program"] == "general") & (w["hour"] == "all")].set_index("replication")
    assert (w["n_unserved"] == 0).all()
    t_s = (hours - warmup_h) * 3600.0
    diff = (q - w["n"] / t_s * w["mean_wait_min"] * 60.0).sort_index().to_numpy()
    assert len(diff) == 40
    problems = check_within(0.0, diff, ALPHA, "L − λW", alternatives=[-lam * MEAN_S])
    assert not problems, "\n".join(problems)
    # and L itself is Erlang C's Lq (nominal λ: the window's Poisson count noise is in the interval)
    problems = check_within(qt.mmc_mean_queue(lam, MU, c), q.to_numpy(), ALPHA, "time-average queue",
                            [qt.mmc_mean_queue(lam, MU * f, c) if rho / f < 1 else math.inf for f in OFF_BY_10_PERCENT])
    assert not problems, "\n".join(problems)


# --- conservation -------------------------------------------------------------------------------


def _check_conservation(r) -> None:
    served = ~np.isnan(r.start_s)
    departed = ~np.isnan(r.depart_s)
    assert not (departed & ~served).any(), "left a booth without reaching one"
    assert (r.start_s[served] >= r.arrival_s[served]).all()
    assert np.allclose(r.depart_s[departed], (r.start_s + r.service_s)[departed], rtol=0, atol=1e-9)
    assert (r.depart_s[departed] <= r.end_s).all() and (r.arrival_s < r.horizon_s).all()
    # counting processes: k-th departure no earlier than k-th start, k-th start no earlier than k-th arrival
    a, s, d = np.sort(r.arrival_s), np.sort(r.start_s[served]), np.sort(r.depart_s[departed])
    assert (s >= a[: len(s)]).all() and (d >= s[: len(d)]).all()
    # everyone who arrived is gone, at a booth, or in line at the end
    at_booth = served & ~departed
    waiting = ~served
    assert departed.sum() + at_booth.sum() + waiting.sum() == len(r)
    booths = r.group_booths[0][-1][1]
    assert at_booth.sum() <= booths
    if waiting.any():  # a line at the end means no booth was idle
        assert at_booth.sum() == booths


def test_every_arrival_is_served_or_still_inside_and_an_ample_drain_serves_everyone():
    # 200/h into two booths of 60/h: the line grows all day
    short = queue_scenario(200, exponential(MEAN_S), 2, 6, drain_h=0.5)
    r = simulate(model_of(short), 51)
    _check_conservation(r)
    assert np.isnan(r.start_s).sum() > 100  # still in line when the drain ran out
    assert r.end_s == pytest.approx(r.horizon_s + 0.5 * 3600)
    ample = queue_scenario(200, exponential(MEAN_S), 2, 6, drain_h=24)
    r = simulate(model_of(ample), 51)
    _check_conservation(r)
    assert not np.isnan(r.start_s).any() and not np.isnan(r.depart_s).any()
    assert r.end_s == pytest.approx(np.max(r.depart_s))  # the run stops when the last traveller leaves


# --- stacked booths -----------------------------------------------------------------------------


def test_stacked_booths_with_deterministic_service_clear_two_travellers_per_service_time():
    # three lanes of two booths, 60 s each: capacity 360/h; 720/h arrive, so the lanes never starve
    lanes, warmup_h, hours = 3, 1, 10
    model = model_of(queue_scenario(720, deterministic(MEAN_S), lanes, hours, warmup_h, drain_h=0.1, booths_per_lane=2))
    for rep in range(3):
        r = simulate(model, 61, rep)
        saturated_lane_throughput_per_h(r, lanes)  # asserts saturation
        window = (r.depart_s >= r.warmup_s) & (r.depart_s < r.horizon_s)
        # platoons of two leave every 60 s: exactly 2 × (window / 60 s) per lane, ± one platoon at the window's edges
        per_lane = np.bincount(r.lane[window], minlength=lanes)
        assert np.all(np.abs(per_lane - 2 * (hours - warmup_h) * 3600 / MEAN_S) <= 2), per_lane


def test_stacked_booths_with_exponential_service_clear_two_travellers_per_expected_longer_service():
    """Saturated, a lane of two stacked booths takes a platoon of two and takes the next only when
    both have left: 2/E[max(S1, S2)] = 2/(1.5 × mean) per lane — not 2/mean (two independent
    booths) nor 1/mean (one booth)."""
    lanes, warmup_h, hours = 3, 1, 10
    model = model_of(queue_scenario(480, exponential(MEAN_S), lanes, hours, warmup_h, drain_h=0.1, booths_per_lane=2))
    values = replicate(model, 71, 40, functools.partial(saturated_lane_throughput_per_h, lanes=lanes))
    per_h = lambda mean_cycle_s: 2 * 3600.0 / mean_cycle_s  # noqa: E731
    expected = per_h(qt.mean_max_of_two_exponentials(MEAN_S))
    alternatives = [per_h(MEAN_S), per_h(2 * MEAN_S)] + [per_h(qt.mean_max_of_two_exponentials(MEAN_S / f))
                                                        for f in OFF_BY_10_PERCENT]
    problems = check_within(expected, values[:, 0], ALPHA, "throughput per lane (/h)", alternatives)
    assert not problems, "\n".join(problems)
