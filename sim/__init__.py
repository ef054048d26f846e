"""poesim: a discrete-event simulator of land ports of entry.

Flow: scenario (YAML, validated) → model (compiled) → travellers (random draws) → engine
(SimPy) → records (per traveller) → statistics (pure functions) → reports (tables, plots),
with the runner (replications, comparisons) and the CLI on top.

From Python::

    import sim
    result = sim.run("scenarios/otay_mesa/baseline.yaml", replications=5)
    result.summary          # waits by lane group × program × hour, with 95 % CIs
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from sim.runner import Comparison, RunResult, compare, run
    from sim.scenario import LoadedScenario, load_scenario, scenario_from_dict

# Imported on first use, so that `poesim validate` or `--help` does not pay for pandas and SciPy.
_LAZY = {"Comparison": "sim.runner", "RunResult": "sim.runner", "compare": "sim.runner", "run": "sim.runner",
         "LoadedScenario": "sim.scenario", "load_scenario": "sim.scenario", "scenario_from_dict": "sim.scenario"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")

__all__ = [
    "Comparison", "LoadedScenario", "RunResult", "compare", "load_scenario", "run", "scenario_from_dict", "__version__",
]
