"""A corpus of malformed scenario files, as a careful tester would make them: mutations of the
shipped Otay Mesa baseline (every kind of number infinite, huge, negative, quoted or a bool;
wrong shapes; broken cross-references), files that attack the loader (alias bombs, deep
nesting, huge files, pipes, devices, non-UTF-8, tags), ``extends`` chains that lead astray,
and the handwritten files in ``malformed/``.

Each case is a directory of files; ``case.yaml`` is the one given to poesim. ``expect`` is text
the error must contain (the field, or what is wrong where no field applies) and ``where`` the
file the error must name. test_malformed_corpus.py runs every case through ``poesim validate``
and ``poesim run``.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OTAY_MESA = ROOT / "scenarios" / "otay_mesa" / "baseline.yaml"
HANDWRITTEN = Path(__file__).resolve().parent / "malformed"
DELETE = object()
INF, NAN = float("inf"), float("nan")
SECRET = "tok_9f8e7d6c5b4a"  # must never appear in a message

FileMaker = Callable[[Path], None]


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes | FileMaker]
    expect: str
    where: str = "case.yaml"
    blocking: bool = False  # could block or eat memory if the loader regressed: run it in a subprocess
    secret: str | None = None
    valid: bool = False  # a valid scenario that cannot run: validate accepts it, run fails cleanly

    def make(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        for name, content in self.files.items():
            p = directory / name
            p.parent.mkdir(parents=True, exist_ok=True)
            if callable(content):
                content(p)
            else:
                p.write_bytes(content if isinstance(content, bytes) else content.encode())
        return directory / "case.yaml"


def baseline() -> dict[str, Any]:
    return yaml.safe_load(OTAY_MESA.read_text())


def _set(doc: dict[str, Any], dotted: str, value: Any) -> None:
    parts: list[Any] = [int(p) if p.isdigit() else p for p in dotted.replace("[", ".").replace("]", "").split(".")]
    node: Any = doc
    for p in parts[:-1]:
        node = node[p]
    if value is DELETE:
        del node[parts[-1]]
    else:
        node[parts[-1]] = value


def with_fields(pairs: list[tuple[str, Any]]) -> str:
    doc = baseline()
    for k, v in pairs:
        _set(doc, k, v if v is DELETE else copy.deepcopy(v))
    return yaml.safe_dump(doc, sort_keys=False, width=200)


def field_case(case_id: str, dotted: str, value: Any, expect: str | None = None) -> Case:
    return Case(case_id, {"case.yaml": with_fields([(dotted, value)])}, expect or dotted)


# --- mutations of the baseline, field by field ---------------------------------------------

BAD_NUMBERS: dict[str, Any] = {
    "inf": INF, "minus_inf": -INF, "nan": NAN, "huge": 1e308, "negative": -1, "quoted": "12", "bool": True,
}

NUMERIC_FIELDS: list[tuple[str, list[str]]] = [
    ("window.duration_h", ["inf", "nan", "huge", "negative", "quoted", "bool"]),
    ("window.warmup_h", ["inf", "negative", "quoted", "bool"]),
    ("window.drain_h", ["inf", "huge", "negative", "quoted"]),
    ("replications", ["huge", "negative", "quoted", "bool", "inf"]),
    ("seed", ["negative", "quoted", "bool", "inf", "huge"]),
    ("streams.pov_general.demand.rate_per_h[4]", ["inf", "nan", "huge", "negative", "quoted", "bool"]),
    ("streams.ped_general.demand.daily_volume", ["inf", "huge", "negative", "quoted"]),
    ("streams.ped_general.demand.profile[5]", ["inf", "nan", "negative", "quoted"]),
    ("streams.pov_general.referral_p", ["inf", "negative", "quoted", "bool", "huge"]),
    ("lane_groups.pov_general.lanes", ["inf", "huge", "negative", "quoted", "bool"]),
    ("lane_groups.pov_general.booths_per_lane", ["bool", "negative", "huge"]),
    ("lane_groups.pov_general.policy.high_wait_min", ["inf", "huge", "quoted"]),
    ("lane_groups.pov_general.policy.low_wait_min", ["nan", "negative"]),
    ("lane_groups.pov_general.policy.review_min", ["inf", "negative", "bool"]),
    ("lane_groups.pov_general.policy.reaction_min", ["inf", "huge", "negative"]),
    ("lane_groups.pov_general.policy.min_lanes", ["quoted", "negative"]),
    ("lane_groups.pov_general.policy.priority", ["negative", "huge", "bool"]),
    ("lane_groups.pov_general.service.general.mean_s", ["inf", "nan", "huge", "negative", "quoted"]),
    ("lane_groups.pov_general.service.general.cv", ["inf", "huge", "negative", "bool"]),
    ("lane_groups.pov_general.service_by_hour[3]", ["inf", "huge", "negative", "quoted"]),
    ("lane_groups.truck_general.lanes_open[7]", ["negative", "quoted", "bool", "huge"]),
    ("lane_groups.ped_general.lanes_open", ["inf", "quoted", "bool"]),
    ("secondary.pov_secondary.positions", ["inf", "huge", "negative", "quoted", "bool"]),
    ("secondary.truck_secondary.service.mean_s", ["inf", "huge", "negative"]),
    ("posting_interval_min", ["inf", "huge", "negative", "quoted"]),
    ("demand_scale", ["inf", "nan", "huge", "negative", "quoted", "bool"]),
    ("window.max_in_line", ["inf", "huge", "negative", "quoted", "bool"]),
]

# schedule errors name the schedule, not the hour in it
_REPORTED_AT = {"lane_groups.truck_general.lanes_open[7]": "lane_groups.truck_general.lanes_open"}


def numeric_cases() -> list[Case]:
    out = []
    for dotted, kinds in NUMERIC_FIELDS:
        for kind in kinds:
            expect = _REPORTED_AT.get(dotted, dotted)
            out.append(field_case(f"{dotted}={kind}", dotted, BAD_NUMBERS[kind], expect))
    return out


SHAPE_CASES: list[tuple[str, str, Any, str | None]] = [
    # (id, field, value, expected text if not the field)
    ("duration beyond a leap year", "window.duration_h", 8785, None),
    ("warmup as long as the window", "window.warmup_h", 48, "window: warmup_h: expected less than duration_h"),
    ("drain beyond a month", "window.drain_h", 745, None),
    ("start a number", "window.start", 1, None),
    ("start a float", "window.start", 1.5, None),
    ("start a bool", "window.start", True, None),
    ("start in words", "window.start", "yesterday", None),
    ("start digits in a string", "window.start", "1", None),
    ("start in year 9999", "window.start", "9999-12-31T00:00", None),
    ("start in 1800", "window.start", "1800-01-01T00:00", None),
    ("start month 13", "window.start", "2017-13-45T00:00", None),
    ("start a list", "window.start", [2017, 3, 7], None),
    ("window a list", "window", [48], None),
    ("window missing", "window", DELETE, "window: required field is missing"),
    ("replications zero", "replications", 0, None),
    ("replications a float", "replications", 2.5, None),
    ("replications a million", "replications", 10**6, None),
    ("seed beyond 64 bits", "seed", 2**64, None),
    ("seed a fraction", "seed", 1.5, None),
    ("rate_per_h 23 values", "streams.pov_general.demand.rate_per_h", [100.0] * 23, None),
    ("rate_per_h 25 values", "streams.pov_general.demand.rate_per_h", [100.0] * 25, None),
    ("rate_per_h a word", "streams.pov_general.demand.rate_per_h", "many", None),
    ("rate_per_h a mapping", "streams.pov_general.demand.rate_per_h", {"peak": 300}, None),
    ("rate_per_h empty", "streams.pov_general.demand.rate_per_h", [], None),
    ("rate_per_h beyond a port", "streams.pov_general.demand.rate_per_h", [10_001.0] * 24, None),
    ("rate_per_h quoted list", "streams.pov_general.demand.rate_per_h", ["100"] * 24, None),
    ("demand without a form", "streams.pov_general.demand.rate_per_h", DELETE, "streams.pov_general.demand"),
    ("daily volume beyond a port", "streams.ped_general.demand.daily_volume", 500_000.0,
     "streams.ped_general.demand"),
    ("profile all zero", "streams.ped_general.demand.profile", [0.0] * 24, "streams.ped_general.demand"),
    ("profile 23 weights", "streams.ped_general.demand.profile", [1.0] * 23, None),
    ("profile quoted", "streams.ped_general.demand.profile", ["1"] * 24, None),
    ("weekday factor infinite", "streams.pov_general.demand.weekday_factor",
     {d: INF for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, "streams.pov_general.demand.weekday_factor"),
    ("weekday factor missing days", "streams.pov_general.demand.weekday_factor", {"mon": 1.0},
     "weekday_factor: expected all seven days"),
    ("weekday factor above ten", "streams.pov_general.demand.weekday_factor",
     {d: 11.0 for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, "streams.pov_general.demand.weekday_factor"),
    ("weekday factor bool", "streams.pov_general.demand.weekday_factor",
     {d: True for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}, "streams.pov_general.demand.weekday_factor"),
    ("weekday factor unknown day", "streams.pov_general.demand.weekday_factor",
     {d: 1.0 for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sunday")},
     "streams.pov_general.demand.weekday_factor"),
    ("month factor nan", "streams.pov_general.demand.month_factor",
     {m: NAN for m in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")},
     "streams.pov_general.demand.month_factor"),
    ("month factor missing months", "streams.pov_general.demand.month_factor", {"jan": 1.0},
     "month_factor: expected all twelve months"),
    ("referral above one", "streams.pov_general.referral_p", 1.5, None),
    ("mode unknown", "streams.pov_general.mode", "car", None),
    ("mode a number", "streams.pov_general.mode", 3, None),
    ("program unknown", "streams.pov_general.program", "gold", None),
    ("program and shares", "streams.pov_general.program_shares", {"general": 1.0},
     "streams.pov_general: expected exactly one of program"),
    ("program neither", "streams.pov_general.program", DELETE, "streams.pov_general: expected exactly one of program"),
    ("stream name not a name", "streams.Bad-Name", {"mode": "vehicle", "program": "general",
                                                    "demand": {"rate_per_h": [1.0] * 24}}, "streams.Bad-Name"),
    ("lane choice unknown rule", "streams.pov_general.lane_choice", {"rule": "random"},
     "streams.pov_general.lane_choice"),
    ("fixed shares not summing", "streams.pov_general.lane_choice",
     {"rule": "fixed_shares", "shares": {"pov_general": 0.9}}, "streams.pov_general.lane_choice.shares"),
    ("fixed shares unknown group", "streams.pov_general.lane_choice",
     {"rule": "fixed_shares", "shares": {"nowhere": 1.0}}, "streams.pov_general.lane_choice.shares"),
    ("fixed share infinite", "streams.pov_general.lane_choice",
     {"rule": "fixed_shares", "shares": {"pov_general": INF}}, "streams.pov_general.lane_choice.shares.pov_general"),
    ("logit positive wait utility", "streams.pov_general.lane_choice",
     {"rule": "posted_wait_logit", "wait_utils_per_min": 0.1}, "streams.pov_general.lane_choice.wait_utils_per_min"),
    ("logit infinite wait utility", "streams.pov_general.lane_choice",
     {"rule": "posted_wait_logit", "wait_utils_per_min": -INF},
     "streams.pov_general.lane_choice.wait_utils_per_min"),
    ("logit infinite reservation", "streams.pov_general.lane_choice",
     {"rule": "posted_wait_logit", "give_up_above_min": INF}, "streams.pov_general.lane_choice.give_up_above_min"),
    ("logit shift a week", "streams.pov_general.lane_choice",
     {"rule": "posted_wait_logit", "shift_h": 168}, "streams.pov_general.lane_choice.shift_h"),
    ("logit unknown port", "streams.pov_general.lane_choice",
     {"rule": "posted_wait_logit", "access_min": {"tecate": 5.0}}, "streams.pov_general.lane_choice.access_min"),
    ("logit free time", "streams.pov_general.lane_choice",
     {"rule": "posted_wait_logit", "value_of_time_usd_per_h": 0.0},
     "streams.pov_general.lane_choice.value_of_time_usd_per_h"),
    ("logit huge shift penalty", "streams.pov_general.lane_choice",
     {"rule": "posted_wait_logit", "shift_utils_per_h": -1e9}, "streams.pov_general.lane_choice.shift_utils_per_h"),
    ("lanes zero", "lane_groups.pov_general.lanes", 0, None),
    ("lanes a fraction", "lane_groups.pov_general.lanes", 13.5, None),
    ("lanes beyond a port", "lane_groups.pov_general.lanes", 100_000, None),
    ("lanes beyond 64 bits", "lane_groups.pov_general.lanes", 2**70, None),
    ("booths per lane a thousand", "lane_groups.pov_general.booths_per_lane", 1000, None),
    ("discipline unknown", "lane_groups.pov_general.discipline", "fifo", None),
    ("programs empty", "lane_groups.pov_general.programs", [], None),
    ("programs repeated", "lane_groups.pov_general.programs", ["general", "general", "ready", "sentri"], None),
    ("policy band reversed", "lane_groups.pov_general.policy.low_wait_min", 80.0,
     "lane_groups.pov_general.policy: expected low_wait_min < high_wait_min"),
    ("policy review every instant", "lane_groups.pov_general.policy.review_min", 1e-9, None),
    ("policy review zero", "lane_groups.pov_general.policy.review_min", 0, None),
    ("policy min above max", "lane_groups.pov_general.policy.min_lanes", 14,
     "lane_groups.pov_general.policy: expected min_lanes ≤ max_lanes"),
    ("policy max above lanes", "lane_groups.pov_general.policy.max_lanes", 14, "lane_groups.pov_general"),
    ("policy closed hour 24", "lane_groups.pov_general.policy.closed_hours", [24], None),
    ("policy closed hour quoted", "lane_groups.pov_general.policy.closed_hours", ["04"], None),
    ("policy and schedule", "lane_groups.pov_general.lanes_open", 5, "lane_groups.pov_general: give either"),
    ("service mean four hours and a second", "lane_groups.pov_general.service.general.mean_s", 14401.0, None),
    ("service mean zero", "lane_groups.pov_general.service.general.mean_s", 0, None),
    ("service cv zero", "lane_groups.pov_general.service.general.cv", 0, None),
    ("service dist unknown", "lane_groups.pov_general.service.general", {"dist": "weibull", "mean_s": 60},
     "lane_groups.pov_general.service.general"),
    ("service missing a program", "lane_groups.pov_general.service.ready", DELETE, "lane_groups.pov_general"),
    ("service for a program not accepted", "lane_groups.pov_sentri.service.general",
     {"dist": "exponential", "mean_s": 30.0}, "lane_groups.pov_sentri"),
    ("empirical empty", "lane_groups.pov_general.service.general", {"dist": "empirical", "values_s": []},
     "lane_groups.pov_general.service.general.values_s"),
    ("empirical all zero", "lane_groups.pov_general.service.general", {"dist": "empirical", "values_s": [0.0, 0.0]},
     "lane_groups.pov_general.service.general.values_s"),
    ("empirical infinite", "lane_groups.pov_general.service.general", {"dist": "empirical", "values_s": [INF]},
     "lane_groups.pov_general.service.general.values_s[0]"),
    ("empirical quoted", "lane_groups.pov_general.service.general", {"dist": "empirical", "values_s": ["30"]},
     "lane_groups.pov_general.service.general.values_s[0]"),
    ("service by hour 23", "lane_groups.pov_general.service_by_hour", [1.0] * 23, None),
    ("service by hour zero", "lane_groups.pov_general.service_by_hour", [0.0] * 24, None),
    ("lanes_open 25 hours", "lane_groups.truck_general.lanes_open", [1] * 25, None),
    ("lanes_open fractions", "lane_groups.truck_general.lanes_open", [1.5] * 24, None),
    ("lanes_open step at 25:00", "lane_groups.truck_general.lanes_open",
     [{"at": "00:00", "lanes": 1}, {"at": "25:00", "lanes": 2}], None),
    ("lanes_open not from midnight", "lane_groups.truck_general.lanes_open", [{"at": "01:00", "lanes": 1}], None),
    ("lanes_open steps unordered", "lane_groups.truck_general.lanes_open",
     [{"at": "00:00", "lanes": 1}, {"at": "09:00", "lanes": 2}, {"at": "08:00", "lanes": 3}], None),
    ("lanes_open more than lanes", "lane_groups.truck_general.lanes_open", 8,
     "lane_groups.truck_general: lanes_open: expected at most lanes=6"),
    ("lanes_open step extra key", "lane_groups.truck_general.lanes_open",
     [{"at": "00:00", "lanes": 1, "officers": 2}], None),
    ("lanes_open step time a number", "lane_groups.truck_general.lanes_open", [{"at": 300, "lanes": 1}], None),
    ("lanes_open empty", "lane_groups.truck_general.lanes_open", [], None),
    ("lanes_open beyond 64 bits", "lane_groups.truck_general.lanes_open", 10**30, None),
    ("secondary positions zero", "secondary.pov_secondary.positions", 0, None),
    ("secondary twice for a mode", "secondary.extra_secondary",
     {"mode": "vehicle", "positions": 2, "service": {"dist": "exponential", "mean_s": 600.0}}, "secondary"),
    ("secondary cv infinite", "secondary.pov_secondary.service.cv", INF, None),
    ("referral without secondary", "secondary.pov_secondary", DELETE, "streams.pov_general.referral_p"),
    ("lane group unknown mode", "lane_groups.ped_general.mode", "bicycle", None),
    ("nobody serves a program", "lane_groups.ped_general", DELETE, "streams.ped_general: no pedestrian lane group"),
    ("lane pool unknown", "lane_groups.pov_general.pool", "shared", "lane_groups.pov_general.pool"),
    ("lane pool zero", "lane_pools", {"shared": 0}, "lane_pools.shared"),
    ("lane pool infinite", "lane_pools", {"shared": INF}, "lane_pools.shared"),
    ("roster unknown", "lane_groups.pov_general.staffed_by", "day_shift", "lane_groups.pov_general.staffed_by"),
    ("roster on a schedule group", "lane_groups.truck_general.staffed_by", "day_shift",
     "lane_groups.truck_general.staffed_by"),
    ("roster unused", "staffing", {"day_shift": {"officers": 10}}, "staffing.day_shift"),
    ("roster a billion officers", "staffing", {"day_shift": {"officers": 10**9}}, "staffing.day_shift.officers"),
    ("roster negative officers", "staffing", {"day_shift": {"officers": -1}}, "staffing.day_shift.officers"),
    ("posting every nanosecond", "posting_interval_min", 1e-9, None),
    ("posting zero", "posting_interval_min", 0, None),
    ("name a number", "name", 123, None),
    ("name a list", "name", ["a", "b"], None),
    ("name missing", "name", DELETE, "name: required field is missing"),
    ("name a novel", "name", "x" * 30_000, None),
    ("name null", "name", None, None),
    ("description a number", "description", 123, None),
    ("streams empty", "streams", {}, None),
    ("lane groups empty", "lane_groups", {}, None),
    ("streams a list", "streams", ["pov_general"], None),
    ("misspelt field", "lane_groups.pov_general.lanse", 13, "lane_groups.pov_general.lanse: unknown field"),
    ("misspelt top-level field", "replication", 10, "replication: unknown field"),
    ("extends a number", "extends", 3, "extends: expected a file path"),
    ("extends empty", "extends", "", "extends: expected a file path"),
    ("extends a list", "extends", ["a.yaml"], "extends: expected a file path"),
]


def shape_cases() -> list[Case]:
    months = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    factors = with_fields([
        ("streams.pov_ready.demand.month_factor", {m: 10.0 for m in months}),
        ("streams.pov_ready.demand.weekday_factor", {d: 10.0 for d in ("mon", "tue", "wed", "thu", "fri", "sat",
                                                                       "sun")})])
    return [field_case(cid, dotted, value, expect) for cid, dotted, value, expect in SHAPE_CASES] + [
        Case("factors multiply beyond a port", {"case.yaml": factors},
             "streams.pov_ready.demand: weekday_factor, month_factor"),
    ]


def _zero_demand() -> str:
    doc = baseline()
    for s in doc["streams"].values():
        d = s["demand"]
        if "rate_per_h" in d:
            d["rate_per_h"] = [0.0] * 24
        else:
            d["daily_volume"] = 0.0
    return yaml.safe_dump(doc, sort_keys=False)


def _unknown_secret_field() -> str:
    doc = baseline()
    doc["lane_groups"]["pov_general"]["api_key"] = SECRET
    return yaml.safe_dump(doc, sort_keys=False)


def _edit(text: str, old: str, new: str, count: int = -1) -> str:
    """``text`` with ``old`` replaced; an error if ``old`` is not there (the base file changed), so a
    case can never silently become the unbroken file."""
    if old not in text:
        raise AssertionError(f"malformed corpus: {old!r} is no longer in {OTAY_MESA.name}; update the case")
    return text.replace(old, new, count)


def _edit_bytes(data: bytes, old: bytes, new: bytes, count: int = -1) -> bytes:
    if old not in data:
        raise AssertionError(f"malformed corpus: {old!r} is no longer in {OTAY_MESA.name}; update the case")
    return data.replace(old, new, count)


def whole_file_cases() -> list[Case]:
    text = OTAY_MESA.read_text()
    return [
        Case("zero demand everywhere", {"case.yaml": _zero_demand()},
             "streams: no traveller arrived in the counted window", valid=True),
        Case("unknown field holding a secret", {"case.yaml": _unknown_secret_field()},
             "lane_groups.pov_general.api_key: unknown field", secret=SECRET),
        Case("empty file", {"case.yaml": ""}, "window: required field is missing"),
        Case("only a comment", {"case.yaml": "# nothing here\n"}, "window: required field is missing"),
        Case("null document", {"case.yaml": "~\n"}, "window: required field is missing"),
        Case("bad indentation", {"case.yaml": _edit(text, "  duration_h: 48", "    duration_h: 48")},
             "not valid YAML"),
        Case("unclosed bracket", {"case.yaml": _edit(text, "programs: [general, ready, sentri]",
                                                            "programs: [general, ready, sentri, {", 1)},
             "not valid YAML"),
        Case("non-UTF-8 byte", {"case.yaml": _edit_bytes(text.encode(), b"Otay Mesa NB", b"Otay Mesa \xff NB", 1)},
             "not UTF-8 text (byte 0xff)"),
        Case("latin-1 file", {"case.yaml": _edit(text, "Otay Mesa NB", "Otay Mesa – Garita NB", 1).encode(
            "cp1252")}, "not UTF-8 text"),
        Case("UTF-16 file", {"case.yaml": text.encode("utf-16")}, "not UTF-8 text"),
        Case("control character", {"case.yaml": _edit(text, "Otay Mesa NB", "Otay Mesa\x1b[31m NB", 1)},
             "not valid YAML: character #x001b is not allowed"),
        Case("NUL byte", {"case.yaml": text + "\x00\n"}, "not valid YAML: character #x0000 is not allowed"),
        Case("binary garbage", {"case.yaml": bytes(range(256)) * 8}, "not UTF-8 text"),
        Case("duplicate top-level key", {"case.yaml": text + "\nseed: 5\n"}, "seed: duplicate key"),
        Case("duplicate nested key", {"case.yaml": _edit(text, "  drain_h: 6\n", "  drain_h: 6\n  drain_h: 7\n")},
             "window.drain_h: duplicate key"),
        Case("hour 25 timestamp", {"case.yaml": _edit(text, "start: 2017-03-07T00:00", "start: 2017-03-07 25:00:00")},
             "window.start: cannot read this value"),
        Case("5000-digit number", {"case.yaml": _edit(text, "seed: 20170307", "seed: " + "7" * 5000)},
             "seed: cannot read this value"),
        Case("unhashable key", {"case.yaml": text + "\n? [a, b]\n: c\n"}, "not valid YAML: found unhashable key"),
        Case("python object tag", {"case.yaml": _edit(text, 'name: "Otay', 'name: !!python/object/apply:os.getcwd []'
                                                             '\nold_name: "Otay', 1)}, "not valid YAML"),
        Case("merge key into nothing", {"case.yaml": text + "\nextra: {<<: 3}\n"}, "not valid YAML"),
        Case("unknown top-level field", {"case.yaml": text + "\nstaff: {day: 10}\n"}, "staff: unknown field"),
    ]


def _alias_bomb(levels: int = 9) -> str:
    lines = ['lol0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"lol{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def _sparse(size: int) -> FileMaker:
    def make(p: Path) -> None:
        with p.open("wb") as f:
            f.truncate(size)
    return make


def _fifo(p: Path) -> None:
    os.mkfifo(p)


def _symlink_to(target: str) -> FileMaker:
    def make(p: Path) -> None:
        os.symlink(target, p)
    return make


def _mkdir(p: Path) -> None:
    p.mkdir()


def resource_cases() -> list[Case]:
    base = OTAY_MESA.read_text()
    return [
        Case("alias bomb 9 levels", {"case.yaml": _alias_bomb(9)}, "values once aliases (*name) are expanded",
             blocking=True),
        Case("alias bomb inside a scenario", {"case.yaml": base + "\n" + _alias_bomb(7).replace("lol", "zz")},
             "values once aliases (*name) are expanded", blocking=True),
        Case("recursive alias", {"case.yaml": "name: &n [1, *n]\n"}, "alias *n is used inside the collection"),
        Case("nesting 25 deep", {"case.yaml": "name: " + "[" * 25 + "]" * 25 + "\n"}, "nested more than",
             blocking=True),
        Case("nesting 100000 deep", {"case.yaml": "name: " + "[" * 100_000 + "]" * 100_000 + "\n"}, "nest",
             blocking=True),
        Case("mapping nesting 1500 deep", {"case.yaml": "".join(f"{' ' * i}k{i}:\n" for i in range(1500))}, "nest",
             blocking=True),
        Case("3 MB file", {"case.yaml": base + "\n#" + "x" * 3_000_000 + "\n"}, "more than a scenario file may be"),
        Case("50 MB sparse file", {"case.yaml": _sparse(50 * 1024 * 1024)}, "more than a scenario file may be",
             blocking=True),
        Case("case is a pipe", {"case.yaml": _fifo}, "not a regular file", blocking=True),
        Case("case is a directory", {"case.yaml": _mkdir}, "a directory"),
        Case("case links to /dev/zero", {"case.yaml": _symlink_to("/dev/zero")}, "not a regular file", blocking=True),
        Case("case does not exist", {}, "file not found"),
        Case("extends /dev/zero", {"case.yaml": "extends: /dev/zero\nname: x\n"}, "extends: expected a scenario file",
             blocking=True),
        Case("extends a pipe", {"case.yaml": "extends: parent.yaml\nname: x\n", "parent.yaml": _fifo},
             "not a regular file", where="parent.yaml", blocking=True),
        Case("extends a link to /dev/zero", {"case.yaml": "extends: parent.yaml\n",
                                             "parent.yaml": _symlink_to("/dev/zero")},
             "outside the scenario tree", blocking=True),
        Case("extends /etc/passwd", {"case.yaml": "extends: /etc/passwd\nname: x\n"},
             "extends: expected a scenario file"),
        Case("extends passwd as yaml", {"case.yaml": "extends: ../../../../../../../../etc/passwd.yaml\n"},
             "outside the scenario tree"),
        Case("extends out of the tree", {"case.yaml": "extends: ../elsewhere/base.yaml\nname: x\n",
                                         "../elsewhere/base.yaml": base}, "outside the scenario tree"),
        Case("extends a link out of the tree", {"case.yaml": "extends: base.yaml\n",
                                                "base.yaml": _symlink_to(str(OTAY_MESA))},
             "outside the scenario tree"),
        Case("extends a missing file", {"case.yaml": "extends: nowhere.yaml\nname: x\n"}, "extends: parent file"),
        Case("extends itself", {"case.yaml": "extends: case.yaml\nname: x\n"}, "extends: circular chain"),
        Case("extends in a circle", {"case.yaml": "extends: b.yaml\n", "b.yaml": "extends: case.yaml\n"},
             "circular chain", where="b.yaml"),
        Case("extends a directory", {"case.yaml": "extends: d.yaml\n", "d.yaml": _mkdir}, "a directory",
             where="d.yaml"),
        Case("extends a text file", {"case.yaml": "extends: notes.txt\n", "notes.txt": "hello\n"},
             "extends: expected a scenario file ending in .yaml"),
        Case("extends a secrets file", {"case.yaml": "extends: secrets.yaml\n",
                                        "secrets.yaml": f"api_token: {SECRET}\npassword: {SECRET}\n"},
             "not a scenario file", where="secrets.yaml", secret=SECRET),
        Case("extends a secrets file that looks like yaml config", {
            "case.yaml": "extends: config.yaml\nname: x\n",
            "config.yaml": f"name: {SECRET}\ncredentials: {{token: {SECRET}}}\n"},
            "not a scenario file", where="config.yaml", secret=SECRET),
        Case("extends a parent with a bad value", {"case.yaml": "extends: base.yaml\nname: child\n",
                                                   "base.yaml": base.replace("duration_h: 48", "duration_h: .inf")},
             "window.duration_h", where="base.yaml"),
        Case("extends a parent alias bomb", {"case.yaml": "extends: bomb.yaml\n", "bomb.yaml": _alias_bomb(9)},
             "values once aliases", where="bomb.yaml", blocking=True),
        Case("extends a huge parent", {"case.yaml": "extends: big.yaml\n", "big.yaml": _sparse(40 * 1024 * 1024)},
             "more than a scenario file may be", where="big.yaml", blocking=True),
        Case("extends a non-UTF-8 parent", {"case.yaml": "extends: base.yaml\n",
                                            "base.yaml": base.encode().replace(b"Otay", b"Ot\xe1y", 1)},
             "not UTF-8", where="base.yaml"),
        Case("child sets a bad value over a good parent", {"case.yaml": "extends: base.yaml\nwindow: {drain_h: -1}\n",
                                                           "base.yaml": base}, "window.drain_h"),
        Case("child deletes a required field", {"case.yaml": "extends: base.yaml\nwindow: null\n",
                                                "base.yaml": base}, "window: required field is missing"),
    ]


def handwritten_cases() -> list[Case]:
    defaults = {"utf16.yaml": "not UTF-8 text"}
    out = []
    for p in sorted(HANDWRITTEN.glob("*.yaml")):
        raw = p.read_bytes()
        first = raw.split(b"\n", 1)[0].decode("utf-8", "replace")
        expect = first.removeprefix("# expect:").strip() if first.startswith("# expect:") else defaults[p.name]
        out.append(Case(f"handwritten {p.name}", {"case.yaml": raw}, expect))
    return out


def all_cases() -> list[Case]:
    cases = numeric_cases() + shape_cases() + whole_file_cases() + resource_cases() + handwritten_cases()
    ids = [c.id for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    return cases


def sample(cases: list[Case], n: int = 20) -> list[Case]:
    """A fixed spread of cases for the default test run: every kind, not only the first ones."""
    blocking = [c for c in cases if c.blocking][:6]
    rest = [c for c in cases if not c.blocking]
    step = max(1, len(rest) // (n - len(blocking)))
    return blocking + rest[::step][: n - len(blocking)]


__all__ = ["SECRET", "Case", "all_cases", "sample"]
