"""Exceptions raised by the profiler. Each C++ error class maps to one of these."""

import re

__all__ = [
    "ProfilerError",
    "InvalidInputError",
    "CorruptPartialError",
    "UnsupportedError",
    "SourceError",
    "RemoteStoreError",
    "BackendError",
    "located",
]


class ProfilerError(Exception):
    """Base class of every error the profiler raises on purpose."""


class InvalidInputError(ProfilerError, ValueError):
    """The data or an argument is malformed: the message says what and where."""


class CorruptPartialError(ProfilerError, ValueError):
    """Partial-profile bytes are truncated, corrupted, from another version or not ours."""


class UnsupportedError(ProfilerError, TypeError):
    """Well-formed input this version does not handle."""


class SourceError(ProfilerError, OSError):
    """A file, folder, glob or URL could not be read: the message names it."""


class RemoteStoreError(SourceError):
    """A remote store was reached for and failed: unreachable, no answer in time, access denied,
    not found. An engine reading the same URL would meet the same store, so it is not a reason to
    let one try."""


class BackendError(ProfilerError, RuntimeError):
    """An engine backend is missing, misconfigured or failed."""


def located(exc: ProfilerError, where: str) -> ProfilerError:
    """The engine's error said of ``where`` (a file and its rows, a table) instead of its unit
    number, without the Python traceback that an Arrow stream's error carries inside."""
    message = re.sub(r"^unit \d+: ", "", str(exc)).split(" Detail: Python exception")[0]
    return type(exc)(f"{where}: {message}")
