"""The Ray backend (``pip install 'truthound[ray]'``): units as Ray tasks.

Where it runs, in order: the Ray this process already initialised (used as is, never shut down);
else the cluster at ``RayConfig.address`` or ``$RAY_ADDRESS`` (``ray://host:10001`` through Ray
Client, ``auto``, or the ``host:port`` of a head node); else a local Ray with ``num_cpus`` /
``num_gpus`` / ``object_store_memory`` (1 GiB by default), no dashboard and no worker logs on the
driver. What the backend starts or connects to lives for one profile run; after
:meth:`RayBackend.connect`, or inside ``with RayBackend(...)``, it lives until
:meth:`RayBackend.close` (or the end of the block). It never shuts down a Ray it did not start.

Two kinds of input:

- **Paths and in-memory tables**: each unit becomes one remote task running ``run_task``, so a
  worker reads its own file fragment, row groups or byte range and sends back partial bytes (an
  in-memory table goes to the object store once for all its slices).
- **A Ray Dataset** is a source (:mod:`truthound.profiler.engine_frames`) whose parts are its
  blocks; each task receives its blocks' object refs as arguments, so Ray hands it the Arrow tables
  from the object store without copying them through the driver.

The backend only schedules (:mod:`truthound.profiler.distributed.execution`): the stage submits
units in unit order, a bounded window at a time (``ray.wait`` without fetching), and every node of
the merge tree is a Ray task over its children's object refs, so the driver fetches one root per
bucket. A task whose worker dies is retried (``max_retries``); a task that raises stops the run with
the error of its unit, naming the unit's file and rows (or block).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Self

from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.config import RayConfig
from truthound.profiler.distributed.execution import UnitFailed, merge_node, run_task
from truthound.profiler.distributed.plan import TablePart, Unit
from truthound.profiler.errors import BackendError, InvalidInputError

__all__ = ["ADDRESS_ENV", "DEFAULT_OBJECT_STORE_MEMORY", "RayBackend"]

ADDRESS_ENV = "RAY_ADDRESS"
DEFAULT_OBJECT_STORE_MEMORY = 1 << 30  # a local Ray's store: partial profiles are small


class RayBackend(UnitBackend):
    """Runs units as Ray tasks.

    Parameters
    ----------
    config
        Cluster address and resources (``RayConfig()`` defaults). With an address, ``num_cpus``
        caps the tasks this backend runs at once (a cluster's own resources are not changed).
    max_retries
        Times a task is retried when its worker process or node dies (application errors are not
        retried).
    task_delay
        Seconds each task sleeps before it profiles: slows a run down to watch its progress or to
        try fault tolerance (kill a worker in the middle of a run).
    pid_dir
        A folder on the workers' machine; each task attempt creates an empty file
        ``unit-<unit id>.<worker pid>`` there when it starts, saying which process runs which unit.

    Examples
    --------
    >>> from truthound.profiler.distributed import RayBackend, RayConfig
    >>> with RayBackend(RayConfig(num_cpus=2)) as backend:  # doctest: +SKIP
    ...     ray = backend.connect()  # a local Ray of 2 CPUs, kept until the block ends
    ...     ds = ray.data.from_items([{"x": i} for i in range(100)])
    ...     profile = backend.profile(ds)  # one unit per block
    ...     same = backend.profile_file("data.parquet")  # one task per unit of the plan
    >>> profile.row_count  # doctest: +SKIP
    100
    """

    name = "ray"
    config_class = RayConfig

    def __init__(
        self,
        config: RayConfig | None = None,
        *,
        max_retries: int = 3,
        task_delay: float = 0.0,
        pid_dir: str | os.PathLike | None = None,
    ):
        require_engine("ray", "ray", "Ray")
        self.config = config or RayConfig()
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidInputError(f"max_retries must be an integer >= 0, got {max_retries!r}")
        if not isinstance(task_delay, (int, float)) or task_delay < 0:
            raise InvalidInputError(f"task_delay must be a number >= 0, got {task_delay!r}")
        self.max_retries = max_retries
        self.task_delay = float(task_delay)
        self.pid_dir = os.fspath(pid_dir) if pid_dir is not None else None
        self._started = False  # this backend called ray.init (and so may call ray.shutdown)
        self._held = False  # keep what it started after a run (connect(), or inside `with`)
        self._lock = threading.Lock()
        self._ray: Any = None  # the ray module during a run
        self._tasks: tuple[Any, Any] = (None, None)
        self._tables: dict[int, Any] = {}  # id(in-memory table) -> its object ref, put once
        self._status: dict[Any, Any] = {}  # a unit's partial ref -> its status ref

    @property
    def address(self) -> str | None:
        """The cluster to connect to: ``RayConfig.address``, else ``$RAY_ADDRESS``, else None (a
        local Ray)."""
        return self.config.address or os.environ.get(ADDRESS_ENV) or None

    @property
    def retries(self) -> int:
        return self.max_retries

    @property
    def parallelism(self) -> int:
        """Units run at once: the cluster's CPUs; with an address, at most ``num_cpus``."""
        if self._ray is None:  # known once a run has started Ray
            return 1
        cpus = max(1, int(self._ray.cluster_resources().get("CPU", 1)))
        if self.address and self.config.num_cpus:
            return max(1, min(cpus, self.config.num_cpus) // 2)
        return cpus

    # -- the protocol ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def session(self) -> Iterator[None]:
        """Ray for one run: initialised here unless it is already, shut down after unless held."""
        ray, started = self._ensure_ray()
        options = {"max_retries": self.max_retries, "retry_exceptions": False}
        # Remote functions are made per run: one belongs to the connection it was made under.
        # Two returns: a tiny status the driver fetches to learn that the unit finished (or why it
        # failed), and the partial, which only the merge tasks read.
        unit_task = ray.remote(num_cpus=1)(_run_unit).options(num_returns=2, **options)
        merge_task = ray.remote(num_cpus=1)(merge_node).options(**options)
        self._ray, self._tasks, self._tables, self._status = ray, (unit_task, merge_task), {}, {}
        try:
            yield None
        finally:
            self._ray, self._tasks, self._tables, self._status = None, (None, None), {}, {}
            if started and not self._held:  # a Ray started for this run only
                self.close()

    def submit(self, unit: Unit) -> Any:
        part, objects = unit.part, ()
        if part.engine == self.name:  # blocks of a Ray Dataset: their refs become arguments
            objects, unit = part.engine_input(unit), replace(unit, part=replace(part, refs=()))
        elif isinstance(part, TablePart):  # an in-memory table: in the object store once
            ref = self._tables.get(id(part.table))
            if ref is None:
                ref = self._tables[id(part.table)] = self._ray.put(part.table)
            objects, unit = (ref,), replace(unit, part=replace(part, table=None))
        status, partial = self._tasks[0].remote(unit, self.task_delay, self.pid_dir, *objects)
        self._status[partial] = status
        return partial

    def merge(self, handles: Sequence[Any]) -> Any:
        return self._tasks[1].remote(*handles)

    def fetch(self, handle: Any) -> bytes:
        return handle if isinstance(handle, bytes) else self._ray.get(handle)

    def wait(self, handles: Sequence[Any]) -> list[Any]:
        ray = self._ray
        done, _ = ray.wait([self._status[h] for h in handles], num_returns=1, fetch_local=False)
        finished = [h for h in handles if self._status[h] in done]
        for handle in finished:
            try:
                ray.get(self._status.pop(handle))
            except Exception as exc:
                raise UnitFailed(handle, exc) from exc
        return finished

    def cancel(self, handles: Sequence[Any]) -> None:
        """Cancel tasks not yet finished (queued ones never start) and wait for the running ones,
        without fetching their results."""
        ray, refs = self._ray, list(handles)
        if ray is None or not refs:
            return
        # A cluster that is gone has nothing left to cancel or wait for.
        with contextlib.suppress(ray.exceptions.RayError, ConnectionError, RuntimeError):
            for ref in refs:
                ray.cancel(ref)
            ray.wait(refs, num_returns=len(refs), timeout=60, fetch_local=False)

    # -- the cluster ------------------------------------------------------------------------------

    def connect(self) -> Any:
        """Make sure Ray is initialised (see the module doc for which cluster) and keep what this
        starts until :meth:`close`; return the ``ray`` module."""
        ray, _ = self._ensure_ray()
        self._held = True
        return ray

    def _ensure_ray(self) -> tuple[Any, bool]:
        """``(ray, started)``: ``started`` when this call initialised Ray."""
        ray = require_engine("ray", "ray", "Ray")
        with self._lock:
            if ray.is_initialized():
                return ray, False
            address = self.address
            try:
                if address:
                    ray.init(address=address, log_to_driver=False)
                else:
                    config = self.config
                    ray.init(
                        address="local",  # never attach to a cluster started by `ray start`
                        num_cpus=config.num_cpus,
                        num_gpus=config.num_gpus,
                        object_store_memory=config.object_store_memory
                        or DEFAULT_OBJECT_STORE_MEMORY,
                        include_dashboard=False,
                        dashboard_host="127.0.0.1",
                        log_to_driver=False,
                    )
            except (ConnectionError, ValueError, RuntimeError, TimeoutError) as exc:
                where = f"the Ray cluster at {address!r}" if address else "a local Ray"
                hint = ""
                if address and _mentions_authentication(exc):
                    hint = (
                        " (the cluster uses token authentication: set RAY_AUTH_MODE=token "
                        "and make its token available, e.g. in ~/.ray/auth_token)"
                    )
                raise BackendError(f"cannot start or reach {where}: {exc}{hint}") from exc
            self._started = True
            return ray, True

    def close(self) -> None:
        """Shut down (or disconnect from) the Ray this backend started; a Ray initialised by
        someone else stays up."""
        with self._lock:
            self._held = False
            if self._started:
                self._started = False
                ray = sys.modules.get("ray")
                if ray is not None and ray.is_initialized():
                    ray.shutdown()

    def __enter__(self) -> Self:
        self._held = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"RayBackend(address={self.address!r})"


def _mentions_authentication(exc: BaseException) -> bool:
    """Whether ``exc`` or one of its causes is about authentication."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            break
        if "auth" in f"{type(seen).__name__} {seen}".lower():
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _run_unit(unit: Unit, delay: float, pid_dir: str | None, *objects: Any) -> tuple[int, bytes]:
    """The task: profile one unit (its blocks or table, if any, arrive resolved as arguments)."""
    if pid_dir:
        Path(pid_dir, f"unit-{unit.unit_id}.{os.getpid()}").touch()
    if delay:
        time.sleep(delay)
    part = unit.part
    if part.engine == "ray":
        unit = replace(unit, part=part.with_input(objects))
    elif isinstance(part, TablePart) and objects:
        unit = replace(unit, part=replace(part, table=objects[0]))
    return unit.unit_id, run_task(unit)
