"""The scenario format as a readable reference (`poesim schema --markdown`): one Markdown table
per section (the scenario, then every part it holds, in the order they first appear), each row a
field with its type, default, bounds and description, all taken from the JSON Schema."""

from __future__ import annotations

import json
from typing import Any

from sim.scenario.loader import json_schema

_BOUNDS = (("minimum", "≥ {}"), ("exclusiveMinimum", "> {}"), ("maximum", "≤ {}"), ("exclusiveMaximum", "< {}"),
           ("minItems", "at least {} items"), ("maxItems", "at most {} items"),
           ("minProperties", "at least {} entries"), ("maxProperties", "at most {} entries"),
           ("minLength", "at least {} characters"), ("maxLength", "at most {} characters"),
           ("pattern", "matches `{}`"))


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref")
    return ref.rsplit("/", 1)[-1] if isinstance(ref, str) else None


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _type(node: dict[str, Any]) -> str:
    """A short type description of a JSON Schema node, sections linked."""
    name = _ref_name(node)
    if name:
        return f"[{name}](#{name.lower()})"
    if "const" in node:
        return f"`{node['const']}`"
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            parts = list(dict.fromkeys(_type(n) for n in node[key]))
            return " or ".join(parts)
    kind = node.get("type")
    if kind == "array":
        items = node.get("items", {})
        inner = _type(items) if items else "value"
        bounds = _bounds(items) if items else ""
        return f"list of {inner}" + (f" ({bounds})" if bounds else "")
    if kind == "object":
        if "properties" in node:
            return "{" + ", ".join(f"{k}: {_type(v)}" for k, v in node["properties"].items()) + "}"
        keys = node.get("propertyNames", {})
        key_text = ", ".join(f"`{k}`" for k in keys["enum"]) if "enum" in keys else "name"
        value = node.get("additionalProperties")
        if not isinstance(value, dict) and node.get("patternProperties"):
            value = next(iter(node["patternProperties"].values()))
        inner = _type(value) if isinstance(value, dict) else "value"
        bounds = _bounds(value) if isinstance(value, dict) else ""
        return f"mapping {key_text} → {inner}" + (f" ({bounds})" if bounds else "")
    if kind == "string" and node.get("format") == "date-time":
        return "date and time"
    return {"null": "null", "number": "number", "integer": "whole number", "boolean": "true/false",
            "string": "text"}.get(str(kind), str(kind) if kind else "see description")


def _bounds(node: dict[str, Any]) -> str:
    """The node's own bounds (and, for an optional value, those of its non-null form)."""
    parts = [fmt.format(_num(node[key])) for key, fmt in _BOUNDS if key in node]
    for branch in node.get("anyOf", []):
        if branch.get("type") != "null" and "$ref" not in branch:
            parts += [fmt.format(_num(branch[key])) for key, fmt in _BOUNDS if key in branch]
    parts = list(dict.fromkeys(parts))
    for what in ("items", "entries", "characters"):  # "at least 24 items; at most 24 items" -> "exactly 24 items"
        pair = [p for p in parts if p.endswith(" " + what)]
        if len(pair) == 2 and pair[0].split()[2] == pair[1].split()[2]:
            parts = [f"exactly {pair[0].split()[2]} {what}" if p == pair[0] else p for p in parts if p != pair[1]]
    return "; ".join(parts)


def _default(prop: dict[str, Any], required: bool) -> str:
    if required:
        return "required"
    if "default" not in prop:
        return "empty"  # a default factory: an empty mapping or list
    return f"`{json.dumps(prop['default'], ensure_ascii=False)}`"


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _sections(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(name, schema) of the scenario and every part it refers to, in order of first reference."""
    defs = schema.get("$defs", {})
    order = [("Scenario", schema)]
    seen = {"Scenario"}

    def refs(node: Any):
        if isinstance(node, dict):
            name = _ref_name(node)
            if name:
                yield name
            for v in node.values():
                yield from refs(v)
        elif isinstance(node, list):
            for v in node:
                yield from refs(v)

    i = 0
    while i < len(order):
        for prop in order[i][1].get("properties", {}).values():
            for name in refs(prop):
                if name not in seen and name in defs:
                    seen.add(name)
                    order.append((name, defs[name]))
        i += 1
    return order


def schema_markdown() -> str:
    """The scenario format as Markdown: a table per section with field, type, default, bounds, description."""
    schema = json_schema()
    out = ["# Scenario file reference", "",
           "Generated from the scenario schema (`poesim schema --markdown`; `poesim schema` gives JSON Schema). "
           "Units are in the field names (`_s` seconds, `_min` minutes, `_h` hours, `_per_h` per hour). "
           "Unknown fields are errors.", ""]
    for name, section in _sections(schema):
        out += [f"## {name}", ""]
        if section.get("description"):
            out += [_cell(section["description"]), ""]
        required = set(section.get("required", []))
        out += ["| field | type | default | bounds | description |", "|---|---|---|---|---|"]
        for field, prop in section.get("properties", {}).items():
            out.append(f"| `{field}` | {_cell(_type(prop))} | {_cell(_default(prop, field in required))} | "
                       f"{_cell(_bounds(prop))} | {_cell(prop.get('description', ''))} |")
        out.append("")
    return "\n".join(out)
