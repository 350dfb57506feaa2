"""What relationships between columns cost (#18): the kernel with and without the relations
state (co-moments, nullity counts, the row sample), and whole profiles with and without them.

    flock /tmp/truthound-engine.lock python bench/bench_relations.py --repeat 7

Data: TPC-H lineitem SF1 and the wide 1,000 x 100k table of the benchmark suite
(``bench/suite/data.py``; generated on first use under ``bench/.data/suite/``). The kernel runs
on a table already in memory, one thread (``_core.profile``), so the difference is the relations'
own cost; the whole profile reads the Parquet file (``tp.profile``). With ``--plan``, the whole
profile is a local ``DistributedProfiler`` of that plan instead (two threads; under a
column-based plan the group holding the first column also reads the sampled rows' other
columns). Runs alternate off / on and the medians are reported.
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


def measure(path: Path, repeat: int, plan: str | None = None, partitions: int = 4) -> dict:
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

    # the kernel does not depend on the plan: measured with tp.profile's runs only
    k = _median_pair(kernel(None), kernel(relations), repeat) if plan is None else None
    if plan is None:

        def whole(correlations: bool):
            return lambda: tp.profile(str(path), correlations=correlations)

    else:
        from truthound.profiler.distributed import DistributedProfiler, LocalConfig

        def whole(correlations: bool):
            profiler = DistributedProfiler.create(
                config=LocalConfig(num_workers=2),
                partition_strategy=plan,
                num_partitions=partitions,
                correlations=correlations,
            )
            return lambda: profiler.profile(str(path))

    w = _median_pair(whole(False), whole(True), repeat)
    import os

    return {
        "data": path.name,
        "plan": plan or "tp.profile",
        "rows": table.num_rows,
        "columns": table.num_columns,
        "pearson_columns": len(relations["numeric"]),
        "nullity_columns": len(relations["nullity"]),
        "sample_rows": relations["sample_size"],
        "kernel": k,
        "kernel_cpu_slowdown": round(k["cpu_on"] / k["cpu_off"] - 1, 4) if k else None,
        "kernel_wall_slowdown": round(k["wall_on"] / k["wall_off"] - 1, 4) if k else None,
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
    parser.add_argument("--plan", choices=("row_based", "column_based", "hybrid", "hash"))
    parser.add_argument("--partitions", type=int, default=4)
    args = parser.parse_args()
    from bench.suite import data

    datasets = {"lineitem": lambda: data.lineitem(1, "parquet"), "wide": data.wide}
    for name, make in datasets.items():
        if args.only and name != args.only:
            continue
        result = measure(make().path, args.repeat, args.plan, args.partitions)
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
