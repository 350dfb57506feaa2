"""Exact values, computed once per data set with DuckDB and cached beside the file.

- distinct: ``count(DISTINCT col)`` (nulls excluded; NaN counts as one value, as every profiler
  here counts it);
- median: ``quantile_disc(col, 0.5)`` over the non-null, non-NaN values of numeric columns.

A tool's median is scored by its *rank error*: where the reported value falls in the sorted
column. With ``lt`` values strictly below it and ``le`` values at or below it out of ``n``, its
rank is anywhere in ``[lt/n, le/n]``; the error is the distance from 0.5 to that interval (0 if
0.5 is inside). Rank error is what the quantile sketches promise, and it is fair to tools that
interpolate between neighbours.
"""

from __future__ import annotations

import json
from pathlib import Path

from bench.suite.worker import DUCK_NUMERIC_TYPES


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _con(threads: int = 2):
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    return con


def truth(parquet: Path) -> dict:
    """``{column: {"type", "numeric", "distinct", "median", "n"}}`` for the Parquet file."""
    cache = parquet.with_name(parquet.name + ".exact.json")
    if cache.exists() and cache.stat().st_mtime >= parquet.stat().st_mtime:
        return json.loads(cache.read_text())
    con = _con()
    src = f"read_parquet('{parquet}')"
    schema = con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()
    out: dict[str, dict] = {}
    # in groups of columns so that the wide table's query stays reasonable
    for start in range(0, len(schema), 50):
        group = schema[start : start + 50]
        exprs = []
        for name, ctype, *_ in group:
            numeric = str(ctype).upper().startswith(DUCK_NUMERIC_TYPES)
            col = _q(name)
            exprs.append(f"count(DISTINCT {col})")
            if numeric:
                clean = (
                    f"{col}"
                    if not str(ctype).upper().startswith(("FLOAT", "DOUBLE"))
                    else f"CASE WHEN isnan({col}) THEN NULL ELSE {col} END"
                )
                exprs.append(f"quantile_disc({clean}, 0.5)::DOUBLE")
                exprs.append(f"count({clean})")
            else:
                exprs += ["NULL", "NULL"]
        row = con.execute(f"SELECT {', '.join(exprs)} FROM {src}").fetchone()
        for k, (name, ctype, *_) in enumerate(group):
            distinct, median, n = row[3 * k : 3 * k + 3]
            out[name] = {
                "type": str(ctype),
                "numeric": str(ctype).upper().startswith(DUCK_NUMERIC_TYPES),
                "distinct": distinct,
                "median": median,
                "n": n,
            }
    cache.write_text(json.dumps(out, indent=0))
    return out


def rank_errors(
    parquet: Path, exact: dict, medians: set[tuple[str, float]]
) -> dict[tuple[str, float], float]:
    """Rank error of each reported ``(column, median)`` pair: each numeric column is read once,
    sorted, and every value reported for it is located by binary search."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    wanted: dict[str, list[float]] = {}
    for col, value in medians:
        if col in exact and exact[col]["numeric"] and exact[col]["n"]:
            wanted.setdefault(col, []).append(float(value))
    result: dict[tuple[str, float], float] = {}
    pf = pq.ParquetFile(parquet)
    for col, values in sorted(wanted.items()):
        arr = pc.cast(pf.read(columns=[col]).column(0), pa.float64())
        data = arr.drop_null().to_numpy()
        data = np.sort(data[~np.isnan(data)])
        n = len(data)
        if n == 0:
            continue
        probe = np.asarray(values)
        lt = np.searchsorted(data, probe, side="left")
        le = np.searchsorted(data, probe, side="right")
        del data
        for value, a, b in zip(values, lt, le):
            result[(col, value)] = max(0.0, a / n - 0.5, 0.5 - b / n)
    return result
