"""The mixed table the engine tests profile: integers with nulls, floats with NaN, strings (some
empty, blank or non-ASCII), dates and booleans; its last 300 rows repeat the first 300 exactly
(300 duplicate rows)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa


def mixed_table(rows: int, seed: int = 11, repeated_ids: bool = True) -> pa.Table:
    """``repeated_ids``: the ``id`` column repeats with the rows (every column of a duplicate row
    is equal); False: ``id`` is the row number, so the duplicate rows differ in it."""
    rng = np.random.default_rng(seed)
    floats = rng.normal(10, 3, rows)
    floats[::97] = np.nan
    words = np.array(["alpha", "beta", "gamma", "δέλτα", "", "  ", "epsilon-long-value"])
    ids = np.arange(rows) % (rows - 300) if repeated_ids else np.arange(rows, dtype=np.int64)
    table = pa.table(
        {
            "id": pa.array(ids),
            "i": pa.array(rng.integers(-50, 500, rows), mask=rng.random(rows) < 0.1),
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
    return pa.concat_tables([table.slice(0, rows - 300), table.slice(0, 300)])
