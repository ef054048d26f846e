"""Drivers choosing a port by a logit on posted waits (``posted_wait_logit``): with nothing posted
the split is the logit of bias, access time and toll; the give-up alternative takes its logit share,
and those who take it leave uncounted by the wait statistics but reported as port ``gave_up``;
drivers move away from an overloaded port; choices use the last posted waits, never live or
future ones; runs are reproducible; and a bad port name is an error.

Shares are tested against the logit probability with a binomial acceptance region at false-alarm
rate ``ALPHA`` (given the number of drivers, each driver's choice is an independent draw, since
choices invert the logit at each driver's own uniform). Each such test also names the shares a
plausible mistake would give and checks that they fall outside the region, so the sample is
large enough to detect them. Comparisons of waits are paired under common random numbers and
judged by the 95 % Student-t interval of the paired differences."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import sim
from sim import statistics as st
from sim.engine import Engine
from sim.errors import ScenarioError
from sim.model import build_model
from sim.scenario import scenario_from_dict
from sim.travellers import sample_travellers

ALPHA = 1e-3  # false-alarm rate of each share test
SEED = 11

# the logit's parameters (the schema's defaults, written out so the test states what it expects)
WAIT_UTILS_PER_MIN = -0.0625
ACCESS_UTILS_PER_MIN = -0.025
VALUE_OF_TIME_USD_PER_H = 9.36
USD_UTILS = -WAIT_UTILS_PER_MIN * 60.0 / VALUE_OF_TIME_USD_PER_H  # utility lost per dollar of toll

# two ports, one group each; North has a bias constant, South a toll and a longer drive
NORTH_BIAS, SOUTH_TOLL_USD, SOUTH_ACCESS_MIN = 0.5, 2.0, 10.0


def utility(bias: float = 0.0, access_min: float = 0.0, toll_usd: float = 0.0, posted_wait_min: float = 0.0) -> float:
    return bias + ACCESS_UTILS_PER_MIN * access_min - USD_UTILS * toll_usd + WAIT_UTILS_PER_MIN * posted_wait_min


def logit(*v: float) -> np.ndarray:
    e = np.exp(np.asarray(v) - max(v))
    return e / e.sum()


V_NORTH = utility(bias=NORTH_BIAS)
V_SOUTH = utility(access_min=SOUTH_ACCESS_MIN, toll_usd=SOUTH_TOLL_USD)


def two_ports(rate_per_h: float, lanes: tuple[int, int] = (15, 15), mean_s: float = 30.0, hours: float = 24.0,
              posting_interval_min: float = 60.0, give_up_above_min: float | None = None,
              north_bias: float = NORTH_BIAS, south_toll_usd: float = SOUTH_TOLL_USD,
              south_access_min: float = SOUTH_ACCESS_MIN, fixed_shares: dict | None = None,
              drain_h: float = 4.0) -> dict:
    """One vehicle stream choosing between a group at port North and one at port South."""
    if fixed_shares is not None:
        choice = {"rule": "fixed_shares", "shares": fixed_shares}
    else:
        choice = {"rule": "posted_wait_logit", "wait_utils_per_min": WAIT_UTILS_PER_MIN,
                  "access_utils_per_min": ACCESS_UTILS_PER_MIN, "value_of_time_usd_per_h": VALUE_OF_TIME_USD_PER_H,
                  "access_min": {"south": south_access_min}}
        if give_up_above_min is not None:
            choice["give_up_above_min"] = give_up_above_min
    group = lambda port, n, **kw: {"mode": "vehicle", "programs": ["general"], "lanes": n, "port": port,  # noqa: E731
                                   "service": {"general": {"dist": "exponential", "mean_s": mean_s}}, **kw}
    return {
        "name": "two ports",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": hours, "warmup_h": 0, "drain_h": drain_h},
        "seed": SEED,
        "posting_interval_min": posting_interval_min,
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": [rate_per_h] * 24},
                             "lane_choice": choice}},
        "lane_groups": {"north_general": group("north", lanes[0], choice_bias=north_bias),
                        "south_general": group("south", lanes[1], toll_usd=south_toll_usd)},
    }


def run_engine(doc: dict, seed: int = SEED, replication: int = 0):
    model = build_model(scenario_from_dict(doc).scenario)
    engine = Engine(model, sample_travellers(model, seed, replication), replication)
    return model, engine, engine.run()


def pooled(doc: dict, replications: int):
    """Records of several independent replications, concatenated field by field."""
    runs = [run_engine(doc, SEED, r)[2] for r in range(replications)]
    cat = lambda f: np.concatenate([getattr(r, f) for r in runs])  # noqa: E731
    return runs, {f: cat(f) for f in ("group", "arrival_s", "start_s", "depart_s")}


def binomial_problems(k: int, n: int, p: float, what: str, alternatives: dict[str, float] = {}) -> list[str]:  # noqa: B006
    """Problems with the claim that k of n independent drivers chose with probability p: k outside
    the binomial's 1 − ALPHA acceptance region, or an alternative share inside it (undetectable)."""
    lo, hi = stats.binom.interval(1 - ALPHA, n, p)
    problems = []
    if not lo <= k <= hi:
        problems.append(f"{what}: {k} of {n} ({k / n:.4f}) outside [{lo:.0f}, {hi:.0f}] for p = {p:.4f} (α = {ALPHA})")
    for name, alt in alternatives.items():
        if lo <= n * alt <= hi:
            problems.append(f"{what}: region [{lo:.0f}, {hi:.0f}] of {n} cannot reject '{name}' (p = {alt:.4f})")
    return problems


