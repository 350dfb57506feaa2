"""The profile model: :class:`TableProfile` and :class:`ColumnProfile`.

Field names and ``to_dict()`` keys follow truthound's profiler (``truthound.profiler.base``) so
existing consumers keep working; the fields after truthound's are ours. Every approximate figure
says how it was computed (``*_method``) and how wrong it can be (``*_error``). See
``docs/profile-schema.md``.
"""

from __future__ import annotations

import base64
import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from truthound.profiler.jsonable import _jsonable, _jsonable_tree

__all__ = [
    "SCHEMA_VERSION",
    "SEVERITIES",
    "Alert",
    "ColumnProfile",
    "DataType",
    "DistributionStats",
    "Histogram",
    "PatternMatch",
    "TableProfile",
    "ValueFrequency",
]


# What the model does that lives above it -- rendering, merging, comparing, checking a saved
# profile -- is registered by the module that implements it (``register``), and importing
# ``truthound.profiler`` imports them all. The model imports none of them, so rendering and
# merging depend on the model and never the other way round.
_BEHAVIOURS: dict[str, Any] = {}


def register(name: str):
    """Class or function decorator: the implementation of behaviour ``name``."""

    def decorator(fn):
        _BEHAVIOURS[name] = fn
        return fn

    return decorator


def behaviour(name: str) -> Any:
    """The implementation registered under ``name``."""
    try:
        return _BEHAVIOURS[name]
    except KeyError:
        import importlib

        importlib.import_module("truthound.profiler")  # registers every behaviour
        return _BEHAVIOURS[name]


SCHEMA_VERSION = "2.2.0"

# Alert severities, least serious first: ``--fail-on warning`` matches warnings and errors.
SEVERITIES = ("info", "warning", "error")


class DataType(str, Enum):
    """Semantic type of a column (truthound's names)."""

    INTEGER = "integer"
    FLOAT = "float"
    STRING = "string"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    DATE = "date"
    TIME = "time"
    DURATION = "duration"
    EMAIL = "email"
    URL = "url"
    PHONE = "phone"
    UUID = "uuid"
    IP_ADDRESS = "ip_address"
    JSON = "json"
    CATEGORICAL = "categorical"
    IDENTIFIER = "identifier"
    CURRENCY = "currency"
    PERCENTAGE = "percentage"
    KOREAN_RRN = "korean_rrn"
    KOREAN_PHONE = "korean_phone"
    KOREAN_BUSINESS_NUMBER = "korean_business_number"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DistributionStats:
    """Numeric distribution. median, q1 and q3 are exact while the column fits the quantile
    sketch (linear interpolation, as numpy's default), else KLL estimates within
    ``ColumnProfile.quantiles_rank_error``."""

    mean: float | None = None
    std: float | None = None
    min: float | None = None
    max: float | None = None
    median: float | None = None
    q1: float | None = None
    q3: float | None = None
    skewness: float | None = None
    kurtosis: float | None = None
    sum: float | int | None = None
    variance: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class ValueFrequency:
    value: Any
    count: int
    ratio: float

    def to_dict(self) -> dict[str, Any]:
        return {"value": _jsonable(self.value), "count": self.count, "ratio": self.ratio}


@dataclass(frozen=True)
class PatternMatch:
    """A value pattern and the share of the column's non-empty values that match it.

    ``method`` is ``exact`` when every value was checked (numbers, dates and booleans as text, and
    any column whose distinct values all fit the sample), else ``sample``: estimated from a
    deterministic sample of distinct values, within about ``standard_error``."""

    pattern: str
    regex: str
    match_ratio: float
    sample_matches: tuple[str, ...] = ()
    method: str = "exact"
    standard_error: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "pattern": self.pattern,
            "regex": self.regex,
            "match_ratio": self.match_ratio,
            "sample_matches": list(self.sample_matches),
            "method": self.method,
            "standard_error": self.standard_error,
        }


