"""What the per-port baselines (``otay_mesa_baseline``, ``san_ysidro_baseline``) derive and render alike:
rounding, service distributions, the officers' lane policy, pedestrians, the stacked-lane service
formula, the fitted parameters and the shared comment blocks."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from calibration import assumptions as a
from calibration.data import sandag
from calibration.yaml_writer import flow_list, num, quote

REPO = Path(__file__).resolve().parents[1]
PARAMETERS_DIR = REPO / "calibration" / "parameters"

# Officers' lane policy (see sim/scenario/schema.py LanePolicy). Fitted per lane type by `poesim calibrate`
# (calibration/<port>.yaml): the target wait (min) and a scale on SANDAG's per-lane service time.
LANE_TYPE_KEY = {"pov_general": "general", "pov_ready": "ready", "pov_sentri": "sentri"}
START_PARAMETERS = {  # only the fit's starting point
    "general_target_wait_min": 60.0, "ready_target_wait_min": 40.0, "sentri_target_wait_min": 25.0,
    "general_service_scale": 1.0, "ready_service_scale": 1.0, "sentri_service_scale": 1.0,
}
UNSCALED = {"general_service_scale": 1.0, "ready_service_scale": 1.0, "sentri_service_scale": 1.0}


def r1(x: float) -> float:
    """Round to one decimal (rates in veh/h, service means in s)."""
    return round(x + 0.0, 1) + 0.0  # + 0.0 turns -0.0 into 0.0


def weighted_rate(rates: list[float], volumes: list[float]) -> float:
    """Volume-weighted mean of hourly processing rates (veh/h/lane)."""
    return sum(r * v for r, v in zip(rates, volumes, strict=True)) / sum(volumes)


def lognormal(mean_s: float, cv: float) -> dict[str, Any]:
    return {"dist": "lognormal", "mean_s": mean_s, "cv": cv}


def gamma(mean_s: float, cv: float) -> dict[str, Any]:
    return {"dist": "gamma", "mean_s": mean_s, "cv": cv}


def whole(values: list[float], what: str) -> list[int]:
    """Lane counts as integers; fails on fractions or negatives."""
    if any(v != int(v) or v < 0 for v in values):
        raise ValueError(f"{what}: expected whole lane counts, got {values}")
    return [int(v) for v in values]


def stacked_factor(cv: float = a.POV_CV) -> float:
    """E[max(S1, S2)] / E[S] for two independent lognormal service times with this cv:
    ``1 + erf(σ/2)``, σ² = ln(1 + cv²) (one plus the lognormal Gini coefficient)."""
    return 1.0 + math.erf(math.sqrt(math.log(1.0 + cv * cv)) / 2.0)


def lane_rate(mean_s: float, cv: float, booths: int) -> float:
    """Saturated throughput of one lane (veh/h) whose booths serve lognormal times of mean ``mean_s``:
    3600 / mean for one booth; a stacked lane takes a platoon of two and the next only when both have
    left (the engine), so it clears 2 per E[max(S1, S2)] = 2 × 3600 / (mean × ``stacked_factor``)."""
    if booths == 1:
        return 3600.0 / mean_s
    if booths != 2:
        raise ValueError("only single or double-stacked booths are derived")
    return booths * 3600.0 / (mean_s * stacked_factor(cv))


def booth_mean_s(rate: float, cv: float, booths: int) -> float:
    """The inverse of ``lane_rate``: the per-booth mean service time (s) at which a saturated lane clears ``rate``."""
    return booths * 3600.0 / (rate * (stacked_factor(cv) if booths == 2 else 1.0))


def fitted_parameters(path: Path) -> dict[str, float]:
    """The committed fitted values (``calibration/parameters/<port>.json``), or the fit's starting
    point when there are none yet."""
    if not path.exists():
        return dict(START_PARAMETERS)
    return dict(json.loads(path.read_text(encoding="utf-8"))["parameters"])


def service_by_hour(rates: list[float], mean_rate: float) -> list[float]:
    """Service-time multipliers by clock hour: SANDAG's daily mean rate over its hourly rate
    (officers process faster at some hours; SANDAG's rates vary by about ±40 % over the day)."""
    return [round(mean_rate / r, 3) for r in rates]


def lane_policy(target_wait_min: float, lanes_min: int, lanes_max: int) -> dict[str, Any]:
    """The scenario's ``policy:`` block for a fitted target wait."""
    return {
        "low_wait_min": r1(target_wait_min * (1 - a.TARGET_BAND)),
        "high_wait_min": r1(target_wait_min * (1 + a.TARGET_BAND)),
        "min_lanes": lanes_min,
        "max_lanes": lanes_max,
        "review_min": a.REVIEW_MIN,
        "reaction_min": a.REACTION_MIN,
    }


def scenario_mapping(name: str, description: str, streams: dict[str, Any], groups: dict[str, Any],
                     secondary: dict[str, tuple[str, dict[str, float]]]) -> dict[str, Any]:
    """A baseline scenario as the YAML holds it: the shared window, replications and seed, and
    secondary facilities from ``{name: (mode, {positions, mean_s, cv})}`` (lognormal service)."""
    return {
        "name": name,
        "description": description,
        "window": {"start": a.WINDOW_START, "duration_h": a.DURATION_H, "warmup_h": a.WARMUP_H, "drain_h": a.DRAIN_H},
        "replications": a.REPLICATIONS,
        "seed": a.SEED,
        "streams": streams,
        "lane_groups": groups,
        "secondary": {
            f: {"mode": mode, "positions": spec["positions"], "service": lognormal(spec["mean_s"], spec["cv"])}
            for f, (mode, spec) in secondary.items()
        },
    }


def pov_streams(volumes: dict[str, list[float]], programs: dict[str, str]) -> dict[str, Any]:
    """Passenger-vehicle streams from hourly volumes (veh/h) by stream, with the POV referral."""
    return {
        s: {
            "mode": "vehicle",
            "program": programs[s],
            "demand": {"rate_per_h": [r1(v) for v in volumes[s]]},
            "referral_p": a.POV_REFERRAL_P,
            "lane_choice": {"rule": "shortest_expected_wait"},
        }
        for s in volumes
    }


PEDESTRIAN_PARAMETERS = PARAMETERS_DIR / "pedestrians.json"


def ped_service_mean_s(path: Path = PEDESTRIAN_PARAMETERS) -> float:
    """The pedestrian mean service time (s) fitted on Otay Mesa by ``calibration.studies.pedestrians --fit``
    (``calibration/parameters/pedestrians.json``), or the unfitted default ``PED_MEAN_S`` without a record."""
    if not path.exists():
        return a.PED_MEAN_S
    return float(json.loads(path.read_text(encoding="utf-8"))["parameters"]["ped_service_mean_s"])


def pedestrians(daily: float, profile: list[float], booths: int, mean_s: float | None = None,
                ready_booths: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """Pedestrian streams (general and Ready, split by PED_READY_SHARE) and their lane groups:
    ``ped_general``, ``booths`` booths fed by one line, all open all day, serving both programs; with
    ``ready_booths`` > 0 also ``ped_ready``, Ready-only booths (a port's pedestrian Ready lanes), which
    Ready pedestrians choose when their expected wait is shorter. Lognormal service of mean ``mean_s``
    (default: the fitted ``ped_service_mean_s()``) and cv PED_CV."""
    mean = ped_service_mean_s() if mean_s is None else mean_s
    shares = (("ped_general", "general", 1 - a.PED_READY_SHARE), ("ped_ready", "ready", a.PED_READY_SHARE))
    streams = {
        s: {
            "mode": "pedestrian",
            "program": program,
            "demand": {"daily_volume": r1(daily * share), "profile": profile},
            "lane_choice": {"rule": "shortest_expected_wait"},
        }
        for s, program, share in shares
    }
    groups: dict[str, Any] = {
        "ped_general": {
            "mode": "pedestrian",
            "programs": ["general", "ready"],
            "lanes": booths,
            "discipline": "shared",
            "lanes_open": booths,
            "service": {p: lognormal(mean, a.PED_CV) for p in ("general", "ready")},
        }
    }
    if ready_booths:
        groups["ped_ready"] = {
            "mode": "pedestrian",
            "programs": ["ready"],
            "lanes": ready_booths,
            "discipline": "shared",
            "lanes_open": ready_booths,
            "service": {"ready": lognormal(mean, a.PED_CV)},
        }
    return streams, groups


def policy_comments(
    prefix: str, lane_type: str, ck: dict[str, Any], rate: float, max_note: str
) -> dict[str, list[str]]:
    """The comments of a passenger lane group under a fitted lane policy."""
    key = lane_type.lower()
    target = ck["parameters"][f"{key}_target_wait_min"]
    scale = ck["parameters"][f"{key}_service_scale"]
    return {
        "lanes": [max_note],
        "lanes_open": [
            f"Lane policy: target wait {num(round(target, 1))} min (FITTED: {key}_target_wait_min), band x (1 -/+ "
            f"{num(a.TARGET_BAND)}) (assumption);",
            f"min_lanes: {sandag.CONFIGS} min_lanes ({lane_type}); review/reaction {num(a.REVIEW_MIN)}/"
            f"{num(a.REACTION_MIN)} min (assumptions).",
        ],
        "service": [
            f"{prefix}_VEH weighted by {lane_type} volume: {num(rate)} veh/h/lane; mean_s = 3600 / rate x "
            f"{scale} (FITTED: {key}_service_scale).",
        ],
        "service_by_hour": [
            "by clock hour of service start: that mean rate / SANDAG's rate in the hour (same column).",
        ],
    }


def calibration_header(port_file: str) -> list[str]:
    """Header lines saying where the fitted values come from."""
    return [
        f"# Calibrated: `poesim calibrate calibration/{port_file}.yaml --data ../shared/data` fits, per passenger",
        "# lane type, the officers' target wait (to CBP's observed hourly wait_time) and a scale on SANDAG's",
        "# service time (to CBP's observed open_lanes); values and residuals:"
        f" calibration/parameters/{port_file}.json.",
        *([] if port_file != "otay_mesa" else [
            "# Trucks: General and FAST service times fitted at Brownsville Veterans to CBP's posted commercial",
            "# waits (calibration/parameters/commercial.json; calibration/commercial.py); no observed 2017",
            "# Otay Mesa truck waits exist to check them against (calibration/VALIDATION_TRUCKS.md).",
        ]),
        "# Pedestrians: one service time fitted on Otay Mesa to CBP's historical pedestrian waits",
        "# (calibration/parameters/pedestrians.json; python -m calibration.studies.pedestrians --fit).",
    ]


def render_observed_lanes(derived: dict[str, Any], port_file: str, port: str) -> str:
    """A small ``extends: baseline.yaml`` file: the same port with CBP's observed hourly open lanes
    instead of the lane policy (the other way of validating)."""
    L = [
        f"# {port}, northbound: the calibrated baseline with CBP's OBSERVED open lanes instead of the lane policy.",
        "#",
        f"# GENERATED by calibration/{port_file}_baseline.py with the baseline (poesim calibrate",
        f"# calibration/{port_file}.yaml); tests check it matches. For validation: lanes as observed, everything",
        "# else (demand, fitted service times) as in baseline.yaml.",
        f"# Lanes open: {sandag.OBSERVED}, rows port_name={port}, direction=Northbound,",
        "# vehicle_type=Passenger, column open_lanes by traveler_type, hours 1..24.",
        "extends: baseline.yaml",
        f"name: {quote(port + ' NB baseline, observed open lanes (2017 weekday)')}",
        "",
        "lane_groups:",
    ]
    for g, lanes in derived["observed_lanes"].items():
        L += [f"  {g}:", "    policy: null"] + flow_list("lanes_open", lanes, 4)
    return "\n".join(L) + "\n"
