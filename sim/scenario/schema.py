"""The scenario format: an inert, validated description of a port and its traffic.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored
setting. Units are in the field names (``_s`` seconds, ``_h`` hours, ``_per_h`` per hour).
Named collections (streams, lane groups, secondary facilities) are mappings keyed by name,
so a what-if file that ``extends:`` a baseline can override one lane group by name.
"""

from __future__ import annotations

import datetime as dt
import re
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    StringConstraints,
    field_validator,
    model_validator,
)

Mode = Literal["vehicle", "truck", "pedestrian"]
Program = Literal["general", "sentri", "ready", "fast"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Month = Literal["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
MONTHS: tuple[Month, ...] = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
HourlyValues = Annotated[list[NonNegativeFloat], Field(min_length=24, max_length=24)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --- service-time distributions -------------------------------------------------------


class Exponential(_Strict):
    """Memoryless service: the M in M/M/c."""

    dist: Literal["exponential"]
    mean_s: PositiveFloat


class Deterministic(_Strict):
    """Every service takes exactly ``mean_s``: the D in M/D/1."""

    dist: Literal["deterministic"]
    mean_s: PositiveFloat


class LogNormal(_Strict):
    """Right-skewed service time given by its mean and coefficient of variation."""

    dist: Literal["lognormal"]
    mean_s: PositiveFloat
    cv: PositiveFloat


class Gamma(_Strict):
    """Gamma (Erlang when 1/cv² is an integer) service time by mean and coefficient of variation."""

    dist: Literal["gamma"]
    mean_s: PositiveFloat
    cv: PositiveFloat


class Empirical(_Strict):
    """Resample observed service times (inverse of the empirical CDF)."""

    dist: Literal["empirical"]
    values_s: Annotated[list[NonNegativeFloat], Field(min_length=1)]

    @field_validator("values_s")
    @classmethod
    def _not_all_zero(cls, v: list[float]) -> list[float]:
        if sum(v) <= 0:
            raise ValueError("expected at least one positive service time")
        return v


ServiceTime = Annotated[
    Exponential | Deterministic | LogNormal | Gamma | Empirical, Field(discriminator="dist")
]


# --- demand ---------------------------------------------------------------------------


class DayDemand(_Strict):
    """One day's arrival intensity by hour: ``rate_per_h`` (24 values), or a ``daily_volume``
    spread over a 24-value ``profile`` of relative weights."""

    rate_per_h: HourlyValues | None = None
    daily_volume: NonNegativeFloat | None = None
    profile: HourlyValues | None = None

    @model_validator(mode="after")
    def _one_form(self) -> DayDemand:
        if self.rate_per_h is not None:
            if self.daily_volume is not None or self.profile is not None:
                raise ValueError("give either rate_per_h, or daily_volume with profile, not both")
        elif self.daily_volume is None or self.profile is None:
            raise ValueError("expected rate_per_h (24 values), or daily_volume together with profile (24 weights)")
        elif sum(self.profile) <= 0:
            raise ValueError("profile: expected at least one positive weight")
        return self

    def hourly_rates_per_h(self) -> list[float]:
        """The 24 hourly arrival rates of this day."""
        if self.rate_per_h is not None:
            return list(self.rate_per_h)
        assert self.daily_volume is not None and self.profile is not None  # the other form (_one_form)
        total = sum(self.profile)
        return [self.daily_volume * w / total for w in self.profile]


class Demand(DayDemand):
    """Arrivals by hour of day, as a non-homogeneous Poisson process: the demand calendar.
    The base day (``rate_per_h`` or ``daily_volume`` + ``profile``) is scaled per weekday by
    ``weekday_factor`` (all seven days, if given); ``by_weekday`` gives some days their own
    hourly pattern instead (e.g. a Sunday-afternoon peak), not scaled by the weekday factor.
    ``month_factor`` (all twelve months, if given) scales every day of a month (seasonality)."""

    weekday_factor: dict[Weekday, NonNegativeFloat] | None = None
    by_weekday: dict[Weekday, DayDemand] | None = None
    month_factor: dict[Month, NonNegativeFloat] | None = None

    @model_validator(mode="after")
    def _all_days(self) -> Demand:
        if self.weekday_factor is not None and set(self.weekday_factor) != set(WEEKDAYS):
            missing = [d for d in WEEKDAYS if d not in self.weekday_factor]
            raise ValueError(f"weekday_factor: expected all seven days, missing {missing}")
        if self.month_factor is not None and set(self.month_factor) != set(MONTHS):
            missing_months = [m for m in MONTHS if m not in self.month_factor]
            raise ValueError(f"month_factor: expected all twelve months, missing {missing_months}")
        return self

    def rates_for_weekday(self, day: Weekday) -> list[float]:
        """The 24 hourly rates (per hour) on a given weekday ('mon' … 'sun')."""
        if self.by_weekday and day in self.by_weekday:
            return self.by_weekday[day].hourly_rates_per_h()
        factor = self.weekday_factor[day] if self.weekday_factor else 1.0
        return [r * factor for r in self.hourly_rates_per_h()]


# --- lane choice strategies -----------------------------------------------------------


class ShortestExpectedWait(_Strict):
    """Join the eligible group where the traveller expects to clear primary soonest: expected
    wait (line ahead × mean service time ÷ open booths, zero if a booth is free) plus their own
    mean service time there; ties go to the group listed first."""

    rule: Literal["shortest_expected_wait"]


class FixedShares(_Strict):
    """Split travellers among groups in fixed proportions (keys are lane-group names)."""

    rule: Literal["fixed_shares"]
    shares: dict[Name, NonNegativeFloat]

    @field_validator("shares")
    @classmethod
    def _sum_to_one(cls, v: dict[str, float]) -> dict[str, float]:
        if abs(sum(v.values()) - 1.0) > 1e-6:
            raise ValueError(f"expected shares summing to 1, got {sum(v.values()):.6g}")
        return v


class PostedWaitLogit(_Strict):
    """Drivers choose among the lane groups (of every port) open to their program by a
    multinomial logit on the waits *posted* at the moment they decide (CBP posts about hourly;
    the scenario's ``posting_interval_min``), never on waits still to come. Utility of group g:
    ``choice_bias`` of g + ``wait_utils_per_min`` × posted wait + ``access_utils_per_min`` ×
    ``access_min`` of g's port − cost per $ × ``toll_usd`` of g, with the cost of a dollar
    = −``wait_utils_per_min`` × 60 / ``value_of_time_usd_per_h`` (SANDAG's port choice model).
    With ``give_up_above_min`` a driver may also not cross now: that alternative is worth what
    a crossing with that posted wait (and no toll, bias or access time) is worth. By default
    (``lane_by: line_seen``) the logit chooses the port, each port worth its best lane group for
    the driver, and the lane group at the port is chosen from the lines in sight."""

    rule: Literal["posted_wait_logit"]
    wait_utils_per_min: float = Field(
        default=-0.0625, lt=0,
        description="utility of one minute of posted wait (SANDAG SR11_OME_IG port_of_entry_choice.R: "
                    "K_PORT_TIME = 2.5 × K_TRAVEL_TIME = -0.0625)")
    access_utils_per_min: float = Field(
        default=-0.025, le=0,
        description="utility of one minute of driving to a port (SANDAG K_TRAVEL_TIME = -0.025)")
    value_of_time_usd_per_h: PositiveFloat = Field(
        default=9.36, description="value of time for tolls (SANDAG vot_segmentation.csv, passenger general, HBO: 9.36)")
    access_min: dict[Name, NonNegativeFloat] = Field(
        default_factory=dict,
        description="extra driving minutes from this stream's origins to each port (port name -> minutes); "
                    "ports not listed: 0")
    give_up_above_min: PositiveFloat | None = Field(
        default=None,
        description="reservation wait: not crossing now is worth as much as crossing with this posted wait "
                    "(drivers who give up leave without crossing and are counted apart)")
    shift_h: NonNegativeInt = Field(
        default=0, le=6,
        description="departure-time shift: a driver may also come back 1..shift_h hours later, judging that hour by "
                    "the wait last posted at that clock hour (a day earlier: CBP publishes waits by hour; "
                    "the current one before any) and paying "
                    "shift_utils_per_h per hour; a driver shifts at most once and decides again on return (0: off)")
    shift_utils_per_h: float = Field(
        default=-3.0, lt=0,
        description="utility of coming back one hour later (ASSUMPTION: twice an hour of driving, 2 x 60 x -0.025; "
                    "schedule-delay studies value late arrival at two to three times travel time)")
    lane_by: Literal["line_seen", "posted_wait"] = Field(
        default="line_seen",
        description="line_seen: the logit picks the port (each port worth its best lane group for the driver), "
                    "and at the port the driver joins the lane group they expect to clear soonest from the lines "
                    "they see (shortest_expected_wait); posted_wait: the logit picks the lane group itself")


LaneChoice = Annotated[ShortestExpectedWait | FixedShares | PostedWaitLogit, Field(discriminator="rule")]


class Stream(_Strict):
    """One kind of traveller: a mode, its trusted-traveller program(s) and its demand."""

    mode: Mode
    program: Program | None = None
    program_shares: dict[Program, Probability] | None = None
    demand: Demand
    referral_p: Probability = 0.0
    lane_choice: LaneChoice = ShortestExpectedWait(rule="shortest_expected_wait")

    @model_validator(mode="after")
    def _one_program_form(self) -> Stream:
        if (self.program is None) == (self.program_shares is None):
            raise ValueError("expected exactly one of program (a single program) or program_shares")
        if self.program_shares is not None and abs(sum(self.program_shares.values()) - 1.0) > 1e-6:
            raise ValueError("program_shares: expected shares summing to 1")
        return self

    def programs(self) -> list[Program]:
        """Programs this stream's travellers hold (with positive share)."""
        if self.program is not None:
            return [self.program]
        assert self.program_shares is not None  # exactly one of the two is given (_one_program_form)
        return [p for p, s in self.program_shares.items() if s > 0]


# --- opening schedules ----------------------------------------------------------------

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
LANES_OPEN_HELP = (
    "expected a whole number of lanes, a list of 24 whole numbers (lanes open in each hour "
    "of the day), or a list of steps like {at: '05:00', lanes: 4} starting at '00:00'"
)
OFFICERS_HELP = (
    "expected a whole number of officers, a list of 24 whole numbers (officers on primary duty in each "
    "hour of the day), or a list of steps like {at: '05:00', officers: 12} starting at '00:00'"
)


def _parse_steps(value: Any, key: str, help_text: str) -> tuple[tuple[int, int], ...]:
    """Normalise a daily step schedule (one number, 24 hourly numbers, or ``{at, <key>}`` steps)
    to ``((minute_of_day, count), ...)`` starting at minute 0."""

    def whole(x: Any) -> int:
        if isinstance(x, bool) or not isinstance(x, int) or x < 0:
            raise ValueError(f"{help_text}; got {x!r}")
        return x

    if isinstance(value, tuple) and all(isinstance(s, tuple) for s in value):
        return value  # already normalised (re-validation of a frozen model)
    if isinstance(value, int) and not isinstance(value, bool):
        return ((0, whole(value)),)
    if not isinstance(value, list) or not value:
        raise ValueError(f"{help_text}; got {value!r}")
    if all(not isinstance(v, dict) for v in value):
        if len(value) != 24:
            raise ValueError(f"schedule does not cover the day: {help_text}; got {len(value)} values")
        return tuple((60 * h, whole(v)) for h, v in enumerate(value))
    steps: list[tuple[int, int]] = []
    for s in value:
        if not isinstance(s, dict) or set(s) != {"at", key}:
            raise ValueError(f"{help_text}; got {s!r}")
        m = _HHMM.match(str(s["at"]))
        if not m:
            raise ValueError(f"step time: expected 'HH:MM' between 00:00 and 23:59, got {s['at']!r}")
        steps.append((60 * int(m.group(1)) + int(m.group(2)), whole(s[key])))
    if steps[0][0] != 0:
        raise ValueError("schedule does not cover the day: the first step must be at '00:00'")
    if any(b[0] <= a[0] for a, b in pairwise(steps)):
        raise ValueError("schedule steps: expected times in increasing order")
    return tuple(steps)


def _parse_lanes_open(value: Any) -> tuple[tuple[int, int], ...]:
    """Normalise every accepted form of ``lanes_open`` to steps ``((minute_of_day, lanes), ...)``."""
    return _parse_steps(value, "lanes", LANES_OPEN_HELP)


def _steps_json_schema(key: str, help_text: str) -> dict[str, Any]:
    return {
        "description": help_text,
        "anyOf": [
            {"type": "integer", "minimum": 0},
            {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 24, "maxItems": 24},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "at": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                        key: {"type": "integer", "minimum": 0},
                    },
                    "required": ["at", key],
                    "additionalProperties": False,
                },
            },
        ],
    }


