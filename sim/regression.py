"""Regression baselines: store a scenario's per-replication statistics, re-run it later, and
flag the cells that moved by more than statistical noise allows.

Test. The new run uses the baseline's seed and replication numbers, so replication r of
both saw the same travellers (common random numbers). For every cell (mode × lane group ×
program × hour band, including the whole window) and metric (mean, p50, p90, p95 wait), a
paired t-test on the per-replication differences asks whether the mean difference is zero.
Under the null hypothesis (the model's output distribution is unchanged) the differences have
mean zero whether or not a code change reshuffled the random numbers, so the test is valid
either way; pairing makes it far more sensitive than comparing two independent samples.
Holm's step-down correction over all the tests of a scenario keeps the family-wise
false-alarm rate at ``alpha`` (default 1 %): if nothing changed, the chance that a scenario is
flagged at all is at most 1 %. An unchanged model reproduces the baseline exactly (every
difference 0, p = 1), so the check is deterministic in CI. When the replications cannot be
paired (a baseline saved with another seed), Welch's two-sample test is used instead.

Replication by replication. The t-tests average over replications, so a change confined to one
replication (a rare branch taken in one of ten) hides in their noise. But an unchanged model
reproduces every replication to floating-point noise (``MIN_EFFECT_MIN`` minutes or
``MIN_EFFECT_REL`` of the value), and a change that reshuffles the random numbers moves every
replication. So when at least one replication reproduces the baseline in every cell and metric,
each replication that moved beyond that noise in some cell is flagged, whatever the t-tests say.
When none reproduces (reshuffled random numbers, another seed) only the t-tests apply.

The baseline must be whole: a file with no cells, missing keys, values of the wrong type or
lists that do not match its replications is refused (``load_baseline``), and a cell in which the
new run has travellers but the baseline has none is a finding, not a note.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
from scipy import stats

from sim import __version__
from sim.errors import PoesimError
from sim.results import RunResult
from sim.statistics import ALL, WAIT_KEYS

BASELINE_METRICS = ("mean_wait_min", "p50_wait_min", "p90_wait_min", "p95_wait_min")
FORMAT = 1


def baseline_name(scenario_path: Path, scenarios_root: Path = Path("scenarios")) -> str:
    """File stem for a scenario's baseline: its path under ``scenarios/`` with '/' → '__'."""
    p = Path(scenario_path)
    try:
        rel = p.resolve().relative_to(scenarios_root.resolve())
    except ValueError:
        rel = Path(p.name)
    return "__".join(rel.with_suffix("").parts)


def baseline_document(result: RunResult, scenario_path: str) -> dict[str, Any]:
    """The JSON-able baseline of a run: per-replication values of every cell and metric."""
    per_rep = _without_redundant_cells(result.per_replication("by_band"))
    cells = []
    for key, d in per_rep.groupby(WAIT_KEYS, sort=True, observed=True):
        d = d.sort_values("replication")
        cells.append(
            {
                **dict(zip(WAIT_KEYS, key, strict=True)),
                "replications": d["replication"].tolist(),
                **{m: [None if np.isnan(v) else float(v) for v in d[m]] for m in BASELINE_METRICS},
            }
        )
    return {
        "format": FORMAT,
        "scenario": result.name,
        "scenario_file": scenario_path,
        "scenario_sha256": result.loaded.sha256,
        "seed": result.seed,
        "replications": result.replications,
        "poesim_version": __version__,
        "alpha_note": "values are per replication; see sim/regression.py for the test",
        "cells": cells,
    }


def _without_redundant_cells(per_rep: pd.DataFrame) -> pd.DataFrame:
    """Drop 'all' cells that merely repeat a single lane group or program (they would count as
    extra tests in the multiple-testing correction without adding information)."""
    groups = per_rep[per_rep["lane_group"] != ALL].groupby("mode")["lane_group"].nunique()
    programs = per_rep[per_rep["program"] != ALL].groupby(["mode", "lane_group"])["program"].nunique()
    keep_group = (per_rep["lane_group"] != ALL) | per_rep["mode"].map(groups).gt(1)
    n_prog = pd.Series(list(zip(per_rep["mode"], per_rep["lane_group"], strict=True)),
                       index=per_rep.index).map(programs)
    keep_prog = (per_rep["program"] != ALL) | n_prog.gt(1)
    return per_rep[keep_group & keep_prog]


