"""Inline SVG charts of a comparison: two histograms overlaid on common bins, and paired bars of
the commonest categories. Sizes are viewBox units; CSS colours the baseline (``.b``) and the
current side (``.c``). Labels from the data are escaped."""

from __future__ import annotations

from collections.abc import Sequence

from truthound.profiler.report.format import esc, percent

__all__ = ["overlaid_histograms", "paired_bars"]

W, H = 400, 120


def _g(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def overlaid_histograms(
    labels: Sequence[str], baseline: Sequence[float], current: Sequence[float]
) -> str:
    """Bars of both sides' shares per bin (``labels[i]`` names bin i): the baseline filled, the
    current side as an outline over it, so either shows through."""
    n = len(labels)
    if n == 0:
        return ""
    top = max([*baseline, *current, 0.0]) or 1.0
    w = W / n
    parts = []
    for i in range(n):
        tip = f"{labels[i]}: baseline {percent(baseline[i])}, current {percent(current[i])}"
        hb, hc = H * baseline[i] / top, H * current[i] / top
        x = i * w + 1
        parts.append(
            f'<g><title>{esc(tip)}</title><rect class="hit" x="{_g(i * w)}" y="0" '
            f'width="{_g(w)}" height="{H}"/>'
            f'<rect class="b" x="{_g(x)}" y="{_g(H - hb)}" width="{_g(w - 2)}" height="{_g(hb)}"/>'
            f'<rect class="c" x="{_g(x + 0.5)}" y="{_g(H - hc)}" width="{_g(max(w - 3, 0.5))}" '
            f'height="{_g(hc)}"/></g>'
        )
    return (
        f'<svg class="hist2" viewBox="0 0 {W} {H}" preserveAspectRatio="none" role="img" '
        f'aria-label="baseline and current histograms, {n} common bins">{"".join(parts)}'
        f'<path class="base" d="M0 {H}H{W}"/></svg>'
    )


def paired_bars(rows: Sequence[tuple[str, float, float]]) -> str:
    """One row per category: its label (HTML), then the baseline's and the current side's share
    as two bars on one scale."""
    top = max([max(b, c) for _, b, c in rows] + [0.0]) or 1.0
    items = []
    for label, b, c in rows:
        items.append(
            f'<li><span class="bl">{label}</span>'
            f'<span class="pb"><i class="b" style="width:{100 * b / top:.1f}%"></i>'
            f'<i class="c" style="width:{100 * c / top:.1f}%"></i></span>'
            f'<span class="bp">{esc(percent(b))} → {esc(percent(c))}</span></li>'
        )
    return f'<ol class="pairs">{"".join(items)}</ol>'