# --- shares with nothing posted ------------------------------------------------------------------


def test_with_no_queue_anywhere_the_split_is_the_logit_of_bias_access_time_and_toll():
    doc = two_ports(rate_per_h=150.0)  # 1.25 Erlangs offered, 15 booths at each port: nobody ever waits
    runs, r = pooled(doc, replications=4)
    assert not np.isnan(r["start_s"]).any() and (r["start_s"] == r["arrival_s"]).all(), \
        "precondition: nobody waits, so every posted wait is 0"
    n = len(r["group"])
    assert (r["group"] >= 0).all()  # no give-up alternative: everyone crosses
    p_north = logit(V_NORTH, V_SOUTH)[0]
    alternatives = {
        "toll ignored": logit(V_NORTH, utility(access_min=SOUTH_ACCESS_MIN))[0],
        "access time ignored": logit(V_NORTH, utility(toll_usd=SOUTH_TOLL_USD))[0],
        "bias ignored": logit(0.0, V_SOUTH)[0],
        "toll as a gain": logit(V_NORTH, utility(access_min=SOUTH_ACCESS_MIN, toll_usd=-SOUTH_TOLL_USD))[0],
        "toll at 1 util per $": logit(V_NORTH, utility(access_min=SOUTH_ACCESS_MIN) - SOUTH_TOLL_USD)[0],
    }
    problems = binomial_problems(int((r["group"] == 0).sum()), n, p_north, "drivers choosing North", alternatives)
    assert not problems, "\n".join(problems)


