"""Read scenario YAML files: resolve ``extends:`` chains, validate, and report problems with
file, line and field.

A child file is deep-merged over its parent: mappings merge key by key, any other value
(lists included) replaces the parent's, and ``null`` deletes the parent's key (e.g. to drop a
lane group). ``extends`` paths are relative to the file that names them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario

Location = tuple[str, int]  # (file, 1-based line)
PathKey = tuple[Any, ...]


@dataclass(frozen=True)
class LoadedScenario:
    """A validated scenario plus where it came from (for manifests and messages)."""

    scenario: Scenario
    path: Path
    resolved: dict[str, Any]  # the merged document after ``extends``, before defaults
    chain: tuple[Path, ...]  # the file and its ancestors, child first

    @property
    def sha256(self) -> str:
        """Hash of the resolved document: two files describing the same port hash alike."""
        text = json.dumps(self.resolved, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()


def _compose(path: Path) -> tuple[Any, dict[PathKey, Location]]:
    """Parse one YAML file into plain data and a map from each field path to its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read ({exc.strerror})"]) from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError([f"{where}: not valid YAML: {problem}"]) from None
    finally:
        loader.dispose()
    if node is None or data is None:  # an empty file (no node) or a bare null
        return {}, {}
    lines: dict[PathKey, Location] = {}
    problems: list[str] = []

    def walk(n: yaml.Node, key: PathKey) -> None:
        lines[key] = (str(path), n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            seen: set[Any] = set()
            for k, v in n.value:
                if k.value in seen:
                    problems.append(f"{path}:{k.start_mark.line + 1}: {_dotted(key + (k.value,))}: duplicate key")
                seen.add(k.value)
                walk(v, key + (k.value,))
                lines[key + (k.value,)] = (str(path), k.start_mark.line + 1)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                walk(v, key + (i,))

    walk(node, ())
    if problems:
        raise ScenarioError(problems)
    if not isinstance(data, dict):
        raise ScenarioError([f"{path}:1: expected a mapping of scenario fields at the top level"])
    return data, lines


def _merge(base: Any, over: Any, base_lines: dict, over_lines: dict, key: PathKey) -> Any:
    """Deep-merge ``over`` onto ``base``; ``base_lines`` is updated with the winning locations."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            sub = key + (k,)
            if v is None:
                out.pop(k, None)
                continue
            if k in out and isinstance(out[k], dict) and isinstance(v, dict):
                out[k] = _merge(out[k], v, base_lines, over_lines, sub)
                base_lines[sub] = over_lines.get(sub, base_lines.get(sub))
            else:
                for p in [p for p in base_lines if p[: len(sub)] == sub]:
                    del base_lines[p]
                base_lines.update({p: loc for p, loc in over_lines.items() if p[: len(sub)] == sub})
                out[k] = v
        return out
    return over


def resolve(
    path: str | Path, _seen: tuple[Path, ...] = ()
) -> tuple[dict[str, Any], dict[PathKey, Location], tuple[Path, ...]]:
    """Merge a scenario file over its ``extends`` ancestors; return data, line map and chain."""
    path = Path(path)
    real = path.resolve()
    if real in _seen:
        cycle = " -> ".join(str(p) for p in (*_seen, real))
        raise ScenarioError([f"{path}: extends: circular chain {cycle}"])
    data, lines = _compose(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data, lines, (path,)
    if not isinstance(parent, str):
        line = lines.get(("extends",), (str(path), 1))[1]
        raise ScenarioError([f"{path}:{line}: extends: expected a file path, got {parent!r}"])
    parent_path = path.parent / parent
    if not parent_path.exists():
        line = lines.get(("extends",), (str(path), 1))[1]
        raise ScenarioError([f"{path}:{line}: extends: parent file {parent_path} not found"])
    base, base_lines, chain = resolve(parent_path, (*_seen, real))
    merged = _merge(base, data, base_lines, lines, ())
    return merged, base_lines, (path, *chain)


def _dotted(loc: PathKey) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _data_path(data: Any, loc: tuple[Any, ...]) -> PathKey:
    """Drop the parts of a pydantic error location that name union branches, not data keys."""
    path: list[Any] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node:
            node = node[part]
            path.append(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
            path.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and part not in node and not path[-1:] == [part]:
            # a missing required field (keep it) or a union tag such as 'lognormal' (skip it)
            if part in {"exponential", "deterministic", "lognormal", "gamma", "empirical",
                        "shortest_expected_wait", "fixed_shares", "posted_wait_logit"}:
                continue
            path.append(part)
            node = None
    return tuple(path)


def _where(lines: dict[PathKey, Location], path: PathKey, fallback: str) -> str:
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            f, line = lines[path[:n]]
            return f"{f}:{line}"
    return fallback


def _format_errors(exc: ValidationError, data: dict, lines: dict[PathKey, Location], fallback: str) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        path = _data_path(data, tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see `poesim schema` for the format)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        if not path and "\n" in msg:  # cross-reference problems: each names its own field
            for line in msg.splitlines():
                field = line.split(":", 1)[0]
                sub = tuple(int(p) if p.isdigit() else p for p in field.split("."))
                problems.append(f"{_where(lines, sub, fallback)}: {line}")
            continue
        if not path and ":" in msg and msg.split(":", 1)[0].startswith(("streams.", "lane_groups.", "secondary")):
            field = msg.split(":", 1)[0]
            sub = tuple(field.split("."))
            problems.append(f"{_where(lines, sub, fallback)}: {msg}")
            continue
        got = ""
        if err["type"] not in ("missing",) and not isinstance(err.get("input"), dict):
            got = f" (got {err.get('input')!r})"
        problems.append(f"{_where(lines, path, fallback)}: {_dotted(path)}: {msg}{got}")
    return problems


def load_scenario(path: str | os.PathLike[str]) -> LoadedScenario:
    """Load, merge and validate a scenario file; raise ScenarioError listing every problem."""
    path = Path(path)
    data, lines, chain = resolve(path)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, data, lines, str(path))) from None
    return LoadedScenario(scenario=scenario, path=path, resolved=data, chain=chain)


def scenario_from_dict(data: dict[str, Any], name: str = "<dict>") -> LoadedScenario:
    """Validate a scenario given as a Python mapping (notebooks, tests, sweeps)."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, data, {}, name)) from None
    return LoadedScenario(scenario=scenario, path=Path(name), resolved=dict(data), chain=())


def json_schema() -> dict[str, Any]:
    """The scenario format as JSON Schema (what `poesim schema` prints)."""
    return Scenario.model_json_schema()
