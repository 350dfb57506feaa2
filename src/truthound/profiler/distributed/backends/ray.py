"""The Ray backend (``pip install 'truthound[ray]'``).

Its runner (one remote task per unit, partial bytes fetched with ``ray.wait``) is tracked in its
own issue; this module fixes the seam: configuration, the engine check, and the cluster address
(``RayConfig.address``, else ``RAY_ADDRESS``, else a local cluster).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence

from truthound.profiler.distributed.backends import UnitBackend, require_engine
from truthound.profiler.distributed.config import RayConfig
from truthound.profiler.distributed.plan import Unit
from truthound.profiler.errors import UnsupportedError

__all__ = ["RayBackend", "ADDRESS_ENV"]

ADDRESS_ENV = "RAY_ADDRESS"


class RayBackend(UnitBackend):
    """Runs units as Ray tasks.

    Parameters
    ----------
    config
        Cluster address and resources (``RayConfig()`` defaults).
    """

    name = "ray"
    config_class = RayConfig

    def __init__(self, config: RayConfig | None = None):
        require_engine("ray", "ray", "Ray")
        self.config = config or RayConfig()

    @property
    def address(self) -> str | None:
        return self.config.address or os.environ.get(ADDRESS_ENV) or None

    def map_units(self, units: Sequence[Unit]) -> Iterator[tuple[int, bytes]]:
        raise UnsupportedError(
            "the Ray backend's runner is not available in this version; "
            "profile with backend='local'"
        )

    def __repr__(self) -> str:
        return f"RayBackend(address={self.address!r})"
