"""Relationships between columns on a real Dask cluster (#18): the row sample and the
correlations a LocalCluster gives equal those of ``tp.profile`` on the same files, for row, hybrid
and hash plans, and each sampled row is a row of the files."""

from __future__ import annotations

import math
from collections import Counter

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

    # each sampled row is a row of the files (the sample is a multiset of their rows)
    files = sorted((data_dir / "parts").glob("*.parquet"))
    source = pa.concat_tables([pq.read_table(f) for f in files])
    profile = backend.profile(str(data_dir / "parts"), num_partitions=4, correlations=True)
    names = profile.sample.column_names
    assert not _rows(profile.sample, names) - _rows(source, names)


def _rows(table: pa.Table, names: list[str]) -> Counter:
    columns = [["nan" if _nan(v) else v for v in table[n].to_pylist()] for n in names]
    return Counter(zip(*columns, strict=True))
