"""Data and comparisons shared by the Spark engine tests."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pyarrow as pa

from truthound.profiler.distributed import PartitionStrategy
from truthound.profiler.distributed.partitioners import Partitioner
from truthound.profiler.distributed.plan import TablePart, Unit

MASTER = "local[2,2]"  # 2 cores; a task may be attempted twice, so retries can be tested
TIME_ZONE = "Asia/Seoul"  # a session time zone that is not UTC
ROWS = 6_000


def make_table(rows: int = ROWS, seed: int = 11) -> pa.Table:
    """Mixed types with nulls, NaN, -0.0, repeated rows and non-ASCII strings."""
    rng = np.random.default_rng(seed)
    floats = rng.normal(10, 3, rows)
    floats[::97] = np.nan
    floats[::101] = -0.0
    words = np.array(["alpha", "beta", "gamma", "δέλτα", "", "  ", "epsilon-long-value"])
    base = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
    table = pa.table(
        {
            "id": pa.array(np.arange(rows) % (rows - 300), pa.int64()),
            "small": pa.array(rng.integers(-100, 100, rows).astype(np.int16)),
            "f": pa.array(floats),
            "s": pa.array(words[rng.integers(0, len(words), rows)], mask=rng.random(rows) < 0.05),
            "day": pa.array(
                [
                    dt.date(2020, 1, 1) + dt.timedelta(days=int(x))
                    for x in rng.integers(0, 900, rows)
                ]
            ),
            "ts": pa.array(
                [base + dt.timedelta(seconds=int(x)) for x in rng.integers(0, 10**7, rows)],
                pa.timestamp("us", tz="UTC"),
            ),
            "flag": pa.array(rng.random(rows) < 0.3, mask=rng.random(rows) < 0.02),
            "price": pa.array(
                [Decimal(int(x)).scaleb(-2) for x in rng.integers(0, 10**6, rows)],
                pa.decimal128(10, 2),
            ),
        }
    )
    # The last 300 rows repeat the first 300: 300 duplicate rows.
    return pa.concat_tables([table.slice(0, rows - 300), table.slice(0, 300)])


def untimed(profile, backend: bool = False) -> str:
    """The profile's JSON with its mergeable state (without its digest), without timings
    (profiled_at and profile_duration_ms, table and columns) and, unless ``backend``, without the
    backend name."""
    d = profile.to_dict(include_state=True)
    # The state's digest hashes every other field, the timings too: the bytes are compared instead.
    (d.get("state") or {}).pop("digest", None)
    for item in (d, *d["columns"]):
        item.pop("profiled_at")
        item.pop("profile_duration_ms")
    if not backend:
        d.pop("backend")
    return json.dumps(d, sort_keys=True)


def spark_partitions(df) -> list[pa.Table]:
    """Each Spark partition of ``df`` as the Arrow table Spark hands to Python."""

    def dump(batches):
        from pyspark import TaskContext

        sink = pa.BufferOutputStream()
        writer = None
        for batch in batches:
            writer = writer or pa.ipc.new_stream(sink, batch.schema)
            writer.write_batch(batch)
        if writer is not None:
            writer.close()
        yield pa.RecordBatch.from_pydict(
            {
                "p": pa.array([TaskContext.get().partitionId()], pa.int32()),
                "ipc": pa.array([sink.getvalue().to_pybytes()], pa.binary()),
            }
        )

    rows = sorted(df.mapInArrow(dump, "p int, ipc binary").collect(), key=lambda r: r.p)
    return [pa.ipc.open_stream(bytes(r.ipc)).read_all() if r.ipc else None for r in rows]


class SparkPartitions(Partitioner):
    """The plan the Spark backend runs for a DataFrame, for the local backend: one unit per
    Spark partition, numbered by partition."""

    strategy = PartitionStrategy.ROW_BASED

    def __init__(self, tables):
        self.tables = tables

    def _units(self, source, schema, selected, options):
        return [
            Unit(p, TablePart(t, 0, t.num_rows, f"partition {p}"), schema, options, selected)
            for p, t in enumerate(self.tables)
        ]


class FailedTasks:
    """Counts the failed task attempts of the Spark jobs run inside a ``with`` block, read from
    the session's status tracker (every job, whatever its job group), so that a retry test can
    show that the failure it injected really happened."""

    _GAP = 64  # job ids past the last known one that may be missing before we stop looking

    def __init__(self, session):
        self._tracker = session.sparkContext.statusTracker()
        self.count = 0

    def _last_job(self, start: int = 0) -> int:
        last, job = start - 1, start
        while job - last <= self._GAP:
            if self._tracker.getJobInfo(job) is not None:
                last = job
            job += 1
        return last

    def __enter__(self):
        self._first = self._last_job() + 1
        return self

    def __exit__(self, *exc_info):
        last = self._last_job(self._first)
        for job_id in range(self._first, last + 1):
            job = self._tracker.getJobInfo(job_id)
            for stage_id in job.stageIds if job else ():
                stage = self._tracker.getStageInfo(stage_id)
                self.count += stage.numFailedTasks if stage else 0
        return False
