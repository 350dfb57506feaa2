"""``truthound.profiler.compare``: two profiles (or saved profiles, or data) side by side.

Drift reads only each profile's merged state (its partial bytes), so profiles of the same data
from different plans or backends compare the same; deltas read the finalized statistics.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from truthound import _core
from truthound.profiler.comparison.drift import engine_drift, not_compared, null_drift
from truthound.profiler.comparison.model import (
    ADDED,
    CHANGED,
    REMOVED,
    UNCHANGED,
    ColumnComparison,
    ProfileComparison,
)
from truthound.profiler.comparison.settings import CompareSettings
from truthound.profiler.errors import InvalidInputError, SourceError
from truthound.profiler.model import ColumnProfile, TableProfile, _jsonable, register

__all__ = ["compare", "load_side"]

_NUMERIC = {"integer", "unsigned", "float", "decimal"}
_PERCENTILES = ("p1", "p5", "p25", "p50", "p75", "p95", "p99")
# The first key of a saved profile (TableProfile.to_dict writes it first).
_SAVED_PROFILE = re.compile(rb'^\s*\{\s*"schema_version"\s*:')
_CATEGORIES_SHOWN = 20
_EDGE_UNITS = {
    "date": "days since 1970-01-01",
    "timestamp": "seconds since 1970-01-01 UTC",
    "time": "seconds since midnight",
    "duration": "seconds",
}


@register("compare")
def compare(
    baseline: Any,
    current: Any,
    *,
    columns: Sequence[str] | None = None,
    settings: CompareSettings | None = None,
    backend: Any = None,
    **options: Any,
) -> ProfileComparison:
    """Compare two profiles: schema changes, per-column deltas and drift.

    Parameters
    ----------
    baseline, current
        Each a :class:`TableProfile`, the path of a saved profile (``TableProfile.save`` or
        ``th profile --format json``), or data (anything :func:`truthound.profiler.profile`
        takes), which is profiled first.
    columns
        Compare only these columns (default: all of both sides).
    settings
        Thresholds (:class:`CompareSettings`); its fields may also be given as keywords.
    backend
        Profile data sides on this backend (``"local"``, ``"spark"``, ``"dask"``, ``"ray"``,
        ``"auto"``, or a backend instance) through ``DistributedProfiler``; default: in this
        process.
    **options
        :class:`CompareSettings` fields (``numeric_threshold=0.2``, ...); the rest are profile
        settings for data sides (``top_n``, ``seed``, ``partition_strategy``, ...).

    Returns
    -------
    ProfileComparison

    Examples
    --------
    >>> import pyarrow as pa, truthound.profiler as tp
    >>> jan = pa.table({"delay": [float(i % 50) for i in range(3000)]})
    >>> jul = pa.table({"delay": [float(i % 50) + 20 for i in range(3000)]})
    >>> c = tp.compare(jan, jul)
    >>> c["delay"].drift.metric, round(c["delay"].drift.score, 3), c["delay"].status
    ('wasserstein', 1.386, 'changed')
    """
    names = CompareSettings.field_names()
    chosen = {k: options.pop(k) for k in list(options) if k in names}
    if settings is None:
        settings = CompareSettings(**chosen)
    elif chosen:
        from dataclasses import replace

        settings = replace(settings, **chosen)
    a = load_side(baseline, "baseline", backend, options)
    b = load_side(current, "current", backend, options)
    return _compare(a, b, columns, settings)


def load_side(
    side: Any, label: str, backend: Any = None, options: dict | None = None
) -> TableProfile:
    """A side of a comparison as a profile with its merged state: a profile as it is, a saved
    profile loaded, data profiled."""
    options = dict(options or {})
    if isinstance(side, TableProfile):
        profile = side
    elif isinstance(side, (str, os.PathLike)) and _is_saved_profile(side):
        profile = _load(side, label)
    else:
        profile = _profile(side, backend, options)
    if profile.partial is None:
        raise InvalidInputError(
            f"the {label} profile ({profile.name or profile.source or 'unnamed'!r}) has no "
            "mergeable state, which drift needs: it was saved without it "
            "(TableProfile.save keeps it; to_json(include_state=True))"
        )
    return profile


def _is_saved_profile(path: str | os.PathLike) -> bool:
    p = Path(path)
    if not p.is_file():
        return False
    try:
        with p.open("rb") as f:
            head = f.read(4096)
    except OSError:
        return False
    return bool(_SAVED_PROFILE.match(head))


def _load(path: str | os.PathLike, label: str) -> TableProfile:
    import json

    try:
        text = Path(path).read_text(encoding="utf-8")
        # a comparison reads the statistics and the state, never the row sample
        return TableProfile._from_saved(json.loads(text), with_sample=False)
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InvalidInputError(
            f"{label} {str(path)!r} is not a truthound profile: {exc}"
        ) from None
    except OSError as exc:
        raise SourceError(f"cannot read {label} {str(path)!r}: {exc.strerror or exc}") from None


def _profile(data: Any, backend: Any, options: dict[str, Any]) -> TableProfile:
    if backend is None:
        from truthound.profiler.single import profile

        return profile(data, **options)
    from truthound.profiler.distributed import DistributedProfiler

    run = {
        k: options.pop(k)
        for k in ("config", "partition_strategy", "num_partitions", "monitor")
        if k in options
    }
    source = {
        k: options.pop(k) for k in ("columns", "delimiter", "header", "quote_char") if k in options
    }
    return DistributedProfiler.create(backend=backend, **run, **options).profile(data, **source)


# ---------------------------------------------------------------------------------------------


def _label(p: TableProfile) -> str:
    return repr(p.source or p.name or "profile")


def _side_facts(p: TableProfile) -> dict[str, Any]:
    return {
        "name": p.name,
        "source": p.source,
        "row_count": p.row_count,
        "column_count": p.column_count,
        "profiled_at": p.profiled_at.isoformat() if p.profiled_at else None,
        "backend": p.backend,
        "partition_strategy": p.partition_strategy,
        "unit_count": p.unit_count,
    }


def _compare(
    a: TableProfile, b: TableProfile, columns: Sequence[str] | None, s: CompareSettings
) -> ProfileComparison:
    names_a, names_b = a.column_names, b.column_names
    union = list(dict.fromkeys([*names_a, *names_b]))
    if columns is not None:
        wanted = list(dict.fromkeys(columns))
        unknown = [c for c in wanted if c not in union]
        if unknown:
            raise InvalidInputError(
                f"no column named {', '.join(map(repr, unknown))} in either profile; "
                f"columns are {union}"
            )
        union = [c for c in union if c in set(wanted)]
    results = _core.compare(
        a.partial,
        b.partial,
        union,
        labels=(f"baseline {_label(a)}", f"current {_label(b)}"),
        quantile_grid=s.quantile_grid,
        histogram_bins=s.histogram_bins,
        small_sample_rows=s.small_sample_rows,
        listed_values=s.listed_values,
        categories_shown=_CATEGORIES_SHOWN,
        threads=min(2, os.cpu_count() or 1),
    )
    cols_a = {c.name: c for c in a.columns}
    cols_b = {c.name: c for c in b.columns}

    schema_changes: list[dict[str, Any]] = []
    entries: list[ColumnComparison] = []
    for r in results:
        name = r["name"]
        ca, cb = cols_a.get(name), cols_b.get(name)
        da, db = r["baseline"], r["current"]
        if ca is None or da is None:
            schema_changes.append(
                {"column": name, "change": ADDED, "current_type": cb.physical_type}
            )
            entries.append(_one_sided(name, ADDED, cb, db["kind"]))
            continue
        if cb is None or db is None:
            schema_changes.append(
                {"column": name, "change": REMOVED, "baseline_type": ca.physical_type}
            )
            entries.append(_one_sided(name, REMOVED, ca, da["kind"]))
            continue
        type_changed = _family(da["kind"]) != _family(db["kind"])
        if type_changed:
            schema_changes.append(
                {
                    "column": name,
                    "change": "type_changed",
                    "baseline_type": ca.physical_type,
                    "current_type": cb.physical_type,
                    "baseline_kind": da["kind"],
                    "current_kind": db["kind"],
                }
            )
        entries.append(_both_sides(r, ca, cb, type_changed, s))

    common = [e for e in entries if e.status not in (ADDED, REMOVED)]
    drifted = [e for e in common if e.drifted]
    share = len(drifted) / len(common) if common else 0.0
    summary = {
        "columns_compared": len(common),
        "columns_drifted": len(drifted),
        "drifted_share": share,
        "drift_share_threshold": s.drift_share,
        "dataset_drift": bool(common) and share >= s.drift_share,
        "columns_added": sum(c["change"] == ADDED for c in schema_changes),
        "columns_removed": sum(c["change"] == REMOVED for c in schema_changes),
        "columns_type_changed": sum(c["change"] == "type_changed" for c in schema_changes),
        "row_count": {
            "baseline": a.row_count,
            "current": b.row_count,
            "difference": b.row_count - a.row_count,
        },
    }
    return ProfileComparison(
        baseline=_side_facts(a),
        current=_side_facts(b),
        settings=s,
        schema_changes=schema_changes,
        columns=tuple(entries),
        summary=summary,
    )


def _family(kind: str) -> str:
    """The kind as a schema change sees it: signed and unsigned integers are one family."""
    return "integer" if kind == "unsigned" else kind


def _one_sided(name: str, status: str, c: ColumnProfile, kind: str) -> ColumnComparison:
    mine = _stats(c)
    if status == ADDED:
        deltas = {k: {"baseline": None, "current": v, "difference": None} for k, v in mine.items()}
    else:
        deltas = {k: {"baseline": v, "current": None, "difference": None} for k, v in mine.items()}
    return ColumnComparison(
        name=name,
        status=status,
        kind=kind,
        baseline_type=c.physical_type if status == REMOVED else None,
        current_type=c.physical_type if status == ADDED else None,
        deltas=deltas,
    )


def _both_sides(
    r: dict[str, Any],
    ca: ColumnProfile,
    cb: ColumnProfile,
    type_changed: bool,
    s: CompareSettings,
) -> ColumnComparison:
    """One column on both sides, from the engine's comparison ``r`` (``_core.compare``)."""
    da, db = r["baseline"], r["current"]
    kind_a, kind_b = da["kind"], db["kind"]
    histogram = categories = None
    new = missing = None
    new_count = missing_count = None
    path = r["path"]
    if path == "numeric":
        drift = engine_drift(r["drift"], path, s)
        histogram = _histogram(r["histogram"], kind_a)
    elif path == "categorical":
        drift = engine_drift(r["drift"], path, s)
        categories = [
            {
                "value": _jsonable(_value(raw, kind_a)),
                "baseline_count": n_a,
                "current_count": n_b,
                "baseline_share": share_a,
                "current_share": share_b,
            }
            for raw, n_a, n_b, share_a, share_b in r["categories"]
        ]
        new, new_count = _listed(r["new_values"], kind_a)
        missing, missing_count = _listed(r["missing_values"], kind_a)
    elif type_changed:
        drift = not_compared(f"not compared: the type changed from {kind_a} to {kind_b}")
    else:
        drift = not_compared(f"not compared: {kind_a} values are not profiled")
    nulls = null_drift(da["rows"], da["nulls"], db["rows"], db["nulls"], s)
    changed = type_changed or drift.drifted or nulls.drifted
    return ColumnComparison(
        name=r["name"],
        status=CHANGED if changed else UNCHANGED,
        kind=kind_b if type_changed else kind_a,
        baseline_type=ca.physical_type,
        current_type=cb.physical_type,
        deltas=_deltas(
            ca, cb, da["percentiles"], db["percentiles"], kind_a if not type_changed else None
        ),
        drift=drift,
        null_drift=nulls,
        new_values=new,
        missing_values=missing,
        new_value_count=new_count,
        missing_value_count=missing_count,
        histogram=histogram,
        categories=categories,
    )


