"""Profile settings: what shapes the engine's state (must agree for partials to merge) and what
shapes only the finalized output."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from truthound import _core
from truthound.profiler.errors import InvalidInputError
from truthound.profiler.relations import relation_spec

__all__ = ["VALUES_FOR_INFERENCE", "AlertSettings", "ProfileSettings"]

# Finalize asks the engine for every value of a column whose frequency table is exact and holds
# at most this many distinct values (other columns return ``top_n``): type inference and the
# alerts then see every value and its count, and the profile keeps ``top_n`` of them. 2,048 holds
# every HHMM clock time (1,441) and every categorical value set.
VALUES_FOR_INFERENCE = 2048


@dataclass(frozen=True)
class AlertSettings:
    """Thresholds of the alerts (``TableProfile.alerts``), one per kind; ``None`` turns a kind
    off. See ``docs/profile-schema.md`` for each rule.

    Examples
    --------
    >>> AlertSettings(skewed=5.0, zeros=None).skewed
    5.0
    """

    constant: float | None = 2  # at least this many non-null values, all equal
    all_null: float | None = 1  # at least this many rows, every one null
    high_null_ratio: float | None = 0.2  # null share at or above this
    high_cardinality: float | None = 200  # distinct strings above this, not a key nor a category
    unique: float | None = 20  # at least this many values, all distinct (integer/string keys)
    duplicates: float | None = 0.0  # duplicate-row share above this
    skewed: float | None = 2.0  # |skewness| above this (numeric measurements)
    zeros: float | None = 0.1  # zero share at or above this (numeric measurements)
    infinite: float | None = 1  # at least this many ±inf
    nan: float | None = 1  # at least this many NaN
    mixed_types: float | None = 0.5  # dominant pattern share at or above this, but below 1
    invalid_utf8: float | None = 1  # at least this many values that are not UTF-8
    imbalance: float | None = 0.5  # 1 - entropy / log(k) above this (categories, booleans)
    outliers: float | None = 3.0  # Tukey fences at k x IQR beyond the quartiles
    high_correlation: float | None = 0.9  # |correlation| at or above this
    blank_strings: float | None = 1  # at least this many empty or whitespace-only strings
    not_profiled: float | None = 1  # a column the engine could not profile (nested types)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value):
                raise InvalidInputError(
                    f"alert threshold {f.name} must be a number or None (off), got {value!r}"
                )
            if value < 0:
                raise InvalidInputError(f"alert threshold {f.name} must be >= 0, got {value!r}")

    @classmethod
    def kinds(cls) -> tuple[str, ...]:
        """Every alert kind, in the order of the fields."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_value(cls, value: AlertSettings | Mapping[str, Any] | None) -> AlertSettings:
        """An :class:`AlertSettings` from itself, a ``{kind: threshold}`` mapping or ``None``."""
        if value is None:
            return cls()
        if isinstance(value, cls):
            return value
        if not isinstance(value, Mapping):
            raise InvalidInputError(
                f"alerts must be AlertSettings or a mapping of kind to threshold, got "
                f"{type(value).__name__}"
            )
        unknown = sorted(set(value) - set(cls.kinds()))
        if unknown:
            raise InvalidInputError(
                f"unknown alert kind(s) {', '.join(map(repr, unknown))}; "
                f"kinds are {', '.join(cls.kinds())}"
            )
        return cls(**dict(value))


# The engine's limits (FinalizeOptions::validate) and integer widths (cpp/python/bind_profile.cpp),
# checked before any data is read: past them the binding raises a raw TypeError, or the run fails
# only at finalize.
_U32 = 2**32 - 1
_INTEGER_RANGES = {
    "top_n": 100_000,
    "histogram_bins": 10_000,
    "distinct_exact_limit": _U32,
    "row_exact_limit": _U32,
    "frequent_exact_capacity": _U32,
    "frequent_sketch_capacity": _U32,
    "pattern_sample_size": _U32,
    "kll_k": 2**16 - 1,
    "hll_precision": 2**8 - 1,
    "ell_precision": 2**8 - 1,
    "correlation_max_columns": 1024,
    "sample_size": 1_000_000,
    "sample_max_cells": 100_000_000,
}


