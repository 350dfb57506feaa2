"""Data sets of the suite, generated once and cached under ``bench/.data/suite`` (git-ignored).

- ``lineitem-sf{SF}``: TPC-H ``lineitem`` from ``tpchgen-cli`` (PyPI; the Rust port of dbgen), as
  Parquet (its defaults: decimal128 money columns, string_view strings, date32 dates) and CSV.
  Where ``tpchgen-cli`` cannot be installed, :func:`_lineitem_numpy` writes lineitem-shaped data
  that follows the TPC-H column definitions (same names, types, domains and cardinalities, not
  dbgen's exact text); the manifest and the report say which generator made the file.
- ``mixed-{rows}``: ints, floats with NaN and nulls, low- and high-cardinality strings, e-mail
  addresses, dates, timestamps, booleans (13 columns), in 1M-row row groups.
- ``wide``: 1,000 columns x 100,000 rows (floats, ints, low-cardinality strings, dates).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "bench" / ".data" / "suite"


@dataclass
class Dataset:
    """One generated file, as the runner sees it."""

    key: str  # e.g. "lineitem-sf1-parquet"
    title: str  # e.g. "TPC-H lineitem SF1 (Parquet)"
    path: Path
    fmt: str  # "parquet" | "csv"
    rows: int
    columns: int
    generator: str
    truth_path: Path  # the Parquet file that exact values are computed from
    meta: dict = field(default_factory=dict)

    @property
    def cells(self) -> int:
        return self.rows * self.columns

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def _manifest(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def _write_manifest(path: Path, **info) -> dict:
    info = {"file": path.name, "bytes": path.stat().st_size, **info}
    _manifest(path).write_text(json.dumps(info, indent=1))
    return info


def _read_manifest(path: Path) -> dict | None:
    m = _manifest(path)
    if path.exists() and m.exists():
        try:
            return json.loads(m.read_text())
        except ValueError:
            return None
    return None


# ----------------------------------------------------------------------------------------------
# TPC-H lineitem


def tpchgen_binary() -> str | None:
    for candidate in (
        Path(sysconfig.get_path("scripts")) / "tpchgen-cli",
        shutil.which("tpchgen-cli"),
    ):
        if candidate and Path(candidate).exists():
            return str(candidate)
    return None


def _sf_name(sf: float) -> str:
    return f"{sf:g}".replace(".", "_")


def lineitem(sf: float, fmt: str) -> Dataset:
    """TPC-H lineitem at scale factor ``sf`` as ``fmt`` (the Parquet file is always made too:
    exact values are computed from it)."""
    DATA.mkdir(parents=True, exist_ok=True)
    name = f"lineitem-sf{_sf_name(sf)}"
    parquet = DATA / f"{name}.parquet"
    info = _read_manifest(parquet)
    if info is None:
        info = _make_lineitem(sf, parquet)
    path = parquet
    if fmt == "csv":
        path = DATA / f"{name}.csv"
        if _read_manifest(path) is None:
            _make_lineitem_csv(sf, parquet, path, info["generator"])
    label = f"TPC-H lineitem SF{sf:g} ({'Parquet' if fmt == 'parquet' else 'CSV'})"
    return Dataset(
        key=f"{name}-{fmt}",
        title=label,
        path=path,
        fmt=fmt,
        rows=info["rows"],
        columns=info["columns"],
        generator=info["generator"],
        truth_path=parquet,
        meta={"scale_factor": sf},
    )


def _tpchgen_lineitem(binary: str, fmt: str, sf: float, target: Path) -> None:
    """TPC-H lineitem at scale factor ``sf`` in ``fmt`` (parquet, csv) written to ``target``."""
    _log(f"generating {target.name} with tpchgen-cli (SF {sf:g}) ...")
    out = target.with_name(target.stem + ".tmpdir")
    shutil.rmtree(out, ignore_errors=True)
    command = [
        binary,
        fmt,
        "-s",
        f"{sf:g}",
        "-T",
        "lineitem",
        "-o",
        str(out),
        "--no-progress",
        "-q",
    ]
    subprocess.run(command, check=True)
    os.replace(out / f"lineitem.{fmt}", target)
    shutil.rmtree(out, ignore_errors=True)


def _make_lineitem(sf: float, parquet: Path) -> dict:
    binary = tpchgen_binary()
    started = time.perf_counter()
    if binary:
        _tpchgen_lineitem(binary, "parquet", sf, parquet)
        version = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        generator = f"{version or 'tpchgen-cli'}"
    else:
        _log(f"tpchgen-cli not available: generating lineitem-shaped {parquet.name} with numpy ...")
        _lineitem_numpy(sf, parquet)
        generator = "numpy (lineitem-shaped, TPC-H column definitions; tpchgen-cli unavailable)"
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(parquet).metadata
    return _write_manifest(
        parquet,
        rows=meta.num_rows,
        columns=meta.num_columns,
        generator=generator,
        seconds=round(time.perf_counter() - started, 1),
    )


def _make_lineitem_csv(sf: float, parquet: Path, csv: Path, generator: str) -> None:
    binary = tpchgen_binary()
    started = time.perf_counter()
    if binary and generator.startswith("tpchgen"):
        _tpchgen_lineitem(binary, "csv", sf, csv)
    else:
        _log(f"writing {csv.name} from {parquet.name} ...")
        _parquet_to_csv(parquet, csv)
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(parquet).metadata
    _write_manifest(
        csv,
        rows=meta.num_rows,
        columns=meta.num_columns,
        generator=generator,
        seconds=round(time.perf_counter() - started, 1),
    )


def _parquet_to_csv(parquet: Path, csv: Path) -> None:
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    tmp = csv.with_suffix(".tmp")
    pf = pq.ParquetFile(parquet)
    writer = None
    for batch in pf.iter_batches(batch_size=1_000_000):
        table = pa.Table.from_batches([batch])
        fields = [
            pa.field(f.name, pa.string()) if pa.types.is_string_view(f.type) else f
            for f in table.schema
        ]
        table = table.cast(pa.schema(fields))
        if writer is None:
            writer = pacsv.CSVWriter(tmp, table.schema)
        writer.write_table(table)
    writer.close()
    os.replace(tmp, csv)


def _lineitem_numpy(sf: float, path: Path) -> None:
    """Lineitem-shaped data per the TPC-H spec (4.2.3): orders have 1-7 lines, keys are sparse,
    money is decimal(15,2), dates are derived from the order date, comments are random text."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(19920101)
    orders = int(1_500_000 * sf)
    parts, supps = max(1, int(200_000 * sf)), max(1, int(10_000 * sf))
    words = np.array(
        [
            "furiously",
            "carefully",
            "quickly",
            "slyly",
            "blithely",
            "final",
            "regular",
            "express",
            "special",
            "pending",
            "ironic",
            "bold",
            "even",
            "silent",
            "unusual",
            "deposits",
            "requests",
            "accounts",
            "packages",
            "theodolites",
            "instructions",
            "foxes",
            "pinto",
            "beans",
            "ideas",
            "dependencies",
            "platelets",
            "asymptotes",
            "courts",
            "dolphins",
        ]
    )
    start_date = np.datetime64("1992-01-01")
    tmp = path.with_suffix(".tmp")
    writer = None
    chunk = 250_000
    for first in range(0, orders, chunk):
        n = min(chunk, orders - first)
        lines = rng.integers(1, 8, n)
        okey_dense = np.repeat(np.arange(first, first + n), lines)
        okey = (okey_dense // 8) * 32 + okey_dense % 8 + 1  # sparse keys as in dbgen
        linenumber = np.concatenate([np.arange(1, k + 1) for k in lines]).astype(np.int32)
        m = len(okey)
        partkey = rng.integers(1, parts + 1, m)
        suppkey = (
            partkey + rng.integers(0, 4, m) * (supps // 4 + (partkey - 1) // supps)
        ) % supps + 1
        quantity = rng.integers(1, 51, m)
        retail = (90000 + (partkey // 10) % 20001 + 100 * (partkey % 1000)) / 100.0
        extended = np.round(quantity * retail, 2)
        discount = rng.integers(0, 11, m) / 100.0
        tax = rng.integers(0, 9, m) / 100.0
        odate = start_date + np.repeat(rng.integers(0, 2406 - 151, n), lines).astype(
            "timedelta64[D]"
        )
        ship = odate + rng.integers(1, 122, m).astype("timedelta64[D]")
        commit = odate + rng.integers(30, 91, m).astype("timedelta64[D]")
        receipt = ship + rng.integers(1, 31, m).astype("timedelta64[D]")
        current = np.datetime64("1995-06-17")
        returnflag = np.where(receipt <= current, rng.choice(np.array(["R", "A"]), m), "N")
        linestatus = np.where(ship > current, "O", "F")
        instruct = rng.choice(
            np.array(["DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"]), m
        )
        mode = rng.choice(np.array(["REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"]), m)
        nwords = rng.integers(2, 7, m)
        picks = words[rng.integers(0, len(words), (m, 6))]
        comment = [" ".join(row[:k]) for row, k in zip(picks, nwords)]
        dec = pa.decimal128(15, 2)
        table = pa.table(
            {
                "l_orderkey": pa.array(okey, pa.int64()),
                "l_partkey": pa.array(partkey, pa.int64()),
                "l_suppkey": pa.array(suppkey, pa.int64()),
                "l_linenumber": pa.array(linenumber),
                "l_quantity": pa.array(quantity.astype(np.float64)).cast(dec),
                "l_extendedprice": pa.array(extended).cast(dec),
                "l_discount": pa.array(discount).cast(dec),
                "l_tax": pa.array(tax).cast(dec),
                "l_returnflag": pa.array(returnflag.astype(str)),
                "l_linestatus": pa.array(linestatus.astype(str)),
                "l_shipdate": pa.array(ship.astype("datetime64[D]")),
                "l_commitdate": pa.array(commit.astype("datetime64[D]")),
                "l_receiptdate": pa.array(receipt.astype("datetime64[D]")),
                "l_shipinstruct": pa.array(instruct.astype(str)),
                "l_shipmode": pa.array(mode.astype(str)),
                "l_comment": pa.array(comment),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=122_880)
    writer.close()
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# mixed table


def mixed(rows: int) -> Dataset:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"mixed-{rows}.parquet"
    info = _read_manifest(path)
    if info is None:
        _log(f"generating {path.name} ({rows:,} rows) ...")
        started = time.perf_counter()
        _make_mixed(rows, path)
        import pyarrow.parquet as pq

        meta = pq.ParquetFile(path).metadata
        info = _write_manifest(
            path,
            rows=meta.num_rows,
            columns=meta.num_columns,
            generator="numpy/pyarrow (bench/suite/data.py, seed 42)",
            seconds=round(time.perf_counter() - started, 1),
        )
    label = f"{rows / 1e6:g}M" if rows >= 1_000_000 else f"{rows:,}"
    return Dataset(
        key=f"mixed-{rows}-parquet",
        title=f"mixed {label} rows (Parquet)",
        path=path,
        fmt="parquet",
        rows=info["rows"],
        columns=info["columns"],
        generator=info["generator"],
        truth_path=path,
    )


def _make_mixed(rows: int, path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    rng = np.random.default_rng(42)
    cities = pa.array([f"city-{i:03d}" for i in range(200)])
    skus = pa.array([f"sku-{i:07d}-{'x' * (i % 13)}" for i in range(200_000)])
    statuses = pa.array(["new", "open", "closed", "on hold", ""])
    t0 = np.datetime64("2023-01-01T00:00:00", "us").astype(np.int64)
    chunk = 1_000_000
    tmp = path.with_suffix(".tmp")
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        score = rng.normal(0, 1, n)
        score[rng.random(n) < 0.01] = np.nan
        user = rng.integers(0, 3_000_000, n)
        email = pc.binary_join_element_wise(
            "user",
            pc.cast(pa.array(user), pa.string()),
            "@example",
            pc.cast(pa.array(user % 97), pa.string()),
            ".com",
            "",
        )
        table = pa.table(
            {
                "id": pa.array(np.arange(start, start + n, dtype=np.int64)),
                "qty": pa.array(rng.integers(0, 100, n, dtype=np.int32)),
                "customer": pa.array(rng.integers(0, 5_000_000, n)),
                "price": pa.array(np.round(rng.lognormal(3, 1, n), 2)),
                "score": pa.array(score, mask=rng.random(n) < 0.05),
                "active": pa.array(rng.random(n) < 0.7, mask=rng.random(n) < 0.02),
                "city": cities.take(pa.array(rng.integers(0, len(cities), n))),
                "sku": skus.take(pa.array(rng.zipf(1.3, n) % len(skus))),
                "email": email,
                "status": statuses.take(
                    pa.array(rng.integers(0, len(statuses), n), mask=rng.random(n) < 0.1)
                ),
                "day": pa.array(rng.integers(18_000, 20_000, n).astype("datetime64[D]")),
                "ts": pa.array(
                    (t0 + rng.integers(0, 2 * 365 * 86_400 * 10**6, n)).astype("datetime64[us]"),
                    mask=rng.random(n) < 0.01,
                ),
                "ratio": pa.array(rng.beta(2, 5, n).astype(np.float32)),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=chunk)
    writer.close()
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# wide table


def wide(columns: int = 1000, rows: int = 100_000) -> Dataset:
    DATA.mkdir(parents=True, exist_ok=True)
    path = DATA / f"wide-{columns}x{rows}.parquet"
    info = _read_manifest(path)
    if info is None:
        _log(f"generating {path.name} ...")
        started = time.perf_counter()
        _make_wide(columns, rows, path)
        info = _write_manifest(
            path,
            rows=rows,
            columns=columns,
            generator="numpy/pyarrow (bench/suite/data.py, seed 7)",
            seconds=round(time.perf_counter() - started, 1),
        )
    return Dataset(
        key=f"wide-{columns}x{rows}-parquet",
        title=f"wide {columns:,} cols x {rows // 1000}k rows (Parquet)",
        path=path,
        fmt="parquet",
        rows=rows,
        columns=columns,
        generator=info["generator"],
        truth_path=path,
    )


def _make_wide(columns: int, rows: int, path: Path) -> None:
    """Per 10 columns: 6 floats (one with 5 % nulls), 2 ints, 1 low-cardinality string, 1 date."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(7)
    labels = pa.array([f"label-{i:02d}" for i in range(50)])
    cols = {}
    for j in range(columns):
        kind = j % 10
        name = f"c{j:04d}"
        if kind < 6:
            values = np.round(rng.normal(j, 1 + kind, rows), 3)
            cols[name] = pa.array(values, mask=(rng.random(rows) < 0.05) if kind == 5 else None)
        elif kind == 6:
            cols[name] = pa.array(rng.integers(0, 1000, rows))
        elif kind == 7:
            cols[name] = pa.array(rng.integers(-(10**9), 10**9, rows))
        elif kind == 8:
            cols[name] = labels.take(pa.array(rng.integers(0, len(labels), rows)))
        else:
            cols[name] = pa.array(rng.integers(15_000, 20_000, rows).astype("datetime64[D]"))
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.table(cols), tmp, row_group_size=rows)
    os.replace(tmp, path)


# ----------------------------------------------------------------------------------------------
# samples for the peers that cannot profile the whole file within the time cap


def sample_of(ds: Dataset, rows: int) -> Dataset:
    """The first ``rows`` rows of a Parquet data set, as its own Parquet file (so the sampled
    tool still reads a file, and its accuracy is scored against the sample's exact values)."""
    if rows >= ds.rows:
        return ds
    if ds.fmt != "parquet":
        raise ValueError("samples are taken of Parquet data sets only")
    path = ds.path.with_name(f"{ds.path.stem}.first{rows}.parquet")
    info = _read_manifest(path)
    if info is None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        pf = pq.ParquetFile(ds.path)
        batches, have = [], 0
        for batch in pf.iter_batches(batch_size=min(rows, 100_000)):
            batches.append(batch.slice(0, rows - have))
            have += batches[-1].num_rows
            if have >= rows:
                break
        tmp = path.with_suffix(".tmp")
        pq.write_table(
            pa.Table.from_batches(batches, schema=pf.schema_arrow),
            tmp,
            row_group_size=min(rows, 1_000_000),
        )
        os.replace(tmp, path)
        info = _write_manifest(
            path, rows=have, columns=ds.columns, generator=f"first {have:,} rows of {ds.path.name}"
        )
    return Dataset(
        key=f"{ds.key}-first{rows}",
        title=f"{ds.title}, first {rows:,} rows",
        path=path,
        fmt="parquet",
        rows=info["rows"],
        columns=ds.columns,
        generator=info["generator"],
        truth_path=path,
        meta={"sample_of": ds.key},
    )
