"""The Spark backend (``pip install 'truthound[spark]'``): units of work as Spark tasks, and the
fixed merge tree (:mod:`truthound.profiler.merge_tree`) as Spark stages.

The C++ kernel runs inside Spark's Python workers. A profile run (:meth:`SparkBackend.reduce_units`)
is one Spark job whose stages are the units and then the levels of the merge tree, so the driver
collects one partial per group of units (one per HASH bucket, one otherwise):

* **Units of files or in-memory tables** (the planner's, exactly as the local backend runs them):
  ``range(n)`` in ``n`` partitions, joined with the pickled units (broadcast), so task ``i``
  unpickles unit ``i`` alone (a path and row groups, a CSV byte range, a table slice) and calls
  :func:`~truthound.profiler.distributed.plan.run_unit` on the executor. Each returns a row: its
  place in the tree and its partial.
* **Units of a Spark DataFrame** (a :class:`SparkFrame` source): the DataFrame is profiled where its
  partitions are, with ``mapInArrow``: each task hands its iterator of Arrow record batches to the
  kernel (no row-by-row Python) and returns one row, the partition's partial. A unit (the whole
  frame, or one column group) is the tree over its partitions, merged on the executors by the
  stages below keyed by partition; the partials are cached, and one small job counts them to know
  the tree's depth. Under HASH the frame is repartitioned by the key columns and partition ``b``
  is bucket ``b``. No repartition otherwise.
* **The tree**: one stage per level, ``repartition`` by the node key ``(group, position // fan_in)``
  and ``groupBy(...).applyInArrow`` of ``_core.merge_group``, until each group has one node; then
  ``collect()``. The profile is byte-identical with the local backend's, which folds the same tree
  on the driver. A data error of a unit travels up the tree in place of bytes and is raised on the
  driver, naming the unit's file and rows; Spark does not retry it.

:meth:`SparkBackend.map_units` still runs each unit as its own job and streams the partials back,
for callers that merge on the driver. Units only the driver can read (a DuckDB relation) run on the
driver; with nothing for Spark to run, ``reduce_units`` returns None and the driver merges them.

Sessions: the backend uses the session it was given, else the DataFrame's, else the active one,
else it starts one from :class:`SparkConfig` for the run and stops it afterwards (only a session
it started). ``JAVA_HOME`` and ``PYSPARK_PYTHON`` are set from the running Java and Python when
unset. Task retries are Spark's (``spark.task.maxFailures``): a unit is a pure function of its
description, so a retried task returns the same bytes. Data errors are returned by the task, not
raised, so Spark does not retry them, and are raised on the driver with their unit's file and rows.

``TRUTHOUND_FAIL_UNIT_ONCE=<unit id>`` (read on the driver when a run starts) makes the first
attempt of that unit's task fail, to check retries on a real cluster (for a DataFrame unit: its
first partition's task).
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import os
import pickle
import shlex
import shutil
import sys
import threading
import time
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial, reduce
from pathlib import Path
from typing import Any

import pyarrow as pa

from truthound.profiler import errors
from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.config import SparkConfig
from truthound.profiler.distributed.plan import (
    Part,
    StreamPart,
    Unit,
    run_unit,
)
from truthound.profiler.errors import (
    BackendError,
    InvalidInputError,
    ProfilerError,
    RemoteStoreError,
    SourceError,
    UnsupportedError,
)
from truthound.profiler.merge_tree import MergeStats, MergeTree, TreeMerge
from truthound.profiler.sources import (
    BATCH_ROWS,
    Source,
    format_of,
    names_files,
    open_source,
)

from truthound.profiler.engine_frames import (  # noqa: E402  (re-exported: a Spark source)
    SparkFrame,
    _arrow_options,
    _arrow_schema,
    _quoted,
    frame_source,
    is_spark_frame,
)

__all__ = ["SparkBackend", "SparkFrame", "frame_source", "FAIL_ONCE_ENV"]

FAIL_ONCE_ENV = "TRUTHOUND_FAIL_UNIT_ONCE"

# pyspark 4 warns on every Arrow UDF that it does not fully support pandas 3; the backend hands
# Spark Arrow batches only, never pandas objects, so the warning says nothing about this run.
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)
MIN_PYSPARK = (4, 0)

# One row per task: the plan unit, the Spark partition, and the partial bytes or the data error.
_RESULT_DDL = "unit bigint, part int, blob binary, error_kind string, error string"
_RESULT_SCHEMA = pa.schema(
    [
        ("unit", pa.int64()),
        ("part", pa.int32()),
        ("blob", pa.binary()),
        ("error_kind", pa.string()),
        ("error", pa.string()),
    ]
)
# One row per node of the merge tree: its key (group, position, partition of a DataFrame unit),
# the leaves under it, its partial bytes or the data error of its lowest failed unit, and the input
# bytes, largest input and seconds of each level below it, summed over its subtree.
_NODE_DDL = (
    "g int, pos bigint, part bigint, leaves bigint, blob binary, error_unit bigint, "
    "error_kind string, error string, "
    "level_bytes array<bigint>, level_max array<bigint>, level_seconds array<double>"
)
_NODE_SCHEMA = pa.schema(
    [
        ("g", pa.int32()),
        ("pos", pa.int64()),
        ("part", pa.int64()),
        ("leaves", pa.int64()),
        ("blob", pa.binary()),
        ("error_unit", pa.int64()),
        ("error_kind", pa.string()),
        ("error", pa.string()),
        ("level_bytes", pa.list_(pa.int64())),
        ("level_max", pa.list_(pa.int64())),
        ("level_seconds", pa.list_(pa.float64())),
    ]
)
_NODE_KEY = ("g", "pos", "part")
_MERGE_ERROR_UNIT = 1 << 62  # a merge's own error ranks after the units' data errors
# A DataFrame unit's partition p is profiled as engine unit (unit << 32 | p): the partials of one
# unit sort by partition, and the units' ranges never overlap.
_PART_BITS = 32
_POLL_SECONDS = 0.25
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class SparkBackend(UnitBackend):
    """Runs units as Spark tasks.

    Parameters
    ----------
    config
        How to start a session when there is none (``SparkConfig()`` defaults): ``master``,
        ``app_name``, and for cluster masters ``executor_memory``, ``executor_cores``,
        ``num_executors``; ``spark_config`` entries are set last. A field left at its default
        gives way to the same setting in ``spark-defaults.conf`` or ``PYSPARK_SUBMIT_ARGS``.
    session
        A ``pyspark.sql.SparkSession`` to use as is (never stopped by the backend).

    Examples
    --------
    >>> backend = SparkBackend(SparkConfig(master="local[2]"))  # doctest: +SKIP
    >>> profile = backend.profile(spark.read.parquet("data/large.parquet"))  # doctest: +SKIP
    >>> profile = backend.profile_file("hdfs://data/large.parquet")  # doctest: +SKIP
    """

    name = "spark"
    config_class = SparkConfig

    def __init__(self, config: SparkConfig | None = None, session: Any = None):
        pyspark = require_engine("pyspark", "spark", "Spark")
        _check_version(getattr(pyspark, "__version__", None))
        self.config = config or SparkConfig()
        self.session = session
        self._lock = threading.Lock()
        self._current: Any = None  # the session of the runs in progress
        self._started = False  # ... which this backend started, so stops after them
        self._users = 0
        self._held: contextlib.ExitStack | None = None
        #: What the last :meth:`reduce_units` run moved (None before one, or when the driver merged).
        self.merge_stats: MergeStats | None = None

    # -- profiling ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def opened(self, data: Any, **source_options: Any) -> Iterator[Any]:
        """``data`` as the planner should see it, for a run inside the block: a Spark DataFrame
        as a :class:`SparkFrame` source; a path pyarrow opens as its source; a path only Spark
        reads (``hdfs://`` without libhdfs, ORC) as the DataFrame of ``spark.read``, whose
        session stays up until the block ends; anything else as is."""
        if is_spark_frame(data):
            yield frame_source(data)
            return
        if not names_files(data):
            yield data
            return
        try:
            source = open_source(data, **source_options)
        except (SourceError, UnsupportedError) as exc:
            # A store that failed (unreachable, access denied) fails Spark too: keep its error.
            if isinstance(exc, RemoteStoreError) or not _spark_can_read(
                data, source_options.get("format")
            ):
                raise
            with self._session_scope() as session:
                yield _spark_read(session, data, source_options, exc)
            return
        yield source

    def map_units(self, units: Sequence[Unit], monitor: Any = None) -> Iterator[tuple[int, bytes]]:
        """Run the units on Spark; yield ``(unit_id, bytes)`` as their jobs finish.

        ``monitor``: an object with ``task_progress(done, total)``, called from a polling thread
        with the finished and total tasks of the running jobs (Spark's status tracker).
        """
        fail = _fail_once_unit()
        frames: list[tuple[Unit, SparkFrame]] = []
        driver: list[Unit] = []  # streams only the driver can read (a DuckDB relation, ...)
        remote: list[Unit] = []  # descriptions of files and table slices, shipped to tasks
        known: dict[int, SparkFrame] = {}
        for unit in units:
            frame = _frame_of(unit, known)
            if frame is not None:
                frames.append((unit, frame))
            else:
                (remote if unit.part.shippable else driver).append(unit)
        with contextlib.ExitStack() as stack:
            if remote:
                session = stack.enter_context(self._session_scope())
            else:
                session = frames[0][1].session if frames else None
            jobs = _frame_jobs(frames, fail) + [_UnitJob(u, fail) for u in remote]
            if not jobs:
                for unit in driver:
                    yield run_unit(unit)
                return
            run = _SparkRun(session, jobs, monitor)
            stack.callback(run.close)
            yield from run.results(driver)

    def reduce_units(
        self, groups: Sequence[Sequence[Unit]], fan_in: int, monitor: Any = None
    ) -> list[bytes] | None:
        """Run the units and merge each group's partials through the merge tree on the executors;
        return each group's root (the driver collects one partial per group).

        ``groups``: lists of units in unit order (one per HASH bucket, one otherwise). ``monitor``:
        told ``partition_complete(unit_id)`` for each unit once its partial is made (at the end of
        the Spark job) and, when it has one, ``task_progress(done, total)`` as tasks finish.
        ``self.merge_stats`` records the tree's nodes and inputs per level (the levels of the
        DataFrame units' partitions first), the bytes each level merged, and what ``collect()``
        returned. None when no unit needs Spark (streams only the driver can read): the driver
        runs them and merges through the same tree.
        """
        MergeTree(fan_in)  # checks fan_in
        started = time.perf_counter()
        fail = _fail_once_unit()
        frames: list[tuple[Unit, SparkFrame]] = []
        driver: list[Unit] = []
        remote: list[Unit] = []
        known: dict[int, SparkFrame] = {}
        for group in groups:
            for unit in group:
                frame = _frame_of(unit, known)
                if frame is not None:
                    frames.append((unit, frame))
                else:
                    (remote if unit.part.shippable else driver).append(unit)
        if not frames and not remote:
            self.merge_stats = None
            return None
        tree = _TreeJob(groups, fan_in, frames, remote, fail)
        with contextlib.ExitStack() as stack:
            if frames:
                session = frames[0][1].session
            else:
                session = stack.enter_context(self._session_scope())
            for unit in driver:  # a plan's units are all streams or none are: rarely any here
                tree.add_driver_leaf(unit, run_unit(unit)[1])
                if monitor is not None:
                    monitor.partition_complete(unit.unit_id)
            run = _SparkRun(session, [tree], monitor)
            stack.callback(run.close)
            roots = dict(run.results(()))
        if monitor is not None:
            for unit_id in sorted([u.unit_id for u, _ in frames] + [u.unit_id for u in remote]):
                monitor.partition_complete(unit_id)
        tree.stats.seconds = time.perf_counter() - started
        self.merge_stats = tree.stats
        return [roots[g] for g in range(len(groups))]

    # -- sessions -------------------------------------------------------------------------------

    def __enter__(self) -> SparkBackend:
        """Hold one session (given, active, or started here) for every run inside the block."""
        if self._held is None:
            held = contextlib.ExitStack()
            held.enter_context(self._session_scope())
            self._held = held
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the session held by ``with backend:`` (stopped if this backend started it)."""
        held, self._held = self._held, None
        if held is not None:
            held.close()

    @contextlib.contextmanager
    def _session_scope(self) -> Iterator[Any]:
        """The session for a run: given, active, or started here and stopped after the last run
        that uses it."""
        with self._lock:
            if self._users == 0:
                self._current, self._started = self._find_or_start()
            self._users += 1
            session = self._current
        try:
            yield session
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0:
                    if self._started:
                        self._current.stop()
                    self._current, self._started = None, False

    def _find_or_start(self) -> tuple[Any, bool]:
        if self.session is not None:
            return self.session, False
        from pyspark.sql import SparkSession

        active = _active_session()
        if active is not None:
            return active, False
        prepare_environment()
        builder = SparkSession.builder.appName(self.config.app_name).master(self.config.master)
        for key, value in session_conf(self.config).items():
            builder = builder.config(key, value)
        try:
            return builder.getOrCreate(), True
        except Exception as exc:
            raise BackendError(
                f"cannot start a Spark session on {self.config.master!r}: {_summary(exc)}"
            ) from exc

    def __repr__(self) -> str:
        return f"SparkBackend(master={self.config.master!r})"


# -- DataFrames as sources ------------------------------------------------------------------------


def _frame_of(unit: Unit, known: dict[int, SparkFrame]) -> SparkFrame | None:
    """The Spark frame a unit reads, if any; ``known`` keeps one per DataFrame."""
    part = unit.part
    if not isinstance(part, StreamPart):
        return None
    data = part.stream_source
    if isinstance(data, SparkFrame):
        return data
    if is_spark_frame(data):  # planned by open_source directly (no SparkFrame wrapper)
        if id(data) not in known:
            known[id(data)] = SparkFrame(data, _arrow_schema(data), part.label)
        return known[id(data)]
    return None


# -- paths through spark.read ----------------------------------------------------------------------


def _path_list(data: Any) -> list[str]:
    return [os.fspath(p) for p in (data if isinstance(data, (list, tuple)) else [data])]


def _spark_format(paths: list[str], fmt: str | None) -> str | None:
    if fmt:
        return fmt.lower()
    for path in paths:
        if path.rstrip("/").lower().endswith(".orc"):
            return "orc"
        if format_of(path):
            return format_of(path)
    return None


def _spark_can_read(data: Any, fmt: str | None) -> bool:
    """Paths that pyarrow cannot read and Spark may: URLs other than file:// (hdfs:// without
    libhdfs, schemes with Hadoop connectors), and ORC."""
    paths = _path_list(data)
    if _spark_format(paths, fmt) == "orc":
        return True
    return any("://" in p and not p.startswith("file://") for p in paths)


def _spark_read(session: Any, data: Any, options: dict[str, Any], cause: Exception) -> Source:
    named = _path_list(data)
    # Spark resolves a relative path against the JVM's working directory, not this process's.
    paths = [p if "://" in p else os.path.abspath(os.path.expanduser(p)) for p in named]
    fmt = _spark_format(paths, options.get("format"))
    if fmt is None:
        raise UnsupportedError(
            f"cannot tell the format of {named[0]!r} (pyarrow could not open it: {cause}): "
            "pass format='parquet', 'csv', 'json' or 'orc'"
        ) from cause
    reader = session.read.format("csv" if fmt == "tsv" else fmt)
    if fmt in ("csv", "tsv"):
        reader = (
            reader.option("header", bool(options.get("header", True)))
            .option("sep", options.get("delimiter") or ("\t" if fmt == "tsv" else ","))
            .option("quote", options.get("quote_char", '"'))
            .option("multiLine", bool(options.get("newlines_in_values", False)))
            .option("inferSchema", True)
        )
    try:
        df = reader.load(paths if len(paths) > 1 else paths[0])
    except Exception as exc:  # AnalysisException: PATH_NOT_FOUND, unreadable files
        raise SourceError(f"cannot read {', '.join(named)!r} with Spark: {_summary(exc)}") from exc
    return frame_source(df, ", ".join(named))


# -- sessions --------------------------------------------------------------------------------------


def prepare_environment() -> None:
    """Before starting a session: the executors' Python is this one, and ``JAVA_HOME`` is the Java
    on PATH; both only when unset. Raises BackendError when there is no Java."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    java_home = os.environ.get("JAVA_HOME")
    if java_home:
        if not (Path(java_home) / "bin" / "java").exists():
            raise BackendError(f"JAVA_HOME={java_home!r} has no bin/java: point it at a Java 17+")
    else:
        java = shutil.which("java")
        if java is None:
            raise BackendError(
                "the Spark backend needs Java 17 or later and there is no java on PATH: "
                "install it (Debian: apt-get install openjdk-17-jre-headless, or run "
                "scripts/install-spark-deps.sh) or set JAVA_HOME"
            )
        os.environ["JAVA_HOME"] = str(Path(java).resolve().parent.parent)
    spark_home = os.environ.get("SPARK_HOME")
    if spark_home and not (Path(spark_home) / "bin" / "spark-submit").exists():
        raise BackendError(f"SPARK_HOME={spark_home!r} has no bin/spark-submit")


def session_conf(config: SparkConfig) -> dict[str, str]:
    """The Spark settings of a session started from ``config``.

    Our defaults (UI off, console progress off, driver on 127.0.0.1 for local and loopback
    masters, 64K-row Arrow batches) and the config's fields at their default values give way to
    the same keys in ``spark-defaults.conf`` or ``PYSPARK_SUBMIT_ARGS``; fields you set, then
    ``spark_config``, win.
    """
    master = config.master.strip()
    ours = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.execution.arrow.maxRecordsPerBatch": str(BATCH_ROWS),
    }
    if _loopback(master):
        ours["spark.driver.bindAddress"] = "127.0.0.1"
        ours["spark.driver.host"] = "127.0.0.1"
    preset = preset_conf()
    conf = {k: v for k, v in ours.items() if k not in preset}
    if not master.startswith("local"):
        defaults = SparkConfig()
        fields = {
            "spark.executor.memory": "executor_memory",
            "spark.executor.cores": "executor_cores",
            "spark.executor.instances": "num_executors",
        }
        for key, name in fields.items():
            value = getattr(config, name)
            if value != getattr(defaults, name) or key not in preset:
                conf[key] = str(value)
    conf.update({str(k): str(v) for k, v in config.spark_config.items()})
    effective = {**preset, **conf}
    if master.startswith("spark://") and "spark.cores.max" not in effective:
        # Standalone masters size an application by cores, not by executor count.
        cores = int(effective["spark.executor.cores"])
        conf["spark.cores.max"] = str(cores * int(effective["spark.executor.instances"]))
    return conf


def preset_conf() -> dict[str, str]:
    """Settings in ``spark-defaults.conf`` ($SPARK_CONF_DIR, else $SPARK_HOME/conf) and ``--conf``
    in ``PYSPARK_SUBMIT_ARGS`` (the latter win, as in spark-submit)."""
    found: dict[str, str] = {}
    conf_dir = os.environ.get("SPARK_CONF_DIR")
    if not conf_dir and os.environ.get("SPARK_HOME"):
        conf_dir = os.path.join(os.environ["SPARK_HOME"], "conf")
    if conf_dir:
        path = Path(conf_dir) / "spark-defaults.conf"
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                line = line.strip()
                if line and not line.startswith("#"):
                    key, _, value = line.replace("=", " ", 1).partition(" ")
                    found[key] = value.strip()
    args = shlex.split(os.environ.get("PYSPARK_SUBMIT_ARGS", ""))
    for i, arg in enumerate(args):
        if arg in ("--conf", "-c") and i + 1 < len(args):
            setting = args[i + 1]
        elif arg.startswith("--conf="):
            setting = arg.removeprefix("--conf=")
        else:
            continue
        key, _, value = setting.partition("=")
        found[key] = value
    return found


def _loopback(master: str) -> bool:
    if master.startswith("local"):
        return True
    if not master.startswith("spark://"):
        return False
    hosts = [h.rsplit(":", 1)[0] for h in master.removeprefix("spark://").split(",")]
    return all(h in _LOOPBACK for h in hosts)


def _check_version(version: str | None) -> None:
    if version is None:
        return  # a stand-in module (tests of engine detection)
    try:
        parts = tuple(int(p) for p in version.split(".")[:2])
    except ValueError:
        return  # a development build: assume it is recent
    if parts < MIN_PYSPARK:
        raise BackendError(
            f"the Spark backend needs pyspark {'.'.join(map(str, MIN_PYSPARK))} or later, "
            f"found {version}: pip install -U 'truthound[spark]'"
        )


def _active_session() -> Any:
    """The active or default session of this thread, or None."""
    from pyspark.sql import SparkSession

    try:
        return SparkSession.active()
    except Exception:  # PySparkRuntimeError: NO_ACTIVE_OR_DEFAULT_SESSION
        return None


def _context(session: Any) -> Any:
    """The SparkContext of a classic session; None under Spark Connect."""
    try:
        return session.sparkContext
    except Exception:  # PySparkNotImplementedError on Spark Connect
        return None


# -- jobs ------------------------------------------------------------------------------------------


class _Job:
    """One Spark action: ``results(session)`` runs it and returns ``[(unit_id, bytes), ...]``."""

    first: int = 0  # its first unit, to hand results over in unit order when several finish
    description: str = ""

    def results(self, session: Any) -> list[tuple[int, bytes]]:
        raise NotImplementedError


class _UnitJob(_Job):
    """A planner unit as a one-task job: the task unpickles it and runs ``run_unit``."""

    def __init__(self, unit: Unit, fail: int | None):
        self.unit = unit
        self.first = unit.unit_id
        self.description = unit.where
        self._fail = fail == unit.unit_id

    def results(self, session):
        # Pickled when submitted, so only the window of units in flight is held twice.
        task = _UnitTask(pickle.dumps(self.unit), self._fail)
        rows = session.range(0, 1, 1, 1).mapInArrow(task, _RESULT_DDL).collect()
        return [(self.unit.unit_id, _blob(rows[0]))]


class _FrameJob(_Job):
    """A DataFrame unit: every partition of the frame (or of its column group) is profiled where
    it is; the partials are merged in partition order into the unit's."""

    def __init__(self, unit: Unit, frame: SparkFrame, fail: int | None):
        self.unit = unit
        self.frame = frame
        self.first = unit.unit_id
        self.description = f"{unit.where} (Spark DataFrame)"
        # A column group reads the columns its relations need too (unit.read_columns).
        names = list(unit.read_columns) if unit.columns is not None else None
        read = frame.schema if names is None else pa.schema([frame.schema.field(n) for n in names])
        self._columns = names
        self._task = _FrameTask(
            unit.unit_id,
            unit.columns,
            unit.schema,
            read,
            unit.options,
            frame.description,
            hashed=False,
            fail_unit=fail,
        )

    def selected(self) -> Any:
        """The frame, or its column group's columns."""
        df = self.frame.df
        if self._columns is not None:
            df = df.select(*[_col(n) for n in self._columns])
        return df

    def results(self, session):
        rows = self.selected().mapInArrow(self._task, _RESULT_DDL).collect()
        fold = TreeMerge(len(rows))
        for row in rows:
            fold.add(row.part, _blob(row))
        return [(self.unit.unit_id, fold.result())]


class _BucketJob(_Job):
    """HASH units of a DataFrame: one job repartitions the frame by the key columns into the
    plan's buckets; partition ``b`` is bucket ``b`` (equal rows meet in one partition)."""

    def __init__(self, units: list[Unit], frame: SparkFrame, fail: int | None):
        self.units = sorted(units, key=lambda u: u.unit_id)
        self.frame = frame
        first = self.units[0]
        self.first = first.unit_id
        self.buckets = first.buckets
        self.description = f"{frame.description}, {self.buckets} hash buckets (Spark DataFrame)"
        schema = frame.schema
        keys = list(first.key_columns or schema.names)
        wanted = set(first.columns or schema.names) | set(keys)
        self._read = [n for n in schema.names if n in wanted]
        self._keys = [k for k in keys if not pa.types.is_nested(schema.field(k).type)]
        read = pa.schema([schema.field(n) for n in self._read])
        self._task = _FrameTask(
            0,
            first.columns,
            first.schema,
            read,
            first.options,
            frame.description,
            hashed=True,
            fail_unit=fail,
        )

    def partitioned(self) -> Any:
        """The frame repartitioned by the key columns into the plan's buckets."""
        from pyspark.sql import functions as F

        schema = self.frame.schema
        df = self.frame.df.select(*[_col(n) for n in self._read])
        keys = []
        for name in self._keys:
            column = _col(name)
            if pa.types.is_floating(schema.field(name).type):
                # -0.0 and 0.0 are equal rows for the engine: route them together.
                column = F.when(column == 0, F.lit(0.0)).otherwise(column)
            keys.append(column)
        return df.repartition(self.buckets, *(keys or [F.lit(0)]))

    def results(self, session):
        rows = self.partitioned().mapInArrow(self._task, _RESULT_DDL).collect()
        if sorted(r.part for r in rows) != list(range(self.buckets)):
            raise _coalesced(len(rows), self.buckets)
        by_part = {r.part: _blob(r) for r in rows}
        return [(u.unit_id, by_part[u.bucket]) for u in self.units]


def _coalesced(partitions: int, buckets: int) -> BackendError:
    return BackendError(
        f"Spark returned {partitions} partitions for {buckets} hash buckets "
        "(adaptive execution must not coalesce repartition(n, keys))"
    )


def _frame_jobs(frames: list[tuple[Unit, SparkFrame]], fail: int | None) -> list[_Job]:
    hashed = [(u, f) for u, f in frames if u.bucket is not None]
    jobs: list[_Job] = [_FrameJob(u, f, fail) for u, f in frames if u.bucket is None]
    if hashed:
        jobs.append(_BucketJob([u for u, _ in hashed], hashed[0][1], fail))
    return jobs


def _col(name: str) -> Any:
    from pyspark.sql import functions as F

    return F.col(_quoted(name))


def _blob(row: Any) -> bytes:
    if row.error_kind is not None:
        raise _data_error(row.error_kind, row.error)
    return bytes(row.blob)


def _data_error(kind: str, message: str) -> ProfilerError:
    cls = getattr(errors, kind, None)
    if not (isinstance(cls, type) and issubclass(cls, ProfilerError)):
        cls = BackendError
    return cls(message)


def _fail_once_unit() -> int | None:
    text = os.environ.get(FAIL_ONCE_ENV, "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidInputError(
            f"{FAIL_ONCE_ENV} must be a unit id (a non-negative integer), got {text!r}"
        )
    return int(text)


# -- the merge tree as Spark stages ----------------------------------------------------------------


class _TreeJob(_Job):
    """A run's units and the merge tree over them: ``results`` collects ``[(group, root), ...]``.

    Leaves are node rows (``_NODE_DDL``) keyed by their group ``g`` and position ``pos`` in it;
    a DataFrame unit's partitions are leaves ``part`` = 0..p-1 under its position, merged first.
    Every stage keys each row by its parent (``part div fan_in``, then ``pos div fan_in``) and
    merges each key's rows into one: a level of the tree. Trees that are done pass through the
    later stages as one-child nodes, unchanged.
    """

    def __init__(
        self,
        groups: Sequence[Sequence[Unit]],
        fan_in: int,
        frames: list[tuple[Unit, SparkFrame]],
        remote: list[Unit],
        fail: int | None,
    ):
        self.groups = groups
        self.fan_in = fan_in
        self.where = {
            u.unit_id: (g, pos) for g, group in enumerate(groups) for pos, u in enumerate(group)
        }
        self.frames = frames
        self.remote = remote
        self.fail = fail
        self.driver_rows: list[dict[str, Any]] = []
        self.stats = MergeStats(fan_in=fan_in)
        units = [u for group in groups for u in group]
        self.first = units[0].unit_id
        more = f" and {len(units) - 1} more units" if len(units) > 1 else ""
        self.description = f"{units[0].where}{more}"

    def add_driver_leaf(self, unit: Unit, blob: bytes) -> None:
        """The partial of a unit the driver ran, to join the tree."""
        g, pos = self.where[unit.unit_id]
        self.driver_rows.append(_leaf_row(g, pos, 0, unit.unit_id, blob, None, None))

    def results(self, session):
        from pyspark.sql import DataFrame
        from pyspark.sql import functions as F

        width = 2 * _parallelism(session)
        cached: list[Any] = []
        try:
            leaves, shapes, partials = [], [], 0
            per_unit: dict[int, int] = {}  # leaves under a DataFrame unit: its partitions
            if self.remote:
                leaves.append(self._unit_leaves(session))
                partials += len(self.remote)
            hashed = [(u, f) for u, f in self.frames if u.bucket is not None]
            if hashed:
                leaves.append(self._bucket_leaves(hashed))
                partials += len(hashed)
            whole = [(u, f) for u, f in self.frames if u.bucket is None]
            if whole:
                frame_leaves, counts = self._frame_leaves(whole, cached)
                shapes = _stage_shapes(counts, self.fan_in)
                for _, nodes in shapes:
                    frame_leaves = frame_leaves.withColumn(
                        "part", F.expr(f"part div {self.fan_in}")
                    )
                    frame_leaves = _merge_stage(frame_leaves, min(nodes, width))
                leaves.append(frame_leaves)
                partials += sum(counts)
                per_unit.update((u.unit_id, n) for (u, _), n in zip(whole, counts, strict=True))
            if self.driver_rows:
                table = pa.Table.from_pylist(self.driver_rows, schema=_NODE_SCHEMA)
                leaves.append(session.createDataFrame(table, _NODE_DDL))
                partials += len(self.driver_rows)
            tree = reduce(DataFrame.unionByName, leaves)
            unit_shapes = _stage_shapes([len(group) for group in self.groups], self.fan_in)
            for _, nodes in unit_shapes:
                tree = tree.withColumn("pos", F.expr(f"pos div {self.fan_in}"))
                tree = _merge_stage(tree, min(nodes, width))
            rows = tree.collect()
        finally:
            for df in cached:
                with contextlib.suppress(Exception):
                    df.unpersist()
        expected = [sum(per_unit.get(u.unit_id, 1) for u in group) for group in self.groups]
        roots = self._roots(rows, expected, bool(hashed))
        self._record(rows, partials, shapes + unit_shapes)
        return sorted(roots.items())

    def _unit_leaves(self, session) -> Any:
        """The units of files and tables: task ``i`` runs unit ``i``, shipped as one row of a
        broadcast table, so a task unpickles its own unit only (an in-memory table's slice)."""
        from pyspark.sql import functions as F

        n = len(self.remote)
        where = [self.where[u.unit_id] for u in self.remote]
        pickled = pa.chunked_array([[pickle.dumps(u)] for u in self.remote], pa.binary())
        units = session.createDataFrame(
            pa.table(
                {
                    "id": pa.array(range(n), pa.int64()),
                    "g": pa.array([g for g, _ in where], pa.int32()),
                    "pos": pa.array([pos for _, pos in where], pa.int64()),
                    "unit": pickled,
                }
            )
        )
        tasks = session.range(0, n, 1, n).join(F.broadcast(units), "id")
        return tasks.mapInArrow(_LeafTask(self.fail), _NODE_DDL)

    def _bucket_leaves(self, hashed: list[tuple[Unit, SparkFrame]]) -> Any:
        """HASH units of a DataFrame: Spark partition ``b`` of the repartitioned frame is the leaf
        of bucket ``b``'s unit."""
        job = _BucketJob([u for u, _ in hashed], hashed[0][1], self.fail)
        task = replace(job._task, positions={u.bucket: self.where[u.unit_id] for u, _ in hashed})
        return job.partitioned().mapInArrow(task, _NODE_DDL)

    def _frame_leaves(self, whole: list[tuple[Unit, SparkFrame]], cached: list[Any]):
        """The partials of the DataFrame units' partitions, cached, and the number of partitions
        of each unit (one small job, which also makes the partials)."""
        from pyspark.sql import DataFrame
        from pyspark.sql import functions as F

        parts = []
        offset = 0
        for unit, frame in whole:
            job = _FrameJob(unit, frame, self.fail)
            selected = job.selected()
            # A task's TaskContext numbers partitions across the union of the units: the unit's
            # own partitions start at the partitions of the units before it.
            task = replace(
                job._task,
                positions={unit.unit_id: self.where[unit.unit_id]},
                partition_offset=offset,
            )
            offset += selected.rdd.getNumPartitions()
            leaf = selected.mapInArrow(task, _NODE_DDL)
            parts.append(leaf.withColumn("part", F.spark_partition_id().cast("bigint")))
        leaves = reduce(DataFrame.unionByName, parts).cache()
        cached.append(leaves)
        found = {
            (r.g, r.pos): (r.n, r.top)
            for r in leaves.groupBy("g", "pos")
            .agg(F.count(F.lit(1)).alias("n"), F.max("part").alias("top"))
            .collect()
        }
        counts = []
        for unit, _ in whole:
            n, top = found.get(self.where[unit.unit_id], (0, -1))
            if n == 0 or top != n - 1:
                raise BackendError(
                    f"Spark returned {n} partials for the {top + 1} partitions of {unit.where}"
                )
            counts.append(n)
        return leaves, counts

    def _roots(self, rows: list[Any], expected: list[int], hashed: bool) -> dict[int, bytes]:
        """Each group's root; a data error of a unit is raised here, naming its file and rows."""
        failed = [r for r in rows if r.error_kind is not None]
        if failed:
            first = min(failed, key=lambda r: r.error_unit)
            raise _data_error(first.error_kind, first.error)
        got = {r.g: r.leaves for r in rows}
        if len(rows) != len(got) or [got.get(g, 0) for g in range(len(expected))] != expected:
            if hashed:
                raise _coalesced(len(rows), len(expected))
            raise BackendError(
                f"Spark returned the roots of {sorted(got.items())} (group, partials) for "
                f"{list(enumerate(expected))} while profiling {self.description}"
            )
        return {r.g: bytes(r.blob) for r in rows}

    def _record(self, rows: list[Any], partials: int, shapes: list[tuple[int, int]]) -> None:
        """``self.stats`` from the tree's shape, the bytes measured on the executors (summed over
        the roots' subtrees) and the rows ``collect()`` returned."""
        s = self.stats
        s.leaves = partials
        s.inputs_per_level = [inputs for inputs, _ in shapes]
        s.nodes_per_level = [nodes for _, nodes in shapes]
        levels = range(len(shapes))
        s.bytes_per_level = [sum(r.level_bytes[i] for r in rows) for i in levels]
        s.max_partial_bytes_per_level = [max(r.level_max[i] for r in rows) for i in levels]
        s.seconds_per_level = [sum(r.level_seconds[i] for r in rows) for i in levels]
        s.partials_received_by_driver = len(rows)
        s.bytes_received_by_driver = s.result_bytes = sum(len(r.blob) for r in rows)


def _stage_shapes(counts: Sequence[int], fan_in: int) -> list[tuple[int, int]]:
    """``(inputs, nodes)`` of each stage that merges trees of ``counts`` leaves side by side: as
    many stages as the deepest tree has levels (none for single leaves)."""
    tree = MergeTree(fan_in)
    depth = max((tree.plan(n).depth for n in counts if n > 1), default=0)
    shapes = []
    for _ in range(depth):
        parents = [-(-n // fan_in) for n in counts]
        shapes.append((sum(counts), sum(parents)))
        counts = parents
    return shapes


def _merge_stage(df: Any, partitions: int) -> Any:
    """One level of the tree: the rows of each key merged into one (``_merge_node``), in
    ``partitions`` tasks (an explicit count, which adaptive execution keeps)."""
    keys = list(_NODE_KEY)
    return df.repartition(partitions, *keys).groupBy(*keys).applyInArrow(_merge_node, _NODE_DDL)


def _parallelism(session: Any) -> int:
    context = _context(session)
    if context is not None:
        return context.defaultParallelism
    return int(session.conf.get("spark.default.parallelism", "2"))


# -- the run: jobs in flight, results as they finish -----------------------------------------------


class _SparkRun:
    """The jobs of one ``map_units`` call: a window of them in flight from a thread pool, in one
    Spark job group, with an optional status-tracker poll for the monitor."""

    def __init__(self, session: Any, jobs: list[_Job], monitor: Any):
        self.session = session
        self.jobs = jobs
        self.group = f"truthound-{uuid.uuid4().hex[:12]}"
        self.context = _context(session)
        self.window = max(2, min(len(jobs), 2 * _parallelism(session)))
        self.pool = cf.ThreadPoolExecutor(self.window, thread_name_prefix="truthound-spark")
        self.finished = False
        self.poller = None
        if monitor is not None and self.context is not None and hasattr(monitor, "task_progress"):
            self.poller = _TaskProgress(self.context, self.group, monitor.task_progress)

    def results(self, driver: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
        queue = iter(self.jobs)
        running: dict[cf.Future, _Job] = {}

        def submit_next() -> None:
            job = next(queue, None)
            if job is not None:
                running[self.pool.submit(self._run, job)] = job

        for _ in range(self.window):
            submit_next()
        for unit in driver:  # units only the driver can read, while Spark runs the others
            yield run_unit(unit)
        while running:
            done, _ = cf.wait(running, return_when=cf.FIRST_COMPLETED)
            for future in sorted(done, key=lambda f: running[f].first):
                running.pop(future)
                results = future.result()
                submit_next()
                yield from sorted(results)
        self.finished = True

    def _run(self, job: _Job) -> list[tuple[int, bytes]]:
        if self.context is not None:
            self.context.setJobGroup(self.group, job.description[:200], interruptOnCancel=True)
        else:
            self.session.addTag(self.group)
        try:
            return job.results(self.session)
        except ProfilerError:
            raise
        except Exception as exc:  # Py4JJavaError, PythonException, SparkConnectException
            raise BackendError(
                f"Spark failed while profiling {job.description}: {_summary(exc)}"
            ) from exc

    def close(self) -> None:
        """Cancel the jobs not finished (after a failure or an early stop), wait for the threads."""
        if not self.finished:
            with contextlib.suppress(Exception):  # the session may be gone already
                if self.context is not None:
                    self.context.cancelJobGroup(self.group)
                else:
                    self.session.interruptTag(self.group)
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.poller is not None:
            self.poller.stop()


class _TaskProgress:
    """Polls Spark's status tracker for the tasks of a job group and reports (done, total)."""

    def __init__(self, context: Any, group: str, report: Callable[[int, int], Any]):
        self._tracker = context.statusTracker()
        self._group = group
        self._report = report
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._poll, name="truthound-spark-progress", daemon=True
        )
        self._thread.start()

    def _poll(self) -> None:
        last = None
        while not self._stop.wait(_POLL_SECONDS):
            done = total = 0
            for job_id in self._tracker.getJobIdsForGroup(self._group):
                job = self._tracker.getJobInfo(job_id)
                for stage_id in job.stageIds if job else ():
                    stage = self._tracker.getStageInfo(stage_id)
                    if stage is not None:
                        done += stage.numCompletedTasks
                        total += stage.numTasks
            if total and (done, total) != last:
                last = (done, total)
                self._report(done, total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _summary(exc: BaseException) -> str:
    """The cause of a Spark error in one line: a Python worker's last traceback line, else the
    first line of the message."""
    text = str(exc).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "Traceback (most recent call last)" in text:
        python = [ln for ln in lines if not ln.startswith(("at ", "File ", "SQLSTATE"))]
        tail = [
            ln for ln in python if ":" in ln and ln.split(":", 1)[0].replace(".", "").isidentifier()
        ]
        if tail:
            return tail[-1]
    return lines[0] if lines else type(exc).__name__


# -- what runs on the executors --------------------------------------------------------------------


def _attempt(
    unit_id: int, compute: Callable[[], bytes], fail: bool
) -> tuple[bytes | None, str | None, str | None]:
    """Run ``compute`` in a Spark task: ``(bytes, None, None)``, or the data error as
    ``(None, kind, message)`` (returned, so not retried). Anything else raises, and Spark retries
    the task."""
    from pyspark import TaskContext

    context = TaskContext.get()
    pa.set_cpu_count(max(1, context.cpus()))  # Arrow's decoding threads: the task's cores
    if fail and context.attemptNumber() == 0:
        raise RuntimeError(f"{FAIL_ONCE_ENV}={unit_id}: the first attempt of this task fails")
    try:
        return compute(), None, None
    except ProfilerError as exc:
        return None, type(exc).__name__, str(exc)


def _task_row(unit_id: int, part: int, compute: Callable[[], bytes], fail: bool) -> pa.RecordBatch:
    """A ``map_units`` task's result row (``_RESULT_SCHEMA``)."""
    blob, kind, message = _attempt(unit_id, compute, fail)
    return pa.RecordBatch.from_arrays(
        [
            pa.array([unit_id], pa.int64()),
            pa.array([part], pa.int32()),
            pa.array([blob], pa.binary()),
            pa.array([kind], pa.string()),
            pa.array([message], pa.string()),
        ],
        schema=_RESULT_SCHEMA,
    )


def _leaf_row(
    g: int,
    pos: int,
    part: int,
    unit_id: int,
    blob: bytes | None,
    kind: str | None,
    message: str | None,
) -> dict[str, Any]:
    """A leaf of the merge tree (``_NODE_SCHEMA``): a unit's (or a partition's) partial or data
    error."""
    return {
        "g": g,
        "pos": pos,
        "part": part,
        "leaves": 1,
        "blob": blob,
        "error_unit": None if kind is None else unit_id,
        "error_kind": kind,
        "error": message,
        "level_bytes": [],
        "level_max": [],
        "level_seconds": [],
    }


def _unit_bytes(unit: Unit) -> bytes:
    return run_unit(unit)[1]


@dataclass(frozen=True)
class _LeafTask:
    """``mapInArrow`` function of the units of files and tables: each input row is a unit's place
    in the tree (``g``, ``pos``) and the pickled unit; each output row is its leaf."""

    fail_unit: int | None  # FAIL_ONCE_ENV

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for row in batch.select(["g", "pos", "unit"]).to_pylist():
                unit: Unit = pickle.loads(row["unit"])
                fail = unit.unit_id == self.fail_unit
                result = _attempt(unit.unit_id, partial(_unit_bytes, unit), fail)
                leaf = _leaf_row(row["g"], row["pos"], 0, unit.unit_id, *result)
                yield pa.RecordBatch.from_pylist([leaf], schema=_NODE_SCHEMA)


def _merge_node(table: pa.Table) -> pa.Table:
    """``applyInArrow`` function of a tree stage: a key's rows (the children of one node, in any
    order: ``merge_group`` sorts them by unit) into the node's row. A one-child node is its child.
    A child's data error travels up in place of bytes (the error of the lowest unit, whatever the
    order); the level's input bytes, largest input and seconds are added to the subtree's."""
    from truthound import _core

    started = time.perf_counter()
    children = table.to_pylist()
    node = dict(children[0])
    sizes = [len(c["blob"]) for c in children if c["blob"] is not None]
    failed = [c for c in children if c["error_kind"] is not None]
    if failed:
        first = min(failed, key=lambda c: c["error_unit"])
        node.update(blob=None, error_unit=first["error_unit"])
        node.update(error_kind=first["error_kind"], error=first["error"])
    elif len(children) > 1:
        try:
            node["blob"] = _core.merge_group([c["blob"] for c in children])
        except ProfilerError as exc:
            node.update(blob=None, error_unit=_MERGE_ERROR_UNIT)
            node.update(error_kind=type(exc).__name__, error=f"merging partials: {exc}")
    node["leaves"] = sum(c["leaves"] for c in children)
    below = range(len(node["level_bytes"]))
    node["level_bytes"] = [sum(c["level_bytes"][i] for c in children) for i in below]
    node["level_bytes"].append(sum(sizes))
    node["level_max"] = [max(c["level_max"][i] for c in children) for i in below]
    node["level_max"].append(max(sizes, default=0))
    node["level_seconds"] = [sum(c["level_seconds"][i] for c in children) for i in below]
    node["level_seconds"].append(time.perf_counter() - started)
    return pa.Table.from_pylist([node], schema=_NODE_SCHEMA)


@dataclass(frozen=True)
class _UnitTask:
    """``mapInArrow`` function of a unit job: its input is one row of ``range(1)``."""

    unit: bytes  # the pickled Unit
    fail: bool

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for _ in batches:
            pass
        unit: Unit = pickle.loads(self.unit)
        yield _task_row(unit.unit_id, 0, lambda: run_unit(unit)[1], self.fail)


@dataclass(frozen=True)
class _FrameTask:
    """``mapInArrow`` function over a DataFrame's partitions: the task's batches are the unit's
    rows, profiled with the table's column ordinals (``schema``; the columns outside the unit are
    placeholders, as ``open_unit`` does for files)."""

    unit_id: int
    columns: tuple[str, ...] | None
    schema: pa.Schema  # the whole table's
    read: pa.Schema  # the columns Spark sends
    options: dict[str, Any]
    label: str
    hashed: bool  # partition p is plan unit p (HASH), else the partitions of unit_id
    fail_unit: int | None  # FAIL_ONCE_ENV: the plan unit whose first task attempt fails
    # reduce_units: plan unit -> (group, position) in the merge tree; the task returns a leaf row
    # (_NODE_SCHEMA) instead of a result row
    positions: dict[int, tuple[int, int]] | None = None
    partition_offset: int = 0  # the unit's first partition in a union of several units' frames

    def __call__(self, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        from pyspark import TaskContext

        p = TaskContext.get().partitionId() - self.partition_offset
        plan_unit = p if self.hashed else self.unit_id
        engine_unit = p if self.hashed else (self.unit_id << _PART_BITS) | p
        label = f"{self.label} partition {p}"
        part = _TaskBatches(batches, self.read, label)
        unit = Unit(engine_unit, part, self.schema, self.options, columns=self.columns)
        fail = plan_unit == self.fail_unit and (self.hashed or p == 0)
        if self.positions is None:
            yield _task_row(plan_unit, p, lambda: run_unit(unit)[1], fail)
            return
        g, pos = self.positions[plan_unit]
        result = _attempt(plan_unit, lambda: run_unit(unit)[1], fail)
        leaf = _leaf_row(g, pos, 0 if self.hashed else p, plan_unit, *result)
        yield pa.RecordBatch.from_pylist([leaf], schema=_NODE_SCHEMA)


class _TaskBatches(Part):
    """The record batches Spark hands a ``mapInArrow`` task, as a part (readable once, there)."""

    shippable = False

    def __init__(self, batches: Iterable[pa.RecordBatch], schema: pa.Schema, label: str):
        self.batches = batches
        self.schema = schema
        self.label = label

    def open(self, columns, schema):
        reader = pa.RecordBatchReader.from_batches(self.schema, iter(self.batches))
        if columns is None or list(columns) == self.schema.names:
            return reader
        names = list(columns)
        projected = pa.schema([self.schema.field(n) for n in names])
        return pa.RecordBatchReader.from_batches(projected, (b.select(names) for b in reader))