def test_the_give_up_alternative_takes_its_logit_share_and_is_counted_apart():
    give_up_min = 20.0
    doc = two_ports(rate_per_h=150.0, give_up_above_min=give_up_min)
    runs, r = pooled(doc, replications=4)
    crossed = r["group"] >= 0
    assert (r["start_s"][crossed] == r["arrival_s"][crossed]).all(), "precondition: nobody waits"
    v_give_up = WAIT_UTILS_PER_MIN * give_up_min  # worth a crossing with that posted wait, nothing else
    p_north, p_south, p_give_up = logit(V_NORTH, V_SOUTH, v_give_up)
    n = len(r["group"])
    counts = np.array([(r["group"] == 0).sum(), (r["group"] == 1).sum(), (~crossed).sum()])
    problems = binomial_problems(int(counts[2]), n, p_give_up, "drivers giving up", {
        "give-up worth 0": logit(V_NORTH, V_SOUTH, 0.0)[2],
        "give-up minutes read as seconds": logit(V_NORTH, V_SOUTH, WAIT_UTILS_PER_MIN * give_up_min / 60.0)[2],
        "give-up with North's bias": logit(V_NORTH, V_SOUTH, v_give_up + NORTH_BIAS)[2],
    })
    # and the whole three-way split (chi-square goodness of fit, same false-alarm rate)
    expected = n * np.array([p_north, p_south, p_give_up])
    chi2 = stats.chisquare(counts, expected)
    if chi2.pvalue < ALPHA:
        problems.append(f"split {counts.tolist()} vs expected {np.round(expected).tolist()}: p = {chi2.pvalue:.2g}")
    assert not problems, "\n".join(problems)

    # who gave up: no lane group, no booth, left the moment they arrived
    for rec in runs:
        gave = rec.gave_up
        assert gave.any()
        assert (rec.group[gave] == -1).all() and (rec.lane[gave] == -1).all()
        assert np.isnan(rec.start_s[gave]).all() and (rec.depart_s[gave] == rec.arrival_s[gave]).all()
        assert not rec.referred[gave].any()
        assert (gave == (rec.group < 0)).all()  # everyone else crossed
        # the wait statistics count only those who crossed
        summary = st.wait_summary(rec)
        whole = summary[(summary["lane_group"] == st.ALL) & (summary["program"] == st.ALL)
                        & (summary["hour"] == st.ALL)]
        assert int(whole["n"].iloc[0]) == int((~gave).sum())
        assert whole["mean_wait_min"].iloc[0] == 0.0
        # the port table reports them under port "gave_up", with their share of all arrivals
        ports = st.port_table(rec, st.port_totals(rec)).set_index(["stream", "port", "hour"])
        row = ports.loc[("cars", st.GAVE_UP, st.ALL)]
        assert row["share"] == gave.sum() / len(rec)
        assert row["travellers_per_day"] == pytest.approx(gave.sum() / (rec.horizon_s / 86400.0), rel=1e-12)
        assert math.isnan(row["mean_wait_min"]) or row["mean_wait_min"] == 0.0
        for port, gi in (("north", 0), ("south", 1)):
            assert ports.loc[("cars", port, st.ALL), "share"] == (rec.group == gi).sum() / len(rec)
        crossed_all = ports.loc[("cars", st.ALL, st.ALL)]
        assert crossed_all["share"] == (~gave).sum() / len(rec)  # port "all": those who crossed

    # and the runner's tables agree with the engine's records, replication by replication
    result = sim.run(scenario_from_dict(doc), replications=2, workers=1)
    per_rep = result.per_replication("ports")
    for rep in (0, 1):
        gave = runs[rep].gave_up
        row = per_rep[(per_rep["replication"] == rep) & (per_rep["stream"] == "cars") & (per_rep["port"] == st.GAVE_UP)
                      & (per_rep["hour"] == st.ALL)]
        assert row["share"].iloc[0] == gave.sum() / len(runs[rep])
    assert st.GAVE_UP in set(result.ports["port"])
    s = result.summary
    whole = s[(s["mode"] == "vehicle") & (s["lane_group"] == st.ALL) & (s["program"] == st.ALL)
              & (s["hour"] == st.ALL)].iloc[0]
    assert whole["n"] == np.mean([(~runs[rep].gave_up).sum() for rep in (0, 1)])


# --- drivers respond to posted waits -----------------------------------------------------------

