"""The Dask backend (``pip install 'truthound[dask]'``): units of work as Dask tasks.

A backend of the execution stage (:mod:`truthound.profiler.distributed.execution`): it only
schedules. Each unit becomes one task running ``run_task`` where it lands: the worker opens its own
file (local, ``s3://``, ...) and only the partial bytes come back. A Dask DataFrame's partition (a
part its source hands out) is computed on the cluster and passed to its unit's task. Every node of
the merge tree is a task too, so the driver fetches one root per HASH bucket (one otherwise).

Schedulers (:class:`DaskConfig` ``scheduler``):

- ``"threads"``, ``"processes"``: each unit's Dask graph computed with the synchronous scheduler on
  a pool of ``num_workers`` threads or processes of this machine (a Dask DataFrame's partitions in
  threads); merge nodes on a driver thread.
- ``"synchronous"``: one unit at a time on the calling thread, in unit order (for debugging).
- ``"distributed"``: the ``client`` given, else the current ``distributed.Client``, else a client
  to ``DASK_SCHEDULER_ADDRESS``, else a ``LocalCluster`` of ``num_workers`` processes (one thread
  each, ``memory_limit`` each) listening on 127.0.0.1, its dashboard on 127.0.0.1 at
  ``dashboard_address``'s port (a free port when that one is taken). Units are futures, and so
  is every node of the fixed merge tree (:mod:`truthound.profiler.merge_tree`) over them: the
  partials are merged on the workers and the driver fetches one root per group of units (per
  HASH bucket; one otherwise). Units are reported as they complete, so progress reaches the
  monitor unit by unit; a task whose worker died is retried (``execution.RETRIES``).
- an address (``tcp://host:8786``): a client to that scheduler.

A run closes only what it started (a client it opened, a cluster it started); used as a context
manager the backend keeps them for every run inside the ``with`` block.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import os
import pickle
import socket
import time
import uuid
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.backends.local import LocalBackend
from truthound.profiler.distributed.config import DaskConfig, default_num_workers
from truthound.profiler.distributed.execution import RETRIES, UnitFailed, merge_node, run_task
from truthound.profiler.distributed.plan import Unit
from truthound.profiler.errors import BackendError, InvalidInputError

__all__ = ["SCHEDULER_ENV", "DaskBackend"]

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
LOCAL_HOST = "127.0.0.1"
# How long a run waits for the first worker of a cluster it connects to. (How long it tries to
# reach the scheduler is Dask's ``distributed.comm.timeouts.connect``, 30 s by default.)
WORKER_WAIT_S = 60

log = logging.getLogger(__name__)


class DaskBackend(UnitBackend):
    """Runs units as Dask tasks.

    Parameters
    ----------
    config
        Scheduler and cluster settings (``DaskConfig()`` defaults: the threads scheduler).
    client
        A ``distributed.Client`` to use as is (never closed here).

    Examples
    --------
    >>> import pyarrow as pa
    >>> backend = DaskBackend(DaskConfig(scheduler="threads", num_workers=2))
    >>> profile = backend.profile(pa.table({"x": [1, 2, 2]}), num_partitions=2)
    >>> profile.row_count, profile["x"].distinct_count, profile.unit_count
    (3, 2, 2)
    """

    name = "dask"
    config_class = DaskConfig
    retries = RETRIES

    def __init__(self, config: DaskConfig | None = None, client: Any = None):
        require_engine("dask", "dask", "Dask")
        self.config = config or DaskConfig()
        self.client = client
        if self.is_distributed:
            require_engine("distributed", "dask", "Dask distributed")
        self._held: contextlib.ExitStack | None = None
        self._held_client: Any = None
        self._run: Any = None  # the client of the current run, or the local pools
        self._frames: cf.Executor | None = None
        self._token = ""
        # This run's futures still referenced somewhere (a traceback, say): cancelled on failure.
        self._submitted: weakref.WeakSet = weakref.WeakSet()

    @property
    def is_distributed(self) -> bool:
        """True when units run on a ``distributed`` cluster (not a local scheduler)."""
        return (
            self.client is not None
            or self.config.scheduler == "distributed"
            or "://" in self.config.scheduler
        )

    @property
    def address(self) -> str | None:
        """The scheduler to connect to: an address given as ``scheduler``, else the environment."""
        if "://" in self.config.scheduler:
            return self.config.scheduler
        return os.environ.get(SCHEDULER_ENV) or None

    @property
    def parallelism(self) -> int:
        if self.is_distributed and self._run is not None:
            return max(1, sum(w.get("nthreads", 1) for w in self._workers().values()))
        return self.config.num_workers or default_num_workers()

    def _workers(self) -> dict[str, Any]:
        return self._run.scheduler_info().get("workers", {})

    # -- the protocol ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """The client of one run (given, held, current, from an address, or a new LocalCluster's),
        or on a local scheduler a pool of this machine; closes only what it opened."""
        self._token = uuid.uuid4().hex[:8]
        if self.is_distributed:
            with self._client() as client:
                self._run = client
                try:
                    yield None
                finally:
                    self._run = None
            return
        workers = 1 if self.config.scheduler == "synchronous" else self.parallelism
        local = LocalBackend(workers, use_processes=self.config.scheduler == "processes")
        with local.session(), cf.ThreadPoolExecutor(max(1, workers)) as frames:
            self._run, self._frames = local, frames
            try:
                yield None
            finally:
                self._run, self._frames = None, None

    def submit(self, unit: Unit) -> Any:
        part = unit.part
        if not self.is_distributed:
            if part.engine == self.name:  # a partition: computed and profiled in a thread
                return self._frames.submit(_run_partition, unit, *part.engine_input(unit))
            return self._run.submit(unit)
        client = self._run
        key = f"truthound-unit-{self._token}-{unit.unit_id}"
        options = {"key": key, "priority": -unit.unit_id, "retries": RETRIES, "pure": False}
        if part.engine == self.name:
            (partition,) = client.compute(list(part.engine_input(unit)))
            self._submitted.add(partition)
            stub = replace(unit, part=replace(part, partitions=None))
            future = client.submit(_run_partition, stub, partition, **options)
        else:
            # Pickled here, once, so the scheduler passes the unit on as opaque bytes (a Parquet
            # fragment re-reads its footer each time it is pickled, which the scheduler may not).
            future = client.submit(_run_pickled, pickle.dumps(unit, protocol=5), **options)
        self._submitted.add(future)
        return future

    def merge(self, handles: Sequence[Any]) -> Any:
        if not self.is_distributed:
            return self._run.merge(handles)
        # Ahead of the units (priority): a node frees its children's partials.
        key = f"truthound-merge-{self._token}-{uuid.uuid4().hex[:8]}"
        future = self._run.submit(
            merge_node, *handles, key=key, priority=1, retries=RETRIES, pure=False
        )
        self._submitted.add(future)
        return future

    def fetch(self, handle: Any) -> bytes:
        if isinstance(handle, bytes):
            return handle
        if not self.is_distributed:
            return self._run.fetch(handle)
        if handle.status == "cancelled":
            raise BackendError("the Dask task was cancelled (the client closed?)")
        return handle.result()

    def wait(self, handles: Sequence[Any]) -> list[Any]:
        if not self.is_distributed:
            return self._run.wait(handles)
        import distributed

        with self._run.as_current():  # a client given or opened here is not the default
            done, _ = distributed.wait(list(handles), return_when="FIRST_COMPLETED")
        finished = [h for h in handles if h in done]
        for handle in finished:
            if handle.status != "finished":
                raise UnitFailed(handle, handle.exception())
        return finished

    def cancel(self, handles: Sequence[Any]) -> None:
        if not self.is_distributed:
            return self._run.cancel(handles)
        # Everything of this run still alive, not only the handles the stage holds.
        futures = {*handles, *self._submitted}
        keys = {str(f.key) for f in futures}
        with contextlib.suppress(Exception):  # a cluster that is gone has nothing to cancel
            self._run.cancel(list(futures), force=True)
            # The cancel travels on the batched stream: wait (briefly) until the scheduler let go.
            for _ in range(40):
                if not self._run.run_on_scheduler(_wanted, keys=keys):
                    break
                time.sleep(0.05)

    # -- the client --------------------------------------------------------------------------------

    @property
    def held_client(self) -> Any:
        """The client kept for every run inside ``with backend:`` (None outside)."""
        return self._held_client

    def __enter__(self) -> DaskBackend:
        """Keep the client (and the cluster, if this backend starts one) for every run until
        ``__exit__``."""
        if self.is_distributed and self._held is None:
            stack = contextlib.ExitStack()
            self._held_client = stack.enter_context(self._client())
            self._held = stack
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and cluster this backend started in ``__enter__`` (nothing else)."""
        held, self._held, self._held_client = self._held, None, None
        if held is not None:
            held.close()

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        if self.client is not None:
            yield self.client
            return
        if self._held_client is not None:
            yield self._held_client
            return
        import distributed

        if "://" not in self.config.scheduler:
            try:
                current = distributed.default_client()
            except ValueError:  # no client in this process
                current = None
            if current is not None:
                yield current
                return
        with contextlib.ExitStack() as stack:
            address = self.address
            if address:
                client = _connect(distributed, address)
            else:
                cluster = _local_cluster(distributed, self.config)
                stack.callback(cluster.close)
                client = distributed.Client(cluster, set_as_default=False)
            stack.callback(client.close)
            _wait_for_workers(client, address or "the local cluster")
            yield client

    def __repr__(self) -> str:
        return f"DaskBackend(scheduler={self.config.scheduler!r})"


# -- clusters ----------------------------------------------------------------------------------------


def _connect(distributed: Any, address: str) -> Any:
    try:
        return distributed.Client(address, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        where = f" (from {SCHEDULER_ENV})" if os.environ.get(SCHEDULER_ENV) == address else ""
        raise BackendError(
            f"cannot connect to the Dask scheduler at {address}{where}: {exc}"
        ) from None


def _local_cluster(distributed: Any, config: DaskConfig) -> Any:
    """A LocalCluster of worker processes on 127.0.0.1."""
    dashboard = dashboard_address(config.dashboard_address)
    # Without a dashboard the scheduler still serves /health and /metrics, by default on port
    # 8787 (a warning, then another port, when that one is taken): put them on a free port.
    http = {} if dashboard else {"dashboard_address": f"{LOCAL_HOST}:0"}
    try:
        return distributed.LocalCluster(
            n_workers=config.num_workers or default_num_workers(),
            threads_per_worker=1,
            processes=True,
            memory_limit=config.memory_limit,
            host=LOCAL_HOST,
            dashboard_address=dashboard,
            scheduler_kwargs=http,
        )
    except ValueError as exc:  # a memory_limit Dask cannot parse, ...
        raise InvalidInputError(f"cannot start a Dask LocalCluster: {exc}") from None
    except RuntimeError as exc:  # "Cluster failed to start: ..."
        raise BackendError(f"cannot start a Dask LocalCluster: {exc}") from None


def _wait_for_workers(client: Any, where: str) -> None:
    if client.scheduler_info().get("workers"):
        return
    try:
        client.wait_for_workers(1, timeout=WORKER_WAIT_S)
    except TimeoutError:
        raise BackendError(f"no Dask worker joined {where} within {WORKER_WAIT_S} s") from None


def dashboard_address(value: str | None) -> str | None:
    """Where a LocalCluster's dashboard listens: ``":8787"`` means 127.0.0.1:8787 (never every
    interface unless a host is named); a port already taken becomes a free one; None or ``""``
    turns the dashboard off.

    Examples
    --------
    >>> dashboard_address(None) is None
    True
    >>> dashboard_address("0.0.0.0:0")
    '0.0.0.0:0'
    """
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    host, _, port_text = text.rpartition(":")
    if not port_text.isdigit():
        raise InvalidInputError(f"dashboard_address must be ':PORT' or 'HOST:PORT', got {value!r}")
    host = host.strip("[]") or LOCAL_HOST
    port = int(port_text)
    if port and not _port_free(host, port):
        log.info("dashboard port %d on %s is taken; using a free port", port, host)
        port = 0
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the dashboard binds
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


# -- tasks -------------------------------------------------------------------------------------------


def _wanted(dask_scheduler: Any, keys: set[str]) -> list[str]:
    return [k for k, ts in dask_scheduler.tasks.items() if str(k) in keys and ts.who_wants]


def _run_pickled(blob: bytes) -> bytes:
    return run_task(pickle.loads(blob))


def _run_partition(unit: Unit, partition: Any) -> bytes:
    """A Dask DataFrame unit: ``partition`` is its computed pandas DataFrame (or, on a local
    scheduler, its delayed object, computed here with the synchronous scheduler)."""
    if hasattr(partition, "dask") and hasattr(partition, "compute"):
        partition = partition.compute(scheduler="synchronous")
    return run_task(replace(unit, part=unit.part.with_input([partition])))
