"""The command line, used as a planner would: files written, readable errors, nothing half-written."""

from __future__ import annotations

import json

import pandas as pd
import yaml
from typer.testing import CliRunner

from sim import __version__, reports, runner
from sim.cli import app
from tests.builders import single_queue
from tests.scenario.test_descriptions import schema_models

cli = CliRunner()


def scenario_file(tmp_path, name="s.yaml", **kw):
    p = tmp_path / name
    p.write_text(yaml.safe_dump(single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1, **kw)))
    return p


def test_run_writes_summary_queue_manifest_plots_and_records(tmp_path):
    out = tmp_path / "out"
    res = cli.invoke(app, ["run", str(scenario_file(tmp_path)), "--reps", "2", "--seed", "4", "--out", str(out),
                           "--records", "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "mean wait" in res.output and str(out) in res.output
    names = {p.name for p in out.iterdir()}
    assert {"summary.csv", "queue.csv", "manifest.json", "wait_by_hour.png", "wait_ecdf.png",
            "records.parquet"} <= names
    summary = pd.read_csv(out / "summary.csv", dtype={"hour": str})
    assert {"lane_group", "program", "hour", "n", "mean_wait_min", "p50_wait_min", "p90_wait_min",
            "p95_wait_min"} <= set(summary.columns)
    assert "all" in set(summary["hour"]) and "03" in set(summary["hour"])
    m = json.loads((out / "manifest.json").read_text())
    assert m["seed"] == 4 and m["replications"] == 2 and len(m["scenario_sha256"]) == 64
    assert m["resolved_scenario"]["lane_groups"]["booths"]["lanes"] == 6
    recs = pd.read_parquet(out / "records.parquet")
    assert set(recs["replication"]) == {0, 1} and "wait_min" in recs


def test_compare_prints_paired_differences(tmp_path):
    a = scenario_file(tmp_path, "a.yaml")
    b = scenario_file(tmp_path, "b.yaml", )
    doc = yaml.safe_load(b.read_text())
    doc["name"], doc["lane_groups"]["booths"]["lanes"] = "eight lanes", 8
    b.write_text(yaml.safe_dump(doc))
    out = tmp_path / "cmp"
    res = cli.invoke(app, ["compare", str(a), str(b), "--reps", "3", "--out", str(out), "--workers", "1"])
    assert res.exit_code == 0, res.output
    assert "Δmean [95% CI]" in res.output and "p95 A→B" in res.output and "eight lanes" in res.output
    d = pd.read_csv(out / "comparison_by_band.csv")
    assert (d["pairs"] == 3).all()
    names = {p.name for p in out.iterdir()}
    assert {"difference_by_hour.png", "queue_by_hour.png", "wait_by_hour.png", "queue.csv"} <= names


def test_scenarios_in_one_plot_differ_in_line_style_marker_and_width():
    looks = [reports._look(k, 24, 3) for k in range(3)]
    assert len({(lk["ls"], lk["marker"], lk["lw"]) for lk in looks}) == 3
    assert len({lk["markevery"] for lk in looks}) == 3  # identical curves' markers fall on different hours


def test_validate_accepts_good_files_and_explains_bad_ones(tmp_path):
    good = scenario_file(tmp_path)
    assert cli.invoke(app, ["validate", str(good)]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("lanes: 6", "lanes: -6"))
    res = cli.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 2
    assert "lane_groups.booths.lanes" in res.output and "greater than 0" in res.output
    assert "Traceback" not in res.output


def test_schema_prints_json_schema():
    res = cli.invoke(app, ["schema"])
    doc = json.loads(res.output)
    assert {"window", "streams", "lane_groups"} <= set(doc["properties"])


def test_a_failure_while_writing_leaves_no_files_behind(tmp_path, monkeypatch):
    def broken(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports, "plot_wait_ecdf", broken)
    out = tmp_path / "out"
    res = cli.invoke(app, ["run", str(scenario_file(tmp_path)), "--reps", "1", "--out", str(out), "--workers", "1"])
    assert res.exit_code != 0
    # no output file at all; only the finished replications are kept, for --resume
    assert [p.name for p in out.iterdir()] == ["replications"]
    assert [p.name for p in (out / "replications").iterdir() if p.suffix == ".ckpt"] == ["rep-00000.ckpt"]


def test_one_replication_can_be_replayed_alone_with_the_same_numbers(tmp_path):
    scen = scenario_file(tmp_path)
    all_out, one_out = tmp_path / "all", tmp_path / "one"
    common = ["--workers", "1", "--records", "--no-plots"]
    assert cli.invoke(app, ["run", str(scen), "--reps", "3", "--out", str(all_out), *common]).exit_code == 0
    res = cli.invoke(app, ["run", str(scen), "--replication", "2", "--out", str(one_out), *common])
    assert res.exit_code == 0, res.output
    every, alone = pd.read_parquet(all_out / "records.parquet"), pd.read_parquet(one_out / "records.parquet")
    assert set(alone["replication"]) == {2}
    pd.testing.assert_frame_equal(every[every["replication"] == 2].reset_index(drop=True), alone)


def test_precision_mode_reports_how_many_replications_it_needed(tmp_path):
    res = cli.invoke(app, ["run", str(scenario_file(tmp_path)), "--precision", "20%", "--out", str(tmp_path / "p"),
                           "--workers", "1", "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "precision reached: mean_wait_min of booths" in res.output and "replications" in res.output
    m = json.loads((tmp_path / "p" / "manifest.json").read_text())
    assert m["precision"]["reached"] and m["precision"]["replications_needed"] == m["replications"]
    bad = cli.invoke(app, ["run", str(scenario_file(tmp_path)), "--precision", "lots"])
    assert bad.exit_code == 2 and "expected a percentage like 5%" in bad.output


def test_options_beyond_what_a_run_can_be_are_clean_errors(tmp_path):
    scen = scenario_file(tmp_path)
    for args, expected in [(["--seed", "-1"], "seed: expected a whole number from 0 to"),
                           (["--reps", "100000000"], "replications: expected 1 to 10000"),
                           (["--workers", "0"], "--workers: expected 1 to 256"),
                           (["--precision", "5%", "--max-reps", "100000"], "replications: expected 1 to 10000")]:
        res = cli.invoke(app, ["run", str(scen), "--out", str(tmp_path / "out"), "--no-plots", *args])
        assert res.exit_code == 2 and expected in res.output and "Traceback" not in res.output, (args, res.output)


def test_help_shows_switches_as_switches_and_lists_every_choice():
    run_help = cli.invoke(app, ["run", "--help"], terminal_width=200).output
    assert "<bool>" not in run_help
    assert "--records / --no-records" in run_help and "--resume / --no-resume" in run_help
    assert "<auto|exact|streaming>" in run_help
    assert "<mean_wait_min|p50_wait_min|p90_wait_min|p95_wait_min|max_wait_min>" in run_help
    assert "<hour|band>" in cli.invoke(app, ["staff", "--help"], terminal_width=200).output
    assert "--markdown / --json" in cli.invoke(app, ["schema", "--help"], terminal_width=200).output


def test_the_choices_in_help_are_the_ones_the_code_accepts():
    from sim import staffing_search, statistics
    from sim.cli import Metric, Per, Stats

    assert {s.value for s in Stats} == set(runner.STATS_MODES)
    assert [m.value for m in Metric] == list(statistics.WAIT_METRICS)
    assert [p.value for p in Per] == list(staffing_search.PER)


def test_a_value_outside_the_choices_is_a_clean_error(tmp_path):
    res = cli.invoke(app, ["run", str(scenario_file(tmp_path)), "--stats", "fast"])
    assert res.exit_code == 2 and "'fast' is not one of 'auto', 'exact', 'streaming'" in res.output
    assert "Traceback" not in res.output


def test_version_prints_the_package_version():
    res = cli.invoke(app, ["--version"])
    assert res.exit_code == 0 and res.output.strip() == f"poesim {__version__}"


def test_schema_markdown_is_a_table_per_section_naming_every_field():
    text = cli.invoke(app, ["schema", "--markdown"]).output
    sections = {block.split("\n", 1)[0]: block for block in text.split("\n## ")[1:]}
    for model, fields in schema_models().items():
        assert model in sections, model
        assert "| field | type | default | bounds | description |" in sections[model]
        for name, info in fields.items():
            row = next((line for line in sections[model].splitlines() if line.startswith(f"| `{name}` |")), None)
            assert row is not None, (model, name)
            assert " ".join(info.description.split()) in row.replace("\\|", "|"), (model, name)
    assert "| `demand_scale` | number | `1.0` | > 0; ≤ 10 |" in sections["Scenario"]
