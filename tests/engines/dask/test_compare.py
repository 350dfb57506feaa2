"""A side profiled on a Dask cluster compares exactly as the same plan profiled locally: the
comparison reads only the merged state, which is the same bytes."""

from __future__ import annotations

import json

import pyarrow.parquet as pq

import truthound.profiler as tp
from truthound.profiler.distributed import DaskBackend, DaskConfig, DistributedProfiler

from ..tables import mixed_table


def test_dask_side_compares_as_the_local_one(local_client, data_dir, tmp_path):
    pq.write_table(mixed_table(4_000, seed=99), tmp_path / "current.parquet")
    current = tp.profile(tmp_path / "current.parquet")
    source = str(data_dir / "data.parquet")
    on_dask = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client).profile(
        source, num_partitions=3
    )
    on_local = DistributedProfiler.create(backend="local", num_partitions=3).profile(source)
    assert (on_dask.backend, on_dask.unit_count, on_local.unit_count) == ("dask", 3, 3)
    a = json.loads(tp.compare(on_local, current).to_json())
    b = json.loads(tp.compare(on_dask, current).to_json())
    assert a["columns"] == b["columns"] and a["schema_changes"] == b["schema_changes"]
    assert a["drifted_columns"] == b["drifted_columns"] and a["summary"] == b["summary"]
