"""The year-long Otay Mesa scenario: the committed file is what the derivation script produces
from the BTS data, it validates, every baseline stream carries week.yaml's weekday factors and
its measure's month factors, the compiled model's arrival rates follow those factors, and the
expected volume per mode matches BTS 2017 by month and for the year.

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the
tests that need it are skipped when it is absent. No simulation is run here.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.model import build_model
from sim.scenario import load_scenario
from sim.scenario.loader import resolve
from sim.scenario.schema import MONTHS, WEEKDAYS
from tests.calibration.scripts import DATA_DIR, REPO, assert_generated, calibration_module

YEAR_FILE = REPO / "scenarios" / "otay_mesa" / "year_2017.yaml"
BASELINE = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"
WEEK_FILE = REPO / "scenarios" / "otay_mesa" / "week.yaml"
REGENERATE = "python -m calibration.otay_mesa_year --out scenarios/otay_mesa/year_2017.yaml"
DAYS_2017 = [calendar.monthrange(2017, m)[1] for m in range(1, 13)]



def _script():
    return calibration_module("otay_mesa_year")


@pytest.fixture(scope="module")
def derived():
    mod = _script()
    if not (DATA_DIR / mod.BTS).exists():
        pytest.skip(f"public data not found (set POESIM_DATA_DIR to the shared data directory): {DATA_DIR / mod.BTS}")
    return mod.derive(DATA_DIR)


@pytest.fixture(scope="module")
def loaded():
    return load_scenario(YEAR_FILE)


def test_committed_year_equals_script_output(derived):
    assert_generated(YEAR_FILE, _script().render(derived), REGENERATE)


def test_rendered_yaml_holds_exactly_the_derived_scenario(derived):
    assert yaml.safe_load(_script().render(derived)) == derived["scenario"]


def test_year_file_validates(loaded):
    sc = loaded.scenario
    assert loaded.chain[1].name == "baseline.yaml"
    assert sc.window.start.isoformat() == "2017-01-01T00:00:00"
    assert (sc.window.duration_h, sc.window.warmup_h, sc.window.drain_h) == (8784, 24, 6)
    # the counted window is a full 365 days
    assert (sc.window.duration_h - sc.window.warmup_h) / 24 == 365
    assert sc.replications == 2


def test_every_baseline_stream_has_weekday_and_month_factors(loaded):
    base, _, _ = resolve(BASELINE)
    week = load_scenario(WEEK_FILE).scenario
    sc = loaded.scenario
    assert set(sc.streams) == set(base["streams"])
    by_mode: dict[str, dict] = {}
    for name, s in sc.streams.items():
        d = s.demand
        assert d.month_factor is not None and list(d.month_factor) == list(MONTHS), name
        assert d.by_weekday is None, name
        # the day-of-week factors are week.yaml's (both from calibration/weekday_factors.py)
        assert d.weekday_factor == week.streams[name].demand.weekday_factor, name
        assert all(round(v, 3) == v for v in d.month_factor.values()), name
        by_mode.setdefault(s.mode, d.month_factor)
        assert d.month_factor == by_mode[s.mode], f"{name}: differs from other {s.mode} streams"
    assert set(by_mode) == {"vehicle", "truck", "pedestrian"}
    assert len({tuple(f.values()) for f in by_mode.values()}) == 3  # one measure per mode
    # only the demand calendar is overridden: the hourly base day is the baseline's
    base_sc = load_scenario(BASELINE).scenario
    for name, s in sc.streams.items():
        assert s.demand.hourly_rates_per_h() == base_sc.streams[name].demand.hourly_rates_per_h()
        assert s.model_copy(update={"demand": None}) == base_sc.streams[name].model_copy(update={"demand": None})
    assert sc.lane_groups == base_sc.lane_groups and sc.secondary == base_sc.secondary


@pytest.fixture(scope="module")
def volumes():
    """Expected volume per mode and calendar month of the counted window (calibration/studies/bts_volumes.py:
    the compiled rates integrated over the counted hours; 2018-01-01 counts as January)."""
    e = calibration_module("studies.bts_volumes").expected_volumes(YEAR_FILE, by="mode")
    e["month"] = [d.month for d in e["date"]]
    return e.groupby(["mode", "month"])["expected"].sum()


@pytest.mark.parametrize("mode", ["vehicle", "truck", "pedestrian"])
def test_annual_expected_volume_within_1_percent_of_bts_2017(derived, volumes, mode):
    """BTS 2017 as calibration/studies/bts_volumes.py reads it (Personal Vehicles with the March repair)."""
    c = calibration_module("studies.bts_volumes").repaired_counts(DATA_DIR, "Otay Mesa", 2017,
                                                          (_script().MEASURE_BY_MODE[mode],))
    bts = c.sort_values("month")["value_used"].to_numpy()
    expected = volumes[mode]
    assert list(expected.index) == list(range(1, 13)) and len(bts) == 12
    assert abs(expected.sum() / bts.sum() - 1) <= 0.01, f"{mode}: {expected.sum():,.0f} vs BTS 2017 {bts.sum():,.0f}"
    # exact up to the 3-decimal rounding of the month factors: every month within 0.1 %
    for k in range(12):
        assert abs(expected[k + 1] / bts[k] - 1) <= 0.001, (mode, MONTHS[k], expected[k + 1], bts[k])
    # the script's figures quoted in the YAML are the same integral and the same BTS values
    ck = derived["checks"]["modes"][mode]
    np.testing.assert_allclose(ck["expected"], expected.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(ck["bts"], bts, rtol=1e-12)


@pytest.mark.parametrize("mode", ["vehicle", "truck", "pedestrian"])
def test_month_factors_average_about_one_weighted_by_days(loaded, mode):
    """The weekday factors carry the level (BTS 2017 / the base day), so the month factors are
    seasonality plus small corrections (pedestrians: the base day is BTS 2018, 0.9 % above 2017)."""
    f = next(s.demand.month_factor for s in loaded.scenario.streams.values() if s.mode == mode)
    mean = sum(d * f[m] for d, m in zip(DAYS_2017, MONTHS, strict=True)) / sum(DAYS_2017)
    assert mean == pytest.approx(1.0, abs=0.015)


def test_compiled_arrival_rates_follow_the_weekday_and_month_factors(loaded):
    sc = loaded.scenario
    model = build_model(sc)
    for i, (name, stream) in enumerate(sc.streams.items()):
        assert model.streams[i].name == name
        rates = model.streams[i].rate_per_s
        assert len(rates) == 8784
        base = np.array(stream.demand.hourly_rates_per_h()) / 3600.0
        wf, mf = stream.demand.weekday_factor, stream.demand.month_factor
        for day in range(366):  # 2017-01-01 .. 2018-01-01: hour k of day is base hour x weekday x month factor
            date = sc.window.start.date() + dt.timedelta(days=day)
            factor = wf[WEEKDAYS[date.weekday()]] * mf[MONTHS[date.month - 1]]
            np.testing.assert_allclose(rates[24 * day : 24 * day + 24], base * factor, rtol=1e-12,
                                       err_msg=f"{name} {date}")
    # 2018-01-01, the last counted day, is a Monday with the jan factor
    assert (sc.window.start + dt.timedelta(hours=8783)).date() == dt.date(2018, 1, 1)


def _bts_file(tmp_path: Path, rows: list[tuple[str, str, int]]) -> Path:
    path = tmp_path / _script().BTS
    path.parent.mkdir(parents=True)
    lines = ["Port Name,State,Port Code,Border,Date,Measure,Value"]
    lines += [f"Otay Mesa,California,2506,US-Mexico Border,{d},{m},{v}" for d, m, v in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tmp_path


def _full_year(measure: str = "Trucks") -> list[tuple[str, str, int]]:
    return [(f"{calendar.month_abbr[k]} 2017", measure, 1000 + k) for k in range(1, 13)]


def test_missing_month_fails_clearly(tmp_path):
    data = _bts_file(tmp_path, _full_year()[:5] + _full_year()[6:])
    with pytest.raises(ValueError, match=r"missing months.*Trucks.*Jun"):
        _script().bts_monthly(data, ("Trucks",))


def test_duplicate_month_fails_clearly(tmp_path):
    data = _bts_file(tmp_path, _full_year() + [("Mar 2017", "Trucks", 5)])
    with pytest.raises(ValueError, match=r"duplicate row Otay Mesa Trucks Mar 2017"):
        _script().bts_monthly(data, ("Trucks",))


def test_month_factors_formula(tmp_path):
    data = _bts_file(tmp_path, [(f"{calendar.month_abbr[k]} 2017", "Trucks", 10 * DAYS_2017[k - 1])
                                for k in range(1, 13)])
    monthly = _script().bts_monthly(data, ("Trucks",))["Trucks"]
    assert _script().month_factors(monthly) == pytest.approx([1.0] * 12)  # same volume per day in every month


def test_calendar_month_factors_divide_by_the_months_weekday_weight():
    mod = _script()
    dates = mod.counted_dates()
    assert len(dates) == 365 and dates[0] == dt.date(2017, 1, 2) and dates[-1] == dt.date(2018, 1, 1)
    # weekday factor 1 everywhere: W = days, and a volume of base day x days gives factor 1
    w, n = mod.weekday_weights(dict.fromkeys(WEEKDAYS, 1.0), dates)
    assert n == DAYS_2017 and w == [float(d) for d in DAYS_2017]
    assert mod.calendar_month_factors([5.0 * d for d in DAYS_2017], 5.0, w) == pytest.approx([1.0] * 12)
    # Sundays only: February 2017 has 4, the counted January 4 (Jan 1 2017 is warm-up; 2018-01-01 is a Monday)
    w, _ = mod.weekday_weights({d: float(d == "sun") for d in WEEKDAYS}, dates)
    assert w[:3] == [4.0, 4.0, 4.0] and sum(w) == 52.0
    # a month with a heavier weekday mix needs a smaller factor for the same volume
    f = mod.calendar_month_factors([100.0] * 12, 2.0, [25.0, 50.0] + [30.0] * 10)
    assert f[:2] == pytest.approx([2.0, 1.0])
    with pytest.raises(ValueError, match="no counted weekday weight"):
        mod.calendar_month_factors([1.0] * 12, 1.0, [0.0] + [1.0] * 11)


def test_an_implausible_bts_vehicle_count_is_repaired_from_its_passenger_count():
    if not DATA_DIR.exists():
        pytest.skip(f"no data directory at {DATA_DIR}")
    derived = _script().derive(DATA_DIR)
    (month, vehicles, passengers, occupancy, fixed), = derived["checks"]["occupancy_suspect"]
    assert month == "mar" and occupancy < 1.1 and fixed == round(passengers / derived["checks"]["occupancy_median"])
    factors = derived["scenario"]["streams"]["pov_general"]["demand"]["month_factor"]
    assert 0.9 < factors["mar"] < 1.0  # as published (1.53) it would be the busiest month of the year by far
