import os
import sys

import numpy as np
import pytest
from memguard import SESSION_LIMIT_MB, RssWatchdog

# Set by scripts/test.sh (so in CI): a test that skips because an engine, the browser or a tool
# is missing fails instead, so a broken install cannot pass as a green run.
NO_SKIPS = os.environ.get("TRUTHOUND_NO_SKIPS") == "1"

_current_test = ""


def pytest_sessionstart(session):
    # Every pytest process is guarded: a runaway allocation ends the run, not the machine.
    session.config._rss_watchdog = RssWatchdog(
        SESSION_LIMIT_MB, describe=lambda: _current_test
    ).start()


def pytest_runtest_setup(item):
    global _current_test
    _current_test = item.nodeid


def pytest_sessionfinish(session):
    watchdog = getattr(session.config, "_rss_watchdog", None)
    if watchdog is not None:
        watchdog.stop()


@pytest.fixture
def rng():
    return np.random.default_rng(20261125)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under TRUTHOUND_NO_SKIPS=1 (scripts/test.sh): {reason}"


@pytest.fixture
def hide_modules(monkeypatch):
    """``hide_modules("pyspark", ...)``: importing those modules (and their submodules) raises
    ImportError until the test ends, as on a machine where they are not installed."""

    def hide(*names: str) -> None:
        for name in names:
            for loaded in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
                monkeypatch.delitem(sys.modules, loaded)
            monkeypatch.setitem(sys.modules, name, None)

    return hide


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    # A module or conftest that skips at import (pytest.importorskip) skips a whole folder.
    outcome = yield
    report = outcome.get_result()
    if NO_SKIPS and report.skipped:
        report.outcome = "failed"
        report.longrepr = f"skipped under TRUTHOUND_NO_SKIPS=1 (scripts/test.sh): {report.longrepr}"
