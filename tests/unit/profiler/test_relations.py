"""Relationships between columns (#18): exact Pearson and nullity correlation from mergeable
state, the deterministic row sample and the measures computed from it, checked against numpy and
scipy on every plan and backend."""

from __future__ import annotations

import json
import math
from collections import Counter

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import scipy.stats

import truthound.profiler as tp
from truthound import _core
from truthound.profiler.distributed import DistributedProfiler, LocalConfig
from truthound.profiler.errors import CorruptPartialError

N = 1_000_000
NAMES = ["x", "y", "z", "w"]


# Correlations and the row sample are on by default (ProfileSettings.correlations); the profiles
# here ask for them anyway, so they do not depend on the default.
def _profile(data, **kwargs):
    return tp.profile(data, **{"correlations": True, **kwargs})


def _create(**kwargs):
    return DistributedProfiler.create(**{"correlations": True, **kwargs})


@pytest.fixture(scope="module")
def xyzw() -> pa.Table:
    rng = np.random.default_rng(18)
    x = rng.normal(size=N)
    return pa.table(
        {"x": x, "y": 0.8 * x + 0.6 * rng.normal(size=N), "z": np.exp(x), "w": rng.normal(size=N)}
    )


def _pearson(profile) -> np.ndarray:
    m = profile.correlations["pearson"]
    assert m["columns"] == NAMES and m["method"] == "exact"
    return np.array(m["matrix"], dtype=float)


def _sample(profile) -> dict:
    return _core.relations(profile.partial)["sample"]


def _cells(column) -> list:
    return ["nan" if isinstance(v, float) and math.isnan(v) else v for v in column.to_pylist()]


def _local(table, **kw):
    use_processes = kw.pop("use_processes", False)
    return _create(config=LocalConfig(num_workers=2, use_processes=use_processes), **kw).profile(
        table
    )


def test_pearson_equals_numpy_and_merges(xyzw):
    whole = _profile(xyzw)
    expected = np.corrcoef(np.vstack([xyzw[n].to_numpy() for n in NAMES]))
    assert np.abs(_pearson(whole) - expected).max() <= 1e-9
    halves = _local(xyzw, num_partitions=2)
    assert halves.unit_count == 2
    assert np.abs(_pearson(halves) - _pearson(whole)).max() <= 1e-12
    processes = _local(xyzw, num_partitions=4, use_processes=True)
    assert np.abs(_pearson(processes) - _pearson(whole)).max() <= 1e-12
    assert np.abs(_pearson(processes) - expected).max() <= 1e-9


def test_pearson_skips_nulls_pairwise_and_column_plans_agree():
    rng = np.random.default_rng(3)
    n = 50_000
    a = rng.normal(size=n)
    b = a + rng.normal(size=n)
    c = rng.integers(0, 100, n)
    a_null = rng.random(n) < 0.1
    b[rng.random(n) < 0.05] = np.nan  # NaN does not count, like a null
    t = pa.table(
        {
            "a": pa.array(a, mask=a_null),
            "s": pa.array([f"v{i % 7}" for i in range(n)]),
            "b": b,
            "c": pa.array(c, mask=rng.random(n) < 0.2),
        }
    )
    p = _profile(t)
    pear = p.correlations["pearson"]
    assert pear["columns"] == ["a", "b", "c"]
    cols = {k: t[k].to_numpy(zero_copy_only=False).astype(float) for k in ("a", "b", "c")}
    cols["a"][a_null] = np.nan
    cols["c"][np.asarray(t["c"].is_null())] = np.nan
    for i, u in enumerate(pear["columns"]):
        for j, v in enumerate(pear["columns"]):
            if i >= j:
                continue
            ok = np.isfinite(cols[u]) & np.isfinite(cols[v])
            assert pear["pair_counts"][i][j] == ok.sum()
            assert abs(pear["matrix"][i][j] - np.corrcoef(cols[u][ok], cols[v][ok])[0, 1]) <= 1e-9
    # nullity: exact phi of the null indicators, columns with nulls only
    nl = p.correlations["nullity"]
    assert nl["columns"] == ["a", "c"] and nl["method"] == "exact"
    ind = np.vstack([np.asarray(t[k].is_null(), dtype=float) for k in ("a", "c")])
    assert nl["matrix"][0][1] == pytest.approx(np.corrcoef(ind)[0, 1], abs=1e-12)
    for strategy in ("column_based", "hybrid", "hash"):
        other = _create(partition_strategy=strategy, num_partitions=3).profile(t)
        o = other.correlations
        assert o["pearson"]["columns"] == pear["columns"], strategy
        assert np.allclose(
            np.array(o["pearson"]["matrix"], float), np.array(pear["matrix"], float), atol=1e-12
        ), strategy
        assert o["pearson"]["pair_counts"] == pear["pair_counts"], strategy
        assert o["nullity"] == nl, strategy
        assert _sample(other) == _sample(p), strategy  # the cells' bytes (NaN != NaN in tables)


