"""Where a named file lives: a URL and its storage options become a ``pyarrow.fs`` filesystem
and the paths in it, with bounded waits and one-line errors.

- ``s3://`` (``s3a://``, ``s3n://``), ``gs://`` (``gcs://``), ``hdfs://`` (``viewfs://``) and
  ``abfs://`` (``abfss://``, ``az://``) use pyarrow's own filesystems; ``http://`` and
  ``https://`` use fsspec's HTTP filesystem (aiohttp), with range requests; any other scheme
  goes to fsspec, whose registry names the package that adds it.
- Storage options are taken as polars and pandas take them (``endpoint_url``, ``region``,
  ``anon``, ``profile``, ``key``/``secret``/``token``, ``project``, ...; see :data:`OPTIONS`).
  They live in the filesystem object, which travels inside every unit of the plan, so an
  engine's workers get them too.
- Every remote open has a connect timeout, a request timeout and a retry limit
  (:class:`RemoteSettings`); a store that cannot be reached fails with one line saying what was
  tried, why it failed and what to set.
- Secrets (credentials in the URL, secret-looking options) are remembered for
  :func:`truthound.profiler.redact.redact` and never appear in a message.

fsspec and aiohttp are imported only when a URL needs them.
"""

from __future__ import annotations

import base64
import configparser
import datetime
import fnmatch
import os
import re
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.fs as pafs

from truthound.profiler.errors import (
    InvalidInputError,
    RemoteStoreError,
    SourceError,
    UnsupportedError,
)
from truthound.profiler.redact import redact, remember_secrets

__all__ = [
    "CONNECT_TIMEOUT_ENV",
    "MAX_RETRIES_ENV",
    "OPTIONS",
    "REQUEST_TIMEOUT_ENV",
    "RemoteSettings",
    "describe_failure",
    "reason",
    "resolve",
    "scheme_of",
]

CONNECT_TIMEOUT_ENV = "TRUTHOUND_CONNECT_TIMEOUT"
REQUEST_TIMEOUT_ENV = "TRUTHOUND_REQUEST_TIMEOUT"
MAX_RETRIES_ENV = "TRUTHOUND_MAX_RETRIES"

_KINDS = {
    "s3": "s3",
    "s3a": "s3",
    "s3n": "s3",
    "gs": "gcs",
    "gcs": "gcs",
    "hdfs": "hdfs",
    "viewfs": "hdfs",
    "abfs": "azure",
    "abfss": "azure",
    "az": "azure",
    "http": "http",
    "https": "http",
}

