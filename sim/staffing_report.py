"""Reports of the staffing optimiser (``poesim staff``): officer-hours by hour against the
baseline, the target check on fresh replications, travellers per port, the search trace, and
the found roster as an ``extends:`` what-if.

Everything on the fresh replications is paired: the baseline roster is run on the same
replications as the roster found (common random numbers)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from sim import __version__
from sim import statistics as st
from sim.checkpoints import atomic_write_bytes
from sim.reports import MANIFEST, git_commit, provenance, staged_directory
from sim.staffing_search import StaffingResult, total

STAT_LABEL = {"mean_wait_min": "mean", "p50_wait_min": "p50", "p90_wait_min": "p90", "p95_wait_min": "p95",
              "max_wait_min": "max"}


def method_text(result: StaffingResult) -> str:
    """One paragraph: how the roster was found and how the targets are judged."""
    p = result.problem
    level = f"{100 * result.confidence:g} %"
    where = "clock hour of arrival" if p.per == "hour" else "hour band"
    return (f"Method: batch greedy removal of officers hour by hour, then local search (single-hour removals and "
            f"exchanges), every candidate run on the same {result.search_replications} replications (seed "
            f"{result.search_seed}; common random numbers) and held to a {100 * result.search_confidence:g} % bound; "
            f"{result.evaluations} of at most {result.max_evaluations} evaluations, {result.stop_reason}.\n"
            f"A target is met in a lane group and {where} when the one-sided {level} upper Student-t bound over "
            f"replications of that hour's statistic is within it (per cell). The roster found is checked on "
            f"{result.check.replications} fresh replications (seed {result.check.seed}), with the baseline roster "
            f"on the same replications.")


def officer_hours_text(result: StaffingResult) -> str:
    """Officer-hours by clock hour, baseline against found, per roster, with the day's totals."""
    t = result.officer_hours_table()
    blocks = []
    for roster, d in t.groupby("roster", sort=False):
        hours = d[d["hour"] != st.ALL]
        whole = d[d["hour"] == st.ALL].iloc[0]
        lines = [f"{roster}: {whole['baseline']:.0f} officer-hours a day in the baseline, {whole['found']:.0f} found "
                 f"({whole['change']:+.0f}, {100 * whole['change'] / whole['baseline']:+.1f} %)"
                 if whole["baseline"] else f"{roster}: {whole['found']:.0f} officer-hours a day found"]
        fmt = lambda xs: " ".join(f"{x:>3.0f}" for x in xs)  # noqa: E731
        lines.append("  hour     " + " ".join(f"{h:>3s}" for h in hours["hour"]))
        lines.append("  baseline " + fmt(hours["baseline"]))
        lines.append("  found    " + fmt(hours["found"]))
        lines.append("  change   " + " ".join(f"{x:>+3.0f}" if x else "  ." for x in hours["change"]))
        blocks.append("\n".join(lines))
    return "\n".join(blocks)


def check_table(result: StaffingResult) -> pd.DataFrame:
    """Every targeted cell on the fresh replications: the found roster's estimate, upper bound and
    verdict next to the baseline roster's on the same replications."""
    keys = ["lane_group", "time", "statistic", "target", "limit_min"]
    found = result.check.cells.rename(columns={c: f"found_{c}" for c in ("replications", "estimate", "upper", "met",
                                                                         "status")})
    base = result.check_baseline.cells.rename(
        columns={c: f"baseline_{c}" for c in ("replications", "estimate", "upper", "met", "status")})
    out = found.merge(base, on=keys, how="outer")
    out["set_aside"] = [result.excluded.get((g, t, s), "") for g, t, s in
                        zip(out["lane_group"], out["time"], out["statistic"], strict=True)]
    return out.sort_values(["lane_group", "statistic", "time"]).reset_index(drop=True)


