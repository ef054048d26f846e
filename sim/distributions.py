"""Service-time distributions, sampled by inversion (``ppf``) of a uniform draw.

Sampling by inversion lets every traveller carry one uniform number for their service
requirement: whichever lane group serves them, in whichever scenario, the same traveller is
"slow" or "quick" alike. That is what makes common random numbers work across scenarios.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import special

from sim.scenario import schema


@dataclass(frozen=True)
class ServiceDist:
    """A service-time distribution in seconds: its mean, squared CV, and inverse CDF."""

    kind: str
    mean_s: float
    scv: float  # squared coefficient of variation, Var/mean²
    params: tuple[float, ...] = ()

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Service times (s) at quantiles ``u`` in [0, 1)."""
        return self.from_standard(self.standard_ppf(np.asarray(u, dtype=float)))

    @property
    def standard(self) -> tuple[str | float, ...]:
        """Which standard distribution ``standard_ppf`` inverts. Distributions with equal keys share
        ``standard_ppf(u)`` (e.g. every lognormal: the standard normal), so a traveller's quantiles
        can be computed once for all the lane groups that might serve them."""
        if self.kind == "exponential":
            return ("exponential",)
        if self.kind == "lognormal":
            return ("normal",)
        if self.kind == "gamma":
            return ("gamma", self.params[0])  # shape
        if self.kind in ("deterministic", "empirical"):
            return ("uniform",)
        raise ValueError(f"unknown distribution {self.kind!r}")

    def standard_ppf(self, u: np.ndarray) -> np.ndarray:
        """Quantiles ``u`` of the standard distribution (``standard``): the costly part of ``ppf``.

        The raw ``scipy.special`` inverses give the same bits as ``scipy.stats``, without its per-call
        argument checks: ``stats.norm.ppf(u)`` is ``ndtri(u) * 1 + 0`` and ``stats.gamma.ppf(u, a,
        scale=s)`` is ``gammaincinv(a, u) * s + 0``."""
        if self.kind == "exponential":
            return -np.log1p(-u)  # mean * -log1p(-u) is -mean * log1p(-u) exactly: rounding is symmetric in sign
        if self.kind == "lognormal":
            return special.ndtri(u)
        if self.kind == "gamma":
            return special.gammaincinv(self.params[0], u)
        if self.kind in ("deterministic", "empirical"):
            return u
        raise ValueError(f"unknown distribution {self.kind!r}")

    def from_standard(self, z: np.ndarray) -> np.ndarray:
        """Service times (s) from standard quantiles ``z = standard_ppf(u)``: ``ppf(u)``."""
        if self.kind == "exponential":
            return self.mean_s * z
        if self.kind == "deterministic":
            return np.full_like(z, self.mean_s)
        if self.kind == "lognormal":
            mu, sigma = self.params
            return np.exp(mu + sigma * z)
        if self.kind == "gamma":
            return z * self.params[1]  # scale
        if self.kind == "empirical":
            values = np.asarray(self.params)
            return values[np.minimum((z * len(values)).astype(np.int64), len(values) - 1)]
        raise ValueError(f"unknown distribution {self.kind!r}")

    def mean_max_s(self, k: int, n: int = 4096) -> float:
        """E[max of k independent service times] (s): how long a platoon of k side-by-side
        stacked booths takes to clear. ∫ k u^(k-1) ppf(u) du by the midpoint rule."""
        if k == 1:
            return self.mean_s
        u = (np.arange(n) + 0.5) / n
        return float(np.mean(k * u ** (k - 1) * self.ppf(u)))


def from_spec(
    spec: schema.Exponential | schema.Deterministic | schema.LogNormal | schema.Gamma | schema.Empirical,
) -> ServiceDist:
    """Build the sampler for a scenario's service-time entry."""
    if isinstance(spec, schema.Exponential):
        return ServiceDist("exponential", spec.mean_s, 1.0)
    if isinstance(spec, schema.Deterministic):
        return ServiceDist("deterministic", spec.mean_s, 0.0)
    if isinstance(spec, schema.LogNormal):
        sigma2 = math.log1p(spec.cv**2)
        return ServiceDist("lognormal", spec.mean_s, spec.cv**2,
                           (math.log(spec.mean_s) - sigma2 / 2, math.sqrt(sigma2)))
    if isinstance(spec, schema.Gamma):
        shape = 1.0 / spec.cv**2
        return ServiceDist("gamma", spec.mean_s, spec.cv**2, (shape, spec.mean_s / shape))
    if isinstance(spec, schema.Empirical):
        values = np.sort(np.asarray(spec.values_s, dtype=float))
        mean = float(values.mean())
        return ServiceDist("empirical", mean, float(values.var() / mean**2), tuple(values.tolist()))
    raise TypeError(f"unknown service-time spec {spec!r}")
