#!/usr/bin/env python
"""One process that draws a scenario's travellers and (unless ``--draw-only``) runs the engine once:
the unit of the instruction counts in ``BENCHMARKS.md``, which do not depend on the machine's load.

Engine instructions = the count of a full process minus that of a ``--draw-only`` one::

    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python benchmarks/engine_instructions.py \
        scenarios/otay_mesa/baseline.yaml 2>&1 | grep 'Collected'
    valgrind --tool=callgrind --callgrind-out-file=/dev/null .venv/bin/python benchmarks/engine_instructions.py \
        scenarios/otay_mesa/baseline.yaml --draw-only 2>&1 | grep 'Collected'
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sim.engine import simulate_replication
from sim.model import build_model
from sim.scenario import load_scenario
from sim.travellers import sample_travellers


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--draw-only", action="store_true", help="draw the travellers, do not run the engine")
    args = ap.parse_args()
    model = build_model(load_scenario(args.scenario).scenario)
    travellers = sample_travellers(model, 1, 0)
    if not args.draw_only:
        simulate_replication(model, travellers, 0)


if __name__ == "__main__":
    main()
