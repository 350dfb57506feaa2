"""Merging profiles: the profile of several parts is the profile of their union."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Iterable

from truthound import _core
from truthound.profiler.errors import InvalidInputError
from truthound.profiler.model import TableProfile
from truthound.profiler.settings import ProfileSettings

__all__ = ["merge_profiles", "merge_partials"]


def merge_partials(partials: Iterable[bytes], by_unit: bool = True) -> bytes:
    """Merge raw partial bytes: in unit order (``by_unit``) or in the order given."""
    blobs = [bytes(p) for p in partials]
    if not blobs:
        raise InvalidInputError("nothing to merge: no partial profiles given")
    return _core.merge(blobs, by_unit=by_unit)


def merge_profiles(profiles: Iterable[TableProfile | bytes]) -> TableProfile:
    """Merge profiles (or partial bytes) in the order given into one profile.

    Exact statistics of the result equal those of profiling all the data at once.
    """
    from truthound.profiler.single import finish_profile

    items = list(profiles)
    if not items:
        raise InvalidInputError("nothing to merge: no profiles given")
    blobs: list[bytes] = []
    settings: ProfileSettings | None = None
    sources: list[str] = []
    for i, item in enumerate(items):
        if isinstance(item, (bytes, bytearray, memoryview)):
            blobs.append(bytes(item))
            continue
        if not isinstance(item, TableProfile):
            raise InvalidInputError(
                f"item {i} is a {type(item).__name__}, expected a TableProfile or partial bytes"
            )
        if item.partial is None:
            raise InvalidInputError(
                f"profile {i} ({item.name!r}) has no mergeable state: it was saved without it "
                "(save(..., include_state=True) keeps it)"
            )
        blobs.append(item.partial)
        sources.append(item.source)
        if settings is None and item.settings:
            settings = ProfileSettings.from_dict(item.settings)
    started = time.perf_counter()
    merged = _core.merge(blobs, by_unit=False)
    source = ", ".join(dict.fromkeys(s for s in sources if s))
    return finish_profile(
        merged,
        settings or ProfileSettings(),
        name="merged profile",
        source=source,
        started=started,
        profiled_at=datetime.now(timezone.utc),
        notes=_absent_column_notes(items),
    )


def _absent_column_notes(items: list) -> dict[str, str]:
    """Per column, which merged profiles lack it: their rows count as nulls in the union."""
    profiles = [(i, p) for i, p in enumerate(items) if isinstance(p, TableProfile)]
    names = list(dict.fromkeys(n for _, p in profiles for n in p.column_names))
    notes = {}
    for name in names:
        lacking = [(i, p) for i, p in profiles if name not in p.column_names]
        if lacking:
            rows = sum(p.row_count for _, p in lacking)
            which = ", ".join(f"{i + 1}" for i, _ in lacking[:5]) + (
                ", ..." if len(lacking) > 5 else ""
            )
            notes[name] = (
                f"not in merged profile {which} of {len(items)}: "
                f"its {rows:,} rows count as nulls here"
            )
    return notes