@dataclass(frozen=True)
class Histogram:
    """Equal-width bins over [min, max]: ``counts[i]`` values fall in ``[edges[i], edges[i+1])``
    (the last bin is closed). Estimated from the quantile sketch; each count is within
    ``count_error`` of the truth (0 when exact)."""

    edges: tuple[Any, ...]
    counts: tuple[float, ...]
    method: str = "exact"
    count_error: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "edges": [_jsonable(e) for e in self.edges],
            "counts": list(self.counts),
            "method": self.method,
            "count_error": self.count_error,
        }


@dataclass(frozen=True)
class Alert:
    """A finding about a column (or, with ``column=None``, the whole table): its ``kind``
    (``constant``, ``high_null_ratio``, ``skewed`` …), a ``severity`` from :data:`SEVERITIES`,
    a sentence for people and the measured ``value`` that crossed the kind's threshold (a number,
    or for ``outliers`` a dict of fences and counts). Built by :mod:`truthound.profiler.alerts`."""

    column: str | None
    kind: str
    severity: str
    message: str
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "column": self.column,
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "value": _jsonable_tree(self.value),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Alert:
        return cls(d.get("column"), d["kind"], d["severity"], d["message"], d.get("value"))


@dataclass(frozen=True)
class ColumnProfile:
    """Profile of one column."""

    # truthound's fields
    name: str
    physical_type: str
    inferred_type: DataType = DataType.UNKNOWN
    row_count: int = 0
    null_count: int = 0
    null_ratio: float = 0.0
    empty_string_count: int = 0
    distinct_count: int = 0
    unique_ratio: float = 0.0
    is_unique: bool = False
    is_constant: bool = False
    distribution: DistributionStats | None = None
    top_values: tuple[ValueFrequency, ...] = ()
    bottom_values: tuple[ValueFrequency, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    avg_length: float | None = None
    detected_patterns: tuple[PatternMatch, ...] = ()
    min_date: Any = None
    max_date: Any = None
    date_gaps: int = 0
    suggested_validators: tuple[str, ...] = ()
    profiled_at: datetime | None = None
    profile_duration_ms: float = 0.0
    # ours
    kind: str = "unknown"
    non_null_count: int = 0
    distinct_count_is_exact: bool = True
    distinct_count_method: str = "exact"
    distinct_count_error: float = 0.0
    min: Any = None
    max: Any = None
    whitespace_string_count: int = 0
    invalid_utf8_count: int = 0
    zero_count: int = 0
    negative_count: int = 0
    nan_count: int = 0
    positive_infinity_count: int = 0
    negative_infinity_count: int = 0
    true_count: int = 0
    false_count: int = 0
    percentiles: dict[str, Any] = field(default_factory=dict)
    quantiles_method: str | None = None
    quantiles_rank_error: float | None = None
    histogram: Histogram | None = None
    top_values_method: str = "exact"
    top_values_max_error: int = 0
    parsed_type: str | None = None
    min_length_bytes: int | None = None
    max_length_bytes: int | None = None
    avg_length_bytes: float | None = None
    note: str = ""
    type_evidence: str = ""
    integer_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict with truthound's keys first; optional groups only when present."""
        d: dict[str, Any] = {
            "name": self.name,
            "physical_type": self.physical_type,
            "inferred_type": self.inferred_type.value,
            "row_count": self.row_count,
            "null_count": self.null_count,
            "null_ratio": self.null_ratio,
            "empty_string_count": self.empty_string_count,
            "distinct_count": self.distinct_count,
            "unique_ratio": self.unique_ratio,
            "is_unique": self.is_unique,
            "is_constant": self.is_constant,
        }
        if self.distribution is not None:
            d["distribution"] = {k: _jsonable(v) for k, v in self.distribution.to_dict().items()}
        if self.top_values:
            d["top_values"] = [v.to_dict() for v in self.top_values]
        if self.bottom_values:
            d["bottom_values"] = [v.to_dict() for v in self.bottom_values]
        if self.min_length is not None:
            d["min_length"] = self.min_length
            d["max_length"] = self.max_length
            d["avg_length"] = self.avg_length
        if self.detected_patterns:
            d["detected_patterns"] = [p.to_dict() for p in self.detected_patterns]
        if self.min_date is not None:
            d["min_date"] = _jsonable(self.min_date)
            d["max_date"] = _jsonable(self.max_date)
            d["date_gaps"] = self.date_gaps
        if self.suggested_validators:
            d["suggested_validators"] = list(self.suggested_validators)
        d.update(
            {
                "kind": self.kind,
                "non_null_count": self.non_null_count,
                "distinct_count_is_exact": self.distinct_count_is_exact,
                "distinct_count_method": self.distinct_count_method,
                "distinct_count_error": self.distinct_count_error,
                "min": _jsonable(self.min),
                "max": _jsonable(self.max),
                "whitespace_string_count": self.whitespace_string_count,
                "invalid_utf8_count": self.invalid_utf8_count,
                "zero_count": self.zero_count,
                "negative_count": self.negative_count,
                "nan_count": self.nan_count,
                "positive_infinity_count": self.positive_infinity_count,
                "negative_infinity_count": self.negative_infinity_count,
                "true_count": self.true_count,
                "false_count": self.false_count,
            }
        )
        if self.percentiles:
            d["percentiles"] = {k: _jsonable(v) for k, v in self.percentiles.items()}
            d["quantiles_method"] = self.quantiles_method
            d["quantiles_rank_error"] = self.quantiles_rank_error
        if self.histogram is not None:
            d["histogram"] = self.histogram.to_dict()
        if self.top_values:
            d["top_values_method"] = self.top_values_method
            d["top_values_max_error"] = self.top_values_max_error
        if self.parsed_type is not None:
            d["parsed_type"] = self.parsed_type
        if self.min_length_bytes is not None:
            d["min_length_bytes"] = self.min_length_bytes
            d["max_length_bytes"] = self.max_length_bytes
            d["avg_length_bytes"] = self.avg_length_bytes
        if self.note:
            d["note"] = self.note
        if self.type_evidence:
            d["type_evidence"] = self.type_evidence
        if self.integer_code is not None:
            d["integer_code"] = self.integer_code
        d["profiled_at"] = self.profiled_at.isoformat() if self.profiled_at else None
        d["profile_duration_ms"] = self.profile_duration_ms
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnProfile:
        """Inverse of :meth:`to_dict` (values stay in their JSON form: dates as ISO strings)."""
        known = _field_names(cls)
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["inferred_type"] = DataType(d.get("inferred_type", "unknown"))
        if "distribution" in d:
            kwargs["distribution"] = DistributionStats(**d["distribution"])
        for key in ("top_values", "bottom_values"):
            kwargs[key] = tuple(ValueFrequency(**v) for v in d.get(key, ()))
        kwargs["detected_patterns"] = tuple(
            PatternMatch(
                p["pattern"],
                p["regex"],
                p["match_ratio"],
                tuple(p.get("sample_matches", ())),
                p.get("method", "exact"),
                p.get("standard_error", 0.0),
            )
            for p in d.get("detected_patterns", ())
        )
        kwargs["suggested_validators"] = tuple(d.get("suggested_validators", ()))
        if d.get("histogram"):
            h = d["histogram"]
            kwargs["histogram"] = Histogram(
                tuple(h["edges"]),
                tuple(h["counts"]),
                h.get("method", "exact"),
                h.get("count_error", 0.0),
            )
        if d.get("profiled_at"):
            kwargs["profiled_at"] = datetime.fromisoformat(d["profiled_at"])
        return cls(**kwargs)


@dataclass(frozen=True)
class TableProfile:
    """Profile of a table.

    A profile keeps its mergeable state (``partial``), so profiles of parts of a table merge into
    the profile of the whole (:meth:`merge`), also after :meth:`save` / :meth:`load`.

    Examples
    --------
    >>> import pyarrow as pa, truthound.profiler as tp
    >>> p = tp.profile(pa.table({"x": [1, 2, None]}))
    >>> p.row_count, p["x"].null_count
    (3, 1)
    """

    # truthound's fields
    name: str = ""
    row_count: int = 0
    column_count: int = 0
    estimated_memory_bytes: int = 0
    columns: tuple[ColumnProfile, ...] = ()
    duplicate_row_count: int | None = 0
    duplicate_row_ratio: float | None = 0.0
    # {"pearson" | "spearman" | "cramers_v" | "nullity": {"columns", "matrix", "method", ...}}
    correlations: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    profiled_at: datetime | None = None
    profile_duration_ms: float = 0.0
    # ours
    duplicate_row_count_is_exact: bool = True
    duplicate_row_method: str = "exact"
    backend: str = "local"
    partition_strategy: str = "row_based"
    unit_count: int = 1
    alerts: tuple[Alert, ...] = ()
    # A deterministic row sample (pyarrow Table): bottom-k rows by a seeded hash of their content
    sample: Any = field(default=None, repr=False, compare=False)
    partial: bytes | None = field(default=None, repr=False, compare=False)
    settings: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    # what this run took from and gave to a partial cache (hits, misses, bytes_read,
    # bytes_written); None when no cache was used. Like the duration, a fact of the run.
    cache: dict[str, int] | None = field(default=None, compare=False)

    def __iter__(self) -> Iterator[ColumnProfile]:
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __getitem__(self, key: str | int) -> ColumnProfile:
        if isinstance(key, int):
            return self.columns[key]
        for c in self.columns:
            if c.name == key:
                return c
        raise KeyError(f"no column named {key!r}; columns are {self.column_names}")

    def get(self, name: str) -> ColumnProfile | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def to_dict(self, include_state: bool = False) -> dict[str, Any]:
        """JSON-ready dict (truthound's keys, then ours). ``include_state`` adds the mergeable
        state as base64 under ``"state"`` so a saved profile can be merged later."""
        d: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "row_count": self.row_count,
            "column_count": self.column_count,
            "estimated_memory_bytes": self.estimated_memory_bytes,
            "duplicate_row_count": self.duplicate_row_count,
            "duplicate_row_ratio": self.duplicate_row_ratio,
            "columns": [c.to_dict() for c in self.columns],
            "correlations": _jsonable_tree(self.correlations),
            "source": self.source,
            "profiled_at": self.profiled_at.isoformat() if self.profiled_at else None,
            "profile_duration_ms": self.profile_duration_ms,
            "duplicate_row_count_is_exact": self.duplicate_row_count_is_exact,
            "duplicate_row_method": self.duplicate_row_method,
            "backend": self.backend,
            "partition_strategy": self.partition_strategy,
            "unit_count": self.unit_count,
            "alerts": [a.to_dict() for a in self.alerts],
            "sample": sample_to_dict(self.sample),
        }
        if self.cache is not None:
            d["cache"] = dict(self.cache)
        if include_state and self.partial is not None:
            d["state"] = {"format": "truthound-partial", "settings": self.settings}
            d["state"]["digest"] = behaviour("state_digest")(d, self.partial)
            d["state"]["bytes"] = base64.b64encode(self.partial).decode("ascii")
        return d

    def to_json(self, indent: int | None = 2, include_state: bool = False) -> str:
        return json.dumps(
            self.to_dict(include_state=include_state), indent=indent, ensure_ascii=False
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TableProfile:
        """A profile from its :meth:`to_dict` form, checked first (see :mod:`.saved`): numbers
        that disagree with the saved state, or that no profile can hold, raise
        InvalidInputError."""
        return cls._from_saved(d, with_sample=True)

    @classmethod
    def _from_saved(cls, d: dict[str, Any], with_sample: bool) -> TableProfile:
        """:meth:`from_dict`; without ``with_sample`` the row sample is not read (it takes a
        decode of the whole state), for callers that read only the statistics and the state."""
        check_saved = behaviour("check_saved")
        version = str(d.get("schema_version", "1.0.0")) if isinstance(d, dict) else "1.0.0"
        if version.split(".")[0] not in ("1", "2"):
            from truthound.profiler.errors import InvalidInputError

            raise InvalidInputError(
                f"profile schema_version {version} is newer than this truthound reads (2.x)"
            )
        known = {f.name for f in fields(cls)}
        partial = check_saved(d)
        kwargs = {
            k: v
            for k, v in d.items()
            if k in known and k not in ("columns", "correlations", "partial", "alerts", "sample")
        }
        kwargs["alerts"] = tuple(Alert.from_dict(a) for a in d.get("alerts", ()))
        kwargs["columns"] = tuple(ColumnProfile.from_dict(c) for c in d.get("columns", ()))
        saved_correlations = d.get("correlations")
        # profiles of schema 2.1 and before kept an (always empty) list of pairs here
        kwargs["correlations"] = (
            dict(saved_correlations) if isinstance(saved_correlations, dict) else {}
        )
        if d.get("profiled_at"):
            kwargs["profiled_at"] = datetime.fromisoformat(d["profiled_at"])
        if partial is not None:
            kwargs["partial"] = partial
            kwargs["settings"] = dict(d["state"].get("settings", {}))
        if with_sample:
            kwargs["sample"] = sample_from_saved(d.get("sample"), partial)
        return cls(**kwargs)

    @classmethod
    def from_json(cls, text: str) -> TableProfile:
        return cls.from_dict(json.loads(text))

    def save(self, path: str | Path, include_state: bool = True) -> None:
        """Write the profile as JSON; by default with its mergeable state."""
        Path(path).write_text(self.to_json(include_state=include_state), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> TableProfile:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))

    def _repr_html_(self) -> str:
        """The compact overview a notebook shows (no Jupyter package needed)."""
        return behaviour("overview_html")(self)

    def to_html(self, path: str | Path | None = None) -> str:
        """The self-contained HTML report (see :mod:`truthound.profiler.report`); also written to
        ``path`` when given."""
        html = behaviour("render_html")(self)
        if path is not None:
            Path(path).write_text(html, encoding="utf-8")
        return html

    def merge(self, *others: TableProfile) -> TableProfile:
        """The profile of this table's data and the others' together (see ProfileMerger)."""
        return behaviour("merge_profiles")([self, *others])

    def compare(self, other: Any, **options: Any) -> Any:
        """This profile as the baseline against ``other`` (a profile, a saved profile's path, or
        data): a :class:`~truthound.profiler.ProfileComparison` (see
        :func:`truthound.profiler.compare`)."""
        return behaviour("compare")(self, other, **options)

    def with_timing(self, profiled_at: datetime, duration_ms: float) -> TableProfile:
        columns = tuple(
            replace(c, profiled_at=profiled_at, profile_duration_ms=duration_ms)
            for c in self.columns
        )
        return replace(
            self, profiled_at=profiled_at, profile_duration_ms=duration_ms, columns=columns
        )


