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
from sim.random_streams import generator


def nhpp_arrival_times_s(rate_per_s: np.ndarray, horizon_s: float, rng: np.random.Generator, bin_s: float = 3600.0) -> np.ndarray:
    """Arrival times in [0, horizon_s) of a Poisson process with rate ``rate_per_s[k]`` in bin k."""
    n_bins = len(rate_per_s)
    edges = np.minimum(np.arange(n_bins + 1) * bin_s, horizon_s)
    cum = np.concatenate([[0.0], np.cumsum(rate_per_s * np.diff(edges))])
    total = cum[-1]
    if total <= 0:
        return np.empty(0)
    chunks, last, size = [], 0.0, int(total + 5 * np.sqrt(total) + 16)
    while last < total:
        c = last + np.cumsum(rng.standard_exponential(size))
        chunks.append(c)
        last = c[-1]
        size = max(16, size // 4)
    unit = np.concatenate(chunks)
    unit = unit[unit < total]
    k = np.searchsorted(cum, unit, side="right") - 1  # bins with zero rate are skipped exactly
    return edges[k] + (unit - cum[k]) / rate_per_s[k]


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


def sample_travellers(model: Model, seed: int, replication: int) -> Travellers:
    """All travellers of one replication, drawn from named substreams of ``seed``."""
    parts: list[dict[str, np.ndarray]] = []
    for si, s in enumerate(model.streams):
        g = lambda purpose: generator(seed, replication, s.name, purpose)  # noqa: E731
        t = nhpp_arrival_times_s(s.rate_per_s, model.horizon_s, g("arrivals"))
        n = len(t)
        cum = np.asarray(s.program_cum_shares)
        prog_pos = np.minimum(np.searchsorted(cum, g("program").random(n), side="right"), len(cum) - 1)
        program = np.asarray(s.programs)[prog_pos]
        referred = g("referral").random(n) < s.referral_p
        sec_u = g("secondary").random(n)
        sec_s = np.full(n, np.nan)
        if s.referral_p > 0:
            sec_s[referred] = model.secondary[s.mode].service.ppf(sec_u[referred])
        parts.append(
            dict(
                arrival_s=t,
                stream=np.full(n, si),
                program=program,
                service_u=g("service").random(n),
                choice_u=g("lane_choice").random(n),
                referred=referred,
                secondary_s=sec_s,
            )
        )
    cat = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    order = np.argsort(cat["arrival_s"], kind="stable")
    cat = {k: v[order] for k, v in cat.items()}
    service_s: dict[int, np.ndarray] = {}
    for grp in model.groups:
        col = np.full(len(order), np.nan)
        for p, dist in grp.service.items():
            mask = cat["program"] == p
            mask &= np.isin(cat["stream"], [i for i, s in enumerate(model.streams) if s.mode == grp.mode])
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
