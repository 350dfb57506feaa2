"""Memory benchmark (issue #14): time and peak RSS of wide and many-column profiles, each case in
its own fresh process (peak RSS from os.wait4, so nothing of an earlier case counts).

    flock /tmp/truthound-engine.lock python bench/bench_memory.py [--repeats 3] [--case NAME ...]

Cases:
  - ``unit-2x100k``: one 2-row x 100,000-column int64 unit through ``_core.profile`` (the kernel
    alone: per-column cost of small states), and the same unit merged with itself;
  - ``mem-20000x5000``: 20,000 int64 columns x 5,000 rows in memory (800 MB) through
    ``tp.profile``; the target is peak RSS < 2x the data (BENCH_COLUMNS=2000 for a smaller run);
  - ``csv-100000x3``: a 100,000-column x 3-row CSV through ``tp.profile`` (target < 10 s, < 1 GiB);
  - ``wide-1000x100k``: the suite's wide Parquet table (1,000 columns x 100,000 rows,
    bench/suite/data.py) through ``tp.profile`` (target <= 600 MB).

Every case is killed past TRUTHOUND_BENCH_RSS_LIMIT_MB (8 GiB) resident, and reported so.
Prints a markdown table of medians; docs/benchmarks.md quotes it.
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

import psutil

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / ".data" / "memory"
LIMIT_MB = float(os.environ.get("TRUTHOUND_BENCH_RSS_LIMIT_MB", "8192"))

CASES: dict[str, str] = {
    "unit-2x100k": """
import time, numpy as np, pyarrow as pa
from truthound import _core
cols = 100_000
t = pa.table({f"c{i}": pa.array(np.array([i, i + 1], dtype=np.int64)) for i in range(cols)})
data = t.nbytes
start = time.perf_counter()
blob = _core.profile(t, track_rows=False)
profile_s = time.perf_counter() - start
start = time.perf_counter()
merged = _core.merge([blob, _core.profile(t, unit_id=1, track_rows=False)])
merge_s = time.perf_counter() - start
start = time.perf_counter()
_core.finalize(merged)
finalize_s = time.perf_counter() - start
RESULT = {"data_mb": data / 2**20, "profile_s": profile_s, "merge_s": merge_s,
          "finalize_s": finalize_s, "us_per_column": profile_s / cols * 1e6,
          "partial_bytes_per_column": len(blob) / cols}
""",
    "mem-20000x5000": """
import time, numpy as np, pyarrow as pa
import truthound.profiler as tp
rng = np.random.default_rng(14)
import os
cols, rows = int(os.environ.get("BENCH_COLUMNS", "20000")), 5_000
block = rng.integers(0, 1_000_000, (rows, cols))
t = pa.table({f"c{i}": pa.array(block[:, i]) for i in range(cols)})
del block
data = t.nbytes
start = time.perf_counter()
p = tp.profile(t, include_patterns=False)
RESULT = {"data_mb": data / 2**20, "seconds": time.perf_counter() - start, "columns": len(p.columns)}
""",
    "csv-100000x3": """
import time
import truthound.profiler as tp
start = time.perf_counter()
p = tp.profile(PATH)
RESULT = {"seconds": time.perf_counter() - start, "columns": len(p.columns)}
""",
    "wide-1000x100k": """
import time
import truthound.profiler as tp
start = time.perf_counter()
p = tp.profile(PATH)
RESULT = {"seconds": time.perf_counter() - start, "columns": len(p.columns)}
""",
}


def _csv_path() -> Path:
    path = DATA / "wide-100000x3.csv"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        cols = 100_000
        with open(path, "w") as f:
            f.write(",".join(f"c{i}" for i in range(cols)) + "\n")
            for r in range(3):
                f.write(",".join(str(i * 3 + r) for i in range(cols)) + "\n")
    return path


def _wide_path() -> Path:
    sys.path.insert(0, str(ROOT))
    from bench.suite import data

    return data.wide(1000, 100_000).path


def run_case(name: str) -> dict:
    code = CASES[name]
    if name == "csv-100000x3":
        code = f"PATH = {str(_csv_path())!r}\n" + code
    elif name == "wide-1000x100k":
        code = f"PATH = {str(_wide_path())!r}\n" + code
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        code += f"\nimport json\njson.dump(RESULT, open({out.name!r}, 'w'))\n"
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", code])
        # A guard: the machine is shared, so a case past the limit is killed and reported as such.
        proc = psutil.Process(child.pid)
        killed = None
        while True:
            pid, status, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            try:
                rss = proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
            if rss > LIMIT_MB * 2**20:
                killed = rss / 2**20
                child.kill()
            time.sleep(0.05)
        wall = time.perf_counter() - started
        if killed:
            return {"killed_at_mb": killed, "peak_rss_mb": killed, "process_s": wall, "seconds": wall}
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"case {name} failed with status {status}")
        result = json.load(open(out.name))
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    result["process_s"] = wall
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--case", action="append", choices=sorted(CASES))
    args = parser.parse_args()
    print("| case | runs | time (s, median) | process (s) | peak RSS (MB, median) | notes |")
    print("|---|---:|---:|---:|---:|---|")
    for name in args.case or list(CASES):
        runs = [run_case(name) for _ in range(args.repeats)]
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0] if isinstance(runs[0][k], (int, float))}
        seconds = med.get("seconds", med.get("profile_s"))
        notes = ", ".join(
            f"{k} {v:,.3g}" for k, v in med.items() if k not in ("seconds", "peak_rss_mb", "process_s")
        )
        print(
            f"| {name} | {len(runs)} | {seconds:.3f} | {med['process_s']:.2f} | "
            f"{med['peak_rss_mb']:,.0f} | {notes} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
