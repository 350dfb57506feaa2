"""The ``th`` command (also installed as ``truthound``).

    th profile SOURCE... [--distributed] [--backend local|spark|dask|ray|auto] [--workers N] ...
    th diff BASELINE CURRENT [--format console|json|yaml|html] [-o FILE] [--fail-on-drift]
    th cache info DIR | th cache clear DIR [--older-than 7d]

Exit codes: 0 success, 1 the data could not be profiled (missing or unreadable input, a backend
that failed), 2 a usage error, 3 ``--fail-on`` matched an alert (the output is written first; the
matching alerts are listed on standard error) or ``th diff --fail-on-drift`` found a drifted
column. Errors are one line, ``th: error: ...``; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import argparse
import glob
import os
import re
import sys
import traceback
from collections.abc import Sequence
from typing import Any

__all__ = ["main"]

EXIT_OK, EXIT_DATA, EXIT_USAGE, EXIT_ALERTS = 0, 1, 2, 3
EXIT_DRIFT = 3  # th diff --fail-on-drift
# control characters in an alert's message (it may quote a value) are shown as \xNN
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
FORMATS = ("console", "json", "yaml", "html")
BACKENDS = ("local", "spark", "dask", "ray", "auto")
STRATEGIES = ("row_based", "column_based", "hybrid", "hash")


class _UsageError(Exception):
    """A bad command line: exit 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _UsageError(message)


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}")
    return value


def _one_char(text: str) -> str:
    value = {"\\t": "\t", "tab": "\t"}.get(text, text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"expected one character, got {text!r}")
    return value


