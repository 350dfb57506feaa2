"""The Python examples of the "Spark" section of docs/user-guide.md run on the test session."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"


def _spark_blocks() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    section = text.split("\n## Spark\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def test_spark_section_examples_run(spark, table, tmp_path, capsys):
    path = tmp_path / "large.parquet"
    pq.write_table(table, path, row_group_size=1_000)
    blocks = _spark_blocks()
    assert blocks
    namespace = {"spark": spark}
    for code in blocks:
        # Paths aside: Spark's JVM resolves relative paths against its own working directory.
        code = code.replace('"data/large.parquet"', repr(str(path)))
        exec(compile(code, str(GUIDE), "exec"), namespace)
    assert "6,000 rows in 4 units on spark" in capsys.readouterr().out
    assert namespace["profile"].unit_count == 8 and namespace["profile"].duplicate_row_count == 300