def _value(raw: bytes, kind: str) -> Any:
    """A value of an unordered column from its canonical bytes."""
    if kind == "boolean":
        return raw[:1] != b"\x00"
    if kind == "binary":
        return raw
    return raw.decode("utf-8", "replace")


def _listed(values: tuple[list[tuple[bytes, int]], int] | None, kind: str) -> tuple[Any, Any]:
    """New or missing values: ``[{"value", "count"}, ...]`` and how many there are, or
    ``(None, None)`` when the other side's table is not exact."""
    if values is None:
        return None, None
    listed, count = values
    return [{"value": _jsonable(_value(raw, kind)), "count": n} for raw, n in listed], count


# ---------------------------------------------------------------------------------------------
# deltas


def _stats(c: ColumnProfile, percentiles: list[float] | None = None) -> dict[str, Any]:
    """The compared statistics of a column; ``percentiles`` (the engine's exact ones, from the
    frequency table, interpolated linearly between order statistics as numpy's default) replace
    the profile's own, which are KLL estimates past 4,096 values, so they do not depend on the
    plan."""
    d = c.distribution
    out: dict[str, Any] = {
        "row_count": c.row_count,
        "null_ratio": c.null_ratio,
        "distinct_count": c.distinct_count,
        "mean": d.mean if d is not None else None,
        "std": d.std if d is not None else None,
        "min": c.min,
        "max": c.max,
    }
    exact = dict(zip(_PERCENTILES, percentiles)) if percentiles is not None else None
    for key in _PERCENTILES:
        out[key] = exact[key] if exact is not None else c.percentiles.get(key)
    return out


