"""Semantic type and suggested validators from a column's statistics (truthound's rules)."""

from __future__ import annotations

from truthound.profiler.model import ColumnProfile, DataType

__all__ = [
    "infer_type",
    "suggest_validators",
    "CATEGORICAL_RATIO",
    "IDENTIFIER_RATIO",
    "IDENTIFIER_MIN_VALUES",
]

# Below this many values "every value differs" says nothing about being a key.
IDENTIFIER_MIN_VALUES = 10
CATEGORICAL_RATIO = 0.05
IDENTIFIER_RATIO = 0.95


def infer_type(
    column: ColumnProfile, physical: DataType, pattern_type: str | None = None
) -> DataType:
    """Pattern first (the engine's pick: the highest-priority pattern matching ≥ 90 % of the
    values), then cardinality, then the physical type."""
    if pattern_type:
        return DataType(pattern_type)
    non_null = column.non_null_count
    if non_null > 0 and physical not in (DataType.BOOLEAN, DataType.UNKNOWN):
        ratio = column.distinct_count / non_null
        if ratio <= CATEGORICAL_RATIO:
            return DataType.CATEGORICAL
        # Floats and timestamps that never repeat are measurements, not keys.
        if (
            ratio >= IDENTIFIER_RATIO
            and column.is_unique
            and non_null >= IDENTIFIER_MIN_VALUES
            and physical in (DataType.INTEGER, DataType.STRING)
        ):
            return DataType.IDENTIFIER
    return physical


def _fmt(v: object) -> str:
    return repr(v.isoformat()) if hasattr(v, "isoformat") else repr(v)


def suggest_validators(column: ColumnProfile) -> tuple[str, ...]:
    """Validators a user would put on this column, in truthound's spelling."""
    out: list[str] = []
    if column.row_count == 0:
        return ()
    if column.null_count == 0:
        out.append("NotNullValidator()")
    elif column.null_ratio < 0.05:
        out.append(f"CompletenessRatioValidator(min_ratio={round(1 - column.null_ratio, 2)})")
    if column.is_unique and column.non_null_count > 1:
        out.append("UniqueValidator()")
    type_validators = {
        DataType.EMAIL: "EmailValidator()",
        DataType.URL: "UrlValidator()",
        DataType.PHONE: "PhoneValidator()",
        DataType.UUID: "UuidValidator()",
        DataType.IP_ADDRESS: "IpAddressValidator()",
        DataType.JSON: "JsonValidator()",
    }
    if column.inferred_type in type_validators:
        out.append(type_validators[column.inferred_type])
    if column.distribution is not None and column.distribution.min is not None:
        d = column.distribution
        if d.min == d.min and d.max == d.max:  # not NaN
            out.append(f"RangeValidator(min_value={d.min!r}, max_value={d.max!r})")
    elif column.min_date is not None:
        out.append(
            f"DateRangeValidator(min_date={_fmt(column.min_date)}, max_date={_fmt(column.max_date)})"
        )
    if column.min_length is not None:
        out.append(
            f"LengthValidator(min_length={column.min_length}, max_length={column.max_length})"
        )
    if (
        column.inferred_type == DataType.CATEGORICAL
        and column.top_values
        and column.top_values_method == "exact"
    ):
        if len(column.top_values) == column.distinct_count:
            values = [v.value for v in column.top_values]
            out.append(f"InSetValidator(values={values!r})")
    return tuple(out)
