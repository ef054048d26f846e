"""Engine speed benchmarks (not tests): entities per second.

    .venv/bin/python benchmarks/bench_engine.py            # all benchmarks, prints a table
    .venv/bin/python benchmarks/bench_engine.py --quick    # smaller sizes

Measures (best of N repeats, wall clock, one process):
  * M/M/10 at 90 % load (λ = 9/min, μ = 1/min): poesim's engine alone, sampling + engine, and
    an idiomatic SimPy model (one process per customer, ``simpy.Resource``) of the same
    queue for reference — the design choice "callbacks, not processes" rests on this.
  * the Otay Mesa baseline (all modes, one 48-hour replication): engine alone and a whole
    replication including statistics; the same for the region (San Ysidro + Otay Mesa passenger
    vehicles, officer rosters, posted-wait logit drivers).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np
import simpy

from sim.engine import simulate_replication
from sim.model import build_model
from sim.runner import run_replication
from sim.scenario import load_scenario, scenario_from_dict
from sim.travellers import sample_travellers

ROOT = Path(__file__).resolve().parents[1]


def mm10(hours: float) -> dict:
    return {
        "name": "M/M/10 benchmark",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": hours, "warmup_h": 0, "drain_h": 1},
        "seed": 1,
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": [540.0] * 24}}},
        "lane_groups": {
            "booths": {
                "mode": "vehicle",
                "programs": ["general"],
                "lanes": 10,
                "service": {"general": {"dist": "exponential", "mean_s": 60.0}},
            }
        },
    }


def best_of(fn, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


def idiomatic_simpy_mm10(arrival_s: np.ndarray, service_s: np.ndarray) -> None:
    """The textbook SimPy model: a generator process per customer requesting a Resource."""
    env = simpy.Environment()
    booths = simpy.Resource(env, capacity=10)
    waits = []

    def customer(env, s):
        t = env.now
        with booths.request() as req:
            yield req
            waits.append(env.now - t)
            yield env.timeout(s)

    def source(env):
        last = 0.0
        for a, s in zip(arrival_s.tolist(), service_s.tolist(), strict=True):
            yield env.timeout(a - last)
            last = a
            env.process(customer(env, s))

    env.process(source(env))
    env.run()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats")
    ap.add_argument("--repeats", type=int, default=None)
    args = ap.parse_args()
    repeats = args.repeats or (2 if args.quick else 5)
    hours = 100 if args.quick else 400

    rows = []
    model = build_model(scenario_from_dict(mm10(hours)).scenario)
    tr = sample_travellers(model, 1, 0)
    n = len(tr)
    t, _ = best_of(lambda: simulate_replication(model, tr, 0), repeats)
    rows.append(("M/M/10 ρ=0.9, engine only", n, t))
    t, _ = best_of(lambda: simulate_replication(model, sample_travellers(model, 1, 0), 0), repeats)
    rows.append(("M/M/10 ρ=0.9, sampling + engine", n, t))
    svc = tr.service_s[0]
    t, _ = best_of(lambda: idiomatic_simpy_mm10(tr.arrival_s, svc), max(1, repeats // 2))
    rows.append(("M/M/10 ρ=0.9, idiomatic SimPy (reference)", n, t))

    for label, path in (("Otay Mesa baseline 48 h", "scenarios/otay_mesa/baseline.yaml"),
                        ("Region (SY+OM) 48 h, officers + logit", "scenarios/region/baseline.yaml")):
        m = build_model(load_scenario(ROOT / path).scenario)
        mtr = sample_travellers(m, 1, 0)
        t, _ = best_of(lambda: simulate_replication(m, mtr, 0), repeats)  # noqa: B023 (called at once)
        rows.append((f"{label}, engine only", len(mtr), t))
        t, _ = best_of(lambda: run_replication(m, 1, 0), repeats)  # noqa: B023
        rows.append((f"{label}, full replication (+ statistics)", len(mtr), t))

    print(f"python {platform.python_version()}, simpy {simpy.__version__}, numpy {np.__version__}, "
          f"{platform.machine()}, best of {repeats}")
    print(f"{'benchmark':58s} {'entities':>9s} {'seconds':>8s} {'entities/s':>11s}")
    for name, n, t in rows:
        print(f"{name:58s} {n:9d} {t:8.3f} {n / t:11,.0f}")


if __name__ == "__main__":
    main()
