"""The BTS volume check (calibration/studies/bts_volumes.py): expected arrivals are the integral of the
demand over the counted window, the year scenario's volumes match BTS 2017 where they should,
and simulated arrivals agree with the expected values within Poisson noise.

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the
tests that need it are skipped when it is absent.
"""

from __future__ import annotations

import datetime as dt

import pytest

from sim.scenario.loader import resolve, scenario_from_dict
from tests.calibration.scripts import DATA_DIR, calibration_module

MODES = ("vehicle", "truck", "pedestrian")


def _mod():
    return calibration_module("studies.bts_volumes")


def _need_data():
    mod = _mod()
    if not (DATA_DIR / mod.BTS).exists():
        pytest.skip(f"public data not found (set POESIM_DATA_DIR to the shared data directory): {DATA_DIR / mod.BTS}")
    return mod


def _synthetic():
    """Window 2017-01-31 18:00 (a Tuesday) + 12.5 h, warm-up 2.5 h: counted 20:30 Jan 31 to 06:30 Feb 1.

    Vehicles: rate = clock hour (0..23 per h), Wednesdays x 0.5, February x 2:
      Jan 31: 0.5 x 20 + 21 + 22 + 23 = 76; Feb 1: (0+1+2+3+4+5 + 0.5 x 6) x 2 x 0.5 = 18.
    Pedestrians: 240/day flat (10 per h), same factors: Jan 31: 3.5 h x 10 = 35; Feb 1: 6.5 x 10 x 2 x 0.5 = 65."""
    factors = {
        "weekday_factor": {"mon": 1, "tue": 1, "wed": 0.5, "thu": 1, "fri": 1, "sat": 1, "sun": 1},
        "month_factor": {m: (2.0 if m == "feb" else 1.0) for m in
                         ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")},
    }
    service = {"general": {"dist": "exponential", "mean_s": 1.0}}
    return scenario_from_dict({
        "name": "synthetic",
        "window": {"start": "2017-01-31T18:00", "duration_h": 12.5, "warmup_h": 2.5, "drain_h": 1},
        "streams": {
            "cars": {"mode": "vehicle", "program": "general",
                     "demand": {"rate_per_h": [float(h) for h in range(24)], **factors}},
            "walkers": {"mode": "pedestrian", "program": "general",
                        "demand": {"daily_volume": 240.0, "profile": [1.0] * 24, **factors}},
        },
        "lane_groups": {
            "car_lanes": {"mode": "vehicle", "programs": ["general"], "lanes": 2, "service": service},
            "ped_lanes": {"mode": "pedestrian", "programs": ["general"], "lanes": 2, "service": service},
        },
    })


def test_expected_volumes_integrate_the_demand_over_the_counted_window():
    e = _mod().expected_volumes(_synthetic())
    got = {(r.stream, r.date): (r.counted_h, r.expected) for r in e.itertuples()}
    jan31, feb1 = dt.date(2017, 1, 31), dt.date(2017, 2, 1)
    assert set(got) == {("cars", jan31), ("cars", feb1), ("walkers", jan31), ("walkers", feb1)}
    for key, (hours, volume) in {("cars", jan31): (3.5, 76.0), ("cars", feb1): (6.5, 18.0),
                                 ("walkers", jan31): (3.5, 35.0), ("walkers", feb1): (6.5, 65.0)}.items():
        assert got[key] == pytest.approx((hours, volume), rel=1e-12), key
    by_mode = _mod().expected_volumes(_synthetic(), by="mode").set_index(["mode", "date"])["expected"]
    assert by_mode[("vehicle", jan31)] == pytest.approx(76.0) and by_mode[("pedestrian", feb1)] == pytest.approx(65.0)
    assert _mod().counted_days(e) == pytest.approx(10.0 / 24)


@pytest.mark.parametrize("port", ["Otay Mesa", "San Ysidro"])
def test_weekday_baseline_expects_its_hourly_rates_summed_over_the_counted_day(port):
    """No month or weekday factors: one counted day (2017-03-08) whose volume per stream is the
    file's 24 rates summed (or its daily_volume)."""
    path = _mod().WEEKDAY_SCENARIOS[port]
    e = _mod().expected_volumes(path)
    data, _, _ = resolve(path)
    assert set(e["date"]) == {dt.date(2017, 3, 8)} and set(e["counted_h"]) == {24.0}
    for r in e.itertuples():
        d = data["streams"][r.stream]["demand"]
        assert r.expected == pytest.approx(sum(d["rate_per_h"]) if "rate_per_h" in d else d["daily_volume"], rel=1e-9)


# --- against BTS (data) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def year_table():
    return _need_data().year_comparison(DATA_DIR)


@pytest.fixture(scope="module")
def weekday_table():
    return _need_data().weekday_comparison(DATA_DIR)


def test_bts_monthly_counts_one_row_per_month_and_measure():
    mod = _need_data()
    c = mod.bts_monthly_counts(DATA_DIR, "Otay Mesa", 2017)
    assert len(c) == 36 and not c.duplicated(["measure", "month"]).any()
    assert set(c["mode"]) == set(MODES)
    assert all(sorted(g) == list(range(1, 13)) for _, g in c.groupby("measure")["month"])
    assert c.loc[c["measure"] == "Trucks", "value"].sum() == 929_614  # BTS 2017 Otay Mesa trucks
    assert c["days"].sum() == 3 * 365
    with pytest.raises(ValueError, match="missing months"):
        mod.bts_monthly_counts(DATA_DIR, "Otay Mesa", 2030)


def test_vehicle_repair_is_the_year_scripts(year_table):
    """The BTS Personal Vehicles total used here is the one the month factors were derived from."""
    derived = calibration_module("otay_mesa_year").derive(DATA_DIR)
    annual = year_table[(year_table["mode"] == "vehicle") & (year_table["month"] == "year")].iloc[0]
    assert round(annual["bts_used"]) == derived["checks"]["annual"]["Personal Vehicles"]
    assert list(year_table.loc[year_table["repaired"] & (year_table["month"] != "year"), "month"]) == ["Mar"]


@pytest.mark.parametrize("mode", MODES)
def test_year_file_annual_volume_within_3_percent_of_bts_2017(year_table, mode):
    annual = year_table[(year_table["mode"] == mode) & (year_table["month"] == "year")].iloc[0]
    assert annual["days"] == 365
    assert abs(annual["diff_pct"]) <= 3.0, f"{mode}: {annual['expected']:,.0f} vs BTS {annual['bts_used']:,.0f}"


def test_year_file_follows_bts_month_by_month(year_table):
    """Month factors are BTS's shape: every month is off BTS by the same share as the year
    (up to the 3-decimal rounding of the factors)."""
    for mode in MODES:
        d = year_table[year_table["mode"] == mode].set_index("month")
        monthly = d.drop(index="year")
        assert len(monthly) == 12 and (monthly["days"] == monthly["days"].round()).all()
        assert (monthly["diff_pct"] - d.loc["year", "diff_pct"]).abs().max() < 0.25, mode


def test_weekday_vehicle_volume_is_above_the_all_days_average(weekday_table):
    v = weekday_table[weekday_table["mode"] == "vehicle"].set_index("port")
    assert set(v.index) == {"Otay Mesa", "San Ysidro"}
    assert (v["ratio"] > 1.0).all() and (v["ratio"] < 1.10).all(), v[["ratio", "ratio_raw"]]


# --- simulated ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sim_table():
    return _mod().simulated_check(replications=2)


def test_simulated_arrivals_within_poisson_noise_of_the_expected_volume(sim_table):
    assert set(zip(sim_table["port"], sim_table["mode"], strict=True)) == {
        ("Otay Mesa", "vehicle"), ("Otay Mesa", "truck"), ("Otay Mesa", "pedestrian"),
        ("San Ysidro", "vehicle"), ("San Ysidro", "pedestrian"),
    }
    for r in sim_table.itertuples():
        assert r.sd == pytest.approx((r.expected_per_day / 2) ** 0.5)  # one counted day, two replications
        assert abs(r.simulated_per_day - r.expected_per_day) <= 4 * r.sd, (r.port, r.mode, r.z)


def test_markdown_report(year_table, weekday_table, sim_table, tmp_path):
    mod = _mod()
    text = mod.render_markdown(year_table, weekday_table, sim_table)
    assert text.startswith("## Volumes against BTS monthly counts\n")
    for heading in ("### Otay Mesa 2017, month by month", "### Weekday baselines", "### Simulated arrivals"):
        assert heading in text
    assert "| **year** | 365 |" in text and "Mar 2017 repaired" in text
    out = tmp_path / "volumes.md"
    assert mod.main(["--data", str(DATA_DIR), "--reps", "0", "--out", str(out)]) == 0
    written = out.read_text(encoding="utf-8")
    assert written == mod.render_markdown(year_table, weekday_table)
