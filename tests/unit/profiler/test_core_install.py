"""http(s) sources after a plain ``pip install``: in a virtual environment without the system's
packages, holding only the wheel of this tree and its core dependencies (no test or engine
extra), a Parquet, a CSV and an NDJSON file served by a real HTTP server on 127.0.0.1 profile
with the same exact statistics as from disk, and a Parquet unit reads only part of its file.

The wheel is built once per session (incrementally, in the tree's build folder) and the
environment is kept in ``build/core-env`` between sessions, so a rerun only reinstalls the wheel.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from rangeserver import RangeServer

import truthound.profiler as tp

from . import remote_files

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]
CACHE = ROOT / "build" / "core-env"
NOT_CORE = ("pandas", "polars", "duckdb", "pytest", "moto", "boto3", "s3fs", "requests",
            "pyspark", "dask", "ray")  # fmt: skip

SCRIPT = r"""
import importlib.util, json, pickle, sys
base = sys.argv[1]
present = [m for m in json.loads(sys.argv[2]) if importlib.util.find_spec(m) is not None]
import truthound.profiler as tp
from truthound.profiler.distributed import DistributedProfiler
from truthound.profiler.distributed.plan import run_unit
out = {"present": present, "profiles": {}}
for name in ("data.parquet", "data.csv", "data.ndjson"):
    out["profiles"][name] = tp.profile(f"{base}/{name}").to_dict()
plan = DistributedProfiler.create(num_partitions=8).plan(f"{base}/data.parquet")
sys.stdout.write("UNIT\n"); sys.stdout.flush()
sys.stdin.readline()  # the test resets the server's byte count
run_unit(pickle.loads(pickle.dumps(plan.units[3])))
out["units"] = len(plan)
print(json.dumps(out, default=str))
"""


def _run(*args: str | os.PathLike, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args], check=False, capture_output=True, text=True, **kwargs
    )
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


@pytest.fixture(scope="session")
def core_python() -> Path:
    """The Python of an environment with only truthound's wheel and its core dependencies."""
    wheels = CACHE / "wheel"
    for old in wheels.glob("truthound-*.whl"):
        old.unlink()
    # The tree's build folder makes the build incremental; without the build backend here, pip
    # brings it in an isolated environment.
    isolation = ["--no-build-isolation"] if _has_build_backend() else []
    _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", *isolation, "-w", wheels, ROOT,
         timeout=1800)  # fmt: skip
    (wheel,) = wheels.glob("truthound-*.whl")
    env_dir = CACHE / "venv"
    python = env_dir / "bin" / "python"
    if not python.exists():
        venv.EnvBuilder(with_pip=True, clear=True, system_site_packages=False).create(env_dir)
    _run(python, "-m", "pip", "install", "-q", wheel, timeout=1800)  # the core dependencies
    _run(python, "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", wheel,
         timeout=600)  # fmt: skip
    return python


def _has_build_backend() -> bool:
    return all(importlib.util.find_spec(m) for m in ("scikit_build_core", "nanobind"))


def test_http_sources_with_only_the_core_dependencies(core_python, tmp_path):
    files = remote_files.write_files(tmp_path / "served")
    with RangeServer(tmp_path / "served") as server:
        child = subprocess.Popen(
            [str(core_python), "-c", SCRIPT, server.url, json.dumps(NOT_CORE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,  # not the tree: its src/ must not shadow the installed package
            env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        )
        try:
            assert child.stdout.readline() == "UNIT\n", child.stderr.read()
            server.reset()
            child.stdin.write("\n")
            child.stdin.flush()
            out, err = child.communicate(timeout=600)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
        assert child.returncode == 0, err
        served = dict(server.bytes_served)
    result = json.loads(out)
    assert result["present"] == [], f"not core dependencies, yet installed: {result['present']}"
    for name, remote in result["profiles"].items():
        local = tp.profile(str(files[name])).to_dict()
        assert remote_files.exact(json.loads(json.dumps(local, default=str))) == (
            remote_files.exact(remote)
        ), name
        assert remote["source"] == f"{server.url}/{name}"
    assert result["units"] == 8
    size = files["data.parquet"].stat().st_size
    assert 0 < served["data.parquet"] < size / 4, (served, size)
