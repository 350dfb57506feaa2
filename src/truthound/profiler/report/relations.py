"""The report's relationship sections: correlation heatmaps, missing values, sample rows."""

from __future__ import annotations

from truthound.profiler.model import TableProfile

__all__ = ["correlations_section"]


def correlations_section(profile: TableProfile) -> str:
    return ""
