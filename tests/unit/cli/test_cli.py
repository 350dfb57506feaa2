"""``th``: every flag, every output format, exit codes (0 ok, 1 data error, 2 usage error), and a
one-line ``th: error: ...`` naming the file for each kind of bad input."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
import yaml

from truthound import __version__
from truthound.cli import main


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    n = 3_000
    table = pa.table(
        {
            "id": list(range(n)),
            "price": [round((i * 37 % 1000) / 7, 2) if i % 10 else None for i in range(n)],
            "city": [["Seoul", "Busan", "Incheon", "Daegu"][i % 4] for i in range(n)],
            "email": [f"user{i % 50}@example.com" for i in range(n)],
        }
    )
    pq.write_table(table, root / "data.parquet", row_group_size=500)
    pacsv.write_csv(table, root / "data.csv")
    pacsv.write_csv(
        table.slice(0, 10),
        root / "semi.csv",
        pacsv.WriteOptions(delimiter=";", include_header=False),
    )
    (root / "quoted.csv").write_text("a,b\n'x,y',1\n'z',2\n")
    (root / "empty.csv").write_text("")
    (root / "ragged.csv").write_text("a,b\n1,2\n3\n")
    (root / "mixed.csv").write_text("a\n1\n2\nthree\n")
    (root / "bad.parquet").write_bytes(b"PAR1 garbage garbage PAR1")
    (root / "parts").mkdir()
    pq.write_table(table.slice(0, 1_000), root / "parts" / "a.parquet")
    pq.write_table(table.slice(1_000), root / "parts" / "b.parquet")
    return root


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(args, capsys):
    code, out, err = run([*args, "--format", "json"], capsys)
    assert code == 0, err
    return json.loads(out)


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("th: error: "), err
    return lines[0]


# -- success paths --------------------------------------------------------------------------------


def test_version(capsys):
    code, out, _ = run(["--version"], capsys)
    assert code == 0 and __version__ in out


def test_help(capsys):
    code, out, _ = run(["profile", "--help"], capsys)
    assert code == 0
    for flag in (
        "--distributed",
        "--backend",
        "--workers",
        "--master",
        "--scheduler",
        "--address",
        "--partition-strategy",
        "--partitions",
        "--columns",
        "--top-n",
        "--no-patterns",
        "--correlations",
        "--no-correlations",
        "--seed",
        "--format",
        "--output",
        "--quiet",
        "--debug",
        "--delimiter",
        "--no-header",
        "--quote-char",
        "--processes",
    ):
        assert flag in out


def test_console_output(data, capsys):
    code, out, err = run(["profile", data / "data.parquet"], capsys)
    assert code == 0 and err == ""
    assert out.startswith("Profile of ") and "3,000 rows × 4 columns" in out and "── city" in out


def test_json_output(data, capsys):
    d = run_json(["profile", data / "data.parquet"], capsys)
    assert d["row_count"] == 3_000 and d["column_count"] == 4
    assert [c["name"] for c in d["columns"]] == ["id", "price", "city", "email"]
    assert d["columns"][1]["null_count"] == 300


def test_yaml_output(data, capsys):
    code, out, _ = run(["profile", data / "data.csv", "--format", "yaml"], capsys)
    d = yaml.safe_load(out)
    assert code == 0 and d["row_count"] == 3_000 and d["columns"][2]["distinct_count"] == 4


def test_html_report(data, tmp_path, capsys):
    code, out, _ = run(["profile", data / "data.csv", "--format", "html"], capsys)
    assert code == 0 and out.lower().startswith("<!doctype html>") and "Incheon" in out
    saved = tmp_path / "profile.json"
    assert run(["profile", data / "data.parquet", "--format", "json", "-o", saved], capsys)[0] == 0
    code, out, _ = run(["report", saved, "-o", tmp_path / "report.html"], capsys)
    assert code == 0 and out == ""
    assert "Incheon" in (tmp_path / "report.html").read_text(encoding="utf-8")


def test_report_of_a_missing_or_foreign_file(tmp_path, capsys):
    code, _, err = run(["report", tmp_path / "nope.json"], capsys)
    assert code == 1 and "nope.json" in _one_error_line(err)
    (tmp_path / "x.json").write_text("[1, 2]")
    code, _, err = run(["report", tmp_path / "x.json"], capsys)
    assert code == 1 and "x.json" in _one_error_line(err)


@pytest.mark.parametrize("fmt", ["console", "json", "yaml", "html"])
def test_output_file(data, tmp_path, capsys, fmt):
    target = tmp_path / f"out.{fmt}"
    code, out, _ = run(["profile", data / "data.parquet", "--format", fmt, "-o", target], capsys)
    assert code == 0 and out == ""
    text = target.read_text(encoding="utf-8")
    if fmt == "console":
        assert "3,000 rows" in text
    elif fmt == "html":
        assert "3,000" in text and text.lower().startswith("<!doctype html>")
    else:
        assert yaml.safe_load(text)["row_count"] == 3_000
    code, _, _ = run(["profile", data / "data.parquet", "--output", target], capsys)
    assert code == 0


def test_output_to_unwritable_path(data, tmp_path, capsys):
    code, _, err = run(
        ["profile", data / "data.parquet", "-o", tmp_path / "no" / "such" / "dir.json"], capsys
    )
    assert code == 1 and "cannot write" in _one_error_line(err)


def _untimed(d):
    d = dict(d)
    d.pop("profiled_at"), d.pop("profile_duration_ms")
    d["columns"] = [
        {k: v for k, v in c.items() if k not in ("profiled_at", "profile_duration_ms")}
        for c in d["columns"]
    ]
    return d


def test_distributed_local_gives_the_same_profile(data, capsys):
    plain = run_json(["profile", data / "data.parquet", "--partitions", "3"], capsys)
    for extra in (
        ["--distributed", "--backend", "local", "--workers", "2"],
        ["--distributed", "--workers", "2", "--processes"],
        ["--distributed", "--backend", "auto"],
        ["--workers", "1"],
    ):
        d = run_json(["profile", data / "data.parquet", "--partitions", "3", *extra], capsys)
        assert _untimed(d) == _untimed(plain), extra
        assert d["unit_count"] == 3


def test_spec_cli_examples(data, capsys, monkeypatch):
    monkeypatch.chdir(data)
    code, out, _ = run(
        ["profile", "data.csv", "--distributed", "--backend", "local", "--workers", "4"], capsys
    )
    assert code == 0 and "3,000 rows" in out
    code, out, _ = run(["profile", "data.parquet", "--distributed", "--backend", "auto"], capsys)
    assert code == 0 and "backend local" in out


@pytest.mark.parametrize(
    "args, engine, extra",
    [
        (["--backend", "spark", "--master", "spark://master:7077"], "pyspark", "spark"),
        (["--backend", "dask", "--scheduler", "distributed"], "dask", "dask"),
        (["--backend", "ray", "--address", "ray://cluster:10001"], "ray", "ray"),
    ],
)
def test_engine_backends_without_their_engine(data, capsys, hide_modules, args, engine, extra):
    hide_modules(engine)
    code, _, err = run(["profile", data / "data.parquet", "--distributed", *args], capsys)
    assert code == 1
    assert f"pip install 'truthound[{extra}]'" in _one_error_line(err)


def test_environment_backend_and_workers(data, capsys, monkeypatch):
    monkeypatch.setenv("TRUTHOUND_DISTRIBUTED_BACKEND", "local")
    monkeypatch.setenv("TRUTHOUND_NUM_WORKERS", "2")
    assert (
        run_json(["profile", data / "data.parquet", "--distributed"], capsys)["backend"] == "local"
    )
    monkeypatch.setenv("TRUTHOUND_DISTRIBUTED_BACKEND", "mainframe")
    code, _, err = run(["profile", data / "data.parquet", "--distributed"], capsys)
    assert code == 2 and "TRUTHOUND_DISTRIBUTED_BACKEND" in _one_error_line(err)
    monkeypatch.setenv("TRUTHOUND_DISTRIBUTED_BACKEND", "local")
    monkeypatch.setenv("TRUTHOUND_NUM_WORKERS", "lots")
    code, _, err = run(["profile", data / "data.parquet", "--distributed"], capsys)
    assert (
        code == 2
        and "TRUTHOUND_NUM_WORKERS must be a positive integer, got 'lots'" in _one_error_line(err)
    )


@pytest.mark.parametrize("strategy", ["row_based", "column_based", "hybrid", "hash"])
def test_partition_strategies(data, capsys, strategy):
    d = run_json(
        ["profile", data / "data.parquet", "--partition-strategy", strategy, "--partitions", "2"],
        capsys,
    )
    assert d["partition_strategy"] == strategy and d["row_count"] == 3_000
    assert d["duplicate_row_count"] == (None if strategy in ("column_based", "hybrid") else 0)


def test_columns_top_n_patterns_and_seed(data, capsys, monkeypatch):
    d = run_json(
        ["profile", data / "data.parquet", "--columns", "email, city", "--top-n", "2"], capsys
    )
    assert [c["name"] for c in d["columns"]] == ["city", "email"]
    assert all(len(c["top_values"]) == 2 for c in d["columns"])
    d = run_json(["profile", data / "data.parquet", "--columns", "email", "--no-patterns"], capsys)
    assert not d["columns"][0].get("detected_patterns")

    from truthound.profiler.distributed import DistributedProfiler

    seen = {}
    create = DistributedProfiler.create.__func__

    def spy(cls, *args, **kwargs):
        profiler = create(cls, *args, **kwargs)
        seen["settings"] = profiler.settings
        return profiler

    monkeypatch.setattr(DistributedProfiler, "create", classmethod(spy))
    run_json(["profile", data / "data.parquet", "--seed", "7", "--top-n", "0"], capsys)
    assert (seen["settings"].seed, seen["settings"].top_n, seen["settings"].include_patterns) == (
        7,
        0,
        True,
    )
    run_json(["profile", data / "data.parquet", "--no-patterns"], capsys)
    assert seen["settings"].include_patterns is False


def test_correlations_are_on_unless_asked_off(data, capsys):
    on = run_json(["profile", data / "data.parquet"], capsys)
    assert on["correlations"] and on["sample"]["size"] > 0
    again = run_json(["profile", data / "data.parquet", "--correlations"], capsys)  # the default
    assert (again["correlations"], again["sample"]) == (on["correlations"], on["sample"])
    off = run_json(["profile", data / "data.parquet", "--no-correlations"], capsys)
    assert off["correlations"] == {} and off["sample"] is None


def test_csv_options(data, capsys):
    d = run_json(["profile", data / "semi.csv", "--delimiter", ";", "--no-header"], capsys)
    assert [c["name"] for c in d["columns"]] == ["f0", "f1", "f2", "f3"] and d["row_count"] == 10
    d = run_json(["profile", data / "quoted.csv", "--quote-char", "'"], capsys)
    assert d["row_count"] == 2 and d["columns"][0]["top_values"][0]["value"] in ("x,y", "z")


def test_several_sources_are_one_table(data, capsys):
    d = run_json(["profile", data / "parts" / "a.parquet", data / "parts" / "b.parquet"], capsys)
    assert d["row_count"] == 3_000 and d["unit_count"] == 2


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_bar_on_a_terminal(data, capsys, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert (
        main(["profile", str(data / "data.parquet"), "--partitions", "3", "--format", "json"]) == 0
    )
    bar = terminal.getvalue()
    assert bar.count("\r") == 3 and "100.0%" in bar and bar.endswith("\n")
    json.loads(capsys.readouterr().out)  # stdout stays clean

    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    assert main(["profile", str(data / "data.parquet"), "--partitions", "3", "--quiet"]) == 0
    assert quiet.getvalue() == ""


def test_no_progress_bar_when_not_a_terminal(data, capsys):
    code, _, err = run(["profile", data / "data.parquet", "--partitions", "3"], capsys)
    assert code == 0 and err == ""


# -- usage errors (exit 2) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "required: COMMAND"),
        (["profile"], "required: SOURCE"),
        (["frobnicate"], "invalid choice"),
        (["profile", "x.csv", "--bogus"], "unrecognized arguments: --bogus"),
        (["profile", "x.csv", "--workers", "0"], "--workers: expected a positive integer, got '0'"),
        (
            ["profile", "x.csv", "--workers", "-3"],
            "--workers: expected a positive integer, got '-3'",
        ),
        (
            ["profile", "x.csv", "--workers", "2.5"],
            "--workers: expected a positive integer, got '2.5'",
        ),
        (
            ["profile", "x.csv", "--workers", "many"],
            "--workers: expected a positive integer, got 'many'",
        ),
        (["profile", "x.csv", "--partitions", "0"], "--partitions: expected a positive integer"),
        (["profile", "x.csv", "--backend", "hadoop"], "--backend: invalid choice: 'hadoop'"),
        (["profile", "x.csv", "--partition-strategy", "diagonal"], "invalid choice: 'diagonal'"),
        (["profile", "x.csv", "--format", "xml"], "invalid choice: 'xml'"),
        (["profile", "x.csv", "--top-n", "-1"], "--top-n: expected a non-negative integer"),
        (["profile", "x.csv", "--seed", "abc"], "--seed: expected a non-negative integer"),
        (["profile", "x.csv", "--delimiter", ";;"], "--delimiter: expected one character"),
        (
            ["profile", "x.csv", "--scheduler", "warp", "--backend", "dask"],
            "unknown Dask scheduler 'warp'",
        ),
    ],
)
def test_usage_errors(capsys, args, message):
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert message in _one_error_line(err)


# -- data errors (exit 1) -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, message",
    [
        ("missing.csv", "no such file or folder: '{root}/missing.csv'"),
        ("nothing-*.parquet", "no files match '{root}/nothing-*.parquet'"),
        ("empty.csv", "cannot read '{root}/empty.csv' as csv"),
        ("ragged.csv", "Row #3: Expected 2 columns, got 1"),
        ("bad.parquet", "cannot read '{root}/bad.parquet' as parquet"),
    ],
)
def test_bad_inputs(data, capsys, name, message):
    code, out, err = run(["profile", data / name], capsys)
    assert code == 1 and out == ""
    line = _one_error_line(err)
    assert message.format(root=data) in line
    assert name.split("*")[0] in line


def test_bad_file_among_several_is_named(data, capsys):
    code, _, err = run(["profile", data / "parts" / "a.parquet", data / "bad.parquet"], capsys)
    assert code == 1 and "bad.parquet" in _one_error_line(err)


def test_mixed_types_in_a_small_csv_profile_as_strings(data, capsys):
    d = run_json(["profile", data / "mixed.csv"], capsys)
    assert d["columns"][0]["physical_type"] == "string"


def test_unknown_column(data, capsys):
    code, _, err = run(["profile", data / "data.parquet", "--columns", "id,nope"], capsys)
    assert code == 1 and "column 'nope' not found" in _one_error_line(err)


def test_debug_shows_the_traceback(data, capsys):
    code, _, err = run(["profile", data / "missing.csv", "--debug"], capsys)
    assert code == 1 and "Traceback (most recent call last)" in err
    assert err.strip().splitlines()[-1].startswith("th: error: no such file")


def test_entry_point_runs_as_a_program(data):
    out = subprocess.run(
        [sys.executable, "-m", "truthound.cli", "profile", str(data / "missing.csv")],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1 and out.stderr.startswith("th: error: no such file")
    out = subprocess.run(
        [sys.executable, "-m", "truthound.cli", "--version"], capture_output=True, text=True
    )
    assert out.returncode == 0 and __version__ in out.stdout


# -- issue 23: usage errors, the input never overwritten, control characters escaped -----------


@pytest.mark.parametrize(
    "args, message",
    [
        (["--columns", " "], "' ' names no column"),
        (["--columns", " , ,"], "names no column; leave --columns out"),
        (["--columns", "id,city,id"], "'id' is selected twice"),
        (["--top-n", "99999999999"], "top_n must be at most 100,000"),
    ],
)
def test_bad_selections_and_limits_are_usage_errors(data, capsys, args, message):
    code, out, err = run(["profile", data / "data.parquet", *args], capsys)
    assert code == 2 and out == ""
    assert message in _one_error_line(err)
    assert "TypeError" not in err


@pytest.mark.parametrize("command", ["profile", "report"])
def test_output_naming_the_input_is_refused(tmp_path, capsys, command):
    source = tmp_path / "in.csv"
    source.write_text("a,b\n1,2\n")
    if command == "report":
        assert run(["profile", source, "--format", "json", "-o", tmp_path / "p.json"], capsys)[0] == 0
        source = tmp_path / "p.json"
    before = source.read_bytes()
    for output in (source, tmp_path / "." / source.name):
        code, _, err = run([command, source, "-o", output], capsys)
        assert code == 2 and "would overwrite the input" in _one_error_line(err)
        assert source.read_bytes() == before


def test_output_inside_an_input_folder_is_refused(data, capsys):
    code, _, err = run(["profile", data / "parts", "-o", data / "parts" / "a.parquet"], capsys)
    assert code == 2 and "would overwrite the input" in _one_error_line(err)


def test_control_characters_in_data_are_escaped_on_the_console(tmp_path, capsys):
    path = tmp_path / "ctl.csv"
    path.write_text('"na\x1b[2Jme",b\n"\x1b[2J\x07bell",\x9b31m\n"ok",x\n')
    code, out, err = run(["profile", path], capsys)
    assert code == 0, err
    assert "\x1b" not in out and "\x07" not in out and "\x9b" not in out
    assert "na\\x1b[2Jme" in out and "\\x1b[2J\\x07bell" in out


def test_errors_escape_control_characters(tmp_path, capsys):
    code, _, err = run(["profile", tmp_path / "no\x1b[2Jfile.csv"], capsys)
    assert code == 1 and "\x1b" not in err and "no\\x1b[2Jfile.csv" in err


def test_csv_reader_options_are_reachable(tmp_path, capsys):
    path = tmp_path / "data"  # no suffix: the format comes from --input-format
    path.write_text('a,b\n1,"two\nlines"\n2,x\n')
    d = run_json(["profile", path, "--input-format", "csv", "--newlines-in-values"], capsys)
    assert d["row_count"] == 2
    assert {v["value"] for v in d["columns"][1]["top_values"]} == {"two\nlines", "x"}
