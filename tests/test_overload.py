"""An overloaded run says so: the console summary gains an unserved column and a warning per mode
with how many travellers were never served; summary.csv and by_band.csv carry n_unserved."""

from __future__ import annotations

import pandas as pd
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
