"""Real Apache Spark for the Spark backend's tests (never a mock).

One ``local[2,2]`` session for the whole run (2 cores, a task may be attempted twice so that
retries can be tested; otherwise ``local[2]``), in a session time zone that is not UTC. The
standalone-cluster tests (test_cluster.py) run last: they stop this session first, so that at most
one Spark application runs at a time on the 2-core machine.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from .helpers import MASTER, TIME_ZONE, make_table

HERE = Path(__file__).resolve().parent
HAS_PYSPARK = importlib.util.find_spec("pyspark") is not None
# pyspark 4.x warns on import of its pandas helpers that pandas 3 is not fully supported; the
# backend never converts to pandas.
PYSPARK_PANDAS_WARNING = "ignore:PySpark does not yet fully support pandas:FutureWarning"


def pytest_collection_modifyitems(config, items):
    mine = [i for i in items if HERE in Path(str(i.path)).parents]
    for item in mine:
        item.add_marker(pytest.mark.engine)
        item.add_marker(pytest.mark.filterwarnings(PYSPARK_PANDAS_WARNING))
        if not HAS_PYSPARK:
            item.add_marker(pytest.mark.skip(reason="needs pyspark: scripts/install-spark-deps.sh"))
    # The cluster tests stop the local session: run them after everything else.
    items.sort(key=lambda i: i in mine and i.path.name == "test_cluster.py")


@pytest.fixture(scope="session")
def table() -> pa.Table:
    return make_table()


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory, table) -> Path:
    """data.parquet (10 row groups: 3 row parts are row groups 0-3, 4-6 and 7-9) and data.csv (the
    same rows without timestamps, decimals and dates)."""
    root = tmp_path_factory.mktemp("spark-data")
    pq.write_table(table, root / "data.parquet", row_group_size=600)
    pacsv.write_csv(table.drop_columns(["ts", "price", "day"]), root / "data.csv")
    return root


@pytest.fixture(scope="session")
def spark():
    """The one local Spark session of the run."""
    from pyspark.sql import SparkSession

    from truthound.profiler.distributed import SparkConfig
    from truthound.profiler.distributed.backends.spark import prepare_environment, session_conf

    prepare_environment()
    builder = SparkSession.builder.master(MASTER).appName("truthound-engine-tests")
    conf = session_conf(SparkConfig(master=MASTER))
    conf.update(
        {
            "spark.sql.session.timeZone": TIME_ZONE,
            "spark.sql.shuffle.partitions": "4",
            "spark.default.parallelism": "2",
            "spark.driver.memory": "1g",
        }
    )
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    yield session
    session.stop()
