"""Merging many whole profiles (issue #14): ``ProfileMerger().merge`` of N profiles of C columns ×
R rows.

    flock /tmp/truthound-engine.lock python bench/bench_merge_profiles.py            # 4,000 × 50 × 2,000
    python bench/bench_merge_profiles.py --profiles 400 --distinct 100

``--distinct`` different profiles (partial bytes of C columns × R rows, each from its own data) are
built and held first; the merge takes them ``--profiles`` times in turn (cycling), so it decodes and
folds N real inputs while memory holds only the distinct ones (4,000 distinct 50-column partials
do not fit in memory while a column's partial is tens of KB). Reports the merge's time (streaming
fold plus the final finalize) and the peak RSS it adds on top of holding the inputs (VmHWM after the
merge minus VmRSS before it), the mean partial size, and the most decoded states the engine held at
once (``_core.peak_decoded_states``).
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pyarrow as pa

from truthound import _core
from truthound.profiler.distributed import ProfileMerger
from truthound.profiler.settings import ProfileSettings


def _status(field: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def table(index: int, columns: int, rows: int) -> pa.Table:
    rng = np.random.default_rng(index)
    data = {}
    for c in range(columns):
        kind = c % 3
        if kind == 0:
            data[f"i{c}"] = pa.array(rng.integers(0, 1_000_000, rows))
        elif kind == 1:
            data[f"f{c}"] = pa.array(rng.normal(size=rows))
        else:
            data[f"s{c}"] = pa.array([f"v{v}" for v in rng.integers(0, 5_000, rows)])
    return pa.table(data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profiles", type=int, default=4_000)
    parser.add_argument("--columns", type=int, default=50)
    parser.add_argument("--rows", type=int, default=2_000)
    parser.add_argument("--distinct", type=int, default=100)
    args = parser.parse_args()
    settings = ProfileSettings()
    started = time.perf_counter()
    base = table(0, args.columns, args.rows)
    profiles = []
    for i in range(min(args.distinct, args.profiles)):
        # a fresh table every 50 profiles, the others shift its integers: distinct values grow
        if i % 50 == 0:
            base = table(i, args.columns, args.rows)
        shifted = pa.array(np.asarray(base.column(0)) + i)
        part = base if i % 50 == 0 else base.set_column(0, base.field(0), shifted)
        profiles.append(_core.profile(part, unit_id=0, **settings.engine_options()))
    built = time.perf_counter() - started
    partial_kib = sum(len(p) for p in profiles) / len(profiles) / 1024
    rss_before = _status("VmRSS")
    hwm_before = _status("VmHWM")
    _core.reset_peak_decoded_states()
    t0 = time.perf_counter()
    merged = ProfileMerger().merge(profiles[i % len(profiles)] for i in range(args.profiles))
    seconds = time.perf_counter() - t0
    hwm_after = _status("VmHWM")
    result = {
        "profiles": args.profiles,
        "columns": args.columns,
        "rows": args.rows,
        "build_seconds": round(built, 1),
        "mean_partial_kib": round(partial_kib, 1),
        "distinct_inputs": len(profiles),
        "rss_holding_profiles_mib": round(rss_before, 1),
        "merge_seconds": round(seconds, 2),
        "added_peak_rss_mib": round(max(0.0, hwm_after - max(rss_before, 0)), 1),
        "peak_before_merge_mib": round(hwm_before, 1),
        "peak_decoded_states": _core.peak_decoded_states(),
        "merged_rows": merged.row_count,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