LanesOpen = Annotated[Any, Field(json_schema_extra=_steps_json_schema("lanes", LANES_OPEN_HELP))]
OfficersOnDuty = Annotated[Any, Field(json_schema_extra=_steps_json_schema("officers", OFFICERS_HELP))]


class Roster(_Strict):
    """Officers on primary duty by time of day: the staff that lane groups ``staffed_by`` this
    roster share. One officer staffs one booth (a stacked lane of k booths needs k officers), so
    the groups' lane policies together never open more booths than officers on duty. When the
    roster falls (a shift ends), the lanes whose lines are shortest for their target close first."""

    officers: OfficersOnDuty
    keep_staffed: bool = Field(
        default=False,
        description="True: officers on duty never stand idle while a lane of their groups is free and has a line: a "
                    "group with travellers waiting opens a lane whenever enough officers are free, whatever its wait, "
                    "and no lane closes for a short line (lanes close only to move their officers to a line above its "
                    "target, at a roster drop or at closing time). This reads a roster of observed open booths as "
                    "booths that were open. False: SANDAG's bands alone (open above the upper target, close below the "
                    "lower one), so officers on duty may stand idle",
    )
    description: str = ""

    @field_validator("officers", mode="before")
    @classmethod
    def _steps(cls, v: Any) -> Any:
        return _parse_steps(v, "officers", OFFICERS_HELP)


