"""docs/benchmarks.md and the charts, from the saved results (``bench/.data/suite/results``).

The page is regenerated whole, except its last section, ``## Other measurements``, which is kept
as it is (it holds numbers from the single benchmarks in bench/, added by hand).
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from bench.suite.data import DATA, ROOT
from bench.suite.runner import TOOLS

RESULTS = DATA / "results"
DOCS = ROOT / "docs"
OTHER = "## Other measurements"

TARGET_SPEEDUP_DUCKDB = 3.0
TARGET_SPEEDUP_PYPI = 20.0
TARGET_RSS_SF10_MB = 1024.0
TARGET_KERNEL_RATIO = 4.0
TARGET_DISTINCT = 0.01


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def _latest(*names: str, need: str | None = None) -> dict | None:
    found = [r for r in (_load(n) for n in names) if r and (not need or r.get(need))]
    return max(found, key=lambda r: r["started"]) if found else None


# ----------------------------------------------------------------------------------------------
# formatting


def _f(x: float | None, digits: int = 2) -> str:
    if x is None:
        return "—"
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def _pct(x: float | None) -> str:
    if x is None:
        return "—"
    if x == 0:
        return "0 (exact)"
    if x < 0.0001:
        return f"{x * 100:.4f} %"
    if x < 0.01:
        return f"{x * 100:.2f} %"
    return f"{x * 100:.1f} %"


def _mb(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f}"


def _label(m: dict) -> str:
    return TOOLS[m["tool"]].label


def _is_ours(m: dict) -> bool:
    return TOOLS[m["tool"]].ours


def _stats_per_col(m: dict) -> float | None:
    counts = (m.get("result") or {}).get("stats_per_column") or []
    return statistics.mean(counts) if counts else None


def _acc(m: dict, key: str) -> float | None:
    return ((m.get("result") or {}).get("accuracy") or {}).get(key)


def _parent(res: dict, key: str) -> str:
    """The data set a sample was taken of (or the key itself)."""
    return res["datasets"].get(key, {}).get("sample_of") or key


def _find(res: dict, dataset: str, tool: str, threads: int) -> dict | None:
    for m in res["measurements"]:
        if (
            m["dataset"] == dataset
            and m["tool"] == tool
            and m["threads"] == threads
            and m["status"] == "ok"
        ):
            return m
    return None


# ----------------------------------------------------------------------------------------------
# targets


def targets(res: dict, scaling: dict | None) -> list[tuple[str, str, str]]:
    """``(target, measured, verdict)`` rows."""
    rows: list[tuple[str, str, str]] = []
    keys = [k for k in res["datasets"] if not res["datasets"][k]["sample_of"]]
    main = [k for k in keys if k.startswith(("lineitem-sf1-parquet", "mixed-"))]
    for key in main:
        title = res["datasets"][key]["title"]
        duck = _find(res, key, "duckdb", 2)
        pypi = _find(res, key, "truthound-pypi", 2)
        ours_runs = [
            m for m in (_find(res, key, "th-cli", 2), _find(res, key, "th-distributed", 2)) if m
        ]
        for peer, goal, what in (
            (duck, TARGET_SPEEDUP_DUCKDB, "DuckDB SUMMARIZE, reporting more statistics"),
            (pypi, TARGET_SPEEDUP_PYPI, "truthound's own profiler (PyPI)"),
        ):
            if not peer or not ours_runs:
                continue
            parts, held = [], []
            for ours in ours_runs:
                ratio = peer["time_s"] / ours["time_s"]
                ok = ratio >= goal
                if peer is duck:
                    ok = ok and (_stats_per_col(ours) or 0) > (_stats_per_col(duck) or 0)
                held.append(ok)
                parts.append(f"{_label(ours)} {ours['time_s']:.2f} s → **{ratio:.1f}×**")
            measured = f"{_label(peer)} {peer['time_s']:.2f} s; " + "; ".join(parts)
            if peer is duck:
                measured += (
                    f"; statistics per column: ours {_stats_per_col(ours_runs[0]):.0f}, "
                    f"DuckDB {_stats_per_col(duck):.0f}"
                )
            if all(held):
                verdict = "holds"
            elif any(held):
                verdict = (
                    "holds for "
                    + ", ".join(_label(o) for o, h in zip(ours_runs, held) if h)
                    + " only"
                )
            else:
                verdict = "**does not hold**"
            rows.append((f"{title}, 2 threads: ≥ {goal:g}× faster than {what}", measured, verdict))
        # distinct counts where DuckDB is off by more than 1 %
        ours = _find(res, key, "th-cli", 2) or _find(res, key, "th-distributed", 2)
        if duck and ours and _acc(duck, "per_column") and _acc(ours, "per_column"):
            d_cols = _acc(duck, "per_column")
            o_cols = _acc(ours, "per_column")
            off = [c for c, e in d_cols.items() if e.get("distinct_rel", 0) > TARGET_DISTINCT]
            good = [c for c in off if o_cols.get(c, {}).get("distinct_rel", 1) <= TARGET_DISTINCT]
            worst = max(
                (o_cols[c]["distinct_rel"] for c in o_cols if "distinct_rel" in o_cols[c]),
                default=None,
            )
            if off:
                detail = ", ".join(
                    f"{c}: DuckDB {_pct(d_cols[c]['distinct_rel'])}, ours {_pct(o_cols.get(c, {}).get('distinct_rel'))}"
                    for c in off
                )
            else:
                detail = "DuckDB is within 1 % on every column here"
            rows.append(
                (
                    f"{title}: distinct counts within 1 % of exact where DuckDB's estimate is off by more",
                    f"{len(good)} of {len(off)} such columns ({detail}); our worst column: {_pct(worst)}",
                    "holds" if len(good) == len(off) else "**does not hold**",
                )
            )
    sf10 = None
    if scaling:
        sf10 = next(
            (s for s in scaling["scaling"] if s["scale_factor"] == 10 and s["status"] == "ok"), None
        )
    if sf10:
        rows.append(
            (
                f"peak RSS on lineitem SF10 (Parquet, {sf10['threads']} threads) ≤ 1 GiB",
                f"{sf10['rss_mb']:,.0f} MB ({scaling['suite']} suite, {scaling['started'][:10]})",
                "holds" if sf10["rss_mb"] <= TARGET_RSS_SF10_MB else "**does not hold**",
            )
        )
    else:
        rows.append(
            (
                "peak RSS on lineitem SF10 ≤ 1 GiB",
                "not measured in this run: `python -m bench run --suite scaling`",
                "not measured",
            )
        )
    k = res.get("kernel") or (scaling or {}).get("kernel")
    if k and k.get("status") == "ok":
        rows.append(
            (
                f"numeric kernel within {TARGET_KERNEL_RATIO:g}× of a plain sum (1 thread, in memory)",
                f"profile {k['profile_s']:.3f} s vs numpy sum {k['sum_s']:.3f} s over {k['cells'] / 1e6:.0f}M float64/int64 cells = **{k['ratio']:.1f}×**",
                "holds" if k["ratio"] <= TARGET_KERNEL_RATIO else "**does not hold**",
            )
        )
    return rows


# ----------------------------------------------------------------------------------------------
# tables


def results_table(res: dict, key: str) -> list[str]:
    ds = res["datasets"][key]
    rows = [m for m in res["measurements"] if _parent(res, m["dataset"]) == key]
    lines = [
        f"### {ds['title']}",
        "",
        (
            f"{ds['rows']:,} rows × {ds['columns']:,} columns = {ds['rows'] * ds['columns'] / 1e6:,.0f}M cells, "
            f"{ds['bytes'] / 1e6:,.0f} MB, generated by {ds['generator']}."
        ),
        "",
        "| tool | threads | time (s) | process (s) | CPU (s) | peak RSS (MB) | M cells/s | statistics / column | distinct: max rel. error | median: max rank error | runs | note |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for m in rows:
        label = _label(m)
        if _is_ours(m):
            label = f"**{label}**"
        if m["status"] != "ok":
            note = m["status"] + (f": {m['error']}" if m["error"] else "")
            lines.append(
                f"| {label} | {m['threads']} | {m['status']} | {_f(m.get('wall_s'))} | — | {_mb(m.get('rss_mb'))} | — | — | — | — | 0 | {note.replace('|', '/')} |"
            )
            continue
        cells_s = m["cells"] / m["time_s"] / 1e6 if m["time_s"] else None
        note = m.get("note", "")
        lines.append(
            f"| {label} | {m['threads']} | {_f(m['time_s'])} | {_f(m['wall_s'])} | {_f(m['cpu_s'])} | "
            f"{_mb(m['rss_mb'])} | {_f(cells_s, 1)} | {_f(_stats_per_col(m), 1)} | "
            f"{_pct(_acc(m, 'distinct_max'))} | {_pct(_acc(m, 'median_max'))} | {m['runs']} | {note} |"
        )
    lines.append("")
    return lines


def accuracy_table(res: dict, key: str) -> list[str]:
    """Per column: exact distinct count and each tool's relative error (2-thread runs on the whole file)."""
    exact = (res.get("exact") or {}).get(key)
    if not exact or len(exact) > 40:
        return []
    ms = [
        m
        for m in res["measurements"]
        if m["dataset"] == key
        and m["status"] == "ok"
        and _acc(m, "per_column")
        and any("distinct_rel" in e for e in _acc(m, "per_column").values())
    ]
    chosen: dict[str, dict] = {}
    for m in ms:  # one column per tool: its run with the most threads
        if m["tool"] in ("th-profile",):
            continue
        if m["tool"] not in chosen or m["threads"] > chosen[m["tool"]]["threads"]:
            chosen[m["tool"]] = m
    if not chosen:
        return []
    tools = list(chosen.values())
    lines = [
        f"#### Distinct counts, {res['datasets'][key]['title']}: relative error per column",
        "",
        "| column | exact | "
        + " | ".join(f"{_label(m)}, {m['threads']} thr." for m in tools)
        + " |",
        "|---|---:|" + "---:|" * len(tools),
    ]
    for col, t in exact.items():
        cells = []
        for m in tools:
            e = _acc(m, "per_column").get(col, {})
            cells.append(_pct(e.get("distinct_rel")) if "distinct_rel" in e else "—")
        lines.append(f"| {col} | {t['distinct']:,} | " + " | ".join(cells) + " |")
    lines.append("")
    return lines


