"""Dask benchmark: truthound's Dask backend beside ``dask_df.describe(include="all")``, on the same
cluster and the same Parquet file.

    python bench/bench_dask.py                 # 10M rows x 8 columns (bench/.data), 2 workers
    python bench/bench_dask.py --rows 1000000 --repeat 1   # a quick look

Both run on one ``LocalCluster`` (``--workers`` processes x 1 thread, 127.0.0.1):
- truthound: ``DaskBackend(client=client).profile_file(path)`` (units = Parquet row-group ranges,
  each worker reads its own; the full profile: moments, quantiles, histogram, distinct counts,
  top values, patterns, duplicate rows);
- Dask: ``dd.read_parquet(path).describe(include="all").compute()`` (count, mean, std, min,
  quartiles, max for numbers and dates; count, unique, top, freq for strings), the date column
  cast to datetime64 (describe fails on Arrow date32).

Workers are restarted before every run, so each worker's peak RSS (``ru_maxrss``, read on the
worker after the run) belongs to that run alone; the table gives each worker's largest peak over
the runs. Timings are the median of ``--repeat`` runs for truthound and of ``--peer-repeat`` runs
for describe (3 each by default; the output says how many), and the ratio is between the medians
of the same invocation. The data is bench_local.py's (generated under bench/.data/ if missing).
Prints markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _warm() -> None:
    import dask.dataframe  # noqa: F401
    import pyarrow.dataset  # noqa: F401

    import truthound.profiler.distributed.plan  # noqa: F401


def measure(client, run, repeat: int) -> tuple[float, list[float], object, list[float]]:
    """Median wall time over ``repeat`` runs, the largest peak RSS of each worker (MB), the last
    result and every run's wall time."""
    walls, peaks, result = [], None, None
    for _ in range(repeat):
        client.restart()
        client.run(_warm)
        started = time.perf_counter()
        result = run()
        walls.append(time.perf_counter() - started)
        rss = [v for _, v in sorted(client.run(_peak_rss_mb).items())]
        peaks = rss if peaks is None else [max(a, b) for a, b in zip(peaks, rss)]
    return statistics.median(walls), peaks or [], result, walls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="8GB", help="per worker")
    parser.add_argument("--repeat", type=int, default=3, help="runs of truthound (median time)")
    parser.add_argument("--peer-repeat", type=int, default=3, help="runs of describe (median time)")
    args = parser.parse_args()

    import dask.dataframe as dd
    import distributed
    from bench_local import dataset

    from truthound.profiler.distributed import DaskBackend

    path, _ = dataset(args.rows)
    size_mb = path.stat().st_size / 1e6
    cluster = distributed.LocalCluster(
        n_workers=args.workers,
        threads_per_worker=1,
        processes=True,
        memory_limit=args.memory_limit,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    )
    client = distributed.Client(cluster, set_as_default=False)
    try:
        backend = DaskBackend(client=client)
        ours = measure(client, lambda: backend.profile_file(str(path)), args.repeat)
        profile = ours[2]
        assert profile.row_count == args.rows, profile.row_count

        def describe():
            # describe(include="all") fails on the date32 column ("TypeError: Invalid object
            # type" in to_numeric), so Dask gets it as datetime64[ms].
            frame = dd.read_parquet(str(path)).astype({"day": "datetime64[ms]"})
            return client.compute(frame.describe(include="all")).result()

        theirs = measure(client, describe, args.peer_repeat)
        summary = theirs[2]
    finally:
        client.close()
        cluster.close()

    print(
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}; "
        f"LocalCluster {args.workers} workers x 1 thread, memory_limit {args.memory_limit}\n"
    )
    print(
        f"Input: {args.rows:,} rows x 8 columns, {size_mb:,.0f} MB Parquet "
        f"({profile.unit_count} units)\n"
    )
    workers = " / ".join(f"w{i}" for i in range(args.workers))
    print(
        f"| tool | runs | wall time, median (s) | all runs (s) "
        f"| peak RSS per worker, MB ({workers}) |"
    )
    print("|---|---:|---:|---:|---:|")
    for name, (wall, peaks, _, walls) in (
        ("truthound `DaskBackend.profile_file`", ours),
        ('Dask `describe(include="all")`', theirs),
    ):
        print(
            f"| {name} | {len(walls)} | {wall:.2f} | {' / '.join(f'{w:.2f}' for w in walls)} "
            f"| {' / '.join(f'{p:,.0f}' for p in peaks)} |"
        )
    print()
    print(f"- describe / truthound wall time (medians): {theirs[0] / ours[0]:.2f}x")
    print(f"- peak RSS per worker, truthound / describe: {max(ours[1]) / max(theirs[1]):.2f}x")
    print(
        f"- describe returned {summary.shape[0]} statistics x {summary.shape[1]} columns; "
        f"truthound {len(profile.columns)} column profiles"
    )


if __name__ == "__main__":
    main()