class LanePolicy(_Strict):
    """Officers open and close lanes to hold a target wait (SANDAG's min/max target waits):
    every ``review_min`` they estimate the wait of a traveller joining the line now (travellers
    in line × seconds per traveller of a busy lane ÷ open lanes); above ``high_wait_min`` they open one more lane,
    below ``low_wait_min`` they close one, always within [``min_lanes``, ``max_lanes``]. A
    decision takes effect ``reaction_min`` later; no new decision is taken meanwhile."""

    low_wait_min: NonNegativeFloat
    high_wait_min: PositiveFloat
    min_lanes: NonNegativeInt
    max_lanes: PositiveInt
    review_min: PositiveFloat = 5.0
    reaction_min: NonNegativeFloat = 10.0
    closed_hours: list[Annotated[int, Field(ge=0, le=23)]] = Field(
        default_factory=list,
        description="Clock hours (0-23) in which the lane type is closed (hours of operation, e.g. SENTRI at Otay "
                    "Mesa 04:00-24:00): from the start of such an hour no driver joins it and its lanes close as soon "
                    "as its line is empty; min_lanes holds again from the next open hour",
    )
    priority: NonNegativeInt = Field(
        default=0,
        description="When groups share a lane pool or a roster, a group of higher priority takes lanes or officers "
                    "from lower-priority groups whatever their lines, and never gives them to them (SANDAG updates "
                    "SENTRI lanes first and preserves them when General and Ready compete)",
    )

    @model_validator(mode="after")
    def _ordered(self) -> LanePolicy:
        if self.low_wait_min >= self.high_wait_min:
            raise ValueError(f"expected low_wait_min < high_wait_min, got {self.low_wait_min} and {self.high_wait_min}")
        if self.min_lanes > self.max_lanes:
            raise ValueError(f"expected min_lanes ≤ max_lanes, got {self.min_lanes} and {self.max_lanes}")
        return self


