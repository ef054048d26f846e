"""sim.fitting: the method-of-moments fit recovers a known service time from an M/M/1 queue's
mean wait, and says clearly when no value inside the bounds can match the observations."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.fitting import FitError, Parameter, fit, residuals
from tests.builders import single_queue

RATE_PER_H = 30.0
TRUE_MEAN_S = 90.0  # rho = 0.75


def mm1_wait_min(mean_s: float, rate_per_h: float = RATE_PER_H) -> float:
    """Exact M/M/1 mean wait in line (min): rho / (mu - lambda)."""
    mu = 3600.0 / mean_s
    rho = rate_per_h / mu
    return 60.0 * rho / (mu - rate_per_h)


def _base() -> dict:
    return single_queue(rate_per_h=RATE_PER_H, lanes=1, mean_s=60.0, hours=240.0, warmup_h=24.0, drain_h=4.0, seed=7)


def _build(values: dict[str, float]) -> dict:
    data = copy.deepcopy(_base())
    data["lane_groups"]["booths"]["service"]["general"]["mean_s"] = 60.0 * values["scale"]
    return data


def _observed(wait_min: float) -> pd.DataFrame:
    return pd.DataFrame({"lane_group": "booths", "hour": [f"{h:02d}" for h in range(24)],
                         "metric": "mean_wait_min", "observed": wait_min})


@pytest.mark.long
def test_fit_recovers_the_service_time_whose_exact_mm1_wait_was_observed():
    reps = 8
    p = Parameter("scale", start=1.0, bounds=(1.0, 2.0), metric="mean_wait_min", lane_groups=("booths",), xtol=0.001)
    observed_wait = mm1_wait_min(TRUE_MEAN_S)
    result = fit(_build, [p], _observed(observed_wait), replications=reps, seed=11)
    # The fit makes the simulated mean equal the observed one, so what is left is sampling error:
    # the exact wait at the fitted service time lies within the replications' 99.9 % interval.
    from sim.runner import run
    from sim.scenario.loader import scenario_from_dict

    res = run(scenario_from_dict(_build(result.values)), replications=reps, seed=11, workers=1)
    per_rep = res.per_replication("by_hour")
    per_rep = per_rep[(per_rep["hour"] == "all") & (per_rep["program"] == "all") & (per_rep["lane_group"] == "booths")]
    sd = float(per_rep["mean_wait_min"].std(ddof=1))
    half = stats.t.ppf(1 - 0.0005, reps - 1) * sd / np.sqrt(reps)
    fitted_mean_s = 60.0 * result.values["scale"]
    assert abs(mm1_wait_min(fitted_mean_s) - observed_wait) <= half
    # and the check has teeth: a service time 10 % off would not pass it
    assert abs(mm1_wait_min(1.1 * fitted_mean_s) - observed_wait) > half
    assert abs(mm1_wait_min(fitted_mean_s / 1.1) - observed_wait) > half
    # the root finder's own guarantee: the bias changes sign within xtol (+ the rounding to 3 decimals)
    x, eps = result.values["scale"], p.xtol + 0.0005
    below, above = (residuals(_build, [p], {"scale": v}, _observed(observed_wait), reps, 11).loc[0, "bias"]
                    for v in (x - eps, x + eps))
    assert below * above <= 0, (below, above)


@pytest.mark.long
def test_a_fit_is_reproducible_to_the_bit_with_common_random_numbers():
    p = Parameter("scale", start=1.0, bounds=(1.0, 2.0), metric="mean_wait_min", lane_groups=("booths",), xtol=0.01)
    small = lambda v: {  # noqa: E731
        **_build(v), "window": {"start": "2024-01-01T00:00:00", "duration_h": 48, "warmup_h": 8, "drain_h": 2}}
    a = fit(small, [p], _observed(4.0), replications=2, seed=3)
    b = fit(small, [p], _observed(4.0), replications=2, seed=3)
    assert a.values == b.values and a.evaluations == b.evaluations


def test_no_root_inside_the_bounds_is_an_error_naming_the_parameter_and_bounds():
    p = Parameter("scale", start=1.0, bounds=(0.5, 0.6), metric="mean_wait_min", lane_groups=("booths",))
    short = lambda v: {  # noqa: E731
        **_build(v), "window": {"start": "2024-01-01T00:00:00", "duration_h": 24, "warmup_h": 2, "drain_h": 2}}
    with pytest.raises(FitError, match=r"scale.*does not change sign.*widen 'bounds'"):
        fit(short, [p], _observed(60.0), replications=2, seed=3)


@pytest.mark.parametrize("kwargs, message", [
    ({"metric": "p99"}, "metric must be one of"),
    ({"bounds": (2.0, 1.0)}, "low < high"),
])
def test_parameters_are_checked_when_declared(kwargs, message):
    args = {"name": "x", "start": 1.0, "bounds": (0.5, 2.0), "metric": "mean_wait_min", "lane_groups": ("g",)} | kwargs
    with pytest.raises(ValueError, match=message):
        Parameter(**args)
