"""Real Dask for the Dask backend's tests: each engine starts once per session.

- ``local_client``: a ``LocalCluster`` of 2 worker processes (1 thread each) on 127.0.0.1.
- ``cluster``: a cluster of separate processes, as an operator starts one: ``dask scheduler`` and
  two ``dask worker`` processes (each under its nanny, which restarts a worker that dies). The
  workers get AWS credentials but no S3 endpoint: the endpoint must reach them with the plan.
- ``s3``: moto's S3 server on 127.0.0.1 with ``bucket/data/part-{0,1,2}.parquet``; the
  ``s3_env`` fixture gives it to this process the standard AWS way (``AWS_ENDPOINT_URL``).

Every test here is marked ``engine``. Run them with ``pytest tests/engines/dask`` (one engine at
a time on a small machine: see scripts/test.sh).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from ..tables import mixed_table

try:
    import dask  # noqa: F401
    import distributed
except ImportError as exc:  # pragma: no cover - the engine must be installed for these tests
    raise ImportError(
        f"the Dask engine tests need dask and distributed ({exc}): "
        "pip install '.[test,dask]' (bash scripts/install-test-deps.sh)"
    ) from None

ROWS = 6_000
BIN = Path(sys.executable).parent
AWS_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_REGION": "us-east-1",
    "AWS_EC2_METADATA_DISABLED": "true",  # no metadata service here: never wait for one
}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.engine)


# -- data ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def table() -> pa.Table:
    return mixed_table(ROWS)


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory, table) -> Path:
    """data.parquet (6 row groups), data.csv, parts/part-{0,1,2}.parquet (row groups of 700),
    corrupt.parquet (a garbled data page in row group 1)."""
    root = tmp_path_factory.mktemp("dask-data")
    pq.write_table(table, root / "data.parquet", row_group_size=1_000)
    pacsv.write_csv(table.drop_columns(["d"]), root / "data.csv")
    (root / "parts").mkdir()
    for k, (a, b) in enumerate([(0, 2_000), (2_000, 4_500), (4_500, ROWS)]):
        pq.write_table(
            table.slice(a, b - a), root / "parts" / f"part-{k}.parquet", row_group_size=700
        )
    _write_corrupt(root / "corrupt.parquet")
    return root


def _write_corrupt(path: Path) -> None:
    """A Parquet file whose footer is fine (so it plans) but whose second row group's string page
    is garbled (so the worker reading it fails)."""
    t = pa.table({"x": list(range(10_000)), "s": [f"v{i}" for i in range(10_000)]})
    pq.write_table(t, path, row_group_size=5_000, compression="none")
    data = bytearray(path.read_bytes())
    start = pq.read_metadata(path).row_group(1).column(1).data_page_offset
    data[start + 20 : start + 2_000] = b"\xff" * 1_980
    path.write_bytes(bytes(data))


# -- helpers --------------------------------------------------------------------------------------


def untimed(profile, *also: str) -> str:
    """The profile's JSON without its timings and the backend's name (and ``also`` keys)."""
    d = profile.to_dict() if not isinstance(profile, dict) else dict(profile)
    for key in ("profiled_at", "profile_duration_ms", "backend", *also):
        d.pop(key, None)
    d["columns"] = [
        {k: v for k, v in c.items() if k not in ("profiled_at", "profile_duration_ms")}
        for c in d["columns"]
    ]
    return json.dumps(d, sort_keys=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def th_command(*args: str) -> list[str]:
    """``th`` next to this interpreter (``python -m truthound.cli`` where it is not installed)."""
    th = BIN / "th"
    return [str(th), *args] if th.exists() else [sys.executable, "-m", "truthound.cli", *args]


# -- engines ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def local_client():
    """A LocalCluster (2 processes x 1 thread, all on 127.0.0.1) and a client that is not
    the default one, so tests choose when it is current."""
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        memory_limit="2GB",
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    client = distributed.Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


class Cluster:
    """A scheduler and workers started as separate processes."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DASK_"))}
        self.env.update(AWS_CREDENTIALS)
        self.procs: list[subprocess.Popen] = []

    def _start(self, name: str, *args: str) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-c", _DIE_WITH_PARENT, sys.executable, "-m", "dask", *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped together with its nanny
        )
        proc.log = log  # type: ignore[attr-defined]
        self.procs.append(proc)
        return proc

    def start(self) -> None:
        self._start(
            "scheduler",
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dashboard-address",
            "127.0.0.1:0",
        )
        for k in range(2):
            self._start(
                f"worker-{k}",
                "worker",
                self.address,
                "--host",
                "127.0.0.1",
                "--nthreads",
                "1",
                "--memory-limit",
                "2GB",
                "--no-dashboard",
                "--name",
                f"w{k}",
            )
        client = self.client()
        try:
            client.wait_for_workers(2, timeout=60)
        finally:
            client.close()

    def client(self) -> distributed.Client:
        return distributed.Client(self.address, set_as_default=False, timeout=30)

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.log.close()  # type: ignore[attr-defined]


# Runs the command given after it with PR_SET_PDEATHSIG = SIGTERM (Linux prctl; kept across
# exec), so a cluster process stops when the test process ends, even one killed before its
# fixtures could stop the cluster.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys; "
    "ctypes.CDLL('libc.so.6', use_errno=True).prctl(1, signal.SIGTERM); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """``dask scheduler`` + 2 ``dask worker`` processes on 127.0.0.1; yields the Cluster."""
    c = Cluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        c.start()
        yield c
    finally:
        c.stop()


@pytest.fixture(scope="session")
def cluster_client(cluster):
    client = cluster.client()
    yield client
    client.close()


@pytest.fixture
def at_cluster(cluster, cluster_client, monkeypatch):
    """DASK_SCHEDULER_ADDRESS points at the process cluster, with both workers up."""
    cluster_client.wait_for_workers(2, timeout=60)
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.address)
    return cluster


# -- S3 -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3(data_dir):
    """moto's S3 server on 127.0.0.1 with bucket/data/part-{0,1,2}.parquet; yields the endpoint."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="bucket")
    for path in sorted((data_dir / "parts").glob("*.parquet")):
        client.upload_file(str(path), "bucket", f"data/{path.name}")
    yield endpoint
    server.stop()


@pytest.fixture
def s3_env(s3, monkeypatch):
    """This process reaches the S3 server the standard AWS way: AWS_ENDPOINT_URL + credentials."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3)
    for key, value in AWS_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    return s3
