"""Which session the backend uses, and the settings of one it starts."""

from __future__ import annotations

import pytest

from truthound.profiler.distributed import SparkBackend, SparkConfig
from truthound.profiler.distributed.backends.spark import session_conf


def test_an_active_session_is_used_and_never_stopped(spark, data_dir):
    with SparkBackend(SparkConfig(master="local[1]")) as backend:
        first = backend.profile_file(str(data_dir / "data.parquet"))
        second = backend.profile(spark.read.parquet(str(data_dir / "data.parquet")))
    assert first.row_count == second.row_count == 6_000
    assert not spark.sparkContext._jsc.sc().isStopped()
    assert spark.sparkContext.master == "local[2,2]"  # the active session, not the config's


def test_local_masters_bind_the_driver_to_loopback_with_the_ui_off(monkeypatch):
    monkeypatch.delenv("SPARK_CONF_DIR", raising=False)
    monkeypatch.delenv("PYSPARK_SUBMIT_ARGS", raising=False)
    conf = session_conf(SparkConfig(master="local[2]"))
    assert conf["spark.ui.enabled"] == "false"
    assert conf["spark.driver.bindAddress"] == conf["spark.driver.host"] == "127.0.0.1"
    assert not any(k.startswith("spark.executor.") for k in conf)  # no executors in local mode
    remote = session_conf(SparkConfig(master="spark://master:7077"))
    assert "spark.driver.host" not in remote  # the cluster's executors must reach the driver
    assert remote["spark.executor.memory"] == "4g" and remote["spark.cores.max"] == "8"
    loopback = session_conf(SparkConfig(master="spark://127.0.0.1:7077"))
    assert loopback["spark.driver.host"] == "127.0.0.1"


def test_spark_defaults_win_over_config_defaults_not_over_what_you_set(tmp_path, monkeypatch):
    (tmp_path / "spark-defaults.conf").write_text(
        "# cluster settings\nspark.executor.cores 1\nspark.executor.memory=512m\n"
        "spark.ui.enabled true\n"
    )
    monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    monkeypatch.setenv("PYSPARK_SUBMIT_ARGS", "--conf spark.executor.instances=3 pyspark-shell")
    conf = session_conf(SparkConfig(master="spark://127.0.0.1:7077"))
    for key in ("spark.executor.cores", "spark.executor.memory", "spark.executor.instances"):
        assert key not in conf  # Spark's own settings stand
    assert "spark.ui.enabled" not in conf
    assert conf["spark.cores.max"] == "3"  # 1 core (spark-defaults) x 3 executors (--conf)
    mine = session_conf(
        SparkConfig(
            master="spark://127.0.0.1:7077",
            executor_memory="2g",
            spark_config={"spark.executor.cores": "3", "spark.ui.enabled": "false"},
        )
    )
    assert mine["spark.executor.memory"] == "2g"  # a field you set wins
    assert mine["spark.executor.cores"] == "3" and mine["spark.ui.enabled"] == "false"
    assert mine["spark.cores.max"] == "9"


def test_missing_java_says_how_to_install_it(monkeypatch):
    from truthound.profiler.distributed.backends.spark import prepare_environment
    from truthound.profiler.errors import BackendError

    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(BackendError, match="openjdk-17-jre-headless"):
        prepare_environment()
    monkeypatch.setenv("JAVA_HOME", "/nonexistent")
    with pytest.raises(BackendError, match="JAVA_HOME='/nonexistent' has no bin/java"):
        prepare_environment()
