"""Run scenarios: replications (in parallel processes), common-random-number comparisons.

Replication r of a scenario with seed s always draws the same travellers (see
``random_streams``), whatever process runs it, so results do not depend on the number of
workers. Comparing scenarios with the same seed and replication numbers pairs them
traveller for traveller (common random numbers).
"""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from sim import statistics as st
from sim.engine import simulate_replication
from sim.errors import PoesimError
from sim.model import Model, build_model
from sim.scenario import LoadedScenario, load_scenario
from sim.travellers import sample_travellers

ECDF_PROBS = np.round(np.linspace(0.0, 1.0, 101), 2)


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


class ReplicationError(PoesimError):
    """A replication raised: carries the seed and replication number so it can be replayed."""

    def __init__(self, scenario: str, seed: int, replication: int, detail: str):
        self.seed, self.replication, self.detail = seed, replication, detail
        super().__init__(f"{scenario}: replication {replication} (seed {seed}) failed:\n{detail}")


def wait_quantiles(records_frame: pd.DataFrame, replication: int) -> pd.DataFrame:
    """Wait quantiles (0, 0.01, …, 1) per mode × lane group, for ECDF plots with CIs."""
    d = records_frame[records_frame["counted"]]
    rows = []
    for (mode, lg), g in d.groupby(["mode", "lane_group"], observed=True):
        if len(g):
            q = np.nanquantile(g["wait_min"].to_numpy(), ECDF_PROBS)
            rows.append(pd.DataFrame({"replication": replication, "mode": mode, "lane_group": lg, "prob": ECDF_PROBS, "wait_min": q}))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=["replication", "mode", "lane_group", "prob", "wait_min"])


def run_replication(model: Model, seed: int, replication: int, keep_records: bool = False) -> ReplicationOutput:
    """Sample travellers, simulate, and summarise one replication."""
    t0 = time.perf_counter()
    travellers = sample_travellers(model, seed, replication)
    records = simulate_replication(model, travellers, replication)
    frame = records.to_frame()
    frame["mode"] = np.asarray(records.group_modes, dtype=object)[records.group]
    return ReplicationOutput(
        replication=replication,
        by_hour=st.wait_summary(records, by="hour"),
        by_band=st.wait_summary(records, by="band"),
        queue=st.queue_summary(records),
        quantiles=wait_quantiles(frame, replication),
        n_travellers=len(records),
        runtime_s=time.perf_counter() - t0,
        records=frame if keep_records else None,
    )


def _replicate_safely(model: Model, seed: int, replication: int, keep_records: bool) -> ReplicationOutput | str:
    try:
        return run_replication(model, seed, replication, keep_records)
    except Exception:  # reported to the caller with the seed, so it can be replayed
        return traceback.format_exc()


@dataclass
class RunResult:
    """The outcome of running one scenario: its configuration, tables and timings."""

    loaded: LoadedScenario
    seed: int
    replications: int
    outputs: list[ReplicationOutput]
    started: dt.datetime
    finished: dt.datetime
    workers: int
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


def _resolve_workers(workers: int | None, n: int) -> int:
    if workers is None:
        workers = os.cpu_count() or 1
    return max(1, min(workers, n))


def run_replications(
    model: Model,
    seed: int,
    replications: Sequence[int],
    workers: int | None = None,
    keep_records: bool = False,
    progress: Callable[[int], None] | None = None,
    label: str = "",
) -> list[ReplicationOutput]:
    """Run the given replication numbers, in parallel processes when ``workers`` > 1."""
    n_workers = _resolve_workers(workers, len(replications))
    results: dict[int, ReplicationOutput] = {}

    def take(rep: int, out: ReplicationOutput | str) -> None:
        if isinstance(out, str):
            raise ReplicationError(label or model.name, seed, rep, out)
        results[rep] = out
        if progress:
            progress(1)

    if n_workers == 1:
        for rep in replications:
            take(rep, _replicate_safely(model, seed, rep, keep_records))
    else:
        with ProcessPoolExecutor(max_workers=n_workers) as pool:
            futures = {pool.submit(_replicate_safely, model, seed, rep, keep_records): rep for rep in replications}
            try:
                for fut in as_completed(futures):
                    take(futures[fut], fut.result())
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
    return [results[r] for r in replications]


def run(
    scenario: LoadedScenario | str | os.PathLike,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    keep_records: bool = False,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run a scenario (a file path or a loaded scenario); replications and seed default to the file's."""
    loaded = scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)
    sc = loaded.scenario
    reps = replications if replications is not None else sc.replications
    seed = sc.seed if seed is None else seed
    if reps < 1:
        raise PoesimError(f"replications: expected at least 1, got {reps}")
    model = build_model(sc)
    started = dt.datetime.now(dt.timezone.utc)
    outputs = run_replications(model, seed, list(range(reps)), workers, keep_records, progress, label=str(loaded.path))
    return RunResult(loaded, seed, reps, outputs, started, dt.datetime.now(dt.timezone.utc), _resolve_workers(workers, reps))


@dataclass
class Comparison:
    """Scenarios run with common random numbers, and their paired differences from the first."""

    runs: list[RunResult]
    by_band: pd.DataFrame  # paired differences (each scenario − the first) by hour band
    by_hour: pd.DataFrame  # the same by clock hour

    @property
    def baseline(self) -> RunResult:
        return self.runs[0]


def _diffs(runs: list[RunResult], table: str) -> pd.DataFrame:
    base = runs[0].per_replication(table)
    parts = []
    for r in runs[1:]:
        d = st.paired_differences(base, r.per_replication(table))
        d.insert(0, "scenario", r.name)
        d.insert(0, "baseline", runs[0].name)
        parts.append(d)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def compare(
    scenarios: Sequence[LoadedScenario | str | os.PathLike],
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Comparison:
    """Run every scenario with the same seed and replication numbers; differences are vs the first."""
    loaded = [s if isinstance(s, LoadedScenario) else load_scenario(s) for s in scenarios]
    if len(loaded) < 2:
        raise PoesimError("compare: expected at least two scenarios")
    reps = replications if replications is not None else loaded[0].scenario.replications
    seed = loaded[0].scenario.seed if seed is None else seed
    runs = [run(s, reps, seed, workers, False, progress) for s in loaded]
    return Comparison(runs=runs, by_band=_diffs(runs, "by_band"), by_hour=_diffs(runs, "by_hour"))


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
        "workers": result.workers,
        "started_utc": result.started.isoformat(),
        "finished_utc": result.finished.isoformat(),
        "runtime_s_per_replication": [round(t, 4) for t in result.runtime_s],
        "travellers_per_replication": [o.n_travellers for o in result.outputs],
    }
