"""The Spark backend (``pip install 'truthound[spark]'``).

Its runner (units as a Spark job via ``mapInArrow``, partial bytes collected to the driver) is
tracked in its own issue; this module fixes the seam: configuration, the engine check, and the
session to use (the active one, or one built from :class:`SparkConfig`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.config import SparkConfig
from truthound.profiler.distributed.plan import Unit
from truthound.profiler.errors import UnsupportedError

__all__ = ["SparkBackend"]


class SparkBackend(UnitBackend):
    """Runs units as Spark tasks.

    Parameters
    ----------
    config
        How to build a session when none is active (``SparkConfig()`` defaults).
    session
        A ``pyspark.sql.SparkSession`` to use as is.
    """

    name = "spark"
    config_class = SparkConfig

    def __init__(self, config: SparkConfig | None = None, session: Any = None):
        require_engine("pyspark", "spark", "Spark")
        self.config = config or SparkConfig()
        self.session = session

    def map_units(self, units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
        raise UnsupportedError(
            "the Spark backend's runner is not available in this version; "
            "profile with backend='local' "
            "(or the Dask or Ray backend when they land)"
        )

    def __repr__(self) -> str:
        return f"SparkBackend(master={self.config.master!r})"
