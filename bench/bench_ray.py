"""Ray benchmark: the Ray backend beside the local backend and Ray Data's own statistics.

    flock /tmp/truthound-engine.lock python bench/bench_ray.py            # 10M rows x 8 columns
    flock /tmp/truthound-engine.lock python bench/bench_ray.py --rows 1000000 --repeat 1

The Parquet file is bench/bench_local.py's (10 row groups of 1M rows; generated and cached under
``bench/.data/``). Each measurement runs in its own process, one after another (one engine at a
time on the machine), on a local Ray of 2 CPUs started by that process:

- **local**: ``LocalBackend(2).profile(path)``, 2 threads, the baseline;
- **Ray, path**: ``RayBackend().profile_file(path)``: units planned on the driver, one task per
  unit, each worker reads its own row groups;
- **Ray, Dataset**: ``RayBackend().profile(ray.data.read_parquet(path))``: Ray Data reads the file
  into blocks in the object store, then one task per block;
- **Ray Data's own statistics**: ``ds.summary()`` (count, mean, min, max, std, approximate median
  and top-k, missing and zero shares per column; needs the ``datasketches`` package; one run: it
  takes minutes), and ``ds.aggregate`` of Count and Mean/Std/Min/Max of every numeric column
  (timed like ours).

*cold* is a process's first run (for Ray: worker processes start and import truthound), *warm*
the median of the ``--repeat`` runs after it (3 by default); the output says how many runs each
row is. Ratios are between the medians of the same invocation.

Reported: wall time of the profile call (Ray's start-up apart), peak RSS of the driver process,
peak of the summed RSS of the driver and every process it started (raylet, workers; object-store
pages count once per process that maps them, so this overstates), and the time relative to local.
The profiles of local and of "Ray, path" are checked to be byte-identical (timings aside).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OBJECT_STORE = 2 << 30  # room for a 10M-row dataset's blocks without spilling
KINDS = ("local", "ray-path", "ray-dataset", "ray-summary", "ray-aggregate")


# -- one measurement (a child process) --------------------------------------------------------------


class _TreeRss:
    """Samples the summed RSS of this process and its descendants every 0.1 s."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import psutil

        while not self._stop.wait(0.1):
            total = 0
            for p in [self._me, *self._me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:  # exited between listing and reading
                    pass
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 1e6


def _untimed(profile) -> str:
    d = profile.to_dict()
    for key in ("profiled_at", "profile_duration_ms", "backend"):
        d.pop(key)
    for c in d["columns"]:
        c.pop("profiled_at")
        c.pop("profile_duration_ms")
    return json.dumps(d, sort_keys=True)


def _summary(ds) -> str:
    """Ray Data's ``ds.summary()``; returns "summary", or "" where it cannot run here."""
    if not hasattr(ds, "summary"):
        return ""
    try:
        ds.summary().to_pandas()
    except ImportError as exc:  # its approximate quantiles need the datasketches package
        print(f"ds.summary() unavailable: {exc}", file=sys.stderr)
        return ""
    return "summary"


def _aggregate(ds) -> str:
    """Ray Data aggregates: Count, and Mean/Std/Min/Max of every numeric column, in one pass."""
    from ray.data.aggregate import Count, Max, Mean, Min, Std

    numeric = [
        f.name
        for f in ds.schema().base_schema
        if str(f.type).startswith(("int", "uint", "float", "double"))
    ]
    ds.aggregate(Count(), *[a(c) for c in numeric for a in (Mean, Std, Min, Max)])
    return "aggregate"


def child(kind: str, path: str, repeat: int) -> dict:
    """Run ``kind`` ``1 + repeat`` times (once for ``ds.summary()``): the first run is the cold
    one; the median of the others is the warm time."""
    tree = _TreeRss()
    startup = 0.0
    times: list[float] = []
    digest = rows = method = None

    def timed(fn):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
        return result

    if kind == "local":
        from truthound.profiler.distributed import LocalBackend

        backend = LocalBackend(2)
        for _ in range(1 + repeat):
            profile = timed(lambda: backend.profile(path))
        digest, rows = _untimed(profile), profile.row_count
    else:
        import logging

        import ray

        started = time.perf_counter()
        ray.init(
            address="local",
            num_cpus=2,
            object_store_memory=OBJECT_STORE,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.WARNING,
        )
        startup = time.perf_counter() - started
        import ray.data

        ray.data.DataContext.get_current().enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        from truthound.profiler.distributed import RayBackend

        backend = RayBackend()
        if kind == "ray-path":
            for _ in range(1 + repeat):
                profile = timed(lambda: backend.profile_file(path))
        elif kind == "ray-dataset":
            for _ in range(1 + repeat):
                profile = timed(lambda: backend.profile(ray.data.read_parquet(path)))
        elif kind == "ray-summary":
            method = timed(lambda: _summary(ray.data.read_parquet(path)))
        else:
            for _ in range(1 + repeat):
                method = timed(lambda: _aggregate(ray.data.read_parquet(path)))
        if kind in ("ray-path", "ray-dataset"):
            digest, rows = _untimed(profile), profile.row_count
        ray.shutdown()
    driver_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "kind": kind,
        "startup": startup,
        "times": times,
        "driver_peak_mb": driver_peak,
        "tree_peak_mb": tree.stop(),
        "rows": rows,
        "digest": digest,
        "method": method,
    }


