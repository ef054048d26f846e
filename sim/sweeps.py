"""Parameter sweeps: a grid of what-ifs made by setting fields of a base scenario.

``--set lane_groups.pov_general.lanes_open=4..12`` gives nine variants; several ``--set``
options give their full factorial grid. Every variant is run with the same seed and
replication numbers, so differences between grid points are paired (common random numbers).
"""

from __future__ import annotations

import copy
import itertools
import os
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pandas as pd
import yaml

from sim.errors import PoesimError
from sim.results import Sweep
from sim.runner import Execution, RunRequest, run
from sim.scenario import LoadedScenario, load_scenario, scenario_from_dict

Setting = tuple[str, list[Any]]


def parse_set(spec: str) -> Setting:
    """``path=a..b`` (whole numbers a to b), ``path=x,y,z`` or ``path=x`` → (path, values)."""
    if "=" not in spec:
        raise PoesimError(f"--set {spec!r}: expected FIELD=VALUES, e.g. lane_groups.general.lanes_open=4..12")
    path, text = (s.strip() for s in spec.split("=", 1))
    if ".." in text:
        lo, hi = text.split("..", 1)
        try:
            a, b = int(lo), int(hi)
        except ValueError:
            raise PoesimError(f"--set {spec!r}: a range needs whole numbers, like 4..12") from None
        if b < a:
            raise PoesimError(f"--set {spec!r}: empty range {a}..{b}")
        return path, list(range(a, b + 1))
    return path, [yaml.safe_load(v) for v in text.split(",")]


def set_field(doc: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``doc`` with the dotted ``path`` set; every parent must already exist."""
    out = copy.deepcopy(doc)
    parts = path.split(".")
    node: Any = out
    for i, part in enumerate(parts[:-1]):
        if not isinstance(node, dict) or part not in node:
            where = ".".join(parts[:i]) or "the top level"
            options = sorted(node) if isinstance(node, dict) else []
            raise PoesimError(f"--set {path}: no field {part!r} under {where}; expected one of {options}")
        node = node[part]
    if not isinstance(node, dict):
        raise PoesimError(f"--set {path}: {'.'.join(parts[:-1])} is not a mapping")
    node[parts[-1]] = value
    return out


def apply_settings(loaded: LoadedScenario, settings: Sequence[tuple[str, Any]]) -> LoadedScenario:
    """``loaded`` with each dotted field path set to its value and validated again; its name gains the
    settings (e.g. ``baseline [demand_scale=1.1]``), its file and ``extends`` chain stay. No settings: as it is."""
    if not settings:
        return loaded
    doc = loaded.resolved
    for path, value in settings:
        doc = set_field(doc, path, value)
    label = ", ".join(f"{p}={v}" for p, v in settings)
    doc = {**doc, "name": f"{loaded.scenario.name} [{label}]"}
    changed = scenario_from_dict(doc, name=f"{loaded.path} [{label}]")
    return replace(changed, path=loaded.path, chain=loaded.chain)


def run_sweep(base: LoadedScenario | str | os.PathLike, settings: Sequence[Setting], replications: int | None = None,
              seed: int | None = None, *, request: RunRequest | None = None, execution: Execution | None = None,
              **options: Any) -> Sweep:
    """Run every grid point of ``settings`` over ``base`` with common random numbers (replications
    and seed default to the base's). Options as for ``runner.run`` (no checkpoints)."""
    req, exe = RunRequest.of(request, options, replications=replications, seed=seed), Execution.of(execution, options)
    if options:
        raise TypeError(f"run_sweep() got unexpected keyword arguments: {', '.join(sorted(options))}")
    loaded = base if isinstance(base, LoadedScenario) else load_scenario(base)
    if not settings:
        raise PoesimError("sweep: expected at least one --set FIELD=VALUES")
    req = replace(req, replications=req.replications if req.replications is not None else loaded.scenario.replications,
                  seed=loaded.scenario.seed if req.seed is None else req.seed)
    paths = [p for p, _ in settings]
    points = [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*(v for _, v in settings))]
    variants = []
    for point in points:
        doc = loaded.resolved
        for path, value in point.items():
            doc = set_field(doc, path, value)
        label = ", ".join(f"{p}={v}" for p, v in point.items())
        doc = {**doc, "name": f"{loaded.scenario.name} [{label}]"}
        variants.append(scenario_from_dict(doc, name=f"{loaded.path} [{label}]"))
    with exe.executor_scope(jobs=req.replications) as ex:
        runs = [run(v, request=req, execution=exe.borrowing(ex)) for v in variants]
    parts = []
    for point, r in zip(points, runs, strict=True):
        t = r.by_band.copy()
        for path, value in point.items():
            t.insert(0, path, value)
        parts.append(t)
    return Sweep(list(settings), points, runs, pd.concat(parts, ignore_index=True))
