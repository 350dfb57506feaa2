"""Comparing two profiles: schema changes, per-column deltas and drift with honest statistics.

>>> import pyarrow as pa, truthound.profiler as tp
>>> c = tp.compare(pa.table({"x": [1, 2, 3]}), pa.table({"x": [1, 2, 3]}))
>>> c.drifted_columns, c["x"].status
([], 'unchanged')
"""

from truthound.profiler.comparison.compare import compare
from truthound.profiler.comparison.drift import Drift
from truthound.profiler.comparison.model import (
    COMPARISON_SCHEMA_VERSION,
    ColumnComparison,
    ProfileComparison,
)
from truthound.profiler.comparison.settings import CompareSettings

__all__ = [
    "COMPARISON_SCHEMA_VERSION",
    "ColumnComparison",
    "CompareSettings",
    "Drift",
    "ProfileComparison",
    "compare",
]
