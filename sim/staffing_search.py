"""Staffing optimiser: the fewest officer-hours by clock hour that meet wait targets.

``poesim staff SCENARIO --target "om_pov_general: mean <= 60 min"`` searches the hourly values
(24 per roster) of the rosters that staff the targeted lane groups.

**Targets.** ``[LANE_GROUPS] [HH-HH]: STATISTIC <= LIMIT [min|h]``: STATISTIC is ``mean``,
``p50`` (``median``), ``p90``, ``p95`` or ``max`` of the wait; LANE_GROUPS a lane group name or a
glob pattern over the names (``om_pov_*``, ``*general``; default: every group the searched
rosters staff); HH-HH the clock hours it applies in (end exclusive; default all day). A target
holds in every clock hour of arrival (``per="hour"``) or every hour band (``per="band"``, bands
wholly inside HH-HH) in which the group served anyone.

**Confidence.** A cell (lane group × hour or band × statistic) meets its target when the
one-sided upper ``confidence`` bound (Student t over replications) of its per-replication
statistic is within the limit: ``mean + t(confidence, n−1)·sd/√n ≤ limit`` (95 % by default).
The statement is per cell; cells where fewer than two replications saw a traveller are reported,
not judged. The search holds cells to a stricter level on its own replications
(``search_confidence``, 99 %) so that what it finds keeps the 95 % claim on fresh ones (step 4).

**Method: simulation optimisation under common random numbers (sample-average approximation).**
Every candidate roster is run with the same seed and replication numbers, so the search sees the
same travellers in every candidate and compares rosters without noise between them; on those
replications the problem is a deterministic integer program (24 integers per roster; a check
costs a whole simulated day, since an officer removed in hour h also acts on later hours through
the backlog and on the drivers' choices through the posted waits). Exhaustive search is out of
reach and the constraints are local in time, so:

1. *Feasible start*: from the scenario's roster, while some cell misses its target add officers
   in its hour (1 to 3, by how far it misses; at the roster's capacity, the booths its groups can
   open, in the next hour, then the one before). A cell still missing at capacity, or whose bound
   did not fall after two additions in its hours (shorter waits draw drivers from the other port),
   is set aside: not a constraint of the search, but judged and reported in the fresh check.
2. *Batch greedy removal*: remove one officer from every hour not yet frozen, all at once, and
   evaluate the day. If every cell holds, keep it; otherwise freeze the hours blamed for the
   failing cells (the cell's own hour if it was reduced, else the next hour, which serves its
   long waits, else the latest earlier reduced hour, whose backlog it inherits) and try again
   without them. This takes about as many evaluations as officers come off an hour, not as
   officers come off in total.
3. *Local search*: single-hour removals (hours with the most slack first), then exchanges (one
   more officer in hour h, one fewer in each of h+1 and h+2: the earlier officer clears a backlog).
   A move that failed is not tried again while the roster is nowhere above what it was then
   (waits do not fall when officers are removed). It stops when a pass finds nothing, or at
   the evaluation budget.
4. *Fresh check*: the search selects rosters that pass on its own replications, so it is biased
   towards lucky ones: a cell it leaves just within a 95 % bound has about even odds of a bound
   above the target on fresh replications, and a roster has several such cells. Hence the
   search's 99 % bound (with 10 replications it is about one standard error stricter); the roster
   found is re-run on fresh replications (another seed, twice as many) with the baseline roster
   on the same replications, and judged at 95 %. Cells missing the target there get one more
   officer and the roster is checked again on new replications (``repair_rounds``).

Pure functions (``parse_target``, ``judge``, ``upper_bound``, roster helpers) are separate from
the search driver; ``sim.staffing_report`` writes the results.
"""

from __future__ import annotations

import copy
import fnmatch
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim import runner
from sim import statistics as st
from sim.errors import PoesimError
from sim.executors import Executor, executor_scope
from sim.results import RunResult
from sim.scenario import LoadedScenario, scenario_from_dict
from sim.scenario.schema import MAX_REPLICATIONS, MAX_SEED

STATISTICS = {"mean": "mean_wait_min", "p50": "p50_wait_min", "median": "p50_wait_min",
              "p90": "p90_wait_min", "p95": "p95_wait_min", "max": "max_wait_min"}
