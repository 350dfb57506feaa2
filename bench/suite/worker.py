"""One tool, one data set, one process: ``python -m bench.suite.worker TOOL DATA OUT [options]``.

The runner starts this module in a fresh interpreter per measured run (the peers that share our
import name or pin old libraries run it with their own virtual environment's python), so the
parent can read the child's peak RSS and CPU time from ``os.wait4``. It times the profiling call
itself (reading the file included, interpreter start and imports excluded), pulls the numbers
the suite checks for accuracy (distinct counts and medians) out of the tool's own result, counts
how many statistics the tool reported per column, and writes it all as JSON to OUT.

Only the standard library is imported at module level: the tool's own imports happen inside its
function, in whichever environment runs this file.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from typing import Any

#: Keys of a column profile that describe the column or the method, not a statistic.
_META_KEYS = {
    "name",
    "physical_type",
    "kind",
    "inferred_type",
    "profiled_at",
    "profile_duration_ms",
    "suggested_validators",
    "row_count",
}
_META_SUFFIXES = ("_method", "_error", "_is_exact", "_max_error", "_rank_error")


def _count_stats(obj: Any) -> int:
    """Statistics in one column's result: every non-null scalar leaf, a list or table counts once."""
    if obj is None:
        return 0
    if isinstance(obj, float) and math.isnan(obj):
        return 0
    if isinstance(obj, dict):
        total = 0
        for key, value in obj.items():
            if key in _META_KEYS or str(key).endswith(_META_SUFFIXES):
                continue
            total += _count_stats(value)
        return total
    if isinstance(obj, (list, tuple)):
        return 1 if obj else 0
    return 1


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


