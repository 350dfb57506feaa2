"""Pattern detection's cost: a 10M-row string column of mixed emails, UUIDs and free text,
profiled with and without patterns (median of several runs, one thread).

    python bench/bench_patterns.py [--rows N] [--repeats K]
"""

from __future__ import annotations

import argparse
import uuid

import numpy as np
import pyarrow as pa
from bench_core import median_time  # this folder is on sys.path when run as a script

from truthound import _core


def make_column(rows: int) -> pa.Table:
    rng = np.random.default_rng(3)
    pool_size = 200_000
    emails = [f"user{i}@example{i % 97}.com" for i in range(pool_size)]
    uuids = [str(uuid.UUID(int=int(x))) for x in rng.integers(0, 2**63, pool_size)]
    words = ["the", "quick", "brown", "fox", "jumps", "over", "lazy", "dog", "data", "profile"]
    texts = [" ".join(rng.choice(words, 5)) for _ in range(pool_size)]
    pool = pa.array(emails + uuids + texts)
    idx = rng.integers(0, len(pool), rows)
    return pa.table({"s": pool.take(pa.array(idx))})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    table = make_column(args.rows)
    off = median_time(lambda: _core.profile(table, track_rows=False, pattern_sample_size=0), args.repeats)
    on = median_time(lambda: _core.profile(table, track_rows=False), args.repeats)
    print(f"rows {args.rows:,}, median of {args.repeats} runs, one thread\n")
    print("| run | time (s) | values/s |")
    print("|---|---|---|")
    print(f"| without patterns | {off:.2f} | {args.rows / off / 1e6:.1f} M |")
    print(f"| with patterns | {on:.2f} | {args.rows / on / 1e6:.1f} M |")
    print(f"\nthroughput with patterns: {off / on:.0%} of without (target ≥ 60 %)")


if __name__ == "__main__":
    main()