UNITS = {"": 1.0, "m": 1.0, "min": 1.0, "mins": 1.0, "minute": 1.0, "minutes": 1.0,
         "h": 60.0, "hr": 60.0, "hour": 60.0, "hours": 60.0, "s": 1 / 60.0, "sec": 1 / 60.0}
PER = ("hour", "band")
MAX_EVALUATIONS = 10_000  # candidate rosters one search may simulate
MAX_REPAIR_ROUNDS = 20
TARGET_HELP = ("expected [LANE_GROUP] [HH-HH]: STATISTIC <= LIMIT [min|h], e.g. 'p95 <= 30 min', "
               "'om_pov_general: mean <= 60 min' or 'om_pov_sentri 04-23: mean <= 25 min'; STATISTIC is one of "
               "mean, p50, p90, p95, max")
_HOURS = re.compile(r"^(\d{1,2})-(\d{1,2})$")
_TARGET = re.compile(
    r"^\s*(?:(?P<groups>[^:]+?)\s*:\s*)?(?P<stat>[A-Za-z]+\d*)\s*(?P<op><=|≤|<)\s*"
    r"(?P<value>[0-9]*\.?[0-9]+)\s*(?P<unit>[A-Za-z]*)\s*$")

Rosters = dict[str, tuple[int, ...]]  # roster name -> officers in each clock hour 00-23


@dataclass(frozen=True)
class Target:
    """One wait target: ``statistic`` (a WAIT_METRICS column) of the groups matching ``groups``
    (None: every searched group) at most ``limit_min`` minutes, in the clock hours ``hours``
    (None: all day)."""

    text: str
    groups: str | None
    statistic: str
    limit_min: float
    hours: frozenset[int] | None = None


@dataclass(frozen=True)
class Constraint:
    """A target applied to one lane group."""

    lane_group: str
    statistic: str
    limit_min: float
    target: str
    hours: frozenset[int] | None = None  # clock hours the target applies in (None: all)

    def applies(self, time_label: str) -> bool:
        """Whether the target covers a cell: an hour in ``hours``, a band all of whose hours are."""
        return self.hours is None or set(cell_hours(time_label)) <= self.hours


def parse_target(text: str) -> Target:
    """``"om_pov_general: p90 <= 60 min"`` → Target; a clear error naming ``--target`` otherwise."""
    m = _TARGET.match(text or "")
    if not m:
        raise PoesimError(f"--target {text!r}: {TARGET_HELP}")
    stat = m["stat"].lower()
    if stat not in STATISTICS:
        raise PoesimError(f"--target {text!r}: unknown statistic {m['stat']!r}; {TARGET_HELP}")
    unit = m["unit"].lower()
    if unit not in UNITS:
        raise PoesimError(f"--target {text!r}: unknown unit {m['unit']!r}; expected min (default) or h")
    limit = float(m["value"]) * UNITS[unit]
    if limit <= 0:
        raise PoesimError(f"--target {text!r}: expected a limit above 0 min (no roster makes every wait zero)")
    prefix = m["groups"].split() if m["groups"] else []
    hours = None
    if prefix and (h := _HOURS.match(prefix[-1])):
        a, b = int(h[1]), int(h[2])
        if not 0 <= a < b <= 24:
            raise PoesimError(f"--target {text!r}: hours {prefix[-1]!r}: expected HH-HH with 00 <= start < end <= 24 "
                              "(end exclusive, e.g. 04-23 for 04:00 to 23:00)")
        hours = frozenset(range(a, b))
        prefix = prefix[:-1]
    if len(prefix) > 1:
        raise PoesimError(f"--target {text!r}: {' '.join(prefix)!r} is not one lane group or pattern; {TARGET_HELP}")
    groups = prefix[0] if prefix else None
    return Target(text=text.strip(), groups=groups, statistic=STATISTICS[stat], limit_min=limit, hours=hours)


