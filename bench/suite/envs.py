"""Where each tool runs, and installing it there.

- The project's environment (the one running ``python -m bench``): us, DuckDB, polars, plus
  matplotlib, psutil and ``tpchgen-cli`` (``bench/requirements-peers.txt``, the ``bench`` extra).
- A virtual environment per peer under ``bench/.venvs/`` where the peer cannot share ours:
  truthound from PyPI (same import name as us), whylogs (pins ``platformdirs<4``), ydata-profiling
  (needs ``numpy<2.4`` and ``pandas<3``). Each is built from ``bench/suite/requirements/NAME.txt``
  and rebuilt when that file changes.

A tool whose install fails is reported with the error, never silently dropped.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENVS = ROOT / "bench" / ".venvs"
REQUIREMENTS = Path(__file__).resolve().parent / "requirements"
PEERS_TXT = ROOT / "bench" / "requirements-peers.txt"


@dataclass
class Env:
    name: str  # "main" or a venv name
    python: str | None  # None: not installed
    error: str = ""


def _log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def ensure_main(install: bool = True) -> Env:
    """DuckDB, polars, matplotlib, psutil, tpchgen-cli in this interpreter."""
    from bench.suite.data import tpchgen_binary

    missing = [
        m
        for m in ("duckdb", "polars", "matplotlib", "psutil")
        if importlib.util.find_spec(m) is None
    ]
    if tpchgen_binary() is None:
        missing.append("tpchgen-cli")
    if missing and install:
        _log(
            f"installing {', '.join(missing)} into this environment (bench/requirements-peers.txt) ..."
        )
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "-r", str(PEERS_TXT)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            _log("pip failed:\n" + proc.stderr[-2000:])
        importlib.invalidate_caches()
        missing = [
            m
            for m in ("duckdb", "polars", "matplotlib", "psutil")
            if importlib.util.find_spec(m) is None
        ]
    if importlib.util.find_spec("truthound") is None:
        return Env("main", None, "truthound is not installed here: run `pip install .` first")
    return Env("main", sys.executable, ("missing: " + ", ".join(missing)) if missing else "")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes() + sys.version.encode()).hexdigest()[:16]


def ensure_venv(name: str, install: bool = True) -> Env:
    """``bench/.venvs/NAME`` with ``requirements/NAME.txt`` installed; built if missing or stale."""
    req = REQUIREMENTS / f"{name}.txt"
    venv = VENVS / name
    python = venv / "bin" / "python"
    stamp = venv / ".bench-requirements"
    want = _digest(req)
    if python.exists() and stamp.exists() and stamp.read_text().strip() == want:
        return Env(name, str(python))
    if not install:
        return Env(name, None, f"not installed (run without --no-install to build {venv})")
    VENVS.mkdir(parents=True, exist_ok=True)
    (VENVS / ".gitignore").write_text("*\n")
    _log(f"building {venv.relative_to(ROOT)} from {req.relative_to(ROOT)} (once) ...")
    log = VENVS / f"{name}.log"
    with open(log, "w") as fh:
        steps = [
            [sys.executable, "-m", "venv", "--clear", str(venv)],
            [str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"],
            [str(python), "-m", "pip", "install", "-q", "-r", str(req)],
        ]
        for cmd in steps:
            fh.write("$ " + " ".join(cmd) + "\n")
            fh.flush()
            proc = subprocess.run(cmd, stdout=fh, stderr=subprocess.STDOUT, check=False)
            if proc.returncode != 0:
                tail = log.read_text().strip().splitlines()[-3:]
                return Env(
                    name, None, f"install failed ({' / '.join(tail)}); see {log.relative_to(ROOT)}"
                )
    stamp.write_text(want)
    return Env(name, str(python))
