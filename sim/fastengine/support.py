"""Which models the fast engine can run: ``supports(model) -> (bool, reason)``.

The fast engine re-implements the SimPy engine's semantics feature by feature; a model using a
feature it does not cover yet runs on the SimPy engine (the reference), and the reason names that
feature so the runner's one-line notice says why.
"""

from __future__ import annotations

from sim.model import Model

__all__ = ["supports"]


def supports(model: Model) -> tuple[bool, str]:
    """(True, "") if the fast engine gives this model the same results as the SimPy engine, else
    (False, the first feature it does not cover)."""
    if model.rosters:
        return False, "officers' rosters (staffing:) are not in the fast engine yet"
    for s in model.streams:
        if s.logit is not None:
            return False, f"stream {s.name!r} chooses by the posted-wait logit, not in the fast engine yet"
    for g in model.groups:
        if g.roster is not None:  # (the schema requires a roster for staffed_by; kept for safety)
            return False, f"lane group {g.name!r} is staffed by a roster, not in the fast engine yet"
    return True, ""