def upper_bound(values: Sequence[float] | np.ndarray, confidence: float) -> tuple[float, float, int]:
    """(mean, one-sided upper ``confidence`` Student-t bound, n) of independent replications'
    values, NaNs left out; fewer than two values give an upper bound of NaN."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    n = len(v)
    if n == 0:
        return np.nan, np.nan, 0
    mean = float(v.mean())
    if n < 2:
        return mean, np.nan, 1
    return mean, mean + float(stats.t.ppf(confidence, n - 1) * v.std(ddof=1) / np.sqrt(n)), n


CELL_COLUMNS = ["lane_group", "time", "statistic", "limit_min", "target", "replications", "estimate", "upper", "met",
                "status"]


def judge(per_rep: pd.DataFrame, constraints: Sequence[Constraint], confidence: float) -> pd.DataFrame:
    """Every constraint in every hour (or band) of a per-replication wait table (``by_hour`` or
    ``by_band``, all programs): its estimate, upper bound and whether it is met. ``status`` is
    ``met``, ``missed`` or ``too few`` (under two replications saw a traveller: not judged)."""
    rows: list[dict[str, Any]] = []
    if per_rep.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    d = per_rep[(per_rep["program"] == st.ALL) & (per_rep["hour"] != st.ALL)]
    for c in constraints:
        dg = d[d["lane_group"] == c.lane_group]
        for time_label, values in dg.groupby("hour", sort=True)[c.statistic]:
            if not c.applies(str(time_label)):
                continue
            est, ub, n = upper_bound(values.to_numpy(), confidence)
            status = "too few" if n < 2 else ("met" if ub <= c.limit_min else "missed")
            rows.append({"lane_group": c.lane_group, "time": str(time_label), "statistic": c.statistic,
                         "limit_min": c.limit_min, "target": c.target, "replications": n, "estimate": est,
                         "upper": ub, "met": status != "missed", "status": status})
    return pd.DataFrame(rows, columns=CELL_COLUMNS)


def cell_hours(time_label: str) -> list[int]:
    """Clock hours of a cell's time label: '07' → [7]; '06-10' → [6, 7, 8, 9]."""
    if "-" in time_label:
        for name, lo, hi in st.HOUR_BANDS:
            if name == time_label:
                return list(range(lo, hi))
        raise ValueError(f"unknown hour band {time_label!r}")
    return [int(time_label)]


# --- rosters ---------------------------------------------------------------------------------


def hourly(steps: Sequence[tuple[int, int]]) -> tuple[int, ...]:
    """A roster's (minute of day, officers) steps as 24 hourly values: the most officers on duty
    at any time in each clock hour (exact for hourly rosters, an upper bound otherwise)."""
    out = []
    for h in range(24):
        lo, hi = 60 * h, 60 * (h + 1)
        active = [n for i, (m, n) in enumerate(steps)
                  if m < hi and (i + 1 == len(steps) or steps[i + 1][0] > lo)]
        out.append(max(active))
    return tuple(out)


def officer_hours(steps: Sequence[tuple[int, int]]) -> np.ndarray:
    """Officer-hours on duty in each clock hour of a (minute of day, officers) step roster."""
    out = np.zeros(24)
    ends = [m for m, _ in steps[1:]] + [1440]
    for (m0, n), m1 in zip(steps, ends, strict=True):
        for h in range(24):
            overlap = min(m1, 60 * (h + 1)) - max(m0, 60 * h)
            if overlap > 0:
                out[h] += n * overlap / 60.0
    return out


def total(rosters: Rosters) -> int:
    return int(sum(sum(v) for v in rosters.values()))


def with_rosters(loaded: LoadedScenario, rosters: Rosters, name: str | None = None) -> LoadedScenario:
    """The scenario with the given rosters' hourly officers (every other field unchanged)."""
    doc = copy.deepcopy(loaded.resolved)
    for r, values in rosters.items():
        doc["staffing"][r]["officers"] = [int(v) for v in values]
    if name:
        doc["name"] = name
    return scenario_from_dict(doc, name=f"{loaded.path} [staffing search]")


def _key(rosters: Rosters) -> tuple:
    return tuple(sorted(rosters.items()))


def shifted(rosters: Rosters, moves: dict[tuple[str, int], int]) -> Rosters:
    out = {r: list(v) for r, v in rosters.items()}
    for (r, h), dv in moves.items():
        out[r][h] += dv
    return {r: tuple(v) for r, v in out.items()}


