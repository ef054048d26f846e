"""Draw one replication's travellers: arrival times and every random attribute, up front.

Arrivals follow a non-homogeneous Poisson process with piecewise-constant hourly rates,
generated exactly by inverting the cumulative intensity Λ(t) at the points of a unit-rate
Poisson process. Unlike thinning, inversion maps the k-th unit event to the k-th arrival, so
scenarios that scale demand keep their travellers coupled (common random numbers).
Attributes come from separate named streams (see ``random_streams``), so the k-th traveller
of a stream has the same program, service requirement and referral in every scenario.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import Model
from sim.random_streams import PURPOSES, generator


class PoissonArrivals:
    """Arrival times of a Poisson process with rate ``rate_per_s[k]`` in bin k, drawn exactly by
    inverting the cumulative intensity Λ at the points of a unit-rate process.

    Times come out in order, window by window (``until``), drawing the unit-rate points from one
    generator in sequence: taking a year one day at a time gives the same times as taking it at
    once, which is what lets long runs stream without changing their numbers."""

    BLOCK = 2048

    def __init__(self, rate_per_s: np.ndarray, horizon_s: float, rng: np.random.Generator, bin_s: float = 3600.0):
        n_bins = len(rate_per_s)
        self.rate_per_s = np.asarray(rate_per_s, dtype=float)
        self.edges = np.minimum(np.arange(n_bins + 1) * bin_s, horizon_s)
        self.cum = np.concatenate([[0.0], np.cumsum(self.rate_per_s * np.diff(self.edges))])
        self.horizon_s = horizon_s
        self.rng = rng
        self._unit = np.empty(0)  # drawn unit-rate points not yet handed out
        self._last = 0.0  # the last unit-rate point drawn

    def _cum_at(self, t_s: float) -> float:
        if t_s >= self.horizon_s:
            return float(self.cum[-1])
        k = min(max(int(np.searchsorted(self.edges, t_s, side="right")) - 1, 0), len(self.rate_per_s) - 1)
        return float(self.cum[k] + self.rate_per_s[k] * (min(t_s, self.horizon_s) - self.edges[k]))

    def until(self, t_s: float) -> np.ndarray:
        """Arrival times after the previous call's ``t_s`` (or 0) and before ``t_s``."""
        target = self._cum_at(min(t_s, self.horizon_s))
        blocks = [self._unit]
        while self._last < target:
            # fixed-size blocks: the same floating-point sums however the window is split
            c = self._last + np.cumsum(self.rng.standard_exponential(self.BLOCK))
            blocks.append(c)
            self._last = float(c[-1])
        self._unit = np.concatenate(blocks) if len(blocks) > 1 else self._unit
        n = int(np.searchsorted(self._unit, target, side="left"))
        unit, self._unit = self._unit[:n], self._unit[n:]
        k = np.searchsorted(self.cum, unit, side="right") - 1  # bins with zero rate are skipped exactly
        return self.edges[k] + (unit - self.cum[k]) / self.rate_per_s[k]


@dataclass
class Travellers:
    """One replication's travellers, sorted by arrival time. Row i is traveller i."""

    arrival_s: np.ndarray  # float
    stream: np.ndarray  # int, index into model.streams
    program: np.ndarray  # int, index into PROGRAMS
    service_s: dict[int, np.ndarray]  # group index -> primary service time if served there (NaN if ineligible)
    choice_u: np.ndarray  # uniform, for fixed-share lane choice
    referred: np.ndarray  # bool, sent to secondary inspection
    secondary_s: np.ndarray  # secondary service time (NaN if not referred)

    def __len__(self) -> int:
        return len(self.arrival_s)


class TravellerSource:
    """One replication's travellers, drawn window by window from named substreams of ``seed``.

    ``take(t_s)`` returns the travellers arriving before ``t_s`` not yet returned, sorted by
    arrival. Each stream's draws are sequential, so any split of the window gives the same
    travellers as drawing it whole."""

    def __init__(self, model: Model, seed: int, replication: int):
        self.model = model
        self._streams = []
        for s in model.streams:
            g = {p: generator(seed, replication, s.name, p) for p in PURPOSES}
            self._streams.append((s, g, PoissonArrivals(s.rate_per_s, model.horizon_s, g["arrivals"])))
        self._group_streams = {
            grp.index: np.array([i for i, s in enumerate(model.streams) if s.mode == grp.mode]) for grp in model.groups
        }

    def take(self, t_s: float) -> Travellers:
        parts: list[dict[str, np.ndarray]] = []
        for si, (s, g, arrivals) in enumerate(self._streams):
            t = arrivals.until(t_s)
            n = len(t)
            cum = np.asarray(s.program_cum_shares)
            prog_pos = np.minimum(np.searchsorted(cum, g["program"].random(n), side="right"), len(cum) - 1)
            referred = g["referral"].random(n) < s.referral_p
            sec_u = g["secondary"].random(n)
            sec_s = np.full(n, np.nan)
            if s.referral_p > 0:
                sec_s[referred] = self.model.secondary[s.mode].service.ppf(sec_u[referred])
            parts.append(
                dict(
                    arrival_s=t,
                    stream=np.full(n, si),
                    program=np.asarray(s.programs)[prog_pos],
                    service_u=g["service"].random(n),
                    choice_u=g["lane_choice"].random(n),
                    referred=referred,
                    secondary_s=sec_s,
                )
            )
        cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
        order = np.argsort(cat["arrival_s"], kind="stable")
        cat = {k: v[order] for k, v in cat.items()}
        service_s: dict[int, np.ndarray] = {}
        for grp in self.model.groups:
            col = np.full(len(order), np.nan)
            of_mode = np.isin(cat["stream"], self._group_streams[grp.index])
            for p, dist in grp.service.items():
                mask = of_mode & (cat["program"] == p)
                col[mask] = dist.ppf(cat["service_u"][mask])
            service_s[grp.index] = col
        return Travellers(
            arrival_s=cat["arrival_s"],
            stream=cat["stream"],
            program=cat["program"],
            service_s=service_s,
            choice_u=cat["choice_u"],
            referred=cat["referred"],
            secondary_s=cat["secondary_s"],
        )


def sample_travellers(model: Model, seed: int, replication: int) -> Travellers:
    """All travellers of one replication, drawn from named substreams of ``seed``."""
    return TravellerSource(model, seed, replication).take(model.horizon_s)
