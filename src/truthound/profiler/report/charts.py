"""Inline SVG charts: a sparkline of a histogram, a share bar of the commonest values, and a
column's histogram with a tooltip per bin. Sizes are viewBox units; CSS sets colours and width.
Every label from the data is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from truthound.profiler.report.format import count, esc

__all__ = ["box", "histogram", "share_bar", "sparkline"]

SPARK_W, SPARK_H = 64, 18
HIST_W, HIST_H = 400, 120


def _heights(counts: Sequence[Any], height: float) -> list[float]:
    values = [max(0.0, float(c)) if isinstance(c, (int, float)) else 0.0 for c in counts]
    top = max(values, default=0.0)
    if top <= 0:
        return [0.0] * len(values)
    # a non-empty bin stays visible however small
    return [0.0 if v == 0 else max(height * v / top, 0.6) for v in values]


def _g(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def sparkline(counts: Sequence[Any], label: str) -> str:
    """Bars of ``counts``, ``SPARK_W`` × ``SPARK_H``, as the strokes of one path; ``label`` is
    plain text."""
    n = len(counts)
    if n == 0:
        return ""
    w = SPARK_W / n
    d = "".join(
        f"M{_g((i + 0.5) * w)} {SPARK_H}V{_g(SPARK_H - h)}"
        for i, h in enumerate(_heights(counts, SPARK_H - 1))
        if h > 0
    )
    return (
        f'<svg class="spark" viewBox="0 0 {SPARK_W} {SPARK_H}" role="img" '
        f'aria-label="{esc(label)}">'
        f'<path stroke-width="{_g(w * 0.8)}" d="{d}"/></svg>'
    )


def share_bar(parts: Sequence[tuple[float, str]], total: float, label: str) -> str:
    """A stacked bar: each ``(count, css class)`` part as its share of ``total``; plain-text
    ``label``. The rest of the bar stays empty (other values)."""
    if total <= 0:
        return ""
    x = 0.0
    rects = []
    for n, cls in parts:
        w = SPARK_W * max(0.0, float(n)) / total
        if w <= 0:
            continue
        w = min(w, SPARK_W - x)
        rects.append(
            f'<rect class="{cls}" x="{_g(x)}" y="3" width="{_g(max(w - 0.5, 0.4))}" height="12"/>'
        )
        x += w
    return (
        f'<svg class="spark share" viewBox="0 0 {SPARK_W} {SPARK_H}" role="img" '
        f'aria-label="{esc(label)}">'
        f'<rect class="bg" x="0" y="3" width="{SPARK_W}" height="12"/>{"".join(rects)}</svg>'
    )


def histogram(bin_labels: Sequence[str], counts: Sequence[Any], approx: str = "") -> str:
    """Bars of ``counts`` with a ``<title>`` per bin (``bin_labels[i]``: plain text such as
    ``"4,747 – 7,398"``). ``approx`` (plain text, e.g. ``"± 83"``) marks estimated counts."""
    n = len(counts)
    if n == 0:
        return ""
    w = HIST_W / n
    gap = min(2.0, w * 0.15)
    bars = []
    for i, (h, c) in enumerate(zip(_heights(counts, HIST_H - 4), counts)):
        shown = count(c)
        tip = f"{bin_labels[i]}: {'≈ ' if approx else ''}{shown}{' ' + approx if approx else ''}"
        if h > 0:
            at = f'x="{_g(i * w + gap / 2)}" y="{_g(HIST_H - h)}"'
            bars.append(
                f'<rect {at} width="{_g(w - gap)}" height="{_g(h)}"><title>{esc(tip)}</title></rect>'
            )
    return (
        f'<svg class="hist" viewBox="0 0 {HIST_W} {HIST_H}" preserveAspectRatio="none" role="img" '
        f'aria-label="histogram, {n} bins">{"".join(bars)}'
        f'<path class="base" d="M0 {HIST_H}H{HIST_W}"/></svg>'
    )


BOX_H = 16


def box(lo: float, hi: float, p: dict[str, float], label: str) -> str:
    """A box plot on the histogram's x scale [``lo``, ``hi``]: whiskers p5–p95, box p25–p75,
    a line at p50; ``p`` maps those names to numbers, ``label`` (plain text) is the tooltip."""
    if not hi > lo or not all(k in p for k in ("p5", "p25", "p50", "p75", "p95")):
        return ""

    def x(v: float) -> str:
        return _g(min(HIST_W, max(0.0, HIST_W * (v - lo) / (hi - lo))))

    mid = BOX_H / 2
    return (
        f'<svg class="box" viewBox="0 0 {HIST_W} {BOX_H}" preserveAspectRatio="none" role="img" '
        f'aria-label="{esc(label)}"><title>{esc(label)}</title>'
        f'<path d="M{x(p["p5"])} {mid}H{x(p["p25"])}M{x(p["p75"])} {mid}H{x(p["p95"])}'
        f'M{x(p["p5"])} 4V12M{x(p["p95"])} 4V12"/>'
        f'<rect x="{x(p["p25"])}" y="2" width="{_g(float(x(p["p75"])) - float(x(p["p25"])))}" '
        'height="12"/>'
        f'<path class="md" d="M{x(p["p50"])} 1V15"/></svg>'
    )