def _deltas(
    ca: ColumnProfile,
    cb: ColumnProfile,
    pa: list[float] | None,
    pb: list[float] | None,
    kind: str | None,
) -> dict[str, dict[str, Any]]:
    sa, sb = _stats(ca, pa), _stats(cb, pb)
    out = {}
    for key in sa:
        va, vb = sa[key], sb[key]
        # counts and ratios are numbers whatever the column holds
        how = (
            "number"
            if key in ("row_count", "null_ratio", "distinct_count", "mean", "std")
            else kind
        )
        out[key] = {
            "baseline": _jsonable(va),
            "current": _jsonable(vb),
            "difference": _jsonable(_difference(va, vb, how)),
        }
    return out


def _difference(a: Any, b: Any, how: str | None) -> Any:
    if a is None or b is None or how is None:
        return None
    if isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool):
        return b - a
    if how == "number" or how in _NUMERIC:
        x, y = _as_float(a), _as_float(b)
        return None if x is None or y is None else y - x
    if how in ("date", "timestamp", "time", "duration"):
        x, y = _as_seconds(a, how), _as_seconds(b, how)
        return None if x is None or y is None else y - x
    return None


def _as_float(v: Any) -> float | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, (int, float, Decimal)):
        return float(v)
    if isinstance(v, str):
        try:
            return float(Decimal(v)) if v not in ("nan", "inf", "-inf") else float(v)
        except (InvalidOperation, ValueError):
            return None
    return None