@dataclass(frozen=True)
class ProfileSettings:
    """Options of a profile run.

    ``seed`` drives every random choice in the sketches, so the same input, plan and seed give
    byte-identical output. The ``*_limit`` / ``*_capacity`` values say how far each statistic
    stays exact before it becomes a stated estimate.
    """

    seed: int = 42
    top_n: int = _core.DEFAULT_TOP_N
    histogram_bins: int = _core.DEFAULT_HISTOGRAM_BINS
    include_patterns: bool = True
    kll_k: int = 1200
    distinct_exact_limit: int = 100_000
    hll_precision: int = 14  # format-1 partials only (HyperLogLog); new partials use ell_precision
    ell_precision: int = 13  # ExaLogLog: relative standard error 0.3524 / sqrt(2**p), 0.389% at 13
    frequent_exact_capacity: int = 16_384
    frequent_sketch_capacity: int = 768
    row_exact_limit: int = 1_000_000
    pattern_sample_size: int = 1_024
    quantiles: tuple[float, ...] = field(default=(0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99))
    # Relationships between columns (docs/user-guide.md, "Relationships between columns"): exact
    # Pearson and nullity correlation over the first ``correlation_max_columns`` numeric (and any)
    # columns, or those named in ``correlation_columns``; a bottom-k row sample of ``sample_size``
    # rows (fewer for wide tables: at most ``sample_max_cells`` values) for Spearman, Cramér's V
    # and the report; ``correlations=False`` leaves all of it out.
    correlations: bool = True
    correlation_columns: tuple[str, ...] | None = None
    correlation_max_columns: int = 64
    sample_size: int = 1_000
    sample_max_cells: int = 200_000
    merge_fan_in: int = (
        _core.MERGE_TREE_FAN_IN
    )  # partials per node of the merge tree (the shape the bytes depend on)
    alerts: AlertSettings = field(default_factory=AlertSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "alerts", AlertSettings.from_value(self.alerts))
        for name, high in _INTEGER_RANGES.items():
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidInputError(f"{name} must be a non-negative integer, got {value!r}")
            if value > high:
                raise InvalidInputError(f"{name} must be at most {high:,}, got {value:,}")
        low, high = _core.MERGE_TREE_MIN_FAN_IN, _core.MERGE_TREE_MAX_FAN_IN
        fan_in = self.merge_fan_in
        if not isinstance(fan_in, int) or isinstance(fan_in, bool) or not low <= fan_in <= high:
            raise InvalidInputError(
                f"merge_fan_in must be an integer in [{low}, {high}], got {fan_in!r}"
            )
        if self.correlation_columns is not None:
            if isinstance(self.correlation_columns, str):
                object.__setattr__(self, "correlation_columns", (self.correlation_columns,))
            else:
                object.__setattr__(self, "correlation_columns", tuple(self.correlation_columns))
            if not all(isinstance(c, str) for c in self.correlation_columns):
                raise InvalidInputError("correlation_columns must be column names")
        if not isinstance(self.correlations, bool):
            raise InvalidInputError(
                f"correlations must be True or False, got {self.correlations!r}"
            )
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**64:
            raise InvalidInputError(f"seed must be an integer in [0, 2**64), got {self.seed!r}")

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments of ``_core.profile``: the settings that live in the partial state."""
        return {
            "seed": self.seed,
            "kll_k": self.kll_k,
            "distinct_exact_limit": self.distinct_exact_limit,
            "hll_precision": self.hll_precision,
            "ell_precision": self.ell_precision,
            "frequent_exact_capacity": self.frequent_exact_capacity,
            "frequent_sketch_capacity": self.frequent_sketch_capacity,
            "row_exact_limit": self.row_exact_limit,
            "pattern_sample_size": self.pattern_sample_size if self.include_patterns else 0,
        }

    def unit_options(self) -> dict[str, Any]:
        """A unit's options: :meth:`engine_options` and, under ``"relations"``, the relation
        settings, which each unit resolves against its schema
        (:func:`truthound.profiler.relations.unit_relations`) before it calls the engine."""
        return {**self.engine_options(), "relations": relation_spec(self)}

    def finalize_options(self) -> dict[str, Any]:
        """Keyword arguments of ``_core.finalize``. Columns of at most ``VALUES_FOR_INFERENCE``
        exactly counted values return them all; the model keeps ``top_n``."""
        return {
            "top_n": self.top_n,
            "all_values_up_to": VALUES_FOR_INFERENCE,
            "histogram_bins": self.histogram_bins,
            "quantiles": list(self.quantiles),
        }

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["quantiles"] = list(self.quantiles)
        if self.correlation_columns is not None:
            d["correlation_columns"] = list(self.correlation_columns)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProfileSettings:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "quantiles" in known:
            known["quantiles"] = tuple(known["quantiles"])
        if known.get("correlation_columns") is not None:
            known["correlation_columns"] = tuple(known["correlation_columns"])
        if isinstance(known.get("alerts"), Mapping):
            # a profile saved by a newer version may name kinds this one does not know
            kinds = set(AlertSettings.kinds())
            known["alerts"] = {k: v for k, v in known["alerts"].items() if k in kinds}
        return cls(**known)
