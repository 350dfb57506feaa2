"""Automatic backend selection: use the engine the user already started, else run locally.

Order: an active Spark session, then a Dask client, then an initialised Ray, then local. Only
engines already imported (in ``sys.modules``) are asked, so selection never imports an engine and
never starts a cluster.
"""

from __future__ import annotations

import sys
from typing import Any

from truthound.profiler.distributed.config import DaskConfig, LocalConfig, RayConfig, SparkConfig
from truthound.profiler.distributed.registry import BackendRegistry

__all__ = ["auto_select_backend", "detect_engine"]


def detect_engine() -> tuple[str, Any]:
    """``(name, handle)`` of the first running engine: ("spark", session), ("dask", client),
    ("ray", None), or ("local", None)."""
    if "pyspark" in sys.modules:
        try:
            from pyspark.sql import SparkSession

            session = SparkSession.getActiveSession()
        except Exception:  # a half-installed or stubbed pyspark: not a running session
            session = None
        if session is not None:
            return "spark", session
    if "distributed" in sys.modules:
        try:
            client = sys.modules["distributed"].default_client()
        except Exception:  # ValueError: no client
            client = None
        if client is not None:
            return "dask", client
    if "ray" in sys.modules:
        try:
            running = bool(sys.modules["ray"].is_initialized())
        except Exception:
            running = False
        if running:
            return "ray", None
    return "local", None


def auto_select_backend(config: Any = None) -> Any:
    """The backend for the engine already running here (see module doc); ``config`` is used when
    it is that backend's config.

    Examples
    --------
    >>> auto_select_backend().name  # nothing started in this process
    'local'
    """
    name, handle = detect_engine()
    if name == "spark":
        from truthound.profiler.distributed.backends.spark import SparkBackend

        return SparkBackend(config if isinstance(config, SparkConfig) else None, session=handle)
    if name == "dask":
        from truthound.profiler.distributed.backends.dask import DaskBackend

        return DaskBackend(
            config if isinstance(config, DaskConfig) else DaskConfig(scheduler="distributed"),
            client=handle,
        )
    if name == "ray":
        from truthound.profiler.distributed.backends.ray import RayBackend

        return RayBackend(config if isinstance(config, RayConfig) else None)
    from truthound.profiler.distributed.backends.local import LocalBackend

    return LocalBackend.from_config(config if isinstance(config, LocalConfig) else None)


BackendRegistry._auto = staticmethod(auto_select_backend)
