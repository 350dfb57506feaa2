"""Real Ray for the Ray backend's tests (never a mock).

One Ray at a time on this machine: the ``ray_cluster`` session fixture starts a local Ray on first
use (``local_ray``) and, for the cluster tests, shuts it down before starting a head node with
``ray start`` (``head_node``), which it stops with ``ray stop`` afterwards. Test modules run in
name order, so the head-node tests come last and the local Ray starts once.

Data: a mixed table (integers with nulls, floats with NaN, strings with empty and non-ASCII
values, dates, booleans, 300 duplicate rows) as Parquet with several row groups and as CSV.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import truthound

from ..tables import mixed_table

ray = pytest.importorskip("ray")

from truthound.profiler.distributed import (
    DistributedProfiler,
    LocalBackend,
    PartitionStrategy,
)
from truthound.profiler.distributed.partitioners import Partitioner
from truthound.profiler.distributed.plan import Plan, TablePart, Unit
from truthound.profiler.settings import ProfileSettings

# Every test here starts real Ray; Ray Data's own modules warn about their own deprecated
# settings when a DataContext is made, which is not ours to fix (warnings are errors elsewhere).
ENGINE_MARKS = [
    pytest.mark.engine,
    pytest.mark.filterwarnings("ignore::DeprecationWarning:ray"),
]

ROWS = 20_000
OBJECT_STORE = 512 << 20
HEAD_CPUS = 2


# -- data -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def table() -> pa.Table:
    return mixed_table(ROWS, repeated_ids=False)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory, table) -> Path:
    """data.parquet (8 row groups), data.csv (no date column), parts/ (4 Parquet files)."""
    root = tmp_path_factory.mktemp("ray-data")
    pq.write_table(table, root / "data.parquet", row_group_size=2_500)
    (root / "parts").mkdir()
    for k, (a, b) in enumerate([(0, 4_000), (4_000, 9_000), (9_000, 15_000), (15_000, ROWS)]):
        pq.write_table(table.slice(a, b - a), root / "parts" / f"part-{k}.parquet")
    pacsv.write_csv(table.drop_columns(["d"]), root / "data.csv")
    return root


# -- comparing profiles -----------------------------------------------------------------------------


def untimed(profile) -> str:
    """The profile's JSON without timings (profiled_at, profile_duration_ms) and backend name."""
    d = profile.to_dict()
    for key in ("profiled_at", "profile_duration_ms", "backend"):
        d.pop(key)
    for c in d["columns"]:
        c.pop("profiled_at")
        c.pop("profile_duration_ms")
    return json.dumps(d, sort_keys=True)


class FixedPlan(Partitioner):
    """A partitioner that returns a plan made beforehand (to run one plan on two backends)."""

    def __init__(self, plan: Plan):
        self._plan = plan
        self.strategy = PartitionStrategy(plan.strategy)
        self.buckets = plan.buckets

    def plan(self, data, settings=None, columns=None, **source_options):
        return self._plan


def local_blocks_profile(blocks: list[pa.Table], description: str = "ray.data.Dataset", **settings):
    """The local backend's profile of ``blocks`` as units 0..n-1 (slices of one in-memory table,
    independent of the Ray backend's block parts)."""
    options = ProfileSettings(**settings).unit_options()  # with the relations
    whole = pa.concat_tables(blocks)
    units, offset = [], 0
    for i, block in enumerate(blocks):
        units.append(
            Unit(i, TablePart(whole, offset, block.num_rows, f"block {i}"), whole.schema, options)
        )
        offset += block.num_rows
    plan = Plan(tuple(units), "row_based", description, whole.schema)
    profiler = DistributedProfiler.create(backend=LocalBackend(2), **settings)
    profiler.partitioner = FixedPlan(plan)
    return profiler.profile(whole)


# -- Ray --------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ray_cli() -> str:
    found = shutil.which("ray", path=os.path.dirname(sys.executable)) or shutil.which("ray")
    if found is None:
        pytest.skip("the ray command is not installed")
    return found


class RayClusters:
    """Starts and stops the one Ray these tests use at a time."""

    def __init__(self) -> None:
        self.head: dict[str, str] | None = None

    def local(self) -> None:
        if self.head is not None:
            self.stop_head()
        if not ray.is_initialized():
            ray.init(
                address="local",
                num_cpus=2,
                object_store_memory=OBJECT_STORE,
                include_dashboard=False,
                log_to_driver=False,
            )

    def start_head(self) -> dict[str, str]:
        if ray.is_initialized():
            ray.shutdown()
        if self.head is not None:
            return self.head
        port, client_port = _free_port(), _free_port()
        env = dict(os.environ)
        # The head enables token authentication (Ray's default); drivers given an explicit
        # address opt in with RAY_AUTH_MODE=token. grpcio's fork handlers crash the Ray Client
        # server's fork of its per-client server, so the head runs with them off.
        env.update(RAY_AUTH_MODE="token", GRPC_ENABLE_FORK_SUPPORT="0")
        # The head's workers must import the truthound under test, not another installed one.
        installed = str(Path(truthound.__file__).resolve().parents[1])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (installed, env.get("PYTHONPATH")) if p)
        command = [
            _ray_cli(),
            "start",
            "--head",
            "--node-ip-address",
            "127.0.0.1",
            "--port",
            str(port),
            "--ray-client-server-port",
            str(client_port),
            "--num-cpus",
            str(HEAD_CPUS),
            "--object-store-memory",
            str(OBJECT_STORE),
            "--include-dashboard",
            "false",
            "--disable-usage-stats",
        ]
        done = subprocess.run(
            command, check=False, env=env, capture_output=True, text=True, timeout=120
        )
        if done.returncode != 0:
            self.stop_head()
            raise RuntimeError(f"ray start failed:\n{done.stdout}\n{done.stderr}")
        self.head = {
            "address": f"127.0.0.1:{port}",
            "client": f"ray://127.0.0.1:{client_port}",
        }
        return self.head

    def stop_head(self) -> None:
        if ray.is_initialized():
            ray.shutdown()
        subprocess.run(
            [_ray_cli(), "stop", "--force"],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.head = None

    def close(self) -> None:
        if ray.is_initialized():
            ray.shutdown()
        if self.head is not None:
            self.stop_head()


@pytest.fixture(scope="session")
def ray_cluster():
    clusters = RayClusters()
    yield clusters
    clusters.close()


@pytest.fixture
def local_ray(ray_cluster):
    """A local Ray (2 CPUs, 512 MB object store), started once for the session."""
    ray_cluster.local()
    yield ray
    assert ray.is_initialized(), "a test shut down the session's Ray"


@pytest.fixture(scope="module")
def head_node(ray_cluster):
    """A head node started with `ray start` (the local Ray shut down first); drivers connect with
    token authentication. Yields {"address": "127.0.0.1:P", "client": "ray://127.0.0.1:Q"}."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RAY_AUTH_MODE", "token")
        mp.delenv("RAY_ADDRESS", raising=False)
        head = ray_cluster.start_head()
        yield head
        ray_cluster.stop_head()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