class LaneGroup(_Strict):
    """A set of identical primary-inspection lanes sharing eligibility rules and a schedule.

    ``booths_per_lane`` > 1 means stacked booths: the lane admits that many vehicles at once,
    inspects them side by side, and takes the next platoon when the last one has finished
    (vehicles cannot overtake). ``discipline`` is ``shared`` (one line feeds every open booth)
    or ``per_lane`` (each lane has its own line; arrivals join the shortest).
    """

    mode: Mode
    programs: Annotated[list[Program], Field(min_length=1)]
    lanes: PositiveInt
    booths_per_lane: PositiveInt = 1
    discipline: Literal["shared", "per_lane"] = "shared"
    lanes_open: LanesOpen = None
    policy: LanePolicy | None = None
    service: dict[Program, ServiceTime]
    pool: Name | None = Field(
        default=None,
        description="A lane pool (scenario-level lane_pools) whose physical lanes this group shares with other "
                    "policy groups: its policy opens a lane only while the pool has one free",
    )
    service_by_hour: list[PositiveFloat] | None = Field(
        default=None, min_length=24, max_length=24,
        description="24 multipliers on the service time, by clock hour in which service starts (00-23); "
                    "e.g. SANDAG's hourly processing rates relative to their daily mean",
    )
    staffed_by: Name | None = Field(
        default=None,
        description="A roster (scenario-level staffing) whose officers staff this group's booths: its policy "
                    "opens a lane only while k officers are free (k = booths_per_lane)",
    )
    port: Name = Field(default="port", description="The port this group belongs to (region scenarios hold several)")
    toll_usd: NonNegativeFloat = Field(
        default=0.0, description="Toll to use this group (posted_wait_logit lane choice)")
    choice_bias: float = Field(
        default=0.0,
        description="Utility constant of this group in posted_wait_logit lane choice (SANDAG's "
                    "port_choice_bias_constant, port_configurations.csv)",
    )

    @field_validator("programs")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise ValueError("expected each program at most once")
        return v

    @field_validator("lanes_open", mode="before")
    @classmethod
    def _schedule(cls, v: Any) -> Any:
        return None if v is None else _parse_lanes_open(v)

    @model_validator(mode="after")
    def _consistent(self) -> LaneGroup:
        if self.policy is not None:
            if self.lanes_open is not None:
                raise ValueError(
                    "give either lanes_open (a fixed schedule) or policy (lanes follow the line), not both")
            if self.policy.max_lanes > self.lanes:
                raise ValueError(f"policy.max_lanes: expected at most lanes={self.lanes}, got {self.policy.max_lanes}")
            object.__setattr__(self, "lanes_open", ((0, self.policy.min_lanes),))  # the starting state
        if self.lanes_open is None:
            object.__setattr__(self, "lanes_open", ((0, self.lanes),))
        too_many = [n for _, n in self.lanes_open if n > self.lanes]
        if too_many:
            raise ValueError(f"lanes_open: expected at most lanes={self.lanes} open, got {max(too_many)}")
        missing = [p for p in self.programs if p not in self.service]
        if missing:
            raise ValueError(f"service: expected a service time for every accepted program, missing {missing}")
        extra = [p for p in self.service if p not in self.programs]
        if extra:
            raise ValueError(f"service: programs {extra} are not accepted by this group (programs: {self.programs})")
        return self


