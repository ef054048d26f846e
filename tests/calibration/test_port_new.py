"""A crossing built from public data alone (``calibration/port_new.py``, ``poesim port new``): the
crossing is found by its CBP port number or its name, every number in the file names its source, the
file validates and runs, the shipped Brownsville Veterans baseline is what the generator writes (given
the scale fitted to its observed waits), and a crossing none of the shipped scenarios covers gets a
runnable, validating scenario from the command line.

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the tests are
skipped when it is absent.
"""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

import sim
from sim.cli import app
from sim.scenario import load_scenario, scenario_from_dict
from tests.calibration.scripts import DATA_DIR, REPO, assert_generated, calibration_module, skip_without_data

FEED = ["cbp_bwt/bwt_all_ports_sample_snapshots_2026-07.csv", "cbp_bwt/brownsville_bwt_rss_history_2026-08.csv",
        "texas_bridge_crossings/monthly_crossings_2008_2025.csv", "sandag_sr11_ome/OME_Observed_Data.csv"]
SHIPPED = REPO / "scenarios" / "brownsville_veterans_international" / "baseline.yaml"
_SCALE = re.compile(r"# \* service_scale ([0-9.]+): FITTED")


def _script():
    return calibration_module("port_new")


@pytest.fixture(scope="module")
def veterans():
    skip_without_data(FEED)
    return _script().derive(DATA_DIR, "535502")


def test_a_crossing_is_found_by_its_port_number_or_its_words_and_an_unknown_one_is_a_clear_error():
    skip_without_data(FEED[:1])
    feed = calibration_module("data.cbp_feed")
    assert feed.find_crossing(DATA_DIR, "535502").label == "Brownsville - Veterans International"
    assert feed.find_crossing(DATA_DIR, "el paso ysleta").port_number == "240203"
    with pytest.raises(ValueError, match="matches no crossing.*535502 Brownsville - Veterans International"):
        feed.find_crossing(DATA_DIR, "Atlantis")
    with pytest.raises(ValueError, match="matches several crossings"):
        feed.find_crossing(DATA_DIR, "Brownsville")


@pytest.mark.parametrize("hours, open_", [("24 hrs/day", list(range(24))), ("6 am-Midnight", list(range(6, 24))),
                                          ("6 am-10 pm", list(range(6, 22))), ("8 am-Midnight", list(range(8, 24)))])
def test_the_feeds_hours_of_operation_become_the_open_clock_hours(hours, open_):
    assert _script().open_hours(hours) == open_


def test_every_number_of_the_file_names_its_source(veterans):
    text = _script().render(veterans)
    header = [line for line in text.splitlines() if line.startswith("#")]
    for what in ("lanes:", "staffing.officers:", "demand daily_volume:", "service (mean_s", "lane_choice:",
                 "pedestrians:", "window:", "service_scale"):
        assert any(what in line for line in header), what
    assert "texas_bridge_crossings/monthly_crossings_2008_2025.csv: Crossing=Veterans International Bridge" in text
    assert "brownsville_bwt_rss_history_2026-08.csv: mean lanes open by clock hour" in text


def test_the_crossings_officers_are_the_lanes_cbp_reported_open_and_none_in_closed_hours(veterans):
    sc = veterans["scenario"]
    officers = sc["staffing"]["officers"]["officers"]
    assert veterans["closed"] == list(range(6))  # "6 am-Midnight"
    assert all(officers[h] == 0 for h in range(6))
    assert all(1 <= officers[h] <= sc["lane_pools"]["pov_lanes"] for h in range(6, 24))
    for g in ("pov_general", "pov_ready", "pov_sentri"):
        assert sc["lane_groups"][g]["policy"]["closed_hours"] == list(range(6))
        assert all(x == 0 for x in sc["streams"][g]["demand"]["profile"][:6])


@pytest.mark.long
def test_the_generated_crossing_validates_and_its_lines_answer_a_service_time_scale(veterans):
    """Slower booths (the one fitted number) give longer General waits over the morning: the paired 95 %
    CI of the difference (common random numbers, 3 replications) lies above 0."""
    script = _script()
    loaded = []
    for scale in (1.0, 1.6):
        doc = script.derive(DATA_DIR, "535502", scale)["scenario"]
        doc["window"] = {**doc["window"], "duration_h": 38, "drain_h": 2}  # counted 00-14, open from 06
        loaded.append(scenario_from_dict(doc, name=f"scale {scale}"))
    cmp = sim.compare(loaded, replications=3, seed=1, workers=1)
    b = cmp.by_band
    row = b[(b["lane_group"] == "pov_general") & (b["program"] == "all") & (b["hour"] == "06-10")]  # B - A
    assert len(row) == 1
    assert row["mean_wait_min_diff_lo"].iloc[0] > 0, row


def test_the_shipped_brownsville_veterans_baseline_is_what_the_generator_writes():
    skip_without_data(FEED)
    m = _SCALE.search(SHIPPED.read_text(encoding="utf-8"))
    assert m, "no fitted service_scale in the header"
    script = _script()
    expected = script.render(script.derive(DATA_DIR, "535502", float(m.group(1))))
    assert_generated(SHIPPED, expected, "python -m calibration.port_new 535502 --fit --reps 5")
    assert load_scenario(SHIPPED).scenario.name


def test_poesim_port_new_builds_a_runnable_scenario_for_a_crossing_no_shipped_scenario_covers(tmp_path):
    skip_without_data(FEED + ["bts_border_crossing/Border_Crossing_Entry_Data_US-Mexico_1996-01_2022-07.csv"])
    out = tmp_path / "laredo.yaml"
    res = CliRunner().invoke(app, ["port", "new", "Laredo Bridge II", "--data", str(DATA_DIR), "--out", str(out)])
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "Crossing=Juárez-Lincoln International Bridge" in text
    assert "ASSUMPTION: no lanes-open history" in text
    loaded = load_scenario(out)
    doc = dict(loaded.resolved)
    doc["window"] = {**doc["window"], "duration_h": 34, "drain_h": 1}
    r = sim.run(scenario_from_dict(doc, name="laredo"), replications=1, seed=1, workers=1)
    assert r.summary["n"].sum() > 0


def test_poesim_port_new_names_the_crossings_when_the_name_is_unknown(tmp_path):
    skip_without_data(FEED[:1])
    out = tmp_path / "x.yaml"
    res = CliRunner().invoke(app, ["port", "new", "Atlantis", "--data", str(DATA_DIR), "--out", str(out)])
    assert res.exit_code != 0
    assert "matches no crossing" in res.output and "535502" in res.output
    assert not out.exists()
