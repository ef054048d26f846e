"""What a run produced: per-replication tables, their summaries, comparisons and sweeps.

Plain containers computed from statistics; the runner fills them, reports read them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from sim import statistics as st
from sim.errors import PoesimError
from sim.scenario import LoadedScenario


@dataclass
class ReplicationOutput:
    """Everything one replication contributes (small tables; records only if asked for)."""

    replication: int
    by_hour: pd.DataFrame
    by_band: pd.DataFrame
    queue: pd.DataFrame
    quantiles: pd.DataFrame
    n_travellers: int
    runtime_s: float
    records: pd.DataFrame | None = None
    timings_s: dict[str, float] = field(default_factory=dict)  # sampling / engine / statistics
    staffing: pd.DataFrame | None = None  # officers on duty and booths staffed by roster and hour
    ports: pd.DataFrame | None = None  # travellers and delay by stream, port (or gave up) and hour


def overloaded_hours(queue: pd.DataFrame, margin: float = 0.05, min_run_h: int = 3) -> pd.DataFrame:
    """Stretches of at least ``min_run_h`` clock hours in which a mode's arrivals exceed what
    its open booths served by more than ``margin`` while the booths were busy (utilisation
    ≥ 0.95): waits there grow with the run length. Columns: mode, hours, arrivals and
    throughput per hour over the stretch, excess %. ``queue`` is a run's queue table (queue.csv)."""
    q = queue
    if q.empty or "arrivals_per_h" not in q:
        return pd.DataFrame(columns=["mode", "hours", "arrivals_per_h", "throughput_per_h", "excess_pct"])
    q = q[(q["lane_group"] != st.ALL) & (q["hour"] != st.ALL)]
    rows = []
    for mode, d in q.groupby("mode", sort=False):
        busy = d.assign(busy=d["utilisation"].fillna(0) * d["booths_open"])
        h = busy.groupby("hour").agg(arr=("arrivals_per_h", "sum"), thr=("throughput_per_h", "sum"),
                                     busy=("busy", "sum"), booths=("booths_open", "sum")).sort_index()
        over = (h["arr"] > (1 + margin) * h["thr"]) & (h["busy"] >= 0.95 * h["booths"]) & (h["booths"] > 0)
        run: list[str] = []
        for hour, flag in list(over.items()) + [("", False)]:
            if flag:
                run.append(hour)
                continue
            if len(run) >= min_run_h:
                a, t = h.loc[run, "arr"].sum(), h.loc[run, "thr"].sum()
                rows.append({"mode": mode, "hours": f"{run[0]}-{int(run[-1]) + 1:02d}",
                             "arrivals_per_h": a / len(run), "throughput_per_h": t / len(run),
                             "excess_pct": 100.0 * (a / t - 1) if t > 0 else float("inf")})
            run = []
    return pd.DataFrame(rows, columns=["mode", "hours", "arrivals_per_h", "throughput_per_h", "excess_pct"])


