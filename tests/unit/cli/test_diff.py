"""``th diff``: every output format, the exit codes (0, 3 with --fail-on-drift and drift, 1 bad
input, 2 usage), --columns, thresholds, saved profiles and data paths alike."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
import yaml

import truthound.profiler as tp
from truthound.cli import main

from ..comparison.tables import table


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("diff")
    for name, t in (
        ("base", table(1)),
        ("again", table(2)),
        ("changed", table(3, changed=True)),
    ):
        pq.write_table(t, root / f"{name}.parquet")
        tp.profile(root / f"{name}.parquet").save(root / f"{name}.json")
    (root / "bare.json").write_text(tp.profile(root / "base.parquet").to_json(include_state=False))
    (root / "junk.json").write_text('{"schema_version": "2.0.0", "columns": 7}')
    saved = json.loads((root / "base.json").read_text())
    saved["state"]["bytes"] = saved["state"]["bytes"][:200]  # cut: a corrupt partial
    (root / "cut.json").write_text(json.dumps(saved))
    return root


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_fields_and_exit_codes(files, capsys):
    code, out, err = run(
        ["diff", files / "base.json", files / "changed.json", "--format", "json"], capsys
    )
    assert code == 0, err
    d = json.loads(out)
    assert set(d) >= {"schema_changes", "columns", "drifted_columns", "summary"}
    assert d["drifted_columns"] == ["amount", "color", "rating"]
    for c in d["columns"]:
        assert set(c) >= {"name", "status", "deltas", "new_values", "missing_values", "drift"}
        if c["drift"] is not None:
            assert set(c["drift"]) >= {"metric", "score", "threshold", "drifted", "method", "error"}

    code, _, _ = run(
        ["diff", files / "base.json", files / "changed.json", "--fail-on-drift"], capsys
    )
    assert code == 3


def test_second_sample_passes_fail_on_drift(files, capsys):
    code, out, err = run(
        ["diff", files / "base.json", files / "again.json", "--fail-on-drift"], capsys
    )
    assert code == 0, err
    assert "0 of 5 columns drifted" in out


def test_data_paths_equal_saved_profiles(files, capsys):
    args = ["diff", "--format", "json"]
    _, from_data, _ = run([*args, files / "base.parquet", files / "changed.parquet"], capsys)
    _, from_saved, _ = run([*args, files / "base.json", files / "changed.json"], capsys)
    assert json.loads(from_data)["columns"] == json.loads(from_saved)["columns"]


def test_formats(files, capsys, tmp_path):
    base, changed = files / "base.json", files / "changed.json"
    code, out, _ = run(["diff", base, changed, "--format", "yaml"], capsys)
    assert code == 0 and yaml.safe_load(out)["drifted_columns"] == ["amount", "color", "rating"]
    code, out, _ = run(["diff", base, changed], capsys)
    assert code == 0 and "3 of 4 columns drifted" in out
    assert all(len(line) <= 100 for line in out.splitlines())
    assert "removed      legacy" in out and "added        channel" in out
    code, _, _ = run(["diff", base, changed, "--format", "html", "-o", tmp_path / "d.html"], capsys)
    html = (tmp_path / "d.html").read_text()
    assert code == 0 and html.startswith("<!doctype html>") and "violet" in html


def test_columns_and_thresholds(files, capsys):
    args = ["diff", files / "base.json", files / "changed.json", "--format", "json"]
    _, out, _ = run([*args, "--columns", "color,units"], capsys)
    assert [c["name"] for c in json.loads(out)["columns"]] == ["color", "units"]
    _, out, _ = run([*args, "--numeric-threshold", "5", "--categorical-threshold", "0.9"], capsys)
    assert json.loads(out)["drifted_columns"] == ["rating"]
    code, _, err = run([*args, "--null-threshold", "-1"], capsys)
    assert code == 2 and "expected a non-negative number" in err


@pytest.mark.parametrize(
    "name,message",
    [
        ("missing.json", "no such file or folder"),
        ("bare.json", "no mergeable state"),
        ("junk.json", "is not a truthound profile"),
        ("cut.json", "baseline '"),
    ],
)
def test_bad_inputs_exit_1(files, capsys, name, message):
    code, _, err = run(["diff", files / name, files / "base.json"], capsys)
    assert code == 1
    assert err.startswith("th: error: ") and message in err and len(err.splitlines()) == 1


def test_unknown_column_and_usage(files, capsys):
    code, _, err = run(
        ["diff", files / "base.json", files / "changed.json", "--columns", "nope"], capsys
    )
    assert code == 1 and "no column named 'nope'" in err
    code, _, err = run(["diff", files / "base.json"], capsys)
    assert code == 2
