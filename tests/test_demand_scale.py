"""demand_scale: one top-level number multiplies every stream's arrivals; `--set` on run and compare."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.model import build_model
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.schema import MAX_RATE_PER_H
from sim.travellers import sample_travellers
from tests.builders import single_queue

cli = CliRunner()


def two_streams(**top) -> dict:
    doc = single_queue(rate_per_h=200, lanes=6, hours=48, warmup_h=0)
    doc["streams"]["vans"] = {"mode": "vehicle", "program": "general",
                              "demand": {"daily_volume": 2400, "profile": [1] * 12 + [3] * 12}}
    return {**doc, **top}


def test_doubling_demand_scale_doubles_the_travellers_drawn_within_poisson_noise():
    one = build_model(scenario_from_dict(two_streams()).scenario)
    two = build_model(scenario_from_dict(two_streams(demand_scale=2.0)).scenario)
    for a, b in zip(one.streams, two.streams, strict=True):
        assert b.rate_per_s == pytest.approx(2 * a.rate_per_s, rel=1e-12)
    z = stats.norm.ppf(1 - 1e-4 / 2)  # two-sided 99.99 % interval of a Poisson count (normal approximation)
    for model, scale in ((one, 1), (two, 2)):
        expected = scale * 48 * (200 + 2400 / 24)  # travellers per replication over 48 h
        for rep in range(3):
            n = len(sample_travellers(model, seed=7, replication=rep))
            assert abs(n - expected) < z * expected ** 0.5, (scale, rep, n, expected)


def test_demand_scale_is_bounded_and_checked_against_the_busiest_hour():
    for bad in (0.0, -1.0, 10.5):
        with pytest.raises(ScenarioError, match="demand_scale"):
            scenario_from_dict(two_streams(demand_scale=bad))
    doc = single_queue(rate_per_h=MAX_RATE_PER_H / 2, lanes=6, hours=6)
    with pytest.raises(ScenarioError, match="demand_scale: with it the busiest hour of streams.cars sees 12500"):
        scenario_from_dict({**doc, "demand_scale": 2.5})


def test_demand_scale_is_inherited_through_extends(tmp_path):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(two_streams(demand_scale=1.1)))
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\nlane_groups: {booths: {lanes: 7}}\n")
    child = load_scenario(tmp_path / "child.yaml").scenario
    assert child.demand_scale == 1.1 and child.lane_groups["booths"].lanes == 7


def test_set_demand_scale_on_run_equals_the_yaml_field(tmp_path):
    base, scaled = tmp_path / "base.yaml", tmp_path / "scaled.yaml"
    doc = single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1)
    base.write_text(yaml.safe_dump(doc))
    scaled.write_text(yaml.safe_dump({**doc, "demand_scale": 1.1}))
    common = ["--reps", "2", "--workers", "1", "--no-plots"]
    by_set = cli.invoke(app, ["run", str(base), "--set", "demand_scale=1.1", "--out", str(tmp_path / "a"), *common])
    by_yaml = cli.invoke(app, ["run", str(scaled), "--out", str(tmp_path / "b"), *common])
    assert by_set.exit_code == 0 and by_yaml.exit_code == 0, by_set.output + by_yaml.output
    assert "[demand_scale=1.1]" in by_set.output  # the name says what was changed
    a, b = (pd.read_csv(tmp_path / d / "summary.csv", dtype={"hour": str}) for d in "ab")
    assert a["n"].gt(0).all()
    pd.testing.assert_frame_equal(a, b)


def test_set_on_compare_changes_every_scenario_and_refuses_a_grid(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    doc = single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1)
    a.write_text(yaml.safe_dump(doc))
    b.write_text(yaml.safe_dump({**doc, "name": "seven", "lane_groups": {
        "booths": {**doc["lane_groups"]["booths"], "lanes": 7}}}))
    res = cli.invoke(app, ["compare", str(a), str(b), "--set", "demand_scale=1.2", "--reps", "2", "--workers", "1",
                           "--no-plots", "--out", str(tmp_path / "cmp")])
    assert res.exit_code == 0, res.output
    names = set(pd.read_csv(tmp_path / "cmp" / "summary.csv")["scenario"])
    assert names == {f"{doc['name']} [demand_scale=1.2]", "seven [demand_scale=1.2]"}
    grid = cli.invoke(app, ["run", str(a), "--set", "lane_groups.booths.lanes=6..8", "--out", str(tmp_path / "g")])
    assert grid.exit_code == 2 and "expected one value here" in grid.output
    typo = cli.invoke(app, ["run", str(a), "--set", "demand_scael=1.1", "--out", str(tmp_path / "t")])
    assert typo.exit_code == 2 and "demand_scael" in typo.output and "unknown field" in typo.output
