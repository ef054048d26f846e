"""The fast engine gives every traveller the same lane group, lane, booth start and departure as
the SimPy engine (to 1e-9 s), given the same drawn travellers: over random multi-group scenarios
that combine every feature the fast engine covers (hypothesis, derandomized), and over every
shipped scenario it supports. Identity, not speed, is tested here (benchmarks/bench_fast_engine.py
measures speed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.fastengine import supports
from sim.model import build_model
from sim.scenario import load_scenario, scenario_from_dict
from tests.fastengine.identity import check_identity

ROOT = Path(__file__).resolve().parents[2]
IDENTITY = settings(max_examples=200, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
PROGRAMS = ("general", "sentri", "ready")


@st.composite
def services(draw) -> dict:
    """Any service distribution; deterministic times make many events fall on the same instant,
    which is what tests that both engines break ties the same way."""
    mean_s = draw(st.integers(10, 150))
    kind = draw(st.sampled_from(["exponential", "deterministic", "lognormal", "gamma"]))
    if kind in ("exponential", "deterministic"):
        return {"dist": kind, "mean_s": mean_s}
    return {"dist": kind, "mean_s": mean_s, "cv": draw(st.sampled_from([0.3, 0.7, 1.5]))}


@st.composite
def policies(draw, lanes: int) -> dict:
    low = draw(st.sampled_from([0.0, 0.5, 2.0]))
    min_lanes = draw(st.integers(0, lanes))
    policy = {"low_wait_min": low, "high_wait_min": low + draw(st.sampled_from([0.5, 1.0, 4.0])),
              "min_lanes": min_lanes, "max_lanes": draw(st.integers(max(min_lanes, 1), lanes)),
              "review_min": draw(st.sampled_from([1.0, 2.0, 5.0])),
              "reaction_min": draw(st.sampled_from([0.0, 1.0, 3.0])), "priority": draw(st.integers(0, 2))}
    if draw(st.booleans()):
        policy["closed_hours"] = draw(st.lists(st.integers(0, 23), max_size=8, unique=True))
    return policy


@st.composite
def port_scenarios(draw) -> tuple[dict, int]:
    """One to three vehicle lane groups at one or two ports (either discipline, 1-4 lanes, 1-3 stacked
    booths, an hourly schedule, all lanes open or a lane policy with closed hours, maybe sharing a
    lane pool, maybe staffed from an officers' roster, keep_staffed or not, maybe hourly service
    multipliers), one to three streams with program mixes choosing by shortest expected wait, fixed
    shares or the posted-wait logit (give-up, departure shifts, lane by line seen or posted wait),
    maybe referred to a secondary facility, maybe a small line cap; the window starts at any hour."""
    n_groups = draw(st.integers(1, 3))
    groups: dict[str, dict] = {}
    for j in range(n_groups):
        progs = list(PROGRAMS) if j == 0 else draw(st.lists(st.sampled_from(PROGRAMS), min_size=1, max_size=3,
                                                            unique=True))
        lanes = draw(st.integers(1, 4))
        g: dict = {"mode": "vehicle", "programs": progs, "lanes": lanes, "booths_per_lane": draw(st.integers(1, 3)),
                   "discipline": draw(st.sampled_from(["shared", "per_lane"])),
                   "service": {p: draw(services()) for p in progs}}
        staffing = draw(st.sampled_from(["all", "schedule", "policy", "policy"]))
        if staffing == "schedule":
            g["lanes_open"] = draw(st.lists(st.integers(0, lanes), min_size=24, max_size=24))
        elif staffing == "policy":
            g["policy"] = draw(policies(lanes))
        g["port"] = draw(st.sampled_from(["east", "west"]))
        g["toll_usd"] = draw(st.sampled_from([0.0, 0.0, 5.0]))
        g["choice_bias"] = draw(st.sampled_from([0.0, -0.5, 1.0]))
        if draw(st.booleans()):
            g["service_by_hour"] = draw(st.lists(st.sampled_from([0.5, 0.8, 1.0, 1.3, 2.0]), min_size=24,
                                                 max_size=24))
        groups[f"g{j}"] = g
    pools: dict[str, int] = {}
    members = [name for name, g in groups.items() if "policy" in g]
    if len(members) >= 2 and draw(st.booleans()):
        floor = sum(groups[m]["policy"]["min_lanes"] for m in members)
        pools["shared"] = max(1, floor + draw(st.integers(0, 3)))
        for m in members:
            groups[m]["pool"] = "shared"
    rosters: dict[str, dict] = {}
    if members and draw(st.booleans()):
        rosters["officers"] = {"officers": draw(st.lists(st.integers(0, 10), min_size=24, max_size=24)),
                               "keep_staffed": draw(st.booleans())}
        for m in members:
            if draw(st.integers(0, 3)):
                groups[m]["staffed_by"] = "officers"
        if not any("staffed_by" in groups[m] for m in members):
            groups[members[0]]["staffed_by"] = "officers"
    hours = draw(st.integers(1, 4))
    streams: dict[str, dict] = {}
    referred = False
    for s in range(draw(st.integers(1, 3))):
        progs = draw(st.lists(st.sampled_from(PROGRAMS), min_size=1, max_size=3, unique=True))
        weights = draw(st.lists(st.integers(1, 5), min_size=len(progs), max_size=len(progs)))
        shares = {p: w / sum(weights) for p, w in zip(progs, weights, strict=True)}
        shares[progs[-1]] = 1.0 - sum(shares[p] for p in progs[:-1])
        rates = draw(st.lists(st.integers(0, 300), min_size=hours, max_size=hours)) + [0] * (24 - hours)
        stream: dict = {"mode": "vehicle", "program_shares": shares, "demand": {"rate_per_h": rates},
                        "referral_p": draw(st.sampled_from([0.0, 0.0, 0.1, 0.4]))}
        referred |= stream["referral_p"] > 0
        takers = [name for name, g in groups.items() if set(progs) <= set(g["programs"])]
        rule = draw(st.sampled_from(["shortest_expected_wait", "fixed_shares", "posted_wait_logit"]))
        if rule == "posted_wait_logit":
            logit: dict = {"rule": rule, "lane_by": draw(st.sampled_from(["line_seen", "posted_wait"])),
                           "shift_h": draw(st.sampled_from([0, 0, 1, 2])),
                           "access_min": {groups["g0"]["port"]: draw(st.sampled_from([0.0, 10.0]))}}
            if draw(st.booleans()):
                logit["give_up_above_min"] = draw(st.sampled_from([1.0, 10.0, 60.0]))
            stream["lane_choice"] = logit
        elif rule == "fixed_shares":
            weights = draw(st.lists(st.integers(0, 3), min_size=len(takers), max_size=len(takers)))
            if sum(weights) > 0:
                stream["lane_choice"] = {"rule": "fixed_shares",
                                         "shares": {t: w / sum(weights) for t, w in zip(takers, weights, strict=True)}}
        streams[f"s{s}"] = stream
    if all(sum(s["demand"]["rate_per_h"]) == 0 for s in streams.values()):
        streams["s0"]["demand"]["rate_per_h"][0] = 120
    data: dict = {
        "name": "fast engine identity",
        "window": {"start": f"2024-01-0{draw(st.integers(1, 7))}T{draw(st.integers(0, 23)):02d}:"
                            f"{draw(st.sampled_from(['00', '20']))}:00",
                   "duration_h": hours, "warmup_h": 0, "drain_h": draw(st.sampled_from([0.1, 1.0, 6.0])),
                   "max_in_line": draw(st.sampled_from([20_000, 20_000, 3, 15]))},
        "streams": streams,
        "lane_groups": groups,
    }
    if pools:
        data["lane_pools"] = pools
    if rosters:
        data["staffing"] = rosters
    data["posting_interval_min"] = draw(st.sampled_from([10.0, 30.0, 60.0]))
    if referred:
        data["secondary"] = {"sec": {"mode": "vehicle", "positions": draw(st.integers(1, 3)),
                                     "service": draw(services())}}
    return data, draw(st.integers(0, 2**20))


@IDENTITY
@given(port_scenarios())
def test_both_engines_give_every_traveller_the_same_times_on_random_ports(case):
    data, seed = case
    model = build_model(scenario_from_dict(data).scenario)
    assert supports(model) == (True, "")
    check_identity(model, seed)


def _shipped() -> list:
    """Every shipped scenario; the quick ones run by default, the others under ``-m long``."""
    quick = {"theory/mmc.yaml", "theory/mmc_11_booths.yaml", "otay_mesa/baseline.yaml"}
    out = []
    for path in sorted((ROOT / "scenarios").glob("*/*.yaml")):
        name = f"{path.parent.name}/{path.name}"
        if name == "otay_mesa/year_2017.yaml":  # 12 million travellers: streamed instead (test_fast_streaming.py)
            continue
        marks = () if name in quick else (pytest.mark.long,)
        out.append(pytest.param(path, id=name, marks=marks))
    return out


@pytest.mark.parametrize("path", _shipped())
def test_both_engines_give_every_traveller_the_same_times_on_shipped_scenarios(path: Path):
    model = build_model(load_scenario(path).scenario)
    ok, reason = supports(model)
    if not ok:
        pytest.skip(f"not in the fast engine: {reason}")
    sc = load_scenario(path).scenario
    check_identity(model, sc.seed, 0)
    if "theory" in str(path):
        check_identity(model, sc.seed, 1)