# North has 4 booths (240/h at 60 s); at zero posted wait the logit sends it 73 % of 400/h = 292/h.
# South has 12 booths (720/h) to spare. No toll or access time here: only North's bias.
RESPOND = dict(rate_per_h=400.0, lanes=(4, 12), mean_s=60.0, hours=6.0, north_bias=1.0, south_toll_usd=0.0,
               south_access_min=0.0)
P_NORTH_AT_ZERO = float(logit(1.0, 0.0)[0])


def test_drivers_move_away_from_an_overloaded_port_compared_with_fixed_shares_at_the_zero_wait_split():
    reps = 4
    fixed = sim.run(scenario_from_dict(two_ports(**RESPOND, fixed_shares={
        "north_general": P_NORTH_AT_ZERO, "south_general": 1.0 - P_NORTH_AT_ZERO})), replications=reps, workers=1)
    chosen = sim.run(scenario_from_dict(two_ports(**RESPOND, posting_interval_min=10.0)), replications=reps, workers=1)
    waits = st.paired_differences(fixed.per_replication("by_hour"), chosen.per_replication("by_hour"))
    north = waits[(waits["lane_group"] == "north_general") & (waits["program"] == st.ALL)
                  & (waits["hour"] == st.ALL)].iloc[0]
    assert north["pairs"] == reps
    assert north["mean_wait_min_diff_hi"] < 0, (
        f"North's mean wait, logit − fixed shares: {north['mean_wait_min_diff']:.3g} min, 95 % CI "
        f"[{north['mean_wait_min_diff_lo']:.3g}, {north['mean_wait_min_diff_hi']:.3g}]")
    ports = st.paired_differences(fixed.per_replication("ports"), chosen.per_replication("ports"),
                                  st.PORT_METRICS, st.PORT_KEYS)
    south = ports[(ports["stream"] == "cars") & (ports["port"] == "south") & (ports["hour"] == st.ALL)].iloc[0]
    assert south["travellers_per_day_diff_lo"] > 0, (
        f"South's travellers per day, logit − fixed shares: {south['travellers_per_day_diff']:.4g}, 95 % CI "
        f"[{south['travellers_per_day_diff_lo']:.4g}, {south['travellers_per_day_diff_hi']:.4g}]")


def test_choices_use_posted_waits_never_live_ones_a_post_longer_than_the_run_leaves_the_zero_wait_split():
    """Nothing is posted before the first posting interval ends; with an interval longer than the
    window and drain, every driver sees zero waits although North's line grows for hours, so the
    split is the zero-wait logit. The same run with a 10-minute interval is far from it, so the
    test would notice drivers who saw live waits."""
    reps = 3
    _, never = pooled(two_ports(**RESPOND, posting_interval_min=100_000.0), reps)
    north = never["group"] == 0
    north_wait_min = (never["start_s"] - never["arrival_s"])[north] / 60.0
    assert np.nanmax(north_wait_min) > 10.0, "precondition: North's line grew (waits over 10 minutes)"
    _, posted = pooled(two_ports(**RESPOND, posting_interval_min=10.0), reps)
    p_posted = float(np.mean(posted["group"] == 0))
    problems = binomial_problems(int(north.sum()), len(north), P_NORTH_AT_ZERO, "drivers choosing North",
                                 {"choices that follow waits posted every 10 min": p_posted})
    assert not problems, "\n".join(problems)


