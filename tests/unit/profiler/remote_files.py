"""Files for the remote-source tests (a Parquet file of several row groups, a CSV and an NDJSON
file, an Arrow IPC file), the comparison of a profile read remotely with the one read from disk,
and ``th`` run as a user runs it (a process of its own, timed, with no AWS settings)."""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pyarrow import feather

ROWS = 40_000
ROW_GROUP = 5_000  # 8 row groups
FILES = ("data.parquet", "data.csv", "data.ndjson", "data.arrow")

# Statistics that are exact whatever the plan (sketch-based ones are compared whole elsewhere).
EXACT_TABLE = ("row_count", "column_count", "duplicate_row_count")
EXACT_COLUMN = (
    "name",
    "physical_type",
    "row_count",
    "null_count",
    "distinct_count",
    "min",
    "max",
    "nan_count",
    "zero_count",
    "negative_count",
    "true_count",
    "false_count",
    "empty_string_count",
    "min_length",
    "max_length",
)


def table(rows: int = ROWS) -> pa.Table:
    rng = np.random.default_rng(21)
    floats = rng.normal(5, 2, rows)
    floats[::61] = np.nan
    words = np.array(["north", "south", "east", "west", "", "centre-ville", "ünïcode"])
    return pa.table(
        {
            "id": pa.array(np.arange(rows)),
            "n": pa.array(rng.integers(-100, 1_000, rows), mask=rng.random(rows) < 0.07),
            "f": pa.array(floats),
            "s": pa.array(words[rng.integers(0, len(words), rows)], mask=rng.random(rows) < 0.04),
            "b": pa.array(rng.random(rows) < 0.4),
            "d": pa.array(
                [
                    dt.date(2021, 1, 1) + dt.timedelta(days=int(x))
                    for x in rng.integers(0, 700, rows)
                ]
            ),
        }
    )


def write_files(folder: Path) -> dict[str, Path]:
    data = table()
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(data, folder / "data.parquet", row_group_size=ROW_GROUP)
    pacsv.write_csv(data, folder / "data.csv")
    with open(folder / "data.ndjson", "w", encoding="utf-8") as f:
        for row in data.slice(0, 5_000).to_pylist():
            row["d"] = row["d"].isoformat()
            f.write(json.dumps(row, allow_nan=True) + "\n")
    feather.write_feather(data, folder / "data.arrow")
    return {name: folder / name for name in FILES}


def exact(profile_dict: dict) -> dict:
    """The exact statistics of a profile (``TableProfile.to_dict()``)."""
    return {
        **{k: profile_dict[k] for k in EXACT_TABLE},
        "columns": [{k: c.get(k) for k in EXACT_COLUMN} for c in profile_dict["columns"]],
    }


def untimed(profile_dict: dict) -> dict:
    """The whole profile without what depends on where and when it ran."""
    d = dict(profile_dict)
    for key in ("profiled_at", "profile_duration_ms", "name", "source"):
        d.pop(key, None)
    d["columns"] = [
        {k: v for k, v in c.items() if k not in ("profiled_at", "profile_duration_ms")}
        for c in d["columns"]
    ]
    return d


def th(*args: str, env: dict[str, str] | None = None, netns: bool = False):
    """``th ARGS`` in a process of its own, without AWS settings from this environment (plus
    ``env``); ``netns``: in a user and network namespace with no interface up (no network at all).
    Returns (the completed process, seconds it took)."""
    from s3server import clean_aws_env

    command = [sys.executable, "-m", "truthound.cli", *args]
    if netns:
        command = ["unshare", "--user", "--map-root-user", "--net", *command]
    started = time.monotonic()
    done = subprocess.run(
        command,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
        env=clean_aws_env({**os.environ, **(env or {})}),
    )
    return done, time.monotonic() - started


def one_line_error(done: subprocess.CompletedProcess, elapsed: float) -> str:
    """The one ``th: error:`` line of a run that exited 1 within 20 s."""
    assert done.returncode == 1 and elapsed < 20, (elapsed, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("th: error: "), done.stderr
    return lines[0]


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
