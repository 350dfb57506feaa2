"""A Ray worker killed in the middle of a run: the task is retried and the profile is unchanged;
with retries off the run fails with an error naming the unit's file and rows."""

from __future__ import annotations

import concurrent.futures as cf
import os
import signal
from pathlib import Path

from truthound.profiler.distributed import DistributedMonitor, LocalBackend, RayBackend
from truthound.profiler.errors import BackendError

from .conftest import ENGINE_MARKS, untimed, wait_for

pytestmark = ENGINE_MARKS

OPTIONS = {"partition_strategy": "row_based", "num_partitions": 4}


def _started(pid_dir: Path) -> list[tuple[int, int]]:
    """(unit id, worker pid) of every task attempt that has started."""
    out = []
    for f in pid_dir.iterdir():
        unit, pid = f.name.removeprefix("unit-").split(".")
        out.append((int(unit), int(pid)))
    return sorted(out)


def test_killed_worker_is_retried_and_the_profile_is_unchanged(local_ray, data_dir, tmp_path):
    path = str(data_dir / "data.parquet")
    backend = RayBackend(max_retries=3, task_delay=1.5, pid_dir=tmp_path)
    monitor = DistributedMonitor()
    with cf.ThreadPoolExecutor(1) as pool:
        run = pool.submit(backend.profile_file, path, monitor=monitor, **OPTIONS)
        unit, pid = wait_for(lambda: _started(tmp_path), 60, "a task to start")[0]
        os.kill(pid, signal.SIGKILL)  # mid-task: it sleeps task_delay before profiling
        profile = run.result(timeout=120)
    attempts = [p for u, p in _started(tmp_path) if u == unit]
    assert len(attempts) == 2 and pid in attempts  # the retry ran in another process
    assert monitor.completed == 4
    assert untimed(profile) == untimed(LocalBackend(2).profile(path, **OPTIONS))


def test_killed_worker_without_retries_fails_naming_the_unit(local_ray, data_dir, tmp_path):
    path = str(data_dir / "data.parquet")
    backend = RayBackend(max_retries=0, task_delay=1.5, pid_dir=tmp_path)
    with cf.ThreadPoolExecutor(1) as pool:
        run = pool.submit(backend.profile_file, path, **OPTIONS)
        _, pid = wait_for(lambda: _started(tmp_path), 60, "a task to start")[0]
        os.kill(pid, signal.SIGKILL)
        error = run.exception(timeout=120)
    assert isinstance(error, BackendError), error
    assert path in str(error) and "row groups" in str(error) and "worker died" in str(error)
    assert "0 retries" in str(error)
