"""The runtime model: a scenario compiled to seconds, indices and samplers.

The scenario (``sim.scenario``) is what a user writes; the model is what the engine needs —
arrival rates for each hour of the simulated window, each lane group's opening schedule as
change times in seconds, and service-time samplers. It holds no random state.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from sim.distributions import ServiceDist, from_spec
from sim.scenario.schema import MONTHS, WEEKDAYS, Demand, FixedShares, PostedWaitLogit, Scenario

PROGRAMS: tuple[str, ...] = ("general", "sentri", "ready", "fast")


@dataclass(frozen=True)
class StreamModel:
    """A traveller stream: who they are, when they come and which groups may serve them."""

    name: str
    mode: str
    programs: tuple[int, ...]  # program indices into PROGRAMS
    program_cum_shares: tuple[float, ...]  # cumulative shares, same order as ``programs``
    rate_per_s: np.ndarray  # arrival rate in each hour of the window (last may be partial)
    referral_p: float
    eligible: dict[int, tuple[int, ...]]  # program index -> eligible group indices, in listed order
    fixed_shares: tuple[tuple[int, float], ...] | None  # (group index, cumulative share) or None
    logit: LogitModel | None = None  # posted-wait logit lane choice, or None


@dataclass(frozen=True)
class LogitModel:
    """Posted-wait logit choice of one stream (see ``schema.PostedWaitLogit``), compiled: the
    fixed part of each group's utility and the utility of one second of posted wait."""

    wait_utils_per_s: float
    fixed_utils: dict[int, float]  # group index -> bias + access time + toll cost
    give_up_utils: float | None  # utility of not crossing now, or None (no such alternative)
    lane_by_line_seen: bool = True  # the logit picks the port; the lane group at the port by the lines seen
    shift_h: int = 0  # a driver may come back 1..shift_h hours later (0: no departure-time shift)
    shift_utils_per_h: float = -3.0


@dataclass(frozen=True)
class PolicyModel:
    """A lane-opening policy in seconds (see ``schema.LanePolicy``)."""

    low_wait_s: float
    high_wait_s: float
    min_lanes: int
    max_lanes: int
    review_s: float
    reaction_s: float
    priority: int = 0
    closed_hours: frozenset[int] = frozenset()


@dataclass(frozen=True)
class GroupModel:
    """A lane group: its lanes, stacked booths, discipline, schedule and service times."""

    name: str
    index: int
    mode: str
    lanes: int
    booths_per_lane: int
    per_lane: bool
    schedule: tuple[tuple[float, int], ...]  # (time_s, lanes open from then), first at 0
    service: dict[int, ServiceDist]  # program index -> distribution
    policy: PolicyModel | None = None  # lanes follow the line instead of the schedule after t = 0
    service_by_hour: tuple[float, ...] | None = None  # service-time multiplier by clock hour of service start
    pool: int | None = None  # index into Model.pool_lanes
    roster: int | None = None  # index into Model.rosters: officers who staff this group's booths
    port: str = "port"


@dataclass(frozen=True)
class RosterModel:
    """Officers on primary duty: (time_s, officers) steps since the window start, first at 0."""

    name: str
    schedule: tuple[tuple[float, int], ...]
    keep_staffed: bool = False  # officers staff any free lane with a line; no lane closes for a short line


@dataclass(frozen=True)
class SecondaryModel:
    name: str
    mode: str
    positions: int
    service: ServiceDist


@dataclass(frozen=True)
class Model:
    """Everything the engine needs for one scenario, independent of the replication."""

    name: str
    start: dt.datetime
    horizon_s: float
    warmup_s: float
    drain_s: float
    streams: tuple[StreamModel, ...]
    groups: tuple[GroupModel, ...]
    secondary: dict[str, SecondaryModel]  # mode -> facility
    pool_lanes: tuple[int, ...] = ()  # lanes of each shared lane pool (GroupModel.pool indexes it)
    rosters: tuple[RosterModel, ...] = ()  # officers on duty (GroupModel.roster indexes it)
    posting_interval_s: float = 3600.0  # how often lane groups' waits are posted
    max_in_line: int = 20_000  # travellers one lane group's lines (or a secondary's) hold; beyond: set aside

    @property
    def expected_travellers(self) -> float:
        """Mean number of arrivals in the window (all streams): what a run's memory scales with."""
        return sum(float(s.rate_per_s.sum()) * 3600.0 for s in self.streams)


def _window_rates_per_s(scenario: Scenario, demand: Demand) -> np.ndarray:
    """Arrival rate in each (possibly partial) hour of the window, by clock hour and weekday, times the
    scenario's ``demand_scale``."""
    w = scenario.window
    scale = scenario.demand_scale
    by_day = {d: demand.rates_for_weekday(d) for d in WEEKDAYS}
    months = demand.month_factor
    rates = np.empty(math.ceil(w.duration_h))
    for k in range(len(rates)):
        t = w.start + dt.timedelta(hours=k)
        factor = months[MONTHS[t.month - 1]] if months else 1.0
        rates[k] = by_day[WEEKDAYS[t.weekday()]][t.hour] * factor * scale / 3600.0
    return rates


