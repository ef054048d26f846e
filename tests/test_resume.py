"""An interrupted run leaves nothing that looks complete, and --resume finishes it with the
replications already done, giving exactly the results of an uninterrupted run."""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from sim.checkpoints import Checkpoints
from sim.errors import PoesimError
from tests.builders import single_queue

POESIM = [sys.executable, "-m", "sim.cli"]


@pytest.mark.long
def test_a_killed_run_leaves_no_complete_looking_output_and_resume_finishes_it(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=540, lanes=10, hours=24, warmup_h=2)))
    out = tmp_path / "out"
    cmd = POESIM + ["run", str(scen), "--reps", "40", "--workers", "1", "--out", str(out), "--no-plots"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ckpt = out / "replications"
    deadline = time.time() + 120
    while len(list(ckpt.glob("rep-*.pkl"))) < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(ckpt.glob("rep-*.pkl")))
    assert 3 <= finished < 40, "the run should have been killed part-way"
    assert not (out / "manifest.json").exists() and not (out / "summary.csv").exists()
    for f in ckpt.glob("rep-*.pkl"):  # every checkpoint that looks finished is whole
        assert pickle.loads(f.read_bytes()).replication == int(f.stem.split("-")[1])

    res = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"resuming: {finished} replications already finished" in res.stderr
    assert (out / "manifest.json").exists() and not ckpt.exists()

    fresh = tmp_path / "fresh"
    subprocess.run(POESIM + ["run", str(scen), "--reps", "40", "--workers", "2", "--out", str(fresh), "--no-plots"],
                   check=True, capture_output=True, timeout=300)
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), pd.read_csv(fresh / "summary.csv"))


def test_resuming_with_another_seed_is_refused(tmp_path):
    key = {"scenario_sha256": "abc", "seed": 1, "keep_records": False, "poesim_version": "0"}
    ck = Checkpoints(tmp_path, key, resume=False)
    ck.save(0, {"x": 1})
    with pytest.raises(PoesimError, match="differs in seed"):
        Checkpoints(tmp_path, {**key, "seed": 2}, resume=True)
    assert Checkpoints(tmp_path, key, resume=True).load(0) == {"x": 1}
    assert Checkpoints(tmp_path, key, resume=False).finished() == []  # a fresh run starts clean
