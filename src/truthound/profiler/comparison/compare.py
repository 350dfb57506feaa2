"""``truthound.profiler.compare``: two profiles (or saved profiles, or data) side by side.

Drift reads only each profile's merged state (its partial bytes), so profiles of the same data
from different plans or backends compare the same; deltas read the finalized statistics.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np

from truthound.profiler.comparison.distribution import (
    Distribution,
    family,
    line_family,
    read_distributions,
)
from truthound.profiler.comparison.drift import (
    categorical_drift,
    not_compared,
    null_drift,
    numeric_drift,
)
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

_UNORDERED = {"string", "binary", "boolean"}
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
        return TableProfile.load(path)
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
    in_a, in_b = set(names_a), set(names_b)
    dist_a, dist_b = read_distributions(
        [
            (f"baseline {_label(a)}", a.partial, [c for c in union if c in in_a]),
            (f"current {_label(b)}", b.partial, [c for c in union if c in in_b]),
        ],
        s.quantile_grid,
    )
    cols_a = {c.name: c for c in a.columns}
    cols_b = {c.name: c for c in b.columns}

    schema_changes: list[dict[str, Any]] = []
    entries: list[ColumnComparison] = []
    for name in union:
        ca, cb = cols_a.get(name), cols_b.get(name)
        da, db = dist_a.get(name), dist_b.get(name)
        if ca is None or da is None:
            schema_changes.append(
                {"column": name, "change": ADDED, "current_type": cb.physical_type}
            )
            entries.append(_one_sided(name, ADDED, cb, db))
            continue
        if cb is None or db is None:
            schema_changes.append(
                {"column": name, "change": REMOVED, "baseline_type": ca.physical_type}
            )
            entries.append(_one_sided(name, REMOVED, ca, da))
            continue
        type_changed = family(da.kind) != family(db.kind)
        if type_changed:
            schema_changes.append(
                {
                    "column": name,
                    "change": "type_changed",
                    "baseline_type": ca.physical_type,
                    "current_type": cb.physical_type,
                    "baseline_kind": da.kind,
                    "current_kind": db.kind,
                }
            )
        entries.append(_both_sides(name, ca, cb, da, db, type_changed, s))

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


def _one_sided(name: str, status: str, c: ColumnProfile, d: Distribution) -> ColumnComparison:
    mine = _stats(c)
    if status == ADDED:
        deltas = {k: {"baseline": None, "current": v, "difference": None} for k, v in mine.items()}
    else:
        deltas = {k: {"baseline": v, "current": None, "difference": None} for k, v in mine.items()}
    return ColumnComparison(
        name=name,
        status=status,
        kind=d.kind,
        baseline_type=c.physical_type if status == REMOVED else None,
        current_type=c.physical_type if status == ADDED else None,
        deltas=deltas,
    )


def _both_sides(
    name: str,
    ca: ColumnProfile,
    cb: ColumnProfile,
    da: Distribution,
    db: Distribution,
    type_changed: bool,
    s: CompareSettings,
) -> ColumnComparison:
    line_a, line_b = line_family(da.kind), line_family(db.kind)
    histogram = categories = None
    new = missing = None
    new_count = missing_count = None
    if line_a is not None and line_a == line_b:
        drift = numeric_drift(da, db, s)
        histogram = _histogram(da, db, s.histogram_bins, line_a)
    elif da.kind in _UNORDERED and da.kind == db.kind:
        drift = categorical_drift(da, db, s)
        categories, (new, new_count), (missing, missing_count) = _categories(da, db, s)
    elif type_changed:
        drift = not_compared(f"not compared: the type changed from {da.kind} to {db.kind}")
    else:
        drift = not_compared(f"not compared: {da.kind} values are not profiled")
    nulls = null_drift(da, db, s)
    changed = type_changed or drift.drifted or nulls.drifted
    return ColumnComparison(
        name=name,
        status=CHANGED if changed else UNCHANGED,
        kind=db.kind if type_changed else da.kind,
        baseline_type=ca.physical_type,
        current_type=cb.physical_type,
        deltas=_deltas(ca, cb, da, db, da.kind if not type_changed else None),
        drift=drift,
        null_drift=nulls,
        new_values=new,
        missing_values=missing,
        new_value_count=new_count,
        missing_value_count=missing_count,
        histogram=histogram,
        categories=categories,
    )


# ---------------------------------------------------------------------------------------------
# deltas


def _stats(c: ColumnProfile, dist: Distribution | None = None) -> dict[str, Any]:
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
    exact = _exact_percentiles(dist) if dist is not None else None
    for key in _PERCENTILES:
        out[key] = exact[key] if exact is not None else c.percentiles.get(key)
    return out


_POINTS = np.array([float(k[1:]) / 100 for k in _PERCENTILES])


def _exact_percentiles(d: Distribution) -> dict[str, float] | None:
    """Percentiles of a number column from its exact frequency table, interpolated linearly
    between order statistics as numpy's default (the profile's own are KLL estimates past 4,096
    values), so they do not depend on the plan."""
    if d.kind not in ("integer", "unsigned", "float") or d.numbers is None or d.infinite:
        return None
    if not len(d.numbers):
        return None
    cum = np.cumsum(d.weights)
    h = (cum[-1] - 1) * _POINTS
    lo = np.floor(h)
    below = d.numbers[np.searchsorted(cum, lo, side="right")]
    above = d.numbers[np.minimum(np.searchsorted(cum, lo + 1, side="right"), len(d.numbers) - 1)]
    values = below + (h - lo) * (above - below)
    return dict(zip(_PERCENTILES, values.tolist()))


def _deltas(
    ca: ColumnProfile, cb: ColumnProfile, da: Distribution, db: Distribution, kind: str | None
) -> dict[str, dict[str, Any]]:
    sa, sb = _stats(ca, da), _stats(cb, db)
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


def _shares(d: Distribution, edges: np.ndarray) -> list[float]:
    """Each bin's share of the side's finite values; values beyond the edges count in the end
    bins."""
    if d.numbers is not None and len(d.numbers):
        values, weights = d.numbers, d.weights
    elif d.grid is not None and len(d.grid):
        values, weights = d.grid, np.ones(len(d.grid))
    else:
        return [0.0] * (len(edges) - 1)
    clipped = np.clip(values, edges[0], edges[-1])
    counts, _ = np.histogram(clipped, bins=edges, weights=weights)
    return (counts / weights.sum()).tolist()


def _range(d: Distribution, low: float, high: float) -> tuple[float, float] | None:
    if d.numbers is not None and len(d.numbers):
        q = d.quantiles(np.array([low, high]))
        return float(q[0]), float(q[1])
    if d.grid is not None and len(d.grid):
        return float(np.quantile(d.grid, low)), float(np.quantile(d.grid, high))
    return None


def _histogram(a: Distribution, b: Distribution, bins: int, line: str) -> dict[str, Any] | None:
    """Both sides' shares on common equal-width bins over the central 99 % of the two sides
    together (long tails would squeeze everything into one bin); the tails count in the end
    bins, and ``clipped`` says so."""
    ranges = [r for r in (_range(a, 0.005, 0.995), _range(b, 0.005, 0.995)) if r is not None]
    if not ranges:
        return None
    lo, hi = min(r[0] for r in ranges), max(r[1] for r in ranges)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    edges = np.linspace(lo, hi, bins + 1) if hi > lo else np.array([lo, lo + 1.0])
    exact = a.numbers is not None and b.numbers is not None
    lows = [d.low for d in (a, b) if d.low is not None]
    highs = [d.high for d in (a, b) if d.high is not None]
    return {
        "edges": edges.tolist(),
        "edge_unit": _EDGE_UNITS.get(line, "value"),
        "baseline": _shares(a, edges),
        "current": _shares(b, edges),
        "clipped": bool(lows and highs and (min(lows) < lo or max(highs) > hi)),
        "method": "exact" if exact else "kll",
    }


def _categories(
    a: Distribution, b: Distribution, s: CompareSettings
) -> tuple[list[dict[str, Any]], tuple[Any, Any], tuple[Any, Any]]:
    keys = np.union1d(a.keys, b.keys)
    ia, ib = np.searchsorted(keys, a.keys), np.searchsorted(keys, b.keys)
    counts = np.zeros((2, len(keys)))
    counts[0, ia], counts[1, ib] = a.counts, b.counts
    # where each union entry is listed: on side a if there, else on side b
    in_a = np.zeros(len(keys), dtype=bool)
    in_a[ia] = True
    local = np.empty(len(keys), dtype=np.int64)
    local[ib] = np.arange(len(ib))
    local[ia] = np.arange(len(ia))

    def value(i: int) -> Any:
        return (a if in_a[i] else b).value(int(local[i]))

    share = counts / np.array([[max(a.total, 1)], [max(b.total, 1)]])
    order = np.lexsort((-counts.sum(axis=0), -share.max(axis=0)))[:_CATEGORIES_SHOWN]
    categories = [
        {
            "value": _jsonable(value(i)),
            "baseline_count": int(counts[0, i]),
            "current_count": int(counts[1, i]),
            "baseline_share": float(share[0, i]),
            "current_share": float(share[1, i]),
        }
        for i in order.tolist()
    ]

    def only(mine: int, other_exact: bool) -> tuple[Any, Any]:
        if not other_exact:
            return None, None
        theirs = 1 - mine
        mask = (counts[theirs] == 0) & (counts[mine] > 0)
        idx = np.flatnonzero(mask)
        idx = idx[np.argsort(-counts[mine, idx], kind="stable")][: s.listed_values]
        listed = [
            {"value": _jsonable(value(i)), "count": int(counts[mine, i])} for i in idx.tolist()
        ]
        return listed, int(mask.sum())

    return categories, only(1, a.exact), only(0, b.exact)