def test_between_posts_each_driver_chooses_by_a_fixed_threshold_on_their_own_draw():
    """An exact statement about one sample path: between two posts nothing a driver sees changes,
    so with two ports always open the drivers choosing North are exactly those whose uniform draw
    lies below one threshold (the logit probability of North given the posted waits). A choice that
    followed the live line would move the threshold within an interval. The thresholds do differ
    between intervals, so the posted waits are in play."""
    interval_min = 10.0
    model = build_model(scenario_from_dict(two_ports(**RESPOND, posting_interval_min=interval_min)).scenario)
    travellers = sample_travellers(model, SEED, 0)
    rec = Engine(model, travellers, 0).run()
    u = travellers.choice_u
    post = np.floor(rec.arrival_s / (60.0 * interval_min)).astype(int)
    thresholds = []
    for k in np.unique(post):
        here = post == k
        to_north, to_south = u[here & (rec.group == 0)], u[here & (rec.group == 1)]
        if len(to_north) and len(to_south):
            assert to_north.max() < to_south.min(), f"interval {k}: choices not a threshold on the draw"
            thresholds.append((to_north.max(), to_south.min()))
    lows = np.array([lo for lo, _ in thresholds])
    highs = np.array([hi for _, hi in thresholds])
    assert lows.max() > highs.min(), "precondition: the posted waits moved the threshold between intervals"
    # before the first post every wait is posted as 0: the threshold there brackets the zero-wait logit
    first_lo, first_hi = thresholds[0]
    assert first_lo < P_NORTH_AT_ZERO <= first_hi


def test_a_port_with_no_lane_open_is_not_chosen():
    """North is closed for the first two hours (its schedule); nobody may choose it then."""
    doc = two_ports(rate_per_h=150.0, hours=4.0)
    doc["lane_groups"]["north_general"]["lanes_open"] = [0, 0] + [15] * 22
    _, _, rec = run_engine(doc)
    early = rec.arrival_s < 7200.0
    assert early.sum() > 100
    assert (rec.group[early] == 1).all()
    assert (rec.group[~early] == 0).any()


# --- reproducibility and validation ------------------------------------------------------------


