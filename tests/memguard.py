"""Memory guards for tests: a regression must fail the test, never take the machine down.

Two tools, both built on psutil:

* :func:`run_limited` runs a Python snippet in a child process and kills it once its resident set
  (with its own children) passes ``max_rss_mb``; the test then fails with the peak it saw. Use it
  for anything that allocates a lot on purpose (wide tables, thousands of partials).
* :class:`RssWatchdog` guards the test process itself. ``tests/conftest.py`` starts one for the
  whole session: past its limit it names the running test and ends the process at once, because
  a runaway C++ allocation never returns to Python to be interrupted.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

import psutil

__all__ = ["LimitedRun", "RssWatchdog", "run_limited", "tree_rss"]

SESSION_LIMIT_MB = int(os.environ.get("TRUTHOUND_TEST_RSS_LIMIT_MB", "8192"))


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants."""
    total = 0
    for p in [process, *process.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


# Polling every 20 ms misses a short child's peak, so the child also reports its own high-water
# mark (ru_maxrss, in KiB on Linux) when it exits.
_REPORT_OWN_PEAK = (
    "import atexit as _mg_atexit\n"
    "def _mg_report():\n"
    "    import os, resource\n"
    "    kib = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,\n"
    "              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "    with open(os.environ['MEMGUARD_PEAK_FILE'], 'w') as f:\n"
    "        f.write(str(kib * 1024))\n"
    "_mg_atexit.register(_mg_report)\n"
)


def _reported_peak(path: str) -> int:
    try:
        with open(path) as f:
            return int(f.read() or 0)
    except (OSError, ValueError):
        return 0
    finally:
        try:
            os.unlink(path)
        except OSError:
            pass


@dataclass(frozen=True)
class LimitedRun:
    returncode: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    seconds: float


def run_limited(
    code: str, max_rss_mb: float, timeout: float = 300.0, env: dict[str, str] | None = None
) -> LimitedRun:
    """Run ``python -c code`` with a resident-memory ceiling and a time limit.

    Fails the calling test (AssertionError) when the child passes either limit, or exits non-zero.
    """
    started = time.perf_counter()
    peak_file = tempfile.NamedTemporaryFile(prefix="memguard-", suffix=".peak", delete=False)
    peak_file.close()
    child = subprocess.Popen(
        [sys.executable, "-c", _REPORT_OWN_PEAK + code],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {}), "MEMGUARD_PEAK_FILE": peak_file.name},
    )
    proc = psutil.Process(child.pid)
    peak = 0
    reason = ""
    reader = threading.Thread(target=lambda: outputs.extend(child.communicate()), daemon=True)
    outputs: list[str] = []
    reader.start()
    while child.poll() is None:
        try:
            peak = max(peak, tree_rss(proc))
        except psutil.NoSuchProcess:
            break
        if peak > max_rss_mb * 2**20:
            reason = f"resident memory passed {max_rss_mb:.0f} MB"
        elif time.perf_counter() - started > timeout:
            reason = f"still running after {timeout:.0f} s"
        if reason:
            for p in [*proc.children(recursive=True), proc]:
                try:
                    p.kill()
                except psutil.NoSuchProcess:
                    pass
            break
        time.sleep(0.02)
    reader.join(timeout=30)
    stdout, stderr = (outputs + ["", ""])[:2]
    peak = max(peak, _reported_peak(peak_file.name))
    run = LimitedRun(child.wait(), stdout, stderr, peak / 2**20, time.perf_counter() - started)
    assert not reason, f"child killed: {reason} (peak {run.peak_rss_mb:.0f} MB)\n{stderr[-2000:]}"
    assert run.returncode == 0, f"child exited {run.returncode}\n{stderr[-4000:]}"
    return run


class RssWatchdog:
    """Ends this process (exit code 86) when its resident memory, children included, passes
    ``limit_mb``, after printing ``describe()`` (the running test) to stderr."""

    EXIT_CODE = 86

    def __init__(self, limit_mb: float, describe=lambda: "", interval: float = 0.05):
        self.limit = limit_mb * 2**20
        self.describe = describe
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="rss-watchdog", daemon=True)

    def start(self) -> RssWatchdog:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _watch(self) -> None:
        me = psutil.Process()
        while not self._stop.wait(self.interval):
            rss = tree_rss(me)
            if rss > self.limit:
                sys.stderr.write(
                    f"\nRSS watchdog: {rss / 2**20:.0f} MB > {self.limit / 2**20:.0f} MB "
                    f"in {self.describe() or 'the test session'}; stopping the run\n"
                )
                sys.stderr.flush()
                for p in me.children(recursive=True):
                    try:
                        p.kill()
                    except psutil.NoSuchProcess:
                        pass
                os._exit(self.EXIT_CODE)
