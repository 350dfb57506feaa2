"""TRUTHOUND_NO_SKIPS=1 (set by scripts/test.sh) turns every skip into a failure, so a missing
engine, browser or tool cannot hide behind a green run."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]

SAMPLE = """
import pytest

def test_skips_at_run_time():
    pytest.skip("engine missing")

@pytest.mark.skipif(True, reason="browser missing")
def test_skips_by_mark():
    pass

def test_passes():
    pass
"""

SKIPPED_MODULE = """
import pytest

pytest.importorskip("no_such_engine_module")

def test_never_collected():
    pass
"""


@pytest.mark.parametrize("no_skips", ["1", ""])
def test_skips_fail_only_under_the_variable(tmp_path, no_skips):
    shutil.copy(TESTS / "conftest.py", tmp_path / "conftest.py")
    shutil.copy(TESTS / "memguard.py", tmp_path / "memguard.py")
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    (tmp_path / "test_module.py").write_text(SKIPPED_MODULE)
    env = {**os.environ, "TRUTHOUND_NO_SKIPS": no_skips}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--continue-on-collection-errors",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        check=False,
        timeout=120,
    )
    if no_skips:
        assert run.returncode != 0, run.stdout
        assert run.stdout.count("skipped under TRUTHOUND_NO_SKIPS=1") >= 3, run.stdout
    else:
        assert run.returncode == 0, run.stdout
        assert "1 passed, 3 skipped" in run.stdout, run.stdout