def _at_most(a: Rosters, b: Rosters) -> bool:
    return all(x <= y for r in a for x, y in zip(a[r], b[r], strict=True))


# --- the problem -----------------------------------------------------------------------------


@dataclass
class Problem:
    """What is searched: the scenario, its constraints per lane group, the rosters changed and
    their limits."""

    loaded: LoadedScenario
    targets: list[Target]
    constraints: list[Constraint]
    per: str
    rosters: list[str]  # searched rosters
    group_roster: dict[str, str | None]  # lane group -> roster staffing it
    baseline: Rosters  # hourly view of the searched rosters
    baseline_officer_hours: dict[str, np.ndarray]  # exact officer-hours by clock hour
    capacity: dict[str, int]  # booths the groups staffed by a roster can open at most

    @property
    def table(self) -> str:
        return "by_hour" if self.per == "hour" else "by_band"


def make_problem(loaded: LoadedScenario, targets: Sequence[str | Target], per: str = "hour",
                 rosters: Sequence[str] | None = None) -> Problem:
    """Check targets, lane groups and rosters against the scenario; errors name the option."""
    sc = loaded.scenario
    if per not in PER:
        raise PoesimError(f"--per {per!r}: expected one of {', '.join(PER)}")
    if not sc.staffing:
        raise PoesimError(f"{loaded.path}: the scenario has no officer roster (staffing:) to search; "
                          "poesim staff changes the officers of a roster that lane groups are staffed_by")
    parsed = [t if isinstance(t, Target) else parse_target(t) for t in targets]
    if not parsed:
        raise PoesimError("--target: expected at least one wait target, e.g. --target 'p95 <= 30 min'")
    for r in rosters or ():
        if r not in sc.staffing:
            raise PoesimError(f"--roster {r!r}: no roster of that name; expected one of {sorted(sc.staffing)}")
    group_roster = {g: lg.staffed_by for g, lg in sc.lane_groups.items()}
    rostered = [g for g, r in group_roster.items() if r is not None and (not rosters or r in rosters)]
    constraints: list[Constraint] = []
    for t in parsed:
        if t.groups is None:
            matched = rostered
        else:
            matched = [g for g in sc.lane_groups if fnmatch.fnmatchcase(g, t.groups)]
            if not matched:
                raise PoesimError(f"--target {t.text!r}: no lane group matches {t.groups!r}; "
                                  f"expected one of {list(sc.lane_groups)} (or a pattern such as 'om_pov_*')")
        unstaffed = [g for g in matched if group_roster[g] is None]
        if unstaffed:
            raise PoesimError(f"--target {t.text!r}: lane group(s) {unstaffed} have no officer roster (staffed_by), "
                              "so their waits do not depend on officers on duty; target groups staffed by one of "
                              f"{sorted(sc.staffing)}")
        if not matched:
            raise PoesimError(f"--target {t.text!r}: no lane group is staffed by --roster {list(rosters or [])}")
        constraints += [Constraint(g, t.statistic, t.limit_min, t.text, t.hours) for g in matched]
    searched: list[str] = list(rosters) if rosters else list(dict.fromkeys(
        name for c in constraints if (name := group_roster[c.lane_group]) is not None))
    capacity = {r: sum(lg.policy.max_lanes * lg.booths_per_lane for lg in sc.lane_groups.values()
                       if lg.staffed_by == r and lg.policy is not None) for r in searched}
    return Problem(
        loaded=loaded, targets=parsed, constraints=constraints, per=per, rosters=searched, group_roster=group_roster,
        baseline={r: hourly(sc.staffing[r].officers) for r in searched},
        baseline_officer_hours={r: officer_hours(sc.staffing[r].officers) for r in searched},
        capacity=capacity,
    )


# --- evaluations -----------------------------------------------------------------------------


@dataclass
class Evaluation:
    """One roster run on one set of replications, and its cells judged."""

    number: int
    rosters: Rosters
    seed: int
    replications: int
    cells: pd.DataFrame
    result: RunResult | None = None  # kept for the fresh checks only

    def failing(self, excluded: Iterable[tuple[str, str, str]] = ()) -> pd.DataFrame:
        c = self.cells
        bad = c[c["status"] == "missed"]
        skip = set(excluded)
        if skip:
            keys = list(zip(bad["lane_group"], bad["time"], bad["statistic"], strict=True))
            bad = bad[[k not in skip for k in keys]]
        return bad

    def feasible(self, excluded: Iterable[tuple[str, str, str]] = ()) -> bool:
        return self.failing(excluded).empty