def test_the_same_seed_gives_identical_choices_and_waits():
    doc = two_ports(**RESPOND, posting_interval_min=10.0, give_up_above_min=30.0)
    _, _, a = run_engine(doc)
    _, _, b = run_engine(doc)
    assert a.gave_up.any() and (a.group >= 0).any()
    for field in ("group", "lane", "start_s", "depart_s"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
    _, _, c = run_engine(doc, seed=SEED + 1)  # and another seed gives other travellers
    assert len(c) != len(a) or not np.array_equal(c.arrival_s, a.arrival_s)


def test_access_time_to_an_unknown_port_is_an_error_naming_the_field():
    doc = two_ports(rate_per_h=150.0)
    doc["streams"]["cars"]["lane_choice"]["access_min"] = {"south": 10.0, "eastt": 5.0}
    with pytest.raises(ScenarioError, match=r"streams\.cars\.lane_choice\.access_min: unknown port 'eastt'; "
                                            r"expected one of \['north', 'south'\]"):
        scenario_from_dict(doc)


OUT_OF_RANGE = [("wait_utils_per_min", 0.0625), ("access_utils_per_min", 0.1), ("value_of_time_usd_per_h", 0.0),
                ("give_up_above_min", 0.0)]


@pytest.mark.parametrize("field, value", OUT_OF_RANGE)
def test_an_out_of_range_logit_parameter_error_names_the_field(field, value):
    doc = two_ports(rate_per_h=150.0)
    doc["streams"]["cars"]["lane_choice"][field] = value
    with pytest.raises(ScenarioError, match=rf"streams\.cars\.lane_choice\.{field}: "):
        scenario_from_dict(doc)


def test_an_error_inside_fixed_shares_names_the_field():
    """The behaviour the posted_wait_logit errors above should match (another lane-choice rule)."""
    doc = two_ports(rate_per_h=150.0, fixed_shares={"north_general": 0.5, "south_general": 0.6})
    with pytest.raises(ScenarioError, match=r"streams\.cars\.lane_choice\.shares: expected shares summing to 1"):
        scenario_from_dict(doc)


# --- departure-time shift -------------------------------------------------------------------------


SHIFT_UTILS_PER_H = -3.0


def test_with_nothing_posted_the_share_who_come_back_an_hour_later_is_the_logit_of_the_shift_penalty():
    """No queue anywhere (every posted wait 0): coming back 1 h later is worth the best port's
    utility plus the shift penalty, so its share is exp(V* - 3) / (exp(V_north) + exp(V_south) + exp(V* - 3))."""
    doc = two_ports(rate_per_h=150.0, hours=12.0)
    doc["streams"]["cars"]["lane_choice"].update(shift_h=1, shift_utils_per_h=SHIFT_UTILS_PER_H)
    base = two_ports(rate_per_h=150.0, hours=12.0)
    k = n = 0
    for rep in range(3):
        _, _, r = run_engine(doc, SEED, rep)
        _, _, r0 = run_engine(base, SEED, rep)
        assert (r.traveller == r0.traveller).all()  # the same drivers, in the same order
        eligible = r0.arrival_s < 11 * 3600.0  # an hour later is still inside the 12-h window
        moved = r.shifted_h > 0
        assert not moved[~eligible].any(), "no shift may reach past the window"
        assert (r.shifted_h[moved] == 1).all()
        # a shifted driver arrives exactly one hour after the same driver did when shifting was off
        np.testing.assert_allclose(r.arrival_s[moved], r0.arrival_s[moved] + 3600.0, rtol=0, atol=1e-6)
        np.testing.assert_array_equal(r.arrival_s[~moved], r0.arrival_s[~moved])
        assert (r.group[moved] >= 0).all()  # they cross when they come back (no second shift)
        k += int(moved[eligible].sum())
        n += int(eligible.sum())
    best = max(V_NORTH, V_SOUTH)
    p = logit(V_NORTH, V_SOUTH, best + SHIFT_UTILS_PER_H)[2]
    problems = binomial_problems(k, n, p, "shifted one hour",
                                 {"penalty ignored": logit(V_NORTH, V_SOUTH, best)[2],
                                  "penalty per minute": logit(V_NORTH, V_SOUTH, best + SHIFT_UTILS_PER_H / 60)[2]})
    assert problems == [], problems


def test_drivers_shift_away_from_an_hour_whose_wait_was_posted_long_the_day_before():
    """One port, a day-2 morning peak that overloads it on day 1: with shifting allowed, fewer
    drivers join in the hours posted long the day before, and the mean wait of the peak falls (paired)."""
    rates = [100.0] * 24
    rates[7] = rates[8] = 900.0  # the port clears about 600/h
    doc = {
        "name": "one port with a peak",
        "window": {"start": "2024-01-01T00:00:00", "duration_h": 48, "warmup_h": 24, "drain_h": 4},
        "seed": SEED,
        "streams": {"cars": {"mode": "vehicle", "program": "general", "demand": {"rate_per_h": rates},
                             "lane_choice": {"rule": "posted_wait_logit", "shift_h": 3}}},
        "lane_groups": {"booths": {"mode": "vehicle", "programs": ["general"], "lanes": 10,
                                   "service": {"general": {"dist": "exponential", "mean_s": 60.0}}}},
    }
    fixed = {**doc, "streams": {"cars": {**doc["streams"]["cars"], "lane_choice": {"rule": "posted_wait_logit"}}}}
    diffs, shifted = [], 0
    for rep in range(4):
        _, _, r = run_engine(doc, SEED, rep)
        _, _, r0 = run_engine(fixed, SEED, rep)
        day2 = lambda rec: (rec.arrival_s >= 24 * 3600 + 7 * 3600) & (rec.arrival_s < 24 * 3600 + 10 * 3600)  # noqa: E731
        w = lambda rec, m: float(np.nanmean((rec.start_s - rec.arrival_s)[m]))  # noqa: E731
        diffs.append(w(r, day2(r)) - w(r0, day2(r0)))
        shifted += int((r.shifted_h > 0).sum())
    assert shifted > 0
    d = np.array(diffs)
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    assert d.mean() + half < 0, f"peak wait change {d.mean():.1f} ± {half:.1f} min·60"
