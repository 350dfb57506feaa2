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
    """Both sides' shares per bin (``labels[i]`` names bin i): the baseline as filled bars, the
    current side as an outline over them, so either shows through; each as one path, with a
    tooltip per bin."""
    n = len(labels)
    if n == 0:
        return ""
    top = max([*baseline, *current, 0.0]) or 1.0
    w = W / n
    filled, outline, tips = [], [], []
    for i in range(n):
        x0, x1 = i * w + 1, (i + 1) * w - 1
        hb, hc = H * baseline[i] / top, H * current[i] / top
        if hb > 0:
            filled.append(f"M{_g(x0)} {H}V{_g(H - hb)}H{_g(x1)}V{H}z")
        if hc > 0:
            outline.append(f"M{_g(x0 + 0.5)} {H}V{_g(H - hc)}H{_g(x1 - 0.5)}V{H}")
        tip = f"{labels[i]}: {percent(baseline[i])} → {percent(current[i])}"
        tips.append(
            f'<rect x="{_g(i * w)}" width="{_g(w)}" height="{H}"><title>{esc(tip)}</title></rect>'
        )
    return (
        f'<svg class="hist2" viewBox="0 0 {W} {H}" preserveAspectRatio="none" role="img" '
        f'aria-label="baseline and current histograms, {n} common bins">'
        f'<path class="b" d="{"".join(filled)}"/><path class="c" d="{"".join(outline)}"/>'
        f'<g class="tips">{"".join(tips)}</g><path class="base" d="M0 {H}H{W}"/></svg>'
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
