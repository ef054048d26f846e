"""Cost of delay and emissions: what the figures are made of, how they respond, their intervals and
paired differences, the parameter file's sources, and the files run and compare write."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim import delay_cost_report as dcr
from sim import delay_costs as dc
from sim import runner
from sim.cli import app
from sim.scenario import scenario_from_dict
from sim.statistics import ALL
from tests.builders import single_queue
from tests.conftest import ROOT

PARAMS = dc.load_parameters()
ONES = np.ones(24)
PORTS = {"cars": "san_ysidro", "trucks": "otay_mesa", "walkers": "otay_mesa"}


def wait_table(reps=(0, 1, 2), seed=0) -> pd.DataFrame:
    """A per-replication wait table by hand: vehicles (two programs), trucks and pedestrians in three
    hours, plus 'all' rows holding nonsense that must be ignored."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in reps:
        for mode, group, programs in (("vehicle", "cars", ("general", "sentri")), ("truck", "trucks", ("general",)),
                                      ("pedestrian", "walkers", ("general", "ready"))):
            for prog in programs:
                for hour in ("06", "07", "13"):
                    rows.append({"replication": r, "mode": mode, "lane_group": group, "program": prog, "hour": hour,
                                 "n": int(rng.integers(5, 200)), "mean_wait_min": float(rng.uniform(0, 90)),
                                 "n_unserved": 0})
        rows.append({"replication": r, "mode": "vehicle", "lane_group": ALL, "program": ALL, "hour": ALL,
                     "n": 10**6, "mean_wait_min": 999.0, "n_unserved": 0})
        rows.append({"replication": r, "mode": "vehicle", "lane_group": "cars", "program": ALL, "hour": "06",
                     "n": 10**6, "mean_wait_min": 999.0, "n_unserved": 0})
    return pd.DataFrame(rows)


def costs(table, params=PARAMS, days=ONES, total=1.0) -> pd.DataFrame:
    return dc.replication_costs(table, params, PORTS, days, total)


def cell(frame, mode=ALL, group=ALL, hour=ALL) -> pd.DataFrame:
    return frame[(frame["mode"] == mode) & (frame["lane_group"] == group) & (frame["hour"] == hour)]


# --- what the figures are made of -------------------------------------------------------------------


def test_vehicle_hours_are_travellers_times_mean_wait_exactly():
    t = wait_table()
    c = costs(t)
    cells = t[(t["lane_group"] != ALL) & (t["program"] != ALL)]
    hours = cells.assign(h=cells["n"] * cells["mean_wait_min"] / 60)
    want_by_cell = hours.groupby(["replication", "mode", "lane_group", "hour"])["h"].sum()
    for (rep, mode, group, hour), want in want_by_cell.items():
        got = c[(c["replication"] == rep) & (c["mode"] == mode) & (c["lane_group"] == group) & (c["hour"] == hour)]
        key = "delay_person_h_per_day" if mode == "pedestrian" else "delay_veh_h_per_day"
        assert got[key].item() == pytest.approx(want, rel=1e-12)
    vehicles = hours[hours["mode"] != "pedestrian"].groupby("replication")["h"].sum()
    whole = cell(c).set_index("replication")["delay_veh_h_per_day"]
    np.testing.assert_allclose(whole.loc[vehicles.index], vehicles, rtol=1e-12)  # 'all' rows of the input ignored


def test_person_hours_use_the_ports_occupancy_trucks_carry_one_and_pedestrians_are_persons():
    c = costs(wait_table())
    cars, trucks, walkers = (cell(c, m, g) for m, g in (("vehicle", "cars"), ("truck", "trucks"),
                                                        ("pedestrian", "walkers")))
    np.testing.assert_allclose(cars["delay_person_h_per_day"],
                               cars["delay_veh_h_per_day"] * PARAMS.occupancy("san_ysidro"))
    np.testing.assert_allclose(trucks["delay_person_h_per_day"], trucks["delay_veh_h_per_day"])
    assert (walkers["delay_veh_h_per_day"] == 0).all() and (walkers["delay_person_h_per_day"] > 0).all()
    assert PARAMS.occupancy("a port nobody named") == PARAMS.occupancy("default")


