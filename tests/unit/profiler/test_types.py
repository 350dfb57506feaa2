"""Every Arrow type the engine reads, from every producer, against pyarrow.compute."""

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

import truthound.profiler as tp
from truthound.profiler.errors import InvalidInputError, UnsupportedError

INTS = [pa.int8(), pa.int16(), pa.int32(), pa.int64(), pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()]


@pytest.mark.parametrize("typ", INTS, ids=str)
def test_integer_widths(typ):
    values = [0, 1, 5, None, 7, 5, 100]
    if pa.types.is_signed_integer(typ):
        values += [-3, -100]
    arr = pa.array(values, typ)
    c = tp.profile(pa.table({"x": arr}))["x"]
    assert c.kind in ("integer", "unsigned")
    assert c.min == pc.min(arr).as_py() and c.max == pc.max(arr).as_py()
    assert c.distribution.sum == pc.sum(arr).as_py()
    assert c.null_count == 1 and c.distinct_count == pc.count_distinct(arr).as_py()
    assert c.zero_count == 1


def test_uint64_extremes():
    arr = pa.array([0, 2**64 - 1, 2**63], pa.uint64())
    c = tp.profile(pa.table({"x": arr}))["x"]
    assert c.max == 2**64 - 1 and c.distribution.sum == 2**64 - 1 + 2**63


@pytest.mark.parametrize("typ", [pa.float16(), pa.float32(), pa.float64()], ids=str)
def test_floats_with_nan_inf_and_negative_zero(typ):
    values = np.array([1.5, -0.0, 0.0, np.nan, np.inf, -np.inf, 0.0, -2.25], dtype=typ.to_pandas_dtype())
    mask = np.array([False] * 6 + [True, False])
    c = tp.profile(pa.table({"x": pa.array(values, typ, mask=mask)}))["x"]
    assert c.nan_count == 1 and c.null_count == 1
    assert c.positive_infinity_count == 1 and c.negative_infinity_count == 1
    assert c.zero_count == 2
    assert c.min == float("-inf") and c.max == float("inf")
    # -0.0 and 0.0 are one value; NaN is one value; null is not a value
    assert c.distinct_count == 6
    assert c.distribution.mean == pytest.approx((1.5 - 2.25) / 4)


def test_decimal128():
    arr = pa.array([Decimal("1.25"), Decimal("-3.50"), None, Decimal("10.00")], pa.decimal128(10, 2))
    c = tp.profile(pa.table({"x": arr}))["x"]
    assert c.min == Decimal("-3.50") and c.max == Decimal("10.00")
    assert c.distribution.mean == pytest.approx((1.25 - 3.5 + 10) / 3)
    assert c.physical_type == "decimal128(10, 2)"


@pytest.mark.parametrize("typ", [pa.string(), pa.large_string(), pa.string_view()], ids=str)
def test_string_layouts_agree(typ):
    values = ["héllo", "", "  ", None, "wörld", "héllo", "日本語"]
    c = tp.profile(pa.table({"s": pa.array(values, typ)}))["s"]
    assert c.physical_type == "string"
    assert c.empty_string_count == 1 and c.whitespace_string_count == 1
    assert c.min_length == 0 and c.max_length == 5
    assert c.avg_length == pytest.approx(sum(len(v) for v in values if v is not None) / 6)
    assert c.max_length_bytes == len("日本語".encode())
    assert c.min == "" and c.max == "日本語"
    assert c.distinct_count == 5
    assert c.top_values[0].value == "héllo" and c.top_values[0].count == 2


@pytest.mark.parametrize("typ", [pa.binary(), pa.large_binary(), pa.binary_view(), pa.binary(3)], ids=str)
def test_binary_layouts(typ):
    values = [b"abc", b"\x00\xff\x01", None, b"abc"]
    c = tp.profile(pa.table({"b": pa.array(values, typ)}))["b"]
    assert c.distinct_count == 2 and c.null_count == 1
    assert c.min == b"\x00\xff\x01" and c.max == b"abc"


