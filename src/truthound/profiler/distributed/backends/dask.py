"""The Dask backend (``pip install 'truthound[dask]'``).

Its runner (``client.map(run_unit, units)``, partial bytes gathered as they complete) is tracked in
its own issue; this module fixes the seam: configuration, the engine check, and which scheduler to
use (``DASK_SCHEDULER_ADDRESS`` for ``scheduler="distributed"`` when set).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.config import DaskConfig
from truthound.profiler.distributed.plan import Unit
from truthound.profiler.errors import UnsupportedError

__all__ = ["DaskBackend", "SCHEDULER_ENV"]

SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"


class DaskBackend(UnitBackend):
    """Runs units as Dask tasks.

    Parameters
    ----------
    config
        Scheduler and cluster settings (``DaskConfig()`` defaults).
    client
        A ``distributed.Client`` to use as is.
    """

    name = "dask"
    config_class = DaskConfig

    def __init__(self, config: DaskConfig | None = None, client: Any = None):
        require_engine("dask", "dask", "Dask")
        self.config = config or DaskConfig()
        self.client = client
        if self.config.scheduler == "distributed" or "://" in self.config.scheduler:
            require_engine("distributed", "dask", "Dask distributed")

    @property
    def address(self) -> str | None:
        """The scheduler to connect to: an address given as ``scheduler``, else the environment."""
        if "://" in self.config.scheduler:
            return self.config.scheduler
        return os.environ.get(SCHEDULER_ENV) or None

    def map_units(self, units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
        raise UnsupportedError(
            "the Dask backend's runner is not available in this version; "
            "profile with backend='local'"
        )

    def __repr__(self) -> str:
        return f"DaskBackend(scheduler={self.config.scheduler!r})"