# ----------------------------------------------------------------------------------------------
# charts


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


_OURS = "#1f6feb"
_PEER = "#8b949e"


def chart_time(res: dict, path: Path) -> None:
    plt = _plt()
    keys = [k for k in res["datasets"] if not res["datasets"][k]["sample_of"]]
    n = len(keys)
    cols = 2 if n > 1 else 1
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(7.5 * cols, 3.4 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys):
        ms = [m for m in res["measurements"] if _parent(res, m["dataset"]) == key]
        # per tool: the 2-thread run (or its only one)
        best: dict[str, dict] = {}
        for m in ms:
            prev = best.get(m["tool"])
            if (
                prev is None
                or (m["threads"] == 2 and prev["threads"] != 2)
                or (prev["status"] != "ok" and m["status"] == "ok")
            ):
                best[m["tool"]] = m
        items = list(best.values())
        labels, values, colors, notes = [], [], [], []
        for m in items:
            labels.append(f"{_label(m)} ({m['threads']})")
            if m["status"] == "ok":
                values.append(m["time_s"])
                notes.append(
                    f"{m['time_s']:.1f} s"
                    + (f"  (first {m['rows']:,} rows)" if m["dataset"] != key else "")
                )
            else:
                values.append(m.get("wall_s") or 0)
                notes.append(m["status"])
            colors.append(_OURS if _is_ours(m) else _PEER)
        y = range(len(items))
        bars = ax.barh(list(y), values, color=colors)
        for bar, m in zip(bars, items):
            if m["dataset"] != key or m["status"] != "ok":
                bar.set_hatch("//")
                bar.set_alpha(0.6)
        ax.set_yticks(list(y), labels, fontsize=8)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlabel("seconds (log scale, lower is better)")
        ax.set_title(res["datasets"][key]["title"], fontsize=10)
        for yi, (v, note) in enumerate(zip(values, notes)):
            ax.text(max(v, 1e-3) * 1.08, yi, note, va="center", fontsize=7)
        import math

        positive = [v for v in values if v > 0] or [1.0]
        ax.set_xlim(10 ** math.floor(math.log10(min(positive) * 0.5)), max(positive) * 8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(
        f"Profiling time, {res['suite']} suite (threads in parentheses; hatched: sample or failed)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def chart_accuracy(res: dict, path: Path) -> None:
    plt = _plt()
    keys = [
        k
        for k in res["datasets"]
        if not res["datasets"][k]["sample_of"]
        and any(
            _parent(res, m["dataset"]) == k and _acc(m, "per_column") for m in res["measurements"]
        )
    ]
    tools: list[str] = []
    for m in res["measurements"]:  # ours once (the CLI; the APIs return the same numbers)
        if m["tool"] not in tools and m["tool"] not in ("th-profile", "th-distributed"):
            tools.append(m["tool"])
    fig, axes = plt.subplots(1, 2, figsize=(14, 0.6 + 0.5 * len(tools) * max(1, len(keys)) / 2.2))
    floor = 1e-6
    for ax, metric, title in (
        (axes[0], "distinct_max", "distinct count: worst relative error over columns"),
        (axes[1], "median_max", "median: worst rank error over numeric columns"),
    ):
        labels, values, colors, texts = [], [], [], []
        for key in keys:
            for tool in tools:
                cands = [
                    m
                    for m in res["measurements"]
                    if _parent(res, m["dataset"]) == key
                    and m["tool"] == tool
                    and m["status"] == "ok"
                    and _acc(m, metric) is not None
                ]
                if not cands:
                    continue
                m = max(cands, key=lambda x: x["threads"])
                v = _acc(m, metric)
                short = res["datasets"][key]["title"].replace(" (", ", ").rstrip(")")
                short = (
                    short.replace("TPC-H lineitem", "lineitem")
                    .replace(" rows", "")
                    .replace(" cols x ", "×")
                    .replace("1,000", "1000")
                )
                labels.append(
                    f"{short} · {TOOLS[m['tool']].short}" + (" *" if m["dataset"] != key else "")
                )
                values.append(max(v, floor))
                texts.append(_pct(v))
                colors.append(_OURS if _is_ours(m) else _PEER)
        y = list(range(len(values)))
        ax.barh(y, values, color=colors)
        ax.set_yticks(y, labels, fontsize=7)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(floor, 10)
        ax.axvline(0.01, color="#d1242f", lw=0.8, ls="--")
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("error (log scale; 1e-6 = exact; red line = 1 %)")
        for yi, (v, t) in enumerate(zip(values, texts)):
            ax.text(v * 1.15, yi, t, va="center", fontsize=6.5)
    fig.suptitle(
        f"Accuracy against exact DuckDB values, {res['suite']} suite (* = on a sample, scored against the sample)",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


def chart_scaling(scaling: dict, path: Path) -> None:
    plt = _plt()
    pts = [s for s in scaling["scaling"] if s["status"] == "ok"]
    if not pts:
        return
    rows = [s["rows"] / 1e6 for s in pts]
    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 3.8))
    a.plot(rows, [s["time_s"] for s in pts], "o-", color=_OURS, label="th profile, wall")
    a.plot(
        rows, [s["cpu_s"] for s in pts], "s--", color=_OURS, alpha=0.5, label="CPU (user + system)"
    )
    big = pts[-1]
    a.plot([0, rows[-1]], [0, big["time_s"]], ":", color=_PEER, label="linear through the largest")
    a.set_xlabel("rows (millions)")
    a.set_ylabel("seconds")
    a.set_title(f"time, lineitem Parquet, {pts[0]['threads']} threads")
    a.legend(fontsize=8)
    b.plot(rows, [s["rss_mb"] for s in pts], "o-", color=_OURS)
    b.axhline(1024, color="#d1242f", lw=0.8, ls="--", label="1 GiB")
    b.set_ylim(0, max(1100, max(s["rss_mb"] for s in pts) * 1.2))
    b.set_xlabel("rows (millions)")
    b.set_ylabel("peak RSS (MB)")
    b.set_title("peak memory")
    b.legend(fontsize=8)
    for s, r in zip(pts, rows):
        a.annotate(
            f"{s['time_s']:.1f} s",
            (r, s["time_s"]),
            fontsize=7,
            xytext=(4, -10),
            textcoords="offset points",
        )
        b.annotate(
            f"{s['rss_mb']:.0f} MB",
            (r, s["rss_mb"]),
            fontsize=7,
            xytext=(4, 4),
            textcoords="offset points",
        )
    fig.tight_layout()
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)


