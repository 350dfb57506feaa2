"""Incremental re-profiling with the partial cache (issue #20): a lake of 24 Parquet files x 250k
rows, then a 25th file.

    flock /tmp/truthound-engine.lock python bench/bench_cache.py            # ~5 minutes, 2 cores
    flock /tmp/truthound-engine.lock python bench/bench_cache.py --repeat 3 --rows 50000

For each profiler (``DistributedProfiler.create("local")``: every core, threads; and
``tp.profile``, which with a cache runs that same plan on the local backend, and without one
profiles the lake in one pass) it measures, each run in a process of its own, the median of
``--repeat`` runs of:

- ``first``: the 24 files, cache on and empty (every unit computed and written);
- ``uncached``: the 24 files, no cache (what the cache costs on a first run);
- ``re-profile``: the 25 files with the 24 files' entries in the cache (a copy of the folder as
  the first run left it, for every repetition);
- ``fresh``: the 25 files, no cache;

(the bytes are compared with the local backend's uncached run of the same plan: for
``tp.profile`` that is not its own uncached one-unit plan);

and checks, with the partial bytes written by each process:

- the re-profile's partial equals the fresh run's, and it reports 24 hits and 1 miss;
- staleness: file 7 rewritten under the same name (other values), then a re-profile: 1 miss, and
  the bytes equal a fresh uncached run's of the new lake;
- corruption: one cache entry with a flipped byte, then a re-profile: a warning, 1 miss, and the
  bytes unchanged.

Time is the profile call inside the process (``time.perf_counter`` around it); the process's
whole wall time (interpreter start and imports included) is reported beside it. Data goes to
``bench/.data/cache/`` (git-ignored). Results: JSON on stdout's last line and a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / ".data" / "cache"
FILES = 24

_RUN = r"""
import hashlib, json, sys, time, warnings
warnings.simplefilter("always")
caught = []
warnings.showwarning = lambda message, *a, **k: caught.append(str(message))
kind, data, cache = sys.argv[1], sys.argv[2], sys.argv[3] or False
import truthound.profiler as tp
from truthound.profiler.distributed import DistributedProfiler
started = time.perf_counter()
if kind == "local":
    profile = DistributedProfiler.create("local", cache=cache).profile(data)
else:
    profile = tp.profile(data, cache=cache)
seconds = time.perf_counter() - started
print(json.dumps({
    "seconds": seconds,
    "cache": profile.cache,
    "units": profile.unit_count,
    "rows": profile.row_count,
    "sha256": hashlib.sha256(profile.partial).hexdigest(),
    "warnings": caught,
}))
"""


def generate(rows: int) -> tuple[Path, Path]:
    """``lake/`` with files 0..23 and ``spare/day-024.parquet`` (8 mixed columns each)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    lake, spare = DATA / f"lake-{rows}", DATA / f"spare-{rows}"
    done = lake / ".complete"
    if done.exists():
        return lake, spare
    shutil.rmtree(lake, ignore_errors=True)
    shutil.rmtree(spare, ignore_errors=True)
    lake.mkdir(parents=True)
    spare.mkdir(parents=True)
    cities = pa.array([f"city-{i:03d}" for i in range(200)])
    words = pa.array([f"sku-{i:07d}-{'x' * (i % 13)}" for i in range(200_000)])
    for day in range(FILES + 1):
        rng = np.random.default_rng(day)
        score = rng.normal(0, 1, rows)
        score[rng.random(rows) < 0.01] = np.nan
        table = pa.table(
            {
                "id": pa.array(np.arange(day * rows, (day + 1) * rows, dtype=np.int64)),
                "qty": pa.array(rng.integers(0, 100, rows, dtype=np.int32)),
                "customer": pa.array(rng.integers(0, 5_000_000, rows)),
                "price": pa.array(rng.lognormal(3, 1, rows)),
                "score": pa.array(score, mask=rng.random(rows) < 0.05),
                "city": cities.take(pa.array(rng.integers(0, len(cities), rows))),
                "sku": words.take(pa.array(rng.zipf(1.3, rows) % len(words))),
                "day": pa.array(np.full(rows, 19_000 + day).astype("datetime64[D]")),
            }
        )
        folder = lake if day < FILES else spare
        pq.write_table(table, folder / f"day-{day:03d}.parquet")
    done.touch()
    return lake, spare


def run(kind: str, data: Path, cache: Path | None) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _RUN, kind, str(data), str(cache) if cache else ""],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{kind} run failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    return result


def median_of(results: list[dict]) -> dict:
    return {
        "seconds": statistics.median(r["seconds"] for r in results),
        "wall": statistics.median(r["wall"] for r in results),
        "runs": [round(r["seconds"], 3) for r in results],
    }