@dataclass
class Step:
    """One line of the search trace."""

    evaluation: int
    phase: str
    move: str
    officer_hours: int
    feasible: bool
    missed: int
    accepted: bool
    seconds: float


@dataclass
class StaffingResult:
    """The search's outcome, its fresh check, and how it got there."""

    problem: Problem
    found: Rosters
    search_seed: int
    search_replications: int
    confidence: float  # of the claim, judged on fresh replications
    search_confidence: float  # the stricter level the search holds cells to on its own replications
    max_evaluations: int
    evaluations: int  # simulated on the search replications
    stop_reason: str
    excluded: dict[tuple[str, str, str], str]  # (lane group, time, statistic) set aside -> why
    trace: list[Step]
    check: Evaluation  # the found roster on fresh replications
    check_baseline: Evaluation  # the baseline roster on the same fresh replications
    repairs: list[dict[str, Any]] = field(default_factory=list)  # fresh checks that failed and what was added
    runtime_s: float = 0.0

    @property
    def met(self) -> bool:
        return self.check.feasible()

    def officer_hours_table(self) -> pd.DataFrame:
        """Officer-hours by roster and clock hour: the baseline's (exact) and the roster found."""
        rows = []
        for r in self.problem.rosters:
            base = self.problem.baseline_officer_hours[r]
            for h in range(24):
                rows.append({"roster": r, "hour": f"{h:02d}", "baseline": float(base[h]),
                             "found": float(self.found[r][h]), "change": float(self.found[r][h] - base[h])})
            rows.append({"roster": r, "hour": st.ALL, "baseline": float(base.sum()),
                         "found": float(sum(self.found[r])), "change": float(sum(self.found[r]) - base.sum())})
        return pd.DataFrame(rows)


class Evaluator:
    """Runs rosters with common random numbers (same seed and replication numbers for every
    candidate) and judges their cells; remembers what it ran."""

    def __init__(self, problem: Problem, replications: int, seed: int, confidence: float, executor: Executor,
                 progress: Callable[[int], None] | None = None):
        self.problem, self.replications, self.seed, self.confidence = problem, replications, seed, confidence
        self.executor, self.progress = executor, progress
        self.cache: dict[tuple, Evaluation] = {}
        self.count = 0

    def run(self, rosters: Rosters, seed: int | None = None, replications: int | None = None,
            keep: bool = False, confidence: float | None = None) -> Evaluation:
        seed = self.seed if seed is None else seed
        reps = self.replications if replications is None else replications
        confidence = self.confidence if confidence is None else confidence
        key = (_key(rosters), seed, reps, confidence)
        if key in self.cache and (not keep or self.cache[key].result is not None):
            return self.cache[key]
        scenario = with_rosters(self.problem.loaded, rosters)
        result = runner.run(scenario, reps, seed, executor=self.executor, progress=self.progress)
        cells = judge(result.per_replication(self.problem.table), self.problem.constraints, confidence)
        if seed == self.seed and reps == self.replications:
            self.count += 1
        ev = Evaluation(self.count, rosters, seed, reps, cells, result if keep else None)
        self.cache[key] = ev
        return ev


def _slack(cells: pd.DataFrame, hours: Iterable[int]) -> float:
    """The tightest cell (upper bound ÷ limit) among cells in the given clock hours (lower = more slack)."""
    want = set(hours)
    c = cells[cells["status"] == "met"]
    if c.empty:
        return 0.0
    inside = [bool(want & set(cell_hours(t))) for t in c["time"]]
    c = c[inside]
    return float((c["upper"] / c["limit_min"]).max()) if len(c) else 0.0


def _searched_hours(problem: Problem, cells: pd.DataFrame) -> list[int]:
    """Clock hours with a judged cell: the hours whose officers the search changes."""
    hours: set[int] = set()
    for t in cells.loc[cells["status"] != "too few", "time"]:
        hours.update(cell_hours(t))
    return sorted(hours)


