"""_core.distributions: the merged state's frequency tables and quantile grids, against pyarrow
and numpy on the same data; the same for every plan of the same data."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import truthound.profiler as tp
from truthound import _core
from truthound.profiler.distributed import DistributedProfiler
from truthound.profiler.errors import InvalidInputError

from .tables import table


def _by_name(profile):
    return {d["name"]: d for d in _core.distributions(profile.partial)}


def test_exact_tables_equal_value_counts():
    t = table(1)
    d = _by_name(tp.profile(t))
    for name in ("color", "rating", "units"):
        f = d[name]["frequencies"]
        assert f["exact"] and f["max_error"] == 0
        truth = {r["values"]: r["counts"] for r in pc.value_counts(t[name].drop_null()).to_pylist()}
        if f["numbers"] is not None:
            got = f["numbers"].astype(np.int64).tolist()
        else:
            raw, at = f["value_bytes"], f["value_offsets"]
            got = [raw[at[i] : at[i + 1]].decode() for i in range(len(at) - 1)]
        assert dict(zip(got, f["counts"].tolist())) == truth
        assert f["total"] == len(t) - t[name].null_count
    assert d["units"]["ordered"] and list(d["units"]["frequencies"]["numbers"]) == sorted(
        d["units"]["frequencies"]["numbers"]
    )
    assert d["units"]["quantiles"] is None  # an exact table is its own quantile function
    assert d["rating"]["nulls"] == t["rating"].null_count


def test_quantile_grid_within_rank_error():
    t = table(1)
    d = _by_name(tp.profile(t))["amount"]
    assert not d["frequencies"]["exact"]
    q = d["quantiles"]
    x = np.sort(t["amount"].to_numpy())
    u = (np.arange(len(q["values"])) + 0.5) / len(q["values"])
    ranks = np.searchsorted(x, q["values"], side="right") / len(x)
    assert np.max(np.abs(ranks - u)) <= q["rank_error"] + 1 / len(x)
    assert d["variance"] == pytest.approx(np.var(x), rel=1e-9)


def test_unknown_column_and_bad_grid():
    p = tp.profile(pa.table({"x": [1, 2]}))
    with pytest.raises(InvalidInputError, match='no column named "y"'):
        _core.distributions(p.partial, ["y"])
    with pytest.raises(InvalidInputError, match="quantile grid"):
        _core.distributions(p.partial, [], 0)


def test_every_plan_compares_the_same(tmp_path):
    """Profiles of the same data from different plans (one pass; 4 row parts on 2 threads; hash
    buckets; column groups) give the same comparison: identical for exact columns, within the
    stated error where a sketch is involved."""
    import pyarrow.parquet as pq

    base, cur = table(1), table(3, changed=True)
    pq.write_table(base, tmp_path / "base.parquet", row_group_size=2_500)
    current = tp.profile(cur)
    single = json.loads(tp.compare(tp.profile(base), current).to_json())
    plans = [
        {"backend": "local", "partition_strategy": "row_based", "num_partitions": 4},
        {"backend": "local", "partition_strategy": "hash", "num_partitions": 3},
        {"backend": "local", "partition_strategy": "column_based", "num_partitions": 2},
    ]
    for plan in plans:
        profile = DistributedProfiler.create(**plan).profile(str(tmp_path / "base.parquet"))
        assert profile.unit_count > 1
        other = json.loads(tp.compare(profile, current).to_json())
        assert other["drifted_columns"] == single["drifted_columns"]
        for a, b in zip(single["columns"], other["columns"]):
            if a["drift"] is None:
                continue
            if a["drift"]["error"] == 0:
                assert b["drift"] == a["drift"], (plan, a["name"])
                # moments merge in another order: the same to rounding
                for key, delta in a["deltas"].items():
                    for side, v in delta.items():
                        w = b["deltas"][key][side]
                        assert w == (
                            pytest.approx(v, rel=1e-12, abs=1e-12) if isinstance(v, float) else v
                        ), (
                            plan,
                            a["name"],
                            key,
                            side,
                        )
            else:
                assert abs(b["drift"]["score"] - a["drift"]["score"]) <= a["drift"]["error"]