def test_long_view_strings_across_buffers():
    values = [f"a fairly long string number {i:06d}" for i in range(5000)]
    c = tp.profile(pa.table({"s": pa.array(values, pa.string_view())}))["s"]
    assert c.distinct_count == 5000 and c.min == values[0] and c.max == values[-1]


def test_temporal_types():
    d = [dt.date(2020, 1, 1), dt.date(1969, 12, 31), None]
    ts = [dt.datetime(2021, 5, 1, 12, 0, 0), dt.datetime(2021, 5, 1, 12, 0, 1), None]
    table = pa.table(
        {
            "d32": pa.array(d, pa.date32()),
            "d64": pa.array(d, pa.date64()),
            "ts_s": pa.array(ts, pa.timestamp("s")),
            "ts_ms": pa.array(ts, pa.timestamp("ms")),
            "ts_us_utc": pa.array(ts, pa.timestamp("us", tz="UTC")),
            "ts_ns": pa.array(ts, pa.timestamp("ns")),
            "t32": pa.array([dt.time(1, 2, 3), dt.time(23, 0), None], pa.time32("s")),
            "t64": pa.array([dt.time(1, 2, 3, 4), dt.time(23, 0), None], pa.time64("us")),
            "dur": pa.array([dt.timedelta(seconds=5), dt.timedelta(days=-1), None], pa.duration("ms")),
        }
    )
    p = tp.profile(table)
    for name in ("d32", "d64"):
        assert p[name].min_date == dt.date(1969, 12, 31) and p[name].max_date == dt.date(2020, 1, 1)
        assert p[name].inferred_type in (tp.DataType.DATE, tp.DataType.IDENTIFIER)
    for name in ("ts_s", "ts_ms", "ts_ns"):
        assert p[name].min == ts[0] and p[name].max == ts[1], name
    assert p["ts_us_utc"].min == ts[0].replace(tzinfo=dt.timezone.utc)
    assert p["t32"].min == dt.time(1, 2, 3) and p["t64"].min == dt.time(1, 2, 3, 4)
    assert p["dur"].min == dt.timedelta(days=-1) and p["dur"].max == dt.timedelta(seconds=5)
    assert all(p[n].null_count == 1 for n in table.column_names)


def test_dictionary_encoded_values_are_resolved():
    plain = pa.array(["x", "y", None, "x", "z", "x"])
    encoded = plain.dictionary_encode()
    a = tp.profile(pa.table({"c": plain}))["c"]
    b = tp.profile(pa.table({"c": encoded}))["c"]
    for field in ("null_count", "distinct_count", "min", "max", "min_length", "max_length"):
        assert getattr(a, field) == getattr(b, field)
    assert [(v.value, v.count) for v in a.top_values] == [(v.value, v.count) for v in b.top_values]


def test_sliced_arrays():
    arr = pa.array(list(range(100)) + [None] * 5)
    table = pa.table({"x": arr}).slice(37, 50)
    c = tp.profile(table)["x"]
    assert c.row_count == 50 and c.min == 37 and c.max == 86 and c.null_count == 0
    sliced = pa.table({"x": arr}).slice(95)
    assert tp.profile(sliced)["x"].null_count == 5


def test_null_type_and_all_null_columns():
    p = tp.profile(pa.table({"n": pa.nulls(4), "f": pa.array([None] * 4, pa.float64()), "s": pa.array([None] * 4, pa.string())}))
    for name in ("n", "f", "s"):
        c = p[name]
        assert c.row_count == 4 and c.null_count == 4 and c.null_ratio == 1.0
        assert c.distinct_count == 0 and c.min is None


def test_nested_types_are_counted_not_profiled():
    table = pa.table(
        {
            "l": pa.array([[1, 2], None, []]),
            "st": pa.array([{"a": 1}, {"a": 2}, None]),
            "m": pa.array([[("k", 1)], None, []], pa.map_(pa.string(), pa.int64())),
        }
    )
    p = tp.profile(table)
    for name in ("l", "st", "m"):
        assert p[name].row_count == 3 and p[name].null_count == 1
        assert "not profiled" in p[name].note