@dataclass
class RunResult:
    """The outcome of running one scenario: its configuration, tables and timings."""

    loaded: LoadedScenario
    seed: int
    replications: int
    outputs: list[ReplicationOutput]
    started: dt.datetime
    finished: dt.datetime
    executor: str
    engine: str  # "fast" or "simpy", as runner.choose_engine resolved it
    precision: dict[str, Any] | None = None  # set by run_to_precision
    summary: pd.DataFrame = field(init=False)
    by_band: pd.DataFrame = field(init=False)
    queue: pd.DataFrame = field(init=False)
    staffing: pd.DataFrame = field(init=False)
    ports: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        if self.outputs and all(o.by_hour is None or o.by_hour.empty for o in self.outputs):
            raise PoesimError(
                f"{self.loaded.path}: streams: no traveller arrived in the counted window of any of the "
                f"{len(self.outputs)} replications, so there is nothing to report; expected demand "
                "(rate_per_h or daily_volume, weekday_factor, month_factor) above 0 in the window after warmup_h")
        self.summary = st.across_replications(self.per_replication("by_hour"), st.WAIT_KEYS, st.WAIT_METRICS)
        self.by_band = st.across_replications(self.per_replication("by_band"), st.WAIT_KEYS, st.WAIT_METRICS)
        self.queue = st.across_replications(self.per_replication("queue"), st.QUEUE_KEYS, st.QUEUE_METRICS)
        staffing = self.per_replication("staffing")
        self.staffing = (st.across_replications(staffing, st.STAFFING_KEYS, st.STAFFING_METRICS)
                         if len(staffing) else pd.DataFrame())
        ports = self.per_replication("ports")
        self.ports = st.across_replications(ports, st.PORT_KEYS, st.PORT_METRICS) if len(ports) else pd.DataFrame()

    @property
    def name(self) -> str:
        return self.loaded.scenario.name

    def per_replication(self, table: str) -> pd.DataFrame:
        """One of ``by_hour``, ``by_band``, ``queue``, ``quantiles``, ``staffing``, ``ports`` for every
        replication (an empty frame if the replications did not produce that table)."""
        parts = [getattr(o, table, None) for o in self.outputs]
        parts = [p for p in parts if p is not None and len(p)]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def overloaded_hours(self, margin: float = 0.05, min_run_h: int = 3) -> pd.DataFrame:
        """Stretches of at least ``min_run_h`` clock hours in which a mode's arrivals exceed what
        its open booths served (see ``overloaded_hours``)."""
        return overloaded_hours(self.queue, margin, min_run_h)

    def records(self) -> pd.DataFrame:
        """Per-traveller records of all replications (only if the run kept them)."""
        if any(o.records is None for o in self.outputs):
            raise PoesimError(
                "this run did not keep per-traveller records; run with keep_records=True (CLI: --records)")
        return pd.concat([o.records for o in self.outputs], ignore_index=True)

    @property
    def runtime_s(self) -> list[float]:
        return [o.runtime_s for o in self.outputs]


def busiest_lane_group(result: RunResult) -> tuple[str, str]:
    """(mode, lane group) serving the most travellers: the default target of ``--precision``."""
    s = result.summary
    s = s[(s["hour"] == st.ALL) & (s["program"] == st.ALL) & (s["lane_group"] != st.ALL)]
    row = s.sort_values(["n", "lane_group"], ascending=[False, True]).iloc[0]
    return row["mode"], row["lane_group"]


@dataclass
class Comparison:
    """Scenarios run with common random numbers, and their paired differences from the first."""

    runs: list[RunResult]
    by_band: pd.DataFrame  # paired differences (each scenario − the first) by hour band
    by_hour: pd.DataFrame  # the same by clock hour
    ports: pd.DataFrame = field(default_factory=pd.DataFrame)  # paired differences of travellers and delay by port

    @property
    def baseline(self) -> RunResult:
        return self.runs[0]


@dataclass
class Sweep:
    """The runs of a parameter sweep and one tidy table of their waits."""

    settings: list[tuple[str, list[Any]]]
    points: list[dict[str, Any]]  # one {field path: value} per variant
    runs: list[RunResult]
    table: pd.DataFrame  # by-band summary rows + one column per swept field


def describe(result: RunResult) -> dict[str, Any]:
    """Provenance of a run, for its manifest."""
    return {
        "scenario": result.name,
        "scenario_file": str(result.loaded.path),
        "extends_chain": [str(p) for p in result.loaded.chain],
        "scenario_sha256": result.loaded.sha256,
        "resolved_scenario": result.loaded.resolved,
        "seed": result.seed,
        "replications": result.replications,
        "executor": result.executor,
        "engine": result.engine,
        "started_utc": result.started.isoformat(),
        "finished_utc": result.finished.isoformat(),
        "runtime_s_per_replication": [round(t, 4) for t in result.runtime_s],
        "engine_s_per_replication": [round(o.timings_s.get("engine", float("nan")), 4) for o in result.outputs],
        "travellers_per_replication": [o.n_travellers for o in result.outputs],
        "precision": result.precision,
    }
