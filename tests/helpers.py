"""Helpers for the engine-versus-theory tests: single-queue scenarios, independent replications
run in parallel, and Student-t confidence intervals used as the tests' tolerances."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from scipy import stats

from sim.engine import simulate_replication
from sim.model import Model, build_model
from sim.records import Records
from sim.scenario import scenario_from_dict
from sim.travellers import sample_travellers

START = "2024-01-01T00:00:00"


def exponential(mean_s: float) -> dict:
    return {"dist": "exponential", "mean_s": mean_s}


def deterministic(mean_s: float) -> dict:
    return {"dist": "deterministic", "mean_s": mean_s}


def lognormal(mean_s: float, cv: float) -> dict:
    return {"dist": "lognormal", "mean_s": mean_s, "cv": cv}


def gamma(mean_s: float, cv: float) -> dict:
    return {"dist": "gamma", "mean_s": mean_s, "cv": cv}


def queue_scenario(rate_per_h: float | Sequence[float], service: dict, lanes: int, hours: float, warmup_h: float = 0.0,
                   drain_h: float = 24.0, lanes_open=None, booths_per_lane: int = 1, discipline: str = "shared",
                   seed: int = 1) -> dict:
    """One Poisson stream into one lane group: rate constant (a number) or by clock hour (24 values);
    the window starts at midnight."""
    rates = [float(rate_per_h)] * 24 if np.isscalar(rate_per_h) else [float(r) for r in rate_per_h]
    group = {"mode": "vehicle", "programs": ["general"], "lanes": lanes, "booths_per_lane": booths_per_lane,
             "discipline": discipline, "service": {"general": service}}
    if lanes_open is not None:
        group["lanes_open"] = lanes_open
    return {
        "name": "theory check",
        "window": {"start": START, "duration_h": hours, "warmup_h": warmup_h, "drain_h": drain_h},
        "seed": seed,
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": rates}}},
        "lane_groups": {"booths": group},
    }


def model_of(scenario: dict) -> Model:
    return build_model(scenario_from_dict(scenario).scenario)


def simulate(model: Model, seed: int, replication: int = 0) -> Records:
    """One replication: draw the travellers, run the engine."""
    return simulate_replication(model, sample_travellers(model, seed, replication), replication)


def _one(args) -> np.ndarray:
    model, seed, rep, statistic = args
    return np.atleast_1d(np.asarray(statistic(simulate(model, seed, rep)), dtype=float))


def replicate(
    model: Model, seed: int, replications: int, statistic: Callable[[Records], Sequence[float]]
) -> np.ndarray:
    """``statistic`` of each of ``replications`` independent replications, one row each (rows in
    replication order, so the result does not depend on the number of processes).

    ``statistic`` must be a module-level function (it is sent to worker processes)."""
    jobs = [(model, seed, r, statistic) for r in range(replications)]
    workers = min(2, os.cpu_count() or 1)
    if workers == 1:
        return np.array([_one(j) for j in jobs])
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return np.array(list(pool.map(_one, jobs, chunksize=max(1, replications // (4 * workers)))))


def t_interval(values: np.ndarray, alpha: float) -> tuple[float, float, float]:
    """Mean of independent replications' values and its two-sided 1 − ``alpha`` Student-t interval."""
    v = np.asarray(values, dtype=float)
    if np.isnan(v).any() or len(v) < 2:
        raise ValueError("expected at least two replications, none NaN")
    mean = float(v.mean())
    half = float(stats.t.ppf(1.0 - alpha / 2.0, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return mean, mean - half, mean + half


def check_within(
    theory: float, values: np.ndarray, alpha: float, what: str, alternatives: Sequence[float] = ()
) -> list[str]:
    """Problems (empty if none) with the claim that ``theory`` is the mean of ``values``.

    The tolerance is the 1 − ``alpha`` t-interval of the replications: if the engine is right,
    ``theory`` falls outside with probability ≈ ``alpha``. ``alternatives`` are what theory
    would predict if the engine were wrong in a stated way (e.g. a service rate 10 % off): each
    must fall outside the interval, or the test could not have detected that error."""
    mean, lo, hi = t_interval(values, alpha)
    problems = []
    if not lo <= theory <= hi:
        problems.append(f"{what}: theory {theory:.6g} outside the {100 * (1 - alpha):.4g} % interval "
                        f"[{lo:.6g}, {hi:.6g}] (simulated mean {mean:.6g}, {len(values)} replications)")
    for alt in alternatives:
        if lo <= alt <= hi:
            problems.append(f"{what}: interval [{lo:.6g}, {hi:.6g}] too wide to reject the alternative {alt:.6g}; "
                            "use more replications or a longer window")
    return problems
