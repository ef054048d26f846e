"""One self-contained HTML page per result directory (``poesim report DIR``, ``--report``).

The page is built only from what the directory holds: ``manifest.json`` (what ran: scenarios as
resolved, seeds, replications, versions) and the CSV and PNG files of ``run``, ``compare``,
``sweep`` or ``staff``. Files written by later versions (delay costs, more plots) are picked up
when they exist: every PNG is embedded, every CSV is linked, and CSVs without a section of their
own get a generic table. Images are embedded as data URIs and the style is inline, with no script;
a Content-Security-Policy forbids any other resource, so the page opens from a file, offline, and
prints (``@media print``).
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__
from sim.errors import PoesimError

REPORT = "report.html"
MANIFEST = "manifest.json"
ALL = "all"
MODE_ORDER = {"vehicle": 0, "truck": 1, "pedestrian": 2}
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

FILE_NOTES = {
    "summary.csv": "waits by mode, lane group, program and clock hour (and whole day), with 95 % CIs",
    "by_band.csv": "the same by hour band",
    "queue.csv": "queue length, arrivals, throughput, lanes and booths open, utilisation by lane group and hour",
    "staffing.csv": "officers on duty, booths staffed and officer utilisation by roster and hour",
    "ports.csv": "travellers, share, mean wait and delay by stream, port and hour",
    "comparison_by_band.csv": "paired differences B − A by lane group and hour band, with 95 % CIs",
    "comparison_by_hour.csv": "paired differences B − A by lane group and clock hour, with 95 % CIs",
    "comparison_ports.csv": "travellers moved between ports and delay, B − A with 95 % CIs",
    "comparison.txt": "the comparison as printed on the console",
    "delay_costs.csv": "delay cost and emissions by mode, lane group and hour",
    "delay_cost_differences.csv": "delay cost and emissions, B − A with 95 % CIs",
    "sweep.csv": "waits at every grid point, lane group, program and hour band",
    "staffing.txt": "the staffing search report as printed on the console",
    "officer_hours.csv": "officers by hour: baseline roster against the roster found",
    "target_check.csv": "every targeted lane group and hour on the fresh replications",
    "search_trace.csv": "every roster the search simulated",
    "records.parquet": "one row per traveller and replication",
    "manifest.json": "what ran: scenarios as resolved, seeds, replications, versions, command",
}
PNG_NOTES = {
    "wait_by_hour.png": "Mean wait by hour of arrival (band: 95 % CI of the mean; dashed: p90).",
    "difference_by_hour.png": "Difference B − A in mean wait by hour, with its paired 95 % CI.",
    "wait_ecdf.png": "Wait distribution: share of travellers waiting at most x minutes.",
    "queue_by_hour.png": "Queue length and booth utilisation by hour.",
    "sweep.png": "Wait against the swept value (band: 95 % CI of the mean; dashed: p90).",
}


# --- reading a result directory --------------------------------------------------------------


@dataclass
class ResultDir:
    """A finished poesim output directory: its kind, manifest and files."""

    path: Path
    kind: str  # run, compare, sweep or staff
    manifest: dict[str, Any]
    used_png: set[str] = field(default_factory=set)
    used_csv: set[str] = field(default_factory=set)

    def csv(self, name: str) -> pd.DataFrame | None:
        """A CSV of the directory (hours as text: ``00``–``23``, bands, ``all``), or None."""
        p = self.path / name
        if not p.is_file():
            return None
        self.used_csv.add(name)
        try:
            return pd.read_csv(p, dtype={"hour": str, "time": str})
        except (pd.errors.EmptyDataError, pd.errors.ParserError):
            return None

    def png(self, name: str) -> str | None:
        """A PNG of the directory as a data URI, or None."""
        p = self.path / name
        if not p.is_file():
            return None
        self.used_png.add(name)
        return "data:image/png;base64," + base64.b64encode(p.read_bytes()).decode("ascii")

    @property
    def runs(self) -> list[dict[str, Any]]:
        """The manifests of the runs inside (one for run, one per scenario or grid point otherwise)."""
        m = self.manifest
        if self.kind == "compare":
            return [e for e in m.get("comparison", []) if isinstance(e, dict)]
        if self.kind == "sweep":
            return [e for e in m.get("runs", []) if isinstance(e, dict)]
        if self.kind == "run":
            return [m]
        return []


def open_result(path: str | os.PathLike[str]) -> ResultDir:
    """Read ``path`` as a result directory; raise PoesimError with a plain reason if it is not one."""
    d = Path(path)
    if not d.exists():
        raise PoesimError(f"{d}: no such directory")
    if not d.is_dir():
        raise PoesimError(f"{d}: not a directory (give the output directory of run, compare, sweep or staff)")
    m = d / MANIFEST
    if not m.is_file():
        raise PoesimError(f"{d}: not a poesim result directory (no {MANIFEST}; a run that did not finish writes "
                          "none)")
    try:
        doc = json.loads(m.read_text())
    except (OSError, ValueError) as exc:
        raise PoesimError(f"{m}: cannot read the manifest ({exc})") from None
    if not isinstance(doc, dict):
        raise PoesimError(f"{m}: not a poesim manifest")
    if isinstance(doc.get("comparison"), list):
        kind = "compare"
    elif isinstance(doc.get("settings"), list) and isinstance(doc.get("runs"), list):
        kind = "sweep"
    elif "targets" in doc and "fresh_check" in doc:
        kind = "staff"
    elif "resolved_scenario" in doc:
        kind = "run"
    else:
        raise PoesimError(f"{m}: not a manifest of run, compare, sweep or staff")
    return ResultDir(d, kind, doc)


# --- HTML helpers ------------------------------------------------------------------------------


class Raw(str):
    """Text that is already HTML (not escaped again)."""


def _h(x: object) -> str:
    return x if isinstance(x, Raw) else html.escape(str(x))


def _num(x: object, digits: int = 1, sign: bool = False) -> str:
    """A number for a table: fixed decimals, '—' when missing; a proper minus sign."""
    try:
        v = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "—"
    if np.isnan(v):
        return "—"
    if np.isinf(v):
        return "∞" if v > 0 else "−∞"
    text = f"{v:+,.{digits}f}" if sign else f"{v:,.{digits}f}"
    return text.replace("-", "−")


def _ci(mean: object, lo: object, hi: object, digits: int = 1) -> Raw:
    """``mean [lo, hi]`` with the interval set small."""
    m = _num(mean, digits)
    if m == "—" or _num(lo) == "—":
        return Raw(html.escape(m))
    return Raw(f'{m} <span class="ci">[{_num(lo, digits)}, {_num(hi, digits)}]</span>')


def verdict(diff: float, lo: float, hi: float, lower_is_better: bool = True) -> str:
    """'better', 'worse', 'unclear' (the 95 % CI includes 0) or 'same' (no difference at all)."""
    if np.isnan(diff):
        return "unclear"
    if diff == 0 and (np.isnan(lo) or (lo == 0 and hi == 0)):
        return "same"
    if np.isnan(lo) or np.isnan(hi) or lo <= 0 <= hi:
        return "unclear"
    up = lo > 0
    return "worse" if up == lower_is_better else "better"


def _diff(diff: object, lo: object, hi: object, digits: int = 1, lower_is_better: bool | None = True) -> Raw:
    """``+1.2 [−0.3, +2.7]`` coloured by whether B is better, worse or not clearly different
    (``lower_is_better=None``: a change that is neither, e.g. drivers moving between ports)."""
    d, a, b = (float(x) if x is not None else np.nan for x in (diff, lo, hi))  # type: ignore[arg-type]
    cls = verdict(d, a, b, True if lower_is_better is None else lower_is_better)
    if lower_is_better is None and cls in ("better", "worse"):
        cls = "changed"
    text = _num(d, digits, sign=True)
    if not np.isnan(a):
        text += f' <span class="ci">[{_num(a, digits, sign=True)}, {_num(b, digits, sign=True)}]</span>'
    return Raw(f'<span class="{cls}">{text}</span>')


def _table(head: Sequence[object], rows: Iterable[Sequence[object]], cls: str = "", caption: str = "") -> str:
    body = "".join("<tr>" + "".join(f"<td>{_h(c)}</td>" for c in row) + "</tr>" for row in rows)
    cap = f'<p class="caption">{_h(caption)}</p>' if caption else ""
    return (f'{cap}<div class="scroll"><table class="{cls}"><thead><tr>'
            + "".join(f"<th>{_h(c)}</th>" for c in head) + f"</tr></thead><tbody>{body}</tbody></table></div>")


def _figure(rd: ResultDir, name: str, alt: str) -> str:
    uri = rd.png(name)
    if uri is None:
        return ""
    note = PNG_NOTES.get(name, "")
    return (f'<figure><img src="{uri}" alt="{_h(alt)}"><figcaption>{_h(note)} '
            f'<span class="file">({_h(name)})</span></figcaption></figure>')


def _section(sid: str, title: str, body: str) -> tuple[str, str, str]:
    return sid, title, body


def _lane_label(mode: str, lg: str) -> str:
    return f"all {mode} lanes" if lg == ALL else lg


def _lane_keys(d: pd.DataFrame) -> list[tuple[str, str]]:
    """(mode, lane group) pairs, vehicles first; a mode's pooled 'all' only when it has several groups."""
    keys = list(dict.fromkeys(zip(d["mode"], d["lane_group"], strict=True)))
    keys = [(m, g) for m, g in keys if g != ALL or sum(1 for m2, g2 in keys if m2 == m and g2 != ALL) > 1]
    return sorted(keys, key=lambda k: (MODE_ORDER.get(k[0], 9), k[1] == ALL, k[1]))


