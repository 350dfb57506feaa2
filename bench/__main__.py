"""``python -m bench``: the benchmark suite.

    python -m bench run --suite quick            # < 10 minutes on 2 cores (data cached)
    python -m bench run --suite full             # SF1 + SF10, all thread counts, scaling
    python -m bench run --suite scaling          # our time and memory at 1M / 10M / 60M rows
    python -m bench run --suite smoke            # tiny data: checks the harness
    python -m bench setup                        # install peers, generate the quick data
    python -m bench report                       # rewrite docs/benchmarks.md from saved results

Run from the repository root after ``pip install .``. Results go to bench/.data/suite/results/,
the page and charts to docs/.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from bench.suite.runner import TOOLS
    from bench.suite.suites import SUITES

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run a suite and write docs/benchmarks.md")
    run.add_argument("--suite", choices=sorted(SUITES), default="quick")
    run.add_argument("--tools", help=f"comma-separated subset of: {', '.join(TOOLS)}")
    run.add_argument(
        "--no-install", action="store_true", help="never pip install; missing peers are reported"
    )
    run.add_argument("--no-docs", action="store_true", help="save results only; leave docs/ alone")
    run.add_argument(
        "--dry-run", action="store_true", help="print what the suite would run, run nothing"
    )
    setup = sub.add_parser(
        "setup", help="install the peers and generate a suite's data, measure nothing"
    )
    setup.add_argument("--suite", choices=sorted(SUITES), default="quick")
    sub.add_parser("report", help="rewrite docs/benchmarks.md and the charts from saved results")
    args = parser.parse_args(argv)

    if args.command == "report":
        from bench.suite.report import write_docs

        print(write_docs())
        return 0
    if args.command == "setup":
        from bench.suite import envs
        from bench.suite.runner import TOOLS as tools

        print(envs.ensure_main())
        suite = SUITES[args.suite]()
        for venv in sorted({tools[e.tool].env for b in suite.blocks for e in b.entries} - {"main"}):
            print(envs.ensure_venv(venv))
        for block in suite.blocks:
            print(block.make().path)
        return 0
    tools = None
    if args.tools:
        tools = {t.strip() for t in args.tools.split(",") if t.strip()}
        unknown = tools - set(TOOLS)
        if unknown:
            parser.error(f"unknown tools: {', '.join(sorted(unknown))}")
    if args.dry_run:
        from bench.suite.suites import describe

        print(describe(SUITES[args.suite]()))
        return 0
    from bench.suite.run import run_suite

    run_suite(args.suite, install=not args.no_install, tools=tools, write_docs=not args.no_docs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
