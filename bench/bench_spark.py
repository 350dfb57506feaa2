"""Spark benchmark: truthound's Spark backend beside Spark's own ``DataFrame.summary()``, in one
local Spark session, on the same Parquet file.

    python bench/bench_spark.py                     # 10M rows x 8 columns, a few minutes on 2 cores
    python bench/bench_spark.py --rows 1000000      # a quick look

The data is bench_local.py's (generated with pyarrow, cached under ``bench/.data/``). One session
(``local[2]`` by default) runs, one after the other:

- **truthound, file units** -- ``SparkBackend.profile_file(path)``: the planner's row-group units
  run as Spark tasks, each reading its row groups with pyarrow in a Python worker (the same bytes
  as the local backend);
- **truthound, DataFrame** -- ``SparkBackend.profile(spark.read.parquet(path))``: the kernel over
  the Arrow batches of each partition Spark reads (``mapInArrow``);
- **Spark summary()** -- ``spark.read.parquet(path).summary().collect()``: count, mean, stddev,
  min, approximate quartiles, max (numbers and strings; a subset of what a profile holds).

Wall time is the median of ``--repeat`` runs (3 by default) for truthound and of
``--peer-repeat`` runs (2 by default: a run takes about a minute) for ``summary()``; the output
says how many. Ratios are between medians of the same invocation. Memory is the largest, over a
measurement's runs, peak RSS of the whole process tree (this driver, Spark's JVM, its Python
workers), sampled every 50 ms, and that peak above the idle session. Prints markdown.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_local import dataset  # noqa: E402  (the same cached file)


class TreeRss:
    """Peak RSS (MB) of this process and all its descendants while the block runs."""

    def __init__(self, interval: float = 0.05):
        import psutil

        self._root = psutil.Process(os.getpid())
        self._interval = interval
        self.peak = 0.0

    def now(self) -> float:
        import psutil

        total = 0
        for proc in [self._root, *self._root.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except psutil.Error:  # exited meanwhile
                pass
        return total / 2**20

    def __enter__(self) -> TreeRss:
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(self._interval):
            self.peak = max(self.peak, self.now())

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def session(master: str, driver_memory: str):
    from pyspark.sql import SparkSession

    from truthound.profiler.distributed import SparkConfig
    from truthound.profiler.distributed.backends.spark import prepare_environment, session_conf

    prepare_environment()
    builder = SparkSession.builder.master(master).appName("truthound-bench")
    for key, value in session_conf(SparkConfig(master=master)).items():
        builder = builder.config(key, value)
    return builder.config("spark.driver.memory", driver_memory).getOrCreate()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per truthound measurement (median time)"
    )
    parser.add_argument(
        "--peer-repeat", type=int, default=2, help="runs of Spark summary() (median time)"
    )
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    args = parser.parse_args()

    import warnings

    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    import pyspark

    from truthound.profiler.distributed import SparkBackend

    path, _ = dataset(args.rows)
    size_mb = path.stat().st_size / 1e6
    spark = session(args.master, args.driver_memory)
    spark.sparkContext.setLogLevel("ERROR")
    backend = SparkBackend(session=spark)
    # Warm up: start the Python workers and import the engine in them, outside the timings.
    spark.range(0, 4, 1, 2).mapInArrow(lambda it: it, "id long").collect()
    backend.profile(spark.range(0, 1000, 1, 2))
    idle = TreeRss().now()

    def file_units():
        return backend.profile_file(str(path))

    def frame():
        return backend.profile(spark.read.parquet(str(path)))

    def summary():
        return spark.read.parquet(str(path)).summary().collect()

    results = {}
    runs = {}
    for name, run, repeat in (
        ("truthound, file units", file_units, args.repeat),
        ("truthound, DataFrame", frame, args.repeat),
        ("Spark summary()", summary, args.peer_repeat),
    ):
        walls, peak, out = [], 0.0, None
        for _ in range(repeat):
            with TreeRss() as rss:
                started = time.perf_counter()
                out = run()
                walls.append(time.perf_counter() - started)
            peak = max(peak, rss.peak)
        results[name] = (statistics.median(walls), peak, out)
        runs[name] = walls
        print(
            f"{name}: median {results[name][0]:.2f} s of "
            f"{', '.join(f'{w:.2f}' for w in walls)}; peak {peak:,.0f} MB",
            file=sys.stderr,
        )

    partitions = spark.read.parquet(str(path)).rdd.getNumPartitions()
    units = results["truthound, file units"][2].unit_count
    spark.stop()

    print(
        f"Python {platform.python_version()}, pyspark {pyspark.__version__}, "
        f"{os.cpu_count()} CPUs, "
        f"{platform.machine()}; {args.master}, driver memory {args.driver_memory}; "
        f"{args.rows:,} rows x 8 columns ({size_mb:,.0f} MB Parquet); "
        f"{units} file units, {partitions} DataFrame partitions; "
        f"idle session {idle:,.0f} MB\n"
    )
    print(
        "| run | runs | wall time, median (s) | all runs (s) | peak RSS, process tree (MB) "
        "| above the idle session (MB) |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for name, (wall, peak, _) in results.items():
        every = " / ".join(f"{w:.2f}" for w in runs[name])
        print(
            f"| {name} | {len(runs[name])} | {wall:.2f} | {every} | {peak:,.0f} "
            f"| {peak - idle:,.0f} |"
        )
    print()
    summary_time = results["Spark summary()"][0]
    for name in ("truthound, file units", "truthound, DataFrame"):
        wall, peak, profile = results[name]
        assert profile.row_count == args.rows, (name, profile.row_count)
        print(
            f"- {name}: {summary_time / wall:.2f}x the speed of summary() (medians), "
            f"{(peak - idle) / max(results['Spark summary()'][1] - idle, 1):.2f}x its memory "
            "above the idle session"
        )


if __name__ == "__main__":
    main()
