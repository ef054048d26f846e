"""The one YAML writer of the generated scenarios: commented YAML text built line by line (PyYAML
cannot keep comments), and the generators' shared command line (``generate``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calibration.data import DEFAULT_DATA


def num(x: Any) -> str:
    """A number as the YAML files write it: whole floats with one decimal, others as ``repr``."""
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return f"{x:.1f}" if x == round(x, 1) else repr(x)
    raise TypeError(f"not a number: {x!r}")


def quote(s: str) -> str:
    """A double-quoted YAML string."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def window_lines(w: dict[str, Any]) -> list[str]:
    """The ``window:`` block of a generated scenario."""
    return ["window:"] + [f"  {k}: {w[k] if k == 'start' else num(w[k])}"
                          for k in ("start", "duration_h", "warmup_h", "drain_h")]


def flow_list(key: str, values: list[Any], indent: int, per_line: int = 12) -> list[str]:
    """``key: [v1, v2, ...]`` wrapped after ``per_line`` values, continuation aligned."""
    head = " " * indent + f"{key}: ["
    chunks = [", ".join(num(v) for v in values[i : i + per_line]) for i in range(0, len(values), per_line)]
    lines = [head + chunks[0]]
    for c in chunks[1:]:
        lines[-1] += ","
        lines.append(" " * len(head) + c)
    lines[-1] += "]"
    return lines


def service(d: dict[str, Any]) -> str:
    """A service distribution as a flow mapping."""
    return "{" + ", ".join(f"{k}: {v if isinstance(v, str) else num(v)}" for k, v in d.items()) + "}"


def _comments(comments: dict[str, list[str]], key: str, indent: int = 4) -> list[str]:
    return [" " * indent + "# " + c for c in comments.get(key, [])]


def group_lines(name: str, g: dict[str, Any], comments: dict[str, list[str]]) -> list[str]:
    """A lane group with its comments (keys ``lanes``, ``booths_per_lane``, ``lanes_open``, ``service``,
    ``service_by_hour``, each written before its field)."""
    out = [f"  {name}:", f"    mode: {g['mode']}", f"    programs: [{', '.join(g['programs'])}]"]
    out += _comments(comments, "lanes") + [f"    lanes: {g['lanes']}"]
    if "booths_per_lane" in g:
        out += _comments(comments, "booths_per_lane") + [f"    booths_per_lane: {g['booths_per_lane']}"]
    out.append(f"    discipline: {g['discipline']}")
    out += _comments(comments, "lanes_open")
    if "policy" in g:
        out.append("    policy: {" + ", ".join(f"{k}: {num(v)}" for k, v in g["policy"].items()) + "}")
    elif isinstance(g["lanes_open"], list):
        out += flow_list("lanes_open", g["lanes_open"], 4)
    else:
        out.append(f"    lanes_open: {g['lanes_open']}")
    out += _comments(comments, "service") + ["    service:"]
    out += [f"      {p}: {service(d)}" for p, d in g["service"].items()]
    if "service_by_hour" in g:
        out += _comments(comments, "service_by_hour") + flow_list("service_by_hour", g["service_by_hour"], 4)
    return out


def stream_lines(name: str, s: dict[str, Any], comments: list[str]) -> list[str]:
    """A stream with comments before its demand."""
    out = [f"  {name}:", f"    mode: {s['mode']}", f"    program: {s['program']}", "    demand:"]
    out += ["      # " + c for c in comments]
    d = s["demand"]
    if "rate_per_h" in d:
        out += flow_list("rate_per_h", d["rate_per_h"], 6)
    else:
        out.append(f"      daily_volume: {num(d['daily_volume'])}")
        out += flow_list("profile", d["profile"], 6)
    if "referral_p" in s:
        out.append(f"    referral_p: {num(s['referral_p'])}")
    out.append(f"    lane_choice: {{rule: {s['lane_choice']['rule']}}}")
    return out


def secondary_lines(sec: dict[str, Any]) -> list[str]:
    """YAML lines for the ``secondary:`` facilities."""
    L: list[str] = []
    for name, f in sec.items():
        L += [f"  {name}:", f"    mode: {f['mode']}", f"    positions: {f['positions']}",
              f"    service: {service(f['service'])}"]
    return L


def generate(argv: list[str] | None, doc: str | None, default_out: Path, derive_fn: Callable[[Path], dict[str, Any]],
             render_fn: Callable[[dict[str, Any]], str], report: Callable[[dict[str, Any]], None] | None = None) -> int:
    """Command line shared by the generators: ``--data DIR --out FILE``; derive, render, write."""
    ap = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="shared data directory (default: %(default)s)")
    ap.add_argument("--out", type=Path, default=default_out, help="YAML file to write (default: %(default)s)")
    args = ap.parse_args(argv)
    derived = derive_fn(args.data)
    if report:
        report(derived)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render_fn(derived), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0
