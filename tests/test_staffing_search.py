"""The staffing optimiser (``poesim staff``, ``sim.staffing_search``): target parsing, the
confidence rule, roster helpers, clear errors, reproducibility; against queueing theory on an
M/M/c queue whose officers change by the hour (the search must find the Erlang-C staffing); and
end to end on the region's Otay Mesa (long)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats
from typer.testing import CliRunner

from sim import staffing_search as ss
from sim.cli import app
from sim.errors import PoesimError
from sim.executors import SerialExecutor, make_executor
from sim.scenario import load_scenario, scenario_from_dict
from tests.queueing_theory import mmc_mean_wait

cli = CliRunner()

# An M/M/c queue by the hour: Poisson arrivals at 1,500/h, exponential service of 12 s (a = 5
# Erlangs), one roster of officers; the lane policy keeps every officer on duty at a booth
# (min_lanes = lanes), so in each hour c = officers on duty. Service is fast, so the queue
# relaxes to its steady state within a few minutes of a change of c (relaxation time
# 1/(cμ(1 − √ρ)²) ≈ 1.2 min at c = 7): each hour's mean wait is Erlang C's for that hour's c.
RATE_PER_H, MEAN_S = 1500.0, 12.0
TARGET = "mean <= 1.2 s"  # Erlang C: 6.95 s at c = 6, 1.95 s at 7, 0.67 s at 8, 0.24 s at 9


def mmc_by_hour(officers, counted_h: int = 5, seed: int = 11) -> dict:
    """The queue from 05:00, an hour of warm-up, then ``counted_h`` counted hours."""
    return {
        "name": "M/M/c by the hour", "seed": seed, "replications": 10,
        "window": {"start": dt.datetime(2024, 1, 1, 5), "duration_h": counted_h + 1, "warmup_h": 1, "drain_h": 1},
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": [RATE_PER_H] * 24}}},
        "lane_groups": {"booths": {
            "mode": "vehicle", "programs": ["general"], "lanes": 20, "staffed_by": "officers",
            "policy": {"low_wait_min": 0.0, "high_wait_min": 60.0, "min_lanes": 20, "max_lanes": 20,
                       "review_min": 1.0, "reaction_min": 0.0},
            "service": {"general": {"dist": "exponential", "mean_s": MEAN_S}}}},
        "staffing": {"officers": {"officers": officers}},
    }


def erlang_c_staffing(target_min: float) -> int:
    """The fewest servers whose stationary M/M/c mean wait is within the target."""
    lam, mu = RATE_PER_H / 3600.0, 1.0 / MEAN_S
    c = int(np.floor(lam / mu)) + 1
    while mmc_mean_wait(lam, mu, c) > 60.0 * target_min:
        c += 1
    return c


# --- targets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text, groups, statistic, limit", [
    ("p95 <= 30 min", None, "p95_wait_min", 30.0),
    ("om_pov_general: p90 <= 60 min", "om_pov_general", "p90_wait_min", 60.0),
    ("om_pov_*:mean<=45", "om_pov_*", "mean_wait_min", 45.0),
    ("mean ≤ 1.5 h", None, "mean_wait_min", 90.0),
    ("median < 10 minutes", None, "p50_wait_min", 10.0),
    ("max <= 90 s", None, "max_wait_min", 1.5),
])
def test_targets_parse(text, groups, statistic, limit):
    t = ss.parse_target(text)
    assert (t.groups, t.statistic, t.limit_min, t.hours) == (groups, statistic, pytest.approx(limit), None)


def test_a_target_may_hold_in_some_hours_only():
    t = ss.parse_target("om_pov_sentri 04-23: mean <= 25 min")
    assert (t.groups, t.hours) == ("om_pov_sentri", frozenset(range(4, 23)))
    assert ss.parse_target("06-10: p95 <= 30").groups is None
    c = ss.Constraint("g", "mean_wait_min", 25.0, t.text, t.hours)
    assert [c.applies(x) for x in ("03", "04", "22", "23", "06-10", "20-24")] == [False, True, True, False, True, False]


@pytest.mark.parametrize("text, message", [
    ("p95 >= 30 min", r"--target 'p95 >= 30 min': expected \[LANE_GROUP\] \[HH-HH\]: STATISTIC <= LIMIT"),
    ("p99 <= 30 min", r"unknown statistic 'p99'.*one of mean, p50, p90, p95, max"),
    ("mean <= 30 furlongs", r"unknown unit 'furlongs'"),
    ("mean <= 0 min", r"expected a limit above 0"),
    ("mean <= -5", r"expected \[LANE_GROUP\] \[HH-HH\]: STATISTIC"),
    ("", r"--target '': expected"),
    ("g 10-06: mean <= 5", r"hours '10-06': expected HH-HH with 00 <= start < end <= 24"),
    ("g h: mean <= 5", r"'g h' is not one lane group or pattern"),
])
def test_bad_targets_name_the_option_and_what_was_expected(text, message):
    with pytest.raises(PoesimError, match=message):
        ss.parse_target(text)


def test_bad_lane_groups_rosters_and_options_are_clear_errors():
    loaded = scenario_from_dict(mmc_by_hour(10))
    with pytest.raises(PoesimError, match=r"no lane group matches 'bothes'; expected one of \['booths'\]"):
        ss.make_problem(loaded, ["bothes: mean <= 1 min"])
    with pytest.raises(PoesimError, match=r"--roster 'guards': no roster of that name; expected one of \['officers'\]"):
        ss.make_problem(loaded, ["mean <= 1 min"], rosters=["guards"])
    with pytest.raises(PoesimError, match=r"--per 'day': expected one of hour, band"):
        ss.make_problem(loaded, ["mean <= 1 min"], per="day")
    doc = mmc_by_hour(10)
    doc["lane_groups"]["free"] = {"mode": "vehicle", "programs": ["general"], "lanes": 2,
                                  "service": {"general": {"dist": "exponential", "mean_s": MEAN_S}}}
    with pytest.raises(PoesimError, match=r"lane group\(s\) \['free'\] have no officer roster"):
        ss.make_problem(scenario_from_dict(doc), ["free: mean <= 1 min"])
    doc = mmc_by_hour(10)
    del doc["staffing"], doc["lane_groups"]["booths"]["staffed_by"]
    with pytest.raises(PoesimError, match="no officer roster"):
        ss.make_problem(scenario_from_dict(doc), ["mean <= 1 min"])
    problem = ss.make_problem(loaded, ["mean <= 1 min"])
    with pytest.raises(PoesimError, match="--reps: expected 2 to 10000 replications"):
        ss.search(problem, replications=1, executor=SerialExecutor())
    with pytest.raises(PoesimError, match="--seed: expected a whole number from 0"):
        ss.search(problem, seed=-1, executor=SerialExecutor())
    with pytest.raises(PoesimError, match="--max-evaluations: expected 1 to"):
        ss.search(problem, max_evaluations=0, executor=SerialExecutor())
    with pytest.raises(PoesimError, match="--search-confidence: expected a level in"):
        ss.search(problem, confidence=0.99, search_confidence=0.95, executor=SerialExecutor())
    with pytest.raises(PoesimError, match="--verify-seed: expected a seed other than the search's"):
        ss.search(problem, seed=3, verify_seed=3, executor=SerialExecutor())


# --- the confidence rule and roster helpers ---------------------------------------------------


def test_a_cell_is_met_when_its_one_sided_upper_bound_is_within_the_target():
    mean, upper, n = ss.upper_bound([1.0, 2.0, 3.0, np.nan], 0.95)
    assert (mean, n) == (2.0, 3)
    assert upper == pytest.approx(2.0 + stats.t.ppf(0.95, 2) * 1.0 / np.sqrt(3))
    rows = [{"replication": r, "mode": "vehicle", "lane_group": "booths", "program": "all", "hour": h,
             "mean_wait_min": v} for r, (a, b) in enumerate([(1.0, 5.0), (2.0, 7.0), (3.0, 6.0)])
            for h, v in (("07", a), ("08", b))]
    rows.append({"replication": 0, "mode": "vehicle", "lane_group": "booths", "program": "all", "hour": "09",
                 "mean_wait_min": 0.5})
    cells = ss.judge(pd.DataFrame(rows), [ss.Constraint("booths", "mean_wait_min", 4.0, "mean <= 4")], 0.95)
    assert cells.set_index("time")["status"].to_dict() == {"07": "met", "08": "missed", "09": "too few"}
    # 07: mean 2 but the bound 3.69 is what counts; a limit of 3 would miss it
    tight = ss.judge(pd.DataFrame(rows), [ss.Constraint("booths", "mean_wait_min", 3.0, "mean <= 3")], 0.95)
    assert tight.set_index("time").loc["07", "status"] == "missed"


def test_roster_steps_read_as_hourly_officers_and_exact_officer_hours():
    steps = ((0, 5), (450, 8), (1200, 3))  # 5 officers, 8 from 07:30, 3 from 20:00
    assert ss.hourly(steps) == (5,) * 7 + (8,) * 13 + (3,) * 4
    oh = ss.officer_hours(steps)
    assert oh[7] == pytest.approx(0.5 * 5 + 0.5 * 8) and oh.sum() == pytest.approx(5 * 7.5 + 8 * 12.5 + 3 * 4)
    assert ss.cell_hours("06-10") == [6, 7, 8, 9] and ss.cell_hours("23") == [23]


# --- search: reproducible, end to end ---------------------------------------------------------


def test_same_seed_same_roster_on_any_executor_and_the_cli_writes_a_loadable_whatif(tmp_path, monkeypatch):
    scen = tmp_path / "mmc.yaml"
    scen.write_text(yaml.safe_dump(mmc_by_hour(10, counted_h=1)))
    problem = ss.make_problem(load_scenario(scen), [TARGET])
    serial = ss.search(problem, replications=3, max_evaluations=3, verify_replications=3, repair_rounds=0,
                       executor=SerialExecutor())
    assert serial.found["officers"][6] < 10  # the counted hour lost officers; no other hour changed
    assert [h for h in range(24) if serial.found["officers"][h] != 10] == [6]

    out = tmp_path / "out"  # the same search from the command line, on two processes
    res = cli.invoke(app, ["staff", str(scen), "--target", TARGET, "--reps", "3", "--max-evaluations", "3",
                           "--verify-reps", "3", "--repair-rounds", "0", "--out", str(out), "--workers", "2"])
    assert res.exit_code in (0, 1), res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert res.exit_code == (0 if manifest["fresh_check"]["met"] else 1)
    assert manifest["found"]["officers"] == list(serial.found["officers"])
    trace = pd.read_csv(out / "search_trace.csv")
    assert trace[["move", "officer_hours", "feasible"]].values.tolist() == \
        [[s.move, s.officer_hours, s.feasible] for s in serial.trace]
    assert {"staffing.txt", "officer_hours.csv", "target_check.csv", "search_trace.csv", "mmc_staffed.yaml"} <= {
        p.name for p in out.iterdir()}
    # extends the scenario searched, by a relative path (outside the what-if's own directory, which
    # the loader allows for directories listed in POESIM_SCENARIO_ROOTS)
    monkeypatch.setenv("POESIM_SCENARIO_ROOTS", str(tmp_path))
    whatif = load_scenario(out / "mmc_staffed.yaml")
    assert whatif.chain[1].resolve() == scen.resolve()
    assert ss.hourly(whatif.scenario.staffing["officers"].officers) == serial.found["officers"]
    assert "officer-hours a day" in res.output and "Target check on 3 fresh replications" in res.output
    hours = pd.read_csv(out / "officer_hours.csv", dtype={"hour": str})
    assert hours.loc[hours["hour"] == "all", "baseline"].item() == 240

    bad = cli.invoke(app, ["staff", str(scen), "--target", "p95 => 3 min"])
    assert bad.exit_code == 2 and "--target 'p95 => 3 min': expected" in bad.output


# --- against queueing theory ------------------------------------------------------------------


@pytest.fixture(scope="module")
def mmc_search():
    """The search on five counted hours (06-10), from three officers above the Erlang-C staffing."""
    c_star = erlang_c_staffing(ss.parse_target(TARGET).limit_min)
    loaded = scenario_from_dict(mmc_by_hour(c_star + 3))
    problem = ss.make_problem(loaded, [TARGET])
    ex = make_executor(2)
    result = ss.search(problem, replications=10, verify_replications=20, executor=ex)
    yield c_star, problem, result, ex
    ex.close()


COUNTED = range(6, 11)


@pytest.mark.long
def test_the_search_finds_the_erlang_c_staffing_and_it_holds_on_fresh_replications(mmc_search):
    """Each hour is decided by the one-sided 99 % bound over 10 replications of that hour's mean
    wait (t = 2.82), whose spread is large (coefficient of variation about 0.35 between
    replications: an hour holds only a few dozen busy periods, so a standard error is about 11 %
    of the mean). At c* = 8 the mean wait is 0.55 × the target, so the bound (about 1.31 × the
    mean) exceeds it only if the replications' average is about 3 standard errors high; at
    c* − 1 it is 1.6 × the target, below it only about 4 standard errors low. Hourly means are
    right-skewed (a long busy period), so the first happens now and then in one hour of five, and
    that hour keeps c* + 1. Hence ±1 officer per hour; the total over the five hours must be
    within 1 of 5 c*. (With seeds 11, 12 and 13 the search finds c* in every hour.)"""
    c_star, _, result, _ = mmc_search
    assert c_star == 8
    found = [result.found["officers"][h] for h in COUNTED]
    assert all(abs(c - c_star) <= 1 for c in found), f"found {found}, Erlang C says {c_star} in every hour"
    assert abs(sum(found) - len(found) * c_star) <= 1, found
    assert [result.found["officers"][h] for h in range(24) if h not in COUNTED] == [c_star + 3] * 19
    assert result.stop_reason.startswith("converged")
    assert result.met and not result.repairs  # on 20 replications the search never saw (seed + 1)
    assert result.check.seed == result.search_seed + 1


@pytest.mark.long
def test_one_officer_fewer_misses_the_target(mmc_search):
    """Fewer officers than found miss the target: in any one hour, on the search's replications
    (the search stops only when no single removal holds), and with the Erlang-C staffing less one
    in every hour (mean wait 1.6 × the target), on fresh replications, in every hour."""
    c_star, problem, result, ex = mmc_search
    ev = ss.Evaluator(problem, result.search_replications, result.search_seed, result.search_confidence, ex)
    for h in COUNTED:
        fewer = ss.shifted(result.found, {("officers", h): -1})
        cells = ev.run(fewer).cells
        assert (cells["status"] == "missed").any(), h
    under = {"officers": tuple(c_star - 1 if h in COUNTED else c_star + 3 for h in range(24))}
    fresh = ev.run(under, seed=result.check.seed + 100, replications=20, confidence=result.confidence).cells
    assert (fresh["status"] == "missed").all(), fresh


# --- the region ----------------------------------------------------------------------------------


@pytest.mark.long
def test_poesim_staff_on_otay_mesa_with_a_modest_budget(tmp_path, root, monkeypatch):
    """`poesim staff` on the region model, Otay Mesa's three lane types, 3 replications and 4
    evaluations: it writes the report, the roster (only Otay Mesa's changes), the fresh check per
    lane group × hour and the travellers per port, and exits 0 exactly when every target holds."""
    out = tmp_path / "staff"
    scenario = root / "scenarios" / "region" / "baseline.yaml"
    res = cli.invoke(app, ["staff", str(scenario), "-t", "om_pov_general: mean <= 60 min",
                           "-t", "om_pov_ready: mean <= 45 min", "-t", "om_pov_sentri: mean <= 25 min",
                           "--reps", "3", "--max-evaluations", "4", "--verify-reps", "3", "--repair-rounds", "0",
                           "--out", str(out), "--workers", "2"])
    assert res.exit_code in (0, 1), res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert res.exit_code == (0 if manifest["fresh_check"]["met"] else 1)
    assert manifest["rosters"] == ["om_officers"] and manifest["search"]["evaluations"] <= 4
    assert manifest["officer_hours"]["om_officers"]["baseline"] == 292
    check = pd.read_csv(out / "target_check.csv", dtype={"time": str})
    assert set(check["lane_group"]) == {"om_pov_general", "om_pov_ready", "om_pov_sentri"}
    assert len(check[check["lane_group"] == "om_pov_general"]) == 24
    ports = pd.read_csv(out / "ports.csv", dtype={"hour": str})
    assert {"otay_mesa", "san_ysidro", "gave_up"} <= set(ports["port"])
    assert "note: the what-if does not load where it is" in res.output  # outside the scenario library
    monkeypatch.setenv("POESIM_SCENARIO_ROOTS", str(root / "scenarios"))
    whatif = load_scenario(out / "baseline_staffed.yaml")
    base = load_scenario(scenario)
    assert whatif.scenario.staffing["sy_officers"] == base.scenario.staffing["sy_officers"]
    assert list(ss.hourly(whatif.scenario.staffing["om_officers"].officers)) == manifest["found"]["om_officers"]
    assert "Travellers per port" in res.output
