"""Officers on duty (``staffing`` rosters and a lane group's ``staffed_by``): the policy groups of a
roster never have more booths open than officers on duty; more officers shorten waits, more lanes
without officers change nothing, more demand at fixed staffing lengthens waits; the staffing
table reports the roster exactly; and bad roster declarations are errors naming the field.

Sample-path statements are exact. Statements about waits are paired comparisons under common
random numbers (same seed, same replication numbers), judged by the 95 % Student-t interval of
the paired differences (``sim.statistics.paired_differences``): the test claims only the sign,
and fails if the interval does not exclude zero."""

from __future__ import annotations

import copy
from itertools import pairwise

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as hst

import sim
from sim import statistics as st
from sim.engine import Engine
from sim.errors import ScenarioError
from sim.model import Model, build_model
from sim.scenario import scenario_from_dict
from sim.travellers import Travellers, sample_travellers

SEED = 7
REPLICATIONS = 5
HOURS = 12  # 04:00-16:00: the roster below rises to a morning peak, dips at midday, peaks again, falls
# officers on primary duty in each clock hour (00-23); the window sees hours 04-15
ROSTER = [2, 2, 2, 2, 4, 6, 8, 11, 12, 10, 7, 5, 9, 12, 8, 6, 4, 3, 3, 2, 2, 2, 2, 2]


def _policy(max_lanes: int, **kw) -> dict:
    return {"low_wait_min": 2.0, "high_wait_min": 4.0, "min_lanes": 1, "max_lanes": max_lanes, "review_min": 2.0,
            "reaction_min": 1.0, **kw}


def rostered(roster=ROSTER, demand: float = 1.0, lanes: tuple[int, int] = (7, 13),
             max_lanes: tuple[int, int] | None = None, hours: float = HOURS) -> dict:
    """Two policy groups staffed by one roster: General lanes of two stacked booths (k = 2, so a
    lane needs two officers) and Ready lanes of one booth. Demand (General 300/h, Ready 200/h,
    times ``demand``) needs about 9 officers: more than the roster has in most hours, so the
    roster, not the lanes, limits what opens. ``max_lanes`` × k exceeds the roster's peak, so no
    group can reach its lane limit."""
    max_lanes = max_lanes or lanes
    return {
        "name": "rostered port",
        "window": {"start": "2024-01-01T04:00:00", "duration_h": hours, "warmup_h": 0, "drain_h": 1},
        "seed": SEED,
        "streams": {
            "cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": [300.0 * demand] * 24}},
            "ready": {"mode": "vehicle", "program": "ready", "demand": {"rate_per_h": [200.0 * demand] * 24}},
        },
        "lane_groups": {
            "general_lanes": {"mode": "vehicle", "programs": ["general"], "lanes": lanes[0], "booths_per_lane": 2,
                              "policy": _policy(max_lanes[0]), "staffed_by": "officers",
                              "service": {"general": {"dist": "lognormal", "mean_s": 60.0, "cv": 0.5}}},
            "ready_lanes": {"mode": "vehicle", "programs": ["ready"], "lanes": lanes[1],
                            "policy": _policy(max_lanes[1]), "staffed_by": "officers",
                            "service": {"ready": {"dist": "exponential", "mean_s": 45.0}}},
        },
        "staffing": {"officers": {"officers": list(roster) if not isinstance(roster, int) else roster}},
    }


def run_engine(doc: dict, seed: int = SEED, replication: int = 0):
    model = build_model(scenario_from_dict(doc).scenario)
    engine = Engine(model, sample_travellers(model, seed, replication), replication)
    records = engine.run()
    return model, engine, records


def _step_values(steps, times: np.ndarray) -> np.ndarray:
    """Value of a (time_s, value) step function at each time, after every change at that instant."""
    t = np.array([s[0] for s in steps])
    v = np.array([s[1] for s in steps])
    return v[np.searchsorted(t, times, side="right") - 1]