_EPOCH = dt.datetime(1970, 1, 1)
# str(timedelta), as a loaded profile holds durations: "2 days, 3:04:05.000006", "-1 day, 23:59:59"
_TIMEDELTA = re.compile(r"^(?:(-?\d+) days?, )?(\d+):(\d\d):(\d\d(?:\.\d+)?)$")


def _timedelta_seconds(text: str) -> float | None:
    m = _TIMEDELTA.match(text)
    if m is None:
        return None
    days, hours, minutes, seconds = m.groups()
    return int(days or 0) * 86400.0 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def _as_seconds(v: Any, kind: str) -> float | None:
    """Dates, datetimes and times (or their ISO text, as in a loaded profile) in seconds."""
    try:
        if isinstance(v, str):
            if kind == "date":
                v = dt.date.fromisoformat(v)
            elif kind == "timestamp":
                v = dt.datetime.fromisoformat(v)
            elif kind == "time":
                v = dt.time.fromisoformat(v)
            else:
                return _timedelta_seconds(v)
    except ValueError:
        return None
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
        return (v - _EPOCH).total_seconds()
    if isinstance(v, dt.date):
        return (v - _EPOCH.date()).days * 86400.0
    if isinstance(v, dt.time):
        return v.hour * 3600 + v.minute * 60 + v.second + v.microsecond / 1e6
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    return None


# ---------------------------------------------------------------------------------------------
# what the report draws


def _histogram(h: dict[str, Any] | None, kind: str) -> dict[str, Any] | None:
    """Both sides' shares on common equal-width bins over the central 99 % of the two sides
    together (long tails would squeeze everything into one bin); the tails count in the end
    bins, and ``clipped`` says so."""
    if h is None:
        return None
    return {
        "edges": h["edges"],
        "edge_unit": _EDGE_UNITS.get(kind, "value"),
        "baseline": h["baseline"],
        "current": h["current"],
        "clipped": h["clipped"],
        "method": "exact" if h["exact"] else "kll",
    }
