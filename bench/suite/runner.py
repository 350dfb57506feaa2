"""Run one tool configuration on one data set, several times, each run its own process.

A run's peak RSS and CPU time come from ``os.wait4`` on the child (its own and those of the
children it waited for), topped up by a psutil watch over the whole process group (for pools
that are not waited for). A watchdog kills the group at the time cap or the memory cap; the run
is then reported as such.
"""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench.suite.data import ROOT, Dataset


@dataclass
class Tool:
    key: str  # worker name
    label: str  # shown in the tables
    env: str  # "main" or a venv name
    knob: str  # how its thread count is set, "" if it has none
    ours: bool = False
    short: str = ""  # for the charts


TOOLS = {
    t.key: t
    for t in [
        Tool("th-cli", "th profile (CLI)", "main", "--workers N", ours=True, short="th profile"),
        Tool(
            "th-profile",
            "truthound.profiler.profile (API)",
            "main",
            "",
            ours=True,
            short="tp.profile",
        ),
        Tool(
            "th-distributed",
            "DistributedProfiler local (API)",
            "main",
            "num_workers=N",
            ours=True,
            short="DistributedProfiler",
        ),
        Tool("duckdb", "DuckDB SUMMARIZE", "main", "SET threads=N", short="DuckDB"),
        Tool("polars", "polars describe()", "main", "POLARS_MAX_THREADS=N", short="polars"),
        Tool(
            "truthound-pypi",
            "truthound 3 (PyPI) profiler",
            "truthound-pypi",
            "POLARS_MAX_THREADS=N",
            short="truthound 3 (PyPI)",
        ),
        Tool("whylogs", "whylogs why.log", "whylogs", "", short="whylogs"),
        Tool(
            "ydata",
            "ydata-profiling minimal",
            "ydata-profiling",
            "pool_size=N",
            short="ydata minimal",
        ),
    ]
}


@dataclass
class Run:
    status: str  # ok | timeout | memory | failed
    call_s: float | None = None  # the profiling call, timed inside the process
    wall_s: float = 0.0  # the whole process, interpreter start included
    cpu_s: float = 0.0
    rss_mb: float = 0.0
    error: str = ""
    result: dict = field(default_factory=dict)


@dataclass
class Measurement:
    dataset: str
    tool: str
    threads: int
    status: str  # ok | timeout | memory | failed | not installed
    runs: int = 0
    time_s: float | None = None  # median of the profiling call
    wall_s: float | None = None  # median process wall
    cpu_s: float | None = None  # median CPU (user + system)
    rss_mb: float | None = None  # max over runs
    cells: int = 0
    rows: int = 0
    sample_of: str = ""  # the data set this run's file was sampled from
    version: str = ""
    note: str = ""
    error: str = ""
    times: list = field(default_factory=list)
    result: dict = field(default_factory=dict)  # the first run's extracted numbers

    def to_dict(self) -> dict:
        return asdict(self)


def _thread_env(threads: int) -> dict:
    env = dict(os.environ)
    n = str(threads)
    for var in (
        "OMP_NUM_THREADS",
        "POLARS_MAX_THREADS",
        "OPENBLAS_NUM_THREADS",
        "MKL_NUM_THREADS",
        "NUMEXPR_MAX_THREADS",
        "NUMBA_NUM_THREADS",
        "RAYON_NUM_THREADS",
    ):
        env[var] = n  # OMP_NUM_THREADS also caps Arrow's CPU pool (file decoding) for every tool
    env["PYTHONWARNINGS"] = "ignore"
    env.pop("TRUTHOUND_DISTRIBUTED_BACKEND", None)
    return env


def _tree_rss(pid: int) -> float:
    """RSS of a process and its descendants, MiB (0 if psutil is missing or the process is gone)."""
    try:
        import psutil
    except ImportError:
        return 0.0
    try:
        proc = psutil.Process(pid)
        total = proc.memory_info().rss
        children = proc.children(recursive=True)
    except psutil.Error:
        return 0.0
    for child in children:
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total / 2**20


def run_once(cmd: list[str], env: dict, time_cap: float, mem_cap_mb: float) -> Run:
    """One process: wall, CPU, peak RSS; killed at the caps."""
    err_file = tempfile.TemporaryFile()  # noqa: SIM115 (closed below, after the child exits)
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=err_file, start_new_session=True
    )
    state = {"killed": "", "tree_rss": 0.0}
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.25):
            rss = _tree_rss(proc.pid)
            state["tree_rss"] = max(state["tree_rss"], rss)
            reason = ""
            if time.perf_counter() - started > time_cap:
                reason = "timeout"
            elif rss > mem_cap_mb:
                reason = "memory"
            if reason:
                state["killed"] = reason
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    done.set()
    watcher.join()
    try:  # whatever the child left behind in its group
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.returncode = os.waitstatus_to_exitcode(status)
    err_file.seek(0)
    stderr = err_file.read().decode(errors="replace")
    rss = max(usage.ru_maxrss / 1024, state["tree_rss"])
    run = Run(status="ok", wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime, rss_mb=rss)
    if state["killed"]:
        run.status = state["killed"]
        run.error = (
            f"killed after {time_cap:.0f} s"
            if run.status == "timeout"
            else f"killed at {mem_cap_mb / 1024:.0f} GiB RSS"
        )
    elif proc.returncode != 0:
        run.status = "failed"
        lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
        run.error = " | ".join(lines[-3:])[-600:] or f"exit code {proc.returncode}"
    return run


