"""The Python examples of the "Ray" section of docs/user-guide.md, run in order on the session's
local Ray (which every example then uses as is), and automatic selection of an initialised Ray."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from truthound.profiler.distributed import DistributedProfiler, auto_select_backend

from .conftest import ENGINE_MARKS

pytestmark = ENGINE_MARKS

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"


def _section() -> str:
    text = GUIDE.read_text(encoding="utf-8")
    start = text.index("\n## Ray\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)]


def test_user_guide_ray_section(local_ray, table, tmp_path, monkeypatch, capsys):
    (tmp_path / "data").mkdir()
    pq.write_table(table, tmp_path / "data" / "large.parquet", row_group_size=2_500)
    pq.write_table(table, tmp_path / "data.parquet")
    pacsv.write_csv(table.drop_columns(["d"]), tmp_path / "data.csv")
    monkeypatch.chdir(tmp_path)

    namespace: dict = {}
    blocks = re.findall(r"```python\n(.*?)```", _section(), flags=re.DOTALL)
    assert len(blocks) >= 3
    for code in blocks:
        exec(compile(code, str(GUIDE), "exec"), namespace)  # noqa: S102 (the guide, as written)
    out = capsys.readouterr().out
    assert "20,000 rows in 4 units on ray" in out
    assert namespace["second"].partition_strategy == "column_based"
    assert namespace["profile"].row_count == 20_000
    assert local_ray.is_initialized()  # the examples never stop a Ray they did not start


def test_auto_selects_an_initialised_ray(local_ray, data_dir):
    assert auto_select_backend().name == "ray"
    profile = DistributedProfiler.create(backend="auto").profile(str(data_dir / "data.parquet"))
    assert profile.backend == "ray" and profile.row_count == 20_000
