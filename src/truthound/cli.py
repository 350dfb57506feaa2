"""The ``th`` command (also installed as ``truthound``)."""

from __future__ import annotations

import argparse
import sys

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="th", description="Profile tables with truthound.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("profile", help="profile a file, folder, glob or URL")
    p.add_argument("source", nargs="+", help="path, folder, glob or URL")
    p.add_argument("--columns", help="comma-separated column names (default: all)")
    p.add_argument("--top-n", type=int, default=10)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--format", choices=["console", "json"], default="console")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from truthound.profiler import ProfilerError, profile
    from truthound.profiler.render import render_console

    try:
        source = args.source if len(args.source) > 1 else args.source[0]
        columns = [c.strip() for c in args.columns.split(",")] if args.columns else None
        result = profile(source, columns=columns, top_n=args.top_n, seed=args.seed)
    except (ProfilerError, OSError) as exc:
        if args.debug:
            raise
        print(f"th: error: {exc}", file=sys.stderr)
        return 1
    text = result.to_json() + "\n" if args.format == "json" else render_console(result)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as f:
            f.write(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
