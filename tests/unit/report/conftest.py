"""Fixtures for the HTML report tests: profiles (small, 1,000 columns, hostile names) and a
headless Chromium driven by selenium.

The browser is Debian's chromium with its chromedriver (bash scripts/install-browser-deps.sh);
selenium is pointed at both, so nothing is downloaded. Browser tests skip only when chromium or
chromedriver is not installed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

import truthound.profiler as tp

ROOT = Path(__file__).resolve().parents[3]
ARTIFACTS = ROOT / "build" / "test-artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

requires_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER),
    reason="headless browser tests need Debian's chromium and chromium-driver "
    "(bash scripts/install-browser-deps.sh)",
)

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_VALUES = [
    "<img src=x onerror=alert(2)>",
    '"><svg onload=alert(3)>',
    "</title><script>alert(4)</script>",
    "' onmouseover='alert(5)",
    "${alert(6)}`;alert(7)//",
    "<b>bold</b> & <i>italic</i>",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: opens reports in a headless Chromium")


def wide_table(n_cols: int = 1000, n_rows: int = 300, seed: int = 7) -> pa.Table:
    """``n_cols`` columns of eight kinds in turn: integers, normal and log-normal floats,
    categories (one holding HTML), identifiers, booleans, timestamps, floats with NaN and ±inf;
    a few columns 30 % null."""
    rng = np.random.default_rng(seed)
    base = np.datetime64("2026-01-01T00:00:00")
    kinds = ["int", "norm", "lognorm", "cat", "id", "bool", "ts", "special"]
    columns = {}
    for i in range(n_cols):
        kind = kinds[i % len(kinds)]
        mask = rng.random(n_rows) < (0.3 if i % 13 == 0 else 0.02)
        if kind == "int":
            values = rng.integers(0, 1000, n_rows)
        elif kind == "norm":
            values = rng.normal(50, 10, n_rows)
        elif kind == "lognorm":
            values = rng.lognormal(0, 1.2, n_rows)
        elif kind == "cat":
            values = rng.choice(["red", "green", "blue", "amber", "<b>bold</b>"], n_rows)
        elif kind == "id":
            values = np.array([f"id-{i}-{j:05d}" for j in range(n_rows)])
        elif kind == "bool":
            values = rng.random(n_rows) < 0.3
        elif kind == "ts":
            values = base + rng.integers(0, 86400 * 90, n_rows).astype("timedelta64[s]")
        else:
            values = rng.normal(0, 1, n_rows)
            values[:3] = [np.nan, np.inf, -np.inf]
        columns[f"col_{i:04d}_{kind}"] = pa.array(values, mask=mask)
    return pa.table(columns)


@pytest.fixture(scope="session")
def trips_profile():
    return tp.profile(ROOT / "examples" / "trips.csv")


@pytest.fixture(scope="session")
def wide_profile():
    return tp.profile(wide_table(), correlations=True)  # the report at its largest


@pytest.fixture(scope="session")
def hostile_profile():
    values = HOSTILE_VALUES * 5
    return tp.profile(
        pa.table(
            {
                HOSTILE_NAME: values,
                '"><img src=x onerror=alert(8)>': list(range(len(values))),
                "safe": [f"v{i % 3}" for i in range(len(values))],
            }
        )
    )


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium (the system's browser and driver), logging network events."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(
            "chromium and chromium-driver are not installed: bash scripts/install-browser-deps.sh"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--force-device-scale-factor=1",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
