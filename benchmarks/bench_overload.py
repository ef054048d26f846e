"""Memory of an overloaded run (not a test): Otay Mesa's baseline at ten times its demand.

    .venv/bin/python benchmarks/bench_overload.py                 # 7 and 28 days, x10 demand
    .venv/bin/python benchmarks/bench_overload.py --days 7 --scale 10 --max-in-line 1000000

Each case runs one replication in a fresh process (``--stats auto``) and prints its wall time,
peak resident memory, travellers drawn, and travellers unserved per replication. Lines are capped
at ``window.max_in_line`` (default 20,000 per lane group): arrivals beyond it are counted as
unserved, not simulated, so memory stays bounded however long the overload lasts.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios/otay_mesa/baseline.yaml"

CHILD = """
import dataclasses, resource, sys, time
from sim.model import build_model
from sim.runner import run_replication
from sim.scenario import load_scenario, scenario_from_dict
days, scale, cap = int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
data = load_scenario(sys.argv[1]).resolved
data["window"].update(duration_h=24 * days, warmup_h=24, drain_h=6, max_in_line=cap)
m = build_model(scenario_from_dict(data).scenario)
m = dataclasses.replace(m, streams=tuple(dataclasses.replace(s, rate_per_s=s.rate_per_s * scale) for s in m.streams))
t = time.perf_counter()
out = run_replication(m, 1, 0)
wall = time.perf_counter() - t
w = out.by_hour
whole = w[(w["hour"] == "all") & (w["lane_group"] == "all") & (w["program"] == "all")]
print(out.n_travellers, int(whole["n_unserved"].sum()), wall, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def case(days: int, scale: float, cap: int) -> tuple[int, int, float, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(BASE), str(days), str(scale), str(cap)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    n, unserved, wall, peak_mib = out.stdout.split()
    return int(n), int(unserved), float(wall), float(peak_mib)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--days", type=int, nargs="+", default=[7, 28])
    ap.add_argument("--scale", type=float, default=10.0)
    ap.add_argument("--max-in-line", type=int, default=20_000)
    args = ap.parse_args()
    print(f"Otay Mesa baseline x{args.scale:g} demand, max_in_line {args.max_in_line:,}, one replication")
    print(f"{'days':>5} {'travellers':>11} {'unserved':>10} {'wall s':>8} {'peak MiB':>9}")
    for days in args.days:
        n, unserved, wall, peak = case(days, args.scale, args.max_in_line)
        print(f"{days:5d} {n:11,d} {unserved:10,d} {wall:8.1f} {peak:9.0f}", flush=True)


if __name__ == "__main__":
    main()
