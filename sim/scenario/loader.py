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
import re
import stat
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario, short_repr

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


MAX_FILE_BYTES = 2 * 1024 * 1024  # a scenario file; the largest shipped one is 14 kB
MAX_DEPTH = 20  # nesting of mappings and lists; scenarios need 6
MAX_VALUES = 250_000  # values in a file once its aliases (*name) are expanded
ROOTS_ENV = "POESIM_SCENARIO_ROOTS"  # further directories ``extends`` may reach (os.pathsep-separated)
SCENARIO_SUFFIXES = (".yaml", ".yml")
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the same documents, parsed in C when it can


def _read_text(path: Path) -> str:
    """The text of a scenario file: a regular file of at most ``MAX_FILE_BYTES`` in UTF-8.

    Opened without blocking and checked with ``fstat`` on the open file, so a named pipe, a
    device (``/dev/zero``) or a directory is refused before a byte is read."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except FileNotFoundError:
        raise ScenarioError([f"{path}: file not found"]) from None
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read ({exc.strerror})"]) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file (a pipe, device or socket)"
            raise ScenarioError([f"{path}: {kind}; expected a scenario YAML file"])
        if info.st_size > MAX_FILE_BYTES:
            raise ScenarioError([f"{path}: {info.st_size / 1e6:.1f} MB, more than a scenario file may be "
                                 f"({MAX_FILE_BYTES / 1e6:.1f} MB); is this the right file?"])
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([f"{path}: cannot read ({exc.strerror})"]) from None
    finally:
        os.close(fd)
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError([f"{path}: more than a scenario file may be ({MAX_FILE_BYTES / 1e6:.1f} MB)"])
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise ScenarioError([f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); "
                             "save the scenario as UTF-8"]) from None


def _yaml_problem(path: Path, text: str, exc: Exception) -> ScenarioError:
    """A YAML error as one line naming the file and line (no traceback)."""
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, max(exc.position, 0)) + 1
        return ScenarioError([f"{path}:{line}: not valid YAML: character #x{exc.character:04x} is not allowed "
                              "(control characters cannot appear in a scenario)"])
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return ScenarioError([f"{where}: not valid YAML: {problem}"])


def _line(event: Any) -> int:
    mark = getattr(event, "start_mark", None)
    return mark.line + 1 if mark is not None else 1


def _check_shape(path: Path, text: str) -> None:
    """Refuse, from the YAML events alone (no recursion, linear in the file), documents nested
    deeper than ``MAX_DEPTH``, with more than ``MAX_VALUES`` values once aliases are expanded
    (a 'billion laughs' file), or with an alias inside the collection it names (a cycle)."""
    depth, total = 0, 0
    sizes: dict[str, int] = {}  # anchor -> values it stands for, once its node is complete
    stack: list[list[Any]] = [[0, None]]  # open collections: [values so far, anchor]
    loader = _YAML_LOADER(text)
    try:
        while (event := loader.get_event()) is not None:
            n = 0
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise ScenarioError([f"{path}:{_line(event)}: nested more than {MAX_DEPTH} "
                                         "levels deep; a scenario needs a handful"])
                stack.append([1, event.anchor])
                total += 1
                continue
            if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
                n, anchor = stack.pop()
                if anchor is not None:
                    sizes[anchor] = n
            elif isinstance(event, yaml.ScalarEvent):
                n = 1
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in sizes:
                    name = str(event.anchor)[:40]
                    why = ("is used inside the collection it names (a cycle)"
                           if any(a == event.anchor for _, a in stack[1:])
                           else f"names no anchor (&{name}) defined before it")
                    raise ScenarioError([f"{path}:{_line(event)}: alias *{name} {why}"])
                n = sizes[event.anchor]
                total += n
            else:
                continue
            stack[-1][0] += n
            if total > MAX_VALUES:
                raise ScenarioError([f"{path}:{_line(event)}: more than {MAX_VALUES} values once "
                                     "aliases (*name) are expanded; a scenario needs a few thousand"])
    except yaml.YAMLError as exc:
        raise _yaml_problem(path, text, exc) from None
    finally:
        loader.dispose()


def _compose(path: Path) -> tuple[Any, dict[PathKey, Location]]:
    """Parse one YAML file into plain data and a map from each field path to its line."""
    text = _read_text(path)
    _check_shape(path, text)
    loader = _YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _yaml_problem(path, text, exc) from None
    except (ValueError, OverflowError, TypeError):  # a scalar YAML reads but Python cannot hold, e.g. hour 25
        raise ScenarioError([_unreadable_scalar(path, node)]) from None
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
                if not isinstance(k, yaml.ScalarNode):
                    problems.append(f"{path}:{k.start_mark.line + 1}: {_dotted(key)}: a key must be a plain name, "
                                    "not a list or mapping")
                    continue
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


def _unreadable_scalar(path: Path, root: Any) -> str:
    """Find the first scalar the constructor cannot turn into a value; name its line and field."""
    constructor = yaml.constructor.SafeConstructor()
    todo: deque[tuple[Any, PathKey]] = deque([(root, ())])
    while todo:
        n, key = todo.popleft()
        if isinstance(n, yaml.ScalarNode):
            try:
                constructor.construct_object(n)
            except (ValueError, OverflowError, TypeError) as exc:
                return (f"{path}:{n.start_mark.line + 1}: {_dotted(key)}: cannot read this value "
                        f"({str(exc)[:80]})")
        elif isinstance(n, yaml.MappingNode):
            todo += [(v, key + (k.value if isinstance(k, yaml.ScalarNode) else "?",)) for k, v in n.value]
        elif isinstance(n, yaml.SequenceNode):
            todo += [(v, key + (i,)) for i, v in enumerate(n.value)]
    return f"{path}: a value cannot be read"


def _merge(base: Any, over: Any, base_lines: dict, over_lines: dict, key: PathKey) -> Any:
    """Deep-merge ``over`` onto ``base``; ``base_lines`` is updated with the winning locations."""
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            sub = key + (k,)
            if v is None:  # the child deletes the parent's entry; a problem it causes is the child's
                out.pop(k, None)
                for p in [p for p in base_lines if p[: len(sub)] == sub]:
                    del base_lines[p]
                if sub in over_lines:
                    base_lines[sub] = over_lines[sub]
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


def scenario_tree(path: str | Path) -> Path:
    """The directory a scenario's ``extends`` chain may reach: the nearest enclosing directory
    named ``scenarios`` (the library), else the file's own directory."""
    real = Path(path).resolve().parent
    return next((d for d in (real, *real.parents) if d.name == "scenarios"), real)