def check_text(result: StaffingResult) -> str:
    """Hour by hour (or band by band): each target's estimate and upper bound on the fresh
    replications for the roster found, ✗ where it is missed; the baseline's estimate for context."""
    t = check_table(result)
    if t.empty:
        return "Target check: no targeted cell served anyone."
    judged = t[t["found_status"] != "too few"]
    met = int(judged["found_met"].astype(bool).sum())
    base_judged = t[t["baseline_status"].isin(["met", "missed"])]
    base_met = int((base_judged["baseline_status"] == "met").sum())
    head = (f"Target check on {result.check.replications} fresh replications (seed {result.check.seed}): "
            f"{met} of {len(judged)} cells meet their targets with the roster found"
            f" (the baseline roster: {base_met} of {len(base_judged)}).")
    too_few = t[t["found_status"] == "too few"]
    if len(too_few):
        head += f" {len(too_few)} cells saw travellers in fewer than 2 replications and are not judged."
    if result.excluded:
        head += (" Set aside by the search (judged here all the same): "
                 + "; ".join(f"{g} {tm} {STAT_LABEL[s]}: {why}" for (g, tm, s), why in result.excluded.items()) + ".")
    cols = list(dict.fromkeys(zip(t["lane_group"], t["statistic"], t["limit_min"], strict=True)))
    rows = []
    for time_label in sorted(t["time"].unique()):
        row: dict[str, str] = {"time": str(time_label)}
        for g, s, limit in cols:
            c = t[(t["lane_group"] == g) & (t["statistic"] == s) & (t["time"] == time_label)]
            label = f"{g} {STAT_LABEL[s]}≤{limit:g}"
            if c.empty or pd.isna(c["found_estimate"].iloc[0]):
                row[label] = "—"
                continue
            r = c.iloc[0]
            mark = "" if r["found_status"] != "missed" else " ✗"
            upper = "" if pd.isna(r["found_upper"]) else f"≤{_num(r['found_upper'])}"
            base = "" if pd.isna(r["baseline_estimate"]) else f" ({_num(r['baseline_estimate'])})"
            row[label] = f"{_num(r['found_estimate'])}{upper}{mark}{base}"
        rows.append(row)
    legend = ("each cell: estimate≤upper bound (min) for the roster found, ✗ = target missed; "
              "(baseline roster's estimate on the same replications)")
    return head + "\n" + legend + "\n" + pd.DataFrame(rows).to_string(index=False)


def _num(x: float) -> str:
    """Minutes with one decimal, or three significant digits below 10 (theory checks wait seconds)."""
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.3g}"


def ports_table(result: StaffingResult) -> pd.DataFrame:
    """Travellers per day by port (and those who gave up), baseline → found on the same fresh
    replications, with paired differences (empty for scenarios without port choice)."""
    a = result.check_baseline.result.per_replication("ports") if result.check_baseline.result else pd.DataFrame()
    b = result.check.result.per_replication("ports") if result.check.result else pd.DataFrame()
    if a.empty or b.empty:
        return pd.DataFrame()
    d = st.paired_differences(a, b, st.PORT_METRICS, st.PORT_KEYS)
    return d[d["stream"] == st.ALL].reset_index(drop=True)


def ports_text(result: StaffingResult) -> str:
    d = ports_table(result)
    if d.empty:
        return ""
    d = d[d["hour"] == st.ALL]
    if d["port"].nunique() <= 3 and not ((d["port"] == st.GAVE_UP) & (d["travellers_per_day_b"] > 0)).any():
        return ""  # one port and nobody gave up: nothing moves
    rows = []
    for _, r in d.iterrows():
        lo, hi = r["travellers_per_day_diff_lo"], r["travellers_per_day_diff_hi"]
        ci = "" if pd.isna(lo) else f" [{lo:+.0f}, {hi:+.0f}]"
        moved = f"{r['travellers_per_day_a']:.0f}→{r['travellers_per_day_b']:.0f}"
        rows.append({"port": r["port"], "travellers/day baseline→found": moved,
                     "Δ [95% CI]": f"{r['travellers_per_day_diff']:+.0f}{ci}",
                     "mean wait baseline→found": "—" if r["port"] == st.GAVE_UP else
                     f"{r['mean_wait_min_a']:.1f}→{r['mean_wait_min_b']:.1f}"})
    return ("Travellers per port on the fresh replications (drivers choose by posted waits: staffing one port "
            f"moves drivers to the other or to '{st.GAVE_UP}'; 'all' = everyone who crossed)\n"
            + pd.DataFrame(rows).to_string(index=False))


