"""A Ray cluster started with `ray start --head` (the session's local Ray shut down first), reached
through RAY_ADDRESS, RayConfig(address="host:port") and Ray Client (``ray://``); the spec's
RayBackend example runs against it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from truthound.profiler.distributed import (
    DistributedProfiler,
    LocalBackend,
    RayBackend,
    RayConfig,
)

from .conftest import ENGINE_MARKS, local_blocks_profile, untimed

pytestmark = ENGINE_MARKS


def _node_count(ray) -> int:
    return len([n for n in ray.nodes() if n["Alive"]])


def test_ray_address_from_the_environment(head_node, data_dir, monkeypatch):
    import ray

    monkeypatch.setenv("RAY_ADDRESS", head_node["address"])
    path = str(data_dir / "data.parquet")
    with RayBackend() as backend:
        assert backend.address == head_node["address"]
        got = backend.profile_file(path, num_partitions=4)
        assert ray.is_initialized() and _node_count(ray) == 1
        assert ray.cluster_resources()["CPU"] == 2  # the head's, not a new local Ray's
    assert not ray.is_initialized()  # it disconnects what it connected; the head stays up
    assert untimed(got) == untimed(LocalBackend(2).profile(path, num_partitions=4))


def test_config_address_through_the_profiler(head_node, data_dir):
    import ray

    path = str(data_dir / "data.csv")
    profiler = DistributedProfiler.create(
        backend="ray",
        config=RayConfig(address=head_node["address"], num_cpus=1),
        partition_strategy="hybrid",
        num_partitions=3,
    )
    try:
        got = profiler.profile(path)
    finally:
        profiler.backend.close()
    assert not ray.is_initialized()
    want = LocalBackend(2).profile(path, partition_strategy="hybrid", num_partitions=3)
    assert got.unit_count == want.unit_count == 6
    assert untimed(got) == untimed(want)


def test_spec_example_ray_dataset_through_ray_client(head_node, table):
    import ray

    # The spec's example, with the started head node's Ray Client address.
    config = RayConfig(
        address=head_node["client"],
        num_cpus=16,
    )

    backend = RayBackend(config)
    backend.connect()  # the dataset is made on the cluster the backend connects to
    try:
        blocks = [table.slice(0, 6_000), table.slice(6_000, 9_000), table.slice(15_000)]
        ray_dataset = ray.data.from_arrow(blocks)

        # Ray Dataset 프로파일링
        profile = backend.profile(ray_dataset)
    finally:
        backend.close()
    assert not ray.is_initialized()
    assert (profile.row_count, profile.unit_count, profile.backend) == (20_000, 3, "ray")
    assert untimed(profile) == untimed(local_blocks_profile(blocks))


def test_cli_with_ray_address(head_node, data_dir, tmp_path):
    import ray

    out = tmp_path / "profile.json"
    env = dict(os.environ, RAY_ADDRESS=head_node["address"], RAY_AUTH_MODE="token")
    path = str(data_dir / "data.parquet")
    cli = [sys.executable, "-m", "truthound.cli", "profile", path, "--backend", "ray"]
    done = subprocess.run(
        [*cli, "--partitions", "4", "--format", "json", "-o", str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    saved = json.loads(out.read_text())
    assert saved["backend"] == "ray" and saved["unit_count"] == 4
    want = json.loads(untimed(LocalBackend(2).profile(path, num_partitions=4)))
    for key in ("profiled_at", "profile_duration_ms", "backend"):
        saved.pop(key)
    for column in saved["columns"]:
        column.pop("profiled_at")
        column.pop("profile_duration_ms")
    assert saved == want
    assert not ray.is_initialized()