def _hours(d: pd.DataFrame) -> list[str]:
    return sorted(h for h in d["hour"].dropna().unique() if h != ALL)


def _pick(d: pd.DataFrame, **eq: str) -> pd.DataFrame:
    for k, v in eq.items():
        d = d[d[k] == v]
    return d


# --- assumptions ---------------------------------------------------------------------------


def _library_parts(p: str) -> tuple[str, str] | None:
    """('region', root) when ``p`` lies in <root>/scenarios/region/..., for each library folder."""
    parts = Path(p).parts
    for i in range(len(parts) - 2):
        if parts[i] == "scenarios":
            return parts[i + 1], str(Path(*parts[:i])) if i else "."
    return None


def validation_status(scenario_file: str, chain: Sequence[str]) -> tuple[str, str, str, str | None]:
    """What the scenario stands on: (css class, short label, sentence, validation document or None).

    Decided by where the file and the files it extends lie: ``scenarios/region/`` is the validated
    region model, ``scenarios/otay_mesa|san_ysidro/`` the derived per-port baselines,
    ``scenarios/theory/`` synthetic checks; anything else is unknown."""
    found = [lr for f in [*chain, scenario_file] if (lr := _library_parts(f)) is not None]
    libs = [lib for lib, _ in found]
    root = found[0][1] if found else "."
    own = _library_parts(scenario_file)
    if "region" in libs:
        base = own is not None and own[0] == "region" and Path(scenario_file).stem == "baseline" and len(chain) <= 1
        text = ("The staffed region model (San Ysidro and Otay Mesa in one run, officers on CBP's 2017 roster, "
                "drivers choosing port by posted waits), validated out of sample: fitted on one port's waits, "
                "the other port's waits and every lane type's lanes open are predictions. Its errors by lane type: "
                "{doc}.")
        if not base:
            text += (" This scenario changes that model; what it changes (below) is an assumption of the what-if, "
                     "not validated.")
        return "validated", "validated region model" if base else "what-if on the validated region model", text, \
            str(Path(root) / "calibration" / "VALIDATION.md")
    if any(lib in ("otay_mesa", "san_ysidro") for lib in libs):
        return ("derived", "per-port baseline (derived)",
                "A per-port baseline: officers hold a fitted target wait, so it reproduces 2017's waits but barely "
                "responds to more lanes or demand; trucks and pedestrians are derived, not calibrated ({doc}). "
                "For passenger-vehicle what-ifs use the region model (scenarios/region/).",
                str(Path(root) / "calibration" / "VALIDATION_PORTS.md"))
    if "theory" in libs:
        return ("synthetic", "synthetic (queueing theory)",
                "A synthetic scenario for checking the engine against queueing theory; not a port.", None)
    return ("unknown", "not from the scenario library",
            "Not from the scenario library (scenarios/): its validation status is unknown.", None)


def _daily(demand: dict[str, Any]) -> float:
    """Travellers on the scenario's base day from a stream's demand (rate_per_h or daily_volume)."""
    if isinstance(demand.get("rate_per_h"), list):
        return float(sum(demand["rate_per_h"]))
    if isinstance(demand.get("daily_volume"), int | float):
        return float(demand["daily_volume"])
    return float("nan")


def _lanes_text(g: dict[str, Any]) -> str:
    parts = [f"{g.get('lanes', '?')} lanes"]
    if g.get("booths_per_lane", 1) != 1:
        parts[0] += f" × {g['booths_per_lane']} booths"
    pol = g.get("policy")
    if isinstance(pol, dict):
        parts.append(f"open {pol.get('min_lanes', '?')}–{pol.get('max_lanes', g.get('lanes', '?'))} by the line "
                     f"(band {_num(pol.get('low_wait_min'), 0)}–{_num(pol.get('high_wait_min'), 0)} min)")
    else:
        lo = g.get("lanes_open")
        if isinstance(lo, list) and lo and all(isinstance(x, int | float) for x in lo):
            parts.append(f"{min(lo)}–{max(lo)} open by schedule")
        elif isinstance(lo, int | float):
            parts.append(f"{lo} open")
    if g.get("staffed_by"):
        parts.append(f"staffed by {g['staffed_by']}")
    return "; ".join(parts)


def _header_assumptions(path: str) -> list[str]:
    """Lines of a scenario file's header comment that state an assumption ('# Staffing assumption: ...')."""
    try:
        lines = Path(path).read_text().splitlines()[:60]
    except OSError:
        return []
    out = []
    for line in lines:
        if not line.startswith("#"):
            break
        text = line.lstrip("#").strip()
        if re.match(r"^([A-Za-z]+ )?assumptions?:", text, re.IGNORECASE):
            out.append(text)
    return out[:4]


def _href(target: str | Path, report: Path) -> str | None:
    """A relative link from the report to an existing file, or None."""
    t = Path(target)
    if not t.is_file():
        return None
    return Path(os.path.relpath(t.resolve(), report.resolve().parent)).as_posix()


def scenario_card(run: dict[str, Any], label: str, report: Path, paired: bool = False) -> str:
    """Assumptions of one scenario: file, validation status, window, demand, lanes, staffing."""
    sc = run.get("resolved_scenario") or {}
    file = str(run.get("scenario_file", "?"))
    chain = [str(c) for c in run.get("extends_chain", [])]
    cls, short, text, doc = validation_status(file, chain)
    link = _href(doc, report) if doc else None
    doc_name = f"calibration/{Path(doc).name}" if doc else ""
    doc_html = f'<a href="{_h(link)}">{_h(doc_name)}</a>' if link else f"<code>{_h(doc_name)}</code>"
    extends = " extends " + ", ".join(f"<code>{_h(Path(c).name)}</code>" for c in chain[1:]) if len(chain) > 1 else ""
    w = sc.get("window", {})
    rows: list[list[object]] = [
        ["scenario file", Raw(f"<code>{_h(file)}</code>{extends}")],
        ["validation", Raw(f'<span class="badge {cls}">{_h(short)}</span> ' + _h(text).replace("{doc}", doc_html))],
        ["replications, seed", f"{run.get('replications', '?')} replications, seed {run.get('seed', '?')}"
                               + (" (the same travellers in every scenario: common random numbers)" if paired
                                  else "")],
        ["window", f"{_num(w.get('duration_h'), 0)} h from {w.get('start', '?')}, of which the first "
                   f"{_num(w.get('warmup_h'), 0)} h warm up (not counted); {_num(w.get('drain_h'), 0)} h of drain"],
    ]
    if sc.get("description"):
        rows.append(["description", sc["description"]])
    for a in _header_assumptions(file):
        rows.append(["from the file", a])
    streams = sc.get("streams", {})
    by_mode: dict[str, float] = {}
    calendar = False
    for s in streams.values():
        dmd = s.get("demand", {})
        by_mode[s.get("mode", "?")] = by_mode.get(s.get("mode", "?"), 0.0) + _daily(dmd)
        calendar |= any(dmd.get(k) for k in ("weekday_factor", "by_weekday", "month_factor"))
    demand = "; ".join(f"{m}: {_num(v, 0)} a day" for m, v in by_mode.items())
    demand += " (a 24-hour day of the hourly profile" + ("; weekday and month factors apply)" if calendar else ")")
    rows.append(["demand (before drivers respond)",
                 f"{demand}, in {len(streams)} stream{'s' if len(streams) != 1 else ''}"])
    groups = sc.get("lane_groups", {})
    rows.append(["lanes", Raw("<br>".join(f"<b>{_h(n)}</b> ({_h(g.get('mode', '?'))}): {_h(_lanes_text(g))}"
                                          for n, g in groups.items()))])
    rosters = sc.get("staffing") or {}
    if rosters:
        staff = []
        for n, r in rosters.items():
            off = r.get("officers", [])
            total = sum(off) if isinstance(off, list) else off
            line = f"<b>{_h(n)}</b>: {_h(_num(total, 0))} officer-hours a day"
            if isinstance(off, list) and off:
                line += f" ({_h(min(off))}–{_h(max(off))} on duty by hour)"
            if r.get("keep_staffed"):
                line += "; every officer on duty staffs a booth while a line waits"
            if r.get("description"):
                line += f" — {_h(r['description'])}"
            staff.append(line)
        rows.append(["staffing (officer rosters)", Raw("<br>".join(staff))])
    else:
        rows.append(["staffing", "no officer roster: lanes open by schedule or policy within their lane limits"])
    return f'<div class="card"><h3>{_h(label)}</h3>' + _table(["", ""], rows, cls="kv") + "</div>"


