"""The generated tables of the comparison tests: a baseline, a second sample of the same
distribution, and a current table with every kind of change, each ROWS rows."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

ROWS = 20_000
SHIFT_SIGMAS = 0.6
AMOUNT_MEAN, AMOUNT_STD = 100.0, 15.0
COLORS = ["red", "green", "blue", "amber", "teal"]
COLOR_P = [0.35, 0.25, 0.2, 0.12, 0.08]


def table(seed: int, *, changed: bool = False, rows: int = ROWS) -> pa.Table:
    """Columns: ``amount`` (normal, continuous: past the exact frequency table), ``color``
    (five categories), ``rating`` (nulls), ``units`` (integers, unchanged), ``legacy`` (removed
    when changed); ``changed`` shifts amount by 0.6 σ, replaces "blue" by "violet", raises
    rating's null rate from 5 % to 40 %, drops legacy and adds ``channel``."""
    rng = np.random.default_rng(seed)
    shift = SHIFT_SIGMAS * AMOUNT_STD if changed else 0.0
    amount = rng.normal(AMOUNT_MEAN + shift, AMOUNT_STD, rows)
    color = rng.choice(COLORS, rows, p=COLOR_P)
    if changed:
        color = np.where(color == "blue", "violet", color)
    null_rate = 0.40 if changed else 0.05
    rating = pa.array(rng.integers(1, 6, rows), mask=rng.random(rows) < null_rate)
    columns = {
        "amount": amount,
        "color": color,
        "rating": rating,
        "units": rng.integers(0, 500, rows),
    }
    if changed:
        columns["channel"] = rng.choice(["web", "store"], rows)
    else:
        columns["legacy"] = rng.random(rows)
    return pa.table(columns)