def _schedule_seconds(
    steps: tuple[tuple[int, int], ...], start: dt.datetime, until_s: float
) -> tuple[tuple[float, int], ...]:
    """Expand a daily step schedule (minute of day, lanes) to change times since the window start."""
    offset_s = start.hour * 3600 + start.minute * 60 + start.second
    out: list[tuple[float, int]] = []
    current = [n for m, n in steps if m * 60 <= offset_s][-1]
    out.append((0.0, current))
    day = 0
    while True:
        for minute, lanes in steps:
            t = day * 86400 + minute * 60 - offset_s
            if t <= 0:
                continue
            if t >= until_s:
                return tuple(out)
            if lanes != out[-1][1]:
                out.append((float(t), lanes))
        day += 1


def build_model(scenario: Scenario) -> Model:
    """Compile a validated scenario into the engine's model."""
    w = scenario.window
    horizon_s = w.duration_h * 3600.0
    drain_s = w.drain_h * 3600.0
    group_names = list(scenario.lane_groups)
    groups = tuple(
        GroupModel(
            name=name,
            index=i,
            mode=g.mode,
            lanes=g.lanes,
            booths_per_lane=g.booths_per_lane,
            per_lane=g.discipline == "per_lane",
            schedule=_schedule_seconds(g.lanes_open, w.start, horizon_s + drain_s),
            service={PROGRAMS.index(p): from_spec(d) for p, d in g.service.items()},
            policy=None if g.policy is None else PolicyModel(
                low_wait_s=60.0 * g.policy.low_wait_min, high_wait_s=60.0 * g.policy.high_wait_min,
                min_lanes=g.policy.min_lanes, max_lanes=g.policy.max_lanes,
                review_s=60.0 * g.policy.review_min, reaction_s=60.0 * g.policy.reaction_min,
                priority=g.policy.priority,
                closed_hours=frozenset(g.policy.closed_hours),
            ),
            service_by_hour=None if g.service_by_hour is None else tuple(g.service_by_hour),
            pool=None if g.pool is None else list(scenario.lane_pools).index(g.pool),
            roster=None if g.staffed_by is None else list(scenario.staffing).index(g.staffed_by),
            port=g.port,
        )
        for i, (name, g) in enumerate(scenario.lane_groups.items())
    )
    streams = []
    for name, s in scenario.streams.items():
        progs = s.programs()
        shares = [1.0] if s.program_shares is None else [s.program_shares[p] for p in progs]
        cum = tuple(np.cumsum(shares) / sum(shares))
        eligible = {
            PROGRAMS.index(p): tuple(g.index for g in groups if g.mode == s.mode and PROGRAMS.index(p) in g.service)
            for p in progs
        }
        fixed = None
        if isinstance(s.lane_choice, FixedShares):
            items = [(group_names.index(g), v) for g, v in s.lane_choice.shares.items() if v > 0]
            c = np.cumsum([v for _, v in items])
            fixed = tuple((gi, float(x / c[-1])) for (gi, _), x in zip(items, c, strict=True))
        logit = None
        if isinstance(s.lane_choice, PostedWaitLogit):
            lc = s.lane_choice
            usd_utils = -lc.wait_utils_per_min * 60.0 / lc.value_of_time_usd_per_h  # utils lost per dollar
            fixed_utils = {
                g.index: scenario.lane_groups[g.name].choice_bias
                + lc.access_utils_per_min * lc.access_min.get(g.port, 0.0)
                - usd_utils * scenario.lane_groups[g.name].toll_usd
                for g in groups if g.mode == s.mode
            }
            logit = LogitModel(
                wait_utils_per_s=lc.wait_utils_per_min / 60.0,
                fixed_utils=fixed_utils,
                give_up_utils=None if lc.give_up_above_min is None else lc.wait_utils_per_min * lc.give_up_above_min,
                lane_by_line_seen=lc.lane_by == "line_seen",
                shift_h=lc.shift_h,
                shift_utils_per_h=lc.shift_utils_per_h,
            )
        streams.append(
            StreamModel(
                name=name,
                mode=s.mode,
                programs=tuple(PROGRAMS.index(p) for p in progs),
                program_cum_shares=cum,
                rate_per_s=_window_rates_per_s(scenario, s.demand),
                referral_p=s.referral_p,
                eligible=eligible,
                fixed_shares=fixed,
                logit=logit,
            )
        )
    secondary: dict[str, SecondaryModel] = {
        f.mode: SecondaryModel(name=n, mode=f.mode, positions=f.positions, service=from_spec(f.service))
        for n, f in scenario.secondary.items()
    }
    return Model(
        name=scenario.name,
        start=w.start,
        horizon_s=horizon_s,
        warmup_s=w.warmup_h * 3600.0,
        drain_s=drain_s,
        streams=tuple(streams),
        groups=groups,
        secondary=secondary,
        pool_lanes=tuple(scenario.lane_pools.values()),
        rosters=tuple(
            RosterModel(name=n, schedule=_schedule_seconds(r.officers, w.start, horizon_s + drain_s),
                        keep_staffed=r.keep_staffed)
            for n, r in scenario.staffing.items()
        ),
        posting_interval_s=60.0 * scenario.posting_interval_min,
        max_in_line=w.max_in_line,
    )