def _storage_option(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError("expected KEY=VALUE, e.g. endpoint_url=http://host:9000")
    return key.strip(), value


def _parser() -> argparse.ArgumentParser:
    from truthound import __version__

    parser = _Parser(prog="th", description="Profile tables with truthound.")
    parser.add_argument("--version", action="version", version=f"th (truthound) {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    p = sub.add_parser("profile", help="profile files, folders, globs or URLs as one table")
    p.add_argument(
        "source", nargs="+", metavar="SOURCE", help="path, folder, glob or URL (several: one table)"
    )

    run = p.add_argument_group("execution")
    run.add_argument(
        "--distributed", action="store_true", help="run units in parallel on a backend"
    )
    run.add_argument(
        "--backend",
        choices=BACKENDS,
        type=str.lower,
        help="backend for --distributed (default: $TRUTHOUND_DISTRIBUTED_BACKEND or local)",
    )
    run.add_argument(
        "--workers",
        type=_positive_int,
        help="local threads or processes (default: $TRUTHOUND_NUM_WORKERS or every CPU)",
    )
    run.add_argument(
        "--processes", action="store_true", help="local backend: processes instead of threads"
    )
    run.add_argument("--master", help="Spark master URL, e.g. spark://host:7077")
    run.add_argument(
        "--scheduler",
        help="Dask scheduler: threads, processes, synchronous, distributed or an address",
    )
    run.add_argument("--address", help="Ray cluster address, e.g. ray://host:10001")
    run.add_argument(
        "--partition-strategy",
        choices=STRATEGIES,
        type=str.lower,
        default="row_based",
        help="how to cut the table into units (default: row_based)",
    )
    run.add_argument(
        "--partitions",
        type=_positive_int,
        help="row parts, column groups or hash buckets (default: automatic)",
    )

    what = p.add_argument_group("profile")
    what.add_argument("--columns", help="comma-separated column names (default: all)")
    what.add_argument(
        "--top-n",
        type=_non_negative_int,
        default=10,
        help="top and bottom values to keep (default: 10)",
    )
    what.add_argument(
        "--no-patterns", action="store_true", help="skip pattern detection in string columns"
    )
    related = what.add_mutually_exclusive_group()
    related.add_argument(
        "--correlations",
        dest="correlations",
        action="store_true",
        default=True,
        help="correlations (Pearson, nullity; Spearman, Cramér's V and the correlation ratio from "
        "a row sample) and a sample of rows (the default)",
    )
    related.add_argument(
        "--no-correlations",
        dest="correlations",
        action="store_false",
        help="leave out the correlations and the row sample",
    )
    what.add_argument(
        "--seed", type=_non_negative_int, default=42, help="seed of the sketches (default: 42)"
    )

    cached = p.add_argument_group("cache")
    cached.add_argument(
        "--cache",
        metavar="DIR",
        help="a folder or URL (s3://bucket/cache) of cached unit partials: unchanged files are "
        "not read again (default: $TRUTHOUND_CACHE)",
    )
    cached.add_argument(
        "--no-cache", action="store_true", help="do not use $TRUTHOUND_CACHE for this run"
    )
    cached.add_argument(
        "--cache-max-size",
        metavar="SIZE",
        help="size cap of the cache, e.g. 10GB; least recently used entries go first "
        "(default: $TRUTHOUND_CACHE_MAX_BYTES, else no cap)",
    )

    remote = p.add_argument_group("remote data")
    remote.add_argument(
        "--storage-option",
        action="append",
        type=_storage_option,
        default=[],
        metavar="KEY=VALUE",
        help="an option of the store a URL names, e.g. endpoint_url=http://127.0.0.1:9000, "
        "region=eu-west-1, anon=true, profile=NAME, connect_timeout=5, max_retries=2 "
        "(repeatable)",
    )

    read = p.add_argument_group("CSV input")
    read.add_argument(
        "--delimiter", type=_one_char, help="field delimiter (default: ',' or tab for .tsv)"
    )
    read.add_argument(
        "--no-header", action="store_true", help="the first line is data; columns are f0, f1, ..."
    )
    read.add_argument("--quote-char", type=_one_char, help="quote character (default: '\"')")
    read.add_argument(
        "--newlines-in-values",
        action="store_true",
        help="quoted values may hold line breaks (found by itself when a file is split)",
    )
    read.add_argument(
        "--input-format",
        choices=sorted(set(_source_formats())),
        type=str.lower,
        help="read SOURCE as this format whatever its name (default: from the file name)",
    )

    out = p.add_argument_group("output")
    out.add_argument(
        "--format", choices=FORMATS, type=str.lower, default="console", help="output format"
    )
    out.add_argument("-o", "--output", help="write to this file instead of standard output")
    out.add_argument(
        "--suggest",
        metavar="FORMAT",
        type=str.lower,
        help="write the suggested validators instead of the profile: truthound (a validation "
        "suite), gx (a Great Expectations suite) or pandera (a schema), as JSON",
    )
    out.add_argument("--quiet", action="store_true", help="no progress bar")

    gate = p.add_argument_group("alerts")
    gate.add_argument(
        "--fail-on",
        metavar="SEVERITY|KIND,...",
        help="exit 3 when an alert matches: a severity (info, warning, error: that and worse) "
        "or an alert kind (constant, high_null_ratio, ...)",
    )
    gate.add_argument(
        "--alert",
        metavar="KIND=THRESHOLD",
        action="append",
        default=[],
        help="set an alert's threshold, or 'off' (repeatable): --alert skewed=5 --alert zeros=off",
    )
    out.add_argument("--debug", action="store_true", help="show tracebacks")
    r = sub.add_parser("report", help="render a saved JSON profile as a self-contained HTML report")
    r.add_argument(
        "profile", metavar="PROFILE", help="a profile saved by --format json or TableProfile.save"
    )
    r.add_argument("-o", "--output", help="write to this file instead of standard output")
    r.add_argument("--debug", action="store_true", help="show tracebacks")
    _add_diff_parser(sub)
    _add_cache_parser(sub)
    return parser


def _add_cache_parser(sub: Any) -> None:
    c = sub.add_parser("cache", help="inspect or clear a cache of unit partials")
    actions = c.add_subparsers(dest="cache_command", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    info = actions.add_parser("info", help="entries, size and last use of a cache")
    clear = actions.add_parser("clear", help="delete a cache's entries")
    for action in (info, clear):
        action.add_argument("dir", metavar="DIR", help="the cache folder or URL")
        action.add_argument(
            "--storage-option",
            action="append",
            type=_storage_option,
            default=[],
            metavar="KEY=VALUE",
            help="an option of the store a URL names (repeatable)",
        )
        action.add_argument("--format", choices=("console", "json"), default="console")
        action.add_argument("--debug", action="store_true", help="show tracebacks")
    clear.add_argument(
        "--older-than",
        type=_age,
        metavar="AGE",
        help="only entries not used for AGE: 30s, 15m, 12h, 7d, 2w (default: every entry)",
    )


def _age(text: str) -> Any:
    import datetime as dt

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*", text.lower())
    if not m:
        raise argparse.ArgumentTypeError(
            f"expected an age such as 30s, 15m, 12h, 7d, 2w, got {text!r}"
        )
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[m.group(2)]
    return dt.timedelta(seconds=float(m.group(1)) * seconds)


def _cache(args: argparse.Namespace) -> int:
    import json

    from truthound.profiler.cache import PartialCache

    cache = PartialCache(args.dir, dict(args.storage_option) or None)
    if args.cache_command == "info":
        info = cache.info()
        if args.format == "json":
            _write(json.dumps(info.to_dict(), indent=2) + "\n", None)
            return EXIT_OK
        lines = [
            f"cache {info.location}",
            f"  {info.entries:,} entries, {info.bytes / 1e6:,.1f} MB",
        ]
        if info.oldest_use is not None:
            lines.append(
                f"  last used between {info.oldest_use:%Y-%m-%d %H:%M:%S} and "
                f"{info.newest_use:%Y-%m-%d %H:%M:%S} UTC"
            )
        if info.temporary_files:
            lines.append(f"  {info.temporary_files:,} temporary files (unfinished writes)")
        _write("\n".join(lines) + "\n", None)
        return EXIT_OK
    deleted, freed = cache.clear(args.older_than)
    if args.format == "json":
        _write(json.dumps({"deleted": deleted, "bytes_freed": freed}) + "\n", None)
    else:
        _write(f"deleted {deleted:,} entries ({freed / 1e6:,.1f} MB) from {args.dir}\n", None)
    return EXIT_OK


def _non_negative_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text!r}") from None
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative number, got {text!r}")
    return value


def _add_diff_parser(sub: Any) -> None:
    d = sub.add_parser(
        "diff", help="compare two profiles (saved profiles or data): schema, deltas and drift"
    )
    d.add_argument(
        "baseline", metavar="BASELINE", help="a saved profile or data, as th profile takes"
    )
    d.add_argument(
        "current", metavar="CURRENT", help="a saved profile or data, as th profile takes"
    )
    d.add_argument(
        "--format", choices=FORMATS, type=str.lower, default="console", help="output format"
    )
    d.add_argument("-o", "--output", help="write to this file instead of standard output")
    d.add_argument("--fail-on-drift", action="store_true", help="exit 3 when a column drifted")
    d.add_argument("--columns", help="comma-separated columns to compare (default: all)")
    d.add_argument(
        "--backend",
        choices=BACKENDS,
        type=str.lower,
        help="profile data sides on this backend (default: in this process)",
    )
    for name, default in (("numeric", 0.1), ("categorical", 0.1), ("null", 0.2)):
        d.add_argument(
            f"--{name}-threshold",
            type=_non_negative_float,
            help=f"{name} drift threshold (default: {default})",
        )
    d.add_argument("--debug", action="store_true", help="show tracebacks")


def _diff(args: argparse.Namespace) -> int:
    from truthound.profiler.comparison import compare

    options: dict[str, Any] = {}
    for name in ("numeric", "categorical", "null"):
        value = getattr(args, f"{name}_threshold")
        if value is not None:
            options[f"{name}_threshold"] = value
    columns = [c.strip() for c in args.columns.split(",") if c.strip()] if args.columns else None
    for label, path in (("BASELINE", args.baseline), ("CURRENT", args.current)):
        if "://" not in path and not any(ch in path for ch in "*?[") and not os.path.exists(path):
            from truthound.profiler.errors import SourceError

            raise SourceError(f"{label}: no such file or folder: {path!r}")
    comparison = compare(
        args.baseline, args.current, columns=columns, backend=args.backend, **options
    )
    _write(_render_comparison(comparison, args.format), args.output)
    return EXIT_DRIFT if args.fail_on_drift and comparison.drifted_columns else EXIT_OK


def _render_comparison(comparison: Any, fmt: str) -> str:
    if fmt == "html":
        return comparison.to_html()
    if fmt == "json":
        return comparison.to_json() + "\n"
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(comparison.to_dict(), sort_keys=False, allow_unicode=True)
    from truthound.profiler.render_comparison import render_comparison_console

    return render_comparison_console(comparison)


def _report(args: argparse.Namespace) -> int:
    import json

    from truthound.profiler.errors import InvalidInputError, SourceError
    from truthound.profiler.model import TableProfile
    from truthound.profiler.report import render_html

    _refuse_overwriting_input(args.output, [args.profile])
    try:
        profile = TableProfile.load(args.profile)
    except FileNotFoundError:
        raise SourceError(f"no such file: {args.profile!r}") from None
    except InvalidInputError as exc:  # checked and refused (truthound.profiler.saved)
        raise InvalidInputError(f"{args.profile!r}: {exc}") from None
    except (json.JSONDecodeError, KeyError, TypeError, AttributeError, ValueError) as exc:
        raise InvalidInputError(f"{args.profile!r} is not a truthound profile: {exc}") from None
    _write(render_html(profile), args.output)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``th`` with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = _parser().parse_args(argv)
        commands = {"report": _report, "diff": _diff, "cache": _cache}
        return commands.get(args.command, _profile)(args)
    except _UsageError as exc:
        _error(str(exc))
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as exc:
        from truthound.profiler.errors import ProfilerError

        if debug:
            from truthound.profiler.redact import redact

            sys.stderr.write(redact("".join(traceback.format_exception(exc))))
        if isinstance(exc, (ProfilerError, OSError, ValueError)):
            _error(_one_line(exc))
        else:
            _error(
                f"unexpected {type(exc).__name__}: {_one_line(exc)} "
                "(run with --debug for the traceback)"
            )
        return EXIT_DATA


def _profile(args: argparse.Namespace) -> int:
    from truthound.profiler.alerts import parse_fail_on, select_alerts
    from truthound.profiler.distributed import DistributedMonitor, DistributedProfiler
    from truthound.profiler.errors import InvalidInputError

    settings: dict[str, Any] = {
        "top_n": args.top_n,
        "seed": args.seed,
        "include_patterns": not args.no_patterns,
        "correlations": args.correlations,
        "alerts": _alert_thresholds(args.alert),
    }
    try:
        fail_on = parse_fail_on(args.fail_on) if args.fail_on is not None else ()
    except InvalidInputError as exc:
        raise _UsageError(str(exc)) from None
    if args.suggest is not None:
        from truthound.profiler.suites import SUITE_FORMATS, export_suite

        if args.suggest not in (*SUITE_FORMATS, "great_expectations", "great-expectations"):
            raise _UsageError(
                f"argument --suggest: unknown format {args.suggest!r}; "
                f"choose one of {', '.join(SUITE_FORMATS)}"
            )
    if args.seed >= 2**64:
        raise _UsageError(f"argument --seed: expected an integer below 2**64, got {args.seed}")
    distributed = (
        args.distributed
        or any(
            v is not None
            for v in (args.backend, args.workers, args.master, args.scheduler, args.address)
        )
        or args.processes
    )
    try:
        backend, config = _backend_and_config(args, distributed)
    except InvalidInputError as exc:
        raise _UsageError(str(exc)) from None
    monitor = DistributedMonitor()
    bar = _ProgressBar(sys.stderr) if (not args.quiet and sys.stderr.isatty()) else None
    if bar is not None:
        monitor.on_progress(bar.update)
    try:
        profiler = DistributedProfiler.create(
            backend=backend,
            config=config,
            partition_strategy=args.partition_strategy,
            monitor=monitor,
            num_partitions=args.partitions,
            storage_options=dict(args.storage_option) or None,
            cache=False if args.no_cache else args.cache,
            cache_max_bytes=args.cache_max_size,
            **settings,
        )
    except InvalidInputError as exc:
        raise _UsageError(str(exc)) from None
    source_options: dict[str, Any] = {}
    if args.delimiter is not None:
        source_options["delimiter"] = args.delimiter
    if args.no_header:
        source_options["header"] = False
    if args.quote_char is not None:
        source_options["quote_char"] = args.quote_char
    if args.newlines_in_values:
        source_options["newlines_in_values"] = True
    if args.input_format is not None:
        source_options["format"] = args.input_format
    columns = _columns(args.columns)
    _refuse_overwriting_input(args.output, args.source)
    source = args.source if len(args.source) > 1 else args.source[0]
    try:
        profile = profiler.profile(source, columns=columns, **source_options)
    finally:
        if bar is not None:
            bar.close()
    if args.suggest is not None:
        _write(export_suite(profile, args.suggest), args.output)
    else:
        _write(_render(profile, args.format), args.output)
    matched = select_alerts(profile.alerts, fail_on) if fail_on else []
    if matched:
        n = len(matched)
        sys.stderr.write(f"th: {n} alert{'s' if n != 1 else ''} match --fail-on {args.fail_on}:\n")
        for a in matched:
            where = a.column if a.column is not None else "(table)"
            message = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", a.message)
            sys.stderr.write(f"  {a.severity} {a.kind} {where!r}: {message}\n")
        return EXIT_ALERTS
    return EXIT_OK


def _alert_thresholds(items: list[str]) -> dict[str, float | None]:
    """``["skewed=5", "zeros=off"]`` → ``{"skewed": 5.0, "zeros": None}``."""
    from truthound.profiler.settings import AlertSettings

    out: dict[str, float | None] = {}
    for item in items:
        kind, sep, value = item.partition("=")
        kind = kind.strip().lower()
        if not sep or kind not in AlertSettings.kinds():
            raise _UsageError(
                f"argument --alert: expected KIND=THRESHOLD with a kind among "
                f"{', '.join(AlertSettings.kinds())}, got {item!r}"
            )
        if value.strip().lower() == "off":
            out[kind] = None
            continue
        try:
            out[kind] = float(value)
        except ValueError:
            raise _UsageError(
                f"argument --alert: threshold of {kind} must be a number or 'off', got {value!r}"
            ) from None
    return out


def _source_formats() -> list[str]:
    from truthound.profiler.sources import FORMATS

    return list(FORMATS.values())


def _columns(text: str | None) -> tuple[str, ...] | None:
    from truthound.profiler.errors import InvalidInputError
    from truthound.profiler.sources import column_selection

    if text is None:
        return None
    names = [c.strip() for c in text.split(",") if c.strip()]
    if not names:
        raise _UsageError(
            f"argument --columns: {text!r} names no column; leave --columns out to profile every column"
        )
    try:
        return column_selection(names)
    except InvalidInputError as exc:
        raise _UsageError(f"argument --columns: {exc}") from None


def _refuse_overwriting_input(output: str | None, sources: Sequence[str]) -> None:
    """``-o`` naming an input (or a file inside an input folder) would destroy the data."""
    if not output or "://" in output:
        return
    target = os.path.realpath(output)
    for source in sources:
        if "://" in source and not source.startswith("file://"):
            continue
        local = source.removeprefix("file://")
        matched = glob.glob(local, recursive=True) if any(c in local for c in "*?[") else [local]
        for path in map(os.path.realpath, matched):
            if target == path or target.startswith(path.rstrip(os.sep) + os.sep):
                raise _UsageError(f"-o {output!r} would overwrite the input {source!r}")


def _backend_and_config(args: argparse.Namespace, distributed: bool) -> tuple[str, Any]:
    from truthound.profiler.distributed import DaskConfig, LocalConfig, RayConfig, SparkConfig
    from truthound.profiler.distributed.config import BACKEND_ENV, default_backend_name

    if not distributed:
        return "local", LocalConfig(num_workers=1)
    name = args.backend or default_backend_name()
    if name not in BACKENDS:
        raise _UsageError(
            f"{BACKEND_ENV}={os.environ.get(BACKEND_ENV)!r} is not a backend; "
            f"choose one of {', '.join(BACKENDS)}"
        )
    if name == "local":
        return name, LocalConfig(num_workers=args.workers, use_processes=args.processes)
    if name == "spark":
        return name, SparkConfig(master=args.master) if args.master else SparkConfig()
    if name == "dask":
        config = DaskConfig(scheduler=args.scheduler) if args.scheduler else DaskConfig()
        if args.workers:
            config.num_workers = args.workers
        return name, config
    if name == "ray":
        return name, RayConfig(address=args.address, num_cpus=args.workers)
    # auto: these settings apply when it picks the local backend
    return name, LocalConfig(num_workers=args.workers, use_processes=args.processes)


def _render(profile: Any, fmt: str) -> str:
    if fmt == "html":
        from truthound.profiler.report import render_html

        return render_html(profile)
    if fmt == "json":
        return profile.to_json() + "\n"
    if fmt == "yaml":
        import yaml

        return yaml.safe_dump(profile.to_dict(), sort_keys=False, allow_unicode=True)
    from truthound.profiler.render import render_console

    return render_console(profile)


def _write(text: str, output: str | None) -> None:
    if not output:
        sys.stdout.write(text)
        return
    from truthound.profiler.errors import SourceError

    try:
        with open(output, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as exc:
        raise SourceError(f"cannot write {output!r}: {exc.strerror or exc}") from None


class _ProgressBar:
    """``[#####.....]  50.0%`` redrawn in place on a terminal."""

    WIDTH = 30

    def __init__(self, stream: Any):
        self._stream = stream
        self._drawn = False

    def update(self, percent: float) -> None:
        filled = int(self.WIDTH * percent / 100)
        self._stream.write(
            f"\rprofiling [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:5.1f}%"
        )
        self._stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self._stream.write("\n")
            self._stream.flush()


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def _error(message: str) -> None:
    from truthound.profiler.redact import redact  # secrets never reach the terminal
    from truthound.profiler.render import escape_controls

    sys.stderr.write(f"th: error: {escape_controls(redact(message))}\n")


if __name__ == "__main__":
    sys.exit(main())
