"""A real standalone Spark cluster on 127.0.0.1 (a master and one 1-core worker, started from the
installed pyspark's jars), profiled with ``th profile ... --backend spark --master spark://...``,
and the spec's Spark examples run against it. Runs last: the local session is stopped first."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from truthound.profiler.distributed import DistributedProfiler, LocalBackend

from .helpers import untimed

STARTUP_SECONDS = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _spark_class() -> str:
    import pyspark

    home = os.environ.get("SPARK_HOME") or os.path.dirname(pyspark.__file__)
    return os.path.join(home, "bin", "spark-class")


def _daemon(args: list[str], log: Path, env: dict) -> subprocess.Popen:
    # Its own process group: the worker's executors and their Python workers die with it.
    with open(log, "wb") as out:
        return subprocess.Popen(
            [_spark_class(), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


def _wait_for(log: Path, text: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if text in log.read_text(errors="replace"):
            return
        if proc.poll() is not None:
            break
        time.sleep(0.5)
    raise AssertionError(f"{text!r} not in {log}:\n{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture(scope="module")
def cluster(spark, tmp_path_factory):
    """``spark://127.0.0.1:PORT`` of a running master with one registered worker; the work
    directory of its executors; and the env of a driver that fits the worker (1 core, 512m)."""
    spark.stop()  # one Spark application at a time on this machine
    root = tmp_path_factory.mktemp("spark-cluster")
    from truthound.profiler.distributed.backends.spark import prepare_environment

    prepare_environment()  # JAVA_HOME for spark-class
    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "SPARK_DAEMON_MEMORY": "256m"}
    env.pop("SPARK_CONF_DIR", None)
    port = _free_port()
    url = f"spark://127.0.0.1:{port}"
    master = _daemon(
        ["org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", str(port),
         "--webui-port", str(_free_port())],
        root / "master.log", env,
    )  # fmt: skip
    worker = None
    try:
        _wait_for(root / "master.log", "I have been elected leader", master)
        worker = _daemon(
            ["org.apache.spark.deploy.worker.Worker", url, "--host", "127.0.0.1", "--cores", "1",
             "--memory", "1g", "--webui-port", str(_free_port()), "--work-dir", str(root / "work")],
            root / "worker.log", env,
        )  # fmt: skip
        _wait_for(root / "worker.log", "Successfully registered with master", worker)
        conf = root / "conf"
        conf.mkdir()
        (conf / "spark-defaults.conf").write_text(
            "spark.executor.cores 1\nspark.executor.memory 512m\n"
        )
        yield url, root / "work", {**env, "SPARK_CONF_DIR": str(conf)}
    finally:
        for proc in (worker, master):
            if proc is not None:
                _stop(proc)


def _executor_logs(work: Path) -> str:
    return "\n".join(p.read_text(errors="replace") for p in work.glob("app-*/*/stderr"))


def test_th_profile_on_a_standalone_cluster_retries_a_failed_task(cluster, data_dir, tmp_path):
    url, work, env = cluster
    out = tmp_path / "profile.json"
    path = data_dir / "data.parquet"
    run = subprocess.run(
        [sys.executable, "-m", "truthound.cli", "profile", str(path), "--distributed",
         "--backend", "spark", "--master", url, "--partitions", "3", "--format", "json",
         "-o", str(out)],
        env={**env, "TRUTHOUND_FAIL_UNIT_ONCE": "1"},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-3000:]
    on_cluster = json.loads(out.read_text())
    assert on_cluster["backend"] == "spark" and on_cluster["unit_count"] == 3
    local = DistributedProfiler.create(backend=LocalBackend(2), num_partitions=3).profile(str(path))
    expected = json.loads(untimed(local, backend=True))
    expected.pop("state")
    expected["backend"] = "spark"
    for item in (on_cluster, *on_cluster["columns"]):
        item.pop("profiled_at"), item.pop("profile_duration_ms")
    assert on_cluster == expected
    # The units ran in the worker's executor, where unit 1's first attempt failed and was retried.
    assert "TRUTHOUND_FAIL_UNIT_ONCE=1: the first attempt of this task fails" in _executor_logs(
        work
    )


def test_spec_spark_examples_on_the_cluster(cluster, data_dir, capsys):
    from pyspark.sql import SparkSession

    url, _, _ = cluster
    large = str(data_dir / "data.parquet")

    # SparkBackend: the spec's example with the cluster's URL and sizes that fit its worker.
    from truthound.profiler.distributed import SparkBackend, SparkConfig

    config = SparkConfig(
        master=url,
        executor_memory="512m",
        executor_cores=1,
        num_executors=1,
    )

    backend = SparkBackend(config)

    profile = backend.profile_file(large)  # "hdfs://data/large.parquet" in the spec
    assert profile.row_count == 6_000 and profile.backend == "spark"
    assert SparkSession.getActiveSession() is None  # the backend stopped the session it started

    from truthound.profiler.distributed.backends.spark import session_conf

    builder = SparkSession.builder.master(url).appName("spec-examples")
    for key, value in session_conf(config).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        spark_df = spark.read.parquet(large)
        profile = backend.profile(spark_df)
        assert profile.row_count == 6_000 and profile.duplicate_row_count == 300

        # The integration example.
        from truthound.profiler.distributed import (
            DistributedBackend,
            DistributedProfiler,
            PartitionStrategy,
        )

        config = SparkConfig(
            master=url,
            executor_memory="512m",
            num_executors=1,
            spark_config={
                "spark.sql.shuffle.partitions": "200",
            },
        )

        profiler = DistributedProfiler.create(
            backend=DistributedBackend.SPARK,
            config=config,
            partition_strategy=PartitionStrategy.HYBRID,
        )

        profile = profiler.profile(large)  # "hdfs://data/100gb_dataset.parquet"

        print(f"Rows: {profile.row_count:,}")
        print(f"Columns: {profile.column_count}")
        print(f"Duration: {profile.profile_duration_ms / 1000:.2f}s")

        # Monitoring.
        from truthound.profiler.distributed import DistributedMonitor

        monitor = DistributedMonitor()

        profiler = DistributedProfiler.create(
            backend="spark",
            monitor=monitor,
        )

        monitor.on_partition_complete(lambda p: print(f"Partition {p} complete"))
        monitor.on_progress(lambda pct: print(f"Progress: {pct}%"))

        profile = profiler.profile(large)  # "data" in the spec
        assert spark.sparkContext.master == url  # the cluster's session, not a new one
    finally:
        spark.stop()
    out = capsys.readouterr().out
    assert "Rows: 6,000" in out and "Columns: 8" in out
    assert "Partition 0 complete" in out and "Progress: 100.0%" in out


def test_executors_share_one_cache_folder(cluster, tmp_path, monkeypatch):
    """The partial cache (#20) on the standalone cluster: the executors read and write the
    folder themselves (the driver never gets or puts an entry), a re-run computes only the new
    file, and the bytes are the local backend's for the same plan. Then the same with the cache
    on S3 (moto), whose endpoint and keys reach the executors inside the plan."""
    from s3server import MotoS3
    from unit.profiler.cache.lake import add_day, entries, lake

    from truthound.profiler.cache import PartialCache, UnitCache
    from truthound.profiler.distributed import SparkBackend, SparkConfig

    url, _, _ = cluster
    calls: list[str] = []  # entries got or put in this, the driver's, process
    for verb in ("get", "put"):
        original = getattr(PartialCache, verb)
        monkeypatch.setattr(
            PartialCache,
            verb,
            lambda s, *a, _o=original, _v=verb, **k: calls.append(_v) or _o(s, *a, **k),
        )
    config = SparkConfig(master=url, executor_memory="512m", executor_cores=1, num_executors=1)

    def on_cluster(cache, data):
        return DistributedProfiler.create(backend=SparkBackend(config), cache=cache).profile(
            str(data)
        )

    def uncached(data):
        return DistributedProfiler.create(backend=LocalBackend(1), cache=False).profile(str(data))

    data = lake(tmp_path / "lake", 3)
    folder = tmp_path / "cache"
    first = on_cluster(folder, data)
    assert first.backend == "spark" and first.cache["misses"] == 3 and len(entries(folder)) == 3
    add_day(data, 3)
    again = on_cluster(folder, data)
    assert again.cache["hits"] == 3 and again.cache["misses"] == 1
    assert again.partial == uncached(data).partial
    victim = entries(folder)[2]
    victim.write_bytes(victim.read_bytes()[:-5])
    damaged = on_cluster(folder, data)
    assert damaged.cache["misses"] == 1 and damaged.partial == again.partial

    with MotoS3() as s3:
        cache = UnitCache(f"s3://{s3.bucket}/shared-cache", storage_options=s3.options)
        assert on_cluster(cache, data).cache["misses"] == 4
        add_day(data, 4)
        on_s3 = on_cluster(cache, data)
        assert on_s3.cache["hits"] == 4 and on_s3.cache["misses"] == 1
        assert on_s3.partial == uncached(data).partial
        assert PartialCache(cache.folder.location, s3.options).info().entries == 5
    assert calls == []
