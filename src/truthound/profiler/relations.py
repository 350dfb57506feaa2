"""Relationships between columns: which columns the engine relates, and the measures built from
the engine's relations state.

The engine keeps, per table, the co-moments of up to ``correlation_max_columns`` numeric columns
(Pearson, exact and mergeable), the null co-occurrence of as many columns (nullity correlation,
exact), and a bottom-k row sample keyed by a seeded hash of each row's content (all its values,
nulls included: the hashes the duplicate-row count combines), so the sample of a merge is the
sample of the union whatever split the rows into units (Cohen & Kaplan 2007). Spearman, Cramér's
V and the correlation ratio come from that sample and say so (method ``"sample"``, its size and
an error estimate). See docs/user-guide.md, "Relationships between columns".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

__all__ = [
    "finalize_relations",
    "read_columns",
    "relation_spec",
    "sample_table",
    "sample_to_dict",
    "unit_relations",
]

SAMPLE_TEXT_CHARS = 200  # sample values longer than this are cut in JSON and HTML


def relation_spec(settings: Any) -> dict[str, Any] | None:
    """What the engine options carry of the relation settings (resolved per unit by
    :func:`unit_relations`), or None when relations are off."""
    if not settings.correlations:
        return None
    return {
        "columns": list(settings.correlation_columns)
        if settings.correlation_columns is not None
        else None,
        "max_columns": settings.correlation_max_columns,
        "sample_size": settings.sample_size,
        "sample_max_cells": settings.sample_max_cells,
    }


def _is_numeric(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        t = t.value_type
    return (
        pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal128(t)
    ) and not pa.types.is_float16(t)


def unit_relations(
    spec: Mapping[str, Any] | None,
    schema: pa.Schema,
    selection: Sequence[str] | None,
    group: Sequence[str] | None = None,
) -> dict[str, Any] | None:
    """The ``relations`` argument of ``_core.profile`` for a unit reading ``group`` (None: every
    column of the selection) of a table whose profiled columns are ``selection`` (None: all).

    Of the column groups of one row range, only the group holding the selection's first column
    adds its rows to the co-moments, the nullity counts and the row sample (it reads the related
    columns and every column of the sampled rows too)."""
    if spec is None:
        return None
    known = set(schema.names)
    names = [n for n in (selection or schema.names) if n in known]
    limit = int(spec["max_columns"])
    if spec.get("columns") is not None:
        wanted = set(spec["columns"])
        named = [n for n in names if n in wanted]
        numeric = [n for n in named if _is_numeric(schema.field(n).type)][:limit]
        nullity = named[:limit]
    else:
        numeric = [n for n in names if _is_numeric(schema.field(n).type)][:limit]
        nullity = names[:limit]
    size = int(spec["sample_size"])
    if size and names:
        size = max(1, min(size, int(spec["sample_max_cells"]) // len(names)))
    count_pairs = group is None or not names or names[0] in set(group)
    # A sampled row's key hashes all of its values: the unit that offers its rows names them all
    # (in table order), whatever column group it profiles.
    in_table = [n for n in schema.names if n in set(names)]
    return {
        "numeric": numeric,
        "nullity": nullity,
        "sample_size": size,
        "count_pairs": count_pairs,
        "sample_columns": in_table if count_pairs and size else [],
    }


def read_columns(relations: Mapping[str, Any] | None, group: Sequence[str]) -> list[str]:
    """Columns a column-group unit reads besides its group: the related ones and the sampled
    rows' columns, when it counts them."""
    if not relations or not relations["count_pairs"]:
        return []
    have = set(group)
    wanted = [*relations["numeric"], *relations["nullity"], *relations.get("sample_columns", ())]
    return list(dict.fromkeys(n for n in wanted if n not in have))


# --- finalize -------------------------------------------------------------------------------


