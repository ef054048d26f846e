"""Run scenarios: replications (in parallel processes), common-random-number comparisons.

Replication r of a scenario with seed s always draws the same travellers (see
``random_streams``), whatever process runs it, so results do not depend on the number of
workers. Comparing scenarios with the same seed and replication numbers pairs them
traveller for traveller (common random numbers).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from sim import __version__
from sim import statistics as st
from sim.checkpoints import Checkpoints
from sim.engine import Engine
from sim.engine import simulate_replication as simulate_simpy
from sim.errors import PoesimError
from sim.executors import Executor, executor_scope, tune_allocator
from sim.model import Model, build_model
from sim.records import Records
from sim.results import Comparison, ReplicationOutput, RunResult, busiest_lane_group
from sim.scenario import LoadedScenario, load_scenario
from sim.scenario.schema import MAX_REPLICATIONS, MAX_SEED
from sim.streaming import ReplicationAccumulator
from sim.travellers import TravellerSource, sample_travellers

if TYPE_CHECKING:
    from sim.fastengine.run import FastEngine

__all__ = ["ENGINES", "Comparison", "Execution", "Precision", "ReplicationError", "RunRequest", "RunResult",
           "choose_engine", "compare", "run", "run_replication", "run_to_precision"]

ScenarioLike = LoadedScenario | str | os.PathLike  # a loaded scenario or its file


class ReplicationError(PoesimError):
    """A replication raised: carries the seed and replication number so it can be replayed."""

    def __init__(self, scenario: str, seed: int, replication: int, detail: str):
        self.seed, self.replication, self.detail = seed, replication, detail
        super().__init__(
            f"{scenario}: replication {replication} (seed {seed}) failed; replay it alone with "
            f"`poesim run {scenario} --seed {seed} --replication {replication} --workers 1`:\n{detail}"
        )


STREAMING_AFTER_H = 7 * 24.0  # "auto" statistics stream for windows longer than a week ...
STREAMING_AFTER_TRAVELLERS = 2_000_000  # ... or with more arrivals than this (exact records take ~1 kB each)
RETIRE_AT_HELD = 500_000  # a streaming run folds finished travellers at least this often
STATS_MODES = ("auto", "exact", "streaming")
ENGINES = ("auto", "simpy", "fast")  # auto: the fast engine where it applies, else SimPy (with a notice)

_T = TypeVar("_T")


class _Options:
    """A frozen dataclass of options that can also be given as loose keywords."""

    @classmethod
    def of(cls: type[_T], given: _T | None, options: dict[str, Any], **explicit: Any) -> _T:
        """``given`` (or the defaults) with the fields named in ``options`` (taken out of it) and the
        ``explicit`` ones that are not None."""
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        changes = {name: options.pop(name) for name in list(options) if name in names}
        changes.update({k: v for k, v in explicit.items() if v is not None})
        base = given if given is not None else cls()
        return replace(base, **changes) if changes else base  # type: ignore[type-var]


def _no_more(options: dict[str, Any], where: str) -> None:
    if options:
        raise TypeError(f"{where}() got unexpected keyword arguments: {', '.join(sorted(options))}")


@dataclass(frozen=True)
class RunRequest(_Options):
    """What to simulate beyond the scenario itself."""

    replications: int | None = None  # default: the scenario's
    seed: int | None = None  # default: the scenario's
    keep_records: bool = False  # keep every traveller's record (RunResult.records())
    stats: str = "auto"  # "exact", "streaming", or "auto" (see run_replication)
    only: int | None = None  # run this one replication number alone (to replay one that failed)


@dataclass(frozen=True)
class Precision(_Options):
    """When ``run_to_precision`` stops: the metric and lane group whose CI it watches, and bounds."""

    metric: str = "mean_wait_min"
    lane_group: str | None = None  # default: the busiest
    min_replications: int = 5
    max_replications: int = 1000


@dataclass(frozen=True)
class Execution(_Options):
    """Where and how replications run. ``executor`` is used as given and left open; without one,
    each call makes its own (``workers`` local processes, or the Dask scheduler at ``dask``) and
    closes it. Library calls never read ``DASK_SCHEDULER_ADDRESS``; the command line does."""

    workers: int | None = None  # local processes (default: all cores, at most one per replication)
    dask: str | None = None  # address of a Dask scheduler, tcp://host:port
    executor: Executor | None = None
    progress: Callable[[int], None] | None = None  # called with 1 as each replication finishes
    checkpoint_dir: str | os.PathLike | None = None  # save finished replications here (run only)
    resume: bool = False  # ... and reuse those of an interrupted run
    engine: str = "auto"  # "auto", "simpy" or "fast" (see choose_engine); results are the same
    notify: Callable[[str], None] | None = None  # gets the one-line notice when auto falls back (default: stderr)

    @contextmanager
    def executor_scope(self, jobs: int | None = None) -> Iterator[Executor]:
        with executor_scope(self.executor, self.workers, self.dask, jobs) as ex:
            yield ex

    def borrowing(self, executor: Executor) -> Execution:
        """These options, with ``executor`` for several runs in a row (no checkpoints)."""
        if self.checkpoint_dir is not None:
            raise PoesimError("checkpoints are for one run: give checkpoint_dir to run() or run_to_precision()")
        return replace(self, executor=executor)


def _streams(model: Model, stats: str, keep_records: bool) -> bool:
    if stats not in STATS_MODES:
        raise PoesimError(f"stats: expected one of {STATS_MODES}, got {stats!r}")
    if stats == "streaming" and keep_records:
        raise PoesimError("per-traveller records need exact statistics: use --records without --stats streaming")
    big = model.horizon_s > STREAMING_AFTER_H * 3600 or model.expected_travellers > STREAMING_AFTER_TRAVELLERS
    return stats == "streaming" or (stats == "auto" and not keep_records and big)


_NOTICED: set[tuple[str, str]] = set()  # (model, reason) already noticed on stderr by this process


def _stderr_once(model: Model, message: str) -> None:
    if (model.name, message) not in _NOTICED:
        _NOTICED.add((model.name, message))
        print(message, file=sys.stderr)


def choose_engine(model: Model, engine: str = "auto", stats: str = "auto", keep_records: bool = False,
                  notify: Callable[[str], None] | None = None) -> str:
    """The engine that runs ``model``: "fast" or "simpy". ``auto`` takes the fast engine where it
    applies (``sim.fastengine.supports``; exact and streaming statistics alike) and otherwise SimPy, calling ``notify``
    with one line naming the reason (default: stderr, once per model and reason in a process);
    forcing ``fast`` on a model it cannot run is an error. Both engines give the same results."""
    if engine not in ENGINES:
        raise PoesimError(f"engine: expected one of {ENGINES}, got {engine!r}")
    if engine == "simpy":
        return "simpy"
    from sim.fastengine import supports

    ok, reason = supports(model)
    if ok:
        try:
            import numba  # noqa: F401  (a base dependency; missing only on an unusual platform)
        except ImportError:
            ok, reason = False, "numba cannot be imported"
    if ok:
        return "fast"
    if engine == "fast":
        raise PoesimError(f"--engine fast: the fast engine cannot run {model.name!r}: {reason}; use --engine simpy")
    message = f"engine: SimPy for {model.name!r} ({reason})"
    if notify is None:
        _stderr_once(model, message)
    else:
        notify(message)
    return "simpy"


def simulate_replication(model: Model, travellers: Any, replication: int = 0, engine: str = "simpy") -> Records:
    """One replication of ``model`` with the given travellers, on ``engine`` ("simpy" or "fast")."""
    if engine == "fast":
        from sim.fastengine import simulate_replication as simulate_fast

        return simulate_fast(model, travellers, replication)
    return simulate_simpy(model, travellers, replication)


def run_replication(
    model: Model, seed: int, replication: int, keep_records: bool = False, stats: str = "auto",
    engine: str = "simpy",
) -> ReplicationOutput:
    """Sample travellers, simulate, and summarise one replication.

    ``stats``: ``exact`` keeps every traveller's record until the end (exact percentiles,
    records available); ``streaming`` simulates a day at a time and folds finished travellers
    into histograms (bounded memory, percentiles within 1 %); ``auto`` streams windows longer
    than a week or with more than ``STREAMING_AFTER_TRAVELLERS`` arrivals, unless records are wanted.
    ``engine``: "simpy" or "fast" (as ``choose_engine`` resolved it), for whole and streaming runs alike."""
    tune_allocator()  # once, in whichever process runs replications: this one, a local or a Dask worker
    t0 = time.perf_counter()
    if _streams(model, stats, keep_records):
        return _run_streaming(model, seed, replication, t0, engine=engine)
    travellers = sample_travellers(model, seed, replication)
    t1 = time.perf_counter()
    records = simulate_replication(model, travellers, replication, engine)
    t2 = time.perf_counter()
    totals = st.hourly_totals(records)
    assert records.queue_peak is not None
    by_hour, by_band = st.wait_summaries(records, ("hour", "band"))
    return ReplicationOutput(
        replication=replication,
        by_hour=by_hour,
        by_band=by_band,
        queue=st.queue_table(records, totals, records.queue_peak),
        staffing=st.staffing_table(records, totals),
        ports=st.port_table(records, st.port_totals(records)),
        quantiles=st.wait_quantiles(records),
        n_travellers=len(records),
        runtime_s=time.perf_counter() - t0,
        records=_frame(model, records) if keep_records else None,
        timings_s={"sampling": t1 - t0, "engine": t2 - t1, "statistics": time.perf_counter() - t2},
    )


def _frame(model: Model, records: Records) -> pd.DataFrame:
    """Every traveller's record as a table, with the mode of their stream (also for drivers who
    gave up and joined no lane group)."""
    frame = records.to_frame()
    frame["mode"] = np.asarray([s.mode for s in model.streams], dtype=object)[records.stream]
    return frame


def _run_streaming(model: Model, seed: int, replication: int, t0: float, chunk_s: float = 86400.0,
                   retire_every: int = 7, engine: str = "simpy") -> ReplicationOutput:
    """Draw and simulate a day at a time; every ``retire_every`` days (or once the engine holds
    ``RETIRE_AT_HELD`` travellers) fold the travellers who have left into the accumulator and forget
    them. With lines capped at ``max_in_line``, memory stays bounded however overloaded the port."""
    source = TravellerSource(model, seed, replication)
    sim_engine: Engine | FastEngine
    if engine == "fast":
        from sim.fastengine.run import FastEngine  # noqa: F811  (numba loads slowly: on first use)

        sim_engine = FastEngine(model, replication=replication)
    else:
        sim_engine = Engine(model, replication=replication)
    acc: ReplicationAccumulator | None = None
    spent = {"sampling": 0.0, "engine": 0.0, "statistics": 0.0}
    clock = time.perf_counter

    def fold(batch: Records) -> None:
        nonlocal acc
        acc = acc or ReplicationAccumulator(batch)
        acc.add(batch)

    t, chunk = 0.0, 0
    while t < model.horizon_s:
        t = min(t + chunk_s, model.horizon_s)
        a = clock()
        travellers = source.take(t)
        b = clock()
        sim_engine.feed(travellers)
        sim_engine.advance(t)
        c = clock()
        chunk += 1
        if chunk % retire_every == 0 or sim_engine.held > RETIRE_AT_HELD:
            for batch in sim_engine.retire():
                fold(batch)
        spent["sampling"] += b - a
        spent["engine"] += c - b
        spent["statistics"] += clock() - c
    a = clock()
    end = sim_engine.drain()
    b = clock()
    for batch in sim_engine.retire(end_s=end):
        fold(batch)
    spent["engine"] += b - a
    spent["statistics"] += clock() - b
    assert acc is not None
    return ReplicationOutput(
        replication=replication,
        by_hour=acc.wait_table("hour"),
        by_band=acc.wait_table("band"),
        queue=acc.queue_table(sim_engine.queue_peak, sim_engine.booth_steps()),
        staffing=acc.staffing_table(sim_engine.booth_steps()),
        ports=acc.port_table(),
        quantiles=acc.quantile_table(),
        n_travellers=acc.n_travellers,
        runtime_s=time.perf_counter() - t0,
        timings_s=spent,
    )


def _replicate_safely(
    model: Model, seed: int, replication: int, keep_records: bool, stats: str = "auto", engine: str = "simpy"
) -> ReplicationOutput | str:
    try:
        return run_replication(model, seed, replication, keep_records, stats, engine)
    except Exception:  # reported to the caller with the seed, so it can be replayed
        return traceback.format_exc()


def run_replications(
    model: Model,
    seed: int,
    replications: Sequence[int],
    executor: Executor,
    keep_records: bool = False,
    progress: Callable[[int], None] | None = None,
    label: str = "",
    checkpoints: Checkpoints | None = None,
    stats: str = "auto",
    engine: str = "simpy",
) -> list[ReplicationOutput]:
    """Run the given replication numbers on ``executor``; replications already in
    ``checkpoints`` are loaded instead of rerun, and new ones are saved as they finish."""
    results: dict[int, ReplicationOutput] = {}
    todo = []
    for rep in replications:
        done = checkpoints.load(rep) if checkpoints else None
        if done is not None:
            results[rep] = done
            if progress:
                progress(1)
        else:
            todo.append(rep)
    jobs = [(model, seed, rep, keep_records, stats, engine) for rep in todo]
    for i, out in executor.run(_replicate_safely, jobs):
        rep = todo[i]
        if isinstance(out, str):
            raise ReplicationError(label or model.name, seed, rep, out)
        if checkpoints:
            checkpoints.save(rep, out)
        results[rep] = out
        if progress:
            progress(1)
    return [results[r] for r in replications]


def _check_run_size(replications: int, seed: int) -> None:
    """Replications and seed within the scenario format's bounds (options can override the file's)."""
    if not 1 <= replications <= MAX_REPLICATIONS:
        raise PoesimError(f"replications: expected 1 to {MAX_REPLICATIONS}, got {replications}")
    if not 0 <= seed <= MAX_SEED:
        raise PoesimError(f"seed: expected a whole number from 0 to {MAX_SEED}, got {seed}")


def _checkpoint_key(loaded: LoadedScenario, seed: int, keep_records: bool) -> dict[str, Any]:
    return {"scenario_sha256": loaded.sha256, "seed": seed, "keep_records": keep_records, "poesim_version": __version__}


def _load(scenario: ScenarioLike) -> LoadedScenario:
    return scenario if isinstance(scenario, LoadedScenario) else load_scenario(scenario)


def run(scenario: ScenarioLike, replications: int | None = None, seed: int | None = None, *,
        request: RunRequest | None = None, execution: Execution | None = None, **options: Any) -> RunResult:
    """Run a scenario (a file path or a loaded scenario); replications and seed default to the file's.

    What to run is a ``RunRequest`` (records kept, statistics mode, one replication alone), where and
    how an ``Execution`` (workers, Dask, executor, progress, checkpoints); their fields may also be
    given as keywords, e.g. ``run(path, 5, workers=1, keep_records=True)``. With
    ``execution.checkpoint_dir`` each finished replication is saved there, and ``resume`` reuses
    those of an interrupted run with the same scenario and seed."""
    req, exe = RunRequest.of(request, options, replications=replications, seed=seed), Execution.of(execution, options)
    _no_more(options, "run")
    loaded = _load(scenario)
    sc = loaded.scenario
    reps = req.replications if req.replications is not None else sc.replications
    seed = sc.seed if req.seed is None else req.seed
    _check_run_size(reps, seed)
    if req.only is not None and req.only < 0:
        raise PoesimError(f"--replication: expected a replication number ≥ 0, got {req.only}")
    numbers = [req.only] if req.only is not None else list(range(reps))
    model = build_model(sc)
    streams = _streams(model, req.stats, req.keep_records)
    engine = choose_engine(model, exe.engine, req.stats, req.keep_records, exe.notify)
    key = {**_checkpoint_key(loaded, seed, req.keep_records), "streaming": streams}
    ckpt = Checkpoints(exe.checkpoint_dir, key, exe.resume) if exe.checkpoint_dir else None
    started = dt.datetime.now(dt.timezone.utc)
    with exe.executor_scope(jobs=len(numbers)) as ex:
        outputs = run_replications(model, seed, numbers, ex, req.keep_records, exe.progress, str(loaded.path), ckpt,
                                   "streaming" if streams else "exact", engine)
    return RunResult(loaded, seed, len(numbers), outputs, started, dt.datetime.now(dt.timezone.utc), ex.describe(),
                     engine)


def run_to_precision(scenario: ScenarioLike, rel_halfwidth: float, *, target: Precision | None = None,
                     execution: Execution | None = None, seed: int | None = None, **options: Any) -> RunResult:
    """Add replications until the 95 % CI half-width of ``target.metric`` (whole window, all
    programs) for ``target.lane_group`` (default: the busiest) is within ``rel_halfwidth`` of its
    value. ``Precision`` and ``Execution`` fields may be given as keywords.

    Each round asks for as many more replications as the current variance says are needed
    (n·(h/target)²), at least one per worker and at most doubling the count. Replications are
    numbered 0, 1, 2, …, so the result equals a plain run with the same final count."""
    goal, exe = Precision.of(target, options), Execution.of(execution, options)
    _no_more(options, "run_to_precision")
    if not 0 < rel_halfwidth < 1:
        raise PoesimError(f"--precision: expected a fraction between 0 and 1 (e.g. 5%), got {rel_halfwidth}")
    metric = goal.metric
    if metric not in st.WAIT_METRICS:
        raise PoesimError(f"--metric: expected one of {', '.join(st.WAIT_METRICS)}, got {metric!r}")
    loaded = _load(scenario)
    seed = loaded.scenario.seed if seed is None else seed
    _check_run_size(goal.max_replications, seed)
    model = build_model(loaded.scenario)
    engine = choose_engine(model, exe.engine, notify=exe.notify)
    key = _checkpoint_key(loaded, seed, False)
    ckpt = Checkpoints(exe.checkpoint_dir, key, exe.resume) if exe.checkpoint_dir else None
    started = dt.datetime.now(dt.timezone.utc)
    outputs: list[ReplicationOutput] = []
    n_next = max(goal.min_replications, 2)
    with exe.executor_scope() as ex:
        while True:
            new = list(range(len(outputs), min(n_next, goal.max_replications)))
            outputs += run_replications(model, seed, new, ex, False, exe.progress, str(loaded.path), ckpt,
                                        engine=engine)
            result = RunResult(loaded, seed, len(outputs), outputs, started, dt.datetime.now(dt.timezone.utc),
                               ex.describe(), engine)
            mode, group = (None, goal.lane_group) if goal.lane_group else busiest_lane_group(result)
            s = result.summary
            cell = s[(s["lane_group"] == group) & (s["program"] == st.ALL) & (s["hour"] == st.ALL)]
            if mode:
                cell = cell[cell["mode"] == mode]
            if cell.empty:
                raise PoesimError(f"--precision: no lane group named {group!r} served anyone")
            c = cell.iloc[0]
            half = ((c[f"{metric}_hi"] - c[f"{metric}_lo"]) / 2 if c[f"{metric}_lo"] > 0
                    else c[f"{metric}_hi"] - c[metric])
            wanted = rel_halfwidth * abs(c[metric])
            reached = bool(wanted > 0 and half <= wanted) or (c[metric] == 0 and half == 0)
            if reached or len(outputs) >= goal.max_replications:
                result.precision = {
                    "metric": metric, "lane_group": group, "target_rel_halfwidth": rel_halfwidth,
                    "value": float(c[metric]), "halfwidth": float(half),
                    "rel_halfwidth": float(half / abs(c[metric])) if c[metric] else 0.0,
                    "replications_needed": len(outputs), "reached": reached,
                }
                return result
            needed = int(np.ceil(len(outputs) * (half / wanted) ** 2)) if wanted > 0 else 2 * len(outputs)
            # at most double: early variances are noisy
            n_next = max(min(needed, 2 * len(outputs)), len(outputs) + ex.workers)


def _diffs(runs: list[RunResult], table: str, metrics: Sequence[str] = st.WAIT_METRICS,
           keys: Sequence[str] = st.WAIT_KEYS) -> pd.DataFrame:
    base = runs[0].per_replication(table)
    parts = []
    for r in runs[1:]:
        other = r.per_replication(table)
        if base.empty or other.empty:
            continue
        d = st.paired_differences(base, other, metrics, keys)
        d.insert(0, "scenario", r.name)
        d.insert(0, "baseline", runs[0].name)
        parts.append(d)
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def compare(scenarios: Sequence[ScenarioLike], replications: int | None = None, seed: int | None = None, *,
            request: RunRequest | None = None, execution: Execution | None = None, **options: Any) -> Comparison:
    """Run every scenario with the same seed and replication numbers (default: the first
    scenario's); differences are vs the first. Options as for ``run`` (no checkpoints)."""
    req, exe = RunRequest.of(request, options, replications=replications, seed=seed), Execution.of(execution, options)
    _no_more(options, "compare")
    loaded = [_load(s) for s in scenarios]
    if len(loaded) < 2:
        raise PoesimError("compare: expected at least two scenarios")
    first = loaded[0].scenario
    req = replace(req, replications=req.replications if req.replications is not None else first.replications,
                  seed=first.seed if req.seed is None else req.seed)
    with exe.executor_scope(jobs=req.replications) as ex:
        runs = [run(s, request=req, execution=exe.borrowing(ex)) for s in loaded]
    return Comparison(runs=runs, by_band=_diffs(runs, "by_band"), by_hour=_diffs(runs, "by_hour"),
                      ports=_diffs(runs, "ports", st.PORT_METRICS, st.PORT_KEYS))