def allowed_roots(path: str | Path, roots: Sequence[str | Path] = ()) -> tuple[Path, ...]:
    """Directories ``extends`` may reach from the file ``path``: its scenario tree, the given
    ``roots`` and those in ``$POESIM_SCENARIO_ROOTS``."""
    extra = [r for r in os.environ.get(ROOTS_ENV, "").split(os.pathsep) if r.strip()]
    return (scenario_tree(path), *(Path(r).resolve() for r in (*roots, *extra)))


def _is_scenario_mapping(data: dict[str, Any]) -> bool:
    return all(isinstance(k, str) and k in Scenario.model_fields for k in data)


def resolve(
    path: str | Path, _seen: tuple[Path, ...] = (), *, roots: Sequence[str | Path] = ()
) -> tuple[dict[str, Any], dict[PathKey, Location], tuple[Path, ...]]:
    """Merge a scenario file over its ``extends`` ancestors; return data, line map and chain.

    A parent must be a ``.yaml`` file inside the allowed directories (``allowed_roots`` of the
    file named first) and look like a scenario (top-level keys are scenario fields); nothing of a
    file that is not a scenario is ever repeated in a message."""
    path = Path(path)
    real = path.resolve()
    if real in _seen:
        cycle = " -> ".join(str(p) for p in (*_seen, real))
        raise ScenarioError([f"{path}: extends: circular chain {cycle}"])
    data, lines = _compose(path)
    if _seen and not _is_scenario_mapping(data):
        raise ScenarioError([f"{path}: not a scenario file (its top level holds fields a scenario does not have); "
                             "extends must name a scenario YAML file"])
    parent = data.pop("extends", None)
    if parent is None:
        return data, lines, (path,)
    line = lines.get(("extends",), (str(path), 1))[1]
    if not isinstance(parent, str) or not parent.strip():
        raise ScenarioError([f"{path}:{line}: extends: expected a file path, got {short_repr(parent)}"])
    parent_path = path.parent / parent
    if parent_path.suffix.lower() not in SCENARIO_SUFFIXES:
        raise ScenarioError([f"{path}:{line}: extends: expected a scenario file ending in .yaml, "
                             f"got {short_repr(parent)}"])
    allowed = allowed_roots(_seen[0] if _seen else path, roots)
    target = parent_path.resolve()
    if not any(target.is_relative_to(r) for r in allowed):
        raise ScenarioError([
            f"{path}:{line}: extends: {parent_path} is outside the scenario tree {allowed[0]}/; "
            f"copy it there, or allow its directory with {ROOTS_ENV}=DIR (several separated by "
            f"'{os.pathsep}')"])
    if not parent_path.exists():
        raise ScenarioError([f"{path}:{line}: extends: parent file {parent_path} not found"])
    base, base_lines, chain = resolve(parent_path, (*_seen, real), roots=roots)
    merged = _merge(base, data, base_lines, lines, ())
    return merged, base_lines, (path, *chain)


