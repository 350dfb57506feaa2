import numpy as np
import pytest
from memguard import SESSION_LIMIT_MB, RssWatchdog

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
