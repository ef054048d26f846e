"""One report (``poesim report DIR``, ``--report``): a self-contained HTML page per result directory.

Unit tests read the HTML (sections, numbers from the CSVs, links that resolve, nothing fetched from
the network); the ``browser`` tests render it in headless Chromium (the distribution's package):
DOM, screenshot, and no console message, which is shown to catch a page with a deliberate error."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim import html_report
from sim.cli import app
from tests.builders import single_queue

cli = CliRunner()
CHROMIUM = Path("/usr/bin/chromium")


def _scenarios(tmp: Path) -> tuple[Path, Path]:
    a = tmp / "a.yaml"
    a.write_text(yaml.safe_dump(single_queue(rate_per_h=330, lanes=6, hours=6, warmup_h=1)))
    doc = yaml.safe_load(a.read_text())
    doc["name"], doc["lane_groups"]["booths"]["lanes"] = "eight lanes", 8
    b = tmp / "b.yaml"
    b.write_text(yaml.safe_dump(doc))
    return a, b


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, Path]:
    """A small run and a small compare, each written with --report."""
    tmp = tmp_path_factory.mktemp("report")
    a, b = _scenarios(tmp)
    out = {"run": tmp / "run", "compare": tmp / "cmp"}
    res = cli.invoke(app, ["run", str(a), "--reps", "2", "--workers", "1", "--out", str(out["run"]), "--report"])
    assert res.exit_code == 0, res.output
    res = cli.invoke(app, ["compare", str(a), str(b), "--reps", "2", "--workers", "1", "--out", str(out["compare"]),
                           "--report"])
    assert res.exit_code == 0, res.output
    assert "report.html" in res.output
    return out


class _Refs(HTMLParser):
    """Every src and href of a page, and the text of its section headings."""

    def __init__(self) -> None:
        super().__init__()
        self.src: list[str] = []
        self.href: list[str] = []
        self.h2: list[str] = []
        self._in_h2 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("src"):
            self.src.append(a["src"])
        if a.get("href"):
            self.href.append(a["href"])
        self._in_h2 = tag == "h2"

    def handle_endtag(self, tag):
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self._in_h2:
            self.h2.append(data.strip())


def _refs(page: str) -> _Refs:
    p = _Refs()
    p.feed(page)
    return p


def key_numbers(out: Path) -> list[str]:
    """Whole-day numbers the page must show, read from the CSVs as the page formats them."""
    if (out / "comparison_by_band.csv").is_file():
        d = pd.read_csv(out / "comparison_by_band.csv", dtype={"hour": str})
        r = d[(d["hour"] == "all") & (d["program"] == "all") & (d["lane_group"] == "all")].iloc[0]
        return [f"{r['mean_wait_min_a']:.1f} → {r['mean_wait_min_b']:.1f}",
                f"{r['mean_wait_min_diff']:+.1f}".replace("-", "−"),
                f"{r['p95_wait_min_a']:.1f} → {r['p95_wait_min_b']:.1f}"]
    s = pd.read_csv(out / "summary.csv", dtype={"hour": str})
    r = s[(s["hour"] == "all") & (s["program"] == "all") & (s["lane_group"] == "all")].iloc[0]
    return [f"{r['mean_wait_min']:.1f}", f"{r['p50_wait_min']:.1f}", f"{r['p95_wait_min']:.1f}",
            f"{r['max_wait_min']:.1f}", f"{r['n']:,.0f}"]


# --- the HTML itself (default suite) -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["run", "compare"])
def test_report_has_the_sections_numbers_and_working_links(results, kind):
    out = results[kind]
    page = (out / "report.html").read_text()
    refs = _refs(page)
    want = {"Waits by hour" if kind == "run" else "Waits by hour, and B − A", "Wait distributions",
            "Queues, lanes and officers by hour", "Files", "Provenance"}
    assert want <= set(refs.h2), refs.h2
    assert any(h.startswith("Headline") for h in refs.h2) and any("ssumptions" in h for h in refs.h2)
    text = re.sub(r"<[^>]+>", "", page)
    for number in key_numbers(out):
        assert number in text, number
    # every CSV of the directory is linked, and every link resolves to a file next to the page
    files = [h for h in refs.href if not h.startswith("#")]
    assert {p.name for p in out.glob("*.csv")} <= set(files)
    for h in files:
        assert (out / h).is_file(), h
    # self-contained: images are data URIs, nothing comes from the network, no script
    assert refs.src and all(s.startswith("data:image/png;base64,") for s in refs.src)
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page)
    assert "<script" not in page.lower() and "@media print" in page
    assert "default-src 'none'" in page  # a Content-Security-Policy: the browser refuses anything else
    # the manifest lists the report, so that the next output into the directory replaces it
    m = json.loads((out / "manifest.json").read_text())
    files_listed = m["files"] if kind == "run" else m["comparison"][0]["files"]
    assert "report.html" in files_listed


def test_compare_report_states_the_change_and_what_b_changes(results):
    page = (results["compare"] / "report.html").read_text()
    assert "eight lanes" in page and "What B changes from A" in page
    assert "lane_groups.booths.lanes" in page and "not from the scenario library" in page
    d = pd.read_csv(results["compare"] / "comparison_by_band.csv", dtype={"hour": str})
    r = d[(d["hour"] == "all") & (d["program"] == "all") & (d["lane_group"] == "booths")].iloc[0]
    v = html_report.verdict(r["mean_wait_min_diff"], r["mean_wait_min_diff_lo"], r["mean_wait_min_diff_hi"])
    wording = {"better": f'<span class="better">{abs(r["mean_wait_min_diff"]):.1f} min shorter</span> with B',
               "worse": f'<span class="worse">{abs(r["mean_wait_min_diff"]):.1f} min longer</span> with B',
               "unclear": '<span class="unclear">no clear change</span> in the mean wait',
               "same": "the same waits in every replication"}[v]
    assert wording in page
    assert html_report.verdict(-2.0, -3.0, -1.0) == "better" and html_report.verdict(2.0, 1.0, 3.0) == "worse"
    assert html_report.verdict(-2.0, -3.0, 1.0) == "unclear" and html_report.verdict(0.0, 0.0, 0.0) == "same"


def test_a_later_output_without_report_removes_the_stale_page(tmp_path):
    a, _ = _scenarios(tmp_path)
    out = tmp_path / "run"
    for flag in ("--report", "--no-report"):
        res = cli.invoke(app, ["run", str(a), "--reps", "2", "--workers", "1", "--out", str(out), flag])
        assert res.exit_code == 0, res.output
        assert (out / "report.html").is_file() == (flag == "--report")


def test_validation_status_follows_the_scenario_library(root):
    region = html_report.validation_status("scenarios/region/baseline.yaml",
                                           [str(root / "scenarios/region/baseline.yaml")])
    assert region[0] == "validated" and region[1] == "validated region model" and region[3]
    assert Path(region[3]).is_file() and Path(region[3]).name == "VALIDATION.md"
    whatif = html_report.validation_status(
        "scenarios/staffing/om_wait_targets.yaml",
        [str(root / "scenarios/staffing/om_wait_targets.yaml"), str(root / "scenarios/region/baseline.yaml")])
    assert whatif[1] == "what-if on the validated region model"
    port = html_report.validation_status("x.yaml", [str(root / "scenarios/otay_mesa/baseline.yaml")])
    assert port[0] == "derived" and Path(str(port[3])).name == "VALIDATION_PORTS.md"
    assert html_report.validation_status("scenarios/theory/mmc.yaml", [])[0] == "synthetic"
    assert html_report.validation_status("/tmp/mine.yaml", ["/tmp/mine.yaml"])[0] == "unknown"


def test_extra_files_get_a_section_and_unserved_travellers_a_warning(results, tmp_path):
    out = tmp_path / "cmp"
    shutil.copytree(results["compare"], out)
    shutil.copy(out / "wait_ecdf.png", out / "extra_figure.png")
    pd.DataFrame({"what": ["x"], "value": [-1234.5], "value_lo": [-1500.25], "value_hi": [-999.75]}).to_csv(
        out / "extra_table.csv", index=False)
    s = pd.read_csv(out / "summary.csv", dtype={"hour": str})
    s.loc[s["hour"] == "all", "n_unserved"] = 7
    s.to_csv(out / "summary.csv", index=False)
    html_report.write_report(out)
    page = (out / "report.html").read_text()
    assert "extra figure" in page and "extra_table.csv" in page and "−1,234.50" in page and "−1,500.25" in page
    assert "were still waiting when the run ended" in page


def test_the_delay_cost_section_gives_each_total_a_to_b_with_its_paired_interval(results):
    page = (results["compare"] / "report.html").read_text() if (results["compare"] / "report.html").exists() \
        else html_report.write_report(results["compare"]).read_text()
    d = pd.read_csv(results["compare"] / "delay_cost_differences.csv", dtype={"hour": str})
    total = d[(d["hour"] == "all") & (d["mode"] == "all") & (d["lane_group"] == "all")].iloc[0]
    assert "Delay cost and emissions" in page and 'href="delay_cost_differences.csv"' in page
    for m, _, k in html_report.COST_METRICS:
        assert f"{html_report._num(total[m + '_a'], k)} → {html_report._num(total[m + '_b'], k)}" in page
        assert html_report._num(total[m + "_diff_lo"], k, sign=True) in page


def test_report_command_errors_are_one_line(tmp_path, results):
    for target, message in ((tmp_path / "nope", "no such directory"),
                            (tmp_path, "not a poesim result directory")):
        res = cli.invoke(app, ["report", str(target)])
        assert res.exit_code == 2 and message in res.output and "Traceback" not in res.output
    res = cli.invoke(app, ["report", str(results["run"]), "--out", str(tmp_path / "elsewhere" / "r.html")])
    assert res.exit_code == 0, res.output
    page = (tmp_path / "elsewhere" / "r.html").read_text()
    for h in (x for x in _refs(page).href if not x.startswith("#")):
        assert (tmp_path / "elsewhere" / h).resolve().is_file(), h


def test_sweep_and_staff_directories_are_reported(tmp_path, root):
    a, _ = _scenarios(tmp_path)
    out = tmp_path / "sweep"
    res = cli.invoke(app, ["sweep", str(a), "--set", "lane_groups.booths.lanes=6,7", "--reps", "2", "--workers", "1",
                           "--out", str(out), "--report"])
    assert res.exit_code == 0, res.output
    page = (out / "report.html").read_text()
    assert "Sweep: lane_groups.booths.lanes" in page and 'href="sweep.csv"' in page
    staff = tmp_path / "staff"  # a staff manifest, as poesim staff writes it, with its files
    staff.mkdir()
    (staff / "officer_hours.csv").write_text("roster,hour,baseline,found,change\nofficers,06,10,9,-1\n"
                                             "officers,all,240,239,-1\n")
    (staff / "manifest.json").write_text(json.dumps({
        "scenario_file": str(a), "targets": ["mean <= 1.2 s"], "per": "hour", "fresh_check": {
            "seed": 12, "replications": 3, "met": True}, "officer_hours": {"officers": {"baseline": 240, "found": 239}},
        "files": ["officer_hours.csv", "manifest.json"]}))
    html_report.write_report(staff)
    page = (staff / "report.html").read_text()
    assert "Every target holds" in page and "240 → 239 officer-hours a day" in page


# --- in a real browser ---------------------------------------------------------------------------


def _chromium() -> Path:
    if CHROMIUM.is_file():
        return CHROMIUM
    if os.environ.get("POESIM_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and POESIM_REQUIRE_BROWSER=1 (install Debian's chromium package)")
    pytest.skip(f"{CHROMIUM} is missing (install Debian's chromium package; POESIM_REQUIRE_BROWSER=1 makes "
                "this a failure)")


def chromium(page: Path, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    """Run headless Chromium on a file with console logging to stderr."""
    cmd = [str(_chromium()), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp / 'chromium-profile'}", "--enable-logging=stderr", "--v=0", *args,
           page.resolve().as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def console_messages(stderr: str) -> list[str]:
    """Messages the page wrote to the console (errors, CSP violations, log calls), as Chromium logs them."""
    return [line for line in stderr.splitlines() if re.search(r":CONSOLE[:(]", line)]


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["run", "compare"])
def test_report_renders_in_chromium_with_the_key_numbers_and_a_clean_console(results, kind, tmp_path):
    out = results[kind]
    page = out / "report.html"
    dom = chromium(page, tmp_path, "--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert console_messages(dom.stderr) == []
    text = re.sub(r"<[^>]+>", "", dom.stdout)
    for number in key_numbers(out):
        assert number in text, number
    assert "Wait distributions" in text and "Provenance" in text
    shot = tmp_path / "shot.png"
    res = chromium(page, tmp_path, f"--screenshot={shot}", "--window-size=1280,4000")
    assert res.returncode == 0 and console_messages(res.stderr) == []
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000  # a page of text and plots, not a blank


@pytest.mark.browser
def test_the_console_check_catches_errors_and_blocked_resources(results, tmp_path):
    bad = tmp_path / "bad.html"
    bad.write_text("<!DOCTYPE html><html><body><p>x</p><script>undefinedFunction();</script></body></html>")
    messages = console_messages(chromium(bad, tmp_path, "--dump-dom").stderr)
    assert any("undefinedFunction is not defined" in m for m in messages), messages
    # the report's Content-Security-Policy turns any resource from outside the page into a console error
    leaky = tmp_path / "leaky.html"
    leaky.write_text((results["run"] / "report.html").read_text().replace(
        "</body>", '<img src="https://example.invalid/x.png"></body>'))
    messages = console_messages(chromium(leaky, tmp_path, "--dump-dom").stderr)
    assert any("Content Security Policy" in m for m in messages), messages
