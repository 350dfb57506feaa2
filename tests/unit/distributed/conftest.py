"""Data for the distributed tests, generated under tmp_path: a mixed table with nulls, NaN,
duplicate rows and strings, written as Parquet (several row groups), CSV, split files and a hive
folder."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROWS = 6_000


def make_table(rows: int = ROWS, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    ints = rng.integers(-50, 500, rows)
    floats = rng.normal(10, 3, rows)
    floats[::97] = np.nan
    words = np.array(["alpha", "beta", "gamma", "δέλτα", "", "  ", "epsilon-long-value"])
    table = pa.table(
        {
            "id": pa.array(
                np.arange(rows) % (rows - 300)
            ),  # 300 repeated ids -> duplicate rows below
            "i": pa.array(ints, mask=rng.random(rows) < 0.1),
            "f": pa.array(floats),
            "s": pa.array(words[rng.integers(0, len(words), rows)], mask=rng.random(rows) < 0.05),
            "d": pa.array(
                [
                    dt.date(2020, 1, 1) + dt.timedelta(days=int(x))
                    for x in rng.integers(0, 900, rows)
                ]
            ),
            "b": pa.array(rng.random(rows) < 0.3),
        }
    )
    # The last 300 rows repeat the first 300 exactly: 300 duplicate rows.
    return pa.concat_tables([table.slice(0, rows - 300), table.slice(0, 300)])


def untimed(profile) -> str:
    """The profile's JSON without its timings (profiled_at, profile_duration_ms)."""
    d = profile.to_dict()
    d.pop("profiled_at")
    d.pop("profile_duration_ms")
    for c in d["columns"]:
        c.pop("profiled_at")
        c.pop("profile_duration_ms")
    return json.dumps(d, sort_keys=True)


@pytest.fixture(scope="session")
def table() -> pa.Table:
    return make_table()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory, table):
    """parquet: 6 row groups; csv; parts/ (3 Parquet files); hive/ (year=... folders)."""
    root = tmp_path_factory.mktemp("data")
    pq.write_table(table, root / "data.parquet", row_group_size=1_000)
    import pyarrow.csv as pacsv

    pacsv.write_csv(table.drop_columns(["d"]), root / "data.csv")
    (root / "parts").mkdir()
    for k, (a, b) in enumerate([(0, 2_000), (2_000, 4_500), (4_500, ROWS)]):
        pq.write_table(
            table.slice(a, b - a), root / "parts" / f"part-{k}.parquet", row_group_size=700
        )
    for year, (a, b) in {"2024": (0, 3_000), "2025": (3_000, ROWS)}.items():
        (root / "hive" / f"year={year}").mkdir(parents=True)
        pq.write_table(table.slice(a, b - a), root / "hive" / f"year={year}" / "part.parquet")
    return root
