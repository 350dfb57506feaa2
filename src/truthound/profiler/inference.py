"""Semantic type of a column, from what its values are rather than how many rows hold them, and
the validators a user would put on it (truthound's spelling).

The rules (``docs/profile-schema.md``, "Inferred type", gives them with their thresholds):

1. No non-null values, booleans, dates, times, timestamps and durations keep their physical
   type: a timestamp is never a category.
2. A string column where one pattern matches at least 90 % of the values has that pattern's type
   (email, url, uuid, date, datetime …). Digit strings (and decimal strings) are numbers for the
   rules below, unless they are zero-padded codes ("02134"), which stay strings.
3. At least ``MIN_VALUES`` non-null values are needed to call a column a key or a category.
4. Identifier: integers or short strings (at most ``IDENTIFIER_MAX_LENGTH`` characters), at least
   ``IDENTIFIER_MIN_RATIO`` of them distinct (the HyperLogLog estimate where the count is not
   exact): unique and near-unique keys, prefixed codes ("ID0"…"ID199999") included.
5. Categorical: at most ``CATEGORICAL_MAX_RATIO`` of the values distinct *and* at most a small
   absolute number of distinct values, by what the values are: ``CATEGORICAL_MAX_INTEGERS`` for
   integers (and floats whose every value is whole), ``CATEGORICAL_MAX_FLOATS`` for fractional
   numbers, ``CATEGORICAL_MAX_STRINGS`` for strings. A category's distinct count stops growing
   with the rows, so the answer does not change with the row count.
6. Otherwise the pattern's number type; integer for floats whose every value is whole (known
   while the profile holds every distinct value: exact frequencies, at most
   ``VALUES_FOR_INFERENCE`` of them); else the physical type.

Integer codes are recognised alongside (``integer_code``) where the evidence is clear: ``year``
(a name saying year, every value in 1700–2100), ``zip_code`` (a name saying zip or postal code,
every value in 0–99999), ``hhmm`` (at least ``HHMM_MIN_DISTINCT`` distinct whole values in
0–2400, every one a valid clock time: minutes 00–59, at least three hours). They print without
thousands separators and are not measurements (no skew, zeros or outlier alerts).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from truthound.profiler.display import count, percent
from truthound.profiler.model import ColumnProfile, DataType, PatternMatch

__all__ = [
    "CATEGORICAL_MAX_FLOATS",
    "CATEGORICAL_MAX_INTEGERS",
    "CATEGORICAL_MAX_RATIO",
    "CATEGORICAL_MAX_STRINGS",
    "HHMM_MIN_DISTINCT",
    "IDENTIFIER_MAX_LENGTH",
    "IDENTIFIER_MIN_RATIO",
    "MIN_VALUES",
    "Inference",
    "infer_type",
    "suggest_validators",
]

MIN_VALUES = 20
CATEGORICAL_MAX_RATIO = 0.2
CATEGORICAL_MAX_INTEGERS = 32
CATEGORICAL_MAX_FLOATS = 10
CATEGORICAL_MAX_STRINGS = 200
IDENTIFIER_MIN_RATIO = 0.95
IDENTIFIER_MAX_LENGTH = 64
HHMM_MIN_DISTINCT = 30
YEAR_RANGE = (1700, 2100)
ZIP_RANGE = (0, 99999)

_YEAR_NAME = re.compile(r"year|(^|[^a-z])yr($|[^a-z])", re.IGNORECASE)
_ZIP_NAME = re.compile(r"zip|postal|post_?code", re.IGNORECASE)
_INTEGER_KINDS = ("integer", "unsigned")
_NUMBER_KINDS = ("integer", "unsigned", "float", "decimal")
_TEMPORAL_KINDS = ("date", "timestamp", "time", "duration")
_NUMBER_PATTERNS = ("integer", "float")
_KEY_KINDS = ("integer", "unsigned", "string", "binary")
_SKETCH_NAMES = {"exaloglog": "ExaLogLog", "hyperloglog": "HyperLogLog"}
_PREFIXED = re.compile(r"^([^0-9]+)[0-9]+$")


@dataclass(frozen=True)
class Inference:
    """An inferred type, the integer code recognised (``year``, ``hhmm``, ``zip_code``) and the
    evidence, one sentence with the numbers that decided."""

    data_type: DataType
    evidence: str
    integer_code: str | None = None


def _is_whole(v: Any) -> bool:
    if isinstance(v, bool):
        return False
    if isinstance(v, int):
        return True
    try:
        x = float(v)
    except (TypeError, ValueError):
        return False
    return not math.isfinite(x) or x == int(x)


def _finite_numbers(values: Sequence[tuple[Any, int]]) -> list[float]:
    out = []
    for v, _ in values:
        try:
            x = float(v)
        except (TypeError, ValueError):
            continue
        if math.isfinite(x):
            out.append(x)
    return out


def _zero_padded(c: ColumnProfile) -> bool:
    """Digit strings of one width with a leading zero: codes such as "02134", not numbers."""
    return (
        isinstance(c.min, str)
        and c.min_length is not None
        and c.min_length == c.max_length
        and c.min_length > 1
        and c.min.startswith("0")
    )


def _value_class(c: ColumnProfile, pattern_type: str | None, values: Any) -> str:
    """ "integer", "float" or "string": what the values are, whatever their physical type."""
    if c.kind in _INTEGER_KINDS:
        return "integer"
    if c.kind in ("float", "decimal"):
        # whole floats (an integer column with nulls, through pandas) are integers
        if values is not None and all(_is_whole(v) for v, _ in values):
            return "integer"
        return "float"
    if c.kind == "string" and pattern_type in _NUMBER_PATTERNS and not _zero_padded(c):
        return pattern_type
    return "string"


def _distinct_text(c: ColumnProfile) -> str:
    if c.distinct_count_is_exact:
        return f"{count(c.distinct_count)} distinct of {count(c.non_null_count)} values"
    return (
        f"≈ {count(c.distinct_count)} distinct of {count(c.non_null_count)} values "
        f"({_SKETCH_NAMES.get(c.distinct_count_method, c.distinct_count_method)} estimate, "
        f"±{percent(c.distinct_count_error)})"
    )


def _integer_code(
    c: ColumnProfile, value_class: str, values: Sequence[tuple[Any, int]] | None
) -> tuple[str, str] | None:
    """``(code, evidence)`` for a column of integer codes, else None."""
    if value_class != "integer" or c.kind not in _NUMBER_KINDS:
        return None
    lo, hi = c.min, c.max
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lo, hi)):
        return None
    if _YEAR_NAME.search(c.name) and YEAR_RANGE[0] <= lo and hi <= YEAR_RANGE[1]:
        return "year", (
            f"named like a year, every value in {YEAR_RANGE[0]}–{YEAR_RANGE[1]} "
            f"({int(lo)}–{int(hi)})"
        )
    if _ZIP_NAME.search(c.name) and ZIP_RANGE[0] <= lo and hi <= ZIP_RANGE[1]:
        return "zip_code", f"named like a zip code, every value in 0–99999 ({int(lo)}–{int(hi)})"
    if values is None or not (0 <= lo and hi <= 2400) or len(values) < HHMM_MIN_DISTINCT:
        return None
    whole = [int(x) for x in _finite_numbers(values)]
    hours = {v // 100 for v in whole}
    if len(hours) >= 3 and all(v % 100 < 60 for v in whole):
        return "hhmm", (
            f"all {count(len(whole))} distinct values in {int(lo)}–{int(hi)} are HHMM clock "
            "times (minutes 00–59); integers spread over that range would hold 40 % of "
            "minutes 60–99"
        )
    return None


def _key_shape(c: ColumnProfile, values: Sequence[tuple[Any, int]] | None) -> str:
    """What the samples of a string key look like: a shared prefix before digits, zero-padding."""
    samples = [
        c.min,
        c.max,
        *(v.value for v in (*c.top_values, *c.bottom_values)),
        *(v for v, _ in (values or ())[:20]),
    ]
    samples = [s for s in samples if isinstance(s, str)]
    prefixes = {m.group(1) for s in samples if (m := _PREFIXED.match(s))}
    if samples and len(prefixes) == 1 and all(_PREFIXED.match(s) for s in samples):
        return f"; codes {next(iter(prefixes))!r} + digits"
    if _zero_padded(c):
        return "; zero-padded digits"
    return ""


def infer_type(
    column: ColumnProfile,
    physical: DataType,
    pattern: PatternMatch | None = None,
    pattern_type: str | None = None,
    values: Sequence[tuple[Any, int]] | None = None,
) -> Inference:
    """The semantic type of ``column`` (see the module's rules).

    Parameters
    ----------
    column
        The column's statistics (its own ``inferred_type`` is ignored).
    physical
        What its physical type maps to (integer, float, string, datetime …).
    pattern, pattern_type
        The engine's pick: the highest-priority pattern matching at least 90 % of the values, and
        the type it implies.
    values
        Every distinct non-null value with its count, when the profile knows them all (exact
        frequencies, few enough distinct values), else None.
    """
    c = column
    n = c.non_null_count
    d = c.distinct_count
    if c.note:
        return Inference(physical, c.note)
    if n <= 0:
        return Inference(physical, "no non-null values")
    if c.kind == "boolean":
        return Inference(DataType.BOOLEAN, "boolean values")
    if c.kind in _TEMPORAL_KINDS:
        return Inference(physical, f"{c.kind} values: never a category or a key")
    matched = f"{percent(pattern.match_ratio)} of values match {pattern.pattern}" if pattern else ""
    if pattern_type and pattern_type not in _NUMBER_PATTERNS:
        return Inference(DataType(pattern_type), matched)

    value_class = _value_class(c, pattern_type, values)
    code = _integer_code(c, value_class, values)
    code_name, code_evidence = code if code else (None, "")
    tail = f"; {code_evidence}" if code_evidence else ""
    if matched and value_class == "string":
        tail += f"; {matched}, but zero-padded: codes, not numbers"
    elif matched:
        tail += f"; {matched}"
    distinct = _distinct_text(c)
    if n < MIN_VALUES:
        base = DataType(value_class) if value_class != "string" else physical
        evidence = f"{distinct}: fewer than {MIN_VALUES}, too few to tell a key or a category"
        return Inference(base, evidence + tail, code_name)

    ratio = d / n
    max_length = c.max_length if c.max_length is not None else 0
    if (
        ratio >= IDENTIFIER_MIN_RATIO
        and value_class in ("integer", "string")
        and c.kind in ("integer", "unsigned", "string", "binary")
        and (value_class == "integer" or max_length <= IDENTIFIER_MAX_LENGTH)
    ):
        shape = _key_shape(c, values) if value_class == "string" else ""
        evidence = f"{distinct} ({percent(ratio)}): a key{shape}"
        return Inference(DataType.IDENTIFIER, evidence + tail, code_name)

    limit = {
        "integer": CATEGORICAL_MAX_INTEGERS,
        "float": CATEGORICAL_MAX_FLOATS,
        "string": CATEGORICAL_MAX_STRINGS,
    }[value_class]
    noun = {"integer": "integers", "float": "fractional numbers", "string": "strings"}[value_class]
    if d <= limit and ratio <= CATEGORICAL_MAX_RATIO:
        evidence = (
            f"{distinct}: a category (at most {limit} distinct {noun}, "
            f"at most {percent(CATEGORICAL_MAX_RATIO)} of the values)"
        )
        return Inference(DataType.CATEGORICAL, evidence + tail, code_name)

    if d > limit:
        why = f"more than {limit} distinct {noun}: not a category"
    else:
        why = f"more than {percent(CATEGORICAL_MAX_RATIO)} of the values distinct: not a category"
    if value_class == "string" and c.kind == "string" and pattern_type in _NUMBER_PATTERNS:
        base = DataType.STRING
    elif pattern_type in _NUMBER_PATTERNS:
        base = DataType(pattern_type)
    elif value_class == "integer" and c.kind in ("float", "decimal"):
        # the same whole numbers in an integer column are integers: so are these
        base = DataType.INTEGER
        why += "; every value a whole number"
    else:
        base = physical
    return Inference(base, f"{distinct}: {why}" + tail, code_name)


def _fmt(v: object) -> str:
    return repr(v.isoformat()) if hasattr(v, "isoformat") else repr(v)


def _plain(v: Any) -> Any:
    """A whole float of an integer-valued column as an int (``2013.0`` → ``2013``)."""
    if isinstance(v, float) and math.isfinite(v) and v == int(v):
        return int(v)
    return v


def suggest_validators(
    column: ColumnProfile, values: Sequence[tuple[Any, int]] | None = None
) -> tuple[str, ...]:
    """Validators a user would put on this column, in truthound's spelling (a Python call with
    literal arguments, which :mod:`truthound.profiler.suites` reads back). ``values``: every
    distinct value with its count, when known (a category's whole value set)."""
    out: list[str] = []
    if column.row_count == 0:
        return ()
    if column.null_count == 0:
        out.append("NotNullValidator()")
    elif column.null_ratio < 0.05:
        # rounded down: a suggestion must hold on the data it was made from
        floor = math.floor((1 - column.null_ratio) * 100) / 100
        out.append(f"CompletenessRatioValidator(min_ratio={floor})")
    if column.is_unique and column.non_null_count > 1 and column.kind in _KEY_KINDS:
        # floats and timestamps that never repeat are measurements: no uniqueness to keep
        out.append("UniqueValidator()")
    elif column.inferred_type == DataType.IDENTIFIER:
        ratio = column.unique_ratio
        if not column.distinct_count_is_exact and ratio >= 1 - 3 * column.distinct_count_error:
            # an estimate this close to 1 cannot tell a key from a near-key: say key
            out.append("UniqueValidator()")
        else:
            floor = math.floor(min(ratio, 1.0) * 100) / 100
            out.append(f"UniqueRatioValidator(min_ratio={floor})")
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
    whole = column.integer_code is not None or (
        values is not None and all(_is_whole(v) for v, _ in values)
    )
    if column.distribution is not None and column.distribution.min is not None:
        d = column.distribution
        if d.min == d.min and d.max == d.max and math.isfinite(d.min) and math.isfinite(d.max):
            lo, hi = (_plain(d.min), _plain(d.max)) if whole else (d.min, d.max)
            out.append(f"RangeValidator(min_value={lo!r}, max_value={hi!r})")
    elif column.min_date is not None:
        out.append(
            f"DateRangeValidator(min_date={_fmt(column.min_date)}, max_date={_fmt(column.max_date)})"
        )
    if column.min_length is not None and column.invalid_utf8_count == 0:
        out.append(
            f"LengthValidator(min_length={column.min_length}, max_length={column.max_length})"
        )
    if column.inferred_type == DataType.CATEGORICAL and column.top_values_method == "exact":
        known = (
            [v for v, _ in values]
            if values is not None
            else [v.value for v in column.top_values]
            if len(column.top_values) == column.distinct_count
            else None
        )
        finite = known is not None and all(
            not (isinstance(v, float) and not math.isfinite(v)) for v in known
        )
        if finite and known is not None and all(isinstance(v, (str, int, float)) for v in known):
            out.append(
                f"InSetValidator(allowed_values={[_plain(v) if whole else v for v in known]!r})"
            )
    return tuple(out)
