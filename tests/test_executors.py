"""Replications give bit-identical results on every executor, and survive dead workers."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

import sim
from sim import executors
from sim.errors import PoesimError
from sim.executors import DaskExecutor, ProcessExecutor, SerialExecutor
from sim.scenario import scenario_from_dict
from tests.builders import single_queue


def small():
    return scenario_from_dict(single_queue(rate_per_h=300, lanes=6, hours=6, warmup_h=1))


def test_serial_and_process_executors_agree_bit_for_bit():
    a = sim.run(small(), replications=4, seed=3, executor=SerialExecutor())
    with ProcessExecutor(2) as ex:
        b = sim.run(small(), replications=4, seed=3, executor=ex)
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    pd.testing.assert_frame_equal(a.per_replication("by_hour"), b.per_replication("by_hour"), check_exact=True)


def _die_once(marker: str, value: int) -> int:
    """A job whose first attempt kills its worker process, as an out-of-memory kill would."""
    if not Path(marker).exists():
        Path(marker).write_text("died")
        os._exit(1)
    return value * 10


def test_a_dead_local_worker_is_replaced_and_its_job_rerun(tmp_path):
    marker = str(tmp_path / "died")
    with ProcessExecutor(2, retries=2) as ex:
        results = dict(ex.run(_die_once, [(marker, i) for i in range(4)]))
    assert results == {0: 0, 1: 10, 2: 20, 3: 30}


def test_only_the_command_line_reads_the_dask_address_from_the_environment(monkeypatch, tmp_path):
    seen = []
    monkeypatch.setattr(executors, "DaskExecutor", lambda address: seen.append(address) or SerialExecutor())
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", "tcp://scheduler:8786")
    executors.make_executor()  # a library call stays local whatever the environment says
    assert seen == []
    executors.make_executor(dask="tcp://other:8786")
    assert seen == ["tcp://other:8786"]
    from typer.testing import CliRunner

    from sim.cli import app

    scenario = tmp_path / "small.yaml"
    scenario.write_text(yaml.safe_dump(single_queue(rate_per_h=60, lanes=2, hours=3, warmup_h=1)))
    result = CliRunner().invoke(app, ["run", str(scenario), "--reps", "1", "--out", str(tmp_path / "out"),
                                      "--no-plots"])
    assert result.exit_code == 0, result.output
    assert seen[-1] == "tcp://scheduler:8786"  # the command line does


def test_an_unreachable_dask_scheduler_is_a_clear_error():
    with pytest.raises(PoesimError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        DaskExecutor("tcp://127.0.0.1:1", timeout="1s")


@pytest.mark.parametrize("n, workers", [(1, 2), (4, 2), (5, 2), (30, 2), (100, 2), (7, 3), (3, 8), (1000, 16)])
def test_batches_cover_every_job_once_in_order_and_shrink_so_no_worker_idles_at_the_end(n, workers):
    jobs = [(f"job{i}",) for i in range(n)]
    b = executors.batches(n, workers, jobs)
    assert [i for batch in b for i, _ in batch] == list(range(n))
    assert all(jobs[i] == args for batch in b for i, args in batch)
    sizes = [len(batch) for batch in b]
    assert sizes == sorted(sizes, reverse=True)  # largest first
    assert sizes[-1] == 1  # the last jobs go one at a time
    assert len(b) >= min(n, workers)  # every worker gets work from the first round
    # each round gives every worker a 2·workers-th of the jobs left (rounded up): half the work left is
    # handed out per round, so a worker that picks up a round's batch last is never far behind the others
    left = n
    for r in range(0, len(sizes), workers):
        assert max(sizes[r:r + workers]) == max(1, -(-left // (2 * workers)))
        left -= sum(sizes[r:r + workers])
    assert len(b) <= workers * (2 + math.ceil(math.log2(max(2, n / workers))))  # a few tasks, not one per job


def test_thirty_jobs_on_two_workers_go_in_eight_batches():
    assert [len(b) for b in executors.batches(30, 2, [()] * 30)] == [8, 8, 4, 4, 2, 2, 1, 1]


@pytest.mark.long
def test_a_dask_cluster_gives_the_same_results_as_local_processes():
    distributed = pytest.importorskip("dask.distributed")
    local = sim.run(small(), replications=4, seed=3, executor=SerialExecutor())
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with DaskExecutor(cluster.scheduler_address) as ex:
            assert ex.workers == 2
            remote = sim.run(small(), replications=4, seed=3, executor=ex)
    pd.testing.assert_frame_equal(local.summary, remote.summary, check_exact=True)


def test_the_printed_dask_settings_are_what_a_cluster_process_reads_at_start_up():
    from typer.testing import CliRunner

    from sim.cli import app

    printed = CliRunner().invoke(app, ["dask-env"])
    assert printed.exit_code == 0, printed.output
    env = dict(line.removeprefix("export ").split("=", 1) for line in printed.output.splitlines())
    assert env == executors.dask_worker_env()
    probe = ("import dask, distributed, json; from sim.executors import DASK_WORKER_CONFIG as c; "
             "print(json.dumps({k: dask.config.get(k) for k in c}))")
    out = subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env}, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert json.loads(out.stdout) == executors.DASK_WORKER_CONFIG


@pytest.mark.long
def test_workers_started_with_the_settings_run_no_profiler_beside_the_replications():
    distributed = pytest.importorskip("dask.distributed")
    import dask

    with dask.config.set(executors.DASK_WORKER_CONFIG):
        with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                      dashboard_address=None) as cluster, distributed.Client(cluster) as client:
            callbacks = client.run(lambda dask_worker: sorted(dask_worker.periodic_callbacks))
    (names,) = callbacks.values()
    assert "profile" not in names and "heartbeat" in names


@pytest.mark.long
def test_a_job_whose_dask_worker_dies_is_rerun_elsewhere(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    marker = str(tmp_path / "died")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        with DaskExecutor(cluster.scheduler_address) as ex:
            results = dict(ex.run(_die_once, [(marker, i) for i in range(4)]))
    assert Path(marker).exists() and results == {0: 0, 1: 10, 2: 20, 3: 30}


def test_a_run_that_opens_its_own_dask_executor_describes_it_after_closing_it(monkeypatch):
    """The client forgets its scheduler on close; the run's description must not need it."""
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster:
        result = sim.run(small(), replications=1, seed=3, dask=cluster.scheduler_address)
    assert result.executor == f"DaskExecutor({cluster.scheduler_address}, 1 workers)"


TUNE = "from sim import executors; print(executors.tune_allocator(), executors.tune_allocator())"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
@pytest.mark.parametrize("dask_env", [False, True])
def test_the_allocator_is_tuned_once_per_process_also_under_dasks_malloc_trim_threshold(dask_env):
    import subprocess

    env = {**os.environ, "PYTHONPATH": str(Path(sim.__file__).parents[1])}
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    if dask_env:
        env["MALLOC_TRIM_THRESHOLD_"] = "65536"  # what Dask's nanny sets for its workers
    out = subprocess.run([sys.executable, "-c", TUNE], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]  # tuned, then a no-op
