"""The fast engine: the SimPy engine's semantics (the ``sim.engine`` docstring) compiled with numba.

Given the same drawn travellers (``sim.travellers``) it gives every traveller the same lane group,
lane, booth start, departure and secondary times as the SimPy engine (to 1e-9 s; in practice
bit for bit, since it makes the same decisions in the same order with the same floating-point
operations), and the same hourly queue peaks and open-booth record, so ``Records`` and everything
after them are unchanged. ``tests/fastengine/`` checks this traveller by traveller.

Covered: every feature of the semantics — shared and per-lane FCFS lines, opening schedules
(non-preemptive close), stacked booths, ``service_by_hour``, lane choice by shortest expected wait,
fixed shares and the posted-wait logit (give-up, departure shifts, lane by line seen or posted wait),
secondary inspection, ``window.max_in_line``, lane policies (with closed hours and priorities),
shared lane pools and officers' rosters (``keep_staffed`` too) — for whole replications and for
streaming runs (``FastEngine`` has the SimPy ``Engine``'s ``feed``/``advance``/``retire``/``drain``).
``supports`` refuses nothing today; it is where a new engine feature must be refused until the
kernel implements it, and the runner then falls back to SimPy, saying why.

Layout: ``support`` says whether a model is covered, ``layout`` turns a model into arrays,
``kernel`` is the compiled event loop (the only numba code), ``run`` the typed entry points
(``FastEngine``, ``simulate_replication``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.fastengine.support import supports

if TYPE_CHECKING:
    from sim.model import Model
    from sim.records import Records
    from sim.travellers import Travellers

__all__ = ["simulate_replication", "supports"]


def simulate_replication(model: Model, travellers: Travellers, replication: int = 0) -> Records:
    """``sim.fastengine.run.simulate_replication`` (imported on first use: numba loads slowly)."""
    from sim.fastengine.run import simulate_replication as run

    return run(model, travellers, replication)
