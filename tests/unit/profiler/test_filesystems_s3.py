"""s3:// with storage options, against moto's S3 server in its own process on 127.0.0.1
(tests/s3server.py): one server that checks signatures (so wrong keys are refused) and one that
does not (for globs, which moto's signature check cannot list). No AWS setting comes from the
environment: each test passes what it uses."""

from __future__ import annotations

import json
import logging
import os
import pickle
import subprocess
import sys
import urllib.parse

import pytest
from s3server import AWS_CLEAN_ENV, MotoS3, clean_aws_env

import truthound.profiler as tp
from truthound.profiler.distributed import DistributedProfiler
from truthound.profiler.errors import InvalidInputError, SourceError

from . import remote_files
from .remote_files import closed_port, one_line_error, th

KEY = "data/data.parquet"


@pytest.fixture(autouse=True)
def no_aws_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in AWS_CLEAN_ENV.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return remote_files.write_files(tmp_path_factory.mktemp("s3-files"))


@pytest.fixture(scope="module")
def signed(files):
    """A server that checks signatures: only its generated keys work."""
    with MotoS3(auth=True) as s3:
        s3.upload(files["data.parquet"], KEY)
        s3.upload(files["data.csv"], "data/data.csv")
        yield s3


@pytest.fixture(scope="module")
def open_server(files):
    """A server that takes any signature, with public files (anonymous reads), for globs."""
    with MotoS3() as s3:
        for i in range(3):
            s3.upload(files["data.parquet"], f"parts/part-{i}.parquet", public=True)
        yield s3


def options_args(options: dict[str, str]) -> list[str]:
    return [a for k, v in options.items() for a in ("--storage-option", f"{k}={v}")]


