"""The Dask examples of spec/distributed-processing.md and the "Dask" section of
docs/user-guide.md, run as written (paths aside) on the process cluster and moto's S3."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import dask.dataframe as dd
import pyarrow.parquet as pq

from .conftest import th_command, untimed

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"


def test_spec_dask_examples(at_cluster, s3_env, data_dir):
    from truthound.profiler.distributed import (
        DaskBackend,
        DaskConfig,
        DistributedBackend,
        DistributedProfiler,
    )

    # "Dask 백엔드"
    profiler = DistributedProfiler.create(
        backend=DistributedBackend.DASK,
        config=DaskConfig(scheduler="distributed"),
    )
    profile = profiler.profile(str(data_dir / "data.parquet"))  # spec: "hdfs://data/large.parquet"
    assert profile.row_count == 6_000 and profile.backend == "dask"
    from_s3 = profiler.profile("s3://bucket/data/*.parquet")

    # "DaskBackend"
    config = DaskConfig(
        scheduler="distributed",
        num_workers=8,
        memory_limit="8GB",
    )
    backend = DaskBackend(config)
    dask_df = dd.read_parquet(str(data_dir / "parts"))
    profile = backend.profile(dask_df)
    assert profile.row_count == 6_000 and profile.unit_count == dask_df.npartitions
    profile = backend.profile_file("s3://bucket/data/*.parquet")
    assert untimed(profile) == untimed(from_s3)


def test_spec_dask_cli_line(at_cluster, s3_env):
    # th profile s3://bucket/data/*.parquet --distributed --backend dask --scheduler distributed
    done = subprocess.run(
        th_command(
            "profile",
            "s3://bucket/data/*.parquet",
            "--distributed",
            "--backend",
            "dask",
            "--scheduler",
            "distributed",
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "6,000 rows × 6 columns" in done.stdout and "backend dask" in done.stdout


def _section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("\n## Dask\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def test_user_guide_dask_section(at_cluster, s3_env, table, tmp_path, monkeypatch, capsys):
    (tmp_path / "data").mkdir()
    pq.write_table(table, tmp_path / "data" / "large.parquet", row_group_size=1_500)
    pq.write_table(table, tmp_path / "data.parquet")
    monkeypatch.chdir(tmp_path)
    section = _section()

    namespace: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) >= 4
    for code in blocks:
        exec(compile(code, str(GUIDE), "exec"), namespace)
    out = capsys.readouterr().out
    assert "6,000 rows in 4 units on dask" in out
    assert namespace["first"].row_count == namespace["second"].row_count == 6_000
    assert namespace["profile"].source == "s3://bucket/data/*.parquet"

    lines = [
        line.split("  #")[0].strip()
        for block in re.findall(r"```bash\n(.*?)```", section, flags=re.DOTALL)
        for line in block.splitlines()
    ]
    env = {k: v for k, v in os.environ.items() if k != "DASK_SCHEDULER_ADDRESS"}
    ran = 0
    for line in lines:
        line = line.replace("tcp://scheduler:8786", at_cluster.address)
        if line.startswith("export "):
            key, value = line.removeprefix("export ").split("=", 1)
            env[key] = value
        elif line.startswith("th "):
            done = subprocess.run(
                th_command(*shlex.split(line)[1:]),
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=120,
            )
            assert done.returncode == 0, (line, done.stderr)
            ran += 1
    assert ran == 3
    assert (tmp_path / "p.json").exists()
