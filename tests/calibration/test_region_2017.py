"""The San Diego region scenario: what it is built from, that the committed files are what the
scripts write, and that its what-ifs respond the way officers and drivers make a port respond."""

from __future__ import annotations

import numpy as np
import pytest

import sim
from calibration.data import sandag
from sim.calibrate import load_config, replay
from sim.scenario import load_scenario
from sim.statistics import ALL, paired_differences
from tests.calibration.scripts import DATA_DIR, REPO, assert_generated, calibration_module, skip_without_data

REGION = REPO / "scenarios" / "region"
CONFIG = REPO / "calibration" / "region_2017.yaml"


@pytest.fixture(scope="module")
def script():
    mod = calibration_module("region_2017")
    skip_without_data(mod.DATA_FILES)
    return mod


@pytest.fixture(scope="module")
def derived(script):
    return script.derive(DATA_DIR)


def test_the_committed_region_files_are_what_the_script_writes(script, derived):
    cfg = load_config(CONFIG)
    for out, fn in cfg.outputs.items():
        path = (CONFIG.parent / out).resolve()
        assert_generated(path, getattr(script, fn)(derived), "poesim calibrate calibration/region_2017.yaml")


def test_the_committed_fit_replays_on_the_public_data(script):
    rec, problems = replay(CONFIG, DATA_DIR, workers=2)
    assert problems == [], problems
    assert set(rec["parameters"]) == {"give_up_above_min"}


def test_officers_on_duty_are_the_observed_open_booths(script, derived):
    """The roster is data: per hour, CBP's open lanes of every lane type × booths per lane."""
    obs = sandag.observed_passenger(DATA_DIR, "Otay Mesa")
    om = derived["scenario"]["staffing"]["om_officers"]["officers"]
    expected = [int(sum(obs[t]["open_lanes"][h] for t in ("General", "Ready", "SENTRI"))) for h in range(24)]
    assert om == expected
    sy_obs = sandag.observed_passenger(DATA_DIR, "San Ysidro")
    sy = derived["scenario"]["staffing"]["sy_officers"]["officers"]
    # General and Ready lanes are double-stacked at San Ysidro: two officers per lane
    assert sy == [int(2 * sy_obs["General"]["open_lanes"][h] + 2 * sy_obs["Ready"]["open_lanes"][h]
                      + sy_obs["SENTRI"]["open_lanes"][h]) for h in range(24)]


def test_service_rates_are_what_saturated_lanes_cleared(script, derived):
    """In an hour with a line all hour, the model's lane processing rate equals observed volume ÷ open lanes."""
    obs = sandag.observed_passenger(DATA_DIR, "Otay Mesa")["Ready"]
    g = derived["scenario"]["lane_groups"]["om_pov_ready"]
    mean_s = g["service"]["ready"]["mean_s"]
    for h in range(24):
        if obs["open_lanes"][h] > 0 and obs["wait_time"][h] >= script.SATURATED_WAIT_MIN:
            rate = 3600.0 / (mean_s * g["service_by_hour"][h])
            # mean_s and factors rounded
            assert rate == pytest.approx(obs["volume"][h] / obs["open_lanes"][h], rel=2e-3)


@pytest.fixture(scope="module")
def whatifs(script):
    files = ["baseline", "om_add_25_lanes_same_roster", "om_add_25_lanes_staffed", "demand_plus_10pct",
             "om_general_to_ready_2_lanes"]
    cmp = sim.compare([load_scenario(REGION / f"{f}.yaml") for f in files], replications=3, workers=2)
    return {f: r for f, r in zip(files, cmp.runs, strict=True)}


def _per_rep(run, lane_group: str) -> np.ndarray:
    d = run.per_replication("by_hour")
    d = d[(d["lane_group"] == lane_group) & (d["program"] == ALL) & (d["hour"] == ALL)].sort_values("replication")
    return d["mean_wait_min"].to_numpy()


@pytest.mark.long
def test_lanes_without_officers_change_nothing(whatifs):
    a, b = whatifs["baseline"], whatifs["om_add_25_lanes_same_roster"]
    for o, p in zip(a.outputs, b.outputs, strict=True):
        assert o.by_hour.equals(p.by_hour) and o.ports.equals(p.ports)


@pytest.mark.long
def test_staffed_lanes_cut_the_port_s_waits_and_draw_drivers_from_the_other_port(whatifs):
    a, b = whatifs["baseline"], whatifs["om_add_25_lanes_staffed"]
    d = paired_differences(a.per_replication("by_hour"), b.per_replication("by_hour"))
    whole = d[(d["program"] == ALL) & (d["hour"] == ALL)].set_index("lane_group")
    for g in ("om_pov_general", "om_pov_ready"):
        assert whole.loc[g, "mean_wait_min_diff_hi"] < 0  # Otay Mesa's waits fall (95 % CI below zero)
    ports = paired_differences(a.per_replication("ports"), b.per_replication("ports"),
                               ("travellers_per_day",), ("stream", "port", "hour"))
    p = ports[(ports["stream"] == ALL) & (ports["hour"] == ALL)].set_index("port")
    assert p.loc["otay_mesa", "travellers_per_day_diff_lo"] > 0  # more cross at Otay Mesa
    assert p.loc["san_ysidro", "travellers_per_day_diff_hi"] < 0  # some of them came from San Ysidro
    assert p.loc["gave_up", "travellers_per_day_diff_hi"] < 0  # fewer give up


