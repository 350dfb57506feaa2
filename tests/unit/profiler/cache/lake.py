"""A small growing lake for the cache tests: Parquet files of mixed columns, one per day, and the
comparison of a cached profile with an uncached one of the same plan."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROWS = 4_000


def day_table(day: int, rows: int = ROWS) -> pa.Table:
    rng = np.random.default_rng(day)
    floats = rng.normal(day, 3, rows)
    floats[::53] = np.nan
    words = np.array(["alpha", "beta", "gamma", "δέλτα", "", "epsilon-long-value"])
    return pa.table(
        {
            "id": pa.array(np.arange(rows) + day * rows),
            "i": pa.array(rng.integers(-50, 500, rows), mask=rng.random(rows) < 0.1),
            "f": pa.array(floats),
            "s": pa.array(words[rng.integers(0, len(words), rows)], mask=rng.random(rows) < 0.05),
            "d": pa.array([dt.date(2024, 1, 1) + dt.timedelta(days=day)] * rows),
            "b": pa.array(rng.random(rows) < 0.3),
        }
    )


def add_day(folder: Path, day: int, rows: int = ROWS, row_group_size: int | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"day-{day:03d}.parquet"
    pq.write_table(day_table(day, rows), path, row_group_size=row_group_size)
    return path


def lake(folder: Path, days: int, **kwargs) -> Path:
    for day in range(days):
        add_day(folder, day, **kwargs)
    return folder


def untimed(profile) -> str:
    """The profile's JSON without the facts of the run (timings, cache use)."""
    d = profile.to_dict()
    for key in ("profiled_at", "profile_duration_ms", "cache"):
        d.pop(key, None)
    for c in d["columns"]:
        c.pop("profiled_at")
        c.pop("profile_duration_ms")
    return json.dumps(d, sort_keys=True)


def entries(cache_dir: Path) -> list[Path]:
    folder = cache_dir / "entries"
    return sorted(folder / n for n in os.listdir(folder)) if folder.exists() else []
