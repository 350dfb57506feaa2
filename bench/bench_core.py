"""Core kernel throughput: an in-memory Arrow table of 10M rows × (4 float64 + 2 int64), full
numeric profile on one thread, beside a plain sum over the same columns in the same run (the
memory-bandwidth reference). Also reports the partial-state size per column after one unit.

    python bench/bench_core.py [--rows N] [--repeats K]

Prints a markdown table; docs/benchmarks.md quotes it.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import pyarrow as pa

from truthound import _core


def make_table(rows: int) -> pa.Table:
    rng = np.random.default_rng(1)
    cols = {
        "f_normal": rng.normal(100, 15, rows),
        "f_uniform": rng.random(rows),
        "f_lognormal": rng.lognormal(0, 1, rows),
        "f_rounded": np.round(rng.normal(0, 1000, rows), 2),
        "i_wide": rng.integers(-(10**12), 10**12, rows),
        "i_small": rng.integers(0, 1000, rows),
    }
    return pa.table(cols)


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    table = make_table(args.rows)
    arrays = [c.chunk(0).to_numpy() for c in table.columns]
    cells = args.rows * table.num_columns

    sum_s = median_time(lambda: [a.sum() for a in arrays], args.repeats)
    profile_s = median_time(lambda: _core.profile(table, track_rows=False), args.repeats)
    profile_rows_s = median_time(lambda: _core.profile(table), max(1, args.repeats // 2))

    blob = _core.profile(table, track_rows=False)
    one_column = [_core.profile(table.select([name]), track_rows=False) for name in table.column_names]

    print(f"machine: {platform.processor() or platform.machine()}, numpy {np.__version__}, pyarrow {pa.__version__}")
    print(f"rows {args.rows:,}, columns {table.num_columns}, cells {cells:,}, median of {args.repeats} runs\n")
    print("| work | time (s) | cells/s | vs plain sum |")
    print("|---|---|---|---|")
    print(f"| plain sum (numpy, 1 thread) | {sum_s:.3f} | {cells / sum_s / 1e6:,.0f} M | 1.0× |")
    print(f"| full profile, no duplicate-row tracking | {profile_s:.3f} | {cells / profile_s / 1e6:,.0f} M | {profile_s / sum_s:.1f}× slower |")
    print(f"| full profile with duplicate-row tracking | {profile_rows_s:.3f} | {cells / profile_rows_s / 1e6:,.0f} M | {profile_rows_s / sum_s:.1f}× slower |")
    print()
    print(f"partial size, all 6 columns: {len(blob):,} bytes")
    print("| column | partial bytes (one column, one unit) |")
    print("|---|---|")
    for name, b in zip(table.column_names, one_column):
        print(f"| {name} | {len(b):,} |")


if __name__ == "__main__":
    main()