def measure(kind: str, lake: Path, spare: Path, repeat: int, work: Path) -> dict:
    newest = lake / spare.joinpath("day-024.parquet").name
    newest.unlink(missing_ok=True)
    out: dict = {"profiler": kind, "load_before": os.getloadavg()}

    first_runs, snapshot = [], work / f"{kind}-24"
    for i in range(repeat):
        cache = work / f"{kind}-first-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        first_runs.append(run(kind, lake, cache))
        if i == 0:
            shutil.rmtree(snapshot, ignore_errors=True)
            shutil.copytree(cache, snapshot)
        shutil.rmtree(cache)
    out["first"] = median_of(first_runs) | {"cache": first_runs[0]["cache"]}
    out["uncached"] = median_of([run(kind, lake, None) for _ in range(repeat)])

    shutil.copy2(spare / "day-024.parquet", newest)
    again_runs = []
    for i in range(repeat):
        cache = work / f"{kind}-again-{i}"
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(snapshot, cache)
        again_runs.append(run(kind, lake, cache))
        shutil.rmtree(cache)
    fresh_runs = [run(kind, lake, None) for _ in range(repeat)]
    # The same plan without the cache: the local backend's automatic plan (tp.profile's own,
    # uncached, is one unit: other sketch bytes, the same exact statistics).
    same_plan = fresh_runs[0] if kind == "local" else run("local", lake, None)
    out["reprofile"] = median_of(again_runs) | {"cache": again_runs[0]["cache"]}
    out["fresh"] = median_of(fresh_runs)
    out["bytes_equal"] = all(r["sha256"] == same_plan["sha256"] for r in again_runs)
    out["ratio_to_first"] = out["reprofile"]["seconds"] / out["first"]["seconds"]
    out["ratio_to_fresh"] = out["reprofile"]["seconds"] / out["fresh"]["seconds"]

    # Corruption: one entry with a flipped byte.
    cache = work / f"{kind}-damaged"
    shutil.rmtree(cache, ignore_errors=True)
    shutil.copytree(snapshot, cache)
    run(kind, lake, cache)  # the 25th joins: 25 entries, all of this lake
    entries = sorted((cache / "entries").iterdir())
    raw = bytearray(entries[3].read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    entries[3].write_bytes(bytes(raw))
    corrupt = run(kind, lake, cache)
    out["corrupt"] = {
        "cache": corrupt["cache"],
        "bytes_equal": corrupt["sha256"] == same_plan["sha256"],
        "warnings": corrupt["warnings"],
    }

    # Staleness: a file rewritten under its own name (then put back as it was).
    victim = lake / "day-007.parquet"
    original, stat = victim.read_bytes(), victim.stat()
    try:
        import pyarrow.compute as pc
        import pyarrow.parquet as pq

        table = pq.read_table(victim)
        table = table.set_column(3, "price", pc.multiply(table["price"], 2.0))
        pq.write_table(table, victim)
        stale = run(kind, lake, cache)
        fresh_stale = run("local", lake, None)
    finally:
        victim.write_bytes(original)
        os.utime(victim, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    out["stale"] = {
        "cache": stale["cache"],
        "bytes_equal": stale["sha256"] == fresh_stale["sha256"],
        "changed": stale["sha256"] != same_plan["sha256"],
    }
    shutil.rmtree(cache)
    shutil.rmtree(snapshot)
    newest.unlink()
    out["cache_bytes"] = first_runs[0]["cache"]["bytes_written"]
    out["load_after"] = os.getloadavg()
    return out


def table(results: list[dict], rows: int) -> str:
    lines = [
        f"{FILES} Parquet files x {rows:,} rows (8 columns), then a 25th; median of "
        f"{len(results[0]['first']['runs'])} runs, seconds inside the process (whole process)",
        "",
        "| profiler | first run, 24 files (cache empty) | 24 files, no cache | "
        "re-profile, 25 files (24 cached) | 25 files, no cache | re-profile / first | "
        "hits / misses | bytes equal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r["reprofile"]["cache"]
        lines.append(
            f"| {r['profiler']} | {r['first']['seconds']:.2f} ({r['first']['wall']:.2f}) | "
            f"{r['uncached']['seconds']:.2f} ({r['uncached']['wall']:.2f}) | "
            f"{r['reprofile']['seconds']:.2f} ({r['reprofile']['wall']:.2f}) | "
            f"{r['fresh']['seconds']:.2f} ({r['fresh']['wall']:.2f}) | "
            f"{100 * r['ratio_to_first']:.1f} % | {c['hits']} / {c['misses']} | "
            f"{'yes' if r['bytes_equal'] else 'NO'} |"
        )
    loads = ", ".join(
        f"{r['profiler']}: {r['load_before'][0]:.1f} -> {r['load_after'][0]:.1f}" for r in results
    )
    lines += ["", f"1-minute load average before -> after each profiler's runs: {loads}"]
    lines += ["", "| profiler | rewritten file: hits / misses, bytes equal | corrupted entry: "
              "hits / misses, bytes equal, warned |", "|---|---|---|"]  # fmt: skip
    for r in results:
        s, k = r["stale"], r["corrupt"]
        lines.append(
            f"| {r['profiler']} | {s['cache']['hits']} / {s['cache']['misses']}, "
            f"{'yes' if s['bytes_equal'] else 'NO'} | {k['cache']['hits']} / "
            f"{k['cache']['misses']}, {'yes' if k['bytes_equal'] else 'NO'}, "
            f"{'yes' if k['warnings'] else 'NO'} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=250_000, help="rows per file")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measurement")
    parser.add_argument(
        "--profilers", default="local,tp.profile", help="local and/or tp.profile"
    )
    args = parser.parse_args(argv)
    lake, spare = generate(args.rows)
    work = DATA / "work"
    work.mkdir(parents=True, exist_ok=True)
    results = [
        measure(kind, lake, spare, args.repeat, work) for kind in args.profilers.split(",")
    ]
    print(table(results, args.rows))
    print(json.dumps({"rows": args.rows, "cpus": os.cpu_count(), "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