class SecondaryFacility(_Strict):
    """Secondary inspection for one mode: ``positions`` parallel positions, one FCFS line."""

    mode: Mode
    positions: PositiveInt
    service: ServiceTime


class Window(_Strict):
    """The simulated period. Travellers arriving during warm-up are simulated but not counted;
    after the window closes, those still in line are served for up to ``drain_h`` hours."""

    start: dt.datetime
    duration_h: PositiveFloat
    warmup_h: NonNegativeFloat = 0.0
    drain_h: NonNegativeFloat = 24.0

    @model_validator(mode="after")
    def _warmup_inside(self) -> Window:
        if self.warmup_h >= self.duration_h:
            raise ValueError(f"warmup_h: expected less than duration_h={self.duration_h}, got {self.warmup_h}")
        return self


class Scenario(_Strict):
    """A port, its traffic and how long to simulate it."""

    name: str
    description: str = ""
    extends: str | None = Field(
        default=None, description="Parent scenario file (relative to this one); this file overrides it."
    )
    window: Window
    replications: PositiveInt = 10
    seed: NonNegativeInt = 1
    streams: Annotated[dict[Name, Stream], Field(min_length=1)]
    lane_groups: Annotated[dict[Name, LaneGroup], Field(min_length=1)]
    lane_pools: dict[Name, PositiveInt] = Field(
        default_factory=dict,
        description="Physical lanes shared by several lane groups with a policy (name -> lanes), e.g. 13 lanes "
                    "that officers assign to General, Ready or SENTRI as the lines require",
    )
    secondary: dict[Name, SecondaryFacility] = Field(default_factory=dict)
    staffing: dict[Name, Roster] = Field(
        default_factory=dict,
        description="Officers on primary duty (roster name -> officers by time of day); lane groups with a "
                    "policy join one with staffed_by",
    )
    posting_interval_min: PositiveFloat = Field(
        default=60.0,
        description="How often each lane group's wait is posted (CBP's feed: about hourly); posted_wait_logit "
                    "drivers decide on the last posted value",
    )

    def _shared_resource_problems(
        self, field: str, noun: str, declared: dict, section: str, policy_only: str
    ) -> list[str]:
        """Lane groups naming a shared resource (a roster, a lane pool) that is not declared, or
        that only policy groups can share."""
        out = []
        for gname, g in self.lane_groups.items():
            ref = getattr(g, field)
            if ref is None:
                continue
            if ref not in declared:
                out.append(f"lane_groups.{gname}.{field}: unknown {noun} {ref!r}; expected one of "
                           f"{sorted(declared)} (declared under {section}:)")
            elif g.policy is None:
                out.append(f"lane_groups.{gname}.{field}: {policy_only}")
        return out

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        problems = self._shared_resource_problems(
            "staffed_by", "roster", self.staffing, "staffing",
            "only a group with a policy can be staffed from a roster (the policy decides which booths the officers "
            "on duty open)")
        for rname in self.staffing:
            if not any(g.staffed_by == rname for g in self.lane_groups.values()):
                problems.append(f"staffing.{rname}: no lane group is staffed_by this roster")
        problems += self._shared_resource_problems(
            "pool", "lane pool", self.lane_pools, "lane_pools",
            "only a group with a policy can share a lane pool (a fixed schedule would not ask the pool for lanes)")
        for pname, size in self.lane_pools.items():
            floor = sum(g.policy.min_lanes for g in self.lane_groups.values()
                        if g.pool == pname and g.policy is not None)
            if floor > size:
                problems.append(f"lane_pools.{pname}: the members' policy.min_lanes add up to {floor}, "
                                f"more than the pool's {size} lanes")
        sec_modes = [f.mode for f in self.secondary.values()]
        for mode in set(sec_modes):
            if sec_modes.count(mode) > 1:
                problems.append(f"secondary: expected at most one facility for mode {mode!r}")
        for name, s in self.streams.items():
            for prog in s.programs():
                if not [g for g in self.lane_groups.values() if g.mode == s.mode and prog in g.programs]:
                    problems.append(
                        f"streams.{name}: no {s.mode} lane group accepts program {prog!r}; "
                        "expected a lane group with that mode listing it under programs"
                    )
            if isinstance(s.lane_choice, FixedShares):
                for gname in s.lane_choice.shares:
                    g = self.lane_groups.get(gname)
                    if g is None:
                        problems.append(
                            f"streams.{name}.lane_choice.shares: unknown lane group {gname!r}; "
                            f"expected one of {sorted(self.lane_groups)}"
                        )
                    elif g.mode != s.mode or not set(s.programs()) <= set(g.programs):
                        problems.append(
                            f"streams.{name}.lane_choice.shares: lane group {gname!r} does not accept "
                            f"this stream's {s.mode} travellers with programs {s.programs()}"
                        )
            if isinstance(s.lane_choice, PostedWaitLogit):
                ports = {g.port for g in self.lane_groups.values()}
                for port in s.lane_choice.access_min:
                    if port not in ports:
                        problems.append(f"streams.{name}.lane_choice.access_min: unknown port {port!r}; "
                                        f"expected one of {sorted(ports)} (lane groups' port:)")
            if s.referral_p > 0 and s.mode not in sec_modes:
                problems.append(
                    f"streams.{name}.referral_p: travellers are referred to secondary but no secondary "
                    f"facility serves mode {s.mode!r}; expected one under secondary:"
                )
        if problems:
            raise ValueError("\n".join(problems))
        return self
