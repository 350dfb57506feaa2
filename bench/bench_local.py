"""Local benchmark: ``th profile`` beside DuckDB ``SUMMARIZE`` on the same Parquet file.

    python bench/bench_local.py            # 10M rows x 8 columns, ~5 minutes on 2 cores
    python bench/bench_local.py --rows 1000000 --repeat 1   # a quick look

Prints a markdown table of wall time and peak RSS for:
- ``th profile`` with 2 workers and with 1 worker (the speed-up of 2 over 1),
- DuckDB ``SUMMARIZE`` with 2 threads,
- ``th profile`` with 2 workers on 10x the input (the same file linked 10 times in a folder),
  to show that peak memory does not grow with the input.

Each run is its own process; its peak RSS comes from ``os.wait4``. The data is generated with
pyarrow and cached under ``bench/.data/`` (git-ignored). Timings are the median of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import statistics
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data"


def generate(rows: int, path: Path) -> None:
    """8 columns: 3 integers, 2 floats (one with NaN and nulls), 2 strings, 1 date."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(42)
    cities = pa.array([f"city-{i:03d}" for i in range(200)])
    words = pa.array([f"sku-{i:07d}-{'x' * (i % 13)}" for i in range(200_000)])
    chunk = 1_000_000
    tmp = path.with_suffix(".tmp")
    writer = None
    for start in range(0, rows, chunk):
        n = min(chunk, rows - start)
        price = rng.lognormal(3, 1, n)
        score = rng.normal(0, 1, n)
        score[rng.random(n) < 0.01] = np.nan
        table = pa.table(
            {
                "id": pa.array(np.arange(start, start + n, dtype=np.int64)),
                "qty": pa.array(rng.integers(0, 100, n, dtype=np.int32)),
                "customer": pa.array(rng.integers(0, 5_000_000, n)),
                "price": pa.array(price),
                "score": pa.array(score, mask=rng.random(n) < 0.05),
                "city": cities.take(pa.array(rng.integers(0, len(cities), n))),
                "sku": words.take(pa.array(rng.zipf(1.3, n) % len(words))),
                "day": pa.array(rng.integers(18_000, 20_000, n).astype("datetime64[D]")),
            }
        )
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema)
        writer.write_table(table, row_group_size=chunk)
    writer.close()
    tmp.rename(path)


def dataset(rows: int) -> tuple[Path, Path]:
    """The cached file and a folder linking it 10 times."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"bench-{rows}.parquet"
    if not path.exists():
        print(f"generating {path} ...", file=sys.stderr)
        generate(rows, path)
    folder = DATA / f"bench-{rows}-x10"
    folder.mkdir(exist_ok=True)
    for k in range(10):
        link = folder / f"part-{k}.parquet"
        if not link.exists():
            os.symlink(path, link)
    return path, folder


def measure(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err}")
    return wall, usage.ru_maxrss / 1024  # ru_maxrss is in KiB on Linux


def median_run(cmd: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time and largest peak RSS of ``repeat`` runs."""
    runs = [measure(cmd) for _ in range(repeat)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs)


def th(source: Path, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "truthound.cli",
        "profile",
        str(source),
        "--distributed",
        "--backend",
        "local",
        "--workers",
        str(workers),
        "--format",
        "json",
        "--quiet",
        "-o",
        os.devnull,
    ]


def duckdb_summarize(source: Path, threads: int) -> list[str]:
    code = (
        "import duckdb; con = duckdb.connect(); "
        f"con.execute('SET threads={threads}'); "
        f"con.execute(\"SUMMARIZE SELECT * FROM read_parquet('{source}')\").fetchall()"
    )
    return [sys.executable, "-c", code]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per measurement (median time, max RSS)"
    )
    parser.add_argument("--skip-large", action="store_true", help="skip the 10x input")
    args = parser.parse_args()

    path, folder = dataset(args.rows)
    size_mb = path.stat().st_size / 1e6
    rows = []
    th2 = median_run(th(path, 2), args.repeat)
    rows.append(("th profile", f"{args.rows:,} rows ({size_mb:,.0f} MB)", "2 workers", *th2))
    th1 = median_run(th(path, 1), args.repeat)
    rows.append(("th profile", f"{args.rows:,} rows", "1 worker", *th1))
    duck = median_run(duckdb_summarize(path, 2), args.repeat)
    rows.append(("DuckDB SUMMARIZE", f"{args.rows:,} rows", "2 threads", *duck))
    large = None
    if not args.skip_large:
        large = median_run(th(folder, 2), 1)
        rows.append(("th profile", f"{10 * args.rows:,} rows (10 x the file)", "2 workers", *large))

    import platform

    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}\n")
    print("| tool | input | parallelism | wall time (s) | peak RSS (MB) |")
    print("|---|---|---|---:|---:|")
    for tool, data, parallel, wall, rss in rows:
        print(f"| {tool} | {data} | {parallel} | {wall:.2f} | {rss:,.0f} |")
    print()
    print(f"- 2 workers vs 1: {th1[0] / th2[0]:.2f}x faster")
    print(
        f"- th (2 workers) vs DuckDB SUMMARIZE (2 threads): {duck[0] / th2[0]:.2f}x the speed, "
        f"{th2[1] / duck[1]:.2f}x the memory"
    )
    if large is not None:
        print(
            f"- 10x the input: {large[0] / th2[0]:.1f}x the time, "
            f"{large[1] / th2[1]:.2f}x the peak RSS"
        )


if __name__ == "__main__":
    main()