def _type_of(fmt: str) -> pa.DataType | None:
    """The Arrow type of a C data interface format string (primitive types only)."""
    simple = {
        "b": pa.bool_(), "c": pa.int8(), "C": pa.uint8(), "s": pa.int16(), "S": pa.uint16(),
        "i": pa.int32(), "I": pa.uint32(), "l": pa.int64(), "L": pa.uint64(), "e": pa.float16(),
        "f": pa.float32(), "g": pa.float64(), "u": pa.string(), "U": pa.large_string(),
        "vu": pa.string_view(), "z": pa.binary(), "Z": pa.large_binary(), "vz": pa.binary_view(),
        "tdD": pa.date32(), "tdm": pa.date64(), "tts": pa.time32("s"), "ttm": pa.time32("ms"),
        "ttu": pa.time64("us"), "ttn": pa.time64("ns"), "n": pa.null(),
    }  # fmt: skip
    if fmt in simple:
        return simple[fmt]
    units = {"s": "s", "m": "ms", "u": "us", "n": "ns"}
    if fmt.startswith("ts") and len(fmt) >= 4 and fmt[2] in units:
        tz = fmt[4:] or None
        return pa.timestamp(units[fmt[2]], tz=tz)
    if fmt.startswith("tD") and len(fmt) == 3 and fmt[2] in units:
        return pa.duration(units[fmt[2]])
    if fmt.startswith("d:"):
        parts = fmt[2:].split(",")
        precision, scale = int(parts[0]), int(parts[1])
        width = int(parts[2]) if len(parts) > 2 else 128
        return pa.decimal256(precision, scale) if width == 256 else pa.decimal128(precision, scale)
    if fmt.startswith("w:"):
        return pa.binary(int(fmt[2:]))
    return None


def _cell_array(cells: list[Any], fmt: str) -> tuple[pa.Array, str | None]:
    """One column of the sample as an Arrow array of its own type, and a note when some values
    could not be kept whole."""
    t = _type_of(fmt)
    n = len(cells)
    truncated = sum(isinstance(c, tuple) for c in cells)
    unsupported = sum(c == "unsupported" for c in cells)
    raw = [c[0] if isinstance(c, tuple) else c for c in cells]
    raw = [None if c in ("missing", "unsupported") else c for c in raw]
    note = None
    if truncated:
        note = f"{truncated} value(s) longer than 4096 bytes keep their first 4096"
    if unsupported:
        note = "nested values are not kept in the sample (shown as null)"
    if t is None or pa.types.is_null(t):
        return pa.nulls(n), note
    if pa.types.is_boolean(t):
        return pa.array([None if c is None else c != b"\x00" for c in raw], pa.bool_()), note
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        text = [None if c is None else c.decode("utf-8", "replace") for c in raw]
        return pa.array(text, pa.string()).cast(t), note
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return pa.array(raw, pa.binary()).cast(t), note
    width = t.byte_width
    if any(c is not None and len(c) != width for c in raw):
        return pa.nulls(n, t), "values of this type are not kept in the sample (shown as null)"
    data = b"".join(bytes(width) if c is None else bytes(c) for c in raw)
    valid = [c is not None for c in raw]
    mask = pa.array(valid, pa.bool_()).buffers()[1] if not all(valid) else None
    return pa.Array.from_buffers(t, n, [mask, pa.py_buffer(data)], null_count=-1), note


def sample_table(raw: Mapping[str, Any] | None) -> pa.Table | None:
    """The engine's sample (``_core.relations(...)["sample"]``) as a pyarrow Table, rows in
    sample order (ascending key: the seeded hash of the row's content)."""
    if raw is None or not raw["capacity"]:
        return None
    arrays, fields = [], []
    for (_, name, fmt), cells in zip(raw["columns"], raw["cells"]):
        array, _note = _cell_array(list(cells), fmt)
        arrays.append(array)
        fields.append(pa.field(name, array.type))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def _short(v: Any) -> Any:
    from truthound.profiler.jsonable import _jsonable

    v = _jsonable(v)
    if isinstance(v, str) and len(v) > SAMPLE_TEXT_CHARS:
        return v[:SAMPLE_TEXT_CHARS] + "…"
    return v


def sample_to_dict(table: pa.Table | None, method: str = "bottom-k") -> dict[str, Any] | None:
    """``to_dict()["sample"]``: rows as ``{column: value}`` with long values cut."""
    if table is None:
        return None
    rows = [{k: _short(v) for k, v in row.items()} for row in table.to_pylist()]
    return {"rows": rows, "size": table.num_rows, "method": method, "columns": table.column_names}


