"""Properties of the engine that hold for every scenario, checked on random small ones
(hypothesis, derandomized so the suite is deterministic). Each property is exact — a sample-path
statement about one replication, not a statistical one — so the only tolerance is 1e-9 s for
floating-point rounding where two computations of the same instant may differ in the last bit."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.travellers import sample_travellers
from tests.helpers import deterministic, exponential, gamma, lognormal, model_of, queue_scenario, simulate

EPS_S = 1e-9
PROPERTY = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def services(draw):
    mean_s = draw(st.integers(20, 150))
    kind = draw(st.sampled_from(["exponential", "deterministic", "lognormal", "gamma"]))
    if kind == "exponential":
        return exponential(mean_s)
    if kind == "deterministic":
        return deterministic(mean_s)
    cv = draw(st.sampled_from([0.3, 0.7, 1.5]))
    return lognormal(mean_s, cv) if kind == "lognormal" else gamma(mean_s, cv)


@st.composite
def scenarios(draw, discipline=None, booths_per_lane=None, constant_staffing=False, ample_drain=False):
    """A one-group scenario of at most a few hundred travellers: 1–4 lanes, 1–3 stacked booths,
    either discipline, any service distribution, hourly arrival rates and (unless constant)
    an hourly opening schedule that may close every lane for a while."""
    lanes = draw(st.integers(1, 4))
    hours = draw(st.integers(1, 3))
    rates = draw(st.lists(st.integers(0, 250), min_size=hours, max_size=hours))
    rates = rates + [0] * (24 - hours)
    if sum(rates) == 0:
        rates[0] = 60
    lanes_open = None
    if not constant_staffing and draw(st.booleans()):
        lanes_open = draw(st.lists(st.integers(0, lanes), min_size=24, max_size=24))
        lanes_open[-1] = max(lanes_open[-1], 1)  # at least one lane opens each day, so the drain can finish
    return queue_scenario(
        rates,
        draw(services()),
        lanes,
        hours,
        drain_h=24.0 if ample_drain else draw(st.sampled_from([0.1, 1.0, 24.0])),
        lanes_open=lanes_open,
        booths_per_lane=booths_per_lane or draw(st.integers(1, 3)),
        discipline=discipline or draw(st.sampled_from(["shared", "per_lane"])),
    ), draw(st.integers(0, 2**20))


def _start_or_inf(r) -> np.ndarray:
    return np.where(np.isnan(r.start_s), np.inf, r.start_s)


def _present(r, lane: int, t: float) -> int:
    """Travellers of ``lane`` (in its line or at its booths) at time t."""
    depart = np.where(np.isnan(r.depart_s), np.inf, r.depart_s)
    return int(np.sum((r.lane == lane) & (r.arrival_s < t) & (depart > t)))


@PROPERTY
@given(scenarios())
def test_nobody_waits_a_negative_time_or_leaves_before_being_served(case):
    scenario, seed = case
    r = simulate(model_of(scenario), seed)
    served = ~np.isnan(r.start_s)
    assert (r.wait_s[served] >= 0).all()
    assert np.all(np.isnan(r.depart_s[~served]))
    departed = ~np.isnan(r.depart_s)
    assert (r.depart_s[departed] >= r.start_s[departed] + r.service_s[departed] - EPS_S).all()
    if scenario["lane_groups"]["booths"]["booths_per_lane"] == 1:  # no booth ahead to block anyone
        assert np.allclose(r.depart_s[departed], (r.start_s + r.service_s)[departed], rtol=0, atol=EPS_S)


@PROPERTY
@given(scenarios(discipline="shared"))
def test_a_shared_line_sends_travellers_to_the_booths_in_arrival_order(case):
    scenario, seed = case
    r = simulate(model_of(scenario), seed)
    start = _start_or_inf(r)  # arrays are in arrival order; nobody still in line may be passed by a later arrival
    assert np.all(start[1:] >= start[:-1]), "a later arrival reached a booth before an earlier one"


@PROPERTY
@given(scenarios(discipline="per_lane"))
def test_each_per_lane_line_sends_travellers_to_its_booths_in_arrival_order(case):
    scenario, seed = case
    r = simulate(model_of(scenario), seed)
    for lane in np.unique(r.lane[r.lane >= 0]):
        assert np.all(np.diff(r.start_s[r.lane == lane]) >= 0), f"lane {lane} served out of arrival order"


@PROPERTY
@given(scenarios(discipline="per_lane", constant_staffing=True, ample_drain=True))
def test_per_lane_arrivals_join_the_lane_with_fewest_travellers_lowest_number_on_ties(case):
    scenario, seed = case
    r = simulate(model_of(scenario), seed)
    lanes = scenario["lane_groups"]["booths"]["lanes"]
    assert not np.isnan(r.start_s).any()
    for i in range(len(r)):
        counts = [_present(r, lane, r.arrival_s[i]) for lane in range(lanes)]
        assert r.lane[i] == int(np.argmin(counts)), f"traveller {i} joined lane {r.lane[i]} with {counts} present"


@PROPERTY
@given(scenarios())
def test_a_stacked_lane_admits_only_behind_its_last_occupied_booth_and_releases_in_order(case):
    """Replaying each lane from the records: an entrant takes booth 0 of an empty lane, else the booth
    behind the previous entrant (booths never compact); that booth must exist; and travellers leave
    a lane in the order they entered it."""
    scenario, seed = case
    r = simulate(model_of(scenario), seed)
    k = scenario["lane_groups"]["booths"]["booths_per_lane"]
    depart = np.where(np.isnan(r.depart_s), np.inf, r.depart_s)
    for lane in np.unique(r.lane[r.lane >= 0]):
        entrants = np.flatnonzero(r.lane == lane)  # in arrival order, which is entry order (FCFS)
        entrants = entrants[np.argsort(r.start_s[entrants], kind="stable")]
        assert np.all(depart[entrants][1:] >= depart[entrants][:-1]), f"lane {lane}: someone overtook"
        booth = -1
        for prev, i in zip(np.r_[-1, entrants[:-1]], entrants, strict=True):
            booth = 0 if prev < 0 or depart[prev] <= r.start_s[i] else booth + 1
            assert booth < k, f"lane {lane}: traveller {i} entered with the rear booth taken"


@PROPERTY
@given(scenarios(booths_per_lane=1, constant_staffing=True))
def test_no_booth_stands_idle_while_a_traveller_waits_for_it(case):
    scenario, seed = case
    r = simulate(model_of(scenario), seed)
    g = scenario["lane_groups"]["booths"]
    depart = np.where(np.isnan(r.depart_s), np.inf, r.depart_s)
    start = _start_or_inf(r)
    departures = np.sort(r.depart_s[~np.isnan(r.depart_s)])
    for i in np.flatnonzero(start > r.arrival_s):
        t = r.arrival_s[i]
        if g["discipline"] == "shared":
            busy = np.sum((start <= t) & (depart > t))
            assert busy == g["lanes"], f"traveller {i} queued at {t:.1f} s with {busy} of {g['lanes']} booths busy"
        elif r.lane[i] >= 0:  # per_lane: the traveller's own booth was busy
            lane = r.lane == r.lane[i]
            assert np.sum(lane & (start <= t) & (depart > t)) == 1
        if np.isfinite(start[i]):  # and a waiting traveller moves up the instant someone leaves
            j = np.searchsorted(departures, start[i])
            assert j < len(departures) and abs(departures[j] - start[i]) <= EPS_S


@PROPERTY
@given(scenarios())
def test_every_arrival_is_gone_at_a_booth_or_in_line_and_departures_never_outrun_arrivals(case):
    scenario, seed = case
    model = model_of(scenario)
    r = simulate(model, seed)
    served, departed = ~np.isnan(r.start_s), ~np.isnan(r.depart_s)
    assert departed.sum() + (served & ~departed).sum() + (~served).sum() == len(r)
    g = scenario["lane_groups"]["booths"]
    assert (served & ~departed).sum() <= g["lanes"] * g["booths_per_lane"]
    a, s, d = np.sort(r.arrival_s), np.sort(r.start_s[served]), np.sort(r.depart_s[departed])
    assert (s >= a[: len(s)]).all() and (d >= s[: len(d)]).all()  # counting processes stay ordered
    assert (r.depart_s[departed] <= r.end_s).all()
    stop = model.horizon_s + model.drain_s
    if r.end_s < stop:  # the run stopped early only because everyone had left
        assert departed.all()
    else:
        assert r.end_s == stop


def _longest_line_by_hour(r, n_hours: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds on the most travellers in line (arrived, not yet at a booth) in each hour of the run,
    replayed from the records: the line is the count of arrivals that had to wait minus those of
    them who have reached a booth. Changes at the very instant an hour starts (a lane opening at
    06:00) may be counted before or after: the low bound takes the line just after that instant,
    the high bound also the line just before it."""
    waited = ~(r.start_s == r.arrival_s)  # NaN (never reached a booth) counts as waiting
    a = np.sort(r.arrival_s[waited])
    s = np.sort(np.where(np.isnan(r.start_s[waited]), np.inf, r.start_s[waited]))

    def line(t, side):  # side "right": just after t; "left": just before t
        return np.searchsorted(a, t, side) - np.searchsorted(s, t, side)

    low, high = np.zeros(n_hours), np.zeros(n_hours)
    for h in range(n_hours):
        t0, t1 = 3600.0 * h, min(3600.0 * (h + 1), r.end_s)
        inside = np.concatenate([[t0], a[(a > t0) & (a < t1)], s[(s > t0) & (s < t1)]])
        low[h] = line(inside, "right").max()
        high[h] = max(low[h], line(t0, "left"))
    return low, high


