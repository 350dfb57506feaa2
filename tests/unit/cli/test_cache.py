"""``th profile --cache``, ``th cache info`` and ``th cache clear``."""

from __future__ import annotations

import datetime as dt
import json
import os

import pytest

from truthound.cli import main
from truthound.profiler.cache import CACHE_ENV

from ..profiler.cache.lake import add_day, entries, lake


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def folders(tmp_path):
    return lake(tmp_path / "lake", 3), tmp_path / "cache"


def test_profile_with_cache_reports_hits(folders, capsys):
    data, cache = folders
    code, out, _ = run(["profile", data, "--cache", cache, "--format", "json"], capsys)
    assert code == 0
    assert json.loads(out)["cache"] == {
        "hits": 0,
        "misses": 3,
        "bytes_read": 0,
        "bytes_written": sum(p.stat().st_size for p in entries(cache)),
    }
    add_day(data, 3)
    code, out, _ = run(["profile", data, "--cache", cache], capsys)
    assert code == 0
    assert "cache: 3 of 4 units from the cache, 1 computed" in out


def test_environment_cache_and_no_cache(folders, capsys, monkeypatch):
    data, cache = folders
    monkeypatch.setenv(CACHE_ENV, str(cache))
    code, out, _ = run(["profile", data, "--format", "json"], capsys)
    assert json.loads(out)["cache"]["misses"] == 3
    code, out, _ = run(["profile", data, "--format", "json", "--no-cache"], capsys)
    assert "cache" not in json.loads(out)
    code, out, _ = run(["profile", data, "--distributed", "--workers", "2"], capsys)
    assert "cache: 3 of 3 units from the cache" in out


def test_cache_info_and_clear(folders, capsys):
    data, cache = folders
    run(["profile", data, "--cache", cache, "--format", "json"], capsys)
    code, out, _ = run(["cache", "info", cache], capsys)
    assert code == 0 and "3 entries" in out and "last used between" in out
    code, out, _ = run(["cache", "info", cache, "--format", "json"], capsys)
    info = json.loads(out)
    assert info["entries"] == 3 and info["bytes"] == sum(p.stat().st_size for p in entries(cache))
    old = (dt.datetime.now() - dt.timedelta(days=3)).timestamp()
    os.utime(entries(cache)[0], (old, old))
    code, out, _ = run(["cache", "clear", cache, "--older-than", "2d"], capsys)
    assert code == 0 and out.startswith("deleted 1 entries")
    code, out, _ = run(["cache", "clear", cache, "--format", "json"], capsys)
    assert json.loads(out)["deleted"] == 2
    assert entries(cache) == []


def test_cache_commands_refuse_what_is_not_a_cache(folders, capsys):
    data, cache = folders
    code, _, err = run(["cache", "clear", data], capsys)
    assert code == 1 and "not a truthound cache" in err and "nothing was deleted" in err
    assert len(os.listdir(data)) == 3
    code, _, err = run(["cache", "info", cache], capsys)
    assert code == 1 and "no cache at" in err
    code, _, err = run(["cache", "clear", cache, "--older-than", "soon"], capsys)
    assert code == 2 and "expected an age" in err
    code, _, err = run(["profile", data, "--cache", data], capsys)
    assert code == 1 and "folder of other files" in err  # before anything is read
    assert len(os.listdir(data)) == 3


def test_bad_cache_size_is_a_usage_error(folders, capsys):
    data, cache = folders
    code, _, err = run(["profile", data, "--cache", cache, "--cache-max-size", "big"], capsys)
    assert code == 2 and "as a size" in err