def _flatten(x: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(x, dict):
        out: dict[str, Any] = {}
        for k, v in x.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    return {prefix: x}


def _value_text(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, list) and len(v) > 6 and all(isinstance(x, int | float) for x in v):
        k = 0 if all(float(x).is_integer() for x in v) else 1
        return f"{len(v)} values ({'hourly, ' if len(v) == 24 else ''}{_num(min(v), k)}–{_num(max(v), k)}), " \
               f"total {_num(sum(v), k)}"
    text = json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else str(v)
    return text if len(text) <= 80 else text[:77] + "…"


def scenario_changes(a: dict[str, Any], b: dict[str, Any], limit: int = 40) -> list[list[object]]:
    """What B's resolved scenario sets differently from A's: (field, A, B) rows."""
    fa, fb = _flatten(a), _flatten(b)
    rows: list[list[object]] = []
    for k in sorted(set(fa) | set(fb)):
        if k in ("name", "description") or fa.get(k) == fb.get(k):
            continue
        rows.append([Raw(f"<code>{_h(k)}</code>"), _value_text(fa.get(k)), _value_text(fb.get(k))])
    if len(rows) > limit:
        rows = rows[:limit] + [[f"… and {len(rows) - limit} more fields", "", ""]]
    return rows


# --- sections --------------------------------------------------------------------------------


def _headline_run(s: pd.DataFrame) -> str:
    d = _pick(s, program=ALL, hour=ALL)
    one_mode = d["mode"].nunique() == 1
    rows = []
    for mode, lg in _lane_keys(d):
        r = _pick(d, mode=mode, lane_group=lg).iloc[0]
        rows.append([_lane_label(mode, lg), *([] if one_mode else [mode]), _num(r["n"], 0), _num(r["n_unserved"], 0),
                     _ci(r["mean_wait_min"], r["mean_wait_min_lo"], r["mean_wait_min_hi"]),
                     _ci(r["p50_wait_min"], r["p50_wait_min_lo"], r["p50_wait_min_hi"]),
                     _ci(r["p95_wait_min"], r["p95_wait_min_lo"], r["p95_wait_min_hi"]),
                     _num(r["max_wait_min"])])
    return _table(["lane group", *([] if one_mode else ["mode"]), "travellers / replication", "unserved",
                   "mean wait (min) [95 % CI]", "p50 [95 % CI]", "p95 [95 % CI]", "max"], rows, cls="num")


def _wait_sentence(label: str, r: pd.Series) -> tuple[str, str]:
    """A plain sentence on the change in mean wait of one lane group, and its verdict."""
    v = verdict(r["mean_wait_min_diff"], r["mean_wait_min_diff_lo"], r["mean_wait_min_diff_hi"])
    a, b = _num(r["mean_wait_min_a"]), _num(r["mean_wait_min_b"])
    lo, hi = _num(r["mean_wait_min_diff_lo"], sign=True), _num(r["mean_wait_min_diff_hi"], sign=True)
    if v == "same":
        return f"<b>{_h(label)}</b>: the same waits in every replication ({a} min).", v
    if v == "unclear":
        return (f"<b>{_h(label)}</b>: <span class=\"unclear\">no clear change</span> in the mean wait, {a} → {b} min "
                f"(the 95 % CI of B − A, {lo} to {hi} min, includes 0).", v)
    word = "shorter" if v == "better" else "longer"
    return (f"<b>{_h(label)}</b>: mean wait <span class=\"{v}\">{_num(abs(float(r['mean_wait_min_diff'])))} min "
            f"{word}</span> with B, {a} → {b} min (95 % CI of B − A: {lo} to {hi} min).", v)


def _region_sentence(ports: pd.DataFrame | None, scen: str) -> str:
    """Travellers crossing and their delay in the region, A → B, where drivers choose their port."""
    if ports is None or ports.empty:
        return ""
    d = _pick(ports, stream=ALL, hour=ALL)
    d = d[d["scenario"] == scen]
    if d["port"].nunique() <= 3 and not (_pick(d, port="gave_up")[["travellers_per_day_a", "travellers_per_day_b"]]
                                         .to_numpy() > 0).any():
        return ""
    r = _pick(d, port=ALL)
    if r.empty:
        return ""
    x = r.iloc[0]
    return (f"<b>Region</b>: {_num(x['travellers_per_day_a'], 0)} → {_num(x['travellers_per_day_b'], 0)} travellers "
            "crossing a day (B − A "
            + _diff(x["travellers_per_day_diff"], x["travellers_per_day_diff_lo"], x["travellers_per_day_diff_hi"], 0,
                    lower_is_better=False)
            + f"); their delay {_num(x['delay_veh_h_per_day_a'], 0)} → {_num(x['delay_veh_h_per_day_b'], 0)} "
            "vehicle-hours a day (B − A "
            + _diff(x["delay_veh_h_per_day_diff"], x["delay_veh_h_per_day_diff_lo"],
                    x["delay_veh_h_per_day_diff_hi"], 0) + ").")


def _compare_headline(d: pd.DataFrame, tags: dict[str, str], ports: pd.DataFrame | None) -> str:
    """Per what-if: sentences for the lane groups, then mean/p50/p95 A → B and B − A with paired CIs."""
    whole = _pick(d, program=ALL, hour=ALL)
    several = len(tags) > 2
    out = []
    for scen, ds in whole.groupby("scenario", sort=False):
        sentences = []
        rows = []
        verdicts = []
        one_mode = ds["mode"].nunique() == 1
        for mode, lg in _lane_keys(ds):
            r = _pick(ds, mode=mode, lane_group=lg).iloc[0]
            label = _lane_label(mode, lg)
            sentence, v = _wait_sentence(label, r)
            sentences.append(sentence)
            if lg != ALL or _pick(ds, mode=mode)["lane_group"].nunique() <= 2:
                verdicts.append(v)
            rows.append([label, *([] if one_mode else [mode]),
                         f"{_num(r['mean_wait_min_a'])} → {_num(r['mean_wait_min_b'])}",
                         _diff(r["mean_wait_min_diff"], r["mean_wait_min_diff_lo"], r["mean_wait_min_diff_hi"]),
                         f"{_num(r['p50_wait_min_a'])} → {_num(r['p50_wait_min_b'])}",
                         _diff(r["p50_wait_min_diff"], r["p50_wait_min_diff_lo"], r["p50_wait_min_diff_hi"]),
                         f"{_num(r['p95_wait_min_a'])} → {_num(r['p95_wait_min_b'])}",
                         _diff(r["p95_wait_min_diff"], r["p95_wait_min_diff_lo"], r["p95_wait_min_diff_hi"]),
                         _num(r["pairs"], 0)])
        region = _region_sentence(ports, str(scen))
        count = {k: verdicts.count(k) for k in ("better", "worse", "unclear", "same")}
        summary = (f"<p class=\"lead\">With {tags.get(str(scen), 'B')}, the mean wait is "
                   f"<span class=\"better\">shorter in {count['better']}</span>, "
                   f"<span class=\"worse\">longer in {count['worse']}</span> and not clearly different in "
                   f"{count['unclear'] + count['same']} of {len(verdicts)} lane groups.</p>")
        title = f"<h3>{tags.get(str(scen), 'B')} = {_h(scen)}</h3>" if several else ""
        out.append(title + summary + '<ul class="verdicts">' + "".join(f"<li>{s}</li>" for s in sentences)
                   + (f"<li>{region}</li>" if region else "") + "</ul>"
                   + _table(["lane group", *([] if one_mode else ["mode"]), "mean A → B (min)", "B − A [95 % CI]",
                             "p50 A → B", "B − A", "p95 A → B", "B − A", "pairs"], rows, cls="num"))
    legend = ('<p class="legend">B − A in minutes over paired replications (common random numbers); '
              '<span class="better">green: B shorter</span>, <span class="worse">red: B longer</span> '
              '(95 % CI excludes 0); <span class="unclear">grey: no clear difference</span>.</p>')
    return "".join(out) + legend


def _ports_compare(rd: ResultDir) -> str:
    d = rd.csv("comparison_ports.csv")
    if d is None or d.empty:
        return ""
    d = _pick(d, stream=ALL, hour=ALL)
    out = []
    for scen, ds in d.groupby("scenario", sort=False):
        rows = []
        for _, r in ds.iterrows():
            gave_up = r["port"] == "gave_up"
            rows.append([r["port"] if not gave_up else "did not cross (gave up)",
                         f"{_num(r['travellers_per_day_a'], 0)} → {_num(r['travellers_per_day_b'], 0)}",
                         _diff(r["travellers_per_day_diff"], r["travellers_per_day_diff_lo"],
                               r["travellers_per_day_diff_hi"], 0,
                               lower_is_better=True if gave_up else (False if r["port"] == ALL else None)),
                         "—" if gave_up else f"{_num(r['mean_wait_min_a'])} → {_num(r['mean_wait_min_b'])}",
                         "—" if gave_up else f"{_num(r['delay_veh_h_per_day_a'], 0)} → "
                                             f"{_num(r['delay_veh_h_per_day_b'], 0)}",
                         "—" if gave_up else _diff(r["delay_veh_h_per_day_diff"], r["delay_veh_h_per_day_diff_lo"],
                                                   r["delay_veh_h_per_day_diff_hi"], 0)])
        out.append(f"<h3>B = {_h(scen)}</h3>" + _table(
            ["port", "travellers a day A → B", "B − A [95 % CI]", "mean wait A → B (min)",
             "delay A → B (vehicle-hours a day)", "B − A [95 % CI]"], rows, cls="num"))
    return ("<p>Where drivers choose their port by the posted waits, a change at one port moves drivers to the "
            "other or keeps them from crossing; 'all' is the region.</p>" + "".join(out))


def _ports_run(rd: ResultDir) -> str:
    d = rd.csv("ports.csv")
    if d is None or d.empty:
        return ""
    d = _pick(d, stream=ALL, hour=ALL)
    if d["port"].nunique() <= 3 and not (_pick(d, port="gave_up")["travellers_per_day"] > 0).any():
        return ""  # one port and nobody gave up
    rows = [[r["port"] if r["port"] != "gave_up" else "did not cross (gave up)",
             _ci(r["travellers_per_day"], r["travellers_per_day_lo"], r["travellers_per_day_hi"], 0),
             _num(100 * r["share"]),
             "—" if r["port"] == "gave_up" else _ci(r["mean_wait_min"], r["mean_wait_min_lo"], r["mean_wait_min_hi"]),
             "—" if r["port"] == "gave_up" else _num(r["delay_veh_h_per_day"], 0)] for _, r in d.iterrows()]
    return _table(["port", "travellers a day [95 % CI]", "share %", "mean wait (min)", "delay (vehicle-hours a day)"],
                  rows, cls="num")


def _warnings(rd: ResultDir, summary: pd.DataFrame | None, queue: pd.DataFrame | None) -> str:
    """Travellers never served, and long stretches of arrivals above what the booths served."""
    from sim.results import overloaded_hours

    items = []
    if summary is not None and "n_unserved" in summary:
        whole = _pick(summary, lane_group=ALL, program=ALL, hour=ALL)
        whole = whole[whole["n_unserved"].fillna(0) > 0]
        for _, r in whole.iterrows():
            who = f"{r['scenario']}: " if "scenario" in whole else ""
            items.append(f"{_h(who)}<b>{_num(r['n_unserved'], 0)} of {_num(r['n'], 0)} {_h(r['mode'])} travellers "
                         f"per replication ({_num(100 * r['n_unserved'] / r['n'], 0)} %) were still waiting when the "
                         "run ended</b> and never served: their waits count only up to then, so the waits here "
                         "understate them (lengthen window.drain_h, or add lanes or officers).")
    if queue is not None and "arrivals_per_h" in queue:
        groups = queue.groupby("scenario", sort=False) if "scenario" in queue else [(None, queue)]
        for scen, q in groups:
            for _, o in overloaded_hours(q.drop(columns=["scenario"], errors="ignore")).iterrows():
                who = f"{scen!s}: " if scen is not None else ""
                items.append(f"{_h(who)}{_h(o['mode'])} arrivals exceed what the open booths serve in hours "
                             f"{_h(o['hours'])}: {_num(o['arrivals_per_h'], 0)} arrivals an hour against "
                             f"{_num(o['throughput_per_h'], 0)} served ({_num(o['excess_pct'], 0, sign=True)} %); "
                             "waits there keep growing and depend on how long the run is.")
    if not items:
        return ""
    return '<div class="warning"><h3>Warnings</h3><ul>' + "".join(f"<li>{i}</li>" for i in items) + "</ul></div>"


def _hourly_run_table(s: pd.DataFrame) -> str:
    d = _pick(s, program=ALL)
    keys = _lane_keys(d)
    rows = []
    for h in _hours(d):
        row: list[object] = [f"{h}:00"]
        for mode, lg in keys:
            c = _pick(d, mode=mode, lane_group=lg, hour=h)
            if c.empty:
                row.append("—")
                continue
            r = c.iloc[0]
            row.append(Raw(_ci(r["mean_wait_min"], r["mean_wait_min_lo"], r["mean_wait_min_hi"])
                           + f'<br><span class="p95">p95 {_num(r["p95_wait_min"])}</span>'))
        rows.append(row)
    return _table(["hour", *(_lane_label(m, g) for m, g in keys)], rows, cls="num hourly",
                  caption="Mean wait (min) [95 % CI] and p95 by clock hour of arrival")


def _hourly_compare_table(d: pd.DataFrame) -> str:
    d = _pick(d, program=ALL)
    out = []
    for scen, ds in d.groupby("scenario", sort=False):
        keys = _lane_keys(ds)
        rows = []
        for h in _hours(ds):
            row: list[object] = [f"{h}:00"]
            for mode, lg in keys:
                c = _pick(ds, mode=mode, lane_group=lg, hour=h)
                if c.empty:
                    row.append("—")
                    continue
                r = c.iloc[0]
                row.append(Raw(f"{_num(r['mean_wait_min_a'])} → {_num(r['mean_wait_min_b'])}<br>"
                               + _diff(r["mean_wait_min_diff"], r["mean_wait_min_diff_lo"],
                                       r["mean_wait_min_diff_hi"])))
            rows.append(row)
        out.append(_table(["hour", *(_lane_label(m, g) for m, g in keys)], rows, cls="num hourly",
                          caption=f"Mean wait A → B (min) and B − A [paired 95 % CI] by clock hour; B = {scen}"))
    return "".join(out)


def _distribution_table(s: pd.DataFrame) -> str:
    d = _pick(s, program=ALL, hour=ALL)
    scenarios = list(dict.fromkeys(d["scenario"])) if "scenario" in d else [None]
    rows = []
    for mode, lg in _lane_keys(d):
        for k, scen in enumerate(scenarios):
            c = _pick(d, mode=mode, lane_group=lg)
            if scen is not None:
                c = c[c["scenario"] == scen]
            if c.empty:
                continue
            r = c.iloc[0]
            tag = [] if scen is None else [("A" if k == 0 else f"B{k if len(scenarios) > 2 else ''}")]
            rows.append([_lane_label(mode, lg), *tag,
                         *(_ci(r[f"{m}_wait_min"], r[f"{m}_wait_min_lo"], r[f"{m}_wait_min_hi"])
                           for m in ("p50", "p90", "p95", "max"))])
    head = ["lane group", *([] if scenarios == [None] else ["scenario"]), "p50 (min)", "p90", "p95", "max"]
    return _table(head, rows, cls="num", caption="Whole-day wait percentiles [95 % CI over replications]")


def _queue_cell(rs: list[pd.Series]) -> Raw:
    """Line, lanes open and booth utilisation of one lane group and hour (A → B when two rows)."""
    def seq(f: str, digits: int, scale: float = 1.0) -> str:
        return " → ".join(_num(scale * r[f], digits) for r in rs)

    return Raw(f'{seq("mean_queue", 0)} <span class="ci">in line</span><br>{seq("lanes_open", 1)} '
               f'<span class="ci">lanes</span><br>{seq("utilisation", 0, 100)} <span class="ci">% busy</span>')


def _queue_tables(q: pd.DataFrame) -> str:
    """By hour and lane group: time-average line, lanes open and booth utilisation; a what-if's as A → B."""
    if "scenario" in q:
        names = list(dict.fromkeys(q["scenario"]))
        pairs = [(names[0], b) for b in names[1:]] or [(names[0], None)]
    else:
        pairs = [(None, None)]
    out = []
    for a, b in pairs:
        da = q if a is None else q[q["scenario"] == a]
        db = None if b is None else q[q["scenario"] == b]
        keys = [k for k in _lane_keys(da if db is None else pd.concat([da, db])) if k[1] != ALL]
        rows = []
        for h in _hours(da if db is None else pd.concat([da, db])):
            row: list[object] = [f"{h}:00"]
            for mode, lg in keys:
                ca = _pick(da, mode=mode, lane_group=lg, hour=h)
                cb = None if db is None else _pick(db, mode=mode, lane_group=lg, hour=h)
                if ca.empty or (cb is not None and cb.empty):
                    row.append("—")
                    continue
                row.append(_queue_cell([ca.iloc[0]] + ([] if cb is None else [cb.iloc[0]])))
            rows.append(row)
        cap = "Time-average line (travellers), lanes open and booth utilisation (% of open booth time busy) by hour"
        if b is not None:
            cap += f", A → B with B = {b}"
        out.append(_table(["hour", *(g for _, g in keys)], rows, cls="num hourly", caption=cap))
    return "".join(out)


def _staffing_table(s: pd.DataFrame) -> str:
    cols = (list(dict.fromkeys(zip(s["scenario"], s["roster"], strict=True))) if "scenario" in s
            else [(None, r) for r in dict.fromkeys(s["roster"])])
    scen_names = list(dict.fromkeys(c[0] for c in cols))
    rows = []
    for h in _hours(s):
        row: list[object] = [f"{h}:00"]
        for scen, roster in cols:
            c = _pick(s, roster=roster, hour=h)
            if scen is not None:
                c = c[c["scenario"] == scen]
            if c.empty:
                row.append("—")
                continue
            r = c.iloc[0]
            row.append(Raw(f"{_num(r['officers_on_duty'], 0)} <span class=\"ci\">on duty</span> · "
                           f"{_num(r['booths_staffed'], 1)} <span class=\"ci\">staffed</span><br>"
                           f"{_num(100 * r['officer_utilisation'], 0)} % inspecting"))
        rows.append(row)
    totals: list[object] = ["day"]
    for scen, roster in cols:
        c = s[(s["roster"] == roster) & (s["hour"] != ALL)]
        if scen is not None:
            c = c[c["scenario"] == scen]
        totals.append(f"{_num(c['officers_on_duty'].sum(), 0)} officer-hours, "
                      f"{_num(c['booths_staffed'].sum(), 0)} booth-hours staffed")
    rows.append(totals)

    def label(scen: str | None, roster: str) -> str:
        if scen is None or len(scen_names) == 1:
            return roster
        k = scen_names.index(scen)
        return f"{roster} ({'A' if k == 0 else ('B' if len(scen_names) == 2 else f'B{k}')})"

    return _table(["hour", *(label(sc, r) for sc, r in cols)], rows, cls="num hourly",
                  caption="Officers on primary duty, booths they staffed and the share of their time inspecting")


_CI_SUFFIXES = (("_lo", "_hi"), ("_ci_low", "_ci_high"))


def generic_table(d: pd.DataFrame, max_rows: int = 60) -> str:
    """Any tidy CSV as a table: whole-day rows when it has an hour column, and each ``x`` with its
    ``x_lo``/``x_hi`` (or ``x_ci_low``/``x_ci_high``, ``x_mean``) as one cell ``x [lo, hi]``."""
    if "hour" in d and (d["hour"] == ALL).any():
        d = d[d["hour"] == ALL].drop(columns=["hour"])
    if "program" in d and (d["program"] == ALL).any():
        d = d[d["program"] == ALL].drop(columns=["program"])
    cols = list(d.columns)
    used: set[str] = set()
    head: list[str] = []
    cells: list[tuple[str, str | None, str | None]] = []
    for c in cols:
        if c in used:
            continue
        base = c[:-5] if c.endswith("_mean") else c
        candidates = [(base + lo, base + hi) for lo, hi in _CI_SUFFIXES]
        if c in ("mean", "diff", "value", "estimate"):  # long format: metric, mean, ci_low, ci_high
            candidates += [("ci_low", "ci_high"), ("lo", "hi")]
        bounds = next(((lo, hi) for lo, hi in candidates if lo in d and hi in d and lo != c), None)
        used.add(c)
        if bounds:
            used.update(bounds)
        if c.endswith("_unpaired_halfwidth") or c in ("replications", "pairs"):
            continue
        head.append(base.replace("_", " ") + (" [95 % CI]" if bounds else ""))
        cells.append((c, *(bounds or (None, None))))
    rows = []
    for _, r in d.head(max_rows).iterrows():
        row: list[object] = []
        for c, lo, hi in cells:
            v = r[c]
            if isinstance(v, str) or not np.issubdtype(type(v), np.number):
                row.append("" if pd.isna(v) else str(v))
            elif lo is not None:
                row.append(_diff(v, r[lo], r[hi]) if c.endswith("_diff") else _ci(v, r[lo], r[hi], 2))
            else:
                row.append(_num(v, 2))
        rows.append(row)
    more = f"<p class=\"legend\">First {max_rows} of {len(d)} rows.</p>" if len(d) > max_rows else ""
    return _table(head, rows, cls="num generic") + more


COST_METRICS: tuple[tuple[str, str, int], ...] = (  # delay_costs.csv columns: label, decimals
    ("delay_veh_h_per_day", "vehicle-hours of delay", 0),
    ("delay_person_h_per_day", "person-hours of delay", 0),
    ("cost_usd_per_day", "cost of delay (2017 US$)", 0),
    ("fuel_gal_per_day", "idling fuel (gal)", 0),
    ("co2_kg_per_day", "CO2 (kg)", 0),
    ("nox_g_per_day", "NOx (g)", 0),
    ("pm25_g_per_day", "PM2.5 (g)", 1),
)
_COST_NOTE = ("Per counted day. Delay is time in the primary line, every minute of it idling; value of time per "
              "person-hour (SANDAG), trucks at their operating cost per hour, idle fuel and emission rates as cited "
              "in <code>sim/delay_cost_parameters.yaml</code> (README, <em>Cost of delay and emissions</em>).")


def _cost_whole(d: pd.DataFrame) -> pd.DataFrame:
    return d[(d["hour"] == ALL)] if "hour" in d else d


def _cost_differences(d: pd.DataFrame) -> str:
    """Per what-if: each metric A → B and B − A with its paired CI (all modes), then delay and cost by lane group."""
    d = _cost_whole(d)
    names = list(dict.fromkeys(d["scenario"]))
    tags = {n: "B" if len(names) == 1 else f"B{i + 1}" for i, n in enumerate(names)}
    parts = []
    for scen, ds in d.groupby("scenario", sort=False):
        total = ds[(ds["mode"] == ALL) & (ds["lane_group"] == ALL)]
        if total.empty:
            continue
        r = total.iloc[0]
        rows = [[label, f"{_num(r[m + '_a'], k)} → {_num(r[m + '_b'], k)}",
                 _diff(r[m + "_diff"], r[m + "_diff_lo"], r[m + "_diff_hi"], k)] for m, label, k in COST_METRICS]
        by_group = ds[(ds["mode"] != ALL) & (ds["lane_group"] != ALL)]
        group_rows = [[_lane_label(g["mode"], g["lane_group"]),
                       f"{_num(g['delay_veh_h_per_day_a'], 0)} → {_num(g['delay_veh_h_per_day_b'], 0)}",
                       _diff(g["delay_veh_h_per_day_diff"], g["delay_veh_h_per_day_diff_lo"],
                             g["delay_veh_h_per_day_diff_hi"], 0),
                       _diff(g["cost_usd_per_day_diff"], g["cost_usd_per_day_diff_lo"],
                             g["cost_usd_per_day_diff_hi"], 0)]
                      for _, g in by_group.iterrows()]
        name = f"{tags.get(scen, 'B')} = {scen}"
        parts.append(f"<h3>{_h(name)}</h3>"
                     + _table(["all modes, per day", "A → B", "B − A [95 % CI]"], rows, cls="num")
                     + (_table(["lane group", "vehicle-hours A → B", "B − A [95 % CI]", "cost B − A (US$) [95 % CI]"],
                               group_rows, cls="num") if group_rows else ""))
    return "".join(parts)


def _cost_levels(d: pd.DataFrame) -> str:
    """Each scenario's (or the run's) delay, cost and emissions by lane group, whole day, with 95 % CIs."""
    d = _cost_whole(d)
    head = ["lane group", *(label for _, label, _ in COST_METRICS)]
    parts = []
    for scen, ds in (d.groupby("scenario", sort=False) if "scenario" in d else [(None, d)]):
        rows = []
        for _, r in ds.iterrows():
            label = "all modes" if r["mode"] == ALL else _lane_label(r["mode"], r["lane_group"])
            flag = " (lower bound: some never served)" if bool(r.get("lower_bound", False)) else ""
            rows.append([label + flag, *(_ci(r[m], r[m + "_lo"], r[m + "_hi"], k) for m, _, k in COST_METRICS)])
        title = f"<h3>{_h(scen)}</h3>" if scen is not None else ""
        parts.append(title + _table(head, rows, cls="num"))
    return "".join(parts)


def _delay_cost(rd: ResultDir) -> str:
    """The delay-cost section from delay_cost_differences.csv and delay_costs.csv (any other layout of
    those files is shown as a plain table)."""
    parts = []
    diff, levels = rd.csv("delay_cost_differences.csv"), rd.csv("delay_costs.csv")
    if diff is not None and not diff.empty:
        known = {"scenario", "mode", "lane_group", *(m + "_diff_lo" for m, _, _ in COST_METRICS)} <= set(diff)
        body = _cost_differences(diff) if known else generic_table(diff)
        parts.append("<h3>B − A, with paired 95 % CIs <span class=\"file\">(delay_cost_differences.csv)</span></h3>"
                     + body)
    if levels is not None and not levels.empty:
        known = {"mode", "lane_group", *(m + "_lo" for m, _, _ in COST_METRICS)} <= set(levels)
        parts.append("<h3>By scenario, with 95 % CIs <span class=\"file\">(delay_costs.csv; whole day)</span></h3>"
                     + (_cost_levels(levels) if known else generic_table(levels)))
    return (f"<p class=\"legend\">{_COST_NOTE}</p>" + "".join(parts)) if parts else ""


def _files(rd: ResultDir, report: Path) -> str:
    items = []
    for p in sorted(rd.path.iterdir()):
        if not p.is_file() or p.name.startswith(".") or p.name == REPORT:
            continue
        href = _href(p, report)
        if href is None:
            continue
        note = FILE_NOTES.get(p.name, "")
        if not note and p.suffix in (".yaml", ".yml"):
            note = "the roster found, as a what-if that extends the scenario"
        size = p.stat().st_size
        items.append(f'<li><a href="{_h(href)}">{_h(p.name)}</a> <span class="ci">({_num(size / 1024, 0)} kB)</span>'
                     + (f" — {_h(note)}" if note else "") + "</li>")
    return "<ul class=\"files\">" + "".join(items) + "</ul>"


def _provenance(rd: ResultDir) -> str:
    runs = rd.runs or [rd.manifest]
    m = runs[0]
    cmd = m.get("command")
    rows: list[list[object]] = [
        ["poesim", f"{m.get('poesim_version', '?')}, commit {str(m.get('git_commit') or 'unknown')[:12]}"],
        ["python, numpy, simpy", f"{m.get('python', '?')}, {m.get('numpy', '?')}, {m.get('simpy', '?')}"],
        ["command", Raw(f"<code>{_h(' '.join(cmd) if isinstance(cmd, list) else cmd or '?')}</code>")],
    ]
    if m.get("started_utc"):
        rows.append(["run", f"{m.get('started_utc')} → {runs[-1].get('finished_utc', '?')} (UTC), "
                            f"executor {m.get('executor', '?')}"])
    for r in runs[:12]:
        if r.get("scenario_sha256"):
            rows.append([f"SHA-256 of {r.get('scenario', '?')}", Raw(f"<code>{_h(r['scenario_sha256'])}</code>")])
    rows.append(["this page", f"poesim {__version__}, written "
                              f"{dt.datetime.now(dt.timezone.utc).strftime('%Y-%m-%d %H:%M')} UTC from {rd.path}"])
    return _table(["", ""], rows, cls="kv")


# --- pages ---------------------------------------------------------------------------------


def _run_sections(rd: ResultDir, report: Path) -> tuple[str, list[tuple[str, str, str]]]:
    m = rd.manifest
    s = rd.csv("summary.csv")
    q = rd.csv("queue.csv")
    title = f"Run: {m.get('scenario', '?')}"
    secs = []
    cls, short, _, _ = validation_status(str(m.get("scenario_file", "")), [str(c) for c in m.get("extends_chain", [])])
    head = (f"<p>{_h(m.get('replications', '?'))} replications (seed {_h(m.get('seed', '?'))}); waits in minutes "
            "over the counted window, averaged over replications, with 95 % confidence intervals (Student-t over "
            f'replications).</p><p>Stands on: <span class="badge {cls}">{_h(short)}</span> (see '
            '<a href="#assumptions">assumptions</a>).</p>')
    head += _warnings(rd, s, q)
    if s is not None:
        head += _headline_run(s)
    secs.append(_section("headline", "Headline", head))
    secs.append(_section("assumptions", "Assumptions", scenario_card(m, str(m.get("scenario", "?")), report)))
    hourly = _figure(rd, "wait_by_hour.png", "mean wait by hour") + (_hourly_run_table(s) if s is not None else "")
    secs.append(_section("by-hour", "Waits by hour", hourly))
    secs.append(_section("distribution", "Wait distributions", _figure(rd, "wait_ecdf.png", "wait distribution")
                         + (_distribution_table(s) if s is not None else "")))
    secs.append(_section("queues", "Queues, lanes and officers by hour", _queues(rd, q)))
    ports = _ports_run(rd)
    if ports:
        secs.append(_section("ports", "Ports and drivers", ports))
    return title, secs


def _queues(rd: ResultDir, q: pd.DataFrame | None) -> str:
    body = _figure(rd, "queue_by_hour.png", "queue by hour")
    for p in sorted(rd.path.glob("queue*.png")):  # queue plots of other kinds (e.g. compare's)
        if p.name not in rd.used_png:
            body += _figure(rd, p.name, p.stem.replace("_", " "))
    if q is not None and not q.empty:
        body += _queue_tables(q)
    st = rd.csv("staffing.csv")
    if st is not None and not st.empty:
        body += _staffing_table(st)
    elif q is not None:
        body += "<p>No officer roster: lanes open by schedule or by the lane policy within their limits.</p>"
    return body


def _compare_sections(rd: ResultDir, report: Path) -> tuple[str, list[tuple[str, str, str]]]:
    runs = rd.runs
    names = [str(r.get("scenario", "?")) for r in runs]
    title = "Comparison: " + " vs ".join(names)
    d = rd.csv("comparison_by_band.csv")
    h = rd.csv("comparison_by_hour.csv")
    s = rd.csv("summary.csv")
    q = rd.csv("queue.csv")
    secs = []
    reps = runs[0].get("replications", "?") if runs else "?"
    tags = ["A"] + (["B"] if len(runs) == 2 else [f"B{k}" for k in range(1, len(runs))])
    first = runs[0] if runs else {}
    cls, short, _, _ = validation_status(str(first.get("scenario_file", "")),
                                         [str(c) for c in first.get("extends_chain", [])])
    head = ("<p>" + "<br>".join(f"<b>{t}</b> = {_h(n)}" for t, n in zip(tags, names, strict=False)) + "</p>"
            f'<p>A stands on: <span class="badge {cls}">{_h(short)}</span> (see <a href="#assumptions">assumptions'
            "</a>).</p>"
            f"<p>{_h(reps)} paired replications (seed {_h(runs[0].get('seed', '?') if runs else '?')}): every "
            "scenario sees the same travellers (common random numbers), so B − A is estimated replication by "
            "replication with a paired 95 % confidence interval. Waits in minutes over the counted window.</p>")
    head += _warnings(rd, s, q)
    if d is not None and not d.empty:
        head += _compare_headline(d, dict(zip(names, tags, strict=False)), rd.csv("comparison_ports.csv"))
    secs.append(_section("headline", "Headline: what changes with B", head))
    cards = "".join(scenario_card(r, f"{t}: {n}", report, paired=True)
                    for t, n, r in zip(tags, names, runs, strict=False))
    changes = ""
    for t, n, r in list(zip(tags, names, runs, strict=False))[1:]:
        rows = scenario_changes(runs[0].get("resolved_scenario") or {}, r.get("resolved_scenario") or {})
        changes += (f"<h3>What {t} changes from A ({_h(n)})</h3>"
                    + (_table(["field", "A", t], rows, cls="changes") if rows else "<p>Nothing: the same scenario."
                                                                                   "</p>"))
    secs.append(_section("assumptions", "What was compared, and the assumptions", changes + cards))
    hourly = _figure(rd, "difference_by_hour.png", "difference B − A by hour") + _figure(
        rd, "wait_by_hour.png", "mean wait by hour")
    if h is not None and not h.empty:
        hourly += _hourly_compare_table(h)
    secs.append(_section("by-hour", "Waits by hour, and B − A", hourly))
    secs.append(_section("distribution", "Wait distributions", _figure(rd, "wait_ecdf.png", "wait distribution")
                         + (_distribution_table(s) if s is not None else "")))
    secs.append(_section("queues", "Queues, lanes and officers by hour", _queues(rd, q)))
    ports = _ports_compare(rd)
    if ports:
        secs.append(_section("ports", "Ports and drivers", ports))
    return title, secs


def _sweep_sections(rd: ResultDir, report: Path) -> tuple[str, list[tuple[str, str, str]]]:
    settings = rd.manifest.get("settings", [])
    fields = [str(x.get("field")) for x in settings]
    title = "Sweep: " + ", ".join(fields)
    runs = rd.runs
    t = rd.csv("sweep.csv")
    grid = "".join(f"<li><code>{_h(x.get('field'))}</code> = {_h(', '.join(map(str, x.get('values', []))))}</li>"
                   for x in settings)
    head = (f"<p>Grid of {len(runs)} points over</p><ul>{grid}</ul><p>each with "
            f"{_h(runs[0].get('replications', '?') if runs else '?')} replications on the same seed (common random "
            "numbers). Whole-day waits in minutes, mean over replications with 95 % CIs.</p>")
    if t is not None and not t.empty:
        d = _pick(t, hour=ALL, program=ALL)
        keys = _lane_keys(d)
        rows = []
        for _, r in d.sort_values([*[f for f in fields if f in d], "mode", "lane_group"]).iterrows():
            if (r["mode"], r["lane_group"]) not in keys:
                continue
            rows.append([*(r[f] for f in fields if f in d), _lane_label(r["mode"], r["lane_group"]),
                         _ci(r["mean_wait_min"], r["mean_wait_min_lo"], r["mean_wait_min_hi"]),
                         _ci(r["p50_wait_min"], r["p50_wait_min_lo"], r["p50_wait_min_hi"]),
                         _ci(r["p95_wait_min"], r["p95_wait_min_lo"], r["p95_wait_min_hi"])])
        head += _table([*(f.split(".")[-1] for f in fields if f in d), "lane group", "mean wait [95 % CI]", "p50",
                        "p95"], rows, cls="num")
    secs = [_section("headline", "Headline", head + _figure(rd, "sweep.png", "wait against the swept value"))]
    if runs:
        secs.append(_section("assumptions", "Assumptions (first grid point)",
                             scenario_card(runs[0], str(runs[0].get("scenario", "?")), report)))
    return title, secs


def _staff_sections(rd: ResultDir, report: Path) -> tuple[str, list[tuple[str, str, str]]]:
    m = rd.manifest
    title = f"Staffing search: {Path(str(m.get('scenario_file', '?'))).name}"
    fresh = m.get("fresh_check", {})
    met = bool(fresh.get("met"))
    oh = m.get("officer_hours", {})
    totals = "; ".join(f"{_h(r)}: {_num(v.get('baseline'), 0)} → {_num(v.get('found'), 0)} officer-hours a day"
                       for r, v in oh.items())
    head = (f"<p>Targets ({'per clock hour' if m.get('per') == 'hour' else 'per hour band'}): "
            + "; ".join(f"<code>{_h(t)}</code>" for t in m.get("targets", [])) + "</p>"
            + f'<p class="{"better" if met else "worse"}"><b>'
            + ("Every target holds" if met else "NOT every target holds")
            + f"</b> on {_h(fresh.get('replications', '?'))} fresh replications (seed {_h(fresh.get('seed', '?'))}) "
            f"with the roster found. {totals}.</p>")
    whatif = Path(str(m.get("whatif", "")))
    link = _href(whatif, report) if m.get("whatif") else None
    if m.get("whatif"):
        head += ("<p>The roster found is written as a what-if that extends the scenario: "
                 + (f'<a href="{_h(link)}">{_h(whatif.name)}</a>' if link else f"<code>{_h(whatif)}</code>")
                 + ".</p>")
    tc = rd.csv("target_check.csv")
    if tc is not None and not tc.empty:
        judged = tc[tc["found_status"] != "too few"]
        missed = judged[judged["found_status"] == "missed"]
        head += (f"<p>{len(judged) - len(missed)} of {len(judged)} targeted cells met with the roster found "
                 f"(baseline roster: {int((tc['baseline_status'] == 'met').sum())} of "
                 f"{int(tc['baseline_status'].isin(['met', 'missed']).sum())}).</p>")
        if not missed.empty:
            head += _table(["lane group", "time", "statistic", "limit (min)", "estimate", "upper bound"],
                           [[r["lane_group"], r["time"], r["statistic"], _num(r["limit_min"], 3),
                             _num(r["found_estimate"], 3), _num(r["found_upper"], 3)] for _, r in missed.iterrows()],
                           cls="num", caption="Cells that miss their target")
    secs = [_section("headline", "Headline", head)]
    o = rd.csv("officer_hours.csv")
    if o is not None and not o.empty:
        rows = []
        hours = list(dict.fromkeys(o["hour"]))
        for roster, dd in o.groupby("roster", sort=False):
            by = dd.set_index("hour")
            rows.append([Raw(f"<b>{_h(roster)}</b> baseline"), *(_num(by.loc[h, "baseline"], 0) for h in hours)])
            rows.append(["found", *(_num(by.loc[h, "found"], 0) for h in hours)])
            rows.append(["change", *(Raw(f'<span class="{"changed" if by.loc[h, "change"] else "unclear"}">'
                                         f'{_num(by.loc[h, "change"], 0, sign=True) if by.loc[h, "change"] else "·"}'
                                         "</span>") for h in hours)])
        secs.append(_section("officers", "Officers by hour: baseline and found",
                             _table(["officers", *(h if h != ALL else "day" for h in hours)], rows,
                                    cls="num hourly")))
    p = rd.csv("ports.csv")
    gave_up = p is not None and "travellers_per_day_b" in p and bool(
        (_pick(p, port="gave_up")[["travellers_per_day_a", "travellers_per_day_b"]].to_numpy() > 0).any())
    if p is not None and "travellers_per_day_a" in p and (p["port"].nunique() > 3 or gave_up):
        d = _pick(p, hour=ALL)
        rows = [[r["port"], f"{_num(r['travellers_per_day_a'], 0)} → {_num(r['travellers_per_day_b'], 0)}",
                 _diff(r["travellers_per_day_diff"], r["travellers_per_day_diff_lo"], r["travellers_per_day_diff_hi"],
                       0, lower_is_better=True if r["port"] == "gave_up" else (False if r["port"] == ALL else None))]
                for _, r in d.iterrows()]
        secs.append(_section("ports", "Ports and drivers (fresh replications, baseline → found)",
                             _table(["port", "travellers a day", "change [95 % CI]"], rows, cls="num")))
    txt = rd.path / "staffing.txt"
    if txt.is_file():
        secs.append(_section("text", "The search report", f"<pre>{_h(txt.read_text())}</pre>"))
    resolved, chain = _load_for(m)
    search = m.get("search", {})
    card = scenario_card({"scenario_file": m.get("scenario_file", "?"), "extends_chain": chain,
                          "resolved_scenario": resolved, "replications": search.get("replications", "?"),
                          "seed": search.get("seed", "?")}, "Scenario searched", report)
    secs.append(_section("assumptions", "Assumptions", card))
    return title, secs


def _load_for(m: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The resolved scenario and extends chain of a staff manifest (which stores only the file name),
    loaded again if the file is still there (relative to here or to the repository)."""
    from sim.scenario import load_scenario

    p = Path(str(m.get("scenario_file", "")))
    for cand in (p, Path(__file__).resolve().parents[1] / p):
        if cand.is_file():
            try:
                loaded = load_scenario(cand)
            except PoesimError:
                break
            return dict(loaded.resolved), [str(c) for c in loaded.chain]
    return {}, []


STYLE = """
:root { --fg:#1b1f24; --muted:#5b6570; --line:#d6dbe1; --bg:#ffffff; --soft:#f4f6f8;
        --better:#1a7f37; --worse:#c62828; --unclear:#6e7781; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg);
       background: var(--bg); margin: 0 auto; max-width: 1240px; padding: 24px 28px 60px; }
h1 { font-size: 1.55em; margin: 0 0 4px; } h2 { font-size: 1.25em; margin: 36px 0 10px; padding-bottom: 4px;
     border-bottom: 2px solid var(--line); } h3 { font-size: 1.05em; margin: 22px 0 8px; }
.sub { color: var(--muted); margin: 0 0 14px; }
nav ol { columns: 2; margin: 8px 0 0; padding-left: 22px; } nav { background: var(--soft); padding: 10px 16px;
     border-radius: 6px; }
a { color: #0b57d0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 8px 0 14px; font-size: 0.9em; }
p.caption { color: var(--muted); margin: 14px 0 0; font-size: 0.92em; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 9px; vertical-align: top; text-align: left; }
th { background: var(--soft); font-weight: 600; }
table.num td { text-align: right; white-space: nowrap; } table.num td:first-child { text-align: left; }
table.hourly { font-size: 0.8em; } table.hourly td { padding: 2px 7px; }
table.kv { width: 100%; table-layout: fixed; } table.kv td { overflow-wrap: anywhere; }
table.kv td:first-child { color: var(--muted); width: 230px; } table.kv thead { display: none; }
table.changes td { font-size: 0.95em; }
.ci, .p95, .file { color: var(--muted); font-size: 0.88em; }
.better { color: var(--better); } .worse { color: var(--worse); } .unclear, .same { color: var(--unclear); }
td .better, td .worse, td .changed { font-weight: 600; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 0.85em; font-weight: 600;
         border: 1px solid currentColor; margin-right: 4px; }
.badge.validated { color: var(--better); } .badge.derived { color: #9a6700; }
.badge.synthetic, .badge.unknown { color: var(--unclear); }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 2px; margin: 12px 0; }
.warning { border-left: 5px solid var(--worse); background: #fdecea; padding: 6px 14px; margin: 12px 0; }
.warning h3 { margin-top: 6px; color: var(--worse); }
ul.verdicts li { margin: 3px 0; } .lead { font-size: 1.05em; }
.legend { color: var(--muted); font-size: 0.9em; }
figure { margin: 10px 0 18px; } figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 0.9em; }
pre { background: var(--soft); padding: 10px; overflow-x: auto; font-size: 0.8em; }
code { font-size: 0.92em; }
footer { margin-top: 40px; color: var(--muted); font-size: 0.85em; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  body { font-size: 10pt; max-width: none; padding: 0; }
  nav { display: none; }
  a { color: inherit; text-decoration: none; }
  .files a::after { content: " (" attr(href) ")"; color: var(--muted); font-size: 0.85em; }
  h2 { break-after: avoid; page-break-after: avoid; } h3 { break-after: avoid; }
  tr, figure, .card, .warning { break-inside: avoid; page-break-inside: avoid; }
  .scroll { overflow: visible; } table { font-size: 8pt; } table.hourly { font-size: 6.5pt; }
  table { max-width: 100%; } table.num td, th { white-space: normal; }  /* wrap rather than cut at the margin */
  pre { white-space: pre-wrap; font-size: 6.5pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def build_html(rd: ResultDir, report: Path) -> str:
    """The whole page for ``rd`` (links relative to where ``report`` will be)."""
    builders = {"run": _run_sections, "compare": _compare_sections, "sweep": _sweep_sections,
                "staff": _staff_sections}
    title, secs = builders[rd.kind](rd, report)
    cost = _delay_cost(rd)
    if cost:
        secs.append(_section("delay-cost", "Delay cost and emissions", cost))
    extra = "".join(_figure(rd, p.name, p.stem.replace("_", " ")) for p in sorted(rd.path.glob("*.png"))
                    if p.name not in rd.used_png)
    if extra:
        secs.append(_section("figures", "More figures", extra))
    others = [p.name for p in sorted(rd.path.glob("*.csv")) if p.name not in rd.used_csv
              and p.name not in ("search_trace.csv", "by_band.csv", "summary.csv")]
    for name in others:
        d = rd.csv(name)
        if d is not None and not d.empty:
            secs.append(_section(f"csv-{Path(name).stem}", name, generic_table(d)))
    secs.append(_section("files", "Files", _files(rd, report)))
    secs.append(_section("provenance", "Provenance", _provenance(rd)))
    nav = "<nav><b>Contents</b><ol>" + "".join(f'<li><a href="#{sid}">{_h(t)}</a></li>' for sid, t, _ in secs) \
        + "</ol></nav>"
    body = "".join(f'<section id="{sid}"><h2>{_h(t)}</h2>{b}</section>' for sid, t, b in secs)
    sub = f"poesim {rd.kind} · {rd.path.resolve()}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_h(title)}</title><style>{STYLE}</style></head><body>"
            f'<header><h1>{_h(title)}</h1><p class="sub">{_h(sub)}</p></header>{nav}{body}'
            "<footer>Written by <code>poesim report</code>. Self-contained: figures are embedded; the CSV links "
            "point to the files next to this page.</footer></body></html>\n")


def _register(rd: ResultDir, name: str) -> None:
    """List ``name`` among the manifest's files, so that the next output into the directory removes a
    report that no longer describes it (poesim deletes only files it wrote)."""
    doc = rd.manifest
    entries = [doc, *[e for part in ("comparison", "runs") if isinstance(doc.get(part), list)
                      for e in doc[part] if isinstance(e, dict)]]
    changed = False
    for e in entries:
        if isinstance(e.get("files"), list) and name not in e["files"]:
            e["files"].append(name)
            changed = True
    if changed:
        from sim.checkpoints import atomic_write_bytes

        atomic_write_bytes(rd.path / MANIFEST, json.dumps(doc, indent=2, default=str).encode())


def write_report(result_dir: str | os.PathLike[str], out: str | os.PathLike[str] | None = None) -> Path:
    """Write the HTML report of ``result_dir`` to ``out`` (default ``DIR/report.html``); return its path."""
    rd = open_result(result_dir)
    target = Path(out) if out is not None else rd.path / REPORT
    if target.is_dir():
        target = target / REPORT
    text = build_html(rd, target)
    from sim.checkpoints import atomic_write_bytes

    target.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(target, text.encode("utf-8"))
    if target.resolve().parent == rd.path.resolve() and target.name == REPORT:
        _register(rd, REPORT)
    return target