# ----------------------------------------------------------------------------------------------
# the page


def _machine(res: dict) -> list[str]:
    mc = res["machine"]
    load = res.get("load") or {}
    git = mc.get("git") or {}
    return [
        "| | |",
        "|---|---|",
        f"| CPU | {mc['cpu_model']}, `nproc` = {mc['nproc']} |",
        f"| memory | {mc['mem_gib']} GiB |",
        f"| OS | {mc['os']} |",
        f"| Python | {mc['python']} |",
        f"| load average (1 min) | {mc['load_start'][0]} at the start, {load.get('min', 0):.1f} / {load.get('mean', 0):.1f} / {load.get('max', 0):.1f} min / mean / max during the run, {mc.get('load_end', ['?'])[0]} at the end |",
        f"| truthound under test | commit {git.get('commit', '?')}{' plus uncommitted changes' if git.get('dirty') else ''} |",
        f"| run | `--suite {res['suite']}`, {res['started']}, {res['seconds'] / 60:.1f} min (of which {res.get('setup_seconds', 0) / 60:.1f} min generating data and exact values) |",
    ]


def _versions(res: dict, scaling: dict | None) -> list[str]:
    seen: dict[str, str] = {}
    for m in res["measurements"]:
        if m.get("version") and m["tool"] not in seen:
            seen[m["tool"]] = m["version"]
    lines = [
        "| tool | version | where it runs | thread knob | what is timed |",
        "|---|---|---|---|---|",
    ]
    timed = {
        "th-cli": "the whole `th profile FILE --backend local --workers N --format json -o …` process",
        "th-profile": "`tp.profile(path)` (one stream, one thread)",
        "th-distributed": "`DistributedProfiler.create(backend='local', config=LocalConfig(num_workers=N)).profile(path)`",
        "duckdb": "`SUMMARIZE SELECT * FROM read_parquet(…)` / `read_csv(…)` + fetch",
        "polars": "`pl.scan_parquet(…)` / `scan_csv(…)` `.describe()`",
        "truthound-pypi": "`truthound.profiler.profile_file(path)` (DataProfiler)",
        "whylogs": "1M-row Arrow batches → pandas → `why.log(df).view()`, merged, `to_pandas()`",
        "ydata": "read into pandas, `ProfileReport(df, minimal=True).get_description()`",
    }
    for key, tool in TOOLS.items():
        env = "this environment" if tool.env == "main" else f"`bench/.venvs/{tool.env}`"
        errs = [
            m for m in res["measurements"] if m["tool"] == key and m["status"] == "not installed"
        ]
        version = seen.get(key) or ("not installed: " + errs[0]["error"] if errs else "not run")
        lines.append(f"| {tool.label} | {version} | {env} | {tool.knob or '—'} | {timed[key]} |")
    return lines


