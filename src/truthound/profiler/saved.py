"""Checks on a saved profile (JSON) before it is loaded: a profile is a claim about data, and an
edited or damaged file must not render as if it were true.

With its state (``"state"``: the partial profile, which carries its own checksum), the numbers
must be the ones the state gives. A profile written by :meth:`TableProfile.to_dict` holds a
digest (``state.digest``) of its numbers and of the state's checksum: when the file's numbers and
state still give that digest, and the state its checksum, they are the ones that were written
together, and loading costs a hash of each rather than a finalize (and than the checks of types
and ranges below, which everything truthound writes passes). Otherwise (an edit, damage, a
file without a digest) the numbers are finalized again from the state and every one of them must
agree, and the first that does not is named. Without a state, only what can be checked from the
numbers themselves is: types, ranges and the sums they must add up to.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from typing import Any

from truthound.profiler.errors import CorruptPartialError, InvalidInputError
from truthound.profiler.model import register

__all__ = ["check_saved", "state_bytes", "state_digest"]

# Table fields not derived from the state: where and when it ran, and (under HASH) duplicate
# counts gathered per bucket outside the merged state.
_TABLE_CONTEXT = {
    "schema_version",
    "name",
    "source",
    "profiled_at",
    "profile_duration_ms",
    "backend",
    "partition_strategy",
    "state",
    "correlations",
    "sample",
}
_DUPLICATES = (
    "duplicate_row_count",
    "duplicate_row_ratio",
    "duplicate_row_count_is_exact",
    "duplicate_row_method",
)
_COLUMN_CONTEXT = {"profiled_at", "profile_duration_ms", "note"}
_RATIOS = ("null_ratio", "unique_ratio")


def _fail(message: str) -> InvalidInputError:
    return InvalidInputError(f"not a valid truthound profile: {message}")


def _count(d: dict[str, Any], key: str, where: str, required: bool = False) -> int | None:
    if key not in d or d[key] is None:
        if required:
            raise _fail(f"{where}: {key!r} is missing")
        return None
    v = d[key]
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise _fail(f"{where}: {key} must be a non-negative integer, got {v!r}")
    return v


def _check_numbers(d: Any) -> None:
    """Types, ranges and sums that hold in every profile truthound writes."""
    if not isinstance(d, dict):
        raise _fail(f"expected a JSON object, got {type(d).__name__}")
    rows = _count(d, "row_count", "table", required=True)
    columns = d.get("columns")
    if not isinstance(columns, list):
        raise _fail("'columns' is missing or not a list")
    count = _count(d, "column_count", "table")
    if count is not None and count != len(columns):
        raise _fail(f"column_count is {count} but {len(columns)} columns are listed")
    dup = _count(d, "duplicate_row_count", "table")
    if dup is not None and dup > rows:
        raise _fail(f"duplicate_row_count {dup} exceeds row_count {rows}")
    for i, c in enumerate(columns):
        if not isinstance(c, dict) or not isinstance(c.get("name"), str):
            raise _fail(f"columns[{i}] is not a column (an object with a string 'name')")
        where = f"column {c['name']!r}"
        for key, v in c.items():
            if key.endswith("_count") and key != "distinct_count_is_exact":
                _count(c, key, where)
        n = _count(c, "row_count", where, required=True)
        if n != rows:
            raise _fail(f"{where}: row_count {n} but the table has {rows} rows")
        nulls = _count(c, "null_count", where, required=True)
        if nulls > n:
            raise _fail(f"{where}: null_count {nulls} exceeds row_count {n}")
        non_null = _count(c, "non_null_count", where)
        if non_null is not None and non_null + nulls != n:
            raise _fail(f"{where}: non_null_count {non_null} + null_count {nulls} != {n} rows")
        distinct = _count(c, "distinct_count", where)
        if distinct is not None and c.get("distinct_count_is_exact", True) and distinct > n - nulls:
            raise _fail(f"{where}: distinct_count {distinct} exceeds its {n - nulls} values")
        for key in _RATIOS:
            v = c.get(key)
            if v is not None and not (
                isinstance(v, (int, float)) and not isinstance(v, bool) and 0 <= v <= 1
            ):
                raise _fail(f"{where}: {key} must be a number in [0, 1], got {v!r}")
        for key in ("top_values", "bottom_values"):
            for item in c.get(key) or ():
                if not isinstance(item, dict):
                    raise _fail(f"{where}: {key} holds {item!r}, not a value with a count")
                k = _count(item, "count", f"{where} {key}", required=True)
                if k > n - nulls:
                    raise _fail(f"{where}: a {key} count {k} exceeds its {n - nulls} values")


@register("state_bytes")
def state_bytes(d: dict[str, Any]) -> bytes | None:
    """The saved partial profile, or None when the profile was saved without it."""
    state = d.get("state")
    if not state:
        return None
    if not isinstance(state, dict) or not isinstance(state.get("bytes"), str):
        raise _fail("'state' has no base64 'bytes'")
    try:
        return base64.b64decode(state["bytes"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _fail(f"its state is not valid base64 (truncated or edited?): {exc}") from None


@register("state_digest")
def state_digest(d: dict[str, Any], blob: bytes) -> str:
    """The digest that ties a profile's numbers to its state: a hash of every field but
    ``"state"`` (as compact JSON, keys in their order), the state's format and settings, and the
    partial's own checksum (which :func:`_core.partial_checksum` checks against the bytes, so a
    damaged state raises CorruptPartialError here). JSON text read back gives the same digest as
    the dict it was written from (floats, strings and key order round-trip exactly)."""
    from truthound import _core

    state = d.get("state") or {}
    text = json.dumps(
        [
            {k: v for k, v in d.items() if k != "state"},
            state.get("format"),
            state.get("settings"),
            _core.partial_checksum(blob),
        ],
        separators=(",", ":"),
        check_circular=False,
    )
    return "blake2b:" + hashlib.blake2b(text.encode("ascii"), digest_size=16).hexdigest()


def _written_together(d: Any) -> bytes | None:
    """The state's bytes when the saved digest is the one these numbers and this state give
    (they were written together, so every check below holds); else None."""
    if not isinstance(d, dict) or not isinstance(d.get("state"), dict):
        return None
    saved = d["state"].get("digest")
    if not isinstance(saved, str):
        return None
    try:
        blob = state_bytes(d)
        return blob if blob is not None and state_digest(d, blob) == saved else None
    except (InvalidInputError, CorruptPartialError, TypeError, ValueError):
        return None  # the full check names the problem


def _agree(saved: Any, rebuilt: Any, path: str) -> str | None:
    """The first path where the two JSON values differ, with both values."""
    if isinstance(rebuilt, dict) and isinstance(saved, dict):
        for key, value in rebuilt.items():
            if key not in saved:
                return f"{path}.{key} is missing (the state says {value!r})"
            found = _agree(saved[key], value, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(rebuilt, list) and isinstance(saved, list) and len(saved) == len(rebuilt):
        for i, (a, b) in enumerate(zip(saved, rebuilt)):
            found = _agree(a, b, f"{path}[{i}]")
            if found:
                return found
        return None
    if (
        isinstance(rebuilt, float)
        and isinstance(saved, (int, float))
        and not isinstance(saved, bool)
    ):
        if saved == rebuilt or (math.isnan(rebuilt) and math.isnan(saved)):
            return None
    elif saved == rebuilt and type(saved) is type(rebuilt):
        return None
    return f"{path} is {saved!r}, the state says {rebuilt!r}"


def _check_against_state(d: dict[str, Any], blob: bytes) -> None:
    from truthound import _core
    from truthound.profiler.build import build_table_profile
    from truthound.profiler.settings import ProfileSettings

    settings = ProfileSettings.from_dict(d["state"].get("settings") or {})
    try:
        stats = _core.finalize(blob, **settings.finalize_options())
    except CorruptPartialError as exc:
        raise _fail(f"its state is corrupt: {exc}") from None
    rebuilt = build_table_profile(stats, partial=blob, settings=settings.to_dict())
    expected = json.loads(rebuilt.to_json(indent=None))
    skip = set(_TABLE_CONTEXT)
    if expected.get("duplicate_row_count") is None:
        skip.update(_DUPLICATES)
    for key in skip:
        expected.pop(key, None)
    for c in expected["columns"]:
        for key in _COLUMN_CONTEXT:
            c.pop(key, None)
    problem = _agree(d, expected, "profile")
    if problem:
        raise InvalidInputError(
            f"saved profile disagrees with its own state: {problem}. It was edited or damaged "
            "after it was written; profile the data again"
        )


@register("check_saved")
def check_saved(d: Any) -> bytes | None:
    """Raise InvalidInputError unless ``d`` (a loaded profile JSON) is one truthound wrote and
    its numbers are the ones its state gives; return the state's bytes (None without a state)."""
    blob = _written_together(d)
    if blob is not None:
        return blob
    _check_numbers(d)
    blob = state_bytes(d)
    if blob is not None:
        _check_against_state(d, blob)
    return blob
