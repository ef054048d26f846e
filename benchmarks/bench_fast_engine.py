"""The fast (numba) engine against the SimPy engine, side by side (not a test): travellers per second.

    .venv/bin/python benchmarks/bench_fast_engine.py            # all benchmarks, prints a table
    .venv/bin/python benchmarks/bench_fast_engine.py --quick    # smaller sizes, fewer repeats
    .venv/bin/python benchmarks/bench_fast_engine.py --pure     # also the same kernel interpreted (no numba)
    .venv/bin/python benchmarks/bench_fast_engine.py --year     # also the Otay Mesa year (fresh processes)

Measures (best of N repeats, one process; wall clock and CPU seconds, since the machine is shared):
  * M/M/10 at 90 % load (λ = 9/min, μ = 1/min, ``benchmarks/bench_engine.py``'s queue; the shape of
    ``scenarios/theory/mmc.yaml``): each engine alone on the same drawn travellers, and drawing the
    travellers + the engine.
  * the Otay Mesa baseline (all modes, one 48-hour replication): each engine alone, and a whole
    replication including statistics (``runner.run_replication``).
  * the region baseline (two ports, officers' rosters, posted-wait logit drivers): each engine alone.
  * ``--pure``: the fast engine's kernel run by the Python interpreter (``NUMBA_DISABLE_JIT=1``, in a
    subprocess, on a shorter M/M/10): the same algorithm, arrays and heap without the compiler; the
    baseline that says what numba buys.
  * ``--year``: one replication of the Otay Mesa full year (``scenarios/otay_mesa/year_2017.yaml``,
    streaming statistics) on each engine, each in a fresh process: wall time, engine time, peak memory.
The first call of the fast engine in a process loads the compiled kernel from numba's cache (or
compiles it, once per installation): reported separately, never inside the timed repeats.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numba
import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engine import mm10  # noqa: E402  (the same M/M/10 as the SimPy engine's benchmark)
from timing import best_of  # noqa: E402

from sim.engine import simulate_replication as simulate_simpy  # noqa: E402
from sim.fastengine import simulate_replication as simulate_fast  # noqa: E402
from sim.model import build_model  # noqa: E402
from sim.runner import run_replication  # noqa: E402
from sim.scenario import load_scenario, scenario_from_dict  # noqa: E402
from sim.travellers import sample_travellers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def pure_kernel(hours: float) -> None:
    """Child process of ``--pure``: the kernel interpreted, one M/M/10 run; prints travellers and seconds."""
    model = build_model(scenario_from_dict(mm10(hours)).scenario)
    tr = sample_travellers(model, 1, 0)
    t0 = time.process_time()
    simulate_fast(model, tr, 0)
    print(len(tr), time.process_time() - t0)


YEAR_CHILD = """
import resource, sys, time
from sim.model import build_model
from sim.runner import run_replication
from sim.scenario import load_scenario
m = build_model(load_scenario(sys.argv[1]).scenario)
t = time.perf_counter()
out = run_replication(m, 1, 0, stats="streaming", engine=sys.argv[2])
wall = time.perf_counter() - t
try:  # this process's own peak (ru_maxrss would include the parent's resident memory at the fork)
    peak = next(int(x.split()[1]) for x in open("/proc/self/status") if x.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(out.n_travellers, wall, peak, " ".join(f"{k}={v:.1f}s" for k, v in out.timings_s.items()))
"""


def year(engine: str) -> str:
    """One replication of the Otay Mesa year on ``engine`` in a fresh process."""
    res = subprocess.run([sys.executable, "-c", YEAR_CHILD, str(ROOT / "scenarios/otay_mesa/year_2017.yaml"), engine],
                         capture_output=True, text=True, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    n, wall, rss, parts = res.stdout.split(maxsplit=3)
    return (f"Otay Mesa year, one replication on {engine}: {int(n):,} travellers, {float(wall):.1f} s wall "
            f"({parts.strip()}), peak RSS {float(rss):.0f} MiB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--pure", action="store_true", help="also time the kernel without numba (slow)")
    ap.add_argument("--year", action="store_true", help="also the Otay Mesa year, each engine in a fresh process")
    ap.add_argument("--pure-child", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.pure_child is not None:
        pure_kernel(args.pure_child)
        return
    repeats = args.repeats or (2 if args.quick else 5)
    hours = 100 if args.quick else 400

    model = build_model(scenario_from_dict(mm10(hours)).scenario)
    tr = sample_travellers(model, 1, 0)
    t0 = time.perf_counter()
    simulate_fast(model, tr, 0)
    first = time.perf_counter() - t0
    rows: list[tuple[str, int, tuple[float, float], tuple[float, float]]] = []
    rows.append(("M/M/10 ρ=0.9, engine only", len(tr),
                 best_of(lambda: simulate_simpy(model, tr, 0), repeats),
                 best_of(lambda: simulate_fast(model, tr, 0), repeats)))
    rows.append(("M/M/10 ρ=0.9, sampling + engine", len(tr),
                 best_of(lambda: simulate_simpy(model, sample_travellers(model, 1, 0), 0), repeats),
                 best_of(lambda: simulate_fast(model, sample_travellers(model, 1, 0), 0), repeats)))
    om = build_model(load_scenario(ROOT / "scenarios/otay_mesa/baseline.yaml").scenario)
    omtr = sample_travellers(om, 1, 0)
    rows.append(("Otay Mesa 48 h, engine only", len(omtr),
                 best_of(lambda: simulate_simpy(om, omtr, 0), repeats),
                 best_of(lambda: simulate_fast(om, omtr, 0), repeats)))
    rows.append(("Otay Mesa 48 h, full replication (+ statistics)", len(omtr),
                 best_of(lambda: run_replication(om, 1, 0, engine="simpy"), repeats),
                 best_of(lambda: run_replication(om, 1, 0, engine="fast"), repeats)))
    region = build_model(load_scenario(ROOT / "scenarios/region/baseline.yaml").scenario)
    rtr = sample_travellers(region, 1, 0)
    rows.append(("Region 48 h (rosters, logit), engine only", len(rtr),
                 best_of(lambda: simulate_simpy(region, rtr, 0), max(1, repeats // 2)),
                 best_of(lambda: simulate_fast(region, rtr, 0), repeats)))
    out = run_replication(om, 1, 0, engine="fast")
    parts = ", ".join(f"{k} {v:.3f} s" for k, v in out.timings_s.items())

    print(f"python {platform.python_version()}, simpy {simpy.__version__}, numba {numba.__version__}, "
          f"numpy {np.__version__}, {platform.machine()}, {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}, best of {repeats}")
    print(f"first fast call in this process (load or compile the kernel): {first:.2f} s")
    print(f"{'benchmark':50s} {'travellers':>10s} {'SimPy wall':>11s} {'fast wall':>10s} {'SimPy /s':>11s} "
          f"{'fast /s':>11s} {'fast /s CPU':>11s} {'speed-up':>8s}")
    for name, n, (sw, _sc), (fw, fc) in rows:
        print(f"{name:50s} {n:10d} {sw:10.3f}s {fw:9.3f}s {n / sw:11,.0f} {n / fw:11,.0f} {n / fc:11,.0f} "
              f"{sw / fw:7.1f}×")
    print(f"Otay Mesa full replication on the fast engine, by part: {parts}")
    if args.pure:
        env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
        res = subprocess.run([sys.executable, __file__, "--pure-child", "20"], env=env, capture_output=True,
                             text=True, check=True)
        n, cpu = res.stdout.split()
        print(f"M/M/10 ρ=0.9 20 h, the fast kernel interpreted (no numba): {int(n)} travellers in {float(cpu):.2f} "
              f"CPU s = {int(n) / float(cpu):,.0f}/s")
    if args.year:
        for engine in ("fast", "simpy"):
            print(year(engine), flush=True)


if __name__ == "__main__":
    main()
