"""Exact queueing formulas the engine is checked against (pure functions, no simulation).

Rates are per second and times in seconds unless a name says otherwise; ``mu`` is the service
rate of one server (1 / mean service time), ``a = lam / mu`` the offered load in Erlangs and
``rho = a / c`` the utilisation. Each formula is unit-tested against independently known values
in ``tests/test_queueing_theory.py``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import expm_multiply

# --- M/M/c (Erlang C) -----------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability of c servers offered ``a`` Erlangs (stable recursion)."""
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival to a stable M/M/c queue has to wait (Erlang C)."""
    rho = a / c
    if not 0 <= rho < 1:
        raise ValueError(f"unstable queue: rho = {rho}")
    b = erlang_b(c, a)
    return b / (1.0 - rho * (1.0 - b))


def mmc_mean_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in line (arrival to start of service) of a stationary M/M/c FCFS queue."""
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_wait_tail(lam: float, mu: float, c: int, t: float) -> float:
    """P(Wq > t) of a stationary M/M/c FCFS queue: C · exp(−(cμ − λ) t), for t ≥ 0."""
    return erlang_c(c, lam / mu) * math.exp(-(c * mu - lam) * t)


def mmc_mean_queue(lam: float, mu: float, c: int) -> float:
    """Time-average number waiting, Lq = C · ρ / (1 − ρ) (equals λ·Wq, Little's law)."""
    rho = lam / (c * mu)
    return erlang_c(c, lam / mu) * rho / (1.0 - rho)


# --- M/M/c/N (finite waiting room) ------------------------------------------------------------


def mmcn_probabilities(lam: float, mu: float, c: int, n_max: int) -> np.ndarray:
    """Stationary P(N = n), n = 0..n_max, of an M/M/c queue holding at most ``n_max`` travellers
    (c at booths, n_max − c in line); arrivals finding it full are lost. Any load is stable."""
    a = lam / mu
    w = np.empty(n_max + 1)
    w[0] = 1.0
    for n in range(1, n_max + 1):
        w[n] = w[n - 1] * a / min(n, c)
    return w / w.sum()


def mmcn_blocking(lam: float, mu: float, c: int, n_max: int) -> float:
    """Share of arrivals lost (they see a full system: PASTA)."""
    return float(mmcn_probabilities(lam, mu, c, n_max)[-1])


def mmcn_mean_wait(lam: float, mu: float, c: int, n_max: int) -> float:
    """Mean wait in line of the admitted travellers: Lq / λ_admitted (Little's law)."""
    p = mmcn_probabilities(lam, mu, c, n_max)
    lq = float(np.maximum(np.arange(n_max + 1) - c, 0) @ p)
    return lq / (lam * (1.0 - p[-1]))


# --- M/G/1 (Pollaczek–Khinchine) -----------------------------------------------------------


def second_moment(mean: float, scv: float) -> float:
    """E[S²] of a service time with the given mean and squared coefficient of variation."""
    return mean * mean * (1.0 + scv)


def pk_mean_wait(lam: float, mean_s: float, second_moment_s2: float) -> float:
    """Pollaczek–Khinchine mean wait in line of a stationary M/G/1 queue: λE[S²] / (2(1 − ρ))."""
    rho = lam * mean_s
    if not 0 <= rho < 1:
        raise ValueError(f"unstable queue: rho = {rho}")
    return lam * second_moment_s2 / (2.0 * (1.0 - rho))


# --- stacked booths --------------------------------------------------------------------------


def mean_max_of_two_exponentials(mean_s: float) -> float:
    """E[max(S1, S2)] of two independent exponentials with the same mean: 1.5 × mean."""
    return 1.5 * mean_s


# --- M_t/M/c_t: transient birth–death chain ------------------------------------------------


@dataclass(frozen=True)
class Transient:
    """The forward-equation solution of an M_t/M/c_t queue over consecutive periods.

    ``mean_queue[k]`` / ``mean_in_system[k]``: time averages over period k of E[(N − c_k)⁺] and E[N].
    ``p_end[k]``: distribution of N (0 … n_max) at the end of period k.
    ``overflow``: probability that N ever exceeded n_max by the end (the truncation error bound).
    """

    mean_queue: np.ndarray
    mean_in_system: np.ndarray
    p_end: np.ndarray
    overflow: float


def _generator(lam: float, mu: float, c: int, n_max: int) -> sparse.csr_matrix:
    """Birth–death generator on 0 … n_max plus an absorbing overflow state n_max + 1.

    Row convention (dp/dt = p Q). A birth from n_max goes to the overflow state, which never
    returns: its mass bounds, from above, how much probability the truncation lost."""
    n = np.arange(n_max + 1)
    births = np.full(n_max + 1, float(lam))
    deaths = mu * np.minimum(n[1:], c).astype(float)
    out_rate = np.concatenate([births, [0.0]])
    out_rate[1 : n_max + 1] += deaths
    rows = np.concatenate([n, n[1:], np.arange(n_max + 2)])
    cols = np.concatenate([n + 1, n[1:] - 1, np.arange(n_max + 2)])
    return sparse.csr_matrix((np.concatenate([births, deaths, -out_rate]), (rows, cols)), shape=(n_max + 2, n_max + 2))


def birth_death_transient(lam: Sequence[float], servers: Sequence[int], mu: float, period_s: float, n_max: int,
                          p0: np.ndarray | None = None) -> Transient:
    """Solve the Kolmogorov forward equations dP/dt = P Q(t) of an M_t/M/c_t queue.

    Arrival rate ``lam[k]`` and servers ``servers[k]`` are constant in period k (length
    ``period_s``); servers are added or removed instantaneously at period boundaries. The chain
    starts from ``p0`` (default: empty). Within a period the solution is exact up to rounding:
    the action of the matrix exponential of the augmented generator M = [[Q, F], [0, 0]] on the
    row vector (p(0), 0) gives both p(h) = p(0)·e^{Qh} and ∫₀ʰ p(s)·F ds (the integrals of the
    expected queue and number in system), with no time stepping of our own
    (``scipy.sparse.linalg.expm_multiply``, which works to double precision)."""
    if len(lam) != len(servers):
        raise ValueError("lam and servers: expected one value per period each")
    size = n_max + 2
    p = np.zeros(size)
    if p0 is None:
        p[0] = 1.0
    else:
        p[: len(p0)] = p0
    n = np.arange(size, dtype=float)
    n[-1] = 0.0  # the overflow state contributes nothing (its mass is bounded separately)
    mean_queue, mean_in_system, p_end = [], [], []
    for lam_k, c_k in zip(lam, servers, strict=True):
        f = np.column_stack([np.maximum(n - c_k, 0.0), n])
        scale = f.sum(axis=0) + 1.0  # F's columns scaled to norm < 1, so they do not inflate M's norm (and the work)
        aug = sparse.bmat([[_generator(lam_k, mu, c_k, n_max), sparse.csr_matrix(f / scale)],
                           [None, sparse.csr_matrix((2, 2))]], format="csr")
        x = expm_multiply(aug.T * period_s, np.concatenate([p, [0.0, 0.0]]),
                          traceA=-period_s * (lam_k + mu * c_k) * size)
        integrals = x[size:] * scale
        p = np.clip(x[:size], 0.0, None)
        mean_queue.append(integrals[0] / period_s)
        mean_in_system.append(integrals[1] / period_s)
        p_end.append(p[: n_max + 1].copy())
    return Transient(np.array(mean_queue), np.array(mean_in_system), np.array(p_end), float(p[-1]))