def test_th_storage_option_endpoint_url_works(signed, files, tmp_path):
    out = tmp_path / "p.json"
    done, _ = th(
        "profile", f"s3://{signed.bucket}/{KEY}", *options_args(signed.options),
        "--format", "json", "-o", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    remote = json.loads(out.read_text())
    local = tp.profile(str(files["data.parquet"])).to_dict()
    assert remote_files.untimed(remote) == remote_files.untimed(local)
    assert remote["source"] == f"s3://{signed.bucket}/{KEY}"
    assert signed.secret_key not in done.stdout + done.stderr + out.read_text()


def test_glob_with_anonymous_access(open_server, files):
    profile = tp.profile(
        f"s3://{open_server.bucket}/parts/*.parquet",
        storage_options={"endpoint_url": open_server.endpoint, "anon": "true"},
    )
    one = tp.profile(str(files["data.parquet"]))
    assert profile.row_count == 3 * one.row_count
    assert [c.distinct_count for c in profile.columns] == [c.distinct_count for c in one.columns]


def test_distributed_units_carry_the_options(signed, files):
    """A unit, pickled as it travels to a worker, reads with the endpoint and keys it was planned
    with, in a process whose environment has none of them."""
    profiler = DistributedProfiler.create(num_partitions=4, storage_options=signed.options)
    plan = profiler.plan(f"s3://{signed.bucket}/{KEY}")
    assert len(plan) == 4
    blob = pickle.dumps(plan.units[2])
    code = (
        "import pickle, sys\n"
        "from truthound.profiler.distributed.plan import run_unit\n"
        "unit_id, partial = run_unit(pickle.loads(sys.stdin.buffer.read()))\n"
        "print(unit_id, len(partial))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        input=blob,
        capture_output=True,
        timeout=120,
        env=clean_aws_env(dict(os.environ)),
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.split()[0] == b"2"
    profile = profiler.profile(f"s3://{signed.bucket}/{KEY}")
    assert remote_files.exact(profile.to_dict()) == remote_files.exact(
        tp.profile(str(files["data.parquet"])).to_dict()
    )


@pytest.mark.parametrize(
    "wrong",
    [
        pytest.param({"secret": "Wr0ngSecretValue1234"}, id="wrong secret"),
        pytest.param(
            {"key": "AKIAWRONGKEY0000", "secret": "Wr0ngSecretValue1234"}, id="no such key"
        ),
    ],
)
def test_wrong_credentials_give_one_line_within_20_s(signed, wrong):
    options = {**signed.options, **wrong}
    done, elapsed = th("profile", f"s3://{signed.bucket}/{KEY}", *options_args(options))
    line = one_line_error(done, elapsed)
    assert "access denied (HTTP 403: wrong or missing credentials)" in line
    assert "check key / secret" in line
    assert "Wr0ngSecretValue1234" not in done.stdout + done.stderr


def test_closed_port_fails_within_20_s_with_one_line():
    done, elapsed = th(
        "profile", "s3://bucket/x.parquet",
        "--storage-option", f"endpoint_url=http://127.0.0.1:{closed_port()}",
        "--storage-option", "connect_timeout=1", "--storage-option", "max_retries=1",
        "--storage-option", "anon=true",
    )  # fmt: skip
    line = one_line_error(done, elapsed)
    assert line.startswith("th: error: cannot open 's3://bucket/x.parquet' (2 attempts, connect")
    assert "the server did not accept a connection" in line and "endpoint_url" in line
    # pyarrow knows s3://: no hint about installing a filesystem package.
    assert "install" not in line and "fsspec" not in line


def test_a_profile_from_the_aws_shared_files(signed, tmp_path, monkeypatch):
    credentials = tmp_path / "credentials"
    credentials.write_text(
        f"[moto]\naws_access_key_id = {signed.access_key}\n"
        f"aws_secret_access_key = {signed.secret_key}\n"
    )
    config = tmp_path / "config"
    config.write_text(f"[profile moto]\nregion = eu-west-3\nendpoint_url = {signed.endpoint}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(credentials))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    url = f"s3://{signed.bucket}/{KEY}"
    profile = tp.profile(url, storage_options={"profile": "moto"})
    assert profile.row_count == remote_files.ROWS
    # The profile's keys travel with the units (a worker may not have the file).
    unit = DistributedProfiler.create(storage_options={"profile": "moto"}).plan(url).units[0]
    shipped = unit.part.fragment.filesystem.__reduce__()[1][0]
    assert shipped["access_key"] == signed.access_key and shipped["region"] == "eu-west-3"
    with pytest.raises(SourceError, match="AWS profile 'nobody' has no aws_access_key_id"):
        tp.profile(url, storage_options={"profile": "nobody"})


def test_credentials_in_the_url_never_show(signed, files, tmp_path, caplog):
    secret = urllib.parse.quote(signed.secret_key, safe="")
    url = f"s3://{signed.access_key}:{secret}@{signed.bucket}/{KEY}"
    endpoint = ["--storage-option", f"endpoint_url={signed.endpoint}"]
    out = tmp_path / "p.json"
    done, _ = th("profile", url, *endpoint, "--format", "json", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert json.loads(text)["source"] == f"s3://***@{signed.bucket}/{KEY}"
    for shown in (text, done.stdout, done.stderr):
        assert signed.secret_key not in shown and secret not in shown
        assert signed.access_key not in shown
    # Every profile field, every format and the logs of the libraries at DEBUG.
    caplog.set_level(logging.DEBUG)
    profile = tp.profile(url, storage_options={"endpoint_url": signed.endpoint})
    from truthound.profiler.render import render_console
    from truthound.profiler.report import render_html

    for shown in (profile.to_json(), render_console(profile), render_html(profile), repr(profile)):
        assert signed.secret_key not in shown and signed.access_key not in shown
    assert signed.secret_key not in caplog.text and signed.access_key not in caplog.text
    # A failing run with the secret in the URL: the one-line error and the --debug traceback.
    bad = f"s3://{signed.access_key}:Wr0ngSecretValue1234@{signed.bucket}/{KEY}"
    for extra in ([], ["--debug"]):
        done, _ = th("profile", bad, *endpoint, *extra)
        assert done.returncode == 1
        assert "Wr0ngSecretValue1234" not in done.stderr and signed.access_key not in done.stderr
        assert f"s3://***@{signed.bucket}/{KEY}" in done.stderr


def test_secret_storage_options_never_show_in_errors(signed):
    options = {**signed.options, "secret": "Wr0ngSecretValue1234"}
    with pytest.raises(SourceError) as failed:
        DistributedProfiler.create(storage_options=options).profile(f"s3://{signed.bucket}/{KEY}")
    assert "Wr0ngSecretValue1234" not in str(failed.value)
    with pytest.raises(InvalidInputError, match="unknown storage option 'secrte'") as typo:
        tp.profile(f"s3://{signed.bucket}/{KEY}", storage_options={"secrte": "Wr0ngSecret42"})
    assert "Wr0ngSecret42" not in str(typo.value)
