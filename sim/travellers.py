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
from itertools import accumulate, pairwise

import numpy as np

from sim.distributions import ServiceDist
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
        k = self._bins(unit)
        return self.edges[k] + (unit - self.cum[k]) / self.rate_per_s[k]

    def _bins(self, unit: np.ndarray) -> np.ndarray:
        """The bin of each sorted unit-rate point: the last k with cum[k] <= point (bins with zero rate
        are skipped exactly). Only the bins between the first and the last point are searched (a day
        of a year's 8,784): the same answer as searching all of ``cum``, which is non-decreasing."""
        if len(unit) == 0:
            return np.zeros(0, dtype=np.intp)
        lo = int(np.searchsorted(self.cum, unit[0], side="right"))
        hi = int(np.searchsorted(self.cum, unit[-1], side="right"))
        return lo - 1 + np.searchsorted(self.cum[lo:hi], unit, side="right")


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


class _Window:
    """One window's travellers of every stream, stream after stream (each in its own arrival order):
    the columns of ``Travellers`` before they are sorted by arrival. Streams draw into their rows.

    The float columns are the rows of one 2-D array: one allocation, not nine. Touching fresh memory
    is a large part of the cost, and glibc hands mid-sized freed arrays back to the system (so every
    window faults its columns in anew) but, once it has freed a large block, keeps the memory of the
    next ones for reuse."""

    def __init__(self, arrivals: list[np.ndarray], groups: list[int]):
        sizes = [len(a) for a in arrivals]
        n = sum(sizes)
        self.rows = [slice(a, b) for a, b in pairwise(accumulate(sizes, initial=0))]  # each stream's rows
        block = np.empty((3 + len(groups), n))
        block[2:] = np.nan  # secondary and service times
        self.arrival_s = np.concatenate(arrivals, out=block[0])
        self.stream = np.repeat(np.arange(len(arrivals)), sizes)
        self.program = np.empty(n, dtype=int)
        self.choice_u = block[1]
        self.referred = np.empty(n, dtype=bool)
        self.secondary_s = block[2]  # NaN if not referred
        self.service_s = {g: block[3 + i] for i, g in enumerate(groups)}  # NaN if the group cannot serve the traveller

    def sorted(self) -> Travellers:
        """The travellers sorted by arrival time. A stable sort, so equal times keep stream order, then
        each stream's own order. Each column is permuted in place: writing a second set of arrays into
        fresh memory costs more than copying the sorted column back."""
        # arrival times are >= 0 (never -0.0 or NaN): their bits sort as int64 in the same order, faster
        order = np.argsort(self.arrival_s.view(np.int64), kind="stable")
        for col in (self.arrival_s, self.stream, self.program, self.choice_u, self.referred, self.secondary_s,
                    *self.service_s.values()):
            col[:] = col[order]
        return Travellers(
            arrival_s=self.arrival_s,
            stream=self.stream,
            program=self.program,
            service_s=self.service_s,
            choice_u=self.choice_u,
            referred=self.referred,
            secondary_s=self.secondary_s,
        )


class _Stream:
    """One traveller stream of a replication: its named generators, its arrival process, and the
    service-time distributions of the lane groups that may serve it (looked up once, not per window)."""

    def __init__(self, model: Model, index: int, seed: int, replication: int):
        s = model.streams[index]
        self.referral_p = s.referral_p
        self.rng = {p: generator(seed, replication, s.name, p) for p in PURPOSES}
        self.arrivals = PoissonArrivals(s.rate_per_s, model.horizon_s, self.rng["arrivals"])
        self.programs = np.asarray(s.programs)
        self.cum_shares = np.asarray(s.program_cum_shares)
        self.secondary = model.secondary[s.mode].service if s.referral_p > 0 else None
        # (group, program, distribution): every group of the stream's mode, for each program of the stream it serves
        self.services = [
            (grp.index, p, grp.service[p]) for grp in model.groups if grp.mode == s.mode for p in s.programs
            if p in grp.service
        ]

    def draw(self, window: _Window, rows: slice) -> None:
        """Draw the attributes of the stream's travellers, ``rows`` of ``window``: as many numbers from
        each purpose's generator as there are travellers, whether or not they are used, so that every
        generator is consumed the same way in every scenario and however the windows are split."""
        n = rows.stop - rows.start
        program = window.program[rows]
        program[:] = self._programs(self.rng["program"].random(n))
        referred = window.referred[rows]
        referred[:] = self.rng["referral"].random(n) < self.referral_p
        secondary_u = self.rng["secondary"].random(n)
        if self.secondary is not None:
            secondary_s = window.secondary_s[rows]
            secondary_s[referred] = self.secondary.ppf(secondary_u[referred])
        self._service_s(program, self.rng["service"].random(n), {g: col[rows] for g, col in window.service_s.items()})
        self.rng["lane_choice"].random(out=window.choice_u[rows])

    def _programs(self, u: np.ndarray) -> np.ndarray:
        """Each traveller's program, by inverting the cumulative program shares at ``u``."""
        if len(self.programs) == 1:
            return np.full(len(u), self.programs[0])
        return self.programs[np.minimum(np.searchsorted(self.cum_shares, u, side="right"), len(self.programs) - 1)]

    def _service_s(self, program: np.ndarray, u: np.ndarray, columns: dict[int, np.ndarray]) -> None:
        """Write the primary service time at each group that may serve the stream into ``columns``
        (left NaN where the traveller's program is not served there), from the service quantiles ``u``.

        Groups with an equal distribution for a program share one evaluation, and distributions of one
        standard family (every lognormal) share the costly inverse (``ServiceDist.standard_ppf``)."""
        single = len(self.programs) == 1  # then every traveller has that program: no masks
        masks = {} if single else {int(p): program == p for p in self.programs}
        standard: dict[tuple[object, ...], np.ndarray] = {}
        values: dict[tuple[int, ServiceDist], np.ndarray] = {}
        for g, p, dist in self.services:
            if (p, dist) not in values:
                key = (p, *dist.standard)
                if key not in standard:
                    standard[key] = dist.standard_ppf(u if single else u[masks[p]])
                values[p, dist] = dist.from_standard(standard[key])
            if single:
                columns[g][:] = values[p, dist]
            else:
                columns[g][masks[p]] = values[p, dist]


class TravellerSource:
    """One replication's travellers, drawn window by window from named substreams of ``seed``.

    ``take(t_s)`` returns the travellers arriving before ``t_s`` not yet returned, sorted by
    arrival. Each stream's draws are sequential, so any split of the window gives the same
    travellers as drawing it whole."""

    def __init__(self, model: Model, seed: int, replication: int):
        self.model = model
        self._streams = [_Stream(model, i, seed, replication) for i in range(len(model.streams))]
        self._groups = [grp.index for grp in model.groups]

    def take(self, t_s: float) -> Travellers:
        """The travellers arriving before ``t_s`` not returned yet, sorted by arrival."""
        window = _Window([s.arrivals.until(t_s) for s in self._streams], self._groups)
        for s, rows in zip(self._streams, window.rows, strict=True):
            s.draw(window, rows)
        return window.sorted()


def sample_travellers(model: Model, seed: int, replication: int) -> Travellers:
    """All travellers of one replication, drawn from named substreams of ``seed``."""
    return TravellerSource(model, seed, replication).take(model.horizon_s)
