"""Run a suite: install what is missing, generate data, measure, score accuracy, save, report."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.suite import data, envs, exact
from bench.suite.data import ROOT, Dataset
from bench.suite.runner import (
    TOOLS,
    Measurement,
    Tool,
    _thread_env,
    aggregate,
    run_config,
    run_once,
)
from bench.suite.suites import SUITES, Suite

RESULTS = data.DATA / "results"


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------------------------
# the machine


class LoadWatch:
    """Samples the 1-minute load average every few seconds while the suite runs."""

    def __init__(self, every: float = 5.0):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every,), daemon=True)

    def _run(self, every: float) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            if self._stop.wait(every):
                return

    def __enter__(self) -> LoadWatch:  # noqa: PYI034
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _mem_total_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return 0.0


def _git() -> dict:
    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=20, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {
        "commit": git("rev-parse", "--short", "HEAD"),
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
    }


def machine() -> dict:
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": nproc or str(len(os.sched_getaffinity(0))),
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_gib": round(_mem_total_gib(), 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_start": [round(x, 2) for x in os.getloadavg()],
        "git": _git(),
    }


# ----------------------------------------------------------------------------------------------
# accuracy


def score(measurements: list[Measurement], datasets: dict[str, Dataset]) -> dict:
    """Adds ``accuracy`` to each measurement's result (distinct-count and median errors) and
    returns the exact values per data set."""
    by_truth: dict[Path, list[Measurement]] = {}
    for m in measurements:
        if m.status == "ok" and m.result.get("columns") and m.dataset in datasets:
            by_truth.setdefault(datasets[m.dataset].truth_path, []).append(m)
    for truth_path, group in by_truth.items():
        _log(f"exact values of {truth_path.name} ...")
        truth = exact.truth(truth_path)
        medians = {
            (c, v["median"])
            for m in group
            for c, v in m.result["columns"].items()
            if v.get("median") is not None
        }
        ranks = exact.rank_errors(truth_path, truth, medians)
        for m in group:
            per_col = {}
            for col, v in m.result["columns"].items():
                t = truth.get(col)
                if t is None:
                    continue
                entry = {}
                if v.get("distinct") is not None and t["distinct"]:
                    entry["distinct"] = v["distinct"]
                    entry["distinct_rel"] = (
                        abs(float(v["distinct"]) - t["distinct"]) / t["distinct"]
                    )
                if v.get("median") is not None and (col, v["median"]) in ranks:
                    entry["median_rank"] = ranks[(col, v["median"])]
                if entry:
                    per_col[col] = entry
            d = [e["distinct_rel"] for e in per_col.values() if "distinct_rel" in e]
            r = [e["median_rank"] for e in per_col.values() if "median_rank" in e]
            m.result["accuracy"] = {
                "per_column": per_col,
                "distinct_cols": len(d),
                "distinct_max": max(d) if d else None,
                "distinct_mean": sum(d) / len(d) if d else None,
                "distinct_over_1pct": sum(1 for x in d if x > 0.01),
                "median_cols": len(r),
                "median_max": max(r) if r else None,
                "median_mean": sum(r) / len(r) if r else None,
            }
    return {
        key: exact.truth(ds.truth_path) for key, ds in datasets.items() if ds.truth_path in by_truth
    }


# ----------------------------------------------------------------------------------------------
# the run


def _warm(path: Path) -> None:
    """Read the file once so that every tool finds it in the page cache (none pays the disk)."""
    with open(path, "rb") as fh:
        while fh.read(16 << 20):
            pass


@dataclass
class _Config:
    tool: Tool
    env: envs.Env
    ds: Dataset
    threads: int
    note: str = ""
    fallback: int | None = None
    runs: list = field(default_factory=list)
    spent: float = 0.0

    def done(self, suite: Suite) -> bool:
        if not self.runs:
            return False
        return (
            len(self.runs) >= suite.repeats
            or self.runs[-1].status != "ok"
            or self.spent >= suite.budget_s
        )


def _step(cfg: _Config, suite: Suite) -> None:
    """One more run of a configuration."""
    cap = suite.time_cap_s if cfg.tool.ours else suite.peer_time_cap_s
    run = run_config(
        cfg.tool,
        cfg.env.python,
        cfg.ds,
        cfg.threads,
        time_cap=cap,
        mem_cap_mb=suite.mem_cap_mb,
        parse=not cfg.runs,
    )
    cfg.runs.append(run)
    cfg.spent += run.wall_s
    shown = (
        f"{run.call_s:.2f} s, {run.rss_mb:,.0f} MB"
        if run.status == "ok"
        else f"{run.status}: {run.error}"
    )
    _log(f"{cfg.ds.key}: {cfg.tool.label} x{cfg.threads}, run {len(cfg.runs)}: {shown}")


def _measure_block(configs: list[_Config], suite: Suite) -> list[Measurement]:
    """Runs interleaved: run 1 of every configuration, then run 2 of each, ... so that a change
    in the machine's load lands on all tools alike. A configuration stops repeating once its
    runs took the suite's budget, or one failed."""
    for _ in range(suite.repeats):
        for cfg in configs:
            if not cfg.done(suite):
                _step(cfg, suite)
    out: list[Measurement] = []
    for cfg in configs:
        m = aggregate(cfg.tool, cfg.ds, cfg.threads, cfg.runs)
        if cfg.note:
            m.note = (m.note + "; " if m.note else "") + cfg.note
        out.append(m)
    return out