# -- the driver of the benchmark ----------------------------------------------------------------------


def run(kind: str, path: Path, repeat: int) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--path", str(path), "--repeat", str(repeat)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(
            f"{kind} failed ({done.returncode}):\n{done.stdout}\n{done.stderr[-4000:]}"
        )
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument(
        "--repeat", type=int, default=3, help="warm runs per measurement after the first (median)"
    )
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.path, args.repeat)))
        return

    sys.path.insert(0, str(HERE.parent))
    from bench.bench_local import dataset

    path, _ = dataset(args.rows)
    size_mb = path.stat().st_size / 1e6
    results = {kind: run(kind, path, args.repeat) for kind in KINDS}

    import ray

    def warm(kind: str) -> float:
        return statistics.median(results[kind]["times"][1:])

    local = warm("local")
    n = args.repeat
    print(
        f"Python {platform.python_version()}, Ray {ray.__version__}, {os.cpu_count()} CPUs, "
        f"{platform.machine()}; {args.rows:,} rows x 8 columns, Parquet {size_mb:,.0f} MB; "
        f"Ray: local cluster of 2 CPUs, {OBJECT_STORE >> 20} MB object store\n"
    )
    print("| run | wall time (s) | vs local | driver peak RSS (MB) | all processes peak RSS (MB) |")
    print("|---|---:|---:|---:|---:|")

    def row(label: str, seconds: float, r: dict) -> None:
        print(
            f"| {label} | {seconds:.2f} | {seconds / local:.2f}x | "
            f"{r['driver_peak_mb']:,.0f} | {r['tree_peak_mb']:,.0f} |"
        )

    row(f"local backend, 2 threads (warm: median of {n})", local, results["local"])
    row(
        "local backend, 2 threads (cold: first run)", results["local"]["times"][0], results["local"]
    )
    path_times = results["ray-path"]["times"]
    row(f"Ray backend, path (warm: median of {n})", warm("ray-path"), results["ray-path"])
    row("Ray backend, path (cold: first run, workers start)", path_times[0], results["ray-path"])
    row(
        f"Ray backend, Ray Dataset: read_parquet + profile (warm: median of {n})",
        warm("ray-dataset"),
        results["ray-dataset"],
    )
    if results["ray-summary"]["method"]:
        row(
            "Ray Data `ds.summary()` (one run, the process's first)",
            results["ray-summary"]["times"][0],
            results["ray-summary"],
        )
    row(
        f"Ray Data `ds.aggregate(Count, Mean, Std, Min, Max)` (warm: median of {n})",
        warm("ray-aggregate"),
        results["ray-aggregate"],
    )
    print()
    for kind, label in (("ray-path", "path"), ("ray-dataset", "Ray Dataset")):
        extra = warm(kind) - local
        print(
            f"- overhead of Ray vs local, {label} (warm medians): {extra:+.2f} s "
            f"({extra / local:+.0%}); driver peak RSS {results[kind]['driver_peak_mb']:,.0f} MB "
            f"vs local {results['local']['driver_peak_mb']:,.0f} MB"
        )
    if results["ray-summary"]["method"]:
        print(
            "- Ray Data `ds.summary()` / Ray backend (path): "
            f"{results['ray-summary']['times'][0] / warm('ray-path'):.1f}x the time"
        )
    print(
        "- Ray Data `ds.aggregate` / Ray backend (path), warm medians: "
        f"{warm('ray-aggregate') / warm('ray-path'):.2f}x the time"
    )
    startup = results["ray-path"]["startup"]
    print(f"- Ray start-up (`ray.init`, not in the times above): {startup:.1f} s")
    same = results["ray-path"]["digest"] == results["local"]["digest"]
    print(f"- Ray backend (path) profile byte-identical to local, timings aside: {same}")
    print(
        f"- rows profiled: local {results['local']['rows']:,}, "
        f"Ray path {results['ray-path']['rows']:,}, Ray Dataset {results['ray-dataset']['rows']:,}"
    )


if __name__ == "__main__":
    main()
