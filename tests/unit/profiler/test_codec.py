"""Partial bytes: corrupt, truncated, wrong-version and foreign inputs raise clear errors."""

import struct

import pyarrow as pa
import pytest

from truthound import _core
from truthound.profiler.errors import CorruptPartialError


@pytest.fixture(scope="module")
def blob():
    return _core.profile(pa.table({"x": [1.5, None, 3.0], "s": ["a", "bb", None]}))


def test_round_trip_is_identical(blob):
    assert _core.merge([blob]) == blob


def test_every_truncation_is_rejected(blob):
    for n in range(len(blob)):
        with pytest.raises(CorruptPartialError):
            _core.finalize(blob[:n])


def test_flipped_bytes_fail_the_checksum(blob):
    for i in range(24, len(blob), 7):
        bad = bytearray(blob)
        bad[i] ^= 0x55
        with pytest.raises(CorruptPartialError, match="checksum"):
            _core.finalize(bytes(bad))


def test_wrong_version_is_named(blob):
    bad = bytearray(blob)
    bad[4:6] = struct.pack("<H", 99)
    with pytest.raises(CorruptPartialError, match="version 99"):
        _core.finalize(bytes(bad))


def test_foreign_bytes(blob):
    with pytest.raises(CorruptPartialError, match="not a truthound partial"):
        _core.finalize(b"PAR1" + b"\0" * 40)
    with pytest.raises(CorruptPartialError, match="partial #1"):
        _core.merge([blob, b"garbage"])


def test_trailing_bytes_rejected(blob):
    with pytest.raises(CorruptPartialError):
        _core.finalize(blob + b"\0")
