"""An overloaded run says so: the console summary gains an unserved column and a warning per mode
with how many travellers were never served; summary.csv and by_band.csv carry n_unserved."""

from __future__ import annotations

import re
import warnings

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from tests.builders import single_queue

cli = CliRunner()


def test_travellers_never_served_are_flagged_on_the_console_and_in_the_tables(tmp_path):
    scen = tmp_path / "over.yaml"  # 600 arrivals/h against 2 booths serving 120/h; half an hour of drain
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=600, lanes=2, mean_s=60, hours=3, warmup_h=0,
                                                drain_h=0.5)))
    out = tmp_path / "out"
    res = cli.invoke(app, ["run", str(scen), "--reps", "2", "--workers", "1", "--no-plots", "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "unserved/rep" in res.output
    assert "travellers still waiting when the run ended (0.5 h of drain after the window) were never served" in \
        res.output
    summary = pd.read_csv(out / "summary.csv", dtype={"hour": str})
    whole = summary[(summary["hour"] == "all") & (summary["program"] == "all") & (summary["lane_group"] == "all")]
    n, unserved = whole[["n", "n_unserved"]].iloc[0]
    assert 0.5 * n < unserved < n
    assert f"vehicle: {unserved:.0f} of {n:.0f} travellers per replication unserved" in res.output
    assert pd.read_csv(out / "by_band.csv")["n_unserved"].gt(0).any()


def test_a_run_that_serves_everyone_prints_no_unserved_column(tmp_path):
    scen = tmp_path / "calm.yaml"
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=60, lanes=2, hours=3, warmup_h=0)))
    res = cli.invoke(app, ["run", str(scen), "--reps", "2", "--workers", "1", "--no-plots", "--out",
                           str(tmp_path / "out")])
    assert res.exit_code == 0 and "unserved" not in res.output


def _over_and_calm(tmp_path):
    over = tmp_path / "over.yaml"  # 600 arrivals/h against 2 booths serving 120/h
    over.write_text(yaml.safe_dump(single_queue(rate_per_h=600, lanes=2, mean_s=60, hours=3, warmup_h=0,
                                                drain_h=0.5)))
    calm = tmp_path / "calm.yaml"  # the same travellers against 20 booths
    calm.write_text(yaml.safe_dump(single_queue(rate_per_h=600, lanes=20, mean_s=60, hours=3, warmup_h=0,
                                                drain_h=0.5)))
    return over, calm


def test_queue_and_port_tables_count_the_unserved_as_the_wait_table_does(tmp_path):
    over, _ = _over_and_calm(tmp_path)
    out = tmp_path / "out"
    res = cli.invoke(app, ["run", str(over), "--reps", "2", "--workers", "1", "--no-plots", "--out", str(out)])
    assert res.exit_code == 0, res.output
    summary = pd.read_csv(out / "summary.csv", dtype={"hour": str})
    n_unserved = summary.query("hour == 'all' and program == 'all' and lane_group == 'booths'")["n_unserved"].item()
    queue = pd.read_csv(out / "queue.csv", dtype={"hour": str})
    per_h = queue.query("hour == 'all' and lane_group == 'booths'")["unserved_per_h"].item()
    assert per_h * 3 == pytest.approx(n_unserved, rel=1e-9)  # 3 counted hours
    assert queue.query("hour != 'all'")["unserved_per_h"].sum() == pytest.approx(n_unserved, rel=1e-9)
    ports = pd.read_csv(out / "ports.csv", dtype={"hour": str})
    per_day = ports.query("stream == 'all' and port == 'all' and hour == 'all'")["unserved_per_day"].item()
    assert per_day * 3 / 24 == pytest.approx(n_unserved, rel=1e-9)


def test_a_comparison_and_a_sweep_flag_the_side_whose_waits_are_lower_bounds(tmp_path):
    over, calm = _over_and_calm(tmp_path)
    res = cli.invoke(app, ["compare", str(over), str(calm), "--reps", "2", "--workers", "1", "--no-plots", "--out",
                           str(tmp_path / "cmp")])
    assert res.exit_code == 0, res.output
    assert "unserved/rep A→B" in res.output
    band = pd.read_csv(tmp_path / "cmp" / "comparison_by_band.csv", dtype={"hour": str})
    whole = band.query("hour == 'all' and program == 'all' and lane_group == 'booths'")
    assert whole["n_unserved_a"].item() > 0 and whole["n_unserved_b"].item() == 0
    res = cli.invoke(app, ["sweep", str(over), "--set", "lane_groups.booths.lanes=2,20", "--reps", "2",
                           "--workers", "1", "--no-plots", "--out", str(tmp_path / "sweep")])
    assert res.exit_code == 0, res.output
    assert "unserved/rep" in res.output and "lower bounds" in res.output
    sweep = pd.read_csv(tmp_path / "sweep" / "sweep.csv", dtype={"hour": str})
    whole = sweep.query("hour == 'all' and program == 'all' and lane_group == 'booths'").set_index(
        "lane_groups.booths.lanes")
    assert whole.loc[2, "n_unserved"] > 0 and whole.loc[20, "n_unserved"] == 0


def test_waits_of_travellers_never_served_are_shown_as_lower_bounds_without_numpy_warnings(tmp_path):
    scen = tmp_path / "one_lane.yaml"  # one booth, ten times over: every counted traveller is still in line
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=600, lanes=1, mean_s=60, hours=6, warmup_h=1,
                                                drain_h=0)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. numpy's "All-NaN slice encountered" would fail the run
        res = cli.invoke(app, ["run", str(scen), "--reps", "2", "--workers", "1", "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    table = res.output.split("\n\n")[0].splitlines()
    rows = [line for line in table[2:] if line.startswith("vehicle")]
    assert rows and all(" all " in line for line in rows)  # unserved/rep: all
    for line in rows:
        waits = line.split()[-5:]  # mean, p50, p90, p95, max
        assert all(w.startswith("≥") for w in waits), line
        assert "±" not in line  # no confidence interval around a lower bound
    assert "≥ = at least: travellers still in line when the run ended count with their wait so far" in res.output
    q = pd.read_csv(tmp_path / "out" / "summary.csv", dtype={"hour": str})
    assert (q["n_unserved"] == q["n"]).all()


def test_a_comparison_marks_the_waits_that_are_lower_bounds(tmp_path):
    doc = single_queue(rate_per_h=600, lanes=2, mean_s=60, hours=3, warmup_h=0, drain_h=0.5)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text(yaml.safe_dump(doc))
    b.write_text(yaml.safe_dump({**doc, "name": "twelve lanes",
                                 "lane_groups": {"booths": {**doc["lane_groups"]["booths"], "lanes": 12}}}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = cli.invoke(app, ["compare", str(a), str(b), "--reps", "2", "--workers", "1", "--no-plots",
                               "--out", str(tmp_path / "cmp")])
    assert res.exit_code == 0, res.output
    whole = res.output.split("Whole day\n")[1].split("\n\n")[0]
    row = next(line for line in whole.splitlines() if "booths" in line)
    assert re.search(r"≥\d+\.\d→\d+\.\d", row), row  # A (two lanes) leaves travellers in line; B serves them all
    assert "≥ = at least" in res.output