def booths_and_officers(model: Model, engine: Engine, r: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """At every instant where the roster or a member's booths change (so at every instant, the
    two being step functions): the booths open in the roster's groups and the officers on duty."""
    members = [g.index for g in model.groups if g.roster == r]
    booth_steps = engine.booth_steps()
    roster = model.rosters[r].schedule
    times = np.unique([t for gi in members for t, _ in booth_steps[gi]] + [t for t, _ in roster])
    booths = sum(_step_values(booth_steps[gi], times) for gi in members)
    return times, booths, _step_values(roster, times)


def _whole_window_mean_wait(result_a, result_b):
    """The paired difference (B − A) of the whole-window mean wait of all vehicles, with its 95 % CI."""
    d = st.paired_differences(result_a.per_replication("by_hour"), result_b.per_replication("by_hour"))
    row = d[(d["mode"] == "vehicle") & (d["lane_group"] == st.ALL) & (d["program"] == st.ALL) & (d["hour"] == st.ALL)]
    assert len(row) == 1 and row.iloc[0]["pairs"] == REPLICATIONS
    return row.iloc[0]


# --- the staffing invariant -----------------------------------------------------------------


def test_booths_open_never_exceed_officers_on_duty_and_the_roster_binds():
    model, engine, _ = run_engine(rostered())
    times, booths, officers = booths_and_officers(model, engine)
    over = booths > officers
    assert not over.any(), (f"booths open exceed officers on duty at t = {times[over][:5]} s: "
                            f"{booths[over][:5]} > {officers[over][:5]}")
    assert (booths >= 0).all()
    assert engine.roster_on_duty[0] == officers[-1]  # the engine applied every step of the roster
    # the check has teeth: in every hour of the window the roster is used up (every officer at an
    # open booth) at some instant, and at every fall of the roster more booths were open just
    # before than officers remain, so lanes had to close for it
    hour = (times // 3600).astype(int)
    assert all(np.any((booths == officers)[hour == h]) for h in range(HOURS))
    schedule = model.rosters[0].schedule
    falls = [(t, n) for (_, before), (t, n) in pairwise(schedule) if n < before]
    assert len(falls) >= 3
    for t, n in falls:
        assert booths[np.searchsorted(times, t, side="left") - 1] > n, f"the roster fall at {t} s closed nothing"


# no shrinking: the property fails today (a known engine bug, below), and shrinking costs ~30 s
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@hst.composite
def small_rostered(draw):
    """Two policy groups (1 or 2 booths per lane, min_lanes 0 or 1) on one roster that changes at
    a few random minutes of a 1-3 hour window (possibly to zero officers), random demand."""
    hours = draw(hst.integers(1, 3))
    n_steps = draw(hst.integers(1, 8))
    minutes = sorted(draw(hst.sets(hst.integers(1, 60 * hours - 1), min_size=n_steps - 1, max_size=n_steps - 1)))
    officers = draw(hst.lists(hst.integers(0, 8), min_size=n_steps, max_size=n_steps))
    steps = [{"at": f"{m // 60:02d}:{m % 60:02d}", "officers": n} for m, n in zip([0] + minutes, officers, strict=True)]
    groups = {}
    for name, prog in (("a", "general"), ("b", "ready")):
        k = draw(hst.integers(1, 2))
        lanes = draw(hst.integers(1, 5))
        groups[name] = {
            "mode": "vehicle", "programs": [prog], "lanes": lanes, "booths_per_lane": k, "staffed_by": "officers",
            "policy": _policy(lanes, min_lanes=draw(hst.integers(0, 1)), review_min=draw(hst.sampled_from([1.0, 3.0])),
                              reaction_min=draw(hst.sampled_from([0.0, 1.0, 5.0]))),
            "service": {prog: {"dist": "exponential", "mean_s": draw(hst.sampled_from([30.0, 60.0, 90.0]))}},
        }
    doc = {
        "name": "random roster",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": hours, "warmup_h": 0, "drain_h": 0.5},
        "streams": {p: {"mode": "vehicle", "program": p,
                        "demand": {"rate_per_h": [float(draw(hst.integers(0, 300)))] * 24}}
                    for p in ("general", "ready")},
        "lane_groups": groups,
        "staffing": {"officers": {"officers": steps, "keep_staffed": draw(hst.booleans())}},
    }
    return doc, draw(hst.integers(0, 2**20))


@PROPERTY
@given(small_rostered())
def test_booths_open_never_exceed_officers_on_duty_in_random_small_scenarios(case):
    doc, seed = case
    model, engine, _ = run_engine(doc, seed)
    times, booths, officers = booths_and_officers(model, engine)
    over = booths > officers
    assert (booths <= officers).all(), f"booths {booths[over][:3]} > officers {officers[over][:3]}"
    for steps in engine.booth_steps():
        assert all(n >= 0 for _, n in steps), f"negative booths open: {steps}"


def _constant_roster(officers: int, demand: float, keep: bool, **policy) -> dict:
    doc = rostered(roster=officers, demand=demand, hours=4)
    for g in doc["lane_groups"].values():
        g["policy"] = {**g["policy"], **policy}
    doc["staffing"]["officers"]["keep_staffed"] = keep
    return doc


def test_a_keep_staffed_roster_has_every_officer_at_a_booth_while_lines_wait():
    """Bands that never call for a lane (upper target 1e5 min) and lines all the time (demand twice what six
    officers clear): SANDAG's bands leave the groups at min_lanes, so 3 of 6 officers idle; a keep_staffed
    roster puts all 6 at booths once the openings have taken effect, and its lines are shorter."""
    band = {"low_wait_min": 5e4, "high_wait_min": 1e5}
    for keep, expected in ((False, 3), (True, 6)):
        model, engine, _ = run_engine(_constant_roster(6, 2.0, keep, **band))
        times, booths, officers = booths_and_officers(model, engine)
        settled = times >= 1800.0  # one review (2 min) + reaction (1 min) per opening, a few openings
        assert (officers[settled] == 6).all()
        assert (booths[settled] == expected).all(), (keep, np.unique(booths[settled]))
    a = sim.run(scenario_from_dict(_constant_roster(6, 2.0, False, **band)), replications=REPLICATIONS, seed=SEED)
    b = sim.run(scenario_from_dict(_constant_roster(6, 2.0, True, **band)), replications=REPLICATIONS, seed=SEED)
    assert _whole_window_mean_wait(a, b)["mean_wait_min_diff_hi"] < 0


def test_a_keep_staffed_roster_closes_no_booth_for_a_short_line_when_no_other_line_wants_the_officer():
    """Light General demand (its line mostly below the lower target) and no Ready traveller: SANDAG's
    bands close General lanes down to min_lanes; under a keep_staffed roster no other line wants the
    officers, so the booths open never fall."""
    closes = {}
    for keep in (False, True):
        doc = _constant_roster(6, 0.3, keep)
        doc["streams"]["ready"]["demand"]["rate_per_h"] = [0.0] * 24
        model, engine, _ = run_engine(doc)
        members = [g.index for g in model.groups if g.roster == 0]
        closes[keep] = sum(1 for gi in members for (_, a), (_, b) in pairwise(engine.booth_steps()[gi]) if b < a)
    assert closes[False] > 0  # the check has teeth: the bands do close lanes here
    assert closes[True] == 0


def test_a_keep_staffed_roster_moves_an_officer_from_a_short_line_to_a_longer_one():
    """Six officers, General's line short for its band (light demand) and Ready's long (heavy demand):
    General keeps only min_lanes open and Ready gets every other officer."""
    doc = _constant_roster(6, 1.0, True)
    doc["streams"]["cars"]["demand"]["rate_per_h"] = [30.0] * 24
    doc["streams"]["ready"]["demand"]["rate_per_h"] = [600.0] * 24
    model, engine, _ = run_engine(doc)
    general, ready = (next(g.index for g in model.groups if g.name == n) for n in ("general_lanes", "ready_lanes"))
    times = np.array([3600.0 * h for h in (1.0, 2.0, 3.0, 3.5)])
    assert (_step_values(engine.booth_steps()[general], times) == 2).all()  # min_lanes 1 × 2 booths
    assert (_step_values(engine.booth_steps()[ready], times) == 4).all()


def _hand_built(model: Model, arrival_s: np.ndarray, service_s: float) -> Travellers:
    n = len(arrival_s)
    return Travellers(arrival_s=np.asarray(arrival_s, dtype=float), stream=np.zeros(n, dtype=np.int64),
                      program=np.zeros(n, dtype=np.int64), service_s={0: np.full(n, service_s)},
                      choice_u=np.full(n, 0.5), referred=np.zeros(n, dtype=bool), secondary_s=np.full(n, np.nan))


def test_a_pending_close_after_the_roster_closed_every_lane_does_not_create_officers():
    """A deterministic sample path (hand-built travellers, deterministic service), no randomness:
    ten cars at t = 0..9 s at one booth; the policy (review 1 min, reaction 10 min) opens a
    second lane at 660 s, finds the line empty at its 720 s review and decides to close one
    (effective 1320 s). At 00:15 (900 s) the shift ends: 0 officers, so both lanes close at once.
    The pending close must then do nothing: no lane is left to close and no officer to return."""
    doc = {
        "name": "shift ends during a pending close",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": 1, "warmup_h": 0, "drain_h": 0.5},
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": [0.0] * 24}}},
        "lane_groups": {"booths": {
            "mode": "vehicle", "programs": ["general"], "lanes": 3, "staffed_by": "officers",
            "policy": {"low_wait_min": 0.5, "high_wait_min": 1.0, "min_lanes": 1, "max_lanes": 3, "review_min": 1.0,
                       "reaction_min": 10.0},
            "service": {"general": {"dist": "deterministic", "mean_s": 60.0}}}},
        "staffing": {"officers": {"officers": [{"at": "00:00", "officers": 3}, {"at": "00:15", "officers": 0}]}},
    }
    model = build_model(scenario_from_dict(doc).scenario)
    engine = Engine(model, _hand_built(model, np.arange(10.0), 60.0))
    engine.run()
    steps = engine.booth_steps()[0]
    assert steps[:4] == ((0.0, 1), (660.0, 2), (900.0, 1), (900.0, 0))  # the path described above
    assert all(n >= 0 for _, n in steps), f"negative booths open: {steps}"
    assert engine.roster_free[0] + engine.groups[0].n_open <= engine.roster_on_duty[0]
    _, booths, officers = booths_and_officers(model, engine)
    assert (booths <= officers).all(), f"a booth opened with no officer on duty: {steps}"


# --- what staffing does to waits ---------------------------------------------------------------


def test_more_officers_give_shorter_waits_paired_under_common_random_numbers():
    base = sim.run(scenario_from_dict(rostered()), replications=REPLICATIONS, workers=1)
    more = sim.run(scenario_from_dict(rostered(roster=[int(round(1.5 * n)) for n in ROSTER], lanes=(10, 19))),
                   replications=REPLICATIONS, workers=1)
    row = _whole_window_mean_wait(base, more)
    assert row["mean_wait_min_diff_hi"] < 0, (
        f"+50 % officers: mean wait difference {row['mean_wait_min_diff']:.3g} min, 95 % CI "
        f"[{row['mean_wait_min_diff_lo']:.3g}, {row['mean_wait_min_diff_hi']:.3g}] does not lie below 0")


def test_more_lanes_without_more_officers_change_nothing():
    """The roster binds and neither group ever reaches its lane limit, so doubling the lanes (and
    the policies' max_lanes) leaves every decision, and so every traveller's record, unchanged."""
    model, engine, base = run_engine(rostered())
    for g, steps in zip(model.groups, engine.open_steps, strict=True):  # precondition: the lanes never bound
        assert max(n for _, n in steps) < g.policy.max_lanes
    _, engine2, more = run_engine(rostered(lanes=(14, 26)))
    assert engine2.booth_steps() == engine.booth_steps()
    for field in ("group", "lane", "start_s", "service_s", "depart_s"):
        np.testing.assert_array_equal(getattr(more, field), getattr(base, field), err_msg=field)


def test_more_demand_at_fixed_staffing_gives_longer_waits_paired_under_common_random_numbers():
    base = sim.run(scenario_from_dict(rostered()), replications=REPLICATIONS, workers=1)
    busier = sim.run(scenario_from_dict(rostered(demand=1.2)), replications=REPLICATIONS, workers=1)
    row = _whole_window_mean_wait(base, busier)
    assert row["mean_wait_min_diff_lo"] > 0, (
        f"+20 % demand: mean wait difference {row['mean_wait_min_diff']:.3g} min, 95 % CI "
        f"[{row['mean_wait_min_diff_lo']:.3g}, {row['mean_wait_min_diff_hi']:.3g}] does not lie above 0")


# --- the staffing table -----------------------------------------------------------------------


def test_the_staffing_table_reports_the_roster_exactly_and_no_more_booths_than_officers():
    result = sim.run(scenario_from_dict(rostered()), replications=2, workers=1)
    per_rep = result.per_replication("staffing")
    assert set(per_rep["roster"]) == {"officers"}
    hourly = per_rep[per_rep["hour"] != st.ALL]
    expected = {f"{h:02d}": float(ROSTER[h]) for h in range(4, 4 + HOURS)}
    assert sorted(hourly["hour"].unique()) == sorted(expected)
    for _, row in hourly.iterrows():
        assert row["officers_on_duty"] == expected[row["hour"]], row.to_dict()
        assert row["booths_staffed"] <= row["officers_on_duty"], row.to_dict()
        assert 0 <= row["officer_utilisation"] <= 1, row.to_dict()
    whole = per_rep[per_rep["hour"] == st.ALL]
    assert np.allclose(whole["officers_on_duty"], np.mean(list(expected.values())), rtol=0, atol=1e-12)
    assert (whole["booths_staffed"] <= whole["officers_on_duty"]).all()
    # the summary across replications carries the same exact roster (identical in every replication)
    s = result.staffing.set_index("hour")
    for hour, n in expected.items():
        assert s.loc[hour, "officers_on_duty"] == n


def test_a_scenario_without_a_roster_has_an_empty_staffing_table():
    doc = rostered(hours=1)
    del doc["staffing"]
    for g in doc["lane_groups"].values():
        del g["staffed_by"]
    result = sim.run(scenario_from_dict(doc), replications=1, workers=1)
    assert result.staffing.empty and result.per_replication("staffing").empty


# --- bad roster declarations -------------------------------------------------------------------


def _unknown_roster(d):
    d["lane_groups"]["ready_lanes"]["staffed_by"] = "night_shift"


def _no_policy(d):
    g = d["lane_groups"]["ready_lanes"]
    del g["policy"]


def _unused_roster(d):
    d["staffing"]["spare"] = {"officers": 4}


@pytest.mark.parametrize("change, message", [
    (_unknown_roster,
     r"lane_groups\.ready_lanes\.staffed_by: unknown roster 'night_shift'; expected one of \['officers'\]"),
    (_no_policy, r"lane_groups\.ready_lanes\.staffed_by: only a group with a policy can be staffed from a roster"),
    (_unused_roster, r"staffing\.spare: no lane group is staffed_by this roster"),
])
def test_bad_rosters_are_errors_naming_the_field(change, message):
    doc = copy.deepcopy(rostered())
    change(doc)
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict(doc)


@pytest.mark.parametrize("officers", [-1, [3] * 23, [{"at": "01:00", "officers": 3}], 2.5])
def test_malformed_rosters_are_errors(officers):
    doc = rostered()
    doc["staffing"]["officers"]["officers"] = officers
    with pytest.raises(ScenarioError, match="officers"):
        scenario_from_dict(doc)


# --- hours of operation ---------------------------------------------------------------------------


def test_a_lane_type_in_its_closed_hours_takes_no_one_and_frees_its_officers():
    """SENTRI closed 00-04: nobody is served by it then (its last line clears first), its
    booths are closed, and General gets the officers (more booths than SENTRI's closed hours allow
    it otherwise)."""
    group = lambda progs, **pol: {"mode": "vehicle", "programs": progs, "lanes": 4,  # noqa: E731
                                  "service": {p: {"dist": "exponential", "mean_s": 60.0} for p in progs},
                                  "policy": {"low_wait_min": 1, "high_wait_min": 2, "min_lanes": 1, "max_lanes": 4,
                                             "review_min": 1, "reaction_min": 1, **pol},
                                  "staffed_by": "officers"}
    doc = {
        "name": "closed hours",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": 8, "warmup_h": 0, "drain_h": 2},
        "seed": 3,
        "streams": {"cars": {"mode": "vehicle", "program_shares": {"general": 0.8, "sentri": 0.2},
                             "demand": {"rate_per_h": [200.0] * 24}}},
        "lane_groups": {"general": group(["general", "sentri"]),
                        "sentri": group(["sentri"], closed_hours=[0, 1, 2, 3])},
        "staffing": {"officers": {"officers": 4}},
    }
    model, engine, r = run_engine(doc, 3)
    sentri = list(model.groups).index(next(g for g in model.groups if g.name == "sentri"))
    served_at = r.start_s[r.group == sentri]
    assert len(served_at) > 0 and (served_at[~np.isnan(served_at)] >= 4 * 3600.0 - 1e-6).all()
    steps = engine.booth_steps()[sentri]
    open_in_closed_hours = [n for t, n in steps if 60.0 < t < 4 * 3600.0 and n > 0]
    assert open_in_closed_hours == [], steps
    general = 1 - sentri
    general_booths = [n for t, n in engine.booth_steps()[general] if t < 4 * 3600.0]
    assert max(general_booths) == 4  # all four officers at General while SENTRI is closed