def _dotted(loc: PathKey) -> str:
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's name for a mapping key that is itself wrong
            out += " (the name)"
            continue
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


_FIELD_PREFIX = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z0-9_]+)*(, [a-z_.]+)*: ")
_NUMBER_TYPES = {"int_type", "float_type", "int_parsing", "float_parsing", "int_from_float"}


def _format_errors(exc: ValidationError, data: dict, lines: dict[PathKey, Location], fallback: str) -> list[str]:
    problems: list[str] = []
    for err in exc.errors(include_url=False):
        path = _data_path(data, tuple(err["loc"]))
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling; see `poesim schema` for the format)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        if not path and all(_FIELD_PREFIX.match(line) for line in msg.splitlines()):
            # cross-reference problems of the whole scenario: each line names its own field
            for line in msg.splitlines():
                field = line.split(":", 1)[0].split(",")[0]
                sub = tuple(int(p) if p.isdigit() else p for p in field.split("."))
                problems.append(f"{_where(lines, sub, fallback)}: {line}")
            continue
        got = ""
        value = err.get("input")
        if err["type"] not in ("missing", "extra_forbidden") and not isinstance(value, dict):
            got = f" (got {short_repr(value)})"  # never the value of an unknown field: it may be anything
            if err["type"] == "value_error" and "got " in msg:
                got = ""  # the check's own message says what it got
            elif err["type"] in _NUMBER_TYPES and isinstance(value, (str, bool)):
                got += ("; true/false is not a number" if isinstance(value, bool)
                        else "; write the number without quotes")
        problems.append(f"{_where(lines, path, fallback)}: {_dotted(path)}: {msg}{got}")
    return problems


def load_scenario(path: str | os.PathLike[str], roots: Sequence[str | os.PathLike[str]] = ()) -> LoadedScenario:
    """Load, merge and validate a scenario file; raise ScenarioError listing every problem.

    ``roots``: directories beyond the file's scenario tree that ``extends`` may reach."""
    path = Path(path)
    data, lines, chain = resolve(path, roots=[Path(r) for r in roots])
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, data, lines, str(path))) from None
    return LoadedScenario(scenario=scenario, path=path, resolved=data, chain=chain)


def _plain(x: Any) -> Any:
    """Python data as a YAML file would give it: NumPy scalars as Python numbers, tuples as lists
    (the schema is strict, and code building scenarios often computes values with NumPy)."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if hasattr(x, "dtype") and hasattr(x, "item") and getattr(x, "ndim", None) == 0:
        return x.item()
    return x


def scenario_from_dict(data: dict[str, Any], name: str = "<dict>") -> LoadedScenario:
    """Validate a scenario given as a Python mapping (notebooks, tests, sweeps)."""
    data = _plain(data)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(_format_errors(exc, data, {}, name)) from None
    return LoadedScenario(scenario=scenario, path=Path(name), resolved=dict(data), chain=())


def json_schema() -> dict[str, Any]:
    """The scenario format as JSON Schema (what `poesim schema` prints)."""
    return Scenario.model_json_schema()
