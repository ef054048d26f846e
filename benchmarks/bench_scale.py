"""Scale benchmarks (not tests): long horizons, parallel replications, a Dask cluster.

    .venv/bin/python benchmarks/bench_scale.py            # everything (a few minutes)
    .venv/bin/python benchmarks/bench_scale.py --quick    # 10 replications instead of 30
    .venv/bin/python benchmarks/bench_scale.py --skip-year --reps 100 [--dask-defaults]

Measures
  * one replication of the Otay Mesa full year (scenarios/otay_mesa/year_2017.yaml, all modes,
    streaming statistics), in a fresh process: wall time and peak resident memory;
  * N replications of the Otay Mesa baseline (48 h) on 1 and on 2 local processes: speed-up;
  * the machine's ceiling for that speed-up: the replications alone in 1 and in 2 processes;
  * the same N replications through a 2-worker Dask LocalCluster (process workers), started with the
    settings ``poesim dask-env`` prints (or Dask's defaults with --dask-defaults);
  * and through a 1-worker one: what a worker delivers when the client and scheduler have a core of
    their own, as on a real cluster.
Each runs in turn, round after round, and is reported by its best round; the 1-worker cluster
runs in rounds of its own, after the others.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
YEAR = ROOT / "scenarios/otay_mesa/year_2017.yaml"
DAY = ROOT / "scenarios/otay_mesa/baseline.yaml"

YEAR_CHILD = """
import resource, sys, time
from sim.model import build_model
from sim.runner import run_replication
from sim.scenario import load_scenario
m = build_model(load_scenario(sys.argv[1]).scenario)
t = time.perf_counter()
out = run_replication(m, 1, 0, stats="streaming")
wall = time.perf_counter() - t
print(out.n_travellers, wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, out.timings_s["engine"])
"""


def year_replication() -> tuple[int, float, float, float]:
    out = subprocess.run([sys.executable, "-c", YEAR_CHILD, str(YEAR)], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    n, wall, peak_mib, engine = out.stdout.split()
    return int(n), float(wall), float(peak_mib), float(engine)


def timed_run(reps: int, executor) -> float:
    import sim

    t = time.perf_counter()
    sim.run(DAY, replications=reps, executor=executor)
    return time.perf_counter() - t


def _replicate(model, numbers) -> None:
    from sim.runner import choose_engine, run_replication

    engine = choose_engine(model)
    for rep in numbers:
        run_replication(model, 1, rep, engine=engine)


def bare_replications(model, reps: int, pool=None, processes: int = 1) -> float:
    """Wall time of ``reps`` replications that only run: no scenario to load, nothing sent back, nothing
    aggregated; in this process, or shared out to the ``processes`` of ``pool`` (long-lived and warmed,
    as an executor's workers are). Against one process, this is the speed-up the machine itself allows
    for this work, whatever the executor."""
    t = time.perf_counter()
    if pool is None:
        _replicate(model, range(reps))
    else:
        pool.starmap(_replicate, [(model, range(i, reps, processes)) for i in range(processes)], chunksize=1)
    return time.perf_counter() - t


def summary(name: str, times: list[float], serial: list[float]) -> str:
    """Best time and the speed-up it gives over the best single process, with the spread of the
    speed-ups paired round by round (each round runs every executor once, back to back, so a slow
    spell of the machine hits all of them)."""
    paired = sorted(s / t for s, t in zip(serial, times, strict=True))
    return (f"  {name:<42} best {min(times):5.2f} s  speed-up {min(serial) / min(times):.2f}×"
            f"  (paired by round: median {statistics.median(paired):.2f}×, {paired[0]:.2f}–{paired[-1]:.2f}×)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-year", action="store_true")
    ap.add_argument("--reps", type=int, default=None, help="replications of the 48-h day (default 30; --quick 10)")
    ap.add_argument("--rounds", type=int, default=5, help="rounds of every executor, back to back (default 5)")
    ap.add_argument("--dask-defaults", action="store_true",
                    help="start the Dask cluster with Dask's default settings instead of poesim's (`poesim dask-env`)")
    args = ap.parse_args()
    reps = args.reps or (10 if args.quick else 30)

    import dask
    from dask.distributed import LocalCluster

    from sim.executors import DASK_WORKER_CONFIG, DaskExecutor, ProcessExecutor, SerialExecutor
    from sim.model import build_model
    from sim.scenario import load_scenario

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    if not args.skip_year:
        n, wall, peak, engine = year_replication()
        print(f"Otay Mesa year, 1 replication (streaming): {n:,} travellers, {wall:.1f} s wall "
              f"({engine:.1f} s in the engine), {n / wall:,.0f} travellers/s, peak RSS {peak:,.0f} MiB")

    settings = {} if args.dask_defaults else DASK_WORKER_CONFIG
    how = "Dask's defaults" if args.dask_defaults else "poesim dask-env"
    serial, two, on_dask, bare1, bare2 = [], [], [], [], []
    model = build_model(load_scenario(DAY).scenario)
    with (ProcessExecutor(2) as procs, dask.config.set(settings),
          LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
          DaskExecutor(cluster.scheduler_address) as ex,
          multiprocessing.get_context("fork").Pool(2) as pool):
        timed_run(2, SerialExecutor())  # warm this process (the compiled engine loads on first use) and
        timed_run(8, procs)  # every worker: several batches each
        timed_run(8, ex)
        bare_replications(model, 4, pool, 2)
        for _ in range(args.rounds):
            bare1.append(bare_replications(model, reps))
            bare2.append(bare_replications(model, reps, pool, 2))
            serial.append(timed_run(reps, SerialExecutor()))
            two.append(timed_run(reps, procs))
            on_dask.append(timed_run(reps, ex))
    print(f"Otay Mesa day, {reps} replications, best of {args.rounds} rounds:")
    print(f"  {'replications alone, 1 process':<42} best {min(bare1):5.2f} s")
    print(summary("replications alone, 2 processes", bare2, bare1) + "  <- the machine's ceiling")
    print(f"  {'1 process':<42} best {min(serial):5.2f} s")
    print(summary("2 local processes", two, serial))
    print(summary(f"2-worker Dask LocalCluster, {how}", on_dask, serial))

    # one worker, its client and scheduler on the other core: a worker's share on a real cluster. A
    # cluster of its own, in rounds of its own: two clusters open at once slow each other down.
    serial, on_one = [], []
    with (dask.config.set(settings),
          LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as single,
          DaskExecutor(single.scheduler_address) as ex1):
        timed_run(4, ex1)
        for _ in range(args.rounds):
            serial.append(timed_run(reps, SerialExecutor()))
            on_one.append(timed_run(reps, ex1))
    print(f"  {'1 process (again)':<42} best {min(serial):5.2f} s")
    print(summary(f"1-worker Dask LocalCluster, {how}", on_one, serial)
          + "  <- one worker's share, the client and scheduler on the other core")

if __name__ == "__main__":
    main()
