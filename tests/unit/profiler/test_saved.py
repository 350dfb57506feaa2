"""A saved profile is checked before it loads: against its checksummed state when it has one, for
types and ranges when it has none."""

import json

import pyarrow as pa
import pytest

import truthound.profiler as tp
from truthound.cli import main
from truthound.profiler.distributed import DistributedProfiler
from truthound.profiler.errors import InvalidInputError
from truthound.profiler.model import TableProfile


@pytest.fixture(scope="module")
def saved():
    t = pa.table(
        {
            "x": [1, 2, 2, None, 5],
            "s": ["a", "b", "b", "c", None],
            "f": [0.5, float("nan"), float("inf"), 1.5, -2.0],
        }
    )
    return json.loads(tp.profile(t).to_json(include_state=True))


def _edited(d, edit):
    d = json.loads(json.dumps(d))
    edit(d)
    return d


def test_a_saved_profile_round_trips(saved):
    assert TableProfile.from_dict(saved).to_dict(include_state=True)["columns"] == saved["columns"]


@pytest.mark.parametrize(
    "edit, where",
    [
        (lambda d: d.update(row_count=999), "row_count"),
        (lambda d: d["columns"][0].update(null_count=-5), "null_count"),
        (lambda d: d["columns"][0].update(null_count=0, non_null_count=5), "null_count"),
        (lambda d: d["columns"][0]["distribution"].update(mean=2.6), "mean"),
        (lambda d: d["columns"][1]["top_values"][0].update(count=1), "count"),
        (lambda d: d["columns"][2].update(max="-inf"), "max"),
        (lambda d: d["columns"][0].update(row_count="5"), "row_count"),
    ],
)
def test_numbers_that_disagree_with_the_state_are_refused(saved, edit, where):
    with pytest.raises(InvalidInputError, match=where):
        TableProfile.from_dict(_edited(saved, edit))


