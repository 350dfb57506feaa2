"""Helpers shared by the profiler tests: profile a table in chunks the way a plan would."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pyarrow as pa

from truthound import _core
from truthound.profiler.settings import ProfileSettings
from truthound.profiler.finish import finish_profile

_EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)


def profile_in_chunks(table: pa.Table, chunks: int, **settings):
    """Profile ``table`` as ``chunks`` row ranges (units 0..chunks-1), merged in unit order."""
    s = ProfileSettings(**settings)
    n = table.num_rows
    bounds = [round(i * n / chunks) for i in range(chunks + 1)]
    blobs = [
        _core.profile(table.slice(a, b - a), unit_id=i, **s.engine_options())
        for i, (a, b) in enumerate(zip(bounds, bounds[1:]))
    ]
    merged = _core.merge(blobs)
    return finish_profile(merged, s, name="t", source="t", started=0.0, profiled_at=_EPOCH)


def untimed_json(profile) -> str:
    d = profile.to_dict()
    d.pop("profiled_at")
    d.pop("profile_duration_ms")
    for c in d["columns"]:
        c.pop("profiled_at")
        c.pop("profile_duration_ms")
    return json.dumps(d, sort_keys=True)