def _not_installed(tool: Tool, env: envs.Env, ds: Dataset, threads: int) -> Measurement:
    return Measurement(
        dataset=ds.key,
        tool=tool.key,
        threads=threads,
        status="not installed",
        cells=ds.cells,
        rows=ds.rows,
        error=env.error,
    )


def _one(tool_key: str, env: envs.Env, ds: Dataset, threads: int, suite: Suite) -> Measurement:
    """Every run of one configuration in a row (scaling, fallbacks)."""
    tool = TOOLS[tool_key]
    if env.python is None:
        return _not_installed(tool, env, ds, threads)
    return _measure_block([_Config(tool, env, ds, threads)], suite)[0]


def run_suite(
    name: str, install: bool = True, tools: set[str] | None = None, write_docs: bool = True
) -> dict:
    suite: Suite = SUITES[name]()
    started = time.perf_counter()
    info = {
        "suite": name,
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "notes": list(suite.notes),
    }
    env_map: dict[str, envs.Env] = {"main": envs.ensure_main(install)}
    needed = {
        TOOLS[e.tool].env for b in suite.blocks for e in b.entries if not tools or e.tool in tools
    }
    for venv in sorted(needed - {"main"}):
        env_map[venv] = envs.ensure_venv(venv, install)
    if env_map["main"].python is None:
        raise SystemExit(f"bench: {env_map['main'].error}")
    info["envs"] = {k: {"python": v.python, "error": v.error} for k, v in env_map.items()}

    measurements: list[Measurement] = []
    datasets: dict[str, Dataset] = {}
    setup_s = 0.0
    with LoadWatch() as load:
        for block in suite.blocks:
            t0 = time.perf_counter()
            ds = block.make()
            datasets[ds.key] = ds
            _warm(ds.path)
            configs: list[_Config] = []
            for entry in block.entries:
                if tools and entry.tool not in tools:
                    continue
                tool = TOOLS[entry.tool]
                env = env_map[tool.env]
                target, note = ds, ""
                if entry.sample:
                    target = data.sample_of(ds, entry.sample)
                    _warm(target.path)
                    datasets[target.key] = target
                    note = f"first {target.rows:,} rows only"
                for threads in entry.threads:
                    if env.python is None:
                        measurements.append(_not_installed(tool, env, target, threads))
                    else:
                        configs.append(
                            _Config(
                                tool,
                                env,
                                target,
                                threads,
                                note=note,
                                fallback=entry.fallback_sample,
                            )
                        )
            setup_s += time.perf_counter() - t0
            block_ms = _measure_block(configs, suite)
            for cfg, m in zip(configs, block_ms):
                measurements.append(m)
                if m.status in ("timeout", "memory", "failed") and cfg.fallback:
                    sample = data.sample_of(ds, cfg.fallback)
                    datasets[sample.key] = sample
                    _warm(sample.path)
                    m2 = _one(cfg.tool.key, cfg.env, sample, cfg.threads, suite)
                    m2.note = f"first {sample.rows:,} rows only: the whole file hit {m.status}"
                    measurements.append(m2)
        kernel = _kernel(suite, env_map["main"]) if suite.kernel_rows else None
        scaling, scaling_setup = _scaling(suite, env_map["main"])
        setup_s += scaling_setup
    t0 = time.perf_counter()
    info["exact"] = score(measurements, datasets)
    setup_s += time.perf_counter() - t0  # exact values: computed once, cached

    info["load"] = {
        "min": min(load.samples),
        "mean": sum(load.samples) / len(load.samples),
        "max": max(load.samples),
    }
    info["machine"]["load_end"] = [round(x, 2) for x in os.getloadavg()]
    info["seconds"] = round(time.perf_counter() - started, 1)
    info["setup_seconds"] = round(setup_s, 1)
    info["datasets"] = {
        k: {
            "title": d.title,
            "path": str(d.path.relative_to(ROOT)),
            "fmt": d.fmt,
            "rows": d.rows,
            "columns": d.columns,
            "bytes": d.bytes,
            "generator": d.generator,
            "sample_of": d.meta.get("sample_of", ""),
        }
        for k, d in datasets.items()
    }
    info["measurements"] = [m.to_dict() for m in measurements]
    info["kernel"] = kernel
    info["scaling"] = scaling
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(info, indent=1, default=str))
    _log(
        f"results: {out.relative_to(ROOT)} ({info['seconds']:.0f} s, of which {setup_s:.0f} s data and exact values)"
    )
    if write_docs and name != "smoke":
        from bench.suite import report

        report.write_docs()
    elif write_docs:
        from bench.suite import report

        report.write_docs(main_suite="smoke", docs_dir=data.DATA / "smoke-docs")
    return info


