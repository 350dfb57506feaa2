"""The profiler: ``profile()`` a table into a :class:`TableProfile`.

Distributed execution (local processes, Spark, Dask, Ray) lives in
:mod:`truthound.profiler.distributed`.
"""

from truthound.profiler.comparison import (
    CompareSettings,
    ProfileComparison,
    compare,
)
from truthound.profiler.errors import (
    BackendError,
    CorruptPartialError,
    InvalidInputError,
    ProfilerError,
    RemoteStoreError,
    SourceError,
    UnsupportedError,
)
from truthound.profiler.merge import merge_partials, merge_profiles
from truthound.profiler.model import (
    SCHEMA_VERSION,
    ColumnProfile,
    DataType,
    DistributionStats,
    Histogram,
    PatternMatch,
    TableProfile,
    ValueFrequency,
)
from truthound.profiler.settings import ProfileSettings
from truthound.profiler.single import profile

# Modules that register behaviours of the model (rendering, saved-profile checks) and sources
# (the engines' frames: Dask DataFrame, Ray Dataset), imported for that.
from truthound.profiler import distributed as _distributed  # noqa: E402, F401  isort: skip
from truthound.profiler import engine_frames as _engine_frames  # noqa: E402, F401  isort: skip
from truthound.profiler import notebook as _notebook  # noqa: E402, F401  isort: skip
from truthound.profiler import report as _report  # noqa: E402, F401  isort: skip
from truthound.profiler import saved as _saved  # noqa: E402, F401  isort: skip
from truthound.profiler.report import comparison as _report_comparison  # noqa: E402, F401  isort: skip

__all__ = [
    "profile",
    "compare",
    "ProfileComparison",
    "CompareSettings",
    "merge_profiles",
    "merge_partials",
    "TableProfile",
    "ColumnProfile",
    "DistributionStats",
    "ValueFrequency",
    "PatternMatch",
    "Histogram",
    "DataType",
    "ProfileSettings",
    "SCHEMA_VERSION",
    "ProfilerError",
    "InvalidInputError",
    "CorruptPartialError",
    "UnsupportedError",
    "SourceError",
    "RemoteStoreError",
    "BackendError",
]