# Accepted storage option names, by store: each alias -> our name. The aliases are those of
# polars (object_store's config keys), pandas (fsspec: s3fs, gcsfs) and pyarrow.fs.
_TIMEOUTS = {
    "connect_timeout": "connect_timeout",
    "request_timeout": "request_timeout",
    "timeout": "request_timeout",
    "max_retries": "max_retries",
    "retries": "max_retries",
}
OPTIONS: dict[str, dict[str, str]] = {
    "s3": {
        **_TIMEOUTS,
        **dict.fromkeys(
            ("endpoint_url", "endpoint", "endpoint_override", "aws_endpoint", "aws_endpoint_url"),
            "endpoint",
        ),
        **dict.fromkeys(("region", "region_name", "aws_region", "aws_default_region"), "region"),
        **dict.fromkeys(("anon", "anonymous", "skip_signature", "aws_skip_signature"), "anonymous"),
        **dict.fromkeys(("profile", "profile_name", "aws_profile"), "profile"),
        **dict.fromkeys(("key", "access_key", "access_key_id", "aws_access_key_id"), "access_key"),
        **dict.fromkeys(
            ("secret", "secret_key", "secret_access_key", "aws_secret_access_key"), "secret_key"
        ),
        **dict.fromkeys(("token", "session_token", "aws_session_token"), "session_token"),
        **dict.fromkeys(("role_arn", "aws_role_arn"), "role_arn"),
        **dict.fromkeys(("scheme", "allow_http", "aws_allow_http"), "scheme"),
    },
    "gcs": {
        **_TIMEOUTS,
        **dict.fromkeys(("anon", "anonymous", "skip_signature"), "anonymous"),
        **dict.fromkeys(("project", "project_id", "google_project_id"), "project"),
        **dict.fromkeys(("endpoint_url", "endpoint", "endpoint_override"), "endpoint"),
        "token": "token",  # gcsfs: token="anon" is anonymous access
    },
    "hdfs": {
        **_TIMEOUTS,
        **dict.fromkeys(("user", "username"), "user"),
        "kerb_ticket": "kerb_ticket",
        "extra_conf": "extra_conf",
    },
    "azure": {
        **_TIMEOUTS,
        **dict.fromkeys(("account_name", "azure_storage_account_name"), "account_name"),
        **dict.fromkeys(("account_key", "azure_storage_account_key"), "account_key"),
        **dict.fromkeys(("sas_token", "azure_storage_sas_token"), "sas_token"),
        **dict.fromkeys(("client_id", "azure_client_id"), "client_id"),
        **dict.fromkeys(("client_secret", "azure_client_secret"), "client_secret"),
        **dict.fromkeys(("tenant_id", "azure_tenant_id"), "tenant_id"),
    },
    "http": {
        **_TIMEOUTS,
        "username": "username",
        "password": "password",
        "headers": "headers",
    },
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


@dataclass(frozen=True)
class RemoteSettings:
    """How long a remote open may wait, and how often it is tried again.

    ``connect_timeout`` bounds each connection attempt, ``request_timeout`` each wait for a
    response (for S3 on Linux the AWS SDK applies it as a low-speed limit), ``max_retries``
    the attempts after the first. GCS takes a time limit rather than a count: its client retries
    each request for at most ``connect_timeout * (max_retries + 1) / 2`` seconds, so that an open
    (the object, then a folder of that name: two requests) ends within
    ``connect_timeout * (max_retries + 1)``. Defaults come from
    ``TRUTHOUND_CONNECT_TIMEOUT``, ``TRUTHOUND_REQUEST_TIMEOUT`` and ``TRUTHOUND_MAX_RETRIES``, else
    3 s, 10 s and 3; the storage options of the same names win over them.
    """

    connect_timeout: float = 3.0
    request_timeout: float = 10.0
    max_retries: int = 3

    @property
    def attempts(self) -> int:
        return self.max_retries + 1

    @property
    def retry_time_limit(self) -> float:
        """GCS: seconds its client retries one request."""
        return self.connect_timeout * self.attempts / 2

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> RemoteSettings:
        """The environment's defaults, overridden by the timeout keys of ``options``."""
        values: dict[str, Any] = {}
        for env, name in (
            (CONNECT_TIMEOUT_ENV, "connect_timeout"),
            (REQUEST_TIMEOUT_ENV, "request_timeout"),
            (MAX_RETRIES_ENV, "max_retries"),
        ):
            text = os.environ.get(env, "").strip()
            if text:
                values[name] = _number(name, text, env)
        for key, value in options.items():
            name = _TIMEOUTS.get(key)
            if name is not None:
                values[name] = _number(name, value, f"storage option {key!r}")
        return cls(**values)


def _number(name: str, value: Any, where: str) -> float | int:
    try:
        number = int(value) if name == "max_retries" else float(value)
    except (TypeError, ValueError):
        number = -1
    if isinstance(value, bool) or number < 0 or (name != "max_retries" and number == 0):
        kind = "a non-negative integer" if name == "max_retries" else "a positive number of seconds"
        raise InvalidInputError(f"{where} must be {kind}, got {value!r}")
    return number


def scheme_of(path: str) -> str | None:
    m = re.match(r"^([a-zA-Z][a-zA-Z0-9+.\-]+)://", path)
    return m.group(1).lower() if m else None


def resolve(
    url: str, storage_options: Mapping[str, Any] | None = None, must_exist: bool = True
) -> tuple[Any, list[str]]:
    """The filesystem of ``url`` and the paths in it it names (a glob's matches, sorted).
    ``must_exist=False`` (a folder to write, such as a cache) skips the check that it exists.

    Raises SourceError (cannot reach, not found, no Hadoop client, missing package),
    InvalidInputError (an unknown or malformed option) or UnsupportedError (a glob over HTTP).
    """
    options = dict(storage_options or {})
    remember_secrets(options)
    scheme = scheme_of(url) or ""
    kind = _KINDS.get(scheme)
    if kind == "http":
        return _http(url, options, RemoteSettings.from_options(options))
    if kind is None:
        return _fsspec(url, scheme, options)
    parts = urllib.parse.urlsplit(url)
    remember_secrets([urllib.parse.unquote(parts.username or ""), _password(parts)])
    merged = {**_query_options(parts.query), **options}
    remember_secrets(merged)
    settings = RemoteSettings.from_options(merged)
    named = _named(merged, kind, url)
    make = {"s3": _s3, "gcs": _gcs, "hdfs": _hdfs, "azure": _azure}[kind]
    filesystem, path = make(parts, named, settings, url)
    if any(ch in path for ch in "*?["):
        return filesystem, _glob(filesystem, path, url, settings)
    if must_exist:
        _check_reachable(filesystem, path, url, settings)
    return filesystem, [path]


def _password(parts: urllib.parse.SplitResult) -> str:
    return urllib.parse.unquote(parts.password or "")


def _query_options(query: str) -> dict[str, str]:
    """pyarrow's URI options (``s3://bucket/x?region=eu-west-1&endpoint_override=...``)."""
    return dict(urllib.parse.parse_qsl(query, keep_blank_values=True))


def _named(options: Mapping[str, Any], kind: str, url: str) -> dict[str, Any]:
    known = OPTIONS[kind]
    named: dict[str, Any] = {}
    for key, value in options.items():
        name = known.get(str(key).lower())
        if name is None:
            shown = ", ".join(sorted({k for k in known if k not in _TIMEOUTS}))
            raise InvalidInputError(
                f"unknown storage option {key!r} for {scheme_of(url)}:// "
                f"(known: {shown}, and connect_timeout, request_timeout, max_retries)"
            )
        if name not in _TIMEOUTS.values():
            named[name] = value
    return named


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise InvalidInputError(f"storage option {name!r} must be true or false, got {value!r}")


def _endpoint(value: str) -> tuple[str | None, str]:
    """``http://host:port`` -> (``http``, ``host:port``); a bare ``host:port`` keeps its scheme
    unset (pyarrow's default, https)."""
    text = str(value).strip()
    if "://" in text:
        parts = urllib.parse.urlsplit(text)
        return parts.scheme.lower(), parts.netloc + parts.path.rstrip("/")
    return None, text.rstrip("/")


# -- S3 -------------------------------------------------------------------------------------------


def _s3(parts, named: dict[str, Any], settings: RemoteSettings, url: str):
    bucket = parts.hostname or ""
    if not bucket:
        raise InvalidInputError(f"{redact(url)!r} names no bucket: use s3://bucket/path")
    path = bucket + parts.path
    kwargs: dict[str, Any] = {
        "connect_timeout": settings.connect_timeout,
        "request_timeout": settings.request_timeout,
        "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=settings.attempts),
    }
    profile = named.pop("profile", None)
    if profile:
        named = {**_aws_profile(str(profile)), **named}
    if parts.username:
        named.setdefault("access_key", urllib.parse.unquote(parts.username))
        named.setdefault("secret_key", _password(parts))
    for name in ("access_key", "secret_key", "session_token", "role_arn", "region"):
        if named.get(name):
            kwargs[name] = str(named[name])
    if "anonymous" in named:
        kwargs["anonymous"] = _flag("anon", named["anonymous"])
    scheme = None
    if named.get("endpoint"):
        scheme, kwargs["endpoint_override"] = _endpoint(named["endpoint"])
    elif os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL"):
        endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ["AWS_ENDPOINT_URL"]
        scheme, kwargs["endpoint_override"] = _endpoint(endpoint)
    if "scheme" in named:  # scheme=http, or allow_http=true
        value = str(named["scheme"]).lower()
        if value not in ("http", "https"):
            value = "http" if _flag("allow_http", value) else "https"
        scheme = value
    if scheme:
        kwargs["scheme"] = scheme
    if "region" not in kwargs:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if not region and "endpoint_override" in kwargs:
            # A store of one's own (MinIO, Ceph, moto) takes any region; naming one spares the
            # AWS SDK a look-up on the EC2 metadata service, here and on every worker.
            region = "us-east-1"
        kwargs["region"] = region or _bucket_region(bucket, url, settings)
    try:
        return pafs.S3FileSystem(**kwargs), path
    except (TypeError, ValueError, OSError) as exc:
        raise InvalidInputError(f"cannot open {redact(url)!r}: {redact(str(exc))}") from None


def _bucket_region(bucket: str, url: str, settings: RemoteSettings) -> str:
    try:
        return pafs.resolve_s3_region(bucket)
    except OSError as exc:
        # pyarrow's region look-up takes no timeouts: say how to skip it instead.
        message = _unreachable(url, exc, None, "find the region of")
        raise RemoteStoreError(
            message.rstrip("; ") + "; or pass region= (or set AWS_REGION) to skip this look-up"
        ) from None


def _aws_profile(name: str) -> dict[str, str]:
    """Static credentials and the region of an AWS profile, read from the shared files the AWS
    SDKs read (``AWS_SHARED_CREDENTIALS_FILE``, ``AWS_CONFIG_FILE``, else ``~/.aws/``), so that
    they travel to the workers with the filesystem (a profile name alone would be looked up again
    on each worker, which may not have it)."""
    files = {
        "credentials": os.environ.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
        "config": os.environ.get("AWS_CONFIG_FILE", "~/.aws/config"),
    }
    found: dict[str, str] = {}
    for kind, path in files.items():
        parser = configparser.RawConfigParser()
        try:
            parser.read(os.path.expanduser(path))
        except configparser.Error as exc:
            raise SourceError(f"cannot read AWS {kind} file {path!r}: {exc}") from None
        section = name if kind == "credentials" or name == "default" else f"profile {name}"
        if parser.has_section(section):
            for key, value in parser.items(section):
                found.setdefault(key, value)
    named = {
        "access_key": found.get("aws_access_key_id"),
        "secret_key": found.get("aws_secret_access_key"),
        "session_token": found.get("aws_session_token"),
        "region": found.get("region"),
        "endpoint": found.get("endpoint_url"),
        "role_arn": found.get("role_arn"),
    }
    named = {k: v for k, v in named.items() if v}
    if not named.get("access_key") and not named.get("role_arn"):
        raise SourceError(
            f"AWS profile {name!r} has no aws_access_key_id in {files['credentials']} or "
            f"{files['config']}: add the keys, or pass key= and secret= storage options"
        )
    remember_secrets(named)
    return named


# -- GCS ------------------------------------------------------------------------------------------


def _gcs(parts, named: dict[str, Any], settings: RemoteSettings, url: str):
    bucket = parts.hostname or ""
    if not bucket:
        raise InvalidInputError(f"{redact(url)!r} names no bucket: use gs://bucket/path")
    kwargs: dict[str, Any] = {
        "retry_time_limit": datetime.timedelta(seconds=settings.retry_time_limit),
    }
    if "anonymous" in named:
        kwargs["anonymous"] = _flag("anon", named["anonymous"])
    if str(named.get("token", "")).lower() == "anon":
        kwargs["anonymous"] = True
    elif named.get("token"):
        raise InvalidInputError(
            "storage option 'token' for gs:// takes only 'anon'; for credentials set "
            "GOOGLE_APPLICATION_CREDENTIALS to a service-account key file"
        )
    if named.get("project"):
        kwargs["project_id"] = str(named["project"])
    if named.get("endpoint"):
        scheme, kwargs["endpoint_override"] = _endpoint(named["endpoint"])
        if scheme:
            kwargs["scheme"] = scheme
    return pafs.GcsFileSystem(**kwargs), bucket + parts.path


# -- HDFS -----------------------------------------------------------------------------------------

_HDFS_SETUP = (
    "install a JDK and a Hadoop client, set JAVA_HOME, HADOOP_HOME (or ARROW_LIBHDFS_DIR) and "
    "CLASSPATH=$(hadoop classpath --glob); or profile it with --backend spark"
)


def _hdfs(parts, named: dict[str, Any], settings: RemoteSettings, url: str):
    # Hadoop's client settings for the connection timeout (ms) and its retry counts.
    extra = {
        "ipc.client.connect.timeout": str(int(settings.connect_timeout * 1000)),
        "ipc.client.connect.max.retries": str(settings.max_retries),
        "ipc.client.connect.max.retries.on.timeouts": str(settings.max_retries),
        "dfs.client.socket-timeout": str(int(settings.request_timeout * 1000)),
        **dict(named.get("extra_conf") or {}),
    }
    host = parts.hostname or "default"
    if parts.scheme.lower() == "viewfs":
        host = f"viewfs://{parts.netloc}"
    try:
        filesystem = pafs.HadoopFileSystem(
            host,
            parts.port or 0,
            user=named.get("user"),
            kerb_ticket=named.get("kerb_ticket"),
            extra_conf=extra,
        )
    except OSError as exc:
        message = _hdfs_error(url, exc)
        # No Hadoop client here is not the store's failure: Spark may still read it.
        failed = RemoteStoreError if message.startswith("cannot connect") else SourceError
        raise failed(message) from None
    return filesystem, parts.path or "/"


def _hdfs_error(url: str, exc: BaseException) -> str:
    """One line for pyarrow's HDFS failures (its own message lists every path it tried)."""
    text = str(exc)
    missing = []
    if "libjvm" in text:
        java = os.environ.get("JAVA_HOME")
        missing.append(f"no libjvm under JAVA_HOME={java}" if java else "no JVM (JAVA_HOME unset)")
    if "libhdfs" in text:
        home = os.environ.get("ARROW_LIBHDFS_DIR") or os.environ.get("HADOOP_HOME")
        missing.append(f"no libhdfs.so under {home}" if home else "no libhdfs (HADOOP_HOME unset)")
    if missing:
        return f"cannot open {redact(url)!r}: no Hadoop client here ({', '.join(missing)}): " + (
            _HDFS_SETUP
        )
    if "CLASSPATH" in text or "NoClassDefFound" in text or "ClassNotFound" in text:
        return (
            f"cannot open {redact(url)!r}: the Hadoop jars are not on CLASSPATH: "
            "set CLASSPATH=$(hadoop classpath --glob); or profile it with --backend spark"
        )
    return f"cannot connect to HDFS for {redact(url)!r}: {_first_line(text)}"


# -- Azure ----------------------------------------------------------------------------------------


def _azure(parts, named: dict[str, Any], settings: RemoteSettings, url: str):
    if not named:
        try:
            return pafs.FileSystem.from_uri(url)
        except (OSError, ValueError) as exc:
            raise SourceError(f"cannot open {redact(url)!r}: {_first_line(str(exc))}") from None
    # abfs://container@account.dfs.core.windows.net/path
    container, _, host = parts.netloc.rpartition("@")
    account = named.pop("account_name", None) or host.split(".")[0]
    if not container:  # az://container/path: the account comes from account_name
        container = host
    try:
        filesystem = pafs.AzureFileSystem(account, **{k: str(v) for k, v in named.items()})
    except (TypeError, ValueError, OSError) as exc:
        raise InvalidInputError(f"cannot open {redact(url)!r}: {redact(str(exc))}") from None
    return filesystem, container + parts.path


# -- HTTP(S) --------------------------------------------------------------------------------------


def _http(url: str, options: dict[str, Any], settings: RemoteSettings):
    """fsspec's HTTP filesystem: random access by range requests, so a Parquet unit fetches the
    footer and its own column chunks only."""
    parts = urllib.parse.urlsplit(url)
    if any(ch in parts.path for ch in "*["):
        raise UnsupportedError(
            f"globs do not apply to URLs ({redact(url)!r}): an HTTP server has no listing to "
            "match; name each file (several URLs profile as one table)"
        )
    if parts.path.endswith("/"):
        raise UnsupportedError(f"{redact(url)!r} names a folder: name each file over HTTP(S)")
    _require("fsspec", "fsspec")
    _require("aiohttp", "aiohttp")
    import aiohttp
    import fsspec

    named = dict(options)
    headers = dict(named.pop("headers", None) or {})
    user = named.pop("username", None) or urllib.parse.unquote(parts.username or "") or None
    password = named.pop("password", None) or _password(parts) or None
    for key in list(named):
        if key in _TIMEOUTS:
            named.pop(key)
    # pandas forwards the other storage options of an HTTP URL as request headers.
    headers.update({str(k): str(v) for k, v in named.items()})
    remember_secrets([user or "", password or ""])
    client_kwargs: dict[str, Any] = {
        "timeout": aiohttp.ClientTimeout(
            total=None,
            connect=settings.connect_timeout,
            sock_connect=settings.connect_timeout,
            sock_read=settings.request_timeout,
        )
    }
    if user is not None:  # HTTP Basic (RFC 7617), as aiohttp.encode_basic_auth does
        token = base64.b64encode(f"{user}:{password or ''}".encode()).decode("ascii")
        headers["Authorization"] = f"Basic {token}"
    remember_secrets(headers)
    clean = urllib.parse.urlunsplit(
        (
            parts.scheme,
            parts.netloc.rpartition("@")[2],  # host[:port], without the credentials
            parts.path,
            parts.query,
            "",
        )
    )
    fs = fsspec.filesystem(
        "http",
        client_kwargs=client_kwargs,
        skip_instance_cache=True,
        **({"headers": headers} if headers else {}),
    )
    _check_http(fs, clean, url, settings)
    filesystem = pafs.PyFileSystem(_RangeHandler(fs))
    return filesystem, [clean]


class _RangeHandler(pafs.FSSpecHandler):
    """pyarrow's FSSpecHandler, but a file opens with one HEAD request (fsspec's ``isfile`` over
    HTTP would GET the whole body first) and reads exactly the ranges pyarrow asks for (no
    read-ahead: a Parquet unit fetches the footer and its own column chunks, not the rest of the
    file)."""

    def open_input_file(self, path: str):
        return pa.PythonFile(self.fs.open(path, mode="rb", cache_type="none"), mode="r")

    def open_input_stream(self, path: str):
        return self.open_input_file(path)


# -- other schemes: fsspec ------------------------------------------------------------------------


def _fsspec(url: str, scheme: str, options: dict[str, Any]):
    """A scheme pyarrow.fs lacks, through fsspec (its registry says which package adds it)."""
    try:
        import fsspec
    except ImportError:
        raise SourceError(
            f"cannot open {redact(url)!r}: pyarrow.fs has no {scheme}:// filesystem; "
            "pip install fsspec (and its package for this scheme) adds it"
        ) from None
    try:
        fsspec.get_filesystem_class(scheme)
    except ImportError as exc:
        raise SourceError(
            f"cannot open {redact(url)!r}: pyarrow.fs has no {scheme}:// filesystem and "
            f"fsspec's needs a package: {_first_line(str(exc))}"
        ) from None
    except ValueError:
        raise UnsupportedError(
            f"unknown URL scheme {scheme}:// in {redact(url)!r}: neither pyarrow.fs nor fsspec "
            "knows it; use a local path, s3://, gs://, hdfs://, abfs://, http(s):// or an fsspec "
            "scheme"
        ) from None
    try:
        fs, root = fsspec.core.url_to_fs(url, **options)
        paths = sorted(fs.glob(root)) if any(ch in root for ch in "*?[") else [root]
    except (ImportError, ValueError, TypeError, OSError) as exc:
        raise SourceError(f"cannot open {redact(url)!r}: {redact(_first_line(str(exc)))}") from None
    if not paths:
        raise SourceError(f"no files match {redact(url)!r}")
    return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), paths