def trace_table(result: StaffingResult) -> pd.DataFrame:
    return pd.DataFrame([vars(s) for s in result.trace])


def report_text(result: StaffingResult, command: str | None = None) -> str:
    p = result.problem
    verdict = ("every target holds on the fresh replications" if result.met else
               "NOT every target holds on the fresh replications (see ✗ below)")
    head = [f"Staffing for {p.loaded.scenario.name} ({p.loaded.path})",
            f"Targets ({'per clock hour' if p.per == 'hour' else 'per hour band'}): "
            + "; ".join(t.text for t in p.targets),
            f"Rosters changed: {', '.join(p.rosters)}; lane groups targeted: "
            + ", ".join(dict.fromkeys(c.lane_group for c in p.constraints)),
            f"Result: {verdict}; {sum(float(v.sum()) for v in p.baseline_officer_hours.values()):.0f} → "
            f"{total(result.found)} officer-hours a day ({result.runtime_s / 60:.1f} min)."]
    if command:
        head.append(f"Command: {command}")
    parts = ["\n".join(head), method_text(result), officer_hours_text(result), check_text(result)]
    if result.repairs:
        parts.append("Repairs after fresh checks that missed: " + "; ".join(
            f"seed {r['seed']}: {r['missed']} cells missed, added {', '.join(r['added'])}" for r in result.repairs))
    parts.append(ports_text(result))
    return "\n\n".join(x for x in parts if x)


def whatif_text(result: StaffingResult, path: Path) -> str:
    """The roster found as a what-if that ``extends:`` the scenario searched (path relative to ``path``)."""
    p = result.problem
    base = Path(p.loaded.path)
    rel = os.path.relpath(base.resolve(), path.resolve().parent)
    totals = ", ".join(f"{r} {p.baseline_officer_hours[r].sum():.0f} → {sum(result.found[r])}" for r in p.rosters)
    check = check_table(result)
    judged = check[check["found_status"] != "too few"]
    header = [
        f"{p.loaded.scenario.name}: the fewest officer-hours found by `poesim staff` for the wait targets",
        "  " + "; ".join(t.text for t in p.targets),
        f"  judged per {'clock hour of arrival' if p.per == 'hour' else 'hour band'} and lane group: the one-sided "
        f"{100 * result.confidence:g} % upper bound over replications within the target.",
        f"Method: batch greedy removal + local search under common random numbers ({result.search_replications} "
        f"replications, seed {result.search_seed}, {100 * result.search_confidence:g} % bounds, "
        f"{result.evaluations} evaluations; {result.stop_reason}).",
        f"Fresh check ({result.check.replications} replications, seed {result.check.seed}): "
        f"{int(judged['found_met'].astype(bool).sum())} of {len(judged)} cells meet their targets.",
        f"Officer-hours per day (baseline → found): {totals}.",
        f"Baseline: {base.as_posix()} (resolved SHA-256 {p.loaded.sha256[:12]}); poesim {__version__}, "
        f"commit {(git_commit() or 'unknown')[:10]}.",
        "Everything else as in the baseline (the loader deep-merges mappings; lists are replaced).",
    ]
    body: dict[str, Any] = {
        "extends": Path(rel).as_posix(),
        "name": f"{p.loaded.scenario.name} [staffed for {'; '.join(t.text for t in p.targets)}]",
        "staffing": {r: {"officers": [int(v) for v in result.found[r]],
                         "description": f"found by poesim staff for {'; '.join(t.text for t in p.targets)} "
                                        f"({p.baseline_officer_hours[r].sum():.0f} → {sum(result.found[r])} "
                                        "officer-hours a day)"}
                     for r in p.rosters},
    }
    text = yaml.safe_dump(body, sort_keys=False, width=120, default_flow_style=None, allow_unicode=True)
    return "".join(f"# {line}\n" for line in header) + "\n" + text


