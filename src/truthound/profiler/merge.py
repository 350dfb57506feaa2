"""Merging profiles: the profile of several parts is the profile of their union.

Every merge goes through one streaming path, ``_core.merge_stream``: inputs are folded into the
running state one at a time, each decoded only when its turn comes, so a merge holds its state plus
one decoded input however many profiles it merges. Saved profiles are read one by one as their
turn comes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from truthound import _core
from truthound.profiler.errors import InvalidInputError, SourceError
from truthound.profiler.finish import finish_profile
from truthound.profiler.model import TableProfile, register
from truthound.profiler.settings import ProfileSettings

__all__ = ["merge_partials", "merge_profiles"]

ProfileItem = TableProfile | bytes | str | os.PathLike | dict[str, Any]


def merge_partials(partials: Iterable[bytes], by_unit: bool = True) -> bytes:
    """Merge raw partial bytes: in unit order (``by_unit``) or in the order given."""
    return _core.merge_stream((bytes(p) for p in partials), by_unit=by_unit)


class _Inputs:
    """The partials of the items, one at a time, and what the merged profile needs of each: the
    first settings, the sources, each profile's columns and rows (for the absent-column notes)."""

    def __init__(self, items: Iterable[ProfileItem]):
        self._items = items
        self.count = 0
        self.settings: ProfileSettings | None = None
        self.sources: list[str] = []
        self.shapes: list[tuple[tuple[str, ...], int] | None] = []

    def __iter__(self) -> Iterator[bytes]:
        for i, item in enumerate(self._items):
            self.count = i + 1
            profile = _as_profile(item)
            if isinstance(profile, (bytes, bytearray, memoryview)):
                self.shapes.append(None)
                yield bytes(profile)
                continue
            if not isinstance(profile, TableProfile):
                raise InvalidInputError(
                    f"item {i} is a {type(profile).__name__}, "
                    "expected a TableProfile or partial bytes"
                )
            if profile.partial is None:
                raise InvalidInputError(
                    f"profile {i} ({profile.name!r}) has no mergeable state: it was saved without "
                    "it (save(..., include_state=True) keeps it)"
                )
            self.shapes.append((tuple(profile.column_names), profile.row_count))
            self.sources.append(profile.source)
            if self.settings is None and profile.settings:
                self.settings = ProfileSettings.from_dict(profile.settings)
            yield profile.partial


@register("merge_profiles")
def merge_profiles(profiles: Iterable[ProfileItem]) -> TableProfile:
    """Merge profiles (or partial bytes, saved profiles' paths, their dicts) in the order given
    into one profile, through the streaming fold: a path is read only when its turn comes.

    Exact statistics of the result equal those of profiling all the data at once.
    """
    inputs = _Inputs(profiles)
    started = time.perf_counter()
    try:
        merged = _core.merge_stream(iter(inputs), by_unit=False)
    except InvalidInputError:
        if inputs.count == 0:
            raise InvalidInputError("nothing to merge: no profiles given") from None
        raise
    source = ", ".join(dict.fromkeys(s for s in inputs.sources if s))
    return finish_profile(
        merged,
        inputs.settings or ProfileSettings(),
        name="merged profile",
        source=source,
        started=started,
        profiled_at=datetime.now(UTC),
        notes=_absent_column_notes(inputs.shapes),
    )


def _as_profile(item: Any) -> TableProfile | bytes:
    if isinstance(item, (str, os.PathLike)):
        path = Path(item)
        if not path.is_file():
            raise SourceError(f"no such profile file: {os.fspath(item)!r}")
        try:
            return TableProfile.load(path)
        except ValueError as exc:  # json.JSONDecodeError, or a dict that is not a profile
            raise InvalidInputError(f"{os.fspath(item)!r} is not a saved profile: {exc}") from exc
    if isinstance(item, dict):
        return TableProfile.from_dict(item)
    return item


def _absent_column_notes(shapes: list[tuple[tuple[str, ...], int] | None]) -> dict[str, str]:
    """Per column, which merged profiles lack it: their rows count as nulls in the union."""
    profiles = [(i, s) for i, s in enumerate(shapes) if s is not None]
    names = list(dict.fromkeys(n for _, (columns, _) in profiles for n in columns))
    notes = {}
    for name in names:
        lacking = [(i, rows) for i, (columns, rows) in profiles if name not in columns]
        if lacking:
            rows = sum(r for _, r in lacking)
            which = ", ".join(f"{i + 1}" for i, _ in lacking[:5]) + (
                ", ..." if len(lacking) > 5 else ""
            )
            notes[name] = (
                f"not in merged profile {which} of {len(shapes)}: "
                f"its {rows:,} rows count as nulls here"
            )
    return notes