def _matrix(names: list[str], pairs: list[tuple[int, int, Any]], index: dict[int, int]) -> list:
    k = len(names)
    m: list[list[float | None]] = [[1.0 if i == j else None for j in range(k)] for i in range(k)]
    for i, j, r in pairs:
        if i in index and j in index:
            a, b = index[i], index[j]
            m[a][b] = m[b][a] = r
    return m


def _ranks(values):
    """Average ranks (ties share their mean rank), as scipy.stats.rankdata."""
    import numpy as np

    order = np.argsort(values, kind="mergesort")
    ranks = np.empty(len(values), dtype=np.float64)
    sorted_values = values[order]
    boundaries = np.flatnonzero(np.diff(sorted_values) != 0) + 1
    starts = np.concatenate(([0], boundaries))
    ends = np.concatenate((boundaries, [len(values)]))
    mean_rank = (starts + ends - 1) / 2.0 + 1.0
    ranks[order] = np.repeat(mean_rank, ends - starts)
    return ranks


def _as_floats(column: pa.ChunkedArray):
    """A numeric column as float64 numpy values, NaN where null (decimals cast first)."""
    import numpy as np

    a = column.combine_chunks()
    if pa.types.is_decimal(a.type):
        a = a.cast(pa.float64())
    x = a.to_numpy(zero_copy_only=False).astype(np.float64)
    if a.null_count:
        x[np.asarray(a.is_null().to_numpy(zero_copy_only=False))] = np.nan
    return x


def _as_codes(column: pa.ChunkedArray):
    """A categorical column as int64 level codes (-1 where null) and its number of levels."""
    import numpy as np

    a = column.combine_chunks()
    if pa.types.is_dictionary(a.type):
        a = a.dictionary_decode()
    enc = a.dictionary_encode()
    idx = enc.indices.to_numpy(zero_copy_only=False)
    idx = np.where(np.asarray(enc.is_null().to_numpy(zero_copy_only=False)), -1, idx)
    return idx.astype(np.int64), len(enc.dictionary)


def _spearman(table: pa.Table, names: list[str]) -> dict[str, Any] | None:
    import numpy as np

    cols = [n for n in names if n in table.column_names]
    if len(cols) < 2:
        return None
    data = [_as_floats(table.column(n)) for n in cols]
    k = len(cols)
    matrix: list[list[float | None]] = [
        [1.0 if i == j else None for j in range(k)] for i in range(k)
    ]
    error: list[list[float | None]] = [
        [0.0 if i == j else None for j in range(k)] for i in range(k)
    ]
    size: list[list[int]] = [[0] * k for _ in range(k)]
    complete = [bool(np.isfinite(x).all()) for x in data]
    # Columns without missing values are ranked once and correlated together; a pair with a
    # column that misses some is ranked over the pair's common rows.
    full = [i for i in range(k) if complete[i]]
    together = None
    if len(full) >= 2 and table.num_rows >= 3:
        ranks = np.vstack([_ranks(data[i]) for i in full])
        with np.errstate(invalid="ignore", divide="ignore"):
            together = np.corrcoef(ranks)
    where = {c: a for a, c in enumerate(full)}
    for i in range(k):
        for j in range(i + 1, k):
            r = None
            if together is not None and complete[i] and complete[j]:
                n = table.num_rows
                value = together[where[i], where[j]]
                if np.isfinite(value):
                    r = float(np.clip(value, -1.0, 1.0))
            else:
                ok = np.isfinite(data[i]) & np.isfinite(data[j])
                n = int(ok.sum())
                if n >= 3:
                    rx, ry = _ranks(data[i][ok]), _ranks(data[j][ok])
                    if rx.std() > 0 and ry.std() > 0:
                        r = float(np.clip(np.corrcoef(rx, ry)[0, 1], -1.0, 1.0))
            size[i][j] = size[j][i] = n
            if r is None:
                continue
            matrix[i][j] = matrix[j][i] = r
            # Fieller, Hartley & Pearson (1957): sd of atanh(r_s) is 1.03 / sqrt(n - 3); mapped
            # back through tanh at r, this is the standard error of r_s itself.
            se = 1.03 * (1.0 - r * r) / math.sqrt(n - 3) if n > 3 else None
            error[i][j] = error[j][i] = se
    return {
        "columns": cols,
        "matrix": matrix,
        "method": "sample",
        "sample_size": table.num_rows,
        "pair_counts": size,
        "error": error,
        "error_method": "standard error (Fieller et al. 1957)",
    }


