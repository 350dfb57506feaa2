#!/usr/bin/env python3
"""Regenerate docs/report.png: the HTML report of examples/trips.csv in headless Chromium.

    python scripts/report_screenshot.py                 # docs/report.png, 1280 px wide
    python scripts/report_screenshot.py --html out.html --height 2400

Needs Debian's chromium and chromium-driver and selenium, and for the committed look the Inter
and Nanum fonts: ``bash scripts/install-browser-deps.sh --fonts``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def browser(width: int, height: int):
    """Headless Chromium from the system (no driver download)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        sys.exit("chromium and chromedriver are needed: bash scripts/install-browser-deps.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        f"--window-size={width},{height}",
        "--force-color-profile=srgb",
        "--blink-settings=preferredColorScheme=1",
    ):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def screenshot(
    driver, html_path: Path, png_path: Path, width: int, height: int, open_columns: list[str]
) -> None:
    """Open ``html_path`` with only the sections of ``open_columns`` expanded (all when empty)
    and save the top ``width`` × ``height`` pixels of the page."""
    import base64

    driver.get(html_path.resolve().as_uri())
    if open_columns:
        driver.execute_script(
            "const keep = new Set(arguments[0]);"
            "for (const d of document.querySelectorAll('details.col'))"
            "  d.open = keep.has(d.querySelector('.nm').textContent);",
            open_columns,
        )
    full = driver.execute_script("return document.documentElement.scrollHeight")
    # A viewport as tall as the shot: sections below the fold render (content-visibility: auto).
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": min(height, full), "deviceScaleFactor": 1, "mobile": False},
    )
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, full), "scale": 1},
        },
    )
    png_path.parent.mkdir(parents=True, exist_ok=True)
    png_path.write_bytes(base64.b64decode(shot["data"]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="examples/trips.csv", help="relative to the repository")
    parser.add_argument("--out", default=str(ROOT / "docs" / "report.png"))
    parser.add_argument("--html", help="also keep the report here")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=1900)
    parser.add_argument(
        "--open",
        default="distance_km,city,note",
        help="comma-separated columns whose sections are shown expanded ('' for all)",
    )
    args = parser.parse_args()

    import truthound.profiler as tp
    from truthound.profiler.report import write_html

    os.chdir(ROOT)  # the report's title is the path as given
    profile = tp.profile(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        html_path = Path(args.html) if args.html else Path(tmp) / "report.html"
        write_html(profile, html_path)
        driver = browser(args.width, 900)
        try:
            columns = [c for c in args.open.split(",") if c]
            screenshot(driver, html_path, Path(args.out), args.width, args.height, columns)
        finally:
            driver.quit()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