def _rosters_for(problem: Problem, lane_group: str) -> list[str]:
    r = problem.group_roster.get(lane_group)
    return [r] if r in problem.rosters else list(problem.rosters)


def _additions(problem: Problem, current: Rosters, failing: pd.DataFrame, hours: Sequence[int],
               max_step: int = 3) -> tuple[dict[tuple[str, int], int], list[tuple[str, str, str]]]:
    """More officers in the hour of each failing cell (at capacity: the next hour, then the one
    before): one if its bound is within 1.5 × the target, two within 2 ×, else ``max_step`` (the
    greedy removal takes back what is too many); cells whose hours are all at capacity are
    returned as unattainable."""
    add: dict[tuple[str, int], int] = {}
    unattainable = []
    searched = set(hours)
    for _, c in failing.iterrows():
        placed = False
        ratio = c["upper"] / c["limit_min"]
        step = max(1, min(max_step, 1 + int(2 * (ratio - 1)))) if np.isfinite(ratio) else 1
        for r in _rosters_for(problem, c["lane_group"]):
            for h in cell_hours(c["time"]):
                for hh in (h, (h + 1) % 24, (h - 1) % 24):
                    room = problem.capacity[r] - current[r][hh]
                    if hh in searched and room > 0:
                        add[(r, hh)] = max(add.get((r, hh), 0), min(step, room))
                        placed = True
                        break
        if not placed:
            unattainable.append((c["lane_group"], c["time"], c["statistic"]))
    return add, unattainable