def _worker_cmd(
    python: str, tool: str, ds: Dataset, threads: int, out: Path, extra: list[str]
) -> list[str]:
    return [
        python,
        "-m",
        "bench.suite.worker",
        tool,
        str(ds.path),
        str(out),
        "--format",
        ds.fmt,
        "--threads",
        str(threads),
        *extra,
    ]


def _th_script() -> list[str]:
    import sysconfig

    script = Path(sysconfig.get_path("scripts")) / "th"
    return [str(script)] if script.exists() else [sys.executable, "-m", "truthound.cli"]


def run_config(
    tool: Tool,
    python: str,
    ds: Dataset,
    threads: int,
    *,
    time_cap: float,
    mem_cap_mb: float,
    parse: bool,
) -> Run:
    """One run of one configuration; with ``parse``, also the numbers it reported."""
    env = _thread_env(threads)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        out = Path(tmp) / "result.json"
        if tool.key == "th-cli":
            cli_out = Path(tmp) / "profile.json"
            cmd = [
                *_th_script(),
                "profile",
                str(ds.path),
                "--backend",
                "local",
                "--workers",
                str(threads),
                "--format",
                "json",
                "--quiet",
                "-o",
                str(cli_out),
            ]
            run = run_once(cmd, env, time_cap, mem_cap_mb)
            if run.status == "ok":
                run.call_s = run.wall_s
                if parse:  # read the numbers out of the CLI's JSON (not timed)
                    proc = subprocess.run(
                        _worker_cmd(
                            python, "th-cli", ds, threads, out, ["--cli-output", str(cli_out)]
                        ),
                        cwd=ROOT,
                        capture_output=True,
                        text=True,
                        check=False,
                    )
                    if proc.returncode == 0:
                        run.result = json.loads(out.read_text())
                    else:
                        run.error = "could not read the CLI's JSON: " + proc.stderr.strip()[-300:]
            return run
        run = run_once(
            _worker_cmd(python, tool.key, ds, threads, out, []), env, time_cap, mem_cap_mb
        )
        if run.status == "ok":
            try:
                run.result = json.loads(out.read_text())
                run.call_s = run.result.get("call_seconds")
            except (OSError, ValueError) as exc:
                run.status, run.error = "failed", f"no result: {exc}"
        return run


def aggregate(tool: Tool, ds: Dataset, threads: int, runs: list[Run]) -> Measurement:
    """Medians of the successful runs (max of the peak RSS)."""
    m = Measurement(
        dataset=ds.key,
        tool=tool.key,
        threads=threads,
        status="ok",
        cells=ds.cells,
        rows=ds.rows,
        sample_of=ds.meta.get("sample_of", ""),
    )
    ok = [r for r in runs if r.status == "ok"]
    if not ok:
        bad = runs[-1]
        m.status, m.error, m.runs = bad.status, bad.error, 0
        m.wall_s, m.rss_mb, m.cpu_s = bad.wall_s, bad.rss_mb, bad.cpu_s
        return m
    m.runs = len(ok)
    m.times = [round(r.call_s, 4) for r in ok]
    m.time_s = statistics.median(r.call_s for r in ok)
    m.wall_s = statistics.median(r.wall_s for r in ok)
    m.cpu_s = statistics.median(r.cpu_s for r in ok)
    m.rss_mb = max(r.rss_mb for r in ok)
    first = next((r.result for r in ok if r.result), {})
    m.version = first.get("version", "")
    m.result = {
        k: first.get(k)
        for k in ("columns", "stats_per_column", "rows", "sum_seconds", "cells")
        if k in first
    }
    if len(ok) < len(runs):
        m.note = f"{len(runs) - len(ok)} run(s) failed: {runs[-1].error}"
    return m


def measure(
    tool: Tool,
    python: str,
    ds: Dataset,
    threads: int,
    *,
    repeats: int,
    budget_s: float,
    time_cap: float,
    mem_cap_mb: float,
) -> Measurement:
    """Up to ``repeats`` runs in a row; stops repeating once the runs so far took ``budget_s``."""
    runs: list[Run] = []
    spent = 0.0
    for i in range(repeats):
        run = run_config(
            tool, python, ds, threads, time_cap=time_cap, mem_cap_mb=mem_cap_mb, parse=i == 0
        )
        runs.append(run)
        spent += run.wall_s
        if run.status != "ok" or spent >= budget_s:
            break
    return aggregate(tool, ds, threads, runs)
