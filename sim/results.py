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
    precision: dict[str, Any] | None = None  # set by run_to_precision
    summary: pd.DataFrame = field(init=False)
    by_band: pd.DataFrame = field(init=False)
    queue: pd.DataFrame = field(init=False)

    def __post_init__(self) -> None:
        self.summary = st.across_replications(self.per_replication("by_hour"), st.WAIT_KEYS, st.WAIT_METRICS)
        self.by_band = st.across_replications(self.per_replication("by_band"), st.WAIT_KEYS, st.WAIT_METRICS)
        self.queue = st.across_replications(self.per_replication("queue"), st.QUEUE_KEYS, st.QUEUE_METRICS)

    @property
    def name(self) -> str:
        return self.loaded.scenario.name

    def per_replication(self, table: str) -> pd.DataFrame:
        """One of ``by_hour``, ``by_band``, ``queue``, ``quantiles`` for every replication."""
        return pd.concat([getattr(o, table) for o in self.outputs], ignore_index=True)

    def records(self) -> pd.DataFrame:
        """Per-traveller records of all replications (only if the run kept them)."""
        if any(o.records is None for o in self.outputs):
            raise PoesimError("this run did not keep per-traveller records; run with keep_records=True (CLI: --records)")
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
        "started_utc": result.started.isoformat(),
        "finished_utc": result.finished.isoformat(),
        "runtime_s_per_replication": [round(t, 4) for t in result.runtime_s],
        "engine_s_per_replication": [round(o.timings_s.get("engine", float("nan")), 4) for o in result.outputs],
        "travellers_per_replication": [o.n_travellers for o in result.outputs],
        "precision": result.precision,
    }
