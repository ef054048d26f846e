"""Fit scenario parameters to observed hourly values by the method of moments, with common
random numbers.

Each parameter moves one observable of some lane groups (their mean wait, or the lanes they keep
open) and is set so that the simulated value, averaged over the compared hours and over
replications, equals the observed one: a root of the bias, found by ``scipy.optimize.brentq``.
Every evaluation runs the same replications with the same seed, so the bias is a smooth function
of the parameter (no fresh noise between evaluations) and the root is reproducible to the bit.
Parameters are fitted one after the other (coordinate-wise), ``passes`` times.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq

from sim.errors import PoesimError
from sim.executors import Executor
from sim.runner import run
from sim.scenario.loader import scenario_from_dict
from sim.statistics import ALL

METRICS = ("mean_wait_min", "lanes_open", "throughput_per_h")


class FitError(PoesimError):
    """A parameter could not be fitted (no root of the bias inside its bounds)."""


@dataclass(frozen=True)
class Parameter:
    """One fitted number: ``name`` is what the scenario builder reads; it is chosen so that the
    mean of ``metric`` over ``lane_groups`` (and the compared hours) matches the observations."""

    name: str
    start: float
    bounds: tuple[float, float]
    metric: str
    lane_groups: tuple[str, ...]
    xtol: float = 0.01
    decimals: int = 3

    def __post_init__(self) -> None:
        if self.metric not in METRICS:
            raise ValueError(f"parameter {self.name}: metric must be one of {METRICS}, got {self.metric!r}")
        lo, hi = self.bounds
        if not lo < hi:
            raise ValueError(f"parameter {self.name}: bounds must be [low, high] with low < high, got {self.bounds}")


@dataclass
class FitResult:
    """Fitted values, the residual bias and MAE of each parameter's observable, and the number
    of simulation runs made."""

    values: dict[str, float]
    residuals: pd.DataFrame  # parameter, metric, lane_groups, hours, observed_mean, simulated_mean, bias, mae
    evaluations: int


def simulated_metrics(result) -> pd.DataFrame:
    """Per lane group and clock hour: the mean wait (min, all programs), the mean number of lanes
    open (queue.csv's lanes_open) and the travellers served per hour, averaged over replications.
    Long format: ``lane_group, hour, metric, simulated``."""
    s = result.summary
    s = s[(s["program"] == ALL) & (s["hour"] != ALL) & (s["lane_group"] != ALL)]
    waits = s[["lane_group", "hour", "mean_wait_min"]].rename(columns={"mean_wait_min": "simulated"})
    waits["metric"] = "mean_wait_min"
    q = result.queue
    q = q[(q["hour"] != ALL) & (q["lane_group"] != ALL)]
    lanes = q[["lane_group", "hour"]].copy()
    lanes["simulated"] = q["lanes_open"].to_numpy()
    lanes["metric"] = "lanes_open"
    served = q[["lane_group", "hour"]].copy()
    served["simulated"] = q["throughput_per_h"].to_numpy()
    served["metric"] = "throughput_per_h"
    return pd.concat([waits, lanes, served], ignore_index=True)[["lane_group", "hour", "metric", "simulated"]]


def compare_to_observed(simulated: pd.DataFrame, observed: pd.DataFrame) -> pd.DataFrame:
    """Inner join on lane group, hour and metric; hours a lane group served nobody drop out."""
    both = observed.merge(simulated, on=["lane_group", "hour", "metric"], how="inner")
    return both[np.isfinite(both["simulated"].to_numpy(dtype=float))]


def _moments(both: pd.DataFrame, p: Parameter) -> dict[str, float]:
    rows = both[(both["metric"] == p.metric) & both["lane_group"].isin(p.lane_groups)]
    if rows.empty:
        return {"hours": 0, "observed_mean": math.nan, "simulated_mean": math.nan, "bias": math.nan, "mae": math.nan}
    d = rows["simulated"].to_numpy(dtype=float) - rows["observed"].to_numpy(dtype=float)
    return {
        "hours": int(len(rows)),
        "observed_mean": float(rows["observed"].mean()),
        "simulated_mean": float(rows["simulated"].mean()),
        "bias": float(d.mean()),
        "mae": float(np.abs(d).mean()),
    }


def _evaluate(build: Callable[[dict[str, float]], dict], values: dict[str, float], observed: pd.DataFrame,
              replications: int, seed: int, executor: Executor | None) -> pd.DataFrame:
    """Run the scenario built for ``values`` and pair its hourly metrics with the observations."""
    data = build(dict(values))
    result = run(scenario_from_dict(data, name="<fit>"), replications=replications, seed=seed, executor=executor)
    return compare_to_observed(simulated_metrics(result), observed)


def _residual_table(both: pd.DataFrame, parameters: list[Parameter]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"parameter": p.name, "metric": p.metric, "lane_groups": ",".join(p.lane_groups), **_moments(both, p)}
         for p in parameters]
    )


def residuals(
    build: Callable[[dict[str, float]], dict],
    parameters: list[Parameter],
    values: dict[str, float],
    observed: pd.DataFrame,
    replications: int,
    seed: int,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """The residual bias and MAE of each parameter's observable at given values (one evaluation)."""
    return _residual_table(_evaluate(build, values, observed, replications, seed, executor), parameters)


def fit(
    build: Callable[[dict[str, float]], dict],
    parameters: list[Parameter],
    observed: pd.DataFrame,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    passes: int = 1,
    log: Callable[[str], None] | None = None,
) -> FitResult:
    """Fit ``parameters`` so that each one's observable has zero mean bias against ``observed``
    (columns ``lane_group, hour, metric, observed``). ``build(values)`` returns the scenario
    mapping for a set of parameter values; every evaluation runs ``replications`` with ``seed``."""
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise ValueError(f"parameter names must be unique, got {names}")
    missing = {"lane_group", "hour", "metric", "observed"} - set(observed.columns)
    if missing:
        raise ValueError(f"observed: missing columns {sorted(missing)}")
    values = {p.name: float(p.start) for p in parameters}
    cache: dict[tuple, pd.DataFrame] = {}

    def evaluate(vals: dict[str, float]) -> pd.DataFrame:
        key = tuple(vals[n] for n in names)
        if key not in cache:
            cache[key] = _evaluate(build, vals, observed, replications, seed, executor)
            if log:
                log(f"  evaluation {len(cache)}: " + ", ".join(f"{n}={vals[n]:.4g}" for n in names))
        return cache[key]

    for pass_ in range(passes):
        for p in parameters:
            def bias(x: float, p: Parameter = p) -> float:
                return _moments(evaluate({**values, p.name: float(x)}), p)["bias"]

            lo, hi = p.bounds
            if pass_ > 0:  # a later pass starts near the last root: a narrow bracket, else the bounds
                x0, step = values[p.name], 10 * p.xtol
                a, b = max(lo, x0 - step), min(hi, x0 + step)
                f_a, f_b = bias(a), bias(b)
                if np.isfinite(f_a) and np.isfinite(f_b) and f_a * f_b <= 0:
                    lo, hi = a, b
            f_lo, f_hi = bias(lo), bias(hi)
            if not (np.isfinite(f_lo) and np.isfinite(f_hi)):
                raise FitError(f"parameter {p.name}: no {p.metric} to compare for lane groups {list(p.lane_groups)}")
            if f_lo * f_hi > 0:
                raise FitError(
                    f"parameter {p.name}: the mean {p.metric} bias is {f_lo:+.3g} at {lo} and {f_hi:+.3g} at {hi}; "
                    "it does not change sign inside the bounds, so no value matches the observations: widen 'bounds'"
                )
            x = brentq(bias, lo, hi, xtol=p.xtol)
            values[p.name] = round(float(x), p.decimals)
            if log:
                log(f"{p.name} = {values[p.name]}")
    return FitResult(values, _residual_table(evaluate(values), parameters), len(cache))
