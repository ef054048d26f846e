"""An interrupted run leaves nothing that looks complete, and --resume finishes it with the
replications already done, giving exactly the results of an uninterrupted run."""

from __future__ import annotations

import functools
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest
import yaml

from sim import checkpoints
from sim.checkpoints import Checkpoints
from sim.errors import PoesimError
from tests.builders import single_queue

POESIM = [sys.executable, "-m", "sim.cli"]


@functools.cache
def one_replication():
    from sim.model import build_model
    from sim.runner import run_replication
    from sim.scenario import scenario_from_dict

    model = build_model(scenario_from_dict(single_queue(rate_per_h=60, lanes=2, hours=3, warmup_h=0)).scenario)
    return run_replication(model, seed=1, replication=0)


@pytest.mark.long
def test_a_killed_run_leaves_no_complete_looking_output_and_resume_finishes_it(tmp_path):
    scen = tmp_path / "s.yaml"
    scen.write_text(yaml.safe_dump(single_queue(rate_per_h=540, lanes=10, hours=24, warmup_h=2)))
    out = tmp_path / "out"
    # 200 replications: a replication takes ~10 ms now, so a shorter run could finish between two polls
    cmd = POESIM + ["run", str(scen), "--reps", "200", "--workers", "1", "--out", str(out), "--no-plots"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    ckpt = out / "replications"
    deadline = time.time() + 120
    while len(list(ckpt.glob("rep-*.ckpt"))) < 3 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(ckpt.glob("rep-*.ckpt")))
    assert 3 <= finished < 200, "the run should have been killed part-way"
    assert not (out / "manifest.json").exists() and not (out / "summary.csv").exists()
    key = json.loads((ckpt / "key.json").read_text())
    for f in ckpt.glob("rep-*.ckpt"):  # every checkpoint that looks finished is whole
        n = int(f.stem.split("-")[1])
        assert checkpoints.decode(f.read_bytes(), key, n).replication == n

    res = subprocess.run(cmd + ["--resume"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert f"resuming: {finished} replications already finished" in res.stderr
    assert (out / "manifest.json").exists() and not ckpt.exists()

    fresh = tmp_path / "fresh"
    subprocess.run(POESIM + ["run", str(scen), "--reps", "200", "--workers", "2", "--out", str(fresh), "--no-plots"],
                   check=True, capture_output=True, timeout=300)
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), pd.read_csv(fresh / "summary.csv"))


def test_resuming_with_another_seed_is_refused(tmp_path):
    key = {"scenario_sha256": "abc", "seed": 1, "keep_records": False, "poesim_version": "0"}
    ck = Checkpoints(tmp_path, key, resume=False)
    ck.save(0, one_replication())
    with pytest.raises(PoesimError, match="differs in seed"):
        Checkpoints(tmp_path, {**key, "seed": 2}, resume=True)
    assert Checkpoints(tmp_path, key, resume=True).load(0).n_travellers == one_replication().n_travellers
    assert Checkpoints(tmp_path, key, resume=False).finished() == []  # a fresh run starts clean