def _assert_within(reported: np.ndarray, bounds: tuple[np.ndarray, np.ndarray], what: str) -> None:
    low, high = bounds
    bad = (reported < low) | (reported > high)
    assert not bad.any(), (f"{what}: hours {np.flatnonzero(bad).tolist()} report {reported[bad].tolist()}, "
                           f"the records say {low[bad].tolist()} (up to {high[bad].tolist()})")


@PROPERTY
@given(scenarios())
def test_the_hourly_longest_line_the_engine_reports_is_the_longest_line_in_its_records(case):
    scenario, seed = case
    model = model_of(scenario)
    r = simulate(model, seed)
    n_hours = int(model.horizon_s // 3600)  # the window's hours (the queue table reports these)
    _assert_within(r.queue_peak[0, :n_hours], _longest_line_by_hour(r, n_hours), "longest line")


def test_the_longest_line_of_an_hour_counts_travellers_queued_in_a_shared_line():
    # one booth, 120/h arriving for 60 s each: the shared line grows through hour 0
    model = model_of(queue_scenario(120, exponential(60.0), 1, 2, drain_h=24))
    r = simulate(model, 5)
    bounds = _longest_line_by_hour(r, 2)
    assert bounds[0][0] > 10
    _assert_within(r.queue_peak[0, :2], bounds, "shared line")


def test_the_last_hour_of_the_window_keeps_its_longest_line_when_everyone_has_left_by_closing():
    """A line forms in hour 01 and clears before 02:00, so the run ends exactly at the window's end.
    The hourly tick due at that instant is never processed, and ``Engine.drain`` files the last
    hour's running maximum under hour ``end // 3600`` — the first hour *after* the window — so the
    queue table reports a longest line of 0 for the window's last hour."""
    model = model_of(queue_scenario([0, 40] + [0] * 22, deterministic(80.0), 1, 2, drain_h=24, discipline="per_lane"))
    r = simulate(model, 1)
    assert r.end_s == model.horizon_s  # precondition: empty at closing time (this seed)
    bounds = _longest_line_by_hour(r, 2)
    assert bounds[0][1] >= 1
    _assert_within(r.queue_peak[0, :2], bounds, f"engine's hourly maxima {r.queue_peak[0, :3].tolist()}")


@PROPERTY
@given(scenarios())
def test_the_same_seed_gives_identical_records(case):
    scenario, seed = case
    model = model_of(scenario)
    a, b = simulate(model, seed, 3), simulate(model, seed, 3)
    for field in ("arrival_s", "start_s", "service_s", "depart_s", "group", "lane", "program", "referred"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)
    assert a.end_s == b.end_s


@PROPERTY
@given(scenarios(discipline="shared", booths_per_lane=1, constant_staffing=True), st.integers(1, 2))
def test_adding_lanes_to_a_shared_line_never_makes_any_traveller_wait_longer(case, extra):
    scenario, seed = case
    more = {**scenario, "lane_groups": {"booths": {**scenario["lane_groups"]["booths"]}}}
    more["lane_groups"]["booths"]["lanes"] += extra
    fewer_r, more_r = simulate(model_of(scenario), seed), simulate(model_of(more), seed)
    np.testing.assert_array_equal(fewer_r.arrival_s, more_r.arrival_s)  # the same travellers (CRN) …
    worse = _start_or_inf(more_r) > _start_or_inf(fewer_r) + EPS_S  # … each reaching a booth no later
    assert not worse.any(), f"travellers {np.flatnonzero(worse)[:5]} wait longer with {extra} more lane(s)"


@PROPERTY
@given(scenarios(booths_per_lane=1, constant_staffing=True))
def test_a_second_stacked_booth_in_a_single_lane_never_makes_any_traveller_wait_longer(case):
    scenario, seed = case
    scenario["lane_groups"]["booths"]["lanes"] = 1
    stacked = {**scenario, "lane_groups": {"booths": {**scenario["lane_groups"]["booths"], "booths_per_lane": 2}}}
    one, two = simulate(model_of(scenario), seed), simulate(model_of(stacked), seed)
    worse = _start_or_inf(two) > _start_or_inf(one) + EPS_S
    assert not worse.any(), f"travellers {np.flatnonzero(worse)[:5]} wait longer behind a second stacked booth"


@PROPERTY
@given(scenarios(booths_per_lane=1, constant_staffing=True))
def test_one_lane_is_the_same_queue_under_either_discipline(case):
    scenario, seed = case
    scenario["lane_groups"]["booths"]["lanes"] = 1
    shared = {**scenario, "lane_groups": {"booths": {**scenario["lane_groups"]["booths"], "discipline": "shared"}}}
    per_lane = {**scenario, "lane_groups": {"booths": {**scenario["lane_groups"]["booths"], "discipline": "per_lane"}}}
    a, b = simulate(model_of(shared), seed), simulate(model_of(per_lane), seed)
    np.testing.assert_array_equal(a.start_s, b.start_s)
    np.testing.assert_array_equal(a.depart_s, b.depart_s)


@PROPERTY
@given(scenarios(), st.integers(1, 6), st.integers(1, 3), st.integers(1, 3))
def test_scenarios_differing_only_in_lanes_draw_identical_travellers_for_each_stream(case, lanes, booths, n_streams):
    scenario, seed = case
    base_stream = scenario["streams"]["cars"]
    streams = {f"s{k}": {**base_stream, "demand": {"rate_per_h": [r * (k + 1) / n_streams for r in
                                                                 base_stream["demand"]["rate_per_h"]]}}
               for k in range(n_streams)}
    a = {**scenario, "streams": streams}
    b = {**a, "lane_groups": {"booths": {**a["lane_groups"]["booths"], "lanes": lanes, "booths_per_lane": booths}}}
    b["lane_groups"]["booths"].pop("lanes_open", None)
    ma, mb = model_of(a), model_of(b)
    ta, tb = sample_travellers(ma, seed, 1), sample_travellers(mb, seed, 1)
    for s in range(n_streams):
        in_a, in_b = ta.stream == s, tb.stream == s
        np.testing.assert_array_equal(ta.arrival_s[in_a], tb.arrival_s[in_b])
        np.testing.assert_array_equal(ta.service_s[0][in_a], tb.service_s[0][in_b])
    ra, rb = simulate(ma, seed, 1), simulate(mb, seed, 1)
    both = ~np.isnan(ra.start_s) & ~np.isnan(rb.start_s)
    np.testing.assert_array_equal(ra.service_s[both], rb.service_s[both])  # each served traveller brings the same work
