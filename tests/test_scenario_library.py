"""Every shipped scenario validates and runs, and what-ifs share their baseline's travellers."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import sim
from sim.model import build_model
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.loader import resolve
from sim.scenario.schema import WEEKDAYS
from tests.conftest import ROOT

SCENARIOS = sorted((ROOT / "scenarios").rglob("*.yaml"))


def test_the_library_is_not_empty():
    assert any(p.parent.name == "otay_mesa" for p in SCENARIOS)


RUN_AT_MOST_H = 72  # long scenarios (a year) run their first three days here; benchmarks run them whole


# the default run runs these; every other scenario is validated there and run in the long run
SMOKE = {"scenarios/theory/mmc.yaml", "scenarios/otay_mesa/baseline.yaml", "scenarios/region/baseline.yaml"}


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_shipped_scenario_validates(path):
    assert load_scenario(path).scenario.window.duration_h > 0


@pytest.mark.parametrize("path", [
    pytest.param(p, marks=() if str(p.relative_to(ROOT)) in SMOKE else pytest.mark.long) for p in SCENARIOS
], ids=lambda p: str(p.relative_to(ROOT)))
def test_a_shipped_scenario_runs(path):
    loaded = load_scenario(path)
    if loaded.scenario.window.duration_h > RUN_AT_MOST_H:
        doc = {**loaded.resolved, "window": {**loaded.resolved["window"], "duration_h": RUN_AT_MOST_H}}
        loaded = scenario_from_dict(doc, name=str(path))
    r = sim.run(loaded, replications=1, workers=1)
    whole = r.summary[(r.summary["hour"] == "all") & (r.summary["program"] == "all")]
    assert len(whole) and whole["n"].gt(0).all()
    assert np.isfinite(whole["mean_wait_min"]).all() and whole["mean_wait_min"].ge(0).all()


def test_the_otay_mesa_what_if_sees_the_same_travellers_as_the_baseline():
    a = sim.run(ROOT / "scenarios/otay_mesa/baseline.yaml", replications=1, workers=1, keep_records=True).records()
    b = sim.run(ROOT / "scenarios/otay_mesa/add_25_lanes.yaml", replications=1, workers=1, keep_records=True).records()
    for col in ("stream", "program", "arrival_s", "referred"):
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())


# --- what-ifs: each file is what its header says, recomputed from the file it extends ------

OM = ROOT / "scenarios" / "otay_mesa"
SY = ROOT / "scenarios" / "san_ysidro"
POV_GROUPS = ("pov_general", "pov_ready", "pov_sentri")


def _doc(path):
    return resolve(path)[0]


def _open(doc, group):
    lanes = doc["lane_groups"][group]["lanes_open"]
    assert isinstance(lanes, list) and len(lanes) == 24, f"{group}: expected 24 hourly values"
    return lanes


def _same_except(a, b, changed):
    """The resolved mappings a and b are equal once the dotted paths in ``changed`` are dropped."""
    import copy

    a, b = copy.deepcopy(a), copy.deepcopy(b)
    for path in changed:
        *head, last = path.split(".")
        for d in (a, b):
            for k in head:
                d = d[k]
            d.pop(last, None)
    for d in (a, b):
        for k in ("name", "description", "extends"):
            d.pop(k, None)
    assert a == b


def test_add_25_lanes_opens_the_observed_lanes_plus_15_general_and_10_ready():
    obs, what = _doc(OM / "observed_lanes.yaml"), _doc(OM / "add_25_lanes.yaml")
    for group, extra in (("pov_general", 15), ("pov_ready", 10)):
        expected = [n + extra for n in _open(obs, group)]
        assert _open(what, group) == expected, (
            f"add_25_lanes.yaml {group}.lanes_open must be observed_lanes.yaml's + {extra} in every hour; "
            f"expected {expected}"
        )
        assert what["lane_groups"][group]["lanes"] == max(expected)
        assert "policy" not in what["lane_groups"][group]
    _same_except(obs, what,
                 [f"lane_groups.{g}.{k}" for g in ("pov_general", "pov_ready") for k in ("lanes", "lanes_open")])


def test_more_booths_at_peak_adds_6_booths_06_to_10_split_like_the_observed_lanes():
    obs, what = _doc(OM / "observed_lanes.yaml"), _doc(OM / "more_booths_at_peak.yaml")
    g, r = list(_open(obs, "pov_general")), list(_open(obs, "pov_ready"))
    for h in range(6, 10):
        extra_g = round(6 * g[h] / (g[h] + r[h]))
        g[h], r[h] = g[h] + extra_g, r[h] + 6 - extra_g
    assert _open(what, "pov_general") == g and _open(what, "pov_ready") == r, f"expected {g} and {r}"
    total = [sum(_open(d, x)[h] for x in POV_GROUPS) for d in (obs, what) for h in range(24)]
    assert [b - a for a, b in zip(total[:24], total[24:], strict=True)] == [6 if 6 <= h < 10 else 0 for h in range(24)]
    _same_except(obs, what, [f"lane_groups.{x}.lanes_open" for x in ("pov_general", "pov_ready")])


def test_general_to_ready_moves_two_lanes_where_general_has_at_least_three():
    obs, what = _doc(OM / "observed_lanes.yaml"), _doc(OM / "general_to_ready.yaml")
    g, r = _open(obs, "pov_general"), _open(obs, "pov_ready")
    assert _open(what, "pov_general") == [n - 2 if n >= 3 else n for n in g]
    assert _open(what, "pov_ready") == [m + 2 if n >= 3 else m for n, m in zip(g, r, strict=True)]
    assert min(_open(what, "pov_general")) >= 1
    _same_except(obs, what, [f"lane_groups.{x}.lanes_open" for x in ("pov_general", "pov_ready")])


@pytest.mark.parametrize("port", [OM, SY], ids=lambda p: p.name)
def test_sentri_shift_moves_10_percent_of_general_and_ready_into_sentri(port):
    base, what = _doc(port / "baseline.yaml"), _doc(port / "sentri_shift_10pct.yaml")
    rates = {s: base["streams"][s]["demand"]["rate_per_h"] for s in POV_GROUPS}
    g = [round(0.9 * x, 1) for x in rates["pov_general"]]
    r = [round(0.9 * x, 1) for x in rates["pov_ready"]]
    s = [round(a + b + c - d - e, 1) for a, b, c, d, e in zip(*rates.values(), g, r, strict=True)]
    got = {x: what["streams"][x]["demand"]["rate_per_h"] for x in POV_GROUPS}
    assert got == {"pov_general": g, "pov_ready": r, "pov_sentri": s}, (
        f"{port.name}/sentri_shift_10pct.yaml: expected General {g}, Ready {r}, SENTRI {s} "
        "(recomputed from baseline.yaml)"
    )
    for h in range(24):
        assert sum(got[x][h] for x in POV_GROUPS) == pytest.approx(sum(rates[x][h] for x in POV_GROUPS), abs=1e-6)
    _same_except(base, what, [f"streams.{x}.demand.rate_per_h" for x in POV_GROUPS])


def test_raise_referral_changes_only_the_referral_rates():
    base, what = _doc(OM / "baseline.yaml"), _doc(OM / "raise_referral.yaml")
    for name, s in what["streams"].items():
        want = {"vehicle": 0.10, "truck": 0.40}.get(s["mode"], base["streams"][name].get("referral_p", 0.0))
        assert s.get("referral_p", 0.0) == want
    _same_except(base, what, [f"streams.{n}.referral_p" for n in what["streams"]])


# --- what-ifs: what they do to queues (common random numbers, few replications) -------------

REPS = 3  # the paired 95 % CI uses t(2); the effects below are many times its width
SHORT_H = 34  # warm-up day + 00:00-10:00 of the counted day: enough for the morning peak


def _short(path, duration_h=SHORT_H):
    doc = resolve(path)[0]
    doc["window"] = {**doc["window"], "duration_h": duration_h, "drain_h": 2}
    return scenario_from_dict(doc, name=str(path))


def _band(cmp, scenario_name, group, band="06-10"):
    b = cmp.by_band
    row = b[(b["scenario"] == scenario_name) & (b["lane_group"] == group) & (b["program"] == "all")
            & (b["hour"] == band)]
    assert len(row) == 1
    return row.iloc[0]


@pytest.fixture(scope="module")
def supply_whatifs():
    names = ("observed_lanes", "add_25_lanes", "more_booths_at_peak", "general_to_ready")
    loaded = [_short(OM / f"{n}.yaml") for n in names]
    cmp = sim.compare(loaded, replications=REPS, workers=1)
    return cmp, {n: sc.scenario.name for n, sc in zip(names, loaded, strict=True)}


@pytest.mark.long
def test_add_25_lanes_cuts_the_general_peak_wait(supply_whatifs):
    cmp, name = supply_whatifs
    d = _band(cmp, name["add_25_lanes"], "pov_general")
    assert d["mean_wait_min_diff_hi"] < 0, d[
        ["mean_wait_min_a", "mean_wait_min_b", "mean_wait_min_diff_lo", "mean_wait_min_diff_hi"]]


def test_more_booths_at_peak_cuts_general_and_ready_peak_waits(supply_whatifs):
    cmp, name = supply_whatifs
    for group in ("pov_general", "pov_ready"):
        assert _band(cmp, name["more_booths_at_peak"], group)["mean_wait_min_diff_hi"] < 0, group


def test_general_to_ready_trades_general_wait_for_ready_wait(supply_whatifs):
    cmp, name = supply_whatifs
    assert _band(cmp, name["general_to_ready"], "pov_general")["mean_wait_min_diff_lo"] > 0
    assert _band(cmp, name["general_to_ready"], "pov_ready")["mean_wait_min_diff_hi"] < 0


def test_sentri_shift_under_the_lane_policy_moves_staff_from_general_and_ready_to_sentri():
    cmp = sim.compare([_short(OM / "baseline.yaml"), _short(OM / "sentri_shift_10pct.yaml")],
                      replications=REPS, workers=1)
    hours = [f"{h:02d}" for h in range(10)]

    def lane_hours(run):
        q = run.queue[(run.queue["mode"] == "vehicle") & run.queue["hour"].isin(hours)]
        return q.groupby("lane_group")["booths_open"].sum()

    a, b = (lane_hours(r) for r in cmp.runs)
    assert b["pov_sentri"] > a["pov_sentri"]
    assert b["pov_general"] + b["pov_ready"] < a["pov_general"] + a["pov_ready"]


def test_raise_referral_loads_secondary_and_leaves_primary_alone():
    runs = [sim.run(_short(OM / f), replications=1, workers=1, keep_records=True).records()
            for f in ("baseline.yaml", "raise_referral.yaml")]
    a, b = (r[r["counted"]] for r in runs)
    for col in ("stream", "arrival_s", "wait_min"):  # referral happens after primary
        np.testing.assert_array_equal(a[col].to_numpy(), b[col].to_numpy())
    assert (b["referred"] | ~a["referred"]).all()  # everyone referred at the lower rate still is
    for mode, p in (("vehicle", 0.10), ("truck", 0.40)):
        m = b["mode"] == mode
        n = int(m.sum())
        assert abs(b.loc[m, "referred"].mean() - p) < 4 * (p * (1 - p) / n) ** 0.5
        # secondary wait; NaN = still waiting when the run stopped, counted as longer than any
        wa, wb = (np.nan_to_num(x.loc[(x["mode"] == mode) & x["referred"], "secondary_wait_min"].to_numpy(), nan=np.inf)
                  for x in (a, b))
        assert np.median(wb) > np.median(wa) + 10


# --- full weeks ---------------------------------------------------------------------------

WEEKS = [OM / "week.yaml", SY / "week.yaml"]


def test_week_files_are_what_the_weekday_factor_script_writes():
    from tests.calibration.scripts import DATA_DIR, calibration_module

    mod = calibration_module("weekday_factors")
    if not (DATA_DIR / mod.BTS).exists():
        pytest.skip(f"public data not found (set POESIM_DATA_DIR to the shared data directory): {DATA_DIR / mod.BTS}")
    derived = mod.derive(DATA_DIR)
    for path in WEEKS:
        assert path.read_text(encoding="utf-8") == mod.render(path.parent.name, derived[path.parent.name]), (
            f"{path.relative_to(ROOT)} is stale: run .venv/bin/python -m calibration.weekday_factors"
        )


def _expected_by_mode_and_day(loaded):
    """Expected counted arrivals per (mode, date) of the compiled model (the rates the engine draws)."""
    sc = loaded.scenario
    model = build_model(sc)
    w = sc.window
    out: dict[tuple[str, object], float] = {}
    for s in model.streams:
        for k, rate in enumerate(s.rate_per_s):
            if w.warmup_h <= k < w.duration_h:
                day = (w.start + dt.timedelta(hours=k)).date()
                out[(s.mode, day)] = out.get((s.mode, day), 0.0) + rate * 3600.0
    return out


@pytest.mark.parametrize("path", WEEKS, ids=lambda p: p.parent.name)
def test_a_week_carries_the_weekday_baseline_scaled_by_its_day_factors(path):
    """Expected arrivals per mode on each counted day = the baseline's counted day x that day's
    factor, so the weekly volume / 7 = the baseline day x the mean of the seven factors."""
    week, base = load_scenario(path), load_scenario(path.parent / "baseline.yaml")
    w = week.scenario.window
    assert w.start.weekday() == 0 and w.start.hour == 0 and w.duration_h == 8 * 24 and w.warmup_h == 24
    base_day: dict[str, float] = {}
    for (mode, _), v in _expected_by_mode_and_day(base).items():  # one counted day
        base_day[mode] = base_day.get(mode, 0.0) + v
    per_day = _expected_by_mode_and_day(week)
    days = sorted({d for _, d in per_day})
    assert len(days) == 7 and {d.weekday() for d in days} == set(range(7))
    factors = {}
    for mode in base_day:
        per_stream = [s.demand.weekday_factor for s in week.scenario.streams.values() if s.mode == mode]
        assert all(f == per_stream[0] for f in per_stream), f"{mode}: streams of one mode share their factors"
        factors[mode] = per_stream[0]
    for mode, v in base_day.items():
        f = factors[mode]
        for day in days:
            assert per_day[(mode, day)] == pytest.approx(f[WEEKDAYS[day.weekday()]] * v, rel=1e-9)
        weekly = sum(per_day[(mode, d)] for d in days)
        assert weekly / 7 == pytest.approx(v * sum(f.values()) / 7, rel=1e-9)
        assert f["tue"] == f["wed"] == f["thu"] == 1.0  # SANDAG's day is a Tue/Wed/Thu average
    if "truck" in factors:  # BTS trucks / 365 is well below SANDAG's weekday: light weekends
        t = factors["truck"]
        assert t["sun"] < t["sat"] < t["fri"] < 1.0
        assert sum(t.values()) / 7 < 0.8
