"""The year-long Otay Mesa scenario: the committed file is what the derivation script produces
from the BTS data, it validates, every baseline stream carries its measure's month factors,
and the compiled model's arrival rates follow those factors.

The data directory is ``$POESIM_DATA_DIR`` or ``../shared/data`` next to the repository; the
tests that need it are skipped when it is absent. No simulation is run here.
"""

from __future__ import annotations

import calendar
import difflib
from pathlib import Path

import numpy as np
import pytest
import yaml

from sim.model import build_model
from tests.calibration.scripts import DATA_DIR, REPO, load_script
from sim.scenario import load_scenario
from sim.scenario.loader import resolve
from sim.scenario.schema import MONTHS

YEAR_FILE = REPO / "scenarios" / "otay_mesa" / "year_2017.yaml"
BASELINE = REPO / "scenarios" / "otay_mesa" / "baseline.yaml"
REGENERATE = "python calibration/otay_mesa_year.py --out scenarios/otay_mesa/year_2017.yaml"
DAYS_2017 = [calendar.monthrange(2017, m)[1] for m in range(1, 13)]



def _script():
    return load_script("otay_mesa_year")


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
    expected = _script().render(derived)
    actual = YEAR_FILE.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(
            list(difflib.unified_diff(actual.splitlines(True), expected.splitlines(True), "committed", "script"))[:40]
        )
        pytest.fail(f"{YEAR_FILE.name} is out of date with the script; regenerate with `{REGENERATE}`\n{diff}")


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


def test_every_baseline_stream_has_its_measures_month_factors(loaded):
    base, _, _ = resolve(BASELINE)
    sc = loaded.scenario
    assert set(sc.streams) == set(base["streams"])
    by_mode: dict[str, dict] = {}
    for name, s in sc.streams.items():
        d = s.demand
        assert d.month_factor is not None and list(d.month_factor) == list(MONTHS), name
        assert d.weekday_factor is None and d.by_weekday is None, name  # weekday effects not modelled
        assert all(round(v, 3) == v for v in d.month_factor.values()), name
        by_mode.setdefault(s.mode, d.month_factor)
        assert d.month_factor == by_mode[s.mode], f"{name}: differs from other {s.mode} streams"
    assert set(by_mode) == {"vehicle", "truck", "pedestrian"}
    assert len({tuple(f.values()) for f in by_mode.values()}) == 3  # one measure per mode
    # only month_factor is overridden: the hourly base day is the baseline's
    base_sc = load_scenario(BASELINE).scenario
    for name, s in sc.streams.items():
        assert s.demand.hourly_rates_per_h() == base_sc.streams[name].demand.hourly_rates_per_h()
        assert s.model_copy(update={"demand": None}) == base_sc.streams[name].model_copy(update={"demand": None})
    assert sc.lane_groups == base_sc.lane_groups and sc.secondary == base_sc.secondary


@pytest.mark.parametrize("mode", ["vehicle", "truck", "pedestrian"])
def test_factors_average_to_one_weighted_by_days(loaded, mode):
    f = next(s.demand.month_factor for s in loaded.scenario.streams.values() if s.mode == mode)
    mean = sum(d * f[m] for d, m in zip(DAYS_2017, MONTHS)) / sum(DAYS_2017)
    assert mean == pytest.approx(1.0, abs=1e-3)


def test_compiled_arrival_rates_follow_the_month_factors(loaded):
    sc = loaded.scenario
    model = build_model(sc)
    i, (name, stream) = next((i, kv) for i, kv in enumerate(sc.streams.items()) if kv[1].mode == "vehicle")
    assert model.streams[i].name == name
    rates = model.streams[i].rate_per_s
    assert len(rates) == 8784
    hours_2017 = sum(DAYS_2017) * 24
    year = rates[:hours_2017]  # 2017-01-01 00:00 .. 2018-01-01 00:00, whole days
    feb_start = DAYS_2017[0] * 24
    feb = rates[feb_start : feb_start + DAYS_2017[1] * 24]
    f = stream.demand.month_factor
    weighted_mean = sum(d * f[m] for d, m in zip(DAYS_2017, MONTHS)) / sum(DAYS_2017)
    assert feb.mean() / year.mean() == pytest.approx(f["feb"] / weighted_mean, rel=0, abs=1e-9)
    # and every hour is the baseline hour scaled by its month's factor
    base = np.array(stream.demand.hourly_rates_per_h()) / 3600.0
    mar_start = feb_start + DAYS_2017[1] * 24
    np.testing.assert_allclose(rates[mar_start : mar_start + 24], base * f["mar"], rtol=1e-12)
    np.testing.assert_allclose(rates[hours_2017 : hours_2017 + 24], base * f["jan"], rtol=1e-12)  # 2018-01-01


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
    data = _bts_file(tmp_path, [(f"{calendar.month_abbr[k]} 2017", "Trucks", 10 * DAYS_2017[k - 1]) for k in range(1, 13)])
    monthly = _script().bts_monthly(data, ("Trucks",))["Trucks"]
    assert _script().month_factors(monthly) == pytest.approx([1.0] * 12)  # same volume per day in every month



def test_an_implausible_bts_vehicle_count_is_repaired_from_its_passenger_count():
    if not DATA_DIR.exists():
        pytest.skip(f"no data directory at {DATA_DIR}")
    derived = _script().derive(DATA_DIR)
    (month, vehicles, passengers, occupancy, fixed), = derived["checks"]["occupancy_suspect"]
    assert month == "mar" and occupancy < 1.1 and fixed == round(passengers / derived["checks"]["occupancy_median"])
    factors = derived["scenario"]["streams"]["pov_general"]["demand"]["month_factor"]
    assert 0.9 < factors["mar"] < 1.0  # as published (1.53) it would be the busiest month of the year by far