def test_pedestrians_have_cost_but_no_fuel_or_emissions():
    walkers = cell(costs(wait_table()), "pedestrian", "walkers")
    assert (walkers["cost_usd_per_day"] > 0).all()
    for m in ("fuel_gal_per_day", "co2_kg_per_day", "nox_g_per_day", "pm25_g_per_day"):
        assert (walkers[m] == 0).all(), m


def test_cost_is_linear_in_the_value_of_time_and_trucks_cost_their_operating_cost():
    t = wait_table()
    base = costs(t)
    doubled = dataclasses.replace(PARAMS, value_of_time_usd_per_person_h={
        k: 2 * v for k, v in PARAMS.value_of_time_usd_per_person_h.items()})
    twice = costs(t, doubled)
    for mode, group in (("vehicle", "cars"), ("pedestrian", "walkers")):
        np.testing.assert_allclose(cell(twice, mode, group)["cost_usd_per_day"],
                                   2 * cell(base, mode, group)["cost_usd_per_day"], rtol=1e-12)
    trucks = cell(base, "truck", "trucks")
    np.testing.assert_allclose(cell(twice, "truck", "trucks")["cost_usd_per_day"], trucks["cost_usd_per_day"])
    np.testing.assert_allclose(trucks["cost_usd_per_day"],
                               trucks["delay_veh_h_per_day"] * PARAMS.truck_cost_usd_per_veh_h)


def test_fuel_and_emissions_are_idle_rates_times_vehicle_hours():
    c = costs(wait_table())
    cars, trucks = cell(c, "vehicle", "cars"), cell(c, "truck", "trucks")
    p = PARAMS
    np.testing.assert_allclose(cars["fuel_gal_per_day"], cars["delay_veh_h_per_day"] * p.idle_fuel_gal_per_h_light_duty)
    np.testing.assert_allclose(cars["co2_kg_per_day"], cars["fuel_gal_per_day"] * PARAMS.co2_kg_per_gal_gasoline)
    np.testing.assert_allclose(trucks["co2_kg_per_day"], trucks["fuel_gal_per_day"] * PARAMS.co2_kg_per_gal_diesel)
    np.testing.assert_allclose(trucks["nox_g_per_day"], trucks["delay_veh_h_per_day"] * p.idle_nox_g_per_h_heavy_duty)
    np.testing.assert_allclose(cars["pm25_g_per_day"], cars["delay_veh_h_per_day"] * p.idle_pm25_g_per_h_light_duty)


def test_totals_add_up_and_figures_are_per_counted_day():
    c = costs(wait_table())
    for m in dc.COST_METRICS:
        parts = c[(c["mode"] != ALL) & (c["lane_group"] != ALL) & (c["hour"] != ALL)].groupby("replication")[m].sum()
        np.testing.assert_allclose(cell(c).set_index("replication")[m].loc[parts.index], parts, rtol=1e-12)
    two_days = costs(wait_table(), days=2 * ONES, total=2.0)
    np.testing.assert_allclose(two_days["cost_usd_per_day"], c["cost_usd_per_day"] / 2)


def test_counted_days_per_clock_hour():
    days, total = dc.counted_days(dt.datetime(2017, 3, 7), duration_h=48, warmup_h=24)
    assert total == 1 and (days == 1).all()
    days, total = dc.counted_days(dt.datetime(2017, 3, 7, 6), duration_h=30, warmup_h=0)  # 06:00 to 12:00 next day
    assert total == 1.25 and days[6:12].tolist() == [2] * 6 and days[12] == 1 and days[5] == 1


