"""The formulas in ``tests/queueing_theory.py`` are right: each is checked against a value known
independently (a textbook case, a special case with a closed form, or another route to the
same number). Tolerances here are numerical (floating point, matrix exponential), not statistical."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from tests import queueing_theory as qt


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.8, 0.95])
def test_erlang_c_with_one_server_is_the_utilisation(rho):
    assert qt.erlang_c(1, rho) == pytest.approx(rho, rel=1e-12)


@pytest.mark.parametrize("c, a, expected", [(2, 1.0, 1 / 3), (3, 2.0, 4 / 9)])
def test_erlang_c_matches_textbook_values(c, a, expected):
    # C(2, 1) = (1/2 · 2) / (1 + 1 + 1) = 1/3;  C(3, 2) = (8/6 · 3) / (1 + 2 + 2 + 4) = 4/9
    assert qt.erlang_c(c, a) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("c, a", [(10, 9.0), (50, 45.0), (400, 390.0)])
def test_erlang_c_agrees_with_the_poisson_form_and_stays_finite_for_many_servers(c, a):
    # Erlang B is the Poisson(a) pmf at c over its cdf; C = B / (1 − ρ(1 − B))
    b = stats.poisson.pmf(c, a) / stats.poisson.cdf(c, a)
    assert qt.erlang_b(c, a) == pytest.approx(b, rel=1e-9)
    assert qt.erlang_c(c, a) == pytest.approx(b / (1 - a / c * (1 - b)), rel=1e-9)


def test_erlang_c_of_the_example_mmc_scenario_is_0_669():
    # scenarios/theory/mmc.yaml: λ = 9/min, μ = 1/min, c = 10 → P(wait) = 0.669 and Wq = 0.669 min
    assert qt.erlang_c(10, 9.0) == pytest.approx(0.6687, abs=5e-5)
    assert qt.mmc_mean_wait(9.0, 1.0, 10) == pytest.approx(0.6687, abs=5e-5)


def test_erlang_c_refuses_an_unstable_queue():
    with pytest.raises(ValueError):
        qt.erlang_c(2, 2.0)


def test_mm1_mean_wait_and_tail_have_their_closed_forms():
    lam, mu = 0.8, 1.0
    assert qt.mmc_mean_wait(lam, mu, 1) == pytest.approx(0.8 / (1.0 - 0.8), rel=1e-12)  # ρ/(μ − λ)
    for t in (0.0, 1.0, 5.0):
        assert qt.mmc_wait_tail(lam, mu, 1, t) == pytest.approx(0.8 * math.exp(-(mu - lam) * t), rel=1e-12)


@pytest.mark.parametrize("lam, mu, c", [(0.8, 1.0, 1), (2.1, 1.0, 3), (9.0, 1.0, 10)])
def test_mmc_wait_tail_integrates_to_the_mean_wait_and_starts_at_erlang_c(lam, mu, c):
    assert qt.mmc_wait_tail(lam, mu, c, 0.0) == pytest.approx(qt.erlang_c(c, lam / mu), rel=1e-12)
    area, _ = integrate.quad(lambda t: qt.mmc_wait_tail(lam, mu, c, t), 0, np.inf)
    assert area == pytest.approx(qt.mmc_mean_wait(lam, mu, c), rel=1e-8)
    assert qt.mmc_mean_queue(lam, mu, c) == pytest.approx(lam * qt.mmc_mean_wait(lam, mu, c), rel=1e-12)  # Little


def test_pollaczek_khinchine_for_exponential_service_is_the_mm1_wait():
    lam, mean = 0.8, 1.0
    assert qt.pk_mean_wait(lam, mean, qt.second_moment(mean, 1.0)) == pytest.approx(0.8 / (1.0 - 0.8), rel=1e-12)


def test_pollaczek_khinchine_for_deterministic_service_is_half_the_mm1_wait():
    lam, mean = 0.8, 1.0
    md1 = qt.pk_mean_wait(lam, mean, qt.second_moment(mean, 0.0))
    assert md1 == pytest.approx(0.5 * qt.mmc_mean_wait(lam, 1 / mean, 1), rel=1e-12)
    assert md1 == pytest.approx(0.8 / (2 * (1 - 0.8)), rel=1e-12)  # ρ/(2μ(1 − ρ))


@pytest.mark.parametrize("cv", [0.5, 1.2])
def test_second_moment_of_lognormal_and_gamma_given_by_mean_and_cv(cv):
    mean = 42.0
    sigma = math.sqrt(math.log1p(cv * cv))
    lognormal = stats.lognorm(s=sigma, scale=mean * math.exp(-sigma * sigma / 2))
    gamma = stats.gamma(1 / cv**2, scale=mean * cv**2)
    for d in (lognormal, gamma):
        assert d.mean() == pytest.approx(mean, rel=1e-10)
        assert qt.second_moment(mean, cv * cv) == pytest.approx(d.moment(2), rel=1e-10)


def test_pollaczek_khinchine_refuses_an_unstable_queue():
    with pytest.raises(ValueError):
        qt.pk_mean_wait(1.0, 1.0, 2.0)


def test_mean_of_the_larger_of_two_exponentials_is_one_and_a_half_means():
    mean = 60.0
    # E[max] = ∫ P(max > t) dt = ∫ 1 − (1 − e^{−t/m})² dt
    area, _ = integrate.quad(lambda t: 1 - (1 - math.exp(-t / mean)) ** 2, 0, np.inf)
    assert qt.mean_max_of_two_exponentials(mean) == pytest.approx(area, rel=1e-9)


@pytest.mark.parametrize("lam, mu, c, n_max, period", [(0.8, 1.0, 1, 200, 400.0), (2.1, 1.0, 3, 150, 100.0),
                                                       (9.0, 1.0, 10, 400, 200.0)])
def test_birth_death_chain_converges_to_erlang_c(lam, mu, c, n_max, period):
    # run the forward equations for four periods, > 15 relaxation times 1/(cμ(1 − √ρ)²) in all: the
    # last period is stationary to ~1e-7. Truncation loses ~ρ^n_max of the mass.
    t = qt.birth_death_transient([lam] * 4, [c] * 4, mu, period_s=period, n_max=n_max)
    assert t.overflow < 1e-12
    p = t.p_end[-1]
    assert t.overflow < 1e-8
    assert p[c:].sum() == pytest.approx(qt.erlang_c(c, lam / mu), rel=1e-6)  # P(N ≥ c) = P(wait)
    assert t.mean_queue[-1] == pytest.approx(qt.mmc_mean_queue(lam, mu, c), rel=1e-6)
    assert t.mean_in_system[-1] == pytest.approx(qt.mmc_mean_queue(lam, mu, c) + lam / mu, rel=1e-6)


def test_birth_death_chain_from_empty_with_ample_servers_is_the_infinite_server_transient():
    # M/M/∞ from empty: N(t) ~ Poisson(a(1 − e^{−μt})), so E[N] averaged over [0, h] is a(1 − (1 − e^{−μh})/(μh))
    lam, mu, h, n_max = 3.0, 0.5, 2.0, 80
    t = qt.birth_death_transient([lam], [n_max], mu, period_s=h, n_max=n_max)
    a = lam / mu
    m_h = a * (1 - math.exp(-mu * h))
    assert t.p_end[0] == pytest.approx(stats.poisson.pmf(np.arange(n_max + 1), m_h), abs=1e-12)
    assert t.mean_in_system[0] == pytest.approx(a * (1 - (1 - math.exp(-mu * h)) / (mu * h)), rel=1e-9)
    assert t.mean_queue[0] == pytest.approx(0.0, abs=1e-12)


def test_birth_death_chain_drains_a_single_server_queue_like_a_poisson_process():
    # no arrivals, one server, 5 in system: departures are Poisson(μt) until empty
    mu, h, n0 = 1.0, 3.0, 5
    p0 = np.zeros(n0 + 1)
    p0[n0] = 1.0
    t = qt.birth_death_transient([0.0], [1], mu, period_s=h, n_max=20, p0=p0)
    d = stats.poisson(mu * h)
    expected = np.zeros(21)
    expected[1 : n0 + 1] = d.pmf(n0 - np.arange(1, n0 + 1))
    expected[0] = d.sf(n0 - 1)
    assert t.p_end[0] == pytest.approx(expected, abs=1e-12)
    # queue = N − 1 while busy: ∫ E[(n0 − 1 − D(s))⁺] ds, D(s) ~ Poisson(μs)
    area, _ = integrate.quad(lambda s: sum(k * stats.poisson.pmf(n0 - 1 - k, mu * s) for k in range(1, n0)), 0, h)
    assert t.mean_queue[0] == pytest.approx(area / h, rel=1e-8)


def test_birth_death_chain_piecewise_periods_compose():
    # two periods with the same rates equal one period twice as long (the chain is time-homogeneous within)
    one = qt.birth_death_transient([2.0], [3], 1.0, period_s=4.0, n_max=100)
    two = qt.birth_death_transient([2.0, 2.0], [3, 3], 1.0, period_s=2.0, n_max=100)
    assert two.p_end[-1] == pytest.approx(one.p_end[-1], abs=1e-12)
    assert two.mean_queue.mean() == pytest.approx(one.mean_queue[0], rel=1e-9)


def test_birth_death_chain_reports_the_mass_it_truncates():
    heavy = qt.birth_death_transient([5.0], [1], 1.0, period_s=20.0, n_max=30)  # ~80 would arrive net
    assert heavy.overflow > 0.5
    assert heavy.p_end[0].sum() + heavy.overflow == pytest.approx(1.0, abs=1e-9)
    light = qt.birth_death_transient([0.5], [1], 1.0, period_s=20.0, n_max=60)
    assert light.overflow < 1e-12
    assert light.p_end[0].sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("rho, n_max", [(0.5, 4), (1.0, 6), (1.5, 3)])
def test_mm1n_probabilities_are_the_truncated_geometric(rho, n_max):
    p = qt.mmcn_probabilities(rho, 1.0, 1, n_max)
    expected = np.full(n_max + 1, 1 / (n_max + 1)) if rho == 1.0 else (1 - rho) * rho ** np.arange(n_max + 1) / (
        1 - rho ** (n_max + 1))
    np.testing.assert_allclose(p, expected, rtol=1e-12)


def test_mmcn_with_no_waiting_room_is_erlang_b_and_with_a_large_one_is_erlang_c():
    assert qt.mmcn_blocking(3.0, 1.0, 5, 5) == pytest.approx(qt.erlang_b(5, 3.0), rel=1e-12)
    assert qt.mmcn_mean_wait(3.0, 1.0, 5, 400) == pytest.approx(qt.mmc_mean_wait(3.0, 1.0, 5), rel=1e-9)