# -- listing and reachability ---------------------------------------------------------------------


def _glob(filesystem: Any, path: str, url: str, settings: RemoteSettings) -> list[str]:
    base = re.split(r"[*?\[]", path, maxsplit=1)[0].rsplit("/", 1)[0]
    try:
        return _glob_matches(filesystem, base, url, path)
    except SourceError:
        raise
    except OSError as exc:
        raise RemoteStoreError(_unreachable(url, exc, settings, "list")) from None


def _glob_matches(filesystem: Any, base: str, url: str, pattern: str) -> list[str]:
    infos = filesystem.get_file_info(pafs.FileSelector(base, recursive=True, allow_not_found=True))
    matched = sorted(
        i.path for i in infos if i.type == pafs.FileType.File and fnmatch.fnmatch(i.path, pattern)
    )
    if not matched:
        raise SourceError(f"no files match {redact(url)!r}")
    return matched


def _check_reachable(filesystem: Any, path: str, url: str, settings: RemoteSettings) -> None:
    """Open ``path`` once (its metadata), so an unreachable store or a missing file is one clear
    error here rather than an engine's deep in a run (the client retries on its own)."""
    try:
        info = filesystem.get_file_info(path)
    except (OSError, ValueError) as exc:
        raise RemoteStoreError(_unreachable(url, exc, settings)) from None
    if info.type == pafs.FileType.NotFound:
        raise RemoteStoreError(f"no such file or folder: {redact(url)!r}")


