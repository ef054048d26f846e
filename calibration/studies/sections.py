"""Sections that several studies write into one report (``calibration/VALIDATION.md``): each study owns
a marked section and replaces only it; the report's own generator keeps them when it rewrites the rest."""

from __future__ import annotations

import re
from pathlib import Path

_SECTION = re.compile(r"<!-- section: (?P<key>[a-z_]+) -->\n.*?<!-- /section: (?P=key) -->\n", re.S)


def wrap(key: str, body: str) -> str:
    """``body`` as the section ``key``."""
    return f"<!-- section: {key} -->\n{body.rstrip()}\n<!-- /section: {key} -->\n"


def replace_section(path: Path, key: str, body: str) -> None:
    """Write ``body`` as the section ``key`` of the report at ``path``: in place of the old one, else at
    the end (the file is created if missing)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    new = wrap(key, body)
    pattern = re.compile(rf"<!-- section: {key} -->\n.*?<!-- /section: {key} -->\n", re.S)
    text = pattern.sub(lambda _: new, text, count=1) if pattern.search(text) else text.rstrip() + "\n\n" + new
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def kept_sections(path: Path) -> str:
    """The marked sections of the report at ``path`` (empty if none), to append when regenerating it."""
    if not path.exists():
        return ""
    return "".join(m.group(0) for m in _SECTION.finditer(path.read_text(encoding="utf-8")))


def excerpt(markdown: str, heading: str) -> str:
    """The body of the ``## heading`` section of a Markdown report (up to the next ``## ``), for a
    summary section elsewhere; a clear error if the report has no such section."""
    m = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.S | re.M)
    if m is None:
        raise ValueError(f"report has no section '## {heading}'")
    return m.group(1).strip()