METHOD = """\
- Every run is its own process, started fresh; nothing is warm but the OS page cache (each file
  is read once before its first timed run by whichever tool comes first; all tools then read it
  from the page cache, as they would on a second look at the data).
- **time** is the profiling call timed inside the process: reading the file is included,
  interpreter start-up and imports are not. For `th profile` it is the whole CLI process (start-up,
  import, profile, writing the JSON), so the CLI rows are the conservative ones. **process** is
  the wall time of the whole process for every tool. Medians over **runs** (3 unless a
  configuration's runs passed the suite's time budget, then fewer: the column says how many).
- **CPU** is user + system time of the process and its waited-for children, **peak RSS** their
  maximum resident set (from `os.wait4`, topped up by a psutil watch of the process group).
- **threads**: the tool's own knob (see the tools table), plus `OMP_NUM_THREADS`, which also caps
  Arrow's CPU pool (file decoding) for every tool. whylogs has no knob and runs at 1.
- **statistics / column**: the non-null statistics the tool returned for a column, averaged over the
  columns (a list such as top values or a histogram counts once; names, types and method or error
  annotations do not count).
- **distinct: max rel. error**: the worst |reported − exact| / exact over the columns for which the
  tool reports a distinct count, against DuckDB's exact `count(DISTINCT col)`. **median: max rank
  error**: over numeric columns, where the reported median falls in the sorted column, as a
  distance from rank 0.5 (a tool that interpolates between two neighbours scores 0; NaN is not a
  value). Exact values are computed once per file and cached.
- Caps: a run is killed at the suite's time cap or at 10 GiB RSS (the machine is shared) and
  reported as such. ydata-profiling and whylogs cannot profile the large files within the quick
  suite's budget (ydata needs about 3 GB of RAM per million lineitem rows), so the quick suite runs
  them on the first rows of the file, written as their own Parquet file, and scores their accuracy
  against that file's exact values; the full suite tries the whole file first.
- Definitions differ: truthound 3 (PyPI) counts null as a distinct value (a boolean column with
  nulls has 3), whylogs reports no cardinality for date columns (0), polars treats NaN as the
  largest value in its median; the errors above are against one definition (DuckDB's) for all.
- The machine is shared with other engineers' test runs: the load average is in the machine table;
  compare ratios measured in the same run, not absolute times across runs.
"""