def whatif_problem(path: str | Path) -> str | None:
    """Why the what-if written at ``path`` does not load as it stands (e.g. it lies outside the
    scenario tree of the file it extends), or None."""
    from sim.errors import PoesimError
    from sim.scenario import load_scenario

    try:
        load_scenario(path)
    except PoesimError as exc:
        return str(exc)
    return None


def _manifest(result: StaffingResult, files: list[str], argv: list[str] | None, whatif: Path) -> dict[str, Any]:
    p = result.problem
    return {
        "scenario_file": str(p.loaded.path),
        "scenario_sha256": p.loaded.sha256,
        "targets": [t.text for t in p.targets],
        "per": p.per,
        "rosters": p.rosters,
        "confidence": result.confidence,
        "search_confidence": result.search_confidence,
        "search": {"seed": result.search_seed, "replications": result.search_replications,
                   "evaluations": result.evaluations, "max_evaluations": result.max_evaluations,
                   "stop_reason": result.stop_reason},
        "fresh_check": {"seed": result.check.seed, "replications": result.check.replications, "met": result.met,
                        "repairs": result.repairs},
        "officer_hours": {r: {"baseline": float(p.baseline_officer_hours[r].sum()), "found": sum(result.found[r])}
                          for r in p.rosters},
        "found": {r: list(v) for r, v in result.found.items()},
        "whatif": str(whatif),
        "runtime_s": round(result.runtime_s, 1),
        **provenance(files, argv),
    }


def whatif_path(result: StaffingResult, out_dir: str | Path, whatif: str | Path | None = None) -> Path:
    """Where the what-if goes: ``whatif``, else ``OUT/<scenario>_staffed.yaml``."""
    return Path(whatif) if whatif else Path(out_dir) / f"{Path(result.problem.loaded.path).stem}_staffed.yaml"


def write_staffing(result: StaffingResult, out_dir: str | Path, whatif: str | Path | None = None,
                   argv: list[str] | None = None) -> list[Path]:
    """Write staffing.txt, officer_hours.csv, target_check.csv, ports.csv, search_trace.csv, the
    what-if (default ``OUT/<scenario>_staffed.yaml``) and manifest.json."""
    out_dir = Path(out_dir)
    target = whatif_path(result, out_dir, whatif)
    inside = target.resolve().parent == out_dir.resolve()
    command = " ".join(argv if argv is not None else sys.argv)
    with staged_directory(out_dir) as stage:
        (stage / "staffing.txt").write_text(report_text(result, command) + "\n")
        result.officer_hours_table().to_csv(stage / "officer_hours.csv", index=False, float_format="%.3f")
        check_table(result).to_csv(stage / "target_check.csv", index=False, float_format="%.4f")
        ports = ports_table(result)
        if not ports.empty:
            ports.to_csv(stage / "ports.csv", index=False, float_format="%.4f")
        trace_table(result).to_csv(stage / "search_trace.csv", index=False, float_format="%.3f")
        text = whatif_text(result, target)
        if inside:
            (stage / target.name).write_text(text)
        files = sorted(p.name for p in stage.iterdir()) + [MANIFEST]
        doc = _manifest(result, files, argv, target)
        (stage / MANIFEST).write_text(json.dumps(doc, indent=2, default=_plain))
    if not inside:
        atomic_write_bytes(target, text.encode())
    written = [out_dir / f for f in files]
    return written if inside else [*written, target]


def _plain(x: Any) -> Any:
    if isinstance(x, np.integer | np.floating):
        return x.item()
    return str(x)
