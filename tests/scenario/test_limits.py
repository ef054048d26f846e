"""Scenario files cannot hang, exhaust memory or leak: numbers are finite and bounded by what a
port can be, types are strict, and the loader bounds file size, alias expansion, nesting and
where ``extends`` may lead. (The malformed-file corpus in test_malformed_corpus.py runs many more
cases through the command line.)"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import sim
from sim.errors import PoesimError, ScenarioError
from sim.scenario import json_schema, load_scenario, scenario_from_dict
from sim.scenario import schema as sc
from sim.scenario.loader import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, ROOTS_ENV
from tests.builders import single_queue

ROOT = Path(__file__).resolve().parents[2]
OTAY_MESA = ROOT / "scenarios" / "otay_mesa" / "baseline.yaml"


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(text if isinstance(text, bytes) else text.encode())
    return p


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def one_queue(tmp_path: Path, file_name: str = "s.yaml", **changes) -> Path:
    doc = single_queue(rate_per_h=60, lanes=2, hours=4, warmup_h=0)
    for dotted, value in changes.items():
        node = doc
        *head, last = dotted.split("__")
        for k in head:
            node = node[k]
        node[last] = value
    return write(tmp_path, file_name, yaml.safe_dump(doc))


# --- bounds and strict types ---------------------------------------------------------------


def test_the_json_schema_states_the_bounds():
    defs = json_schema()["$defs"]
    window = defs["Window"]["properties"]
    assert window["duration_h"]["maximum"] == sc.MAX_WINDOW_H and "leap year" in window["duration_h"]["description"]
    assert defs["LaneGroup"]["properties"]["lanes"]["maximum"] == sc.MAX_LANES
    assert defs["LogNormal"]["properties"]["mean_s"]["maximum"] == sc.MAX_SERVICE_MEAN_S
    rates = defs["DayDemand"]["properties"]["rate_per_h"]["anyOf"][0]
    assert rates["items"]["maximum"] == sc.MAX_RATE_PER_H


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("window__duration_h", float("inf"), "finite number"),
    ("window__duration_h", 1e308, f"less than or equal to {sc.MAX_WINDOW_H}"),
    ("window__drain_h", float("nan"), "finite number"),
    ("window__start", 1, "expected a date and time"),
    ("window__start", "9999-12-31T00:00:00", "expected a start between"),
    ("seed", True, "valid integer"),
    ("replications", "10", "write the number without quotes"),
    ("lane_groups__booths__lanes", "3", "write the number without quotes"),
    ("lane_groups__booths__lanes", 2.0, "valid integer"),
    ("lane_groups__booths__booths_per_lane", True, "true/false is not a number"),
    ("lane_groups__booths__service__general__mean_s", 1e308, "less than or equal to"),
    ("streams__cars__demand__rate_per_h", [1e308] * 24, "less than or equal to 10000"),
    ("streams__cars__demand__rate_per_h", ["60"] * 24, "without quotes"),
])
def test_infinite_huge_and_mistyped_numbers_are_errors_naming_the_field(tmp_path, field, value, expected):
    p = one_queue(tmp_path, **{field: value})
    msgs = problems(p)
    dotted = field.replace("__", ".")
    assert any(m.startswith(f"{p}:") and dotted in m and expected in m for m in msgs), msgs


def test_factors_cannot_push_an_hour_beyond_the_bound(tmp_path):
    p = one_queue(tmp_path, streams__cars__demand__weekday_factor={d: 10.0 for d in sc.WEEKDAYS},
                  streams__cars__demand__rate_per_h=[5000.0] * 24)
    (msg,) = problems(p)
    assert "streams.cars.demand" in msg and "50000 arrivals" in msg


@pytest.mark.parametrize("rate_per_h", [0.0, 1e-6])
def test_a_run_in_which_nobody_arrives_says_so(rate_per_h):
    # valid (engine tests feed such scenarios their own travellers), but a run has nothing to report
    doc = single_queue(rate_per_h=rate_per_h, lanes=1, hours=2, warmup_h=0)
    with pytest.raises(PoesimError, match="streams: no traveller arrived in the counted window"):
        sim.run(scenario_from_dict(doc), replications=2, workers=1)


def test_numbers_computed_with_numpy_are_accepted_from_python(tmp_path):
    doc = single_queue(rate_per_h=60, lanes=2, hours=4, warmup_h=0)
    doc["lane_groups"]["booths"]["lanes"] = np.int64(2)
    doc["streams"]["cars"]["demand"]["rate_per_h"] = tuple(np.full(24, 60.0))
    assert scenario_from_dict(doc).scenario.lane_groups["booths"].lanes == 2


def test_every_shipped_scenario_is_within_the_bounds():
    for p in sorted((ROOT / "scenarios").rglob("*.yaml")):
        load_scenario(p)  # raises if not


# --- the loader's own limits ---------------------------------------------------------------


def test_an_alias_bomb_is_refused_at_once(tmp_path):
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    p = write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    t0 = time.perf_counter()
    (msg,) = problems(p)
    assert time.perf_counter() - t0 < 1.0
    assert msg.startswith(f"{p}:") and f"more than {MAX_VALUES} values" in msg


def test_a_recursive_alias_is_refused(tmp_path):
    (msg,) = problems(write(tmp_path, "cycle.yaml", "name: &x [1, *x]\n"))
    assert "alias *x is used inside" in msg and "cycle" in msg


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    for depth in (MAX_DEPTH + 1, 200_000):
        p = write(tmp_path, f"deep{depth}.yaml", "name: " + "[" * depth + "]" * depth + "\n")
        (msg,) = problems(p)
        assert msg.startswith(f"{p}:1:") and ("nested more than" in msg or "nesting depth" in msg)


def test_a_file_too_large_for_a_scenario_is_refused_before_it_is_parsed(tmp_path):
    p = tmp_path / "big.yaml"
    with p.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: 50 MB of zeros
    t0 = time.perf_counter()
    (msg,) = problems(p)
    assert time.perf_counter() - t0 < 1.0 and "MB, more than a scenario file may be" in msg
    assert MAX_FILE_BYTES < 50 * 1024 * 1024


@pytest.mark.parametrize(("content", "expected"), [
    (b"name: caf\xe9\n", ":1: not UTF-8 text (byte 0xe9)"),
    (b"name: ok\nseed: 1\x07\n", ":2: not valid YAML: character #x0007 is not allowed"),
    (b"name: x\nwindow: {start: 2017-03-07 25:00:00}\n", ":2: window.start: cannot read this value"),
    (b"seed: " + b"9" * 5000 + b"\n", ":1: seed: cannot read this value"),
    (b"? [1, 2]\n: x\n", ":1: not valid YAML: found unhashable key"),
    (b"!!python/object/apply:os.system ['true']\n", "not valid YAML"),
])
def test_unreadable_content_is_an_error_naming_file_and_line(tmp_path, content, expected):
    p = write(tmp_path, "s.yaml", content)
    msgs = problems(p)
    assert any(m.startswith(f"{p}") and expected in m for m in msgs), msgs


def test_extends_reads_regular_files_only(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    child = write(tmp_path, "child.yaml", "extends: pipe.yaml\n")
    (msg,) = problems(child)  # would block forever if the pipe were opened for reading
    assert msg == f"{tmp_path / 'pipe.yaml'}: not a regular file (a pipe, device or socket); " \
                  "expected a scenario YAML file"
    (msg,) = problems(write(tmp_path, "zero.yaml", "extends: /dev/zero\n"))
    assert "extends: expected a scenario file ending in .yaml, got '/dev/zero'" in msg
    (tmp_path / "dir.yaml").mkdir()
    (msg,) = problems(write(tmp_path, "d.yaml", "extends: dir.yaml\n"))
    assert "dir.yaml: a directory" in msg


def test_extends_stays_inside_the_scenario_tree_unless_allowed(tmp_path, monkeypatch):
    outside = tmp_path / "shared"
    outside.mkdir()
    base = write(outside, "base.yaml", yaml.safe_dump(single_queue(rate_per_h=60, lanes=2, hours=4, warmup_h=0)))
    tree = tmp_path / "mine"
    tree.mkdir()
    child = write(tree, "child.yaml", "extends: ../shared/base.yaml\nname: mine\n")
    monkeypatch.delenv(ROOTS_ENV, raising=False)
    (msg,) = problems(child)
    assert msg.startswith(f"{child}:1: extends:") and "outside the scenario tree" in msg and ROOTS_ENV in msg
    monkeypatch.setenv(ROOTS_ENV, str(outside))
    assert load_scenario(child).chain == (child, tree / "../shared/base.yaml")
    monkeypatch.delenv(ROOTS_ENV)
    assert load_scenario(child, roots=[outside]).scenario.name == "mine"
    os.symlink(base, tree / "link.yaml")  # a link out of the tree is outside too
    (msg,) = problems(write(tree, "c2.yaml", "extends: link.yaml\n"))
    assert "outside the scenario tree" in msg


def test_the_shipped_library_is_one_tree(tmp_path):
    assert load_scenario(OTAY_MESA).scenario.name.startswith("Otay Mesa")
    from sim.scenario.loader import scenario_tree

    assert scenario_tree(ROOT / "scenarios/otay_mesa/add_25_lanes.yaml") == ROOT / "scenarios"


def test_values_of_a_file_that_is_not_a_scenario_are_never_repeated(tmp_path):
    write(tmp_path, "secrets.yaml", "api_token: s3cr3t-value\nname: also-secret\n")
    (msg,) = problems(write(tmp_path, "child.yaml", "extends: secrets.yaml\n"))
    assert "not a scenario file" in msg and "s3cr3t" not in msg and "also-secret" not in msg
    msgs = problems(write(tmp_path, "direct.yaml", "api_token: s3cr3t-value\nname: x\n"))
    assert any("api_token: unknown field" in m for m in msgs) and not any("s3cr3t" in m for m in msgs)


def test_long_values_are_cut_in_messages(tmp_path):
    p = one_queue(tmp_path, name=["x" * 10_000])
    (msg,) = problems(p)
    assert "name" in msg and len(msg) < 400
