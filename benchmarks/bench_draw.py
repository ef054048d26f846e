"""Drawing one replication's travellers (not a test): the Otay Mesa year day by day, and the 48-hour baseline.

    .venv/bin/python benchmarks/bench_draw.py              # best of 5 for both
    .venv/bin/python benchmarks/bench_draw.py --repeats 3  # fewer repeats

Measures (best of N, one process; wall clock and CPU seconds, since the machine is shared):
  * the Otay Mesa full year (``scenarios/otay_mesa/year_2017.yaml``, seed 1, replication 0) drawn one day at
    a time with ``TravellerSource.take``, as streaming runs draw it;
  * the Otay Mesa 48-hour baseline (``scenarios/otay_mesa/baseline.yaml``) drawn whole with
    ``sample_travellers``.
Building the model and the generators is inside the timing, as in a run; loading the scenario is not.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from timing import best_of  # noqa: E402

from sim.model import Model, build_model  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402
from sim.travellers import TravellerSource, sample_travellers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DAY_S = 86400.0


def draw_day_by_day(model: Model) -> int:
    """Draw every traveller of one replication a day at a time; returns how many."""
    source = TravellerSource(model, 1, 0)
    n, t = 0, DAY_S
    while True:
        n += len(source.take(min(t, model.horizon_s)))
        if t >= model.horizon_s:
            return n
        t += DAY_S


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    year = build_model(load_scenario(ROOT / "scenarios/otay_mesa/year_2017.yaml").scenario)
    base = build_model(load_scenario(ROOT / "scenarios/otay_mesa/baseline.yaml").scenario)
    n_year = draw_day_by_day(year)
    n_base = len(sample_travellers(base, 1, 0))  # also the warm-up (imports, first calls)
    wall, cpu = best_of(lambda: draw_day_by_day(year), args.repeats)
    print(f"Otay Mesa year, day by day ({n_year:,} travellers): {wall:.2f} s wall, {cpu:.2f} s CPU")
    wall, cpu = best_of(lambda: sample_travellers(base, 1, 0), args.repeats)
    print(f"Otay Mesa 48 h baseline ({n_base:,} travellers): {wall * 1e3:.1f} ms wall, {cpu * 1e3:.1f} ms CPU")


if __name__ == "__main__":
    main()