def write_docs(main_suite: str | None = None, docs_dir: Path | None = None) -> Path:
    docs = docs_dir or DOCS
    docs.mkdir(parents=True, exist_ok=True)
    res = _load(main_suite) if main_suite else _latest("quick", "full", need="measurements")
    scaling = _latest("scaling", "full", need="scaling") if main_suite != "smoke" else res
    if res is None:
        raise SystemExit("bench: no results yet; run `python -m bench run --suite quick` first")
    page = docs / "benchmarks.md"
    other = f"{OTHER}\n\nNumbers from the single benchmarks in `bench/` (not regenerated by the suite).\n"
    if page.exists():
        text = page.read_text()
        if OTHER in text:
            other = text[text.index(OTHER) :]
        elif text.strip() and "python -m bench run" not in text:
            # an older hand-written page: keep all of it under the heading
            body = text.split("\n", 1)[1] if text.startswith("# ") else text
            other = f"{OTHER}\n\n{body.strip()}\n"

    keys = [k for k in res["datasets"] if not res["datasets"][k]["sample_of"]]
    out: list[str] = [
        "# Benchmarks",
        "",
        "truthound against the profilers a user would pick instead: DuckDB `SUMMARIZE`, polars",
        "`describe()`, truthound 3 from PyPI (the polars-based profiler this project replaces),",
        "whylogs and ydata-profiling. Everything above [Other measurements](#other-measurements) is",
        f"written by `python -m bench run --suite {res['suite']}`; do not edit it by hand.",
        "",
        "## Reproduce",
        "",
        "```bash",
        "pip install .                                   # the README's set-up",
        "flock /tmp/truthound-engine.lock python -m bench run --suite quick   # < 10 min on 2 cores once data is cached",
        "python -m bench run --suite scaling             # 1M / 10M / 60M rows: time and peak memory",
        "python -m bench run --suite full                # SF1 + SF10, 10M mixed, 1 and 2 threads everywhere, scaling (hours)",
        "python -m bench report                          # rewrite this page and the charts from saved results",
        "```",
        "",
        "The first run installs what is missing: DuckDB, polars, matplotlib, psutil and `tpchgen-cli`",
        "into the current environment (`bench/requirements-peers.txt`, the same as the `bench` extra),",
        "and one virtual environment per peer that cannot share it, under `bench/.venvs/`",
        "(`bench/suite/requirements/*.txt`): truthound from PyPI (same import name as ours), whylogs",
        "(pins `platformdirs<4`), ydata-profiling (needs `numpy<2.4`, `pandas<3`). It generates the data",
        "under `bench/.data/suite/` (TPC-H lineitem with `tpchgen-cli`, the mixed and wide tables with",
        "numpy) and computes the exact values with DuckDB once. `--tools th-cli,duckdb` runs a subset;",
        "`--no-install` never installs (missing peers are reported as not installed).",
        "",
        "## Machine",
        "",
        *_machine(res),
        "",
        "## Targets",
        "",
        "Ratios are between runs of the same suite invocation.",
        "",
        "| target | measured | verdict |",
        "|---|---|---|",
        *[f"| {t} | {m} | {v} |" for t, m, v in targets(res, scaling)],
        "",
        "## Results",
        "",
        "Bold: ours. One table per data set; the notes column says when a tool ran on a sample.",
        *([f"Suite notes: {'; '.join(res['notes'])}.", ""] if res.get("notes") else [""]),
        "![time per tool](bench-time.png)",
        "",
    ]
    for key in keys:
        out += results_table(res, key)
    out += ["## Accuracy", "", "![accuracy per tool](bench-accuracy.png)", ""]
    for key in keys:
        out += accuracy_table(res, key)
    if scaling and scaling.get("scaling"):
        out += [
            "## Scaling",
            "",
            (
                f"`th profile --workers {scaling['scaling'][0]['threads']}` on lineitem Parquet at growing scale factors "
                f"({scaling['suite']} suite, {scaling['started'][:16]}, load average {scaling['machine']['load_start'][0]} "
                "at its start). Time should grow linearly with the rows and memory stay flat."
            ),
            "",
            "| scale factor | rows | file (MB) | time (s) | CPU (s) | peak RSS (MB) | M rows/s | runs |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for s in scaling["scaling"]:
            if s["status"] != "ok":
                out.append(
                    f"| {s['scale_factor']:g} | {s['rows']:,} | {s['bytes'] / 1e6:,.0f} | {s['status']} | — | — | — | 0 |"
                )
                continue
            out.append(
                f"| {s['scale_factor']:g} | {s['rows']:,} | {s['bytes'] / 1e6:,.0f} | {s['time_s']:.2f} | "
                f"{s['cpu_s']:.2f} | {s['rss_mb']:,.0f} | {s['rows'] / s['time_s'] / 1e6:.2f} | {s['runs']} |"
            )
        ok = [s for s in scaling["scaling"] if s["status"] == "ok"]
        if len(ok) >= 2:
            a, b = ok[-2], ok[-1]
            first = ok[0]
            out += [
                "",
                (
                    f"From {a['rows'] / 1e6:.1f}M to {b['rows'] / 1e6:.1f}M rows ({b['rows'] / a['rows']:.1f}× the rows): "
                    f"{b['time_s'] / a['time_s']:.1f}× the wall time, {b['cpu_s'] / a['cpu_s']:.1f}× the CPU time; "
                    f"from {first['rows'] / 1e6:.1f}M to {b['rows'] / 1e6:.1f}M rows the peak RSS grows "
                    f"{b['rss_mb'] / first['rss_mb']:.2f}× ({first['rss_mb']:,.0f} → {b['rss_mb']:,.0f} MB). "
                    "The smallest point is dominated by the fixed start-up (interpreter, imports, planning)."
                ),
            ]
        out += ["", "![scaling](bench-scaling.png)", ""]
    k = res.get("kernel")
    if k and k.get("status") == "ok":
        out += [
            "## Numeric kernel",
            "",
            (
                f"In memory, one thread, the table of `bench/bench_core.py` ({k['rows']:,} rows × 6 float64/int64 "
                "columns): the full numeric profile (`_core.profile`, no duplicate-row tracking) against a numpy "
                "sum of the same columns."
            ),
            "",
            "| work | time (s) | M cells/s | vs plain sum |",
            "|---|---:|---:|---:|",
            f"| numpy sum | {k['sum_s']:.3f} | {k['cells'] / k['sum_s'] / 1e6:,.0f} | 1.0× |",
            f"| full profile | {k['profile_s']:.3f} | {k['cells'] / k['profile_s'] / 1e6:,.0f} | {k['ratio']:.1f}× |",
            "",
        ]
    out += ["## Method", "", METHOD, "## Tools and versions", "", *_versions(res, scaling), ""]
    page.write_text("\n".join(out) + "\n" + other.rstrip() + "\n")
    chart_time(res, docs / "bench-time.png")
    chart_accuracy(res, docs / "bench-accuracy.png")
    if scaling and scaling.get("scaling"):
        chart_scaling(scaling, docs / "bench-scaling.png")
    return page