def _check_http(fs: Any, clean: str, url: str, settings: RemoteSettings) -> None:
    """fsspec's HTTP ``info`` (a HEAD, then a GET) with retries of transient failures. fsspec
    reports every failure as FileNotFoundError: its cause says whether the file is missing."""
    for attempt in range(settings.attempts):
        try:
            fs.info(clean)
            return
        except (OSError, ValueError) as exc:
            causes = _causes(exc)[1:]
            if isinstance(exc, FileNotFoundError) and (
                not causes or any(getattr(c, "status", None) == 404 for c in causes)
            ):
                raise RemoteStoreError(f"no such file: {redact(url)!r} (HTTP 404)") from None
            if attempt + 1 < settings.attempts and _transient(exc):
                time.sleep(min(2.0, 0.2 * 2**attempt))
                continue
            raise RemoteStoreError(_unreachable(url, exc, settings)) from None


def _causes(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _transient(exc: BaseException) -> bool:
    """A failure worth another attempt: no connection (refused, reset, timed out connecting) or
    a server error. A server that took the connection and then said nothing within
    ``request_timeout`` is not tried again: it would most likely stay silent as long again."""
    for cause in _causes(exc):
        status = getattr(cause, "status", None)
        if isinstance(status, int) and (status >= 500 or status == 429):
            return True
        name = type(cause).__name__
        if type(cause).__module__.startswith("aiohttp"):
            if name == "SocketTimeoutError":  # a read that timed out
                return False
            if "Connect" in name or "Disconnected" in name or name == "ClientOSError":
                return True
        elif isinstance(cause, ConnectionError):
            return True
    return False


def _unreachable(
    url: str, exc: BaseException, settings: RemoteSettings | None, action: str = "open"
) -> str:
    """One line: what was tried, why it failed and what to set (``settings``: the limits the
    attempt ran under, None when they were not ours)."""
    kind = _KINDS.get(scheme_of(url) or "", "")
    why, hint, waited = reason(exc, kind)
    limits = ""
    if settings is None:  # our timeouts did not apply: do not suggest raising them
        hint = hint.replace("; " + _TIMEOUT_HINT, "").replace(_TIMEOUT_HINT, "")
    elif kind == "gcs" and waited:
        limits = f" (each request retried for {settings.retry_time_limit:g} s)"
    elif waited == "connect":
        limits = f" ({settings.attempts} attempts, connect timeout {settings.connect_timeout:g} s)"
    elif waited == "answer" and kind == "http":  # the open is not retried on silence
        limits = f" (request timeout {settings.request_timeout:g} s)"
    elif waited == "answer":
        limits = f" ({settings.attempts} attempts, request timeout {settings.request_timeout:g} s)"
    return redact(f"cannot {action} {url!r}{limits}: {why}; {hint}")


_TIMEOUT_HINT = "raise connect_timeout / request_timeout / max_retries (--storage-option KEY=VALUE)"


def reason(exc: BaseException, kind: str) -> tuple[str, str, str | None]:
    """Why a remote operation failed, what to set, and what it waited for in vain (``"connect"``:
    a connection, ``"answer"``: a response; None: it got an answer, such as access denied), from
    the errors of pyarrow's AWS and GCS clients and of aiohttp. ``kind``: ``s3``, ``gcs``,
    ``hdfs``, ``azure`` or ``http``."""
    causes = _causes(exc)
    texts = [str(c) for c in causes]
    # AWS error names come as ACCESS_DENIED or AccessDenied: compare without case or "_".
    flat = " ".join(texts).lower().replace("_", "")
    for cause in causes:
        status = getattr(cause, "status", None)
        if isinstance(status, int) and status >= 400:
            return (*_status_reason(status, kind), None)
    m = re.search(r"http status (\d{3})", flat)
    if m:
        return (*_status_reason(int(m.group(1)), kind), None)
    if any(
        word in flat
        for word in ("accessdenied", "invalidaccesskeyid", "signaturedoesnotmatch", "forbidden")
    ):
        return (*_status_reason(403, kind), None)
    if "nosuchbucket" in flat or "nosuchkey" in flat:
        return (*_status_reason(404, kind), None)
    if "oauth2" in flat:
        return (
            "no Google credentials could be had (no network, or none configured)",
            "pass --storage-option anon=true for a public bucket, or set "
            "GOOGLE_APPLICATION_CREDENTIALS; " + _TIMEOUT_HINT,
            "connect",
        )
    if "resolve" in flat and "host" in flat:
        return (
            "the host name does not resolve (no network, or a wrong endpoint)",
            _endpoint_hint(kind),
            "connect",
        )
    if any(
        words in flat
        for words in (
            "connect call failed",
            "couldn't connect",
            "could not connect",
            "connection refused",
            "cannot connect to host",
            "failed to connect",
        )
    ):
        return "the server did not accept a connection", _endpoint_hint(kind), "connect"
    if "connection timeout" in flat or "connect timeout" in flat:
        return "no connection in time", _TIMEOUT_HINT, "connect"
    if "timeout" in flat or "timed out" in flat or "curlcode: 28" in flat:
        return "no answer in time", _TIMEOUT_HINT, "answer"
    if "range requests" in flat:
        return (
            "the server does not support range requests",
            "serve the file from a server that does, or download it first",
            None,
        )
    first = _first_line(texts[0] if texts and texts[0] else type(exc).__name__)
    return first, _TIMEOUT_HINT, None


def _status_reason(status: int, kind: str) -> tuple[str, str]:
    if status in (401, 403):
        if kind == "s3":
            hint = "check key / secret (or profile), or pass anon=true for a public bucket"
        elif kind == "gcs":
            hint = "set GOOGLE_APPLICATION_CREDENTIALS, or pass anon=true for a public bucket"
        else:
            hint = "pass username / password or an Authorization header as storage options"
        return f"access denied (HTTP {status}: wrong or missing credentials)", hint
    if status == 404:
        return "not found (HTTP 404)", "check the bucket and the path"
    if status == 416:
        return "the server refused a range request (HTTP 416)", "check that the file is complete"
    return f"the server answered HTTP {status}", _TIMEOUT_HINT


def _endpoint_hint(kind: str) -> str:
    if kind == "s3":
        return "check endpoint_url (or AWS_ENDPOINT_URL) and the network; " + _TIMEOUT_HINT
    if kind == "gcs":
        return "check the network (or endpoint_url); " + _TIMEOUT_HINT
    return "check the host, port and network; " + _TIMEOUT_HINT


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else text
    return line if len(line) <= 300 else line[:297] + "..."


def _require(module: str, package: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise SourceError(
            f"reading http(s) URLs needs {package}, a dependency of truthound that is not "
            f"installed: pip install {package}"
        )


def describe_failure(url: str, exc: BaseException) -> str:
    """One line for a failure reading remote data after the open (dataset discovery, a footer):
    why it failed and what to set, secrets masked."""
    return _unreachable(url, exc, RemoteSettings.from_options({}), "read")
