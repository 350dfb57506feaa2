"""The model: truthound's keys, JSON round trip, save/load with state, merging saved profiles."""

import json

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.profiler.errors import InvalidInputError

TRUTHOUND_COLUMN_KEYS = {
    "name", "physical_type", "inferred_type", "row_count", "null_count", "null_ratio",
    "empty_string_count", "distinct_count", "unique_ratio", "is_unique", "is_constant",
    "profiled_at", "profile_duration_ms",
}
TRUTHOUND_TABLE_KEYS = {
    "name", "row_count", "column_count", "estimated_memory_bytes", "duplicate_row_count",
    "duplicate_row_ratio", "columns", "correlations", "source", "profiled_at", "profile_duration_ms",
}


@pytest.fixture
def table():
    rng = np.random.default_rng(5)
    return pa.table({"x": rng.normal(size=1000), "s": rng.choice(["a", "b", "c"], 1000), "i": np.arange(1000)})


def test_truthound_keys_are_present(table):
    d = tp.profile(table).to_dict()
    assert TRUTHOUND_TABLE_KEYS <= set(d)
    assert d["schema_version"] == tp.SCHEMA_VERSION
    for c in d["columns"]:
        assert TRUTHOUND_COLUMN_KEYS <= set(c)
    x = next(c for c in d["columns"] if c["name"] == "x")
    assert {"mean", "std", "min", "max", "median", "q1", "q3", "skewness", "kurtosis"} <= set(x["distribution"])
    s = next(c for c in d["columns"] if c["name"] == "s")
    assert {"min_length", "max_length", "avg_length", "top_values"} <= set(s)


def test_json_round_trip(table):
    p = tp.profile(table)
    again = tp.TableProfile.from_json(p.to_json())
    assert again.to_dict() == json.loads(p.to_json())


def test_save_load_and_merge_with_state(table, tmp_path):
    first = tp.profile(table.slice(0, 600))
    second = tp.profile(table.slice(600))
    first.save(tmp_path / "yesterday.json")
    loaded = tp.TableProfile.load(tmp_path / "yesterday.json")
    merged = loaded.merge(second)
    whole = tp.profile(table)
    assert merged.row_count == 1000
    for name in ("x", "s", "i"):
        for field in ("null_count", "distinct_count", "min", "max", "is_unique"):
            assert getattr(merged[name], field) == getattr(whole[name], field), (name, field)
    assert merged["i"].distribution.sum == whole["i"].distribution.sum
    assert merged["x"].distribution.mean == pytest.approx(whole["x"].distribution.mean, rel=1e-12)


def test_profile_saved_without_state_cannot_merge(table, tmp_path):
    p = tp.profile(table)
    p.save(tmp_path / "p.json", include_state=False)
    with pytest.raises(InvalidInputError, match="no mergeable state"):
        tp.TableProfile.load(tmp_path / "p.json").merge(p)


def test_lookup(table):
    p = tp.profile(table)
    assert p["x"] is p[0] and p.get("nope") is None and p.column_names == ["x", "s", "i"]
    with pytest.raises(KeyError):
        p["nope"]


def test_inferred_types(table):
    p = tp.profile(table)
    assert p["s"].inferred_type == tp.DataType.CATEGORICAL
    assert p["i"].inferred_type == tp.DataType.IDENTIFIER
    assert "UniqueValidator()" in p["i"].suggested_validators
    assert "NotNullValidator()" in p["x"].suggested_validators