def _rows(table: pa.Table) -> Counter:
    """The rows of ``table`` as a multiset of tuples (NaN as a string, so it equals itself)."""
    columns = [_cells(table[n]) for n in table.column_names]
    return Counter(zip(*columns, strict=True))


def test_sample_rows_are_source_rows_and_the_same_everywhere(xyzw, tmp_path):
    t = xyzw.slice(0, 200_000).append_column("k", pa.array(np.arange(200_000) % 13))
    p = _profile(t)
    assert p.sample.num_rows == 1_000
    keys = _sample(p)["keys"]
    assert keys == sorted(keys)
    # each sampled row is a row of the source
    assert not _rows(p.sample) - _rows(t)
    # the key is the row's content: any split, order or plan gives the same sample
    shuffled = t.take(np.random.default_rng(1).permutation(t.num_rows))
    assert _profile(shuffled).sample.equals(p.sample)
    for other in (
        _local(t, num_partitions=5),
        _local(shuffled, num_partitions=3, use_processes=True),
        _create(partition_strategy="column_based", num_partitions=2).profile(t),
        _create(partition_strategy="hybrid", num_partitions=3).profile(shuffled),
        _create(partition_strategy="hash", num_partitions=3).profile(t),
    ):
        assert other.sample.equals(p.sample)
        assert _sample(other) == _sample(p)
    # bottom-k: the sample of any subset that holds the sampled rows is the same sample
    rng = np.random.default_rng(2)
    sampled = set(map(tuple, np.column_stack([t[n].to_numpy() for n in t.column_names]).tolist()))
    whole = np.column_stack([t[n].to_numpy() for n in t.column_names]).tolist()
    keep = [i for i, row in enumerate(whole) if tuple(row) in sampled or rng.random() < 0.3]
    assert _profile(t.take(keep)).sample.equals(p.sample)
    # files: the same rows in files, whatever the files, row groups or parts
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(t.slice(0, 120_000), folder / "a.parquet", row_group_size=10_000)
    pq.write_table(t.slice(120_000), folder / "b.parquet", row_group_size=7_000)
    from_files = _profile(str(folder))
    assert from_files.sample.equals(p.sample)
    split = _local(str(folder), num_partitions=7)
    assert split.unit_count >= 7
    assert split.sample.equals(from_files.sample)
    # a merge of parts of one plan is the sample of the union
    from truthound.profiler.distributed.partitioners import RowBasedPartitioner
    from truthound.profiler.distributed.plan import run_unit
    from truthound.profiler.settings import ProfileSettings

    plan = RowBasedPartitioner(num_partitions=4).plan(
        str(folder), ProfileSettings(correlations=True)
    )
    blobs = [run_unit(u)[1] for u in plan.units]
    merged = _core.merge([_core.merge(blobs[:2]), _core.merge(blobs[2:])])
    assert _core.relations(merged)["sample"] == _core.relations(from_files.partial)["sample"]


def test_sample_of_csv_byte_ranges_is_the_whole_files(tmp_path):
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(7)
    n = 60_000
    t = pa.table(
        {
            "a": rng.normal(size=n).round(6),
            "s": pa.array([f"s{i % 97}" for i in range(n)]),
            "b": pa.array(rng.integers(0, 50, n), mask=rng.random(n) < 0.1),
        }
    )
    path = tmp_path / "t.csv"
    pacsv.write_csv(t, path)
    whole = _profile(str(path))
    ranges = _local(str(path), num_partitions=6)
    assert ranges.unit_count >= 6
    assert ranges.sample.equals(whole.sample)
    assert _sample(ranges) == _sample(whole)


def test_identical_rows_are_sampled_as_a_multiset():
    # 40 distinct rows, 500 copies each: the sample holds copies, and any split agrees
    base = pa.table({"a": np.arange(40) % 7, "b": [f"v{i}" for i in range(40)]})
    t = pa.concat_tables([base] * 500)
    p = _profile(t, sample_size=100)
    assert p.sample.num_rows == 100
    assert not _rows(p.sample) - _rows(t)
    assert max(_rows(p.sample).values()) > 1  # copies of one row
    for parts in (3, 8):
        assert _local(t, num_partitions=parts, sample_size=100).sample.equals(p.sample)
    shuffled = t.take(np.random.default_rng(3).permutation(t.num_rows))
    assert _local(shuffled, num_partitions=5, sample_size=100).sample.equals(p.sample)


