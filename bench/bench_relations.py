"""What relationships between columns cost (#18): the kernel with and without the relations
state (co-moments, nullity counts, the row sample), and whole profiles with and without them.

    flock /tmp/truthound-engine.lock python bench/bench_relations.py --repeat 7

Data: TPC-H lineitem SF1 and the wide 1,000 x 100k table of the benchmark suite
(``bench/suite/data.py``; generated on first use under ``bench/.data/suite/``). The kernel runs
on a table already in memory, one thread (``_core.profile``), so the difference is the relations'
own cost; the whole profile reads the Parquet file (``tp.profile``). Runs alternate off / on and
the medians are reported.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _median_pair(run_off, run_on, repeat: int) -> dict[str, float]:
    """Medians of wall and CPU seconds (this process: the kernel runs on the calling thread, so
    CPU time is the kernel's own, and shifts less than wall time when the machine is shared)."""
    wall: dict[str, list[float]] = {"off": [], "on": []}
    cpu: dict[str, list[float]] = {"off": [], "on": []}
    for _ in range(repeat):
        for key, run in (("off", run_off), ("on", run_on)):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            run()
            wall[key].append(time.perf_counter() - wall0)
            cpu[key].append(time.process_time() - cpu0)
    return {
        f"{kind}_{key}": round(statistics.median(values[key]), 3)
        for kind, values in (("wall", wall), ("cpu", cpu))
        for key in ("off", "on")
    }


def measure(path: Path, repeat: int) -> dict:
    import pyarrow.parquet as pq

    import truthound.profiler as tp
    from truthound import _core
    from truthound.profiler.relations import relation_spec, unit_relations
    from truthound.profiler.settings import ProfileSettings

    table = pq.read_table(path)
    settings = ProfileSettings()
    options = settings.engine_options()
    relations = unit_relations(relation_spec(settings), table.schema, None)

    def kernel(rel):
        return lambda: _core.profile(table, relations=rel, **options)

    k = _median_pair(kernel(None), kernel(relations), repeat)
    w = _median_pair(
        lambda: tp.profile(str(path), correlations=False), lambda: tp.profile(str(path)), repeat
    )
    import os

    return {
        "data": path.name,
        "rows": table.num_rows,
        "columns": table.num_columns,
        "pearson_columns": len(relations["numeric"]),
        "nullity_columns": len(relations["nullity"]),
        "sample_rows": relations["sample_size"],
        "kernel": k,
        "kernel_cpu_slowdown": round(k["cpu_on"] / k["cpu_off"] - 1, 4),
        "kernel_wall_slowdown": round(k["wall_on"] / k["wall_off"] - 1, 4),
        "profile": w,
        "profile_cpu_slowdown": round(w["cpu_on"] / w["cpu_off"] - 1, 4),
        "profile_wall_slowdown": round(w["wall_on"] / w["wall_off"] - 1, 4),
        "repeat": repeat,
        "load_average": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--only", choices=("lineitem", "wide"))
    args = parser.parse_args()
    from bench.suite import data

    datasets = {"lineitem": lambda: data.lineitem(1, "parquet"), "wide": data.wide}
    for name, make in datasets.items():
        if args.only and name != args.only:
            continue
        print(json.dumps(measure(make().path, args.repeat)), flush=True)


if __name__ == "__main__":
    main()
