"""Distributed profiling: one table, cut into units of work, run on local threads or processes
(or, as their runners land, Spark, Dask or Ray), merged into the profile of the whole.

>>> import pyarrow as pa
>>> from truthound.profiler.distributed import DistributedProfiler, DistributedBackend
>>> profiler = DistributedProfiler.create(backend=DistributedBackend.LOCAL)
>>> profiler.profile(pa.table({"x": [1, 2, 3]})).row_count
3

Importing this module imports no pyspark, dask or ray: each engine is imported by its backend.
See docs/user-guide.md.
"""

from truthound.profiler.distributed.auto import auto_select_backend
from truthound.profiler.distributed.backends.dask import DaskBackend
from truthound.profiler.distributed.backends.local import LocalBackend
from truthound.profiler.distributed.backends.ray import RayBackend
from truthound.profiler.distributed.backends.spark import SparkBackend
from truthound.profiler.distributed.config import (
    DaskConfig,
    DistributedBackend,
    LocalConfig,
    PartitionStrategy,
    RayConfig,
    SparkConfig,
)
from truthound.profiler.distributed.merger import ProfileMerger
from truthound.profiler.distributed.monitor import DistributedMonitor
from truthound.profiler.distributed.partitioners import (
    ColumnBasedPartitioner,
    HashPartitioner,
    HybridPartitioner,
    RowBasedPartitioner,
)
from truthound.profiler.distributed.profiler import DistributedProfiler
from truthound.profiler.distributed.registry import BackendRegistry

__all__ = [
    "DistributedBackend",
    "PartitionStrategy",
    "SparkConfig",
    "DaskConfig",
    "RayConfig",
    "LocalConfig",
    "DistributedProfiler",
    "LocalBackend",
    "SparkBackend",
    "DaskBackend",
    "RayBackend",
    "BackendRegistry",
    "RowBasedPartitioner",
    "ColumnBasedPartitioner",
    "HybridPartitioner",
    "HashPartitioner",
    "auto_select_backend",
    "ProfileMerger",
    "DistributedMonitor",
]
