"""poesim: a discrete-event simulator of land ports of entry.

Flow: scenario (YAML, validated) → model (compiled) → travellers (random draws) → engine
(SimPy) → records (per traveller) → statistics (pure functions) → reports (tables, plots),
with the runner (replications, comparisons) and the CLI on top.

From Python::

    import sim
    result = sim.run("scenarios/otay_mesa/baseline.yaml", replications=5)
    result.summary          # waits by lane group × program × hour, with 95 % CIs
"""

__version__ = "0.1.0"

from sim.runner import Comparison, RunResult, compare, run  # noqa: E402
from sim.scenario import LoadedScenario, load_scenario, scenario_from_dict  # noqa: E402

__all__ = [
    "Comparison", "LoadedScenario", "RunResult", "compare", "load_scenario", "run", "scenario_from_dict", "__version__",
]
