"""What each suite runs.

``quick`` (< 10 minutes on 2 cores, data cached): lineitem SF1 (Parquet at 1 and 2 threads, CSV
at 2), the mixed table at 2M rows and the wide table at 2 threads; whylogs and ydata-profiling on a
row sample (they need minutes and gigabytes for the whole file: the full suite shows it).
``full``: lineitem SF1 and SF10 (Parquet and CSV), the mixed table at 10M rows and the wide table,
every tool at 1 and 2 threads where it has the knob, the slow peers on the whole file first (then
on a sample if they hit the time or memory cap), and the scaling run.
``scaling``: only the scaling run: our wall time and peak RSS on lineitem at SF 0.17, 1.7, 10.
``smoke``: tiny data, one run each: checks the harness in about a minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from bench.suite import data
from bench.suite.data import Dataset


@dataclass
class Entry:
    tool: str
    threads: tuple[int, ...]
    sample: int | None = None  # run on the first N rows (Parquet) instead of the whole file
    fallback_sample: int | None = None  # run on a sample only if the whole file fails


@dataclass
class Block:
    make: Callable[[], Dataset]
    entries: list[Entry]
    label: str = ""  # for --dry-run (the data set is only made when the block runs)


@dataclass
class Suite:
    name: str
    blocks: list[Block]
    repeats: int = 3
    budget_s: float = 30.0  # stop repeating a configuration once its runs took this long
    time_cap_s: float = 150.0
    peer_time_cap_s: float = 150.0
    mem_cap_mb: float = 10 * 1024
    scaling: tuple[float, ...] = ()
    scaling_threads: int = 2
    kernel_rows: int = 10_000_000
    notes: list[str] = field(default_factory=list)


def _ours(threads: tuple[int, ...] = (1, 2)) -> list[Entry]:
    out = [Entry("th-cli", threads)]
    if 1 in threads:
        out.append(Entry("th-profile", (1,)))
    out.append(Entry("th-distributed", tuple(t for t in threads if t > 1) or (1,)))
    return out


def _sql_like(threads: tuple[int, ...]) -> list[Entry]:
    return [Entry("duckdb", threads), Entry("polars", threads), Entry("truthound-pypi", threads)]


def _lineitem(sf: float, fmt: str) -> Callable[[], Dataset]:
    return lambda: data.lineitem(sf, fmt)


def _mixed(rows: int) -> Callable[[], Dataset]:
    return lambda: data.mixed(rows)


def _wide(columns: int = 1000, rows: int = 100_000) -> Callable[[], Dataset]:
    return lambda: data.wide(columns, rows)


def quick() -> Suite:
    two = (2,)
    return Suite(
        name="quick",
        blocks=[
            Block(
                _lineitem(1, "parquet"),
                _ours((1, 2))
                + [Entry("duckdb", (1, 2)), Entry("polars", (1, 2)), Entry("truthound-pypi", two)]
                + [Entry("whylogs", (1,), sample=200_000), Entry("ydata", two, sample=200_000)],
                label="lineitem SF1, Parquet",
            ),
            Block(
                _lineitem(1, "csv"),
                [Entry("th-cli", two), Entry("duckdb", two), Entry("polars", two)],
                label="lineitem SF1, CSV",
            ),
            Block(
                _mixed(2_000_000),
                _ours(two)
                + _sql_like(two)
                + [Entry("whylogs", (1,), sample=200_000), Entry("ydata", two, sample=200_000)],
                label="mixed 2M rows, Parquet",
            ),
            Block(
                _wide(),
                [Entry("th-cli", two)]
                + _sql_like(two)
                + [Entry("whylogs", (1,), sample=5_000), Entry("ydata", two, sample=5_000)],
                label="wide 1,000 x 100k, Parquet",
            ),
        ],
        budget_s=20.0,
        notes=[
            (
                "quick suite: mixed table at 2M rows; 1-thread runs on lineitem SF1 Parquet only "
                "(ours, DuckDB, polars); truthound from PyPI not on CSV (it rescans the CSV for every "
                "column: the full suite runs it); whylogs and ydata-profiling on the first rows of "
                "each file (marked)"
            )
        ],
    )


def full() -> Suite:
    both = (1, 2)

    def everything(whylogs_fallback: int, ydata_fallback: int) -> list[Entry]:
        return (
            _ours(both)
            + _sql_like(both)
            + [
                Entry("whylogs", (1,), fallback_sample=whylogs_fallback),
                Entry("ydata", both, fallback_sample=ydata_fallback),
            ]
        )

    csv = [
        Entry("th-cli", both),
        Entry("duckdb", both),
        Entry("polars", both),
        Entry("truthound-pypi", both),
    ]
    return Suite(
        name="full",
        blocks=[
            Block(
                _lineitem(1, "parquet"),
                everything(1_000_000, 500_000),
                label="lineitem SF1, Parquet",
            ),
            Block(_lineitem(1, "csv"), csv, label="lineitem SF1, CSV"),
            Block(
                _mixed(10_000_000), everything(1_000_000, 500_000), label="mixed 10M rows, Parquet"
            ),
            Block(_wide(), everything(20_000, 5_000), label="wide 1,000 x 100k, Parquet"),
            Block(
                _lineitem(10, "parquet"),
                everything(1_000_000, 500_000),
                label="lineitem SF10, Parquet",
            ),
            Block(_lineitem(10, "csv"), csv, label="lineitem SF10, CSV"),
        ],
        repeats=3,
        budget_s=240.0,
        time_cap_s=900.0,
        peer_time_cap_s=900.0,
        scaling=(0.17, 1.7, 10),
    )


def scaling() -> Suite:
    return Suite(
        name="scaling",
        blocks=[],
        scaling=(0.17, 1.7, 10),
        kernel_rows=0,
        budget_s=120.0,
        time_cap_s=900.0,
    )


def smoke() -> Suite:
    return Suite(
        name="smoke",
        blocks=[
            Block(
                _lineitem(0.1, "parquet"),
                _ours((1, 2))
                + _sql_like((1, 2))
                + [Entry("whylogs", (1,), sample=50_000), Entry("ydata", (2,), sample=20_000)],
                label="lineitem SF0.1, Parquet",
            ),
            Block(
                _lineitem(0.1, "csv"),
                [Entry("th-cli", (2,)), Entry("duckdb", (2,))],
                label="lineitem SF0.1, CSV",
            ),
            Block(_mixed(200_000), _ours((2,)) + _sql_like((2,)), label="mixed 200k rows, Parquet"),
            Block(
                _wide(100, 10_000),
                [Entry("th-cli", (2,))] + _sql_like((2,)),
                label="wide 100 x 10k, Parquet",
            ),
        ],
        repeats=1,
        budget_s=5.0,
        time_cap_s=120.0,
        peer_time_cap_s=120.0,
        scaling=(0.01, 0.05),
        kernel_rows=1_000_000,
    )


def describe(suite: Suite) -> str:
    """The plan, for ``--dry-run``."""
    lines = [
        (
            f"suite {suite.name}: up to {suite.repeats} runs per configuration (fewer once a "
            f"configuration's runs took {suite.budget_s:g} s), caps {suite.time_cap_s:g} s (ours) / "
            f"{suite.peer_time_cap_s:g} s (peers), {suite.mem_cap_mb / 1024:g} GiB"
        )
    ]
    for block in suite.blocks:
        lines.append(f"  {block.label}")
        for e in block.entries:
            extra = f", first {e.sample:,} rows" if e.sample else ""
            extra += (
                f", sample of {e.fallback_sample:,} rows if the file fails"
                if e.fallback_sample
                else ""
            )
            lines.append(f"    {e.tool:15} threads {','.join(map(str, e.threads))}{extra}")
    if suite.kernel_rows:
        lines.append(f"  numeric kernel vs plain sum: {suite.kernel_rows:,} rows, 1 thread")
    if suite.scaling:
        lines.append(
            f"  scaling: th-cli x{suite.scaling_threads} on lineitem SF {', '.join(f'{s:g}' for s in suite.scaling)}"
        )
    return "\n".join(lines)


SUITES = {"quick": quick, "full": full, "scaling": scaling, "smoke": smoke}
