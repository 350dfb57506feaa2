"""Comparing two saved profiles of 1,000 columns: ``tp.compare`` on the two JSON files (load,
decode the merged state, every column's drift and deltas, the JSON out) and ``th diff`` end to
end (a fresh process, imports included).

    flock /tmp/truthound-engine.lock python bench/bench_compare.py            # 1,000 x 100k
    python bench/bench_compare.py --rows 20000 --repeats 3                    # a smoke run

The two tables have eight column kinds in turn (integers, normal and log-normal floats,
categories, identifiers, booleans, timestamps, floats with NaN and inf), the second drawn with
another seed and a shift in a tenth of the columns. Profiling them is not timed. Prints a
markdown table for docs/benchmarks.md: median of --repeats runs, the sizes of the saved profiles
and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

import truthound.profiler as tp

KINDS = ("int", "norm", "lognorm", "cat", "id", "bool", "ts", "special")


def table(columns: int, rows: int, seed: int, shift: bool) -> pa.Table:
    rng = np.random.default_rng(seed)
    base = np.datetime64("2026-01-01T00:00:00")
    data = {}
    for i in range(columns):
        kind = KINDS[i % len(KINDS)]
        moved = shift and i % 10 == 0
        mask = rng.random(rows) < (0.3 if i % 13 == 0 else 0.02)
        if kind == "int":
            values = rng.integers(0, 1000 + (200 if moved else 0), rows)
        elif kind == "norm":
            values = rng.normal(50 + (5 if moved else 0), 10, rows)
        elif kind == "lognorm":
            values = rng.lognormal(0.3 if moved else 0, 1.2, rows)
        elif kind == "cat":
            values = rng.choice(
                ["red", "green", "blue", "amber", "teal" if moved else "grey"], rows
            )
        elif kind == "id":
            values = np.char.add(f"id-{seed}-", np.arange(rows).astype(str))
        elif kind == "bool":
            values = rng.random(rows) < (0.5 if moved else 0.3)
        elif kind == "ts":
            values = base + rng.integers(0, 86400 * 90, rows).astype("timedelta64[s]")
        else:
            values = rng.normal(0, 1, rows)
            values[:3] = [np.nan, np.inf, -np.inf]
        data[f"col_{i:04d}_{kind}"] = pa.array(values, mask=mask)
    return pa.table(data)


def median_seconds(fn, repeats: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for seed, shift in ((1, False), (2, True)):
            path = Path(tmp) / f"profile-{seed}.json"
            tp.profile(table(args.columns, args.rows, seed, shift)).save(path)
            paths.append(path)
        sizes = [p.stat().st_size for p in paths]

        def api() -> None:
            tp.compare(*paths).to_json()

        api_s, api_all = median_seconds(api, args.repeats)
        result = tp.compare(*paths)
        cli = [sys.executable, "-m", "truthound.cli", "diff", *map(str, paths), "--format", "json"]

        def command() -> None:
            subprocess.run([*cli, "-o", os.devnull], check=True)

        cli_s, cli_all = median_seconds(command, args.repeats)
        load_s, _ = median_seconds(lambda: [tp.TableProfile.load(p) for p in paths], args.repeats)
    load_end = os.getloadavg()[0]
    exact = sum(c.drift is not None and c.drift.error == 0 for c in result.columns)
    print(f"{args.columns:,} columns x {args.rows:,} rows, median of {args.repeats} runs")
    print(f"load average {load_start:.2f} at the start, {load_end:.2f} at the end\n")
    print("| step | median | runs |")
    print("|---|---|---|")
    print(f"| load both saved profiles (JSON + base64 state) | {load_s:.3f} s | |")
    print(
        f"| `tp.compare(a.json, b.json).to_json()` | {api_s:.3f} s | {', '.join(f'{t:.2f}' for t in api_all)} |"
    )
    print(
        f"| `th diff a.json b.json --format json` (new process) | {cli_s:.3f} s | {', '.join(f'{t:.2f}' for t in cli_all)} |"
    )
    print(
        f"\nsaved profiles {sizes[0] / 1e6:.1f} MB and {sizes[1] / 1e6:.1f} MB; "
        f"{len(result.drifted_columns)} of {result.summary['columns_compared']} columns drifted; "
        f"{exact} drift scores exact, the rest from sketches"
    )
    print(json.dumps({"api_s": api_s, "cli_s": cli_s, "load_s": load_s, "bytes": sizes}))


if __name__ == "__main__":
    main()