def test_spearman_and_cramers_v_from_the_sample(xyzw):
    rng = np.random.default_rng(5)
    t = xyzw.append_column("c1", pa.array(rng.choice(["a", "b", "c", "d"], N))).append_column(
        "c2", pa.array(rng.choice(["p", "q", "r"], N))
    )
    p = _profile(t)
    s = p.correlations["spearman"]
    assert s["method"] == "sample" and s["sample_size"] == 1_000
    m = np.array(s["matrix"], dtype=float)
    x, y = xyzw["x"].to_numpy(), xyzw["y"].to_numpy()
    se = np.array(s["error"], dtype=float)
    assert m[0][2] >= 0.99  # x ~ exp(x)
    # a sample of 1,000 rows: within three of its stated standard errors (about 0.013 here;
    # this draw is 0.028 off, 2.3 of them), not within a fixed 0.02
    assert abs(m[0][1] - scipy.stats.spearmanr(x, y).statistic) <= 3 * se[0][1]
    assert abs(m[0][3]) <= 3 * se[0][3]  # x ~ independent w
    assert 0 < se[0][1] < 0.05
    # the sample's own ranks agree with scipy on the sampled rows
    sx, sy = p.sample["x"].to_numpy(), p.sample["y"].to_numpy()
    assert m[0][1] == pytest.approx(scipy.stats.spearmanr(sx, sy).statistic, abs=1e-12)
    v = p.correlations["cramers_v"]
    assert v["columns"] == ["c1", "c2"] and v["method"] == "sample"
    assert v["matrix"][0][1] <= 0.05
    assert v["error"][0][1] > 0


def test_correlation_ratio_from_the_sample():
    rng = np.random.default_rng(4)
    n = 50_000
    group = rng.choice(["a", "b", "c", "d"], n)
    shift = np.select([group == "a", group == "b", group == "c"], [0.0, 3.0, -2.0], 1.0)
    other = rng.choice(["p", "q"], n)
    p = _profile(pa.table({"v": shift + rng.normal(size=n), "g": group, "o": other}))
    eta = p.correlations["correlation_ratio"]
    assert (
        eta["row_columns"] == ["v"] and eta["columns"] == ["g", "o"] and eta["method"] == "sample"
    )
    v, g = p.sample["v"].to_numpy(), np.asarray(p.sample["g"].to_pylist())
    between = sum((g == k).sum() * (v[g == k].mean() - v.mean()) ** 2 for k in set(g))
    expected = math.sqrt(between / ((v - v.mean()) ** 2).sum())
    assert eta["matrix"][0][0] == pytest.approx(expected, abs=1e-12)
    assert eta["matrix"][0][0] > 0.8 and eta["matrix"][0][1] < 0.1
    assert 0 < eta["error"][0][1] < 0.1


def test_cramers_v_of_dependent_categoricals_is_high():
    rng = np.random.default_rng(2)
    a = rng.choice(["a", "b", "c"], 20_000)
    flip = rng.random(20_000) < 0.1
    b = np.where(flip, "other", np.char.add(a, "!"))
    p = _profile(pa.table({"a": a, "b": b}))
    assert p.correlations["cramers_v"]["matrix"][0][1] > 0.8


def test_output_shape_json_yaml_and_alerts(xyzw, tmp_path):
    t = xyzw.slice(0, 20_000)
    p = _profile(t)
    d = json.loads(p.to_json())
    assert set(d["correlations"]) == {"pearson", "spearman"}  # no categories, no nulls
    assert d["sample"]["size"] == 1_000 and len(d["sample"]["rows"]) == 1_000
    assert d["sample"]["method"] == "bottom-k"
    assert set(d["sample"]["rows"][0]) == set(NAMES)
    import yaml

    assert yaml.safe_load(yaml.safe_dump(d))["correlations"]["pearson"]["columns"] == NAMES
    back = tp.TableProfile.from_json(p.to_json(include_state=True))
    assert back.correlations == d["correlations"]
    assert back.sample.equals(p.sample)
    high = [a for a in p.alerts if a.kind == "high_correlation"]
    assert {(a.column, a.message.split("'")[1]) for a in high} == {("x", "z")}  # Spearman 1.0
    stricter = _profile(t, alerts={"high_correlation": 0.7})
    pairs = {
        (a.column, a.message.split("'")[1]) for a in stricter.alerts if a.kind == "high_correlation"
    }
    assert pairs == {("x", "y"), ("x", "z"), ("y", "z")}
    off = _profile(t, correlations=False)
    assert off.correlations == {} and off.sample is None and off.to_dict()["sample"] is None


def test_settings_bound_the_columns_and_the_sample():
    t = pa.table({f"c{i}": np.arange(100, dtype=float) * (i + 1) for i in range(70)})
    p = _profile(t)
    assert len(p.correlations["pearson"]["columns"]) == 64
    assert p.sample.num_rows == 100
    named = _profile(t, correlation_columns=["c5", "c1"], sample_size=10)
    assert named.correlations["pearson"]["columns"] == ["c1", "c5"]
    assert named.sample.num_rows == 10
    wide = _profile(t, sample_max_cells=700)
    assert wide.sample.num_rows == 10  # 700 cells over 70 columns


