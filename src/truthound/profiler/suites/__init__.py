"""Suggested validators exported for the tools that run them: a truthound validation suite, a
Great Expectations expectation suite and a pandera schema, each as JSON.

Examples
--------
>>> import json, pyarrow as pa, truthound.profiler as tp
>>> from truthound.profiler.suites import export_suite
>>> p = tp.profile(pa.table({"month": [1, 2, 3] * 10}))
>>> suite = json.loads(export_suite(p, "gx"))
>>> [e["type"] for e in suite["expectations"]][1:3]
['expect_column_values_to_not_be_null', 'expect_column_values_to_be_between']
"""

from __future__ import annotations

import json

from truthound.profiler.errors import InvalidInputError
from truthound.profiler.model import TableProfile
from truthound.profiler.suites.great_expectations import gx_suite
from truthound.profiler.suites.pandera import pandera_schema
from truthound.profiler.suites.rules import Rule, profile_rules
from truthound.profiler.suites.truthound_suite import read_truthound_suite, truthound_suite

__all__ = [
    "SUITE_FORMATS",
    "Rule",
    "export_suite",
    "gx_suite",
    "pandera_schema",
    "profile_rules",
    "read_truthound_suite",
    "truthound_suite",
]

# --suggest FORMAT: the names, and the aliases they answer to
SUITE_FORMATS = ("truthound", "gx", "pandera")
_ALIASES = {"great_expectations": "gx", "great-expectations": "gx", "ge": "gx"}


def export_suite(profile: TableProfile, fmt: str) -> str:
    """``profile``'s suggested validators as JSON text in ``fmt`` (see :data:`SUITE_FORMATS`)."""
    name = _ALIASES.get(fmt.lower(), fmt.lower())
    if name == "truthound":
        data = truthound_suite(profile)
    elif name == "gx":
        data = gx_suite(profile)
    elif name == "pandera":
        data = pandera_schema(profile)
    else:
        raise InvalidInputError(
            f"unknown suite format {fmt!r}; choose one of {', '.join(SUITE_FORMATS)}"
        )
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