def test_a_cell_a_replication_did_not_have_counts_zero():
    t = wait_table()
    t = t[~((t["replication"] == 2) & (t["lane_group"] == "trucks"))]  # nobody in the truck lanes in rep 2
    per_rep = dc.complete(costs(t), [0, 1, 2])
    trucks = cell(per_rep, "truck", "trucks")
    assert len(trucks) == 3 and trucks.loc[trucks["replication"] == 2, "delay_veh_h_per_day"].item() == 0
    s = cell(dc.summarise(per_rep), "truck", "trucks").iloc[0]
    assert s["delay_veh_h_per_day"] == pytest.approx(trucks["delay_veh_h_per_day"].mean())


def test_intervals_contain_the_mean_and_unserved_travellers_mark_a_lower_bound():
    t = wait_table(reps=range(6))
    t.loc[(t["replication"] == 3) & (t["lane_group"] == "cars") & (t["hour"] == "07"), "n_unserved"] = 4
    s = dc.summarise(dc.complete(costs(t), range(6)))
    for m in dc.COST_METRICS:
        ok = s[m].notna()
        assert (s.loc[ok, f"{m}_lo"] <= s.loc[ok, m] + 1e-9).all()
        assert (s.loc[ok, m] <= s.loc[ok, f"{m}_hi"] + 1e-9).all()
    flagged = {tuple(x) for x in s.loc[s["lower_bound"], dc.COST_KEYS].to_numpy()}
    assert flagged == {(m, g, h) for m, g in (("vehicle", "cars"), ("vehicle", ALL), (ALL, ALL)) for h in ("07", ALL)}


# --- on simulated runs --------------------------------------------------------------------------------


def queue(lanes=6, name=None, **kw):
    doc = single_queue(rate_per_h=330, lanes=lanes, hours=6, warmup_h=1, **kw)
    if name:
        doc["name"] = name
    return scenario_from_dict(doc)


def test_intervals_shrink_with_more_replications():
    few = dcr.cost_summary(runner.run(queue(), replications=3, seed=3, workers=1))
    many = dcr.cost_summary(runner.run(queue(), replications=12, seed=3, workers=1))
    for m in ("delay_veh_h_per_day", "cost_usd_per_day", "co2_kg_per_day"):
        h_few, h_many = (cell(s)[f"{m}_hi"].item() - cell(s)[f"{m}_lo"].item() for s in (few, many))
        assert 0 < h_many < h_few, m


def test_delay_agrees_with_the_regional_delay_of_ports_csv():
    result = runner.run(queue(), replications=3, seed=3, workers=1)
    ports = result.per_replication("ports")
    ports = ports[(ports["stream"] == ALL) & (ports["port"] == ALL) & (ports["hour"] == ALL)]
    mine = cell(dcr.run_costs(result))
    np.testing.assert_allclose(mine.sort_values("replication")["delay_veh_h_per_day"],
                               ports.sort_values("replication")["delay_veh_h_per_day"], rtol=1e-9)


def test_a_what_if_without_waiting_saves_exactly_the_baselines_delay_in_every_replication():
    cmp = runner.compare([queue(), queue(lanes=200, name="no waiting")], replications=4, seed=2, workers=1)
    base = dcr.run_costs(cmp.baseline)
    assert cell(base)["delay_veh_h_per_day"].min() > 0
    d = cell(dcr.cost_differences(cmp)).iloc[0]
    for m in ("delay_veh_h_per_day", "delay_person_h_per_day", "cost_usd_per_day", "fuel_gal_per_day",
              "co2_kg_per_day", "nox_g_per_day", "pm25_g_per_day"):
        assert d[f"{m}_b"] == 0
        assert d[f"{m}_diff"] == pytest.approx(-d[f"{m}_a"]) and d[f"{m}_diff"] < 0
        lo, hi = cell(dc.summarise(base)).iloc[0][[f"{m}_lo", f"{m}_hi"]]
        assert (d[f"{m}_diff_lo"], d[f"{m}_diff_hi"]) == pytest.approx((-hi, -lo))  # the baseline's interval, negated


# --- the parameter file ---------------------------------------------------------------------------------


