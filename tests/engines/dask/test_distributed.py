"""The distributed scheduler on a LocalCluster: the local backend's bytes for the same plan; the
current client is used; without one the backend starts its own cluster on 127.0.0.1 (dashboard
too, on a free port when the asked one is taken) and closes exactly what it started."""

from __future__ import annotations

import os
import socket

import dask.dataframe as dd
import psutil
import pytest
from distributed import get_task_stream

from truthound.profiler.distributed import (
    DaskBackend,
    DaskConfig,
    DistributedMonitor,
    DistributedProfiler,
    LocalConfig,
    auto_select_backend,
)
from truthound.profiler.errors import ProfilerError

from .conftest import untimed
from .test_local_schedulers import local_profile_of_frame


def local(source, **kwargs):
    return DistributedProfiler.create(config=LocalConfig(num_workers=1), **kwargs).profile(source)


def ran_on(client, run):
    """The keys of the tasks ``run()`` ran on ``client``'s cluster."""
    with get_task_stream(client) as stream:
        result = run()
    return result, {t["key"] for t in stream.data}


def test_files_and_frames_equal_the_local_backend(local_client, data_dir, table):
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)
    for source, kwargs in [
        (str(data_dir / "data.parquet"), {"num_partitions": 3}),
        (str(data_dir / "parts"), {"partition_strategy": "hybrid"}),
        (str(data_dir / "data.csv"), {"partition_strategy": "hash", "num_partitions": 2}),
        (table, {"num_partitions": 3}),  # in-memory slices travel to the workers
    ]:
        reference = local(source, **kwargs)
        profile, keys = ran_on(local_client, lambda s=source, k=kwargs: backend.profile(s, **k))
        assert untimed(profile) == untimed(reference), kwargs
        assert profile.partial == reference.partial
        assert len([k for k in keys if str(k).startswith("truthound-unit-")]) == profile.unit_count

    frame = dd.from_pandas(table.to_pandas(), npartitions=3)
    profile = backend.profile(frame)
    reference = local_profile_of_frame(frame)
    assert untimed(profile, "name", "source") == untimed(reference, "name", "source")


def test_the_current_client_is_used(local_client, data_dir, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    source = str(data_dir / "data.parquet")
    children = {p.pid for p in psutil.Process().children(recursive=True)}
    with local_client.as_current():
        profile, keys = ran_on(
            local_client,
            lambda: DistributedProfiler.create(
                backend="dask", config=DaskConfig(scheduler="distributed"), num_partitions=2
            ).profile(source),
        )
        assert auto_select_backend().name == "dask"
        auto = DistributedProfiler.create(backend="auto", num_partitions=2).profile(source)
    assert {p.pid for p in psutil.Process().children(recursive=True)} == children  # no cluster
    assert len([k for k in keys if str(k).startswith("truthound-unit-")]) == 2
    assert untimed(profile) == untimed(auto) == untimed(local(source, num_partitions=2))


def test_errors_name_the_unit_and_cancel_the_rest(local_client, data_dir):
    errors = []
    monitor = DistributedMonitor()
    monitor.on_error(errors.append)
    backend = DaskBackend(client=local_client)
    with pytest.raises(ProfilerError, match=r"corrupt\.parquet row group 1 \(rows 5000-9999\)"):
        backend.profile_file(str(data_dir / "corrupt.parquet"), num_partitions=2, monitor=monitor)
    assert len(errors) == 1
    # Nothing of the failed run stays on the cluster.
    left = local_client.run_on_scheduler(
        lambda dask_scheduler: [k for k in dask_scheduler.tasks if "truthound-" in str(k)]
    )
    assert left == []


def _listening(process: psutil.Process) -> set[tuple[str, int]]:
    found = set()
    for proc in [process, *process.children(recursive=True)]:
        try:
            conns = proc.net_connections(kind="inet")
        except psutil.NoSuchProcess:
            continue
        found |= {c.laddr[:2] for c in conns if c.status == psutil.CONN_LISTEN}
    return found


def test_own_local_cluster_on_loopback_with_a_free_dashboard_port(data_dir, monkeypatch):
    """No client, no DASK_SCHEDULER_ADDRESS: a LocalCluster of num_workers processes with
    memory_limit each, everything on 127.0.0.1; the dashboard's port is taken, so another is
    used; leaving the ``with`` block closes the cluster and its processes."""
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    me = psutil.Process()
    before = _listening(me)
    children = {p.pid for p in me.children(recursive=True)}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = DaskConfig(
            scheduler="distributed",
            num_workers=2,
            memory_limit="1GB",
            dashboard_address=f":{port}",
        )
        with DaskBackend(config) as backend:
            client = backend.held_client
            workers = client.scheduler_info()["workers"].values()
            assert [w["memory_limit"] for w in workers] == [10**9, 10**9]
            assert [w["nthreads"] for w in workers] == [1, 1]
            link = client.dashboard_link
            assert link.startswith("http://127.0.0.1:") and f":{port}/" not in link
            new = _listening(me) - before
            assert new and {host for host, _ in new} == {"127.0.0.1"}
            source = str(data_dir / "data.parquet")
            first = backend.profile_file(source, num_partitions=3)
            second = backend.profile_file(source, num_partitions=3)  # the same cluster
            assert backend.held_client is client
    assert untimed(first) == untimed(second) == untimed(local(source, num_partitions=3))
    assert client.status == "closed"
    assert {p.pid for p in me.children(recursive=True)} <= children
    assert _listening(me) <= before


def test_a_run_without_a_cluster_starts_one_and_stops_it(data_dir, monkeypatch):
    monkeypatch.delenv("DASK_SCHEDULER_ADDRESS", raising=False)
    me = psutil.Process()
    children = {p.pid for p in me.children(recursive=True)}
    seen_workers = []
    monitor = DistributedMonitor()
    monitor.on_partition_complete(
        lambda _: seen_workers.append(len(me.children(recursive=True)) - len(children))
    )
    config = DaskConfig(scheduler="distributed", num_workers=2, dashboard_address=None)
    source = str(data_dir / "parts")
    profile = DaskBackend(config).profile_file(source, monitor=monitor)
    assert seen_workers and min(seen_workers) >= 2  # worker processes while it ran
    assert {p.pid for p in me.children(recursive=True)} <= children  # and none after
    assert untimed(profile) == untimed(local(source))
    assert os.environ.get("DASK_SCHEDULER_ADDRESS") is None