def _categorical_columns(
    table: pa.Table, stats_columns: list[dict[str, Any]], limit: int
) -> list[str]:
    """Columns whose values are categories: booleans, and strings or integers with 2..50 distinct
    values in the whole column (exactly counted)."""
    out = []
    for c in stats_columns:
        name = c["name"]
        if name not in table.column_names:
            continue
        kind = c["kind"]
        distinct = c.get("distinct_count")
        exact = c.get("distinct_exact", False)
        if kind == "boolean" or (
            kind in ("string", "signed", "unsigned") and exact and distinct and 2 <= distinct <= 50
        ):
            out.append(name)
    return out[:limit]


def _cramers_v(table: pa.Table, cols: list[str]) -> dict[str, Any] | None:
    import numpy as np

    if len(cols) < 2:
        return None
    codes, levels, complete = [], [], []
    for n in cols:
        code, level = _as_codes(table.column(n))
        codes.append(code)
        levels.append(level)
        complete.append(bool((code >= 0).all()))
    k = len(cols)
    matrix: list[list[float | None]] = [
        [1.0 if i == j else None for j in range(k)] for i in range(k)
    ]
    error: list[list[float | None]] = [
        [0.0 if i == j else None for j in range(k)] for i in range(k)
    ]
    for i in range(k):
        for j in range(i + 1, k):
            if complete[i] and complete[j]:  # every code in use: no renumbering
                xi, yi, n = codes[i], codes[j], len(codes[i])
                r, c = levels[i], levels[j]
            else:
                ok = (codes[i] >= 0) & (codes[j] >= 0)
                n = int(ok.sum())
                if n < 2:
                    continue
                _, xi = np.unique(codes[i][ok], return_inverse=True)
                _, yi = np.unique(codes[j][ok], return_inverse=True)
                r, c = int(xi.max()) + 1, int(yi.max()) + 1
            if r < 2 or c < 2:
                continue
            table_ = np.bincount(xi * c + yi, minlength=r * c).reshape(r, c).astype(np.float64)
            expected = table_.sum(1, keepdims=True) * table_.sum(0, keepdims=True) / n
            chi2 = float(((table_ - expected) ** 2 / expected).sum())
            # Bergsma (2013): phi^2 and the table's shape corrected for their bias at size n.
            phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
            rc = r - (r - 1) ** 2 / (n - 1)
            cc = c - (c - 1) ** 2 / (n - 1)
            denominator = min(rc - 1, cc - 1)
            if denominator <= 0:
                continue
            v = math.sqrt(phi2 / denominator)
            matrix[i][j] = matrix[j][i] = v
            # Under independence chi^2 has sd sqrt(2 df): the spread of V that noise alone gives.
            df = (r - 1) * (c - 1)
            error[i][j] = error[j][i] = math.sqrt(math.sqrt(2 * df) / n / denominator)
    return {
        "columns": cols,
        "matrix": matrix,
        "method": "sample",
        "sample_size": table.num_rows,
        "error": error,
        "error_method": "spread of V under independence (sqrt(2 df) / n)",
    }