def test_long_strings_are_cut_in_json_not_in_the_sample():
    long = "é" * 5_000
    p = _profile(pa.table({"s": [long, "b"], "n": [1, 2]}))
    assert long in p.sample["s"].to_pylist()[:1] or p.sample["s"].to_pylist()[0] != long
    shown = [r["s"] for r in p.to_dict()["sample"]["rows"]]
    assert all(len(v) <= 201 for v in shown)


def test_types_round_trip_through_the_sample():
    import datetime as dt
    import decimal

    t = pa.table(
        {
            "i8": pa.array([1, None, -3], pa.int8()),
            "u64": pa.array([2**64 - 1, 0, None], pa.uint64()),
            "f32": pa.array([1.5, None, float("nan")], pa.float32()),
            "b": pa.array([True, False, None]),
            "s": pa.array(["a", None, "ccc"], pa.large_string()),
            "bin": pa.array([b"\x00", b"", None]),
            "d": pa.array([dt.date(2020, 1, 1), None, dt.date(1969, 12, 31)]),
            "ts": pa.array([1, 2, None], pa.timestamp("us", tz="UTC")),
            "dec": pa.array(
                [decimal.Decimal("1.25"), None, decimal.Decimal("-3.50")], pa.decimal128(6, 2)
            ),
            "dict": pa.array(["x", "y", "x"]).dictionary_encode(),
            "lst": pa.array([[1], None, [2, 3]]),
        }
    )
    p = _profile(t)
    # every row is sampled, in key order: u64 tells the rows apart
    u64 = t["u64"].to_pylist()
    expected = t.take([u64.index(v) for v in p.sample["u64"].to_pylist()])
    for name in t.column_names:
        got = p.sample[name]
        if name == "dict":
            assert got.to_pylist() == expected[name].to_pylist()
        elif name == "lst":
            assert got.null_count == 3  # nested values are not kept
        else:
            assert got.type == t[name].type, name
            assert _cells(got) == _cells(expected[name]), name
    # a column group hashes the columns it does not profile as the whole row's profile does
    for strategy in ("column_based", "hybrid"):
        other = _create(partition_strategy=strategy, num_partitions=4).profile(t)
        assert other.unit_count > 1, strategy
        assert _sample(other) == _sample(p), strategy


def test_engine_relations_section():
    t = pa.table({"x": [1.0, 2.0, None, 4.0], "y": [3.0, 1.0, 2.0, None]})
    assert _core.relations(_core.profile(t)) is None  # no relations asked for: no section
    blob = _core.profile(
        t,
        relations={
            "numeric": ["x", "y"],
            "nullity": ["x", "y"],
            "sample_size": 2,
            "count_pairs": True,
        },
    )
    r = _core.relations(blob)
    assert r["pearson"]["pairs"] == [(0, 1, 2, pytest.approx(-1.0))]
    assert r["nullity"]["nulls"] == [1, 1] and r["nullity"]["pairs"][0][2] == 0
    assert len(r["sample"]["keys"]) == 2
    with pytest.raises(tp.errors.InvalidInputError, match='correlation column "q" not found'):
        _core.profile(
            t, relations={"numeric": ["q"], "nullity": [], "sample_size": 0, "count_pairs": True}
        )
    with pytest.raises(CorruptPartialError):
        _core.relations(blob[:-3])


def test_relations_of_merged_tables():
    a = pa.table({"x": np.arange(100.0), "y": np.arange(100.0) ** 2})
    b = pa.table({"x": np.arange(100.0, 200.0), "y": np.arange(100.0, 200.0) ** 2})
    merged = _profile(a).merge(_profile(b))
    both = pa.concat_tables([a, b])
    r = merged.correlations["pearson"]["matrix"][0][1]
    assert r == pytest.approx(np.corrcoef(both["x"], both["y"])[0, 1], abs=1e-12)
    assert merged.sample.num_rows == 200
    assert sorted(merged.sample["x"].to_pylist()) == both["x"].to_pylist()


def test_sample_rows_from_json_keep_nan_and_infinity_as_numbers():
    t = pa.table(
        {"f": [1.0, float("nan"), None, 2.0], "g": [float("inf"), 1.0, -float("inf"), 3.0]}
    )
    d = json.loads(_profile(t).to_json())  # without the state: the sample from its JSON rows
    assert {"nan", "inf", "-inf"} <= {v for r in d["sample"]["rows"] for v in r.values()}
    back = tp.TableProfile.from_dict(d)
    assert back.sample.schema.types == [pa.float64(), pa.float64()]
    assert back.to_dict()["sample"] == d["sample"]
