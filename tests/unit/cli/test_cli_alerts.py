"""``th profile``: alerts in every output format, the ``--fail-on`` gate (exit 3 on a match, 0
otherwise, 1 and 2 for errors as before), ``--alert`` thresholds and ``--suggest`` exports."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

import truthound.profiler as tp
from truthound.cli import main
from truthound.profiler.suites import read_truthound_suite


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("gate")
    n = 1_000
    table = pa.table(
        {
            "id": list(range(n)),
            "year": [2013] * n,
            "city": [["Seoul", "Busan", "Incheon"][i % 3] for i in range(n)],
            "gust": [float(i % 40) if i % 5 == 0 else None for i in range(n)],
        }
    )
    pq.write_table(table, root / "flagged.parquet")
    clean = table.drop_columns(["year", "gust"])
    pq.write_table(clean, root / "clean.parquet")
    return root


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def _expected(path):
    return [a.to_dict() for a in tp.profile(path).alerts]


def test_alerts_in_json_yaml_and_console(data, capsys):
    path = data / "flagged.parquet"
    expected = _expected(path)
    assert {a["kind"] for a in expected} >= {"constant", "high_null_ratio", "unique"}
    code, out, _ = run(["profile", path, "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["alerts"] == expected
    code, out, _ = run(["profile", path, "--format", "yaml"], capsys)
    assert code == 0 and yaml.safe_load(out)["alerts"] == expected
    code, out, _ = run(["profile", path], capsys)
    assert code == 0
    section = out.split("\n\n")[1].splitlines()
    assert section[0].startswith(f"Alerts ({len(expected)}: ")
    heads = [line for line in section[1:] if not line.startswith("   " * 4)]
    order = {"error": 0, "warning": 1, "info": 2}
    for line, alert in zip(
        heads, sorted(expected, key=lambda a: order[a["severity"]]), strict=True
    ):
        assert line.startswith(f"  {alert['severity']:<8} {alert['column']} · {alert['kind']}: ")


def test_fail_on_exits_3_on_a_match_and_lists_it(data, capsys):
    path = data / "flagged.parquet"
    code, out, err = run(["profile", path, "--fail-on", "constant", "--format", "json"], capsys)
    assert code == 3
    assert json.loads(out)["row_count"] == 1_000  # the output is written all the same
    assert err.splitlines()[0] == "th: 1 alert match --fail-on constant:"
    assert "warning constant 'year': every non-null value is the same: 2013" in err
    args = ["profile", path, "--fail-on", "warning", "--format", "json", "-o", data / "p.json"]
    code, _, err = run(args, capsys)
    assert code == 3 and "2 alerts match --fail-on warning" in err
    assert "high_null_ratio 'gust'" in err and json.loads((data / "p.json").read_text())["alerts"]


def test_fail_on_exits_0_without_a_match(data, capsys):
    code, _, err = run(["profile", data / "flagged.parquet", "--fail-on", "error"], capsys)
    assert code == 0 and err == ""
    code, _, err = run(["profile", data / "clean.parquet", "--fail-on", "warning"], capsys)
    assert code == 0 and err == ""
    # a threshold turned off is no match
    args = ["profile", data / "flagged.parquet", "--fail-on", "constant", "--alert", "constant=off"]
    code, _, err = run(args, capsys)
    assert code == 0, err
    args = ["profile", data / "flagged.parquet", "--fail-on", "high_null_ratio"]
    code, _, _ = run([*args, "--alert", "high_null_ratio=0.9"], capsys)
    assert code == 0


def test_errors_keep_their_exit_codes(data, capsys):
    code, _, err = run(["profile", data / "missing.parquet", "--fail-on", "info"], capsys)
    assert code == 1 and err.startswith("th: error: ")
    for bad in (["--fail-on", "warn"], ["--alert", "skew=1"], ["--alert", "zeros=lots"]):
        code, _, err = run(["profile", data / "flagged.parquet", *bad], capsys)
        assert code == 2 and err.startswith("th: error: "), bad
    code, _, err = run(["profile", data / "flagged.parquet", "--suggest", "dbt"], capsys)
    assert code == 2 and "--suggest" in err


def test_suggest_writes_the_suites(data, capsys):
    path = data / "flagged.parquet"
    code, out, _ = run(["profile", path, "--suggest", "truthound"], capsys)
    assert code == 0
    rules = read_truthound_suite(json.loads(out))
    assert ("id", "UniqueValidator") in {(r.column, r.validator) for r in rules}
    code, _, _ = run(["profile", path, "--suggest", "gx", "-o", data / "gx.json"], capsys)
    suite = json.loads((data / "gx.json").read_text())
    assert code == 0 and suite["expectations"][0]["type"].startswith("expect_table_columns")
    code, out, _ = run(["profile", path, "--suggest", "pandera"], capsys)
    assert code == 0 and json.loads(out)["schema_type"] == "dataframe"