def _correlation_ratio(
    table: pa.Table, numeric: list[str], categories: list[str]
) -> dict[str, Any] | None:
    """η (Pearson 1903): how much of a number's variance its category explains, sqrt of the
    between-category sum of squares over the total; rows are the numbers, columns the categories."""
    import numpy as np

    nums = [n for n in numeric if n in table.column_names]
    cats = [c for c in categories if c not in set(nums)]
    if not nums or not cats:
        return None
    values = [_as_floats(table.column(n)) for n in nums]
    codes = [_as_codes(table.column(c))[0] for c in cats]
    matrix: list[list[float | None]] = []
    errors: list[list[float | None]] = []
    for x in values:
        row: list[float | None] = []
        spread: list[float | None] = []
        errors.append(spread)
        for g in codes:
            ok = np.isfinite(x) & (g >= 0)
            xs, gs = x[ok], g[ok]
            total = float(((xs - xs.mean()) ** 2).sum()) if len(xs) else 0.0
            if len(xs) < 2 or total <= 0:
                row.append(None)
                spread.append(None)
                continue
            n = np.bincount(gs)
            sums = np.bincount(gs, weights=xs)
            used = n > 0
            between = float((sums[used] ** 2 / n[used]).sum() - xs.sum() ** 2 / len(xs))
            row.append(math.sqrt(min(1.0, max(0.0, between / total))))
            # with no relation at all, eta^2 is about (k - 1) / (n - 1) from noise alone
            spread.append(math.sqrt(max(0, int(used.sum()) - 1) / (len(xs) - 1)))
        matrix.append(row)
    return {
        "row_columns": nums,
        "columns": cats,
        "matrix": matrix,
        "method": "sample",
        "sample_size": table.num_rows,
        "error": errors,
        "error_method": "eta that noise alone gives (sqrt((k - 1) / (n - 1)))",
    }


def finalize_relations(
    raw: Mapping[str, Any] | None, stats_columns: list[dict[str, Any]], limit: int = 64
) -> tuple[dict[str, Any], pa.Table | None]:
    """``TableProfile.correlations`` and ``TableProfile.sample`` from ``_core.relations``."""
    if raw is None:
        return {}, None
    out: dict[str, Any] = {}
    p = raw["pearson"]
    if len(p["columns"]) >= 2:
        k = len(p["columns"])
        counts = [[0] * k for _ in range(k)]
        for i, j, n, _ in p["pairs"]:
            counts[i][j] = counts[j][i] = n
        out["pearson"] = {
            "columns": list(p["columns"]),
            "matrix": _matrix(
                list(p["columns"]),
                [(i, j, r) for i, j, _, r in p["pairs"]],
                {i: i for i in range(k)},
            ),
            "method": "exact",
            "pair_counts": counts,
        }
    table = sample_table(raw["sample"])
    if table is not None:
        spearman = _spearman(table, list(p["columns"]))
        if spearman:
            out["spearman"] = spearman
        categories = _categorical_columns(table, stats_columns, limit)
        cramers = _cramers_v(table, categories)
        if cramers:
            out["cramers_v"] = cramers
        ratio = _correlation_ratio(table, list(p["columns"]), categories)
        if ratio:
            out["correlation_ratio"] = ratio
    nl = raw["nullity"]
    keep = [i for i, c in enumerate(nl["nulls"]) if 0 < c < nl["rows"]]
    if len(keep) >= 2:
        index = {i: a for a, i in enumerate(keep)}
        out["nullity"] = {
            "columns": [nl["columns"][i] for i in keep],
            "matrix": _matrix(
                [nl["columns"][i] for i in keep], [(i, j, r) for i, j, _, r in nl["pairs"]], index
            ),
            "method": "exact",
            "null_counts": [nl["nulls"][i] for i in keep],
            "rows": nl["rows"],
        }
    return out, table


def correlation_pairs(correlations: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """(a, b, r) of every measured pair for the alerts, with the strongest of its measures
    (Pearson, Spearman, Cramér's V; nullity is not a relation between values), in the order the
    pairs first appear."""
    best: dict[tuple[str, str], float] = {}
    for measure in ("pearson", "spearman", "cramers_v"):
        m = correlations.get(measure)
        if not m:
            continue
        names = m["columns"]
        for i in range(len(names)):
            for j in range(i + 1, len(names)):
                r = m["matrix"][i][j]
                key = (names[i], names[j])
                if r is None:
                    continue
                if key not in best or abs(r) > abs(best[key]):
                    best[key] = r
    return [(a, b, r) for (a, b), r in best.items()]