def sample_to_dict(table: Any) -> dict[str, Any] | None:
    from truthound.profiler.relations import sample_to_dict as convert

    return convert(table)


def sample_from_saved(saved: Any, partial: bytes | None) -> Any:
    """The sample of a saved profile: exact from its state, else rebuilt from the JSON rows
    (long values cut, types as JSON gives them)."""
    if partial is not None:
        from truthound import _core
        from truthound.profiler.relations import sample_table

        raw = _core.relations(partial)
        if raw is not None:
            return sample_table(raw["sample"])
    if isinstance(saved, dict) and isinstance(saved.get("rows"), list):
        import pyarrow as pa

        rows = [r for r in saved["rows"] if isinstance(r, dict)]
        names = list(saved.get("columns") or (rows[0] if rows else {}))
        arrays = []
        for name in names:
            values = [r.get(name) for r in rows]
            if _floats_with_specials(values):  # JSON writes NaN and ±inf as "nan", "inf", "-inf"
                values = [None if v is None else float(v) for v in values]
            try:
                arrays.append(pa.array(values))
            except (pa.ArrowException, TypeError, ValueError):  # "nan" beside numbers, ...
                arrays.append(
                    pa.array([None if v is None else str(v) for v in values], pa.string())
                )
        return pa.Table.from_arrays(arrays, names=[str(n) for n in names])
    return None


def _floats_with_specials(values: list[Any]) -> bool:
    """Whether ``values`` are numbers and NaN / ±inf as ``jsonable._jsonable`` writes them."""
    present = [v for v in values if v is not None]
    numbers = [isinstance(v, (int, float)) and not isinstance(v, bool) for v in present]
    specials = [v in ("nan", "inf", "-inf") for v in present]
    return any(numbers) and any(specials) and all(a or b for a, b in zip(numbers, specials))


@functools.cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in fields(cls))
