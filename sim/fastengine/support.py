"""Which models the fast engine can run: ``supports(model) -> (bool, reason)``.

The fast engine re-implements the SimPy engine's semantics feature by feature; a model using a
feature it does not cover runs on the SimPy engine (the reference), and the reason names that
feature so the runner's one-line notice says why. Every feature is covered today, for whole and
streaming runs alike; a new engine feature that the kernel does not implement yet must be refused
here first.
"""

from __future__ import annotations

from sim.model import Model

__all__ = ["supports"]


def supports(model: Model) -> tuple[bool, str]:
    """(True, "") if the fast engine gives this model the same results as the SimPy engine, else
    (False, the first feature it does not cover)."""
    del model  # every model feature is covered: schedules, policies, pools, rosters, the logit and its shifts
    return True, ""