@dataclass
class Finding:
    """One cell × metric whose change is statistically significant (or that disappeared)."""

    mode: str
    lane_group: str
    program: str
    hour: str
    metric: str
    baseline: float
    current: float
    p_value: float
    problem: str = "moved"
    replication: int | None = None  # set when one replication moved while others reproduce the baseline

    def describe(self) -> str:
        where = f"{self.mode}/{self.lane_group}/{self.program}/hours {self.hour}: {self.metric}"
        if self.problem != "moved":
            return f"{where}: {self.problem}"
        if self.replication is not None:
            return (f"{where}: replication {self.replication} moved {self.baseline:.3f} → {self.current:.3f} "
                    "while other replications reproduce the baseline exactly")
        return f"{where}: {self.baseline:.3f} → {self.current:.3f} (p = {self.p_value:.2g})"


@dataclass
class ScenarioCheck:
    scenario: str
    baseline_file: str
    tests: int
    alpha: float
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.findings


def welch_p_value(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided Welch t-test p-value; exact handling of zero-variance samples."""
    a, b = a[~np.isnan(a)], b[~np.isnan(b)]
    if len(a) < 2 or len(b) < 2:
        return 1.0 if np.allclose(a.mean() if len(a) else 0, b.mean() if len(b) else 0) else 0.0
    va, vb = a.var(ddof=1), b.var(ddof=1)
    if va == 0 and vb == 0:
        return 1.0 if np.isclose(a.mean(), b.mean(), rtol=1e-9, atol=1e-9) else 0.0
    return float(stats.ttest_ind(a, b, equal_var=False).pvalue)


def paired_p_value(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sided paired t-test p-value on b − a (pairs with a NaN are dropped); exact handling
    of constant differences (all zero: p = 1; all equal and non-zero: p = 0)."""
    d = b - a
    d = d[~np.isnan(d)]
    if len(d) == 0:
        return 1.0
    if len(d) < 2 or np.allclose(d, d[0], rtol=0, atol=1e-12):
        return 1.0 if np.allclose(d, 0, atol=1e-9) else 0.0
    return float(stats.ttest_1samp(d, 0.0).pvalue)


def holm_reject(p_values: np.ndarray, alpha: float) -> np.ndarray:
    """Holm's step-down procedure: which hypotheses to reject at family-wise level ``alpha``."""
    m = len(p_values)
    order = np.argsort(p_values)
    reject = np.zeros(m, dtype=bool)
    for rank, i in enumerate(order):
        if p_values[i] <= alpha / (m - rank):
            reject[i] = True
        else:
            break
    return reject


MIN_EFFECT_MIN = 0.01  # changes smaller than this (minutes) ...
MIN_EFFECT_REL = 0.001  # ... or than this share of the baseline value are never flagged


def _finding(key: tuple, **kw: Any) -> Finding:
    mode, lane_group, program, hour = (str(k) for k in key)
    return Finding(mode, lane_group, program, hour, **kw)


def _noise(value: float) -> float:
    """The largest change of ``value`` that floating-point differences between platforms explain."""
    return max(MIN_EFFECT_MIN, MIN_EFFECT_REL * abs(value))


def _same(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return abs(a - b) <= _noise(a)


def _replication_shifts(doc: dict[str, Any], current: dict[tuple, pd.DataFrame]) -> list[Finding]:
    """Replications that moved beyond floating-point noise while at least one other replication
    reproduces the baseline in every cell and metric (see the module docstring)."""
    reps = set(range(int(doc["replications"])))
    worst: dict[int, Finding] = {}
    for cell in doc["cells"]:
        key = tuple(cell[k] for k in WAIT_KEYS)
        d = current.get(key)
        cur_by_m = {m: {} if d is None else dict(zip(d["replication"], d[m].to_numpy(dtype=float), strict=True))
                    for m in BASELINE_METRICS}
        for m in BASELINE_METRICS:
            for r, v in zip(cell["replications"], cell[m], strict=True):
                b = math.nan if v is None else float(v)
                c = float(cur_by_m[m].get(r, math.nan))
                if _same(b, c):
                    continue
                size = math.inf if math.isnan(b) or math.isnan(c) else abs(c - b)
                old = worst.get(r)
                if old is None or size > abs(old.current - old.baseline) or math.isnan(old.current - old.baseline):
                    worst[r] = _finding(key, metric=m, baseline=b, current=c, p_value=0.0, replication=int(r))
    if not worst or not reps - set(worst):
        return []  # nothing moved, or every replication did (reshuffled random numbers): the t-tests decide
    return [worst[r] for r in sorted(worst)]


def check(doc: dict[str, Any], result: RunResult, baseline_file: str, alpha: float = 0.01) -> ScenarioCheck:
    """Compare a new run of a scenario with its stored baseline.

    A cell is flagged when Holm's procedure rejects it *and* the change is larger than
    ``MIN_EFFECT_MIN`` minutes and ``MIN_EFFECT_REL`` of the baseline value, so that floating-
    point noise from another platform or library build cannot fail a run."""
    per_rep = _without_redundant_cells(result.per_replication("by_band"))
    current = {key: d for key, d in per_rep.groupby(WAIT_KEYS, sort=True, observed=True)}
    out = ScenarioCheck(scenario=doc["scenario"], baseline_file=baseline_file, tests=0, alpha=alpha)
    if doc.get("scenario_sha256") != result.loaded.sha256:
        out.notes.append("the scenario file has changed since the baseline was saved")
    paired = doc["seed"] == result.seed
    if not paired:
        out.notes.append("seeds differ from the baseline's: replications are compared unpaired (Welch)")
    tests: list[tuple[Finding, float]] = []
    for cell in doc["cells"]:
        key = tuple(cell[k] for k in WAIT_KEYS)
        mode, lane_group, program, hour = key
        d = current.get(key)
        for m in BASELINE_METRICS:
            base = np.array([np.nan if v is None else v for v in cell[m]], dtype=float)
            f = Finding(mode, lane_group, program, hour, metric=m,
                        baseline=float(np.nanmean(base)) if np.isfinite(base).any() else np.nan,
                        current=np.nan, p_value=1.0)
            if d is None:
                if np.isfinite(base).any():
                    f.problem = "no travellers in this cell any more"
                    out.findings.append(f)
                continue
            by_rep = dict(zip(d["replication"], d[m].to_numpy(dtype=float), strict=True))
            cur = np.array([by_rep.get(r, np.nan) for r in cell["replications"]])
            f.current = float(np.nanmean(cur)) if np.isfinite(cur).any() else np.nan
            f.p_value = paired_p_value(base, cur) if paired else welch_p_value(base, d[m].to_numpy(dtype=float))
            tests.append((f, f.p_value))
    out.tests = len(tests)
    if tests:
        reject = holm_reject(np.array([p for _, p in tests]), alpha)
        out.findings += [
            f for (f, _), r in zip(tests, reject, strict=True)
            if r and abs(f.current - f.baseline) > max(MIN_EFFECT_MIN, MIN_EFFECT_REL * abs(f.baseline))
        ]
    if paired:
        flagged = {(f.mode, f.lane_group, f.program, f.hour, f.metric) for f in out.findings}
        out.findings += [f for f in _replication_shifts(doc, current)
                         if (f.mode, f.lane_group, f.program, f.hour, f.metric) not in flagged]
    new_cells = sorted(set(current) - {tuple(c[k] for k in WAIT_KEYS) for c in doc["cells"]})
    for key in new_cells:
        d = current[key]
        out.findings.append(_finding(key, metric="n", baseline=0.0, current=float(d["n"].mean()), p_value=0.0,
                                     problem="travellers in this cell now, none in the baseline"))
    return out


def report_text(checks: list[ScenarioCheck]) -> str:
    lines = []
    for c in checks:
        status = "ok" if c.passed else f"REGRESSION ({len(c.findings)} of {c.tests} tests)"
        lines.append(f"{c.scenario} [{c.baseline_file}]: {status} — {c.tests} paired t-tests, "
                     f"family-wise α = {c.alpha:g} (Holm)")
        lines += [f"  ! {f.describe()}" for f in c.findings]
        lines += [f"  note: {n}" for n in c.notes]
    return "\n".join(lines)


def report_json(checks: list[ScenarioCheck]) -> dict[str, Any]:
    return {
        "passed": all(c.passed for c in checks),
        "scenarios": [
            {
                "scenario": c.scenario, "baseline_file": c.baseline_file, "passed": c.passed, "tests": c.tests,
                "alpha": c.alpha, "notes": c.notes,
                "findings": [f.__dict__ for f in c.findings],
            }
            for c in checks
        ],
    }


def report_junit(checks: list[ScenarioCheck]) -> str:
    """JUnit XML: one test suite, one test case per scenario, a failure listing moved cells."""
    suite = ET.Element("testsuite", name="poesim regress", tests=str(len(checks)),
                       failures=str(sum(not c.passed for c in checks)))
    for c in checks:
        case = ET.SubElement(suite, "testcase", classname="poesim.regress", name=c.scenario)
        if not c.passed:
            fail = ET.SubElement(case, "failure", message=f"{len(c.findings)} statistically significant changes")
            fail.text = "\n".join(f.describe() for f in c.findings)
    return ET.tostring(suite, encoding="unicode")


MAX_BASELINE_BYTES = 64 * 1024 * 1024
_TOP_KEYS: dict[str, type | tuple[type, ...]] = {
    "format": int, "scenario": str, "scenario_file": str, "seed": int, "replications": int, "cells": list}


def load_baseline(path: Path) -> dict[str, Any]:
    """Read a baseline and check that it is whole; raise PoesimError naming the file and the key."""
    path = Path(path)
    again = f"save it again with `poesim baseline save SCENARIO --dir {path.parent}`"
    try:
        if not path.is_file():
            raise PoesimError(f"{path}: not a baseline file (missing, or not a regular file)")
        if path.stat().st_size > MAX_BASELINE_BYTES:
            raise PoesimError(f"{path}: larger than a baseline may be ({MAX_BASELINE_BYTES // 2**20} MB)")
        doc = json.loads(path.read_bytes())
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, PoesimError):
            raise
        raise PoesimError(f"{path}: cannot read the baseline ({str(exc)[:120]}); {again}") from None
    problems = baseline_problems(doc)
    if problems:
        raise PoesimError(f"{path}: not a whole baseline: " + "; ".join(problems[:5])
                          + (f" (and {len(problems) - 5} more)" if len(problems) > 5 else "") + f"; {again}")
    return doc


def baseline_problems(doc: Any) -> list[str]:
    """Why ``doc`` is not a whole baseline (empty if it is)."""
    if not isinstance(doc, dict):
        return ["expected a JSON object at the top level"]
    problems = []
    for key, kind in _TOP_KEYS.items():
        if key not in doc:
            problems.append(f"{key}: missing")
        elif not isinstance(doc[key], kind) or isinstance(doc[key], bool):
            problems.append(f"{key}: expected {getattr(kind, '__name__', kind)}, got {type(doc[key]).__name__}")
    if problems:
        return problems
    if doc["format"] != FORMAT:
        return [f"format: {doc['format']!r}, expected {FORMAT}"]
    n = doc["replications"]
    if not 1 <= n <= 100_000 or doc["seed"] < 0:
        problems.append(f"replications/seed: expected at least one replication and a seed ≥ 0, got {n} and "
                        f"{doc['seed']}")
    if not doc["cells"]:
        problems.append("cells: empty, so nothing would be tested")
    whole = False
    for i, cell in enumerate(doc["cells"]):
        where = f"cells[{i}]"
        if not isinstance(cell, dict):
            problems.append(f"{where}: expected an object")
            continue
        missing = [k for k in (*WAIT_KEYS, "replications", *BASELINE_METRICS) if k not in cell]
        if missing:
            problems.append(f"{where}: missing {', '.join(missing)}")
            continue
        if not all(isinstance(cell[k], str) for k in WAIT_KEYS):
            problems.append(f"{where}: {', '.join(WAIT_KEYS)} must be text")
        reps = cell["replications"]
        if (not isinstance(reps, list) or not reps
                or not all(isinstance(r, int) and not isinstance(r, bool) and 0 <= r < n for r in reps)
                or len(set(reps)) != len(reps)):
            problems.append(f"{where}.replications: expected distinct replication numbers 0..{n - 1}")
            continue
        whole = whole or len(reps) == n
        for m in BASELINE_METRICS:
            values = cell[m]
            if not isinstance(values, list) or len(values) != len(reps):
                problems.append(f"{where}.{m}: expected one value per replication ({len(reps)})")
            elif not all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v))
                         for v in values):
                problems.append(f"{where}.{m}: expected finite numbers (or null)")
    if doc["cells"] and not problems and not whole:
        problems.append(f"cells: no cell holds all {n} replications (a partial baseline)")
    return problems

