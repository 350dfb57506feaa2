"""Merge at scale, simulated on one machine: partial sizes, and the fixed merge tree over 1,000 to
100,000 real partials of 10 and 200 columns.

    python bench/bench_merge_scale.py                 # everything (about 4 minutes on 2 idle cores)
    python bench/bench_merge_scale.py --quick         # smaller sizes and cases, for a smoke run
    python bench/bench_merge_scale.py --only scale --cases 100000x200

Three sections, each printed as a markdown table (docs/scaling.md quotes them) and saved together
as JSON (--json, default bench/.data/merge_scale.json):

* sizes -- bytes of a one-column partial by column kind and rows in the unit (exact phase while
  under the thresholds, sketch phase past them), and of the duplicate-row set;
* sketch -- time to merge sketch-phase partials (units of 150,000 rows), per column kind: the cost
  of one merge of real row-group-sized partials;
* scale -- the tree over N leaf partials of C columns. Each case runs in its own process (the
  "driver"), which starts two worker processes. A worker takes one level-0 group (64 consecutive
  units), profiles each unit from a freshly generated table (different data per unit, so distinct
  values keep growing with N) with ``_core.profile``, merges the group with ``merge_local`` and
  ships one partial; the driver folds what arrives, in any order, with ``TreeMerge``. Reported:
  bytes and partials per level, worker profile and merge time, driver merge time, peak RSS
  (VmHWM) of the driver and of each worker. The 1,000-unit cases also check that the result is
  byte-identical to ``_core.merge_tree`` over all leaves in one process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from truthound import _core
from truthound.profiler.merge_tree import (
    DEFAULT_FAN_IN,
    SHIPPING_BUDGET_OPTIONS,
    MergeTree,
    TreeMerge,
    merge_local,
)

ROWS_PER_UNIT = 4
SEED = 20261125
KINDS = (
    "int_low",  # 10 values
    "int_high",  # unique 62-bit ids
    "float",  # normal, every value distinct
    "str_low",  # 20 categories
    "str_high",  # unique 17-byte ids
    "timestamp",  # unique microseconds
    "bool",
    "int_mid",  # 1,000 values
    "date",  # 365 days
    "str_mid",  # 1,000 SKUs
)
SIZE_KINDS = KINDS + ("str_long",)  # unique 100-byte strings


# ---- data --------------------------------------------------------------------------------------


def _strings(prefix: str, ints: np.ndarray, width: int = 0) -> pa.Array:
    text = pc.cast(pa.array(ints), pa.string())
    if width:
        text = pc.utf8_lpad(text, width=width, padding="0")
    return pc.binary_join_element_wise(prefix, text, "")


def column(kind: str, rows: int, rng: np.random.Generator, first_row: int = 0) -> pa.Array:
    if kind == "int_low":
        return pa.array(rng.integers(0, 10, rows))
    if kind == "int_high":
        return pa.array(rng.integers(0, 2**62, rows))
    if kind == "float":
        return pa.array(rng.normal(100.0, 15.0, rows))
    if kind == "str_low":
        return _strings("cat-", rng.integers(0, 20, rows))
    if kind == "str_high":
        return _strings("user-", rng.integers(0, 10**12, rows), width=12)
    if kind == "str_long":
        return _strings("x" * 80, rng.integers(0, 10**18, rows), width=20)
    if kind == "timestamp":
        us = (
            1_700_000_000_000_000
            + (np.arange(rows) + first_row) * 1_000
            + rng.integers(0, 1_000, rows)
        )
        return pa.array(us, pa.timestamp("us"))
    if kind == "bool":
        return pa.array(rng.integers(0, 2, rows) == 1)
    if kind == "int_mid":
        return pa.array(rng.integers(0, 1_000, rows))
    if kind == "date":
        return pa.array(rng.integers(19_000, 19_365, rows).astype(np.int32), pa.date32())
    if kind == "str_mid":
        return _strings("sku-", rng.integers(0, 1_000, rows), width=4)
    raise ValueError(kind)


def group_table(group: int, units: int, columns: int, rows: int) -> pa.Table:
    """The rows of ``units`` consecutive units of one level-0 group; unit i of the group is rows
    ``[i * rows, (i + 1) * rows)``. Different data in every group (seeded by the group)."""
    rng = np.random.default_rng([SEED, group])
    n = units * rows
    first_row = group * DEFAULT_FAN_IN * rows
    return pa.table(
        {
            f"c{c:03d}_{KINDS[c % len(KINDS)]}": column(KINDS[c % len(KINDS)], n, rng, first_row)
            for c in range(columns)
        }
    )


def group_leaves(group: int, first: int, stop: int, columns: int) -> list[bytes]:
    """The leaf partials of units ``first..stop-1``: one ``_core.profile`` call per unit."""
    table = group_table(group, stop - first, columns, ROWS_PER_UNIT)
    return [
        _core.profile(table.slice((u - first) * ROWS_PER_UNIT, ROWS_PER_UNIT), unit_id=u)
        for u in range(first, stop)
    ]


def peak_rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


# ---- sizes -------------------------------------------------------------------------------------


def _sizes(row_counts: list[int], options: dict) -> dict:
    empty = len(
        _core.profile(pa.table({"c": pa.array([], pa.int64())}), track_rows=False, **options)
    )
    table: dict = {}
    for kind in SIZE_KINDS:
        table[kind] = {}
        for rows in row_counts:
            rng = np.random.default_rng([SEED, rows])
            blob = _core.profile(
                pa.table({"c": column(kind, rows, rng)}), track_rows=False, **options
            )
            d = _core.finalize(blob, top_n=0, histogram_bins=0, quantiles=[0.5])["columns"][0]
            table[kind][rows] = {
                "bytes": len(blob) - empty,
                "distinct_exact": d.get("distinct_exact"),
                "frequencies_exact": d.get("frequencies_exact"),
                "quantiles_exact": d.get("quantiles_exact"),
            }
    rowset = {}
    for rows in row_counts:
        t = pa.table({"c": column("int_high", rows, np.random.default_rng([SEED, rows]))})
        with_rows = _core.profile(t, track_rows=True, **options)
        rowset[rows] = len(with_rows) - len(_core.profile(t, track_rows=False, **options))
    return {
        "empty_partial_bytes": empty,
        "columns": table,
        "row_set_bytes": rowset,
        "options": options,
    }


def section_sizes(row_counts: list[int]) -> dict:
    return {
        "default": _sizes(row_counts, {}),
        "budget": _sizes(row_counts, SHIPPING_BUDGET_OPTIONS),
    }


def print_sizes(sizes: dict) -> None:
    for name, s in sizes.items():
        rows = list(next(iter(s["columns"].values())).keys())
        title = (
            "default options" if name == "default" else f"SHIPPING_BUDGET_OPTIONS {s['options']}"
        )
        print(f"\n### Partial bytes per column, {title} (one-column unit, row set apart)\n")
        print("| column kind | " + " | ".join(f"{int(r):,} rows" for r in rows) + " |")
        print("|---|" + "---:|" * len(rows))
        for kind, by_rows in s["columns"].items():
            cells = []
            for r in rows:
                c = by_rows[r]
                flags = (
                    ("D", "distinct_exact"),
                    ("F", "frequencies_exact"),
                    ("Q", "quantiles_exact"),
                )
                mark = "".join(flag for flag, key in flags if c[key] is False)
                cells.append(f"{c['bytes'] / 1024:,.1f} KB" + (f" ({mark})" if mark else ""))
            print(f"| {kind} | " + " | ".join(cells) + " |")
        row_cells = " | ".join(f"{s['row_set_bytes'][r] / 1024:,.1f} KB" for r in rows)
        print(f"| duplicate-row set (per table) | {row_cells} |")
    print(
        "\nD / F / Q: distinct count, frequencies, quantiles past their exact threshold (sketch phase)."
    )


# ---- sketch-phase merge cost -------------------------------------------------------------------


def section_sketch(rows: int, leaves: int) -> dict:
    out = {}
    for kind in KINDS:
        blobs = []
        for u in range(leaves):
            t = pa.table({"c": column(kind, rows, np.random.default_rng([SEED, 7, u]), u * rows)})
            blobs.append(_core.profile(t, unit_id=u, track_rows=False))
        start = time.perf_counter()
        merged = _core.merge_group(blobs)
        seconds = time.perf_counter() - start
        out[kind] = {
            "leaf_bytes": len(blobs[0]),
            "merged_bytes": len(merged),
            "ms_per_merge": seconds / leaves * 1e3,
        }
    return {"rows": rows, "leaves": leaves, "kinds": out}


def print_sketch(s: dict) -> None:
    print(
        f"\n### Merging sketch-phase partials ({s['rows']:,}-row units, {s['leaves']} leaves per node)\n"
    )
    print("| column kind | leaf partial | node partial | ms per leaf merged |")
    print("|---|---:|---:|---:|")
    for kind, c in s["kinds"].items():
        print(
            f"| {kind} | {c['leaf_bytes'] / 1024:,.1f} KB | {c['merged_bytes'] / 1024:,.1f} KB | {c['ms_per_merge']:.3f} |"
        )
    total = sum(c["ms_per_merge"] for c in s["kinds"].values())
    size = sum(c["leaf_bytes"] for c in s["kinds"].values())
    print(f"| **all {len(s['kinds'])} kinds** | {size / 1024:,.1f} KB | | {total:.3f} |")


# ---- scale -------------------------------------------------------------------------------------


def _worker_init() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")


def run_task(args: tuple[int, int, int, int]) -> tuple[int, bytes, dict]:
    """One task on a worker: an aligned subtree of fan_in**2 units (the last one shorter). Each
    level-0 group is profiled unit by unit and merged with ``merge_local``; the group's node goes
    into a streaming ``_core.TreeMerger``, which holds one open node per level. Ships one partial:
    the tree's level-1 node (or the root, for a plan of at most fan_in**2 units)."""
    task, first, stop, columns = args
    merger = _core.TreeMerger(DEFAULT_FAN_IN)
    profile_s = merge_s = 0.0
    leaf_bytes = max_leaf = 0
    for start in range(first, stop, DEFAULT_FAN_IN):
        end = min(stop, start + DEFAULT_FAN_IN)
        t0 = time.process_time()
        leaves = group_leaves(start // DEFAULT_FAN_IN, start, end, columns)
        t1 = time.process_time()
        merger.add(merge_local(leaves))
        profile_s += t1 - t0
        merge_s += time.process_time() - t1
        leaf_bytes += sum(len(b) for b in leaves)
        max_leaf = max(max_leaf, max(len(b) for b in leaves))
        del leaves
    t1 = time.process_time()
    node = merger.finish()
    merge_s += time.process_time() - t1
    inner = merger.stats()  # level 0 of this merger = level 1 of the plan's tree
    return (
        task,
        node,
        {
            "profile_s": profile_s,
            "merge_s": merge_s,
            "leaf_bytes": leaf_bytes,
            "max_leaf_bytes": max_leaf,
            "upper": [
                (lv["nodes"], lv["inputs"], lv["input_bytes"], lv["max_input_bytes"])
                for lv in inner
            ],
            "pid": os.getpid(),
            "rss_mib": peak_rss_mib(),
        },
    )


def run_case(units: int, columns: int, workers: int, check: bool) -> dict:
    plan = MergeTree(DEFAULT_FAN_IN).plan(units)
    task_size = DEFAULT_FAN_IN**2
    tasks = [(t, r.start, r.stop, columns) for t, r in enumerate(plan.task_ranges(task_size))]
    merge = TreeMerge(len(tasks), fan_in=DEFAULT_FAN_IN)  # the driver folds the tasks' nodes
    work = {"profile_s": 0.0, "merge_s": 0.0, "leaf_bytes": 0, "max_leaf_bytes": 0}
    upper: list[list[int]] = []  # per worker-side level above 0: nodes, inputs, bytes, max bytes
    worker_rss: dict[int, float] = {}
    driver_s = 0.0
    wall = time.perf_counter()
    ctx = mp.get_context("spawn")
    with ctx.Pool(workers, initializer=_worker_init) as pool:
        for task, node, info in pool.imap_unordered(run_task, tasks):
            for key in ("profile_s", "merge_s", "leaf_bytes"):
                work[key] += info[key]
            work["max_leaf_bytes"] = max(work["max_leaf_bytes"], info["max_leaf_bytes"])
            for i, (n, k, b, mx) in enumerate(info["upper"]):
                if len(upper) <= i:
                    upper.append([0, 0, 0, 0])
                upper[i][0] += n
                upper[i][1] += k
                upper[i][2] += b
                upper[i][3] = max(upper[i][3], mx)
            worker_rss[info["pid"]] = max(worker_rss.get(info["pid"], 0.0), info["rss_mib"])
            t = time.perf_counter()
            merge.add(task, node)
            driver_s += time.perf_counter() - t
    t = time.perf_counter()
    root = merge.result()
    driver_s += time.perf_counter() - t
    wall = time.perf_counter() - wall
    driver_rss = peak_rss_mib()  # before the check below holds every leaf at once
    stats = merge.stats
    levels = [
        {
            "nodes": plan.level_sizes[0],
            "inputs": units,
            "bytes": work["leaf_bytes"],
            "max_partial_bytes": work["max_leaf_bytes"],
            "where": "worker",
        }
    ]
    for n, k, b, mx in upper:
        levels.append(
            {"nodes": n, "inputs": k, "bytes": b, "max_partial_bytes": mx, "where": "worker"}
        )
    if len(tasks) > 1:
        for n, k, b, mx in zip(
            stats.nodes_per_level,
            stats.inputs_per_level,
            stats.bytes_per_level,
            stats.max_partial_bytes_per_level,
        ):
            levels.append(
                {"nodes": n, "inputs": k, "bytes": b, "max_partial_bytes": mx, "where": "driver"}
            )
    # Levels that merged a single partial are not levels of the plan's tree.
    levels = [lv for lv in levels if lv["inputs"] > lv["nodes"] or lv is levels[0]]
    assert [lv["nodes"] for lv in levels] == list(plan.level_sizes), (levels, plan.level_sizes)
    result = _core.finalize(root, top_n=1, histogram_bins=0, quantiles=[0.5])
    assert result["rows"] == units * ROWS_PER_UNIT and result["units"] == units
    identical = None
    if check:
        leaves = [
            b
            for g in range(plan.level_sizes[0])
            for b in group_leaves(g, g * 64, min(units, g * 64 + 64), columns)
        ]
        identical = _core.merge_tree(leaves) == root
        del leaves
    return {
        "units": units,
        "columns": columns,
        "rows": units * ROWS_PER_UNIT,
        "workers": workers,
        "tasks": len(tasks),
        "levels": levels,
        "partials_received_by_driver": len(tasks),
        "bytes_received_by_driver": sum(len(b) for b in [root])
        if len(tasks) == 1
        else stats.bytes_received_by_driver,
        "root_bytes": len(root),
        "root_sha256": hashlib.sha256(root).hexdigest(),
        "columns_distinct_exact": sum(1 for c in result["columns"] if c.get("distinct_exact")),
        "columns_frequencies_exact": sum(
            1 for c in result["columns"] if c.get("frequencies_exact")
        ),
        "worker_profile_cpu_s": work["profile_s"],
        "worker_merge_cpu_s": work["merge_s"],
        "driver_merge_s": driver_s,
        "wall_s": wall,
        "driver_peak_rss_mib": driver_rss,
        "worker_peak_rss_mib": max(worker_rss.values()),
        "load_average": os.getloadavg(),
        "identical_to_one_process_tree": identical,
    }


def section_scale(cases: list[tuple[int, int]], workers: int) -> list[dict]:
    results = []
    for units, columns in cases:
        cmd = [sys.executable, __file__, "--case", f"{units}x{columns}", "--workers", str(workers)]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(r)
        print(
            f"  {units:,} x {columns}: wall {r['wall_s']:.1f} s, driver RSS {r['driver_peak_rss_mib']:.0f} MiB",
            file=sys.stderr,
        )
    return results


def print_scale(results: list[dict]) -> None:
    print(
        f"\n### The tree over N partials (fan_in {DEFAULT_FAN_IN}, {ROWS_PER_UNIT} rows a unit)\n"
    )
    print(
        "| partials × columns | per level: partials in, MiB in (largest partial) | driver receives | "
        "worker CPU s: profile / merge | driver merge s | wall s | peak RSS driver / worker | identical |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for r in results:
        levels = "<br>".join(
            f"L{i} ({lv['where']}): {lv['inputs']:,}, {lv['bytes'] / 2**20:,.1f} "
            f"({lv['max_partial_bytes'] / 2**20:,.2f})"
            for i, lv in enumerate(r["levels"])
        )
        identical = {None: "–", True: "yes", False: "**NO**"}[r["identical_to_one_process_tree"]]
        print(
            f"| {r['units']:,} × {r['columns']} | {levels} | {r['partials_received_by_driver']} | "
            f"{r['worker_profile_cpu_s']:.1f} / {r['worker_merge_cpu_s']:.1f} | {r['driver_merge_s']:.1f} | "
            f"{r['wall_s']:.1f} | {r['driver_peak_rss_mib']:,.0f} / {r['worker_peak_rss_mib']:,.0f} MiB | {identical} |"
        )


# ---- main --------------------------------------------------------------------------------------


def parse_cases(text: str) -> list[tuple[int, int]]:
    cases = []
    for item in text.split(","):
        units, columns = item.lower().split("x")
        cases.append((int(units), int(columns)))
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and cases (a smoke run)")
    parser.add_argument("--only", choices=("sizes", "sketch", "scale"), action="append")
    parser.add_argument(
        "--cases", help="scale cases as UNITSxCOLUMNS,... (default 1000x10,...,100000x200)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", default=str(Path(__file__).parent / ".data" / "merge_scale.json"))
    parser.add_argument(
        "--case", help=argparse.SUPPRESS
    )  # internal: run one scale case, print JSON
    args = parser.parse_args()

    if args.case:
        ((units, columns),) = parse_cases(args.case)
        print(
            json.dumps(run_case(units, columns, args.workers, check=units * columns <= 1_000_000))
        )
        return

    sections = set(args.only or ("sizes", "sketch", "scale"))
    if args.cases:
        cases = parse_cases(args.cases)
    elif args.quick:
        cases = [(1_000, 10), (1_000, 200), (10_000, 10)]
    else:
        cases = [(n, c) for c in (10, 200) for n in (1_000, 10_000, 100_000)]
    results: dict = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "fan_in": DEFAULT_FAN_IN,
        "rows_per_unit": ROWS_PER_UNIT,
    }
    started = time.perf_counter()
    if "sizes" in sections:
        rows = [1_000, 10_000, 100_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
        results["sizes"] = section_sizes(rows)
        print_sizes(results["sizes"])
    if "sketch" in sections:
        results["sketch"] = section_sketch(150_000, 4 if args.quick else 16)
        print_sketch(results["sketch"])
    if "scale" in sections:
        results["scale"] = section_scale(cases, args.workers)
        print_scale(results["scale"])
    results["seconds"] = time.perf_counter() - started
    print(f"\n(total {results['seconds']:.0f} s)")
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
