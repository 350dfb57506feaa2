"""``_core.finalize(..., all_values_up_to=K)``: a column whose exact frequency table holds at most
K values returns every one of them (top and bottom, with counts equal to numpy's); the others
return ``top_n``; out-of-range options are errors."""

import numpy as np
import pyarrow as pa
import pytest

from truthound import _core
from truthound.profiler.errors import InvalidInputError


def test_every_value_of_small_exact_columns():
    rng = np.random.default_rng(6)
    few = rng.integers(0, 40, 10_000)
    many = rng.integers(0, 5_000, 10_000)
    blob = _core.profile(pa.table({"few": few, "many": many}))
    few_c, many_c = _core.finalize(blob, top_n=3, all_values_up_to=100)["columns"]
    values, counts = np.unique(few, return_counts=True)
    assert len(few_c["top_values"]) == len(values) == few_c["distinct_count"]
    assert {v: n for v, n, _ in few_c["top_values"]} == dict(zip(values.tolist(), counts.tolist()))
    assert len(few_c["bottom_values"]) == len(values)
    assert len(many_c["top_values"]) == 3 and len(many_c["bottom_values"]) == 3
    # the default is top_n only
    few_default = _core.finalize(blob, top_n=3)["columns"][0]
    assert len(few_default["top_values"]) == 3
    assert few_default["top_values"] == few_c["top_values"][:3]


def test_all_values_up_to_is_bounded():
    blob = _core.profile(pa.table({"x": [1, 2]}))
    with pytest.raises(InvalidInputError, match="all_values_up_to"):
        _core.finalize(blob, all_values_up_to=100_001)