def _blame(problem: Problem, failing: pd.DataFrame, candidates: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """The candidate removals held responsible for failing cells: the cell's own hour (its roster
    first), else the next hour (it serves the cell's long waits), else the latest earlier one."""
    blamed: set[tuple[str, int]] = set()
    for _, c in failing.iterrows():
        own = _rosters_for(problem, c["lane_group"])
        order = own + [r for r in problem.rosters if r not in own]
        hours = cell_hours(c["time"])
        search = [hours, [(hours[-1] + 1) % 24]] + [[(hours[0] - k) % 24] for k in range(1, 24)]
        for hs in search:
            hit = {(r, h) for h in hs for r in order if (r, h) in candidates}
            mine = {(r, h) for r, h in hit if r in own}
            if hit:
                blamed |= mine or hit
                break
        else:
            blamed |= candidates
    return blamed


def search(problem: Problem, replications: int = 10, seed: int | None = None, confidence: float = 0.95,
           search_confidence: float = 0.99, max_evaluations: int = 60, verify_replications: int | None = None,
           verify_seed: int | None = None, repair_rounds: int = 2, executor: Executor | None = None,
           workers: int | None = None, progress: Callable[[int], None] | None = None,
           log: Callable[[str], None] | None = None, exchanges: bool = True) -> StaffingResult:
    """Find the fewest officer-hours by hour meeting ``problem``'s targets (see the module docstring).

    ``replications`` and ``seed`` are the common random numbers of the search (seed default: the
    scenario's), on which every cell is held to the stricter ``search_confidence``: the search stops
    at cells just within their bound, whose bound on fresh replications then lands on either side
    of the target about as often (the search's own luck is selected for), so the claim,
    ``confidence`` on fresh replications, needs the margin. ``verify_replications`` (default
    2 × replications) fresh replications with ``verify_seed`` (default seed + 1; repair checks use
    seed + 2, ...) judge the result at ``confidence``."""
    if not 2 <= replications <= MAX_REPLICATIONS:
        raise PoesimError(f"--reps: expected 2 to {MAX_REPLICATIONS} replications (a confidence bound needs two), "
                          f"got {replications}")
    if not 0.5 <= confidence < 1:
        raise PoesimError(f"--confidence: expected a level in [0.5, 1), e.g. 0.95, got {confidence}")
    if not confidence <= search_confidence < 1:
        raise PoesimError(f"--search-confidence: expected a level in [--confidence, 1), e.g. 0.99, "
                          f"got {search_confidence}")
    if not 1 <= max_evaluations <= MAX_EVALUATIONS:
        raise PoesimError(f"--max-evaluations: expected 1 to {MAX_EVALUATIONS}, got {max_evaluations}")
    if not 0 <= repair_rounds <= MAX_REPAIR_ROUNDS:
        raise PoesimError(f"--repair-rounds: expected 0 to {MAX_REPAIR_ROUNDS}, got {repair_rounds}")
    seed = problem.loaded.scenario.seed if seed is None else seed
    if not 0 <= seed <= MAX_SEED - 1 - repair_rounds:
        raise PoesimError(f"--seed: expected a whole number from 0 to {MAX_SEED - 1 - repair_rounds} (the fresh checks "
                          f"use the seeds after it), got {seed}")
    verify_replications = verify_replications or 2 * replications
    if not 2 <= verify_replications <= MAX_REPLICATIONS:
        raise PoesimError(f"--verify-reps: expected 2 to {MAX_REPLICATIONS}, got {verify_replications}")
    verify_seed = seed + 1 if verify_seed is None else verify_seed
    if not 0 <= verify_seed <= MAX_SEED - repair_rounds:
        raise PoesimError(f"--verify-seed: expected a whole number from 0 to {MAX_SEED - repair_rounds}, "
                          f"got {verify_seed}")
    if verify_seed == seed:
        raise PoesimError(f"--verify-seed: expected a seed other than the search's ({seed}): the check must use "
                          "replications the search never saw")
    say = log or (lambda _msg: None)
    t_start = time.perf_counter()
    with executor_scope(executor, workers) as ex:
        ev = Evaluator(problem, replications, seed, search_confidence, ex, progress)
        trace: list[Step] = []

        def evaluate(rosters: Rosters, phase: str, move: str) -> Evaluation:
            """Run a roster on the search replications; greedy and local moves are kept only if
            every cell holds, the baseline and additions always."""
            t0 = time.perf_counter()
            e = ev.run(rosters)
            ok = e.feasible(excluded)
            trace.append(Step(e.number, phase, move, total(rosters), ok, len(e.failing(excluded)),
                              ok or phase in ("baseline", "add"), time.perf_counter() - t0))
            say(f"[{e.number:3d}] {phase:9s} {move:44s} {total(rosters):5d} officer-hours  "
                + ("meets every target" if ok else f"{len(e.failing(excluded))} cells miss"))
            return e

        excluded: dict[tuple[str, str, str], str] = {}
        current = dict(problem.baseline)
        cur = evaluate(current, "baseline", "the scenario's roster")
        hours = _searched_hours(problem, cur.cells)
        if not hours:
            raise PoesimError("--target: no targeted lane group served anyone in the counted window")

        def budget() -> bool:
            return ev.count < max_evaluations

        stop = ""

        # 1. a feasible start; a cell whose bound did not fall when officers were added to its hours
        # twice is set aside (drivers drawn by shorter waits can make it worse), as is one at capacity
        last: dict[tuple[str, str, str], tuple[int, float]] = {}
        strikes: dict[tuple[str, str, str], int] = {}
        while not cur.feasible(excluded):
            for _, c in cur.failing(excluded).iterrows():
                key = (c["lane_group"], c["time"], c["statistic"])
                staff = sum(current[r][h] for r in _rosters_for(problem, key[0]) for h in cell_hours(key[1]))
                if key in last and staff > last[key][0] and c["upper"] >= last[key][1]:
                    strikes[key] = strikes.get(key, 0) + 1
                    if strikes[key] >= 2:
                        excluded[key] = "no better with more officers in its hours (twice)"
                        say(f"      set aside: {' '.join(key[:2])} ({excluded[key]})")
                last[key] = (staff, c["upper"])
            add, unattainable = _additions(problem, current, cur.failing(excluded), hours)
            for key in unattainable:
                excluded[key] = "missed with every booth staffed"
                say(f"      set aside: {' '.join(key[:2])} ({excluded[key]})")
            if not add:
                break
            if not budget():
                stop = "budget spent before any roster met every target"
                break
            current = shifted(current, add)
            cur = evaluate(current, "add", f"+{sum(add.values())} in {len(add)} hours")

        # 2. batch greedy removal
        frozen: set[tuple[str, int]] = set()
        while cur.feasible(excluded) and budget():
            candidates = {(r, h) for r in problem.rosters for h in hours
                          if (r, h) not in frozen and current[r][h] > 0}
            if not candidates:
                break
            trial = shifted(current, {c: -1 for c in candidates})
            e = evaluate(trial, "greedy", f"-1 in {len(candidates)} hours")
            if e.feasible(excluded):
                current, cur = trial, e
            else:
                frozen |= _blame(problem, e.failing(excluded), candidates)

        # 3. local search: single removals, then exchanges; skip moves that failed from a roster
        # nowhere below the current one (waits do not fall when officers are removed)
        failed: list[tuple[tuple, Rosters]] = []
        improved = cur.feasible(excluded)
        while improved:
            improved = False
            singles = sorted(((r, h) for r in problem.rosters for h in hours if current[r][h] > 0),
                             key=lambda rh: (_slack(cur.cells, [rh[1], (rh[1] + 1) % 24]), rh))
            moves: list[tuple[str, dict[tuple[str, int], int]]] = [
                (f"-1 {r} {h:02d}h", {(r, h): -1}) for r, h in singles]
            if exchanges:
                pairs = sorted(((r, h) for r in problem.rosters for h in hours
                                if current[r][h] < problem.capacity[r] and {(h + 1) % 24, (h + 2) % 24} <= set(hours)
                                and current[r][(h + 1) % 24] > 0 and current[r][(h + 2) % 24] > 0),
                               key=lambda rh: (_slack(cur.cells, [(rh[1] + k) % 24 for k in (1, 2, 3)]), rh))
                moves += [(f"+1 {r} {h:02d}h, -1 {(h + 1) % 24:02d}h and {(h + 2) % 24:02d}h",
                           {(r, h): 1, (r, (h + 1) % 24): -1, (r, (h + 2) % 24): -1}) for r, h in pairs]
            for label, move in moves:
                if not budget():
                    break
                move_key = tuple(sorted(move.items()))
                if any(k == move_key and _at_most(current, at) for k, at in failed):
                    continue
                trial = shifted(current, move)
                e = evaluate(trial, "local", label)
                if e.feasible(excluded):
                    current, cur, improved = trial, e, True
                else:
                    failed.append((move_key, current))
            if not budget():
                stop = f"evaluation budget spent ({max_evaluations} evaluations)"
                break
        if not cur.feasible(excluded):
            stop = stop or "no roster met every attainable target"
        elif not stop:
            what = "single-hour removal or exchange" if exchanges else "single-hour removal"
            stop = f"converged: no {what} keeps every target on the search replications"

        # 4. fresh check, with repairs
        repairs: list[dict[str, Any]] = []
        check = ev.run(current, verify_seed, verify_replications, keep=True, confidence=confidence)
        say(f"fresh check (seed {verify_seed}, {verify_replications} replications): "
            + ("meets every target" if check.feasible(excluded) else f"{len(check.failing(excluded))} cells miss"))
        for k in range(repair_rounds):
            if check.feasible(excluded):
                break
            add, unattainable = _additions(problem, current, check.failing(excluded), hours, max_step=1)
            if not add:
                break
            repairs.append({"seed": check.seed, "missed": len(check.failing(excluded)),
                            "added": {f"{r} {h:02d}h": v for (r, h), v in sorted(add.items())}})
            current = shifted(current, add)
            check = ev.run(current, verify_seed + k + 1, verify_replications, keep=True, confidence=confidence)
            say(f"repair {k + 1}: +1 in {len(add)} hours; fresh check (seed {check.seed}): "
                + ("meets every target" if check.feasible(excluded) else f"{len(check.failing(excluded))} cells miss"))
        base_check = ev.run(problem.baseline, check.seed, verify_replications, keep=True, confidence=confidence)
    return StaffingResult(
        problem=problem, found=current, search_seed=seed, search_replications=replications, confidence=confidence,
        search_confidence=search_confidence,
        max_evaluations=max_evaluations, evaluations=ev.count, stop_reason=stop, excluded=excluded, trace=trace,
        check=check, check_baseline=base_check, repairs=repairs, runtime_s=time.perf_counter() - t_start)
