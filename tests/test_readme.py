"""The README's two commands are the ones that work: CI runs the second one verbatim."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    return re.findall(r"```(?:bash|sh)?\n(.*?)\n```", text, flags=re.S)[:2]


def test_the_readme_starts_with_the_main_job_and_the_test_command():
    main, tests = readme_commands()
    assert ("poesim compare scenarios/region/baseline.yaml scenarios/region/om_add_25_lanes_same_roster.yaml "
            "scenarios/region/om_add_25_lanes_staffed.yaml") in main
    assert "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim():
    _, tests = readme_commands()
    assert tests.strip() in (ROOT / ".ci" / "run").read_text()


def test_the_python_snippets_in_the_readme_run(monkeypatch):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "README.md").read_text()
    snippets = re.findall(r"```python\n(.*?)\n```", text, flags=re.S)
    assert snippets
    for code in snippets:
        exec(compile(code, "README.md", "exec"), {})