@pytest.mark.long
def test_more_demand_at_fixed_staffing_lengthens_waits_but_drivers_keep_them_bounded(whatifs):
    a, b = whatifs["baseline"], whatifs["demand_plus_10pct"]
    d = paired_differences(a.per_replication("by_hour"), b.per_replication("by_hour"))
    whole = d[(d["program"] == ALL) & (d["hour"] == ALL) & (d["lane_group"] == ALL)].iloc[0]
    assert whole["mean_wait_min_diff_lo"] > 0
    # bounded: drivers give up rather than join a line posted far above their reservation wait, so +10 %
    # demand on saturated lanes cannot push the mean wait past it (the per-port observed-lanes model went 77 -> 253)
    reservation = load_scenario(REGION / "demand_plus_10pct.yaml").scenario.streams["sy_pov_general"].lane_choice
    assert whole["mean_wait_min_b"] < reservation.give_up_above_min


@pytest.mark.long
def test_converting_general_lanes_to_ready_cuts_ready_waits_and_general_drivers_divert(whatifs):
    """Same officers, two of General's lanes made Ready: Ready waits fall (paired 95 % CI below zero);
    General drivers who see the longer General line go to San Ysidro instead (fewer cross at Otay Mesa,
    more at San Ysidro, both CIs excluding zero), so General stays under the drivers' reservation wait
    (the per-port observed-lanes model, where nobody could divert, turned 77 min into 253)."""
    a, b = whatifs["baseline"], whatifs["om_general_to_ready_2_lanes"]
    d = paired_differences(a.per_replication("by_hour"), b.per_replication("by_hour"))
    whole = d[(d["program"] == ALL) & (d["hour"] == ALL)].set_index("lane_group")
    assert whole.loc["om_pov_ready", "mean_wait_min_diff_hi"] < 0
    ports = paired_differences(a.per_replication("ports"), b.per_replication("ports"),
                               ("travellers_per_day",), ("stream", "port", "hour"))
    gen = ports[(ports["stream"] == "om_pov_general") & (ports["hour"] == ALL)].set_index("port")
    assert gen.loc["otay_mesa", "travellers_per_day_diff_hi"] < 0
    assert gen.loc["san_ysidro", "travellers_per_day_diff_lo"] > 0
    reservation = (load_scenario(REGION / "om_general_to_ready_2_lanes.yaml")
                   .scenario.streams["om_pov_general"].lane_choice)
    assert whole.loc["om_pov_general", "mean_wait_min_b"] < reservation.give_up_above_min


@pytest.mark.slow
def test_a_fresh_region_calibration_reproduces_the_committed_fit_and_scenarios(script):
    from sim.calibrate import calibrate

    _, differ = calibrate(CONFIG, DATA_DIR, workers=2, check=True)
    assert differ == [], f"run `poesim calibrate calibration/region_2017.yaml` and commit: {differ}"


@pytest.mark.long
def test_a_new_tolled_port_draws_drivers_from_both_ports_and_fewer_at_a_higher_toll():
    """Otay Mesa East opening (SANDAG's option): drivers leave both ports for it and Otay Mesa's waits fall
    (paired CIs exclude zero); at a $10 toll instead of $2, fewer cross there (the toll enters the logit
    through the value of time)."""
    from sim.scenario.loader import scenario_from_dict

    base = load_scenario(REGION / "baseline.yaml")
    ome = load_scenario(REGION / "ome_opens_5_lanes.yaml")
    doc = dict(ome.resolved)
    doc["lane_groups"] = {n: ({**g, "toll_usd": 10.0} if n.startswith("ome_") else g)
                          for n, g in doc["lane_groups"].items()}
    dear = scenario_from_dict(doc, name="ome_toll_10")
    a, b, c = sim.compare([base, ome, dear], replications=3, workers=2).runs
    d = paired_differences(a.per_replication("by_hour"), b.per_replication("by_hour"))
    whole = d[(d["program"] == ALL) & (d["hour"] == ALL)].set_index("lane_group")
    assert whole.loc["om_pov_general", "mean_wait_min_diff_hi"] < 0
    ports = paired_differences(a.per_replication("ports"), b.per_replication("ports"),
                               ("travellers_per_day",), ("stream", "port", "hour"))
    p = ports[(ports["stream"] == ALL) & (ports["hour"] == ALL)].set_index("port")
    assert p.loc["otay_mesa", "travellers_per_day_diff_hi"] < 0
    assert p.loc["san_ysidro", "travellers_per_day_diff_hi"] < 0
    toll = paired_differences(b.per_replication("ports"), c.per_replication("ports"),
                              ("travellers_per_day",), ("stream", "port", "hour"))
    t = toll[(toll["stream"] == ALL) & (toll["hour"] == ALL)].set_index("port")
    assert t.loc["otay_mesa_east", "travellers_per_day_a"] > 0
    assert t.loc["otay_mesa_east", "travellers_per_day_diff_hi"] < 0
