"""Output directories cannot be mixed or poisoned: one run at a time, checkpoints that are inert
data tied to their run and checked before use, nothing deleted that poesim did not write, stale
outputs cleared, an unusable place refused before simulating; workers end with their parent."""

from __future__ import annotations

import errno
import json
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim import checkpoints, reports, rundir, runner
from sim.cli import app
from sim.model import build_model
from sim.runner import run_replication
from sim.scenario import scenario_from_dict
from tests.builders import single_queue

cli = CliRunner()
KEY = {"scenario_sha256": "abc", "seed": 1, "keep_records": True, "poesim_version": "0", "streaming": False}


def scenario_file(tmp_path: Path) -> Path:
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(single_queue(rate_per_h=300, lanes=6, hours=4, warmup_h=1)))
    return p


def run(scen: Path, out: Path, *extra: str):
    return cli.invoke(app, ["run", str(scen), "--reps", "3", "--workers", "1", "--no-plots", "--out", str(out),
                            *extra])


class Payload:
    """Unpickling this runs code (creates a file): what a poisoned pickle checkpoint would do."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


# --- the checkpoint format ------------------------------------------------------------------


def test_a_checkpoint_round_trips_exactly_and_carries_its_run():
    model = build_model(scenario_from_dict(single_queue(rate_per_h=120, lanes=2, hours=3, warmup_h=0)).scenario)
    out = run_replication(model, seed=5, replication=2, keep_records=True)
    data = checkpoints.encode(out, KEY)
    assert data.startswith(checkpoints.MAGIC) and b"pickle" not in data[:200]
    back = checkpoints.decode(data, KEY, 2)
    for name in ("by_hour", "by_band", "queue", "quantiles", "records"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(out, name), check_exact=True)
    assert (back.n_travellers, back.replication) == (out.n_travellers, 2)
    header = json.loads(data[len(checkpoints.MAGIC):data.index(b"\n", len(checkpoints.MAGIC))])
    assert header["key"] == KEY and header["replication"] == 2 and len(header["sha256"]) == 64
    with pytest.raises(checkpoints.CorruptCheckpoint, match="different run \\(differs in seed\\)"):
        checkpoints.decode(data, {**KEY, "seed": 2}, 2)
    with pytest.raises(checkpoints.CorruptCheckpoint, match="holds replication 2, not 3"):
        checkpoints.decode(data, KEY, 3)
    with pytest.raises(checkpoints.CorruptCheckpoint, match="does not match its hash"):
        checkpoints.decode(data[:-10], KEY, 2)
    tampered = data.replace(b'"n_travellers": ', b'"n_travellers": 1', 1)
    with pytest.raises(checkpoints.CorruptCheckpoint):
        checkpoints.decode(tampered[:-1] + bytes([tampered[-1] ^ 1]), KEY, 2)


def _resume_with(tmp_path: Path, poison) -> tuple[object, Path, Path]:
    """Run, keep the checkpoints (a failed write), poison them, resume; return the resume result."""
    scen, out = scenario_file(tmp_path), tmp_path / "out"
    fresh = run(scen, tmp_path / "fresh")
    assert fresh.exit_code == 0, fresh.output
    original = reports.write_run

    def failing(*a, **k):
        raise RuntimeError("stop before writing")

    reports.write_run = failing
    try:
        assert run(scen, out).exit_code != 0
    finally:
        reports.write_run = original
    ckpt = out / "replications"
    assert checkpoints.finished(ckpt) == [0, 1, 2]
    poison(ckpt)
    return run(scen, out, "--resume"), out, tmp_path / "fresh"


def test_a_poisoned_checkpoint_never_runs_code_and_is_run_again(tmp_path):
    marker = tmp_path / "pwned"

    def poison(ckpt: Path) -> None:
        (ckpt / "rep-00001.ckpt").write_bytes(pickle.dumps(Payload(marker)))
        (ckpt / "rep-00002.pkl").write_bytes(pickle.dumps(Payload(marker)))  # an older poesim's name

    res, out, fresh = _resume_with(tmp_path, poison)
    assert res.exit_code == 0, res.output
    assert not marker.exists()
    assert "rep-00001.ckpt: cannot be used (not a poesim checkpoint" in res.output
    assert "running replication 1 again" in res.output and "pickles are never loaded" in res.output
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), pd.read_csv(fresh / "summary.csv"))


@pytest.mark.parametrize("damage", ["truncated", pytest.param("other run", marks=pytest.mark.long),
                                    pytest.param("garbage", marks=pytest.mark.long)])
def test_a_damaged_or_foreign_checkpoint_is_run_again_with_a_notice(tmp_path, damage):
    def poison(ckpt: Path) -> None:
        p = ckpt / "rep-00000.ckpt"
        if damage == "truncated":
            p.write_bytes(p.read_bytes()[:-100])
        elif damage == "other run":  # the same replication of a run with another seed
            key = json.loads((ckpt / "key.json").read_text())
            out = checkpoints.decode(p.read_bytes(), key, 0)
            p.write_bytes(checkpoints.encode(out, {**key, "seed": key["seed"] + 1}))
        else:
            p.write_bytes(os.urandom(5000))

    res, out, fresh = _resume_with(tmp_path, poison)
    assert res.exit_code == 0, res.output
    expected = {"truncated": "its content does not match its hash",
                "other run": "it belongs to a different run (differs in seed)",
                "garbage": "not a poesim checkpoint"}[damage]
    assert f"rep-00000.ckpt: cannot be used ({expected}" in res.output and "Traceback" not in res.output
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), pd.read_csv(fresh / "summary.csv"))


# --- the output directory -------------------------------------------------------------------


def test_two_runs_cannot_write_into_one_directory(tmp_path):
    scen, out = scenario_file(tmp_path), tmp_path / "out"
    with rundir.claim(out):
        res = run(scen, out)
        assert res.exit_code == 2
        assert f"--out {out}: another poesim run (process {os.getpid()}) is writing here" in res.output
        assert not (out / "replications").exists()
    assert not (out / rundir.LOCK).exists()  # released and removed
    assert run(scen, out).exit_code == 0


def test_a_killed_lock_holder_does_not_lock_the_directory(tmp_path):
    out = tmp_path / "out"
    code = f"from sim import rundir; import time\nwith rundir.claim({str(out)!r}):\n print('held', flush=True)\n" \
           " time.sleep(60)\n"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    proc.kill()
    proc.wait()
    with rundir.claim(out):  # the kernel released the dead run's lock
        pass


def test_poesim_deletes_only_what_it_wrote(tmp_path):
    scen, out = scenario_file(tmp_path), tmp_path / "out"
    (out / "replications").mkdir(parents=True)
    (out / "replications" / "notes.txt").write_text("mine")
    (out / "replications" / "rep-00007.ckpt").write_text("mine too, despite the name")
    (out / "mine.csv").write_text("x\n1\n")
    res = run(scen, out)
    assert res.exit_code == 0, res.output
    assert "kept 2 files poesim did not write" in res.output
    assert sorted(p.name for p in (out / "replications").iterdir()) == ["notes.txt", "rep-00007.ckpt"]
    assert (out / "mine.csv").read_text() == "x\n1\n"


def test_stale_outputs_and_staging_directories_of_earlier_runs_are_cleared(tmp_path):
    scen, out = scenario_file(tmp_path), tmp_path / "out"
    res = cli.invoke(app, ["run", str(scen), "--reps", "2", "--workers", "1", "--out", str(out), "--records"])
    assert res.exit_code == 0 and (out / "wait_by_hour.png").exists() and (out / "records.parquet").exists()
    (out / "notes.md").write_text("mine")
    (out / ".staging-x1y2z3").mkdir()  # left by a run killed while writing
    (out / ".staging-x1y2z3" / "summary.csv").write_text("half")
    res = run(scen, out)  # no plots, no records this time
    assert res.exit_code == 0, res.output
    names = {p.name for p in out.iterdir()}
    assert not {"wait_by_hour.png", "wait_ecdf.png", "queue_by_hour.png", "records.parquet"} & names
    assert {"summary.csv", "manifest.json", "notes.md"} <= names and not any(n.startswith(".") for n in names)
    assert set(json.loads((out / "manifest.json").read_text())["files"]) == names - {"notes.md"}


@pytest.mark.parametrize("place", ["a file", "under a file", "/proc", "full"])
def test_an_unusable_output_place_is_refused_before_simulating(tmp_path, monkeypatch, place):
    scen = scenario_file(tmp_path)
    (tmp_path / "file").write_text("x")
    out = {"a file": tmp_path / "file", "under a file": tmp_path / "file" / "out", "/proc": Path("/proc/poesim-out"),
           "full": tmp_path / "out"}[place]
    if place == "full":
        real_open = Path.open

        def full_disk(self, mode="r", *a, **k):
            if self.name.startswith(".poesim-probe"):
                raise OSError(errno.ENOSPC, "No space left on device", str(self))
            return real_open(self, mode, *a, **k)

        monkeypatch.setattr(Path, "open", full_disk)
    monkeypatch.setattr(runner, "run_replications", lambda *a, **k: pytest.fail("simulated before checking --out"))
    res = run(scen, out)
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    assert res.output.startswith(f"error: --out {out}: ") and "choose another --out" in res.output
    if place == "full":
        assert "No space left on device" in res.output


def test_a_disk_that_fills_while_writing_is_a_clean_error_that_keeps_the_replications(tmp_path, monkeypatch):
    scen, out = scenario_file(tmp_path), tmp_path / "out"

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device", str(out / ".staging-abc" / "summary.csv"))

    monkeypatch.setattr(reports, "write_run", full)
    res = run(scen, out)
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"--out {out}: cannot write the results (" in res.output and "summary.csv: No space left on device)" \
        in res.output and "make room and run again with --resume" in res.output
    assert checkpoints.finished(out / "replications") == [0, 1, 2]


# --- worker processes -------------------------------------------------------------------------


def test_workers_end_with_their_parent(tmp_path):
    code = textwrap.dedent("""
        import os, time
        from sim.executors import ProcessExecutor

        def job(i):
            time.sleep(120)

        ex = ProcessExecutor(2)
        it = ex.run(job, [(0,), (1,)])
        pool = ex._get_pool()
        pool.submit(int, 0).result()  # the pool has started its workers
        print(" ".join(str(p) for p in pool._processes), flush=True)
        next(it)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, start_new_session=True)
    pids = [int(p) for p in proc.stdout.readline().split()]
    assert len(pids) >= 2
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)  # the main process only, as a careless kill would
    proc.wait()
    deadline = time.time() + 5
    alive = pids
    while alive and time.time() < deadline:
        time.sleep(0.1)
        alive = [p for p in pids if _alive(p)]
    try:
        assert not alive, f"workers {alive} outlived their parent by 5 s"
    finally:
        for p in alive:
            os.kill(p, signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.long
def test_two_runs_with_different_seeds_cannot_mix_in_one_directory(tmp_path):
    """The issue's case: two runs into one --out with different seeds, one killed, then resumed.
    The second is refused while the first holds the directory; the resumed first run holds only
    its own replications (its result equals an uninterrupted run)."""
    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=540, lanes=10, hours=24, warmup_h=2)))
    out = tmp_path / "out"
    # the SimPy engine and 120 replications (about 6 s): the first run still holds the directory when
    # the second starts (40 were enough until the statistics got faster)
    base = [sys.executable, "-m", "sim.cli", "run", str(scen), "--reps", "120", "--workers", "1", "--no-plots",
            "--engine", "simpy", "--out", str(out)]
    first = subprocess.Popen(base + ["--seed", "1"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    deadline = time.time() + 120
    while not checkpoints.finished(out / "replications") and time.time() < deadline:
        time.sleep(0.05)
    second = subprocess.run(base + ["--seed", "2"], capture_output=True, text=True, timeout=60)
    assert first.poll() is None, "the first run finished before the second started: the test needs a longer run"
    assert second.returncode == 2 and "another poesim run" in second.stderr, second.stderr
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    resumed = subprocess.run(base + ["--seed", "1", "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    fresh = subprocess.run(base[:-1] + [str(tmp_path / "fresh"), "--seed", "1"], capture_output=True, timeout=300)
    assert fresh.returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), pd.read_csv(tmp_path / "fresh" / "summary.csv"))


@pytest.mark.parametrize("forced, expected", [(None, "fast"), ("simpy", "simpy")])
def test_the_manifest_names_the_engine_that_ran(tmp_path, forced, expected):
    extra = ("--engine", forced) if forced else ()
    result = run(scenario_file(tmp_path), tmp_path / "out", *extra)
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["engine"] == expected