def test_zero_rows():
    p = tp.profile(pa.table({"x": pa.array([], pa.int64()), "s": pa.array([], pa.string())}))
    assert p.row_count == 0 and p.column_count == 2
    assert p["x"].distribution is None and p["x"].min is None
    assert p.duplicate_row_count == 0


def test_one_16_mb_string():
    big = "é" * (8 << 20)
    c = tp.profile(pa.table({"s": [big, "small", None]}))["s"]
    assert c.max_length == 8 << 20 and c.max_length_bytes == 16 << 20
    assert c.distinct_count == 2


def test_invalid_utf8_in_string_column_is_counted():
    arr = pa.Array.from_buffers(pa.string(), 2, [None, pa.py_buffer(np.array([0, 2, 4], np.int32)), pa.py_buffer(b"\xff\xfeok")])
    c = tp.profile(pa.table({"s": arr}))["s"]
    assert c.invalid_utf8_count == 1


def test_duplicate_rows_within_one_unit():
    t = pa.table({"a": [1, 1, 2, 1, None, None], "b": ["x", "x", "x", "y", None, None]})
    p = tp.profile(t)
    assert p.duplicate_row_count == 2 and p.duplicate_row_count_is_exact


def test_column_selection_and_unknown_column():
    t = pa.table({"a": [1], "b": ["x"]})
    assert tp.profile(t, columns=["b"]).column_names == ["b"]
    with pytest.raises(InvalidInputError, match="column 'zz' not found"):
        tp.profile(t, columns=["zz"])


def test_producers_agree():
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    duckdb = pytest.importorskip("duckdb")
    data = {"i": [3, 1, None, 3], "s": ["a", None, "b", "a"], "f": [1.0, 2.5, None, float("nan")]}
    arrow = tp.profile(pa.table(data))
    profiles = {
        "polars": tp.profile(pl.DataFrame(data, strict=False)),
        "pandas": tp.profile(pd.DataFrame(data)),
        "duckdb": tp.profile(duckdb.sql("select * from (values (3,'a',1.0),(1,null,2.5),(null,'b',null),(3,'a','nan'::double)) t(i,s,f)")),
        "lazy": tp.profile(pl.DataFrame(data, strict=False).lazy()),
    }
    for who, p in profiles.items():
        assert p["i"].min == 1 and p["i"].max == 3 and p["i"].distinct_count == 2, who
        assert p["s"].distinct_count == 2 and p["s"].top_values[0].value == "a", who
        assert p["f"].distribution.mean == pytest.approx(arrow["f"].distribution.mean), who


def test_unsupported_input_type():
    with pytest.raises(UnsupportedError, match="cannot profile"):
        tp.profile(12345)


def test_decimal128_keeps_all_38_digits():
    from decimal import Decimal

    values = [Decimal("1234567890123456789012345678.1234567891"), Decimal("-9.0000000001"), None]
    c = tp.profile(pa.table({"d": pa.array(values, pa.decimal128(38, 10))}))["d"]
    assert c.max == values[0] and c.min == values[1]
    assert c.distribution.max == values[0] and c.distribution.min == values[1]
    assert {v.value for v in c.top_values} == {values[0], values[1]}
    assert json.loads(c_json(c))["max"] == "1234567890123456789012345678.1234567891"


def test_hugeint_max_keeps_every_digit():
    import duckdb

    rel = duckdb.sql("select 170141183460469231731687303715884105727::HUGEINT as h union all select 1")
    c = tp.profile(rel)["h"]
    assert c.max == 170141183460469231731687303715884105727


@pytest.mark.parametrize(
    "arrow_type, name",
    [
        (pa.decimal256(76, 20), "decimal256(76, 20)"),
        (pa.month_day_nano_interval(), "month_day_nano_interval"),
    ],
)
def test_unprofiled_types_have_readable_names(arrow_type, name):
    from decimal import Decimal

    value = Decimal("1.5") if pa.types.is_decimal(arrow_type) else pa.MonthDayNano([1, 2, 3])
    c = tp.profile(pa.table({"v": pa.array([value, None], arrow_type)}))["v"]
    assert c.physical_type == name
    assert c.row_count == 2 and c.null_count == 1


def c_json(column) -> str:
    return json.dumps(column.to_dict())
