"""What users configure: the backend and partition-strategy enums, one config per backend, and the
defaults read from the environment (``TRUTHOUND_DISTRIBUTED_BACKEND``, ``TRUTHOUND_NUM_WORKERS``;
see docs/environment.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from enum import Enum

from truthound.profiler.errors import InvalidInputError

__all__ = [
    "DistributedBackend",
    "PartitionStrategy",
    "LocalConfig",
    "SparkConfig",
    "DaskConfig",
    "RayConfig",
    "BACKEND_ENV",
    "WORKERS_ENV",
    "default_backend_name",
    "default_num_workers",
    "check_workers",
]

BACKEND_ENV = "TRUTHOUND_DISTRIBUTED_BACKEND"
WORKERS_ENV = "TRUTHOUND_NUM_WORKERS"


class DistributedBackend(str, Enum):
    """Where the units of work run."""

    LOCAL = "local"  # threads (default) or processes on this machine
    SPARK = "spark"  # Apache Spark
    DASK = "dask"  # Dask Distributed
    RAY = "ray"  # Ray
    AUTO = "auto"  # the engine the user already started, else local


class PartitionStrategy(str, Enum):
    """How a table is cut into units of work."""

    ROW_BASED = "row_based"  # row ranges: files, row groups, byte ranges, slices
    COLUMN_BASED = "column_based"  # column groups balanced by estimated cost
    HYBRID = "hybrid"  # row ranges x column groups
    HASH = "hash"  # rows routed by a hash of key columns: exact duplicate-row count


@dataclass
class LocalConfig:
    """Local backend: ``num_workers`` threads (or processes with ``use_processes``).

    ``num_workers=None`` reads ``TRUTHOUND_NUM_WORKERS``, else uses every CPU this process may use.
    """

    num_workers: int | None = None
    use_processes: bool = False

    def __post_init__(self) -> None:
        if self.num_workers is not None:
            check_workers(self.num_workers, "num_workers")


@dataclass
class SparkConfig:
    """Spark backend: the session to start (or the active one is used; see SparkBackend)."""

    app_name: str = "truthound-profiler"
    master: str = "local[*]"
    executor_memory: str = "4g"
    executor_cores: int = 2
    num_executors: int = 4
    spark_config: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_workers(self.executor_cores, "executor_cores")
        check_workers(self.num_executors, "num_executors")


@dataclass
class DaskConfig:
    """Dask backend: ``scheduler="distributed"`` connects to ``DASK_SCHEDULER_ADDRESS`` or starts a
    local cluster (dashboard on 127.0.0.1 only)."""

    scheduler: str = "threads"  # threads, processes, synchronous, distributed (or an address)
    num_workers: int | None = None  # None = every CPU
    memory_limit: str = "4GB"
    dashboard_address: str = ":8787"

    def __post_init__(self) -> None:
        if self.num_workers is not None:
            check_workers(self.num_workers, "num_workers")
        known = ("threads", "processes", "synchronous", "distributed")
        if self.scheduler not in known and "://" not in self.scheduler:
            raise InvalidInputError(
                f"unknown Dask scheduler {self.scheduler!r}: "
                f"use one of {', '.join(known)} or an address "
                "such as tcp://host:8786"
            )


@dataclass
class RayConfig:
    """Ray backend: ``address=None`` uses ``RAY_ADDRESS`` or a local cluster."""

    address: str | None = None  # None = RAY_ADDRESS, else a local cluster
    num_cpus: int | None = None
    num_gpus: int | None = None
    object_store_memory: int | None = None

    def __post_init__(self) -> None:
        if self.num_cpus is not None:
            check_workers(self.num_cpus, "num_cpus")


def check_workers(value: object, name: str = "num_workers") -> int:
    """``value`` as a positive int, else InvalidInputError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidInputError(f"{name} must be a positive integer, got {value!r}")
    return value


def default_num_workers() -> int:
    """``TRUTHOUND_NUM_WORKERS`` if set, else the CPUs this process may run on."""
    text = os.environ.get(WORKERS_ENV, "").strip()
    if text:
        if not text.isdigit() or int(text) < 1:
            raise InvalidInputError(f"{WORKERS_ENV} must be a positive integer, got {text!r}")
        return int(text)
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def default_backend_name() -> str:
    """``TRUTHOUND_DISTRIBUTED_BACKEND`` if set, else ``"local"``."""
    return os.environ.get(BACKEND_ENV, "").strip().lower() or DistributedBackend.LOCAL.value
