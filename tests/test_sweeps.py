"""Sweeps: a grid of what-ifs from one base file, run with common random numbers."""

from __future__ import annotations

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim import sweeps
from sim.cli import app
from sim.errors import PoesimError
from tests.builders import single_queue

cli = CliRunner()


def test_set_values_parse_ranges_and_lists():
    assert sweeps.parse_set("a.b=4..6") == ("a.b", [4, 5, 6])
    assert sweeps.parse_set("a.b=0.02,0.05") == ("a.b", [0.02, 0.05])
    with pytest.raises(PoesimError, match="expected FIELD=VALUES"):
        sweeps.parse_set("a.b")


def test_setting_a_field_that_does_not_exist_names_the_choices():
    with pytest.raises(PoesimError, match=r"no field 'bothes'.*expected one of \['booths'\]"):
        sweeps.set_field({"lane_groups": {"booths": {"lanes": 3}}}, "lane_groups.bothes.lanes", 4)


def test_a_sweep_over_booths_writes_one_tidy_table_and_waits_fall_with_more_booths(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1)))
    out = tmp_path / "out"
    res = cli.invoke(app, ["sweep", str(scen), "--set", "lane_groups.booths.lanes=6..8", "--reps", "3",
                           "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    t = pd.read_csv(out / "sweep.csv", dtype={"hour": str})
    whole = t[(t["lane_group"] == "booths") & (t["program"] == "all") & (t["hour"] == "all")].sort_values(
        "lane_groups.booths.lanes")
    assert whole["lane_groups.booths.lanes"].tolist() == [6, 7, 8]
    assert whole["mean_wait_min"].is_monotonic_decreasing  # same travellers, more booths
    assert (out / "sweep.png").exists()
