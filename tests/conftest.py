"""Shared fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def root() -> Path:
    return ROOT


def pytest_configure(config: pytest.Config) -> None:
    """Compile the fast engine (and the statistics' binning loops) once, in the process that starts the
    run, before any test or xdist worker needs it: numba caches the machine code on disk
    (``cache=True``), so the workers (and the runs' worker processes) load it instead of each
    compiling it again (about a minute on 2 cores, once per checkout)."""
    if hasattr(config, "workerinput"):  # an xdist worker: the controller has compiled already
        return
    from sim import statistics
    from sim.fastengine.run import simulate_replication
    from sim.model import build_model
    from sim.scenario import load_scenario
    from sim.travellers import sample_travellers

    model = build_model(load_scenario(ROOT / "scenarios" / "theory" / "mmc.yaml").scenario)
    statistics.hourly_totals(simulate_replication(model, sample_travellers(model, 1, 0), 0))  # and the binning loops