def _sample_table(path: str, fmt: str, rows: int | None):
    """A pyarrow table of the data (the first ``rows`` rows of it if given)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "csv":
        table = pacsv.read_csv(path)
        return table.slice(0, rows) if rows else table
    if not rows:
        return pq.read_table(path)
    pf = pq.ParquetFile(path)
    batches, have = [], 0
    for batch in pf.iter_batches(batch_size=min(rows, 65536)):
        batches.append(batch.slice(0, rows - have))
        have += batches[-1].num_rows
        if have >= rows:
            break
    return pa.Table.from_batches(batches)


def _plain_strings(table):
    """Peers built on pandas < 3 or old Arrow casts do not know string_view: use plain strings."""
    import pyarrow as pa

    fields = []
    for field in table.schema:
        if hasattr(pa.types, "is_string_view") and pa.types.is_string_view(field.type):
            fields.append(pa.field(field.name, pa.large_string(), field.nullable))
        else:
            fields.append(field)
    return table.cast(pa.schema(fields))


# --------------------------------------------------------------------------------------------
# us


def _ours_result(profile: Any) -> dict[str, Any]:
    data = profile.to_dict()
    columns, counts = {}, []
    for col in data["columns"]:
        dist = col.get("distribution") or {}
        columns[col["name"]] = {
            "distinct": col.get("distinct_count"),
            "median": _number(dist.get("median")),
        }
        counts.append(_count_stats(col))
    return {"columns": columns, "stats_per_column": counts, "rows": data["row_count"]}


def run_th_profile(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    """``truthound.profiler.profile``: one stream, one thread."""
    import truthound.profiler as tp

    start = time.perf_counter()
    profile = tp.profile(path)
    elapsed = time.perf_counter() - start
    return {"call_seconds": elapsed, **_ours_result(profile)}


def run_th_distributed(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    """``DistributedProfiler`` on the local backend with ``num_workers=threads``."""
    from truthound.profiler.distributed import DistributedProfiler, LocalConfig

    start = time.perf_counter()
    profiler = DistributedProfiler.create(backend="local", config=LocalConfig(num_workers=threads))
    profile = profiler.profile(path)
    elapsed = time.perf_counter() - start
    return {"call_seconds": elapsed, **_ours_result(profile)}


def run_th_cli(
    path: str, fmt: str, threads: int, sample: int | None, out: str = ""
) -> dict[str, Any]:
    """``th profile`` is a separate process: the runner calls the CLI itself (see runner.py);
    this function only reads the JSON that the CLI wrote."""
    with open(out, encoding="utf-8") as fh:
        data = json.load(fh)
    columns, counts = {}, []
    for col in data["columns"]:
        dist = col.get("distribution") or {}
        columns[col["name"]] = {
            "distinct": col.get("distinct_count"),
            "median": _number(dist.get("median")),
        }
        counts.append(_count_stats(col))
    return {"columns": columns, "stats_per_column": counts, "rows": data["row_count"]}


# --------------------------------------------------------------------------------------------
# DuckDB SUMMARIZE

_DUCK_STATS = (
    "min",
    "max",
    "approx_unique",
    "avg",
    "std",
    "q25",
    "q50",
    "q75",
    "count",
    "null_percentage",
)
DUCK_NUMERIC_TYPES = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
)


def run_duckdb(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute(f"SET threads={threads}")
    reader = "read_csv" if fmt == "csv" else "read_parquet"
    start = time.perf_counter()
    cur = con.execute(f"SUMMARIZE SELECT * FROM {reader}('{path}')")
    rows = cur.fetchall()
    elapsed = time.perf_counter() - start
    names = [d[0] for d in cur.description]
    columns, counts, nrows = {}, [], 0
    for row in rows:
        rec = dict(zip(names, row))
        numeric = str(rec["column_type"]).upper().startswith(DUCK_NUMERIC_TYPES)
        columns[rec["column_name"]] = {
            "distinct": rec["approx_unique"],
            "median": _number(rec["q50"]) if numeric else None,
        }
        counts.append(sum(1 for k in _DUCK_STATS if rec.get(k) is not None))
        nrows = rec["count"]
    return {"call_seconds": elapsed, "columns": columns, "stats_per_column": counts, "rows": nrows}


# --------------------------------------------------------------------------------------------
# polars describe


def run_polars(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    import polars as pl  # POLARS_MAX_THREADS is set by the runner

    start = time.perf_counter()
    lf = pl.scan_csv(path) if fmt == "csv" else pl.scan_parquet(path)
    desc = lf.describe()
    elapsed = time.perf_counter() - start
    schema = lf.collect_schema()
    stat_names = desc.get_column("statistic").to_list()
    columns, counts, nrows = {}, [], 0
    for name, dtype in schema.items():
        values = dict(zip(stat_names, desc.get_column(name).to_list()))
        numeric = dtype.is_numeric()
        columns[name] = {
            "distinct": None,
            "median": _number(values.get("50%")) if numeric else None,
        }
        counts.append(sum(1 for v in values.values() if v is not None))
        nrows = max(
            nrows, int(float(values.get("count") or 0)) + int(float(values.get("null_count") or 0))
        )
    return {"call_seconds": elapsed, "columns": columns, "stats_per_column": counts, "rows": nrows}


# --------------------------------------------------------------------------------------------
# truthound from PyPI (its own virtual environment)


def run_truthound_pypi(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    from truthound.profiler import profile_file  # the PyPI package, not ours

    start = time.perf_counter()
    profile = profile_file(path)
    elapsed = time.perf_counter() - start
    columns, counts = {}, []
    for col in profile.columns:
        dist = col.distribution
        columns[col.name] = {
            "distinct": col.distinct_count,
            "median": _number(dist.median) if dist is not None else None,
        }
        counts.append(_count_stats(col.to_dict()))
    return {
        "call_seconds": elapsed,
        "columns": columns,
        "stats_per_column": counts,
        "rows": profile.row_count,
    }


# --------------------------------------------------------------------------------------------
# whylogs (its own virtual environment)


def run_whylogs(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    import pyarrow.parquet as pq
    import whylogs as why

    start = time.perf_counter()
    # whylogs logs pandas frames; feed it 1M-row batches and merge the profiles, the bounded-memory
    # way its docs recommend for large inputs.
    if fmt == "csv":
        import pyarrow.csv as pacsv

        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=64 << 20))
        batches = iter(reader)
    else:
        batches = pq.ParquetFile(path).iter_batches(batch_size=1_000_000)
    view = None
    rows = 0
    for batch in batches:
        import pyarrow as pa

        frame = _plain_strings(pa.Table.from_batches([batch])).to_pandas()
        rows += len(frame)
        part = why.log(frame).view()
        view = part if view is None else view.merge(part)
    summary = view.to_pandas()
    elapsed = time.perf_counter() - start
    columns, counts = {}, []
    for name, rec in summary.iterrows():
        rec = rec.to_dict()
        columns[str(name)] = {
            "distinct": _number(rec.get("cardinality/est")),
            "median": _number(rec.get("distribution/median")),
        }
        counts.append(sum(1 for k, v in rec.items() if k != "type" and _number(v) is not None))
    return {"call_seconds": elapsed, "columns": columns, "stats_per_column": counts, "rows": rows}


# --------------------------------------------------------------------------------------------
# ydata-profiling, minimal mode (its own virtual environment)


def run_ydata(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    import warnings

    warnings.filterwarnings("ignore")
    from ydata_profiling import ProfileReport

    start = time.perf_counter()
    frame = _plain_strings(_sample_table(path, fmt, sample)).to_pandas()
    report = ProfileReport(frame, minimal=True, progress_bar=False, pool_size=threads)
    desc = report.get_description()
    elapsed = time.perf_counter() - start
    columns, counts = {}, []
    for name, var in desc.variables.items():
        numeric = var.get("type") == "Numeric"
        columns[str(name)] = {
            "distinct": var.get("n_distinct"),
            "median": _number(var.get("50%")) if numeric else None,
        }
        counts.append(_count_stats({k: v for k, v in var.items() if k != "type"}))
    return {
        "call_seconds": elapsed,
        "columns": columns,
        "stats_per_column": counts,
        "rows": len(frame),
    }


# --------------------------------------------------------------------------------------------
# numeric kernel against a plain sum (the DESIGN performance budget), in one process


def run_kernel(path: str, fmt: str, threads: int, sample: int | None) -> dict[str, Any]:
    """``path`` is ignored; ``sample`` is the row count. Same table as bench/bench_core.py."""
    import statistics

    from truthound import _core

    try:
        from bench.bench_core import make_table
    except ImportError:  # bench_core moved: the same generator, inline
        import numpy as np
        import pyarrow as pa

        def make_table(rows: int):
            rng = np.random.default_rng(1)
            return pa.table(
                {
                    "f_normal": rng.normal(100, 15, rows),
                    "f_uniform": rng.random(rows),
                    "f_lognormal": rng.lognormal(0, 1, rows),
                    "f_rounded": np.round(rng.normal(0, 1000, rows), 2),
                    "i_wide": rng.integers(-(10**12), 10**12, rows),
                    "i_small": rng.integers(0, 1000, rows),
                }
            )

    rows = sample or 10_000_000
    table = make_table(rows)
    arrays = [c.chunk(0).to_numpy() for c in table.columns]

    def med(fn: Callable[[], Any], k: int = 3) -> float:
        times = []
        for _ in range(k):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)

    sum_s = med(lambda: [a.sum() for a in arrays], 5)
    prof_s = med(lambda: _core.profile(table, track_rows=False))
    cells = rows * table.num_columns
    return {
        "call_seconds": prof_s,
        "sum_seconds": sum_s,
        "cells": cells,
        "columns": {},
        "stats_per_column": [],
        "rows": rows,
    }


def tool_version(tool: str) -> str:
    """The version of the package behind ``tool`` in this interpreter."""
    from importlib import metadata

    package = {
        "th-profile": "truthound",
        "th-distributed": "truthound",
        "th-cli": "truthound",
        "kernel": "truthound",
        "truthound-pypi": "truthound",
        "duckdb": "duckdb",
        "polars": "polars",
        "whylogs": "whylogs",
        "ydata": "ydata-profiling",
    }[tool]
    try:
        version = metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"
    if tool == "truthound-pypi":
        try:
            version += f" (polars {metadata.version('polars')})"
        except metadata.PackageNotFoundError:
            pass
    return version


TOOLS: dict[str, Callable[..., dict[str, Any]]] = {
    "th-profile": run_th_profile,
    "th-distributed": run_th_distributed,
    "th-cli": run_th_cli,
    "duckdb": run_duckdb,
    "polars": run_polars,
    "truthound-pypi": run_truthound_pypi,
    "whylogs": run_whylogs,
    "ydata": run_ydata,
    "kernel": run_kernel,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=sorted(TOOLS))
    parser.add_argument("data")
    parser.add_argument("out")
    parser.add_argument("--format", default="parquet", choices=["parquet", "csv"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--sample", type=int, default=None)
    parser.add_argument("--cli-output", default="", help="th-cli: the JSON the CLI wrote")
    args = parser.parse_args(argv)
    if args.tool == "th-cli":
        result = run_th_cli(args.data, args.format, args.threads, args.sample, args.cli_output)
    else:
        result = TOOLS[args.tool](args.data, args.format, args.threads, args.sample)
    result["ok"] = True
    result["python"] = sys.version.split()[0]
    result["version"] = tool_version(args.tool)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(result, fh, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
