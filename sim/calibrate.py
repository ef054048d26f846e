"""``poesim calibrate``: public data → fitted scenario parameters, with their provenance.

A calibration is described by a YAML file (e.g. ``calibration/otay_mesa.yaml``) naming a port
module and the parameters to fit. The port module knows the data; this module knows the
procedure. The module (a dotted name, e.g. ``calibration.otay_mesa_baseline``, imported from the
directory of the config or the nearest parent holding its top-level package) must define:

* ``DATA_FILES``: the data files it reads, relative to the data directory (hashed into the record);
* ``derive(data_dir, parameters) -> {"scenario": mapping, ...}``: the scenario for given values;
* ``observations(data_dir) -> DataFrame`` with ``lane_group, hour, metric, observed``;
* one rendering function per entry of ``outputs``: ``fn(derived, record) -> str``.

``calibrate`` fits the parameters (``sim.fitting.fit``: method of moments, common random
numbers), then writes the parameter record (JSON: values, residuals, data hashes, settings) and
the rendered files: every file is rendered before the first one is replaced, and each is replaced
atomically, so a failing fit or renderer leaves the old files untouched.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveFloat, PositiveInt, ValidationError

from sim.checkpoints import atomic_write_bytes
from sim.errors import PoesimError
from sim.executors import executor_scope
from sim.fitting import FitResult, Parameter, fit, residuals


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    """A fitted parameter: its starting value, search bounds, and the observable it matches."""

    start: float
    bounds: tuple[float, float]
    metric: Literal["mean_wait_min", "lanes_open", "throughput_per_h"]
    lane_groups: list[str] = Field(min_length=1)
    xtol: PositiveFloat = 0.01
    decimals: NonNegativeInt = 3


class CalibrationConfig(_Strict):
    """The calibration file: which module derives the scenario, what to fit, where to write."""

    description: str
    module: str
    outputs: dict[str, str]  # file (relative to the config) -> the module's rendering function
    parameters_out: str
    replications: PositiveInt
    seed: NonNegativeInt
    passes: PositiveInt = 1
    parameters: dict[str, ParameterSpec] = Field(min_length=1)


def load_config(path: str | Path) -> CalibrationConfig:
    """Read and validate a calibration file; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PoesimError(f"{path}: cannot read the calibration file ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        raise PoesimError(f"{path}: not valid YAML: {exc}") from None
    try:
        return CalibrationConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{path}: {'.'.join(str(x) for x in e['loc']) or '<top>'}: {e['msg']}" for e in exc.errors()]
        raise PoesimError("\n".join(lines)) from None


def import_port_module(name: str, near: Path) -> ModuleType:
    """Import the port module ``name`` (dotted, e.g. ``calibration.otay_mesa_baseline``) from the
    nearest of ``near`` and its parents that holds its top-level package or module, so that
    ``poesim calibrate`` works from any directory without installing ``calibration/``."""
    top = name.split(".")[0]
    for d in (near.resolve(), *near.resolve().parents):
        if (d / top / "__init__.py").is_file() or (d / f"{top}.py").is_file():
            loaded = sys.modules.get(top)
            if loaded is not None and not Path(getattr(loaded, "__file__", "") or "").resolve().is_relative_to(d):
                for m in [m for m in sys.modules if m == top or m.startswith(top + ".")]:
                    del sys.modules[m]  # a module of that name from elsewhere (e.g. another config's)
            if str(d) not in sys.path:
                sys.path.insert(0, str(d))
            break
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise PoesimError(f"module: cannot import {name} ({exc})") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _parameters(cfg: CalibrationConfig) -> list[Parameter]:
    return [
        Parameter(name, p.start, p.bounds, p.metric, tuple(p.lane_groups), p.xtol, p.decimals)
        for name, p in cfg.parameters.items()
    ]


def _residual_records(table) -> dict[str, dict[str, Any]]:
    return {
        row["parameter"]: {
            "metric": row["metric"],
            "lane_groups": row["lane_groups"].split(","),
            "hours": int(row["hours"]),
            "observed_mean": round(row["observed_mean"], 3),
            "simulated_mean": round(row["simulated_mean"], 3),
            "bias": round(row["bias"], 3),
            "mae": round(row["mae"], 3),
        }
        for row in table.to_dict("records")
    }


def record(cfg: CalibrationConfig, config_path: Path, data_hashes: dict[str, str], result: FitResult) -> dict[str, Any]:
    """The parameter file's content: fitted values and how they were obtained (no timestamps, so
    the same data and code give the same bytes)."""
    return {
        "description": cfg.description,
        "generated_by": f"poesim calibrate {config_path.parent.name}/{config_path.name} --data <data directory>",
        "method": "method of moments: each parameter is the root (scipy.optimize.brentq) of the mean bias of its "
                  "observable against the observations, every evaluation with the same replications and seed "
                  "(common random numbers)",
        "replications": cfg.replications,
        "seed": cfg.seed,
        "passes": cfg.passes,
        "evaluations": result.evaluations,
        "data": data_hashes,
        "parameters": result.values,
        "residuals": _residual_records(result.residuals),
    }


def _prepare(config_path: Path, data_dir: Path) -> tuple[CalibrationConfig, ModuleType, dict[str, str], Any]:
    cfg = load_config(config_path)
    script = import_port_module(cfg.module, config_path.parent)
    for fn in ("derive", "observations", *cfg.outputs.values()):
        if not callable(getattr(script, fn, None)):
            raise PoesimError(f"{config_path}: module {cfg.module} has no function {fn!r}")
    if not data_dir.is_dir():
        raise PoesimError(f"--data: {data_dir} is not a directory "
                          "(expected the shared data directory, see calibration/README.md)")
    hashes: dict[str, str] = {}
    for rel in script.DATA_FILES:
        f = data_dir / rel
        if not f.is_file():
            raise PoesimError(f"--data: {data_dir} has no {rel} (needed by {cfg.module}; see calibration/README.md)")
        hashes[rel] = _sha256(f)
    return cfg, script, hashes, script.observations(data_dir)


def replay(
    config_path: str | Path, data_dir: str | Path, workers: int | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Check a committed parameter record without re-fitting: same data files (SHA-256), and one
    evaluation at the committed values gives the recorded residuals. Returns the record and the
    list of mismatches (empty when everything agrees). Much cheaper than ``calibrate(check=True)``."""
    config_path, data_dir = Path(config_path), Path(data_dir)
    cfg, script, hashes, observed = _prepare(config_path, data_dir)
    path = config_path.parent / cfg.parameters_out
    if not path.is_file():
        raise PoesimError(f"{config_path}: no committed parameter record at {path}; "
                          f"run `poesim calibrate {config_path}`")
    rec = json.loads(path.read_text(encoding="utf-8"))
    problems = [f"data file {f}: SHA-256 differs from the record" for f in hashes if rec["data"].get(f) != hashes[f]]
    with executor_scope(workers=workers, jobs=cfg.replications) as executor:
        table = residuals(lambda v: script.derive(data_dir, v)["scenario"], _parameters(cfg), rec["parameters"],
                          observed, cfg.replications, cfg.seed, executor)
    got = _residual_records(table)
    problems += [f"residual of {n}: recorded {rec['residuals'].get(n)}, replayed {r}" for n, r in got.items()
                 if rec["residuals"].get(n) != r]
    return rec, problems


def calibrate(
    config_path: str | Path,
    data_dir: str | Path,
    workers: int | None = None,
    check: bool = False,
    log: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], list[Path]]:
    """Fit the parameters of a calibration file and write its outputs (or, with ``check``, only
    compare them with the files on disk). Returns the parameter record and the files written —
    or, with ``check``, the files whose content differs."""
    config_path = Path(config_path)
    data_dir = Path(data_dir)
    base = config_path.parent
    cfg, script, hashes, observed = _prepare(config_path, data_dir)

    def build(values: dict[str, float]) -> dict:
        return script.derive(data_dir, values)["scenario"]

    with executor_scope(workers=workers, jobs=cfg.replications) as executor:
        result = fit(build, _parameters(cfg), observed, cfg.replications, cfg.seed, executor, cfg.passes, log)
    rec = record(cfg, config_path, hashes, result)
    derived = script.derive(data_dir, result.values)
    texts = {base / cfg.parameters_out: json.dumps(rec, indent=2, ensure_ascii=False) + "\n"}
    for out, fn in cfg.outputs.items():
        texts[base / out] = getattr(script, fn)(derived, rec)
    if check:
        differ = [p for p, t in texts.items() if not p.is_file() or p.read_text(encoding="utf-8") != t]
        return rec, differ
    for path, text in texts.items():  # every text is rendered before the first file is replaced
        atomic_write_bytes(path, text.encode("utf-8"))
    return rec, list(texts)
