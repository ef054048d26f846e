"""Scenario files: extends-merging and error messages that name file, line, field and expectation."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import load_scenario

BASE = """\
name: base
window: {start: 2024-01-02T00:00, duration_h: 24, warmup_h: 2}
replications: 3
seed: 11
streams:
  cars:
    mode: vehicle
    program: general
    demand:
      rate_per_h: [100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
                   100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100]
  sentri:
    mode: vehicle
    program: sentri
    demand: {daily_volume: 1000, profile: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]}
lane_groups:
  general:
    mode: vehicle
    programs: [general, sentri]
    lanes: 4
    lanes_open: [{at: "00:00", lanes: 2}, {at: "06:00", lanes: 4}]
    service:
      general: {dist: lognormal, mean_s: 60, cv: 0.5}
      sentri: {dist: lognormal, mean_s: 60, cv: 0.5}
  sentri:
    mode: vehicle
    programs: [sentri]
    lanes: 1
    service:
      sentri: {dist: exponential, mean_s: 30}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


def problems(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value.problems


def test_a_valid_file_loads_with_normalised_schedules(tmp_path):
    s = load_scenario(write(tmp_path, "base.yaml", BASE)).scenario
    assert s.lane_groups["general"].lanes_open == ((0, 2), (360, 4))
    assert s.lane_groups["sentri"].lanes_open == ((0, 1),)  # default: every lane open
    assert s.streams["sentri"].demand.hourly_rates_per_h() == pytest.approx([1000 / 24] * 24)


def test_a_child_overrides_one_field_and_keeps_the_rest(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", """\
        extends: base.yaml
        name: more lanes
        lane_groups:
          general: {lanes: 6, lanes_open: 6}
    """)
    loaded = load_scenario(child)
    g = loaded.scenario.lane_groups["general"]
    assert (g.lanes, g.lanes_open) == (6, ((0, 6),))
    assert g.service["general"].mean_s == 60  # inherited
    assert loaded.scenario.seed == 11 and loaded.scenario.name == "more lanes"
    assert [p.name for p in loaded.chain] == ["child.yaml", "base.yaml"]


def test_null_in_a_child_removes_a_parent_entry(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", """\
        extends: base.yaml
        lane_groups: {sentri: null}
    """)
    assert list(load_scenario(child).scenario.lane_groups) == ["general"]


def test_lists_in_a_child_replace_the_parents(tmp_path):
    write(tmp_path, "base.yaml", BASE)
    child = write(tmp_path, "child.yaml", """\
        extends: base.yaml
        lane_groups:
          general: {programs: [general, sentri]}
    """)
    assert load_scenario(child).scenario.lane_groups["general"].programs == ["general", "sentri"]


def test_a_misspelt_field_is_an_error_naming_file_line_and_field(tmp_path):
    p = write(tmp_path, "s.yaml", BASE.replace("    lanes: 4\n", "    lanse: 4\n"))
    (msg,) = [m for m in problems(p) if "lanse" in m]
    line = BASE.splitlines().index("    lanes: 4") + 1
    assert msg.startswith(f"{p}:{line}: lane_groups.general.lanse: unknown field")


def test_a_wrong_type_names_what_was_expected(tmp_path):
    p = write(tmp_path, "s.yaml", BASE.replace("    lanes: 4\n", "    lanes: many\n"))
    (msg,) = problems(p)
    assert "lane_groups.general.lanes" in msg and "integer" in msg and "'many'" in msg


def test_a_negative_rate_is_rejected(tmp_path):
    p = write(tmp_path, "s.yaml", BASE.replace("rate_per_h: [100,", "rate_per_h: [-5,"))
    (msg,) = problems(p)
    assert "streams.cars.demand.rate_per_h[0]" in msg and "greater than or equal to 0" in msg


def test_a_schedule_that_does_not_cover_the_day_is_rejected(tmp_path):
    p = write(tmp_path, "s.yaml", BASE.replace('{at: "00:00", lanes: 2}', '{at: "01:00", lanes: 2}'))
    (msg,) = problems(p)
    assert "lane_groups.general.lanes_open" in msg and "does not cover the day" in msg
    p = write(tmp_path, "s2.yaml", BASE.replace("lanes: 1\n", "lanes: 1\n    lanes_open: [1, 1, 1]\n"))
    (msg,) = problems(p)
    assert "does not cover the day" in msg and "got 3 values" in msg


def test_more_lanes_open_than_exist_is_rejected(tmp_path):
    p = write(tmp_path, "s.yaml", BASE.replace("lanes: 4}]", "lanes: 5}]"))
    (msg,) = problems(p)
    assert "expected at most lanes=4 open, got 5" in msg


def test_a_stream_whose_program_no_group_serves_names_the_stream(tmp_path):
    text = BASE.replace("programs: [general, sentri]", "programs: [general]").replace(
        "      sentri: {dist: lognormal, mean_s: 60, cv: 0.5}\n", "").replace(
        "    programs: [sentri]\n    lanes: 1\n    service:\n      sentri: {dist: exponential, mean_s: 30}\n",
        "    programs: [fast]\n    lanes: 1\n    service:\n      fast: {dist: exponential, mean_s: 30}\n")
    p = write(tmp_path, "s.yaml", text)
    (msg,) = problems(p)
    line = text.splitlines().index("  sentri:") + 1
    assert msg == (f"{p}:{line}: streams.sentri: no vehicle lane group accepts program 'sentri'; "
                   "expected a lane group with that mode listing it under programs")


def test_a_missing_parent_file_is_named(tmp_path):
    p = write(tmp_path, "child.yaml", "extends: nowhere.yaml\nname: x\n")
    (msg,) = problems(p)
    assert msg == f"{p}:1: extends: parent file {tmp_path / 'nowhere.yaml'} not found"


def test_errors_in_a_parent_point_at_the_parent_file(tmp_path):
    base = write(tmp_path, "base.yaml", BASE.replace("mean_s: 30", "mean_s: -30"))
    child = write(tmp_path, "child.yaml", "extends: base.yaml\nname: child\n")
    (msg,) = problems(child)
    assert msg.startswith(f"{base}:") and "lane_groups.sentri.service.sentri.mean_s" in msg


def test_circular_extends_is_an_error(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    b = write(tmp_path, "b.yaml", "extends: a.yaml\n")
    (msg,) = problems(b)
    assert "circular" in msg


def test_duplicate_keys_are_an_error(tmp_path):
    p = write(tmp_path, "s.yaml", BASE.replace("replications: 3\n", "replications: 3\nreplications: 4\n"))
    (msg,) = problems(p)
    assert msg == f"{p}:4: replications: duplicate key"


def test_invalid_yaml_reports_the_line(tmp_path):
    p = write(tmp_path, "s.yaml", "name: x\nwindow: [unclosed\n")
    (msg,) = problems(p)
    assert msg.startswith(f"{p}:") and "not valid YAML" in msg


def test_several_problems_are_all_reported(tmp_path):
    p = write(tmp_path, "s.yaml", BASE.replace("seed: 11", "seed: -1").replace("    lanes: 4\n", "    lanes: 0\n"))
    msgs = problems(p)
    assert any("seed" in m for m in msgs) and any("lane_groups.general.lanes" in m for m in msgs)


def test_weekday_factors_and_weekday_patterns_shape_the_window_rates(tmp_path):
    import yaml

    from sim.model import build_model

    doc = yaml.safe_load(BASE)
    doc["window"]["duration_h"] = 48  # 2024-01-02 is a Tuesday
    doc["streams"]["sentri"]["demand"]["weekday_factor"] = {
        "mon": 1, "tue": 2, "wed": 1, "thu": 1, "fri": 1, "sat": 1, "sun": 1}
    doc["streams"]["sentri"]["demand"]["by_weekday"] = {"wed": {"rate_per_h": [7] * 24}}
    s = load_scenario(write(tmp_path, "s.yaml", yaml.safe_dump(doc))).scenario
    rates_per_h = build_model(s).streams[1].rate_per_s * 3600
    assert rates_per_h[:24] == pytest.approx([2 * 1000 / 24] * 24)  # Tuesday, factor 2
    assert rates_per_h[24:] == pytest.approx([7] * 24)  # Wednesday's own pattern, not scaled


def test_month_factors_scale_every_day_of_their_month(tmp_path):
    import yaml

    from sim.model import build_model

    doc = yaml.safe_load(BASE)
    doc["window"] = {"start": "2024-01-31T00:00:00", "duration_h": 48}
    months = {m: 1.0 for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")}
    doc["streams"]["cars"]["demand"]["month_factor"] = {**months, "feb": 0.5}
    loaded = load_scenario(write(tmp_path, "s.yaml", yaml.safe_dump(doc)))
    rates_per_h = build_model(loaded.scenario).streams[0].rate_per_s * 3600
    assert rates_per_h[:24] == pytest.approx([100] * 24) and rates_per_h[24:] == pytest.approx([50] * 24)
    del doc["streams"]["cars"]["demand"]["month_factor"]["dec"]
    with pytest.raises(ScenarioError, match="missing \\['dec'\\]"):
        load_scenario(write(tmp_path, "s2.yaml", yaml.safe_dump(doc)))
