"""Relationships between columns on a real Dask cluster (#18): the row sample and the
correlations a LocalCluster gives equal those of ``tp.profile`` on the same files, for row, hybrid
and hash plans, and each sampled row is the file's row at its position."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import truthound.profiler as tp
from truthound import _core
from truthound.profiler.distributed import DaskBackend, DaskConfig


def _nan(v) -> bool:
    return isinstance(v, float) and math.isnan(v)


def _sample(profile) -> dict:
    return _core.relations(profile.partial)["sample"]


def test_sample_and_correlations_equal_tp_profile(local_client, data_dir):
    backend = DaskBackend(DaskConfig(scheduler="distributed"), client=local_client)
    for source, kwargs in [
        (str(data_dir / "data.parquet"), {"num_partitions": 3}),
        (str(data_dir / "parts"), {"partition_strategy": "hybrid"}),
        (str(data_dir / "parts"), {"partition_strategy": "hash", "num_partitions": 2}),
    ]:
        reference = tp.profile(source, correlations=True)
        profile = backend.profile(source, correlations=True, **kwargs)
        assert profile.unit_count > 1, kwargs
        assert _sample(profile) == _sample(reference), kwargs
        assert profile.sample.num_rows == reference.sample.num_rows > 0
        ref, got = reference.correlations, profile.correlations
        assert set(got) == set(ref), kwargs
        assert got["pearson"]["columns"] == ref["pearson"]["columns"]
        a = np.array(got["pearson"]["matrix"], dtype=float)
        b = np.array(ref["pearson"]["matrix"], dtype=float)
        assert np.allclose(a, b, atol=1e-12, equal_nan=True), kwargs
        assert got.get("spearman") == ref.get("spearman")
        assert got.get("nullity") == ref.get("nullity")

    # each sampled row is the row at its position: file index << 40 | row in the file
    files = sorted((data_dir / "parts").glob("*.parquet"))
    tables = [pq.read_table(f) for f in files]
    profile = backend.profile(str(data_dir / "parts"), num_partitions=4, correlations=True)
    positions = np.array(_sample(profile)["positions"], dtype=np.uint64)
    rows = [
        tables[int(p >> np.uint64(40))].slice(int(p & np.uint64((1 << 40) - 1)), 1)
        for p in positions
    ]
    expected = pa.concat_tables(rows).select(profile.sample.column_names)
    for name in expected.column_names:
        got = profile.sample[name].to_pylist()
        want = expected[name].to_pylist()
        same = [g == w or (_nan(g) and _nan(w)) for g, w in zip(got, want)]
        assert all(same), name
