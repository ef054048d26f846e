"""Every malformed scenario in the corpus (malformed_cases.py, at least 150 files) ends in a
clear error from both ``poesim validate`` and ``poesim run --reps 2``: exit status 2, no
traceback, the file and the field (or what is wrong with the file) named, within 10 s, and
nothing written. The default run takes a fixed sample of about 20 cases; ``-m long`` all.

Cases that could block or eat memory if the loader regressed (pipes, devices, alias bombs,
deep nesting, huge files) run in a subprocess with a 10 s timeout and a 2 GB address-space
limit in the long run; the others run in this process under a 10 s alarm."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from tests.scenario.malformed_cases import Case, all_cases, sample

CASES = all_cases()
LIMIT_S = 10.0
cli = CliRunner()


@contextmanager
def alarm(seconds: float):
    def expire(signum, frame):
        raise TimeoutError(f"took more than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _limit_memory() -> None:  # in the child, before exec
    resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))


def commands(path: Path, out: Path) -> list[list[str]]:
    return [["validate", str(path)],
            ["run", str(path), "--reps", "2", "--workers", "1", "--no-plots", "--out", str(out)]]


def run_in_process(args: list[str]) -> tuple[int, str]:
    with alarm(LIMIT_S):
        res = cli.invoke(app, args)
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        return 1, res.output + f"\nTraceback: {type(res.exception).__name__}: {res.exception}"
    return res.exit_code, res.output


def run_in_subprocess(args: list[str]) -> tuple[int, str]:
    try:
        proc = subprocess.run([sys.executable, "-m", "sim.cli", *args], capture_output=True, text=True,
                              timeout=LIMIT_S, preexec_fn=_limit_memory, errors="replace")
    except subprocess.TimeoutExpired:
        return -1, f"timed out after {LIMIT_S} s"
    return proc.returncode, proc.stdout + proc.stderr


def check(case: Case, tmp_path: Path, isolate: bool) -> None:
    path = case.make(tmp_path / "case")
    out = tmp_path / "out"
    for args in commands(path, out):
        t0 = time.perf_counter()
        rc, output = (run_in_subprocess if isolate and case.blocking else run_in_process)(args)
        took = time.perf_counter() - t0
        what = f"poesim {args[0]} on case {case.id!r}"
        assert took < LIMIT_S, f"{what}: {took:.1f} s"
        assert "Traceback" not in output, f"{what}:\n{output}"
        if case.valid and args[0] == "validate":
            assert rc == 0, f"{what}: a valid scenario was refused:\n{output}"
            continue
        assert rc == 2, f"{what}: exit status {rc}\n{output}"
        assert str(path.parent / case.where) in output, f"{what} does not name {case.where}:\n{output}"
        assert case.expect in output, f"{what} does not say {case.expect!r}:\n{output}"
        if case.secret:
            assert case.secret not in output, f"{what} repeats a value of a file that is not a scenario"
        if case.valid:  # it ran, so it may have kept checkpoints, but nothing that looks like a result
            assert not (out / "manifest.json").exists() and not (out / "summary.csv").exists(), what
        else:
            assert not out.exists(), f"{what} wrote {out}"


def test_the_corpus_holds_at_least_150_distinct_cases():
    assert len(CASES) >= 150
    assert sum(c.blocking for c in CASES) >= 10


@pytest.mark.parametrize("case", sample(CASES), ids=lambda c: c.id)
def test_a_sample_of_the_corpus_fails_cleanly(case, tmp_path):
    check(case, tmp_path, isolate=False)


@pytest.mark.long
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_every_malformed_file_fails_cleanly(case, tmp_path):
    check(case, tmp_path, isolate=True)
