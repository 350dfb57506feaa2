"""The memory guards themselves: a child past its ceiling is killed and the test fails; the
session watchdog ends a runaway process with its exit code."""

import subprocess
import sys
from pathlib import Path

import pytest
from memguard import RssWatchdog, run_limited

TESTS = Path(__file__).resolve().parents[1]


def test_run_limited_returns_output_and_peak():
    run = run_limited("import numpy as np; print(np.ones(10_000_000).sum())", max_rss_mb=1000)
    assert run.stdout.strip() == "10000000.0"
    assert run.peak_rss_mb > 70  # the 80 MB array was seen


def test_run_limited_kills_a_child_past_its_ceiling():
    with pytest.raises(AssertionError, match="passed 300 MB"):
        run_limited(
            "import numpy as np, time; a = np.ones(100_000_000); time.sleep(30)", max_rss_mb=300
        )


def test_watchdog_ends_a_runaway_process():
    code = (
        f"import sys, time; sys.path.insert(0, {str(TESTS)!r}); import numpy as np\n"
        "from memguard import RssWatchdog\n"
        "RssWatchdog(300, describe=lambda: 'the runaway').start()\n"
        "a = np.ones(100_000_000); time.sleep(30)\n"
    )
    child = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, timeout=60
    )
    assert child.returncode == RssWatchdog.EXIT_CODE
    assert "the runaway" in child.stderr
