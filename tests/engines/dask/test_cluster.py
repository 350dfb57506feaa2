"""A cluster of separate processes (``dask scheduler`` + ``dask worker``), reached through
DASK_SCHEDULER_ADDRESS from the API and from ``th``; a worker killed in the middle of a job does
not change the profile."""

from __future__ import annotations

import json
import os
import signal
import subprocess

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import get_task_stream

from truthound.profiler.distributed import (
    DaskBackend,
    DaskConfig,
    DistributedMonitor,
    DistributedProfiler,
    LocalConfig,
)
from truthound.profiler.model import TableProfile

from .conftest import th_command, untimed


def local(source, **kwargs):
    return DistributedProfiler.create(config=LocalConfig(num_workers=1), **kwargs).profile(source)


def unit_keys(stream) -> list[str]:
    return [t["key"] for t in stream.data if str(t["key"]).startswith("truthound-unit-")]


def test_profile_through_dask_scheduler_address(at_cluster, cluster_client, data_dir, monkeypatch):
    source = str(data_dir / "data.parquet")
    backend = DaskBackend(DaskConfig(scheduler="distributed"))
    assert backend.address == at_cluster.address
    with get_task_stream(cluster_client) as stream:
        profile = backend.profile_file(source, num_partitions=3)
    assert len(unit_keys(stream)) == 3  # ran on that cluster
    reference = local(source, num_partitions=3)
    assert untimed(profile) == untimed(reference)
    assert profile.partial == reference.partial
    # The address given as the scheduler, without the environment variable:
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS")
    by_address = DaskBackend(DaskConfig(scheduler=at_cluster.address)).profile_file(
        source, num_partitions=3
    )
    assert untimed(by_address) == untimed(reference)


def run_th(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        th_command(*args),
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_th_profile_distributed_dask(at_cluster, cluster_client, data_dir, tmp_path):
    source = str(data_dir / "parts" / "*.parquet")
    out = tmp_path / "profile.json"
    with get_task_stream(cluster_client) as stream:
        done = run_th(
            "profile",
            source,
            "--distributed",
            "--backend",
            "dask",
            "--scheduler",
            "distributed",
            "--format",
            "json",
            "-o",
            str(out),
        )
    assert done.returncode == 0, done.stderr
    assert unit_keys(stream)
    profile = TableProfile.from_dict(json.loads(out.read_text()))
    assert profile.backend == "dask"
    assert untimed(profile) == untimed(local(source))


def test_th_reports_a_failing_unit_and_exits_1(at_cluster, data_dir):
    done = run_th(
        "profile",
        str(data_dir / "corrupt.parquet"),
        "--backend",
        "dask",
        "--scheduler",
        "distributed",
        "--partitions",
        "2",
    )
    assert done.returncode == 1
    assert "corrupt.parquet row group 1 (rows 5000-9999)" in done.stderr
    assert done.stderr.startswith("th: error: ")


def test_th_unreachable_scheduler_is_a_clear_error(data_dir):
    from .conftest import free_port

    address = f"tcp://127.0.0.1:{free_port()}"
    done = run_th(
        "profile",
        str(data_dir / "data.parquet"),
        "--backend",
        "dask",
        "--scheduler",
        "distributed",
        env={"DASK_SCHEDULER_ADDRESS": address, "DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"},
    )
    assert done.returncode == 1
    assert f"cannot connect to the Dask scheduler at {address} (from DASK_SCHEDULER_ADDRESS)" in (
        done.stderr
    )


@pytest.fixture(scope="module")
def long_job(tmp_path_factory):
    """24 row groups of 100,000 rows, 6 columns: long enough to kill a worker mid-job."""
    path = tmp_path_factory.mktemp("long") / "long.parquet"
    rng = np.random.default_rng(5)
    n = 2_400_000
    words = pa.array([f"w{i:05d}" for i in range(50_000)])
    table = pa.table(
        {
            "id": pa.array(np.arange(n)),
            "x": pa.array(rng.normal(0, 1, n)),
            "y": pa.array(rng.integers(0, 1_000_000, n)),
            "s": words.take(pa.array(rng.integers(0, len(words), n))),
            "t": words.take(pa.array(rng.zipf(1.5, n) % len(words))),
            "f": pa.array(rng.random(n) < 0.5),
        }
    )
    pq.write_table(table, path, row_group_size=100_000)
    return str(path)


def test_worker_killed_mid_job_changes_nothing(at_cluster, cluster_client, long_job):
    reference = local(long_job, num_partitions=24)
    pids = cluster_client.run(os.getpid)  # worker address -> pid
    victim_address, victim = min(pids.items())
    killed = {}

    def kill_after_two(_unit_id):
        if killed or monitor.completed < 2:
            return
        busy = cluster_client.run_on_scheduler(
            lambda dask_scheduler: {
                ws.address: len(ws.processing) for ws in dask_scheduler.workers.values()
            }
        )
        os.kill(victim, signal.SIGKILL)
        killed.update(busy=busy.get(victim_address, 0), completed=monitor.completed)

    monitor = DistributedMonitor()
    monitor.on_partition_complete(kill_after_two)
    profile = DaskBackend(DaskConfig(scheduler="distributed")).profile_file(
        long_job, num_partitions=24, monitor=monitor
    )
    assert killed["busy"] >= 1  # the victim was running a unit when it died
    assert killed["completed"] < 24 == monitor.completed
    assert not psutil.pid_exists(victim) or psutil.Process(victim).status() == "zombie"
    assert untimed(profile) == untimed(reference)
    assert profile.partial == reference.partial
    # Its nanny starts a new worker process: the cluster is whole again for the next tests.
    cluster_client.wait_for_workers(2, timeout=60)
    assert victim not in cluster_client.run(os.getpid).values()
