"""The scenario format: an inert, validated description of a port and its traffic.

Every model forbids unknown keys, so a typo is an error rather than a silently ignored
setting. Units are in the field names (``_s`` seconds, ``_h`` hours, ``_per_h`` per hour).
Named collections (streams, lane groups, secondary facilities) are mappings keyed by name,
so a what-if file that ``extends:`` a baseline can override one lane group by name.

Types are strict and numbers finite and bounded by what a port can be (the ``MAX_*`` and
``MIN_*`` constants below, stated in each field's description and in `poesim schema`): a
quoted number, ``true`` where a number belongs, ``.inf`` or ``.nan`` are errors, never
silently converted. The bounds are generous (the busiest stream of the shipped scenarios
peaks at about 1,700 arrivals per hour; the bound is 10,000), so they only stop values that
would hang a run, exhaust memory or describe no port at all.
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
    NonNegativeInt,
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

# --- bounds: what a port can be -------------------------------------------------------------

MAX_WINDOW_H = 366 * 24  # the simulated window: at most a leap year
MAX_DRAIN_H = 31 * 24  # serving those still in line after the window: at most a month
EARLIEST_START = dt.datetime(1900, 1, 1)
LATEST_START = dt.datetime(2200, 1, 1)
MAX_RATE_PER_H = 10_000.0  # arrivals per hour of one stream, after weekday and month factors
MAX_SCENARIO_RATE_PER_H = 30_000.0  # the peak hourly rates of all streams together
MAX_DAILY_VOLUME = 24 * MAX_RATE_PER_H
MAX_PROFILE_WEIGHT = 1e9  # relative weights: only their ratios matter
MAX_FACTOR = 10.0  # weekday and month factors
MAX_SERVICE_MEAN_S = 4 * 3600.0  # mean service time, primary or secondary: four hours
MAX_SERVICE_VALUE_S = 24 * 3600.0  # one observed service time (empirical): a day
MAX_EMPIRICAL_VALUES = 100_000
MAX_CV = 10.0
MAX_SERVICE_MULTIPLIER = 10.0  # service_by_hour
MAX_LANES = 200  # lanes of one lane group or lane pool
MAX_BOOTHS_PER_LANE = 10
MAX_POSITIONS = 500  # secondary inspection positions
MAX_OFFICERS = 2_000  # officers on primary duty in one roster
MAX_WAIT_MIN = 24 * 60.0  # reservation and access minutes, reaction delays: a day
MAX_THRESHOLD_MIN = 60.0 * (MAX_WINDOW_H + MAX_DRAIN_H)  # a policy's target waits: beyond it, 'never'
MIN_REVIEW_MIN = 1.0  # officers review their lanes at most once a minute
MIN_POSTING_INTERVAL_MIN = 1.0  # waits are posted at most once a minute
MAX_POSTING_INTERVAL_MIN = 60.0 * (MAX_WINDOW_H + MAX_DRAIN_H)
MAX_REPLICATIONS = 10_000
MAX_SEED = 2**63 - 1
MAX_UTILS = 100.0  # utility constants (choice_bias) and per-hour shift utilities, in absolute value
MAX_UTILS_PER_MIN = 10.0  # utility of one minute of posted wait or driving, in absolute value
MAX_USD = 1_000.0  # tolls; value of time per hour
MAX_PRIORITY = 100
MAX_IN_LINE = 1_000_000  # travellers one line may hold (window.max_in_line)
DEFAULT_MAX_IN_LINE = 20_000  # ~30 h of a busy lane group's service: beyond any line a real port has
MAX_NAMED = 200  # streams, lane groups, lane pools, rosters, secondary facilities, shares
MAX_NAME_CHARS = 64
MAX_TEXT_CHARS = 20_000  # name and description

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=MAX_NAME_CHARS)]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Rate = Annotated[float, Field(ge=0.0, le=MAX_RATE_PER_H)]
HourlyValues = Annotated[list[Rate], Field(min_length=24, max_length=24)]
Weight = Annotated[float, Field(ge=0.0, le=MAX_PROFILE_WEIGHT)]
HourlyWeights = Annotated[list[Weight], Field(min_length=24, max_length=24)]
Factor = Annotated[float, Field(ge=0.0, le=MAX_FACTOR)]
MeanServiceS = Annotated[
    float, Field(gt=0.0, le=MAX_SERVICE_MEAN_S,
                 description=f"mean service time in seconds, > 0 and at most {MAX_SERVICE_MEAN_S:g} (4 h)")]
Cv = Annotated[float, Field(gt=0.0, le=MAX_CV, description=f"coefficient of variation, > 0 and at most {MAX_CV:g}")]
Minutes = Annotated[float, Field(ge=0.0, le=MAX_WAIT_MIN)]
LaneCount = Annotated[int, Field(ge=0, le=MAX_LANES)]


class _Strict(BaseModel):
    # strict: no string, bool or float-with-a-fraction turned into a number; no inf or nan
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


# --- service-time distributions -------------------------------------------------------


class Exponential(_Strict):
    """Memoryless service: the M in M/M/c."""

    dist: Literal["exponential"] = Field(description="exponential: memoryless service times (the M in M/M/c)")
    mean_s: MeanServiceS


class Deterministic(_Strict):
    """Every service takes exactly ``mean_s``: the D in M/D/1."""

    dist: Literal["deterministic"] = Field(description="deterministic: every service takes exactly mean_s")
    mean_s: MeanServiceS


class LogNormal(_Strict):
    """Right-skewed service time given by its mean and coefficient of variation."""

    dist: Literal["lognormal"] = Field(description="lognormal: right-skewed service times given by mean_s and cv")
    mean_s: MeanServiceS
    cv: Cv


class Gamma(_Strict):
    """Gamma (Erlang when 1/cv² is an integer) service time by mean and coefficient of variation."""

    dist: Literal["gamma"] = Field(
        description="gamma: service times given by mean_s and cv (Erlang when 1/cv² is a whole number)")
    mean_s: MeanServiceS
    cv: Cv


class Empirical(_Strict):
    """Resample observed service times (inverse of the empirical CDF)."""

    dist: Literal["empirical"] = Field(description="empirical: resample the observed values_s")
    values_s: Annotated[
        list[Annotated[float, Field(ge=0.0, le=MAX_SERVICE_VALUE_S)]],
        Field(min_length=1, max_length=MAX_EMPIRICAL_VALUES,
              description=f"observed service times in seconds, each between 0 and {MAX_SERVICE_VALUE_S:g} (a day), "
                          f"at most {MAX_EMPIRICAL_VALUES} values"),
    ]

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

    rate_per_h: HourlyValues | None = Field(
        default=None, description=f"24 arrival rates per hour (00-23), each between 0 and {MAX_RATE_PER_H:g}")
    daily_volume: Annotated[float, Field(ge=0.0, le=MAX_DAILY_VOLUME)] | None = Field(
        default=None, description=f"arrivals per day, between 0 and {MAX_DAILY_VOLUME:g} (spread over profile)")
    profile: HourlyWeights | None = Field(
        default=None,
        description=f"24 relative weights (00-23), each between 0 and {MAX_PROFILE_WEIGHT:g}, at least one positive")

    @model_validator(mode="after")
    def _one_form(self) -> DayDemand:
        if self.rate_per_h is not None:
            if self.daily_volume is not None or self.profile is not None:
                raise ValueError("give either rate_per_h, or daily_volume with profile, not both")
        elif self.daily_volume is None or self.profile is None:
            raise ValueError("expected rate_per_h (24 values), or daily_volume together with profile (24 weights)")
        elif sum(self.profile) <= 0:
            raise ValueError("profile: expected at least one positive weight")
        peak = max(self.hourly_rates_per_h())
        if peak > MAX_RATE_PER_H:
            raise ValueError(f"daily_volume: its busiest hour would see {peak:.0f} arrivals, expected at most "
                             f"{MAX_RATE_PER_H:g} per hour (lower daily_volume or flatten profile)")
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

    weekday_factor: dict[Weekday, Factor] | None = Field(
        default=None, description=f"a factor for each of the seven days, between 0 and {MAX_FACTOR:g}")
    by_weekday: dict[Weekday, DayDemand] | None = Field(
        default=None,
        description="some weekdays' own day (mon..sun -> rate_per_h, or daily_volume with profile), used on those "
                    "days instead of the base day and not scaled by weekday_factor (month_factor still applies)")
    month_factor: dict[Month, Factor] | None = Field(
        default=None, description=f"a factor for each of the twelve months, between 0 and {MAX_FACTOR:g}; "
                                  f"with the weekday factor no hour may exceed {MAX_RATE_PER_H:g} arrivals")

    @model_validator(mode="after")
    def _all_days(self) -> Demand:
        if self.weekday_factor is not None and set(self.weekday_factor) != set(WEEKDAYS):
            missing = [d for d in WEEKDAYS if d not in self.weekday_factor]
            raise ValueError(f"weekday_factor: expected all seven days, missing {missing}")
        if self.month_factor is not None and set(self.month_factor) != set(MONTHS):
            missing_months = [m for m in MONTHS if m not in self.month_factor]
            raise ValueError(f"month_factor: expected all twelve months, missing {missing_months}")
        peak = self.peak_rate_per_h()
        if peak > MAX_RATE_PER_H:
            raise ValueError(f"weekday_factor, month_factor: with these factors the busiest hour sees {peak:.0f} "
                             f"arrivals, expected at most {MAX_RATE_PER_H:g} per hour")
        return self

    def peak_rate_per_h(self) -> float:
        """The highest hourly arrival rate on any weekday of any month."""
        peak = max(max(self.rates_for_weekday(d)) for d in WEEKDAYS)
        return peak * (max(self.month_factor.values()) if self.month_factor else 1.0)

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

    rule: Literal["shortest_expected_wait"] = Field(
        description="shortest_expected_wait: join the eligible lane group expected to clear primary soonest")


class FixedShares(_Strict):
    """Split travellers among groups in fixed proportions (keys are lane-group names)."""

    rule: Literal["fixed_shares"] = Field(description="fixed_shares: split travellers in fixed proportions")
    shares: Annotated[dict[Name, Probability], Field(max_length=MAX_NAMED)] = Field(
        description="lane-group name -> share of this stream's travellers (each 0 to 1, summing to 1); every group "
                    "named must accept the stream's mode and programs")

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

    rule: Literal["posted_wait_logit"] = Field(
        description="posted_wait_logit: drivers choose by a logit on posted waits, tolls, access times and biases")
    wait_utils_per_min: float = Field(
        default=-0.0625, lt=0, ge=-MAX_UTILS_PER_MIN,
        description="utility of one minute of posted wait (SANDAG SR11_OME_IG port_of_entry_choice.R: "
                    f"K_PORT_TIME = 2.5 × K_TRAVEL_TIME = -0.0625); below 0, at least -{MAX_UTILS_PER_MIN:g}")
    access_utils_per_min: float = Field(
        default=-0.025, le=0, ge=-MAX_UTILS_PER_MIN,
        description="utility of one minute of driving to a port (SANDAG K_TRAVEL_TIME = -0.025); "
                    f"between -{MAX_UTILS_PER_MIN:g} and 0")
    value_of_time_usd_per_h: float = Field(
        default=9.36, gt=0, le=MAX_USD,
        description="value of time for tolls (SANDAG vot_segmentation.csv, passenger general, HBO: 9.36); "
                    f"above 0, at most {MAX_USD:g}")
    access_min: Annotated[dict[Name, Minutes], Field(max_length=MAX_NAMED)] = Field(
        default_factory=dict,
        description="extra driving minutes from this stream's origins to each port (port name -> minutes, "
                    f"0 to {MAX_WAIT_MIN:g}); ports not listed: 0")
    give_up_above_min: Annotated[float, Field(gt=0, le=MAX_WAIT_MIN)] | None = Field(
        default=None,
        description="reservation wait: not crossing now is worth as much as crossing with this posted wait "
                    f"(drivers who give up leave without crossing and are counted apart); above 0, at most "
                    f"{MAX_WAIT_MIN:g} min")
    shift_h: NonNegativeInt = Field(
        default=0, le=6,
        description="departure-time shift: a driver may also come back 1..shift_h hours later, judging that hour by "
                    "the wait last posted at that clock hour (a day earlier: CBP publishes waits by hour; "
                    "the current one before any) and paying "
                    "shift_utils_per_h per hour; a driver shifts at most once and decides again on return (0: off)")
    shift_utils_per_h: float = Field(
        default=-3.0, lt=0, ge=-MAX_UTILS,
        description="utility of coming back one hour later (ASSUMPTION: twice an hour of driving, 2 x 60 x -0.025; "
                    "schedule-delay studies value late arrival at two to three times travel time); "
                    f"below 0, at least -{MAX_UTILS:g}")
    lane_by: Literal["line_seen", "posted_wait"] = Field(
        default="line_seen",
        description="line_seen: the logit picks the port (each port worth its best lane group for the driver), "
                    "and at the port the driver joins the lane group they expect to clear soonest from the lines "
                    "they see (shortest_expected_wait); posted_wait: the logit picks the lane group itself")


LaneChoice = Annotated[ShortestExpectedWait | FixedShares | PostedWaitLogit, Field(discriminator="rule")]


class Stream(_Strict):
    """One kind of traveller: a mode, its trusted-traveller program(s) and its demand."""

    mode: Mode = Field(description="vehicle (passenger vehicles), truck or pedestrian; travellers use lane groups "
                                   "and secondary facilities of this mode only")
    program: Program | None = Field(
        default=None,
        description="the one program every traveller of the stream holds (general, sentri, ready or fast); "
                    "give this or program_shares")
    program_shares: dict[Program, Probability] | None = Field(
        default=None,
        description="program -> share of the stream's travellers holding it (each 0 to 1, summing to 1); "
                    "give this or program")
    demand: Demand = Field(description="arrivals by hour of day (a non-homogeneous Poisson process), with weekday "
                                       "and month factors; multiplied by the scenario's demand_scale")
    referral_p: Probability = Field(
        default=0.0,
        description="probability that a traveller is referred from primary to the mode's secondary inspection "
                    "(0 to 1; above 0 needs a secondary facility for the mode)")
    lane_choice: LaneChoice = Field(
        default=ShortestExpectedWait(rule="shortest_expected_wait"),
        description="how an arriving traveller picks among the lane groups open to their program, chosen by its "
                    "rule: shortest_expected_wait (default), fixed_shares or posted_wait_logit")

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
    f"expected a whole number of lanes (0 to {MAX_LANES}), a list of 24 whole numbers (lanes open in each hour "
    "of the day), or a list of steps like {at: '05:00', lanes: 4} starting at '00:00'"
)
OFFICERS_HELP = (
    f"expected a whole number of officers (0 to {MAX_OFFICERS}), a list of 24 whole numbers (officers on primary "
    "duty in each hour of the day), or a list of steps like {at: '05:00', officers: 12} starting at '00:00'"
)


def short_repr(x: Any, limit: int = 60) -> str:
    """``repr`` of a value cut to ``limit`` characters (messages never echo a whole file)."""
    text = repr(x)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _parse_steps(value: Any, key: str, help_text: str, most: int) -> tuple[tuple[int, int], ...]:
    """Normalise a daily step schedule (one number, 24 hourly numbers, or ``{at, <key>}`` steps)
    to ``((minute_of_day, count), ...)`` starting at minute 0; every count a whole number in 0..``most``."""

    def whole(x: Any) -> int:
        if isinstance(x, bool) or not isinstance(x, int) or not 0 <= x <= most:
            raise ValueError(f"{help_text}; got {short_repr(x)}")
        return x

    if isinstance(value, tuple) and all(isinstance(s, tuple) for s in value):
        return value  # already normalised (re-validation of a frozen model)
    if isinstance(value, int) and not isinstance(value, bool):
        return ((0, whole(value)),)
    if not isinstance(value, list) or not value or len(value) > 24 * 60:
        raise ValueError(f"{help_text}; got {short_repr(value)}")
    if all(not isinstance(v, dict) for v in value):
        if len(value) != 24:
            raise ValueError(f"schedule does not cover the day: {help_text}; got {len(value)} values")
        return tuple((60 * h, whole(v)) for h, v in enumerate(value))
    steps: list[tuple[int, int]] = []
    for s in value:
        if not isinstance(s, dict) or set(s) != {"at", key}:
            raise ValueError(f"{help_text}; got {short_repr(s)}")
        m = _HHMM.match(s["at"]) if isinstance(s["at"], str) else None
        if not m:
            raise ValueError(f"step time: expected 'HH:MM' between 00:00 and 23:59 (quoted), got {short_repr(s['at'])}")
        steps.append((60 * int(m.group(1)) + int(m.group(2)), whole(s[key])))
    if steps[0][0] != 0:
        raise ValueError("schedule does not cover the day: the first step must be at '00:00'")
    if any(b[0] <= a[0] for a, b in pairwise(steps)):
        raise ValueError("schedule steps: expected times in increasing order")
    return tuple(steps)


def _parse_lanes_open(value: Any) -> tuple[tuple[int, int], ...]:
    """Normalise every accepted form of ``lanes_open`` to steps ``((minute_of_day, lanes), ...)``."""
    return _parse_steps(value, "lanes", LANES_OPEN_HELP, MAX_LANES)


def _steps_json_schema(key: str, most: int) -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0, "maximum": most}
    return {
        "anyOf": [
            count,
            {"type": "array", "items": count, "minItems": 24, "maxItems": 24},
            {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "at": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"},
                        key: count,
                    },
                    "required": ["at", key],
                    "additionalProperties": False,
                },
            },
        ],
    }


LanesOpen = Annotated[Any, Field(json_schema_extra=_steps_json_schema("lanes", MAX_LANES))]
OfficersOnDuty = Annotated[
    Any, Field(json_schema_extra=_steps_json_schema("officers", MAX_OFFICERS))]


class Roster(_Strict):
    """Officers on primary duty by time of day: the staff that lane groups ``staffed_by`` this
    roster share. One officer staffs one booth (a stacked lane of k booths needs k officers), so
    the groups' lane policies together never open more booths than officers on duty. When the
    roster falls (a shift ends), the lanes whose lines are shortest for their target close first."""

    officers: OfficersOnDuty = Field(
        description=f"officers on primary duty, repeated every day: one number (0 to {MAX_OFFICERS}), 24 numbers "
                    "(one per clock hour) or steps like {at: '05:00', officers: 12} starting at '00:00'")
    keep_staffed: bool = Field(
        default=False,
        description="True: officers on duty never stand idle while a lane of their groups is free and has a line: a "
                    "group with travellers waiting opens a lane whenever enough officers are free and no other line is "
                    "longer for its band, whatever its wait, "
                    "and a lane closes for a short line (below its lower target) only when another group of the "
                    "roster has a line that is not short and room to open, so its officers move there rather than "
                    "idle. This reads a roster of observed open booths as "
                    "booths that were open. False: SANDAG's bands alone (open above the upper target, close below the "
                    "lower one), so officers on duty may stand idle",
    )
    description: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] = Field(
        default="", description=f"free text: where the roster comes from (at most {MAX_TEXT_CHARS} characters)")

    @field_validator("officers", mode="before")
    @classmethod
    def _steps(cls, v: Any) -> Any:
        return _parse_steps(v, "officers", OFFICERS_HELP, MAX_OFFICERS)


class LanePolicy(_Strict):
    """Officers open and close lanes to hold a target wait (SANDAG's min/max target waits):
    every ``review_min`` they estimate the wait of a traveller joining the line now (travellers
    in line × seconds per traveller of a busy lane ÷ open lanes); above ``high_wait_min`` they open one more lane,
    below ``low_wait_min`` they close one, always within [``min_lanes``, ``max_lanes``]. A
    decision takes effect ``reaction_min`` later; no new decision is taken meanwhile."""

    low_wait_min: float = Field(
        ge=0, le=MAX_THRESHOLD_MIN,
        description=f"close a lane below this estimated wait (0 to {MAX_THRESHOLD_MIN:g} min, longer than any run)")
    high_wait_min: float = Field(
        gt=0, le=MAX_THRESHOLD_MIN,
        description=f"open a lane above this estimated wait (above 0, at most {MAX_THRESHOLD_MIN:g} min, longer "
                    "than any run: a value that high means never)")
    min_lanes: LaneCount = Field(description=f"lanes kept open (0 to {MAX_LANES})")
    max_lanes: Annotated[int, Field(gt=0, le=MAX_LANES)] = Field(
        description=f"most lanes the policy opens (1 to {MAX_LANES}, at most the group's lanes)")
    review_min: float = Field(
        default=5.0, ge=MIN_REVIEW_MIN, le=MAX_WAIT_MIN,
        description=f"minutes between reviews of the line ({MIN_REVIEW_MIN:g} to {MAX_WAIT_MIN:g})")
    reaction_min: Minutes = Field(
        default=10.0, description=f"minutes from a decision to the lane opening or closing (0 to {MAX_WAIT_MIN:g})")
    closed_hours: Annotated[list[Annotated[int, Field(ge=0, le=23)]], Field(max_length=24)] = Field(
        default_factory=list,
        description="Clock hours (0-23) in which the lane type is closed (hours of operation, e.g. SENTRI at Otay "
                    "Mesa 04:00-24:00): from the start of such an hour no driver joins it and its lanes close as soon "
                    "as its line is empty; min_lanes holds again from the next open hour",
    )
    priority: int = Field(
        default=0, ge=0, le=MAX_PRIORITY,
        description="When groups share a lane pool or a roster, a group of higher priority takes lanes or officers "
                    "from lower-priority groups whatever their lines, and never gives them to them (SANDAG updates "
                    f"SENTRI lanes first and preserves them when General and Ready compete); 0 to {MAX_PRIORITY}",
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

    mode: Mode = Field(description="vehicle, truck or pedestrian: the travellers this group serves")
    programs: Annotated[list[Program], Field(min_length=1, max_length=4)] = Field(
        description="programs whose travellers may use the group (1 to 4 of general, sentri, ready, fast; each once)")
    lanes: int = Field(gt=0, le=MAX_LANES, description=f"physical lanes (1 to {MAX_LANES})")
    booths_per_lane: int = Field(
        default=1, gt=0, le=MAX_BOOTHS_PER_LANE, description=f"stacked booths per lane (1 to {MAX_BOOTHS_PER_LANE})")
    discipline: Literal["shared", "per_lane"] = Field(
        default="shared",
        description="shared: one first-come-first-served line feeds every open lane; per_lane: each lane has its own "
                    "line and arrivals join the lane with the fewest travellers")
    lanes_open: LanesOpen = Field(
        default=None,
        description=f"lanes open, repeated every day: one number (0 to {MAX_LANES}), 24 numbers (one per clock "
                    "hour) or steps like {at: '05:00', lanes: 4} starting at '00:00'; at most lanes; default: all "
                    "lanes open; not with policy")
    policy: LanePolicy | None = Field(
        default=None, description="lanes follow the line instead of a schedule (officers' target waits); not with "
                                  "lanes_open")
    service: dict[Program, ServiceTime] = Field(
        description="primary inspection time by program (program -> distribution, chosen by dist), one for every "
                    "program the group accepts")
    pool: Name | None = Field(
        default=None,
        description="A lane pool (scenario-level lane_pools) whose physical lanes this group shares with other "
                    "policy groups: its policy opens a lane only while the pool has one free",
    )
    service_by_hour: list[Annotated[float, Field(gt=0, le=MAX_SERVICE_MULTIPLIER)]] | None = Field(
        default=None, min_length=24, max_length=24,
        description="24 multipliers on the service time, by clock hour in which service starts (00-23); "
                    "e.g. SANDAG's hourly processing rates relative to their daily mean; each above 0, at most "
                    f"{MAX_SERVICE_MULTIPLIER:g}",
    )
    staffed_by: Name | None = Field(
        default=None,
        description="A roster (scenario-level staffing) whose officers staff this group's booths: its policy "
                    "opens a lane only while k officers are free (k = booths_per_lane)",
    )
    port: Name = Field(default="port", description="The port this group belongs to (region scenarios hold several)")
    toll_usd: float = Field(
        default=0.0, ge=0, le=MAX_USD,
        description=f"Toll to use this group (posted_wait_logit lane choice); 0 to {MAX_USD:g}")
    choice_bias: float = Field(
        default=0.0, ge=-MAX_UTILS, le=MAX_UTILS,
        description="Utility constant of this group in posted_wait_logit lane choice (SANDAG's "
                    f"port_choice_bias_constant, port_configurations.csv); -{MAX_UTILS:g} to {MAX_UTILS:g}",
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

    mode: Mode = Field(description="vehicle, truck or pedestrian: referred travellers of this mode come here")
    positions: int = Field(gt=0, le=MAX_POSITIONS, description=f"parallel positions (1 to {MAX_POSITIONS})")
    service: ServiceTime = Field(description="secondary inspection time (a distribution, chosen by dist)")


class Window(_Strict):
    """The simulated period. Travellers arriving during warm-up are simulated but not counted;
    after the window closes, those still in line are served for up to ``drain_h`` hours."""

    start: dt.datetime = Field(
        strict=False,  # parsed from 'YYYY-MM-DDTHH:MM' text or a YAML date; _start_form refuses numbers
        description=f"first instant of the window, 'YYYY-MM-DDTHH:MM', between {EARLIEST_START:%Y-%m-%d} and "
                    f"{LATEST_START:%Y-%m-%d}")
    duration_h: float = Field(
        gt=0, le=MAX_WINDOW_H, description=f"hours simulated, above 0, at most {MAX_WINDOW_H} (a leap year)")
    warmup_h: float = Field(
        default=0.0, ge=0, le=MAX_WINDOW_H, description="hours at the start not counted (less than duration_h)")
    drain_h: float = Field(
        default=24.0, ge=0, le=MAX_DRAIN_H,
        description=f"hours after the window in which those still in line are served (0 to {MAX_DRAIN_H})")
    max_in_line: int = Field(
        default=DEFAULT_MAX_IN_LINE, ge=1, le=MAX_IN_LINE,
        description="most travellers one lane group's lines (or one secondary facility's line) hold in the "
                    "simulation; an arrival that finds them full is set aside: counted as unserved (n_unserved, "
                    "waiting until the run ends) but not simulated, so an overloaded run keeps bounded memory. The "
                    "default, about a day of a busy lane group's service, is beyond any real port's line, so it only "
                    f"acts on runs that are already flagged as overloaded (1 to {MAX_IN_LINE:,})")

    @field_validator("start", mode="before")
    @classmethod
    def _start_form(cls, v: Any) -> Any:
        if isinstance(v, dt.date):  # a datetime, or a YAML date (midnight)
            return v
        if isinstance(v, str) and re.match(r"^\d{4}-\d{2}-\d{2}([T ]|$)", v):
            return v
        raise ValueError(f"expected a date and time like '2017-03-07T00:00', got {short_repr(v)}")

    @field_validator("start")
    @classmethod
    def _start_range(cls, v: dt.datetime) -> dt.datetime:
        if not EARLIEST_START <= v.replace(tzinfo=None) < LATEST_START:
            raise ValueError(f"expected a start between {EARLIEST_START:%Y-%m-%d} and {LATEST_START:%Y-%m-%d}, "
                             f"got {v:%Y-%m-%d}")
        return v

    @model_validator(mode="after")
    def _warmup_inside(self) -> Window:
        if self.warmup_h >= self.duration_h:
            raise ValueError(f"warmup_h: expected less than duration_h={self.duration_h}, got {self.warmup_h}")
        return self


class Scenario(_Strict):
    """A port, its traffic and how long to simulate it."""

    name: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] = Field(
        description=f"the scenario's name in tables, plots and comparisons (at most {MAX_TEXT_CHARS} characters)")
    description: Annotated[str, Field(max_length=MAX_TEXT_CHARS)] = Field(
        default="", description=f"free text: what the scenario assumes (at most {MAX_TEXT_CHARS} characters)")
    extends: Annotated[str, Field(max_length=4096)] | None = Field(
        default=None,
        description="Parent scenario file (relative to this one; a .yaml file in the same scenario tree); "
                    "this file overrides it."
    )
    window: Window = Field(description="the simulated period: start, duration, warm-up not counted, drain")
    replications: int = Field(
        default=10, gt=0, le=MAX_REPLICATIONS,
        description=f"independent replications by default (--reps overrides), 1 to {MAX_REPLICATIONS}")
    seed: int = Field(default=1, ge=0, le=MAX_SEED, description=f"root random seed, 0 to {MAX_SEED}")
    streams: Annotated[dict[Name, Stream], Field(min_length=1, max_length=MAX_NAMED)] = Field(
        description=f"traveller streams by name (1 to {MAX_NAMED}); their peak hourly rates add up to at most "
                    f"{MAX_SCENARIO_RATE_PER_H:g}")
    demand_scale: float = Field(
        default=1.0, gt=0, le=MAX_FACTOR,
        description="multiplies every stream's arrival rate in every hour (e.g. 1.1 for 10 % more demand); above 0, "
                    f"at most {MAX_FACTOR:g}; the scaled busiest hour of a stream may see at most "
                    f"{MAX_RATE_PER_H:g} arrivals")
    lane_groups: Annotated[dict[Name, LaneGroup], Field(min_length=1, max_length=MAX_NAMED)] = Field(
        description=f"primary-inspection lane groups by name (1 to {MAX_NAMED})")
    lane_pools: Annotated[dict[Name, Annotated[int, Field(gt=0, le=MAX_LANES)]], Field(max_length=MAX_NAMED)] = Field(
        default_factory=dict,
        description="Physical lanes shared by several lane groups with a policy (name -> lanes), e.g. 13 lanes "
                    f"that officers assign to General, Ready or SENTRI as the lines require; 1 to {MAX_LANES}",
    )
    secondary: Annotated[dict[Name, SecondaryFacility], Field(max_length=MAX_NAMED)] = Field(
        default_factory=dict,
        description="secondary inspection facilities by name, at most one per mode (travellers referred with "
                    "referral_p go there)")
    staffing: Annotated[dict[Name, Roster], Field(max_length=MAX_NAMED)] = Field(
        default_factory=dict,
        description="Officers on primary duty (roster name -> officers by time of day); lane groups with a "
                    "policy join one with staffed_by",
    )
    posting_interval_min: float = Field(
        default=60.0, ge=MIN_POSTING_INTERVAL_MIN, le=MAX_POSTING_INTERVAL_MIN,
        description="How often each lane group's wait is posted (CBP's feed: about hourly); posted_wait_logit "
                    f"drivers decide on the last posted value; {MIN_POSTING_INTERVAL_MIN:g} to "
                    f"{MAX_POSTING_INTERVAL_MIN:g} min (longer than any window and drain: nothing is ever posted)",
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
        for name, s in self.streams.items():
            peak = s.demand.peak_rate_per_h() * self.demand_scale
            if self.demand_scale != 1.0 and peak > MAX_RATE_PER_H:
                problems.append(f"demand_scale: with it the busiest hour of streams.{name} sees {peak:.0f} arrivals, "
                                f"expected at most {MAX_RATE_PER_H:g} per hour")
        total = self.demand_scale * sum(s.demand.peak_rate_per_h() for s in self.streams.values())
        if total > MAX_SCENARIO_RATE_PER_H:
            problems.append(f"streams: their peak hourly rates add up to {total:.0f} arrivals per hour, expected at "
                            f"most {MAX_SCENARIO_RATE_PER_H:g} (more than any port of entry sees)")
        if problems:
            raise ValueError("\n".join(problems))
        return self