def _kernel(suite: Suite, env: envs.Env) -> dict | None:
    _log(f"numeric kernel vs plain sum, {suite.kernel_rows:,} rows, 1 thread ...")
    with __import__("tempfile").TemporaryDirectory() as tmp:
        out = Path(tmp) / "k.json"
        cmd = [
            env.python,
            "-m",
            "bench.suite.worker",
            "kernel",
            "-",
            str(out),
            "--threads",
            "1",
            "--sample",
            str(suite.kernel_rows),
        ]
        run = run_once(cmd, _thread_env(1), suite.time_cap_s, suite.mem_cap_mb)
        if run.status != "ok":
            return {"status": run.status, "error": run.error}
        res = json.loads(out.read_text())
    return {
        "status": "ok",
        "rows": res["rows"],
        "cells": res["cells"],
        "profile_s": res["call_seconds"],
        "sum_s": res["sum_seconds"],
        "ratio": res["call_seconds"] / res["sum_seconds"],
    }


def _scaling(suite: Suite, env: envs.Env) -> tuple[list[dict], float]:
    out, setup = [], 0.0
    for sf in suite.scaling:
        t0 = time.perf_counter()
        ds = data.lineitem(sf, "parquet")
        _warm(ds.path)
        setup += time.perf_counter() - t0
        m = _one("th-cli", env, ds, suite.scaling_threads, suite)
        out.append(
            {
                "scale_factor": sf,
                "rows": ds.rows,
                "bytes": ds.bytes,
                "status": m.status,
                "time_s": m.time_s,
                "cpu_s": m.cpu_s,
                "rss_mb": m.rss_mb,
                "runs": m.runs,
                "threads": suite.scaling_threads,
                "error": m.error,
                "times": m.times,
            }
        )
    return out, setup
