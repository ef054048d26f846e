"""Scale benchmarks (not tests): long horizons, parallel replications, a Dask cluster.

    .venv/bin/python benchmarks/bench_scale.py            # everything (a few minutes)
    .venv/bin/python benchmarks/bench_scale.py --quick    # 10 replications instead of 30

Measures
  * one replication of the Otay Mesa full year (scenarios/otay_mesa/year_2017.yaml, all modes,
    streaming statistics), in a fresh process: wall time and peak resident memory;
  * N replications of the Otay Mesa baseline (48 h) on 1 and on 2 local processes: speed-up;
  * the same N replications through a 2-worker Dask LocalCluster (process workers).
"""

from __future__ import annotations

import argparse
import os
import platform
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--skip-year", action="store_true")
    ap.add_argument("--reps", type=int, default=None, help="replications of the 48-h day (default 30; --quick 10)")
    args = ap.parse_args()
    reps = args.reps or (10 if args.quick else 30)

    from sim.executors import DaskExecutor, ProcessExecutor, SerialExecutor

    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores")
    if not args.skip_year:
        n, wall, peak, engine = year_replication()
        print(f"Otay Mesa year, 1 replication (streaming): {n:,} travellers, {wall:.1f} s wall "
              f"({engine:.1f} s in the engine), {n / wall:,.0f} travellers/s, peak RSS {peak:,.0f} MiB")

    timed_run(2, SerialExecutor())  # warm this process too (the compiled engine loads on first use)
    one = timed_run(reps, SerialExecutor())
    with ProcessExecutor(2) as ex:
        timed_run(8, ex)  # warm the pool: every worker loads the compiled engine
        two = timed_run(reps, ex)
    print(f"Otay Mesa day, {reps} replications: 1 process {one:.1f} s, 2 processes {two:.1f} s,"
          f" speed-up {one / two:.2f}×")

    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with DaskExecutor(cluster.scheduler_address) as ex:
            timed_run(8, ex)  # warm the workers: four batches, so each loads the compiled engine
            dask = timed_run(reps, ex)
    print(f"Otay Mesa day, {reps} replications on a 2-worker Dask LocalCluster: {dask:.1f} s, "
          f"speed-up vs 1 process {one / dask:.2f}×")


if __name__ == "__main__":
    main()