def test_every_parameter_has_a_value_unit_and_source():
    doc = yaml.safe_load(dc.parameter_path().read_text(encoding="utf-8"))
    assert doc["parameters"]
    for name, p in doc["parameters"].items():
        values = p["value"].values() if isinstance(p["value"], dict) else [p["value"]]
        assert all(isinstance(v, (int, float)) and v > 0 for v in values), name
        assert p["unit"] and p["derivation"] and p["verified"] and p["applies_to"], name
        assert all(p["source"].get(k) for k in ("title", "publisher", "year")), name
        assert "url" in p["source"], name
    assert doc["assumptions"] and doc["data_sha256"]


def test_a_parameter_without_a_source_is_refused(tmp_path):
    doc = yaml.safe_load(dc.parameter_path().read_text(encoding="utf-8"))
    del doc["parameters"]["idle_fuel_gal_per_h_light_duty"]["source"]
    bad = tmp_path / "p.yaml"
    bad.write_text(yaml.safe_dump(doc))
    with pytest.raises(Exception, match="idle_fuel_gal_per_h_light_duty.source"):
        dc.load_parameters(bad)


def test_the_parameter_file_ships_as_package_data():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert dc.PARAMETER_FILE in pyproject["tool"]["setuptools"]["package-data"]["sim"]
    assert dc.parameter_path() == ROOT / "sim" / dc.PARAMETER_FILE


# --- the command line ------------------------------------------------------------------------------------


def _file(tmp_path, name, **kw):
    p = tmp_path / name
    doc = single_queue(rate_per_h=330, lanes=6, hours=6, warmup_h=1)
    doc.update(kw)
    p.write_text(yaml.safe_dump(doc))
    return p


def test_run_writes_delay_costs_and_prints_the_headline(tmp_path):
    out = tmp_path / "out"
    res = CliRunner().invoke(app, ["run", str(_file(tmp_path, "a.yaml")), "--reps", "3", "--out", str(out),
                                   "--workers", "1", "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "Cost of delay and emissions" in res.output and "CO2" in res.output
    assert "delay_cost_parameters.yaml" in res.output
    s = pd.read_csv(out / "delay_costs.csv", dtype={"hour": str})
    for m in dc.COST_METRICS:
        assert {m, f"{m}_lo", f"{m}_hi"} <= set(s.columns)
    assert {"mode", "lane_group", "hour", "replications", "lower_bound"} <= set(s.columns)
    assert {"03", ALL} <= set(s["hour"]) and ALL in set(s["mode"])


def test_compare_writes_paired_cost_differences(tmp_path):
    a = _file(tmp_path, "a.yaml")
    doc = yaml.safe_load(a.read_text())
    doc["name"], doc["lane_groups"]["booths"]["lanes"] = "eight lanes", 8
    b = tmp_path / "b.yaml"
    b.write_text(yaml.safe_dump(doc))
    out = tmp_path / "cmp"
    res = CliRunner().invoke(app, ["compare", str(a), str(b), "--reps", "3", "--out", str(out), "--workers", "1",
                                   "--no-plots"])
    assert res.exit_code == 0, res.output
    assert "Cost of delay and emissions, B − A" in res.output and "eight lanes" in res.output
    d = pd.read_csv(out / "delay_cost_differences.csv", dtype={"hour": str})
    assert (d["pairs"] == 3).all() and set(d["scenario"]) == {"eight lanes"}
    whole = cell(d).iloc[0]
    assert whole["delay_veh_h_per_day_diff"] < 0  # two more lanes cut the delay
    assert whole["cost_usd_per_day_diff_lo"] <= whole["cost_usd_per_day_diff"] <= whole["cost_usd_per_day_diff_hi"]
    costs_csv = pd.read_csv(out / "delay_costs.csv", dtype={"hour": str})
    assert set(costs_csv["scenario"]) == {doc["name"], yaml.safe_load(a.read_text())["name"]}
    assert "Cost of delay" in (out / "comparison.txt").read_text()