def test_edited_state_fails_its_checksum(saved):
    def flip(d):
        raw = bytearray(__import__("base64").b64decode(d["state"]["bytes"]))
        raw[len(raw) // 2] ^= 0xFF
        d["state"]["bytes"] = __import__("base64").b64encode(bytes(raw)).decode()

    with pytest.raises(InvalidInputError, match="state is corrupt"):
        TableProfile.from_dict(_edited(saved, flip))


def test_truncated_base64_is_a_clear_error(saved):
    d = _edited(saved, lambda d: d["state"].update(bytes=d["state"]["bytes"][:-3]))
    with pytest.raises(InvalidInputError, match="not valid base64"):
        TableProfile.from_dict(d)


@pytest.mark.parametrize(
    "edit, where",
    [
        (lambda d: d.update(row_count=-1), "row_count"),
        (lambda d: d["columns"][0].update(null_count=-5), "null_count"),
        (lambda d: d["columns"][0].update(null_count=99), "exceeds row_count"),
        (lambda d: d["columns"][0].update(row_count="many"), "row_count"),
        (lambda d: d["columns"][0].update(null_ratio=1.5), "null_ratio"),
        (lambda d: d.update(column_count=7), "column_count"),
        (lambda d: d["columns"][1].update(distinct_count=50), "distinct_count"),
    ],
)
def test_a_profile_without_state_is_checked_for_types_and_ranges(saved, edit, where):
    d = _edited(saved, lambda d: d.pop("state"))
    TableProfile.from_dict(d)  # the unedited numbers load
    with pytest.raises(InvalidInputError, match=where):
        TableProfile.from_dict(_edited(d, edit))


def test_an_empty_object_is_not_a_profile():
    with pytest.raises(InvalidInputError, match="row_count"):
        TableProfile.from_dict({})


def test_hash_plans_and_merges_round_trip():
    t = pa.table({"k": [1, 1, 2, 3, 3, 3], "v": ["a", "a", "b", "c", "c", "d"]})
    hashed = DistributedProfiler.create(partition_strategy="hash").profile(t)
    assert hashed.duplicate_row_count == 2
    again = TableProfile.from_json(hashed.to_json(include_state=True))
    assert again.duplicate_row_count == 2
    merged = tp.profile(t).merge(tp.profile(t))
    assert TableProfile.from_json(merged.to_json(include_state=True)).row_count == 12


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d["columns"][0].update(null_count=-5),
        lambda d: d.update(row_count=999),
        lambda d: d["columns"][0].update(row_count="5"),
        lambda d: d.clear(),
    ],
)
def test_th_report_refuses_edited_profiles(tmp_path, capsys, saved, edit):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(_edited(saved, edit)))
    assert main(["report", str(path), "-o", str(tmp_path / "r.html")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("th: error: ") and "unexpected" not in err
    assert "not a valid truthound profile" in err or "disagrees with its own state" in err
    assert not (tmp_path / "r.html").exists()


def _every_kind() -> pa.Table:
    import datetime as dt
    from decimal import Decimal

    n = 50
    return pa.table(
        {
            "i": pa.array(range(n), mask=[i % 7 == 0 for i in range(n)]),
            "f": [float(i) / 3 if i % 5 else float("nan") for i in range(n)],
            "inf": [float("inf") if i % 9 == 0 else -1.5 * i for i in range(n)],
            "s": [f"wörd-{i % 4}\U0001f600" for i in range(n)],
            "b": [i % 3 == 0 for i in range(n)],
            "d": [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "ts": [
                dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i) for i in range(n)
            ],
            "dur": [dt.timedelta(seconds=i) for i in range(n)],
            "dec": pa.array([Decimal(i) / 100 for i in range(n)], pa.decimal128(10, 2)),
            "bin": [bytes([i % 5]) for i in range(n)],
            "null": pa.nulls(n, pa.int64()),
        }
    )


def _profiles():
    t = _every_kind()
    yield tp.profile(t)
    yield tp.profile(t, correlations=True)
    yield DistributedProfiler.create(partition_strategy="hash", num_partitions=3).profile(t)
    yield tp.profile(t).merge(tp.profile(t.slice(10)))


def test_a_digest_that_matches_skips_the_finalize(monkeypatch):
    """Numbers and state written together give the digest they were saved with (JSON read back
    gives the dict's digest exactly), so loading needs no finalize, and writes back the same text."""
    import truthound.profiler.saved as saved_module

    for profile in _profiles():
        text = profile.to_json(include_state=True)
        d = json.loads(text)
        assert d["state"]["digest"].startswith("blake2b:")
        assert saved_module.state_digest(d, saved_module.state_bytes(d)) == d["state"]["digest"]
        with monkeypatch.context() as m:
            m.setattr(saved_module, "_check_against_state", _must_not_run)
            loaded = TableProfile.from_json(text)
        assert loaded.partial == profile.partial
        assert loaded.to_json(include_state=True) == text


def _must_not_run(d, blob):
    raise AssertionError("the digest matched: no finalize expected")


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(name="renamed"),  # context: the full check passes
        lambda d: d["state"].pop("digest"),  # written before digests
        lambda d: d["state"].update(digest="blake2b:" + "0" * 32),
        lambda d: d["state"].update(digest=17),
    ],
)
def test_without_a_matching_digest_the_full_check_decides(saved, edit, monkeypatch):
    import truthound.profiler.saved as saved_module

    calls = []
    full = saved_module._check_against_state
    monkeypatch.setattr(saved_module, "_check_against_state", lambda d, b: calls.append(full(d, b)))
    TableProfile.from_dict(_edited(saved, edit))
    assert len(calls) == 1


def test_numbers_of_one_profile_with_the_state_and_digest_of_another_are_refused(saved):
    other = json.loads(
        tp.profile(
            pa.table({"x": [1, 2, 3, None, 5], "s": list("abbc") + [None], "f": [0.5] * 5})
        ).to_json(include_state=True)
    )
    swapped = _edited(saved, lambda d: d.update(state=other["state"]))
    with pytest.raises(InvalidInputError, match="disagrees with its own state"):
        TableProfile.from_dict(swapped)


def test_a_damaged_state_with_its_digest_is_still_corrupt(saved):
    def flip(d):
        import base64

        raw = bytearray(base64.b64decode(d["state"]["bytes"]))
        raw[-1] ^= 0x01
        d["state"]["bytes"] = base64.b64encode(bytes(raw)).decode()

    with pytest.raises(InvalidInputError, match="state is corrupt"):
        TableProfile.from_dict(_edited(saved, flip))
