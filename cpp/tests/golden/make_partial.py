"""Writes partial_v<N>.bin, the golden bytes of the partial format version N this build writes
(test_golden.cpp): partial_v2.bin and partial_v3.bin came from it.

The table is the one of partial_v1.bin: 6 rows of id int64, price double, city string and day
date32, profiled as unit 7 with the default options. Run it only when the format version changes
(a new version gets a new file; old files stay as they are).
"""

import datetime as dt
import pathlib

import pyarrow as pa

from truthound import _core

table = pa.table(
    {
        "id": pa.array([1, 2, 3, 4, 5, None], pa.int64()),
        "price": pa.array([2.5, -4.0, 10.0, 1.5, float("nan"), None], pa.float64()),
        "city": pa.array(["Seoul", "Busan", "", "Seoul", "Daegu", None], pa.string()),
        "day": pa.array([dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(5)] + [None]),
    }
)
out = pathlib.Path(__file__).with_name(f"partial_v{_core.PARTIAL_FORMAT_VERSION}.bin")
out.write_bytes(_core.profile(table, unit_id=7))
print(out, out.stat().st_size, "bytes")
