"""The backend registry: the built-in backends by name, and plugins registered with a decorator."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from typing import Any

from truthound.profiler.errors import InvalidInputError

__all__ = ["BackendRegistry"]

# Built-ins are imported on first use, so listing them imports no engine.
_BUILTIN = {
    "local": "truthound.profiler.distributed.backends.local:LocalBackend",
    "spark": "truthound.profiler.distributed.backends.spark:SparkBackend",
    "dask": "truthound.profiler.distributed.backends.dask:DaskBackend",
    "ray": "truthound.profiler.distributed.backends.ray:RayBackend",
}


class BackendRegistry:
    """Backends by name.

    A plugin is any class registered under a new name. If it implements the backend protocol
    (:class:`~truthound.profiler.distributed.execution.Backend`: submit, merge, fetch, wait, cancel,
    session) the profiler plans, runs, merges and finalizes around it through the shared execution
    stage; a class with only ``profile(self, data)`` is called as is.

    Examples
    --------
    >>> BackendRegistry.list()[:4]
    ['local', 'spark', 'dask', 'ray']
    >>> @BackendRegistry.register("doc_backend")
    ... class DocBackend:
    ...     def profile(self, data):
    ...         return None
    >>> "doc_backend" in BackendRegistry.list()
    True
    >>> BackendRegistry.unregister("doc_backend")
    """

    _plugins: dict[str, type] = {}
    _lock = threading.Lock()
    #: ``"auto"``: set by :mod:`.auto` (imported with the package), which knows the engines.
    _auto: Callable[[Any], Any] | None = None

    @classmethod
    def list(cls) -> list[str]:
        """Names of the built-in backends, then the registered ones in registration order."""
        with cls._lock:
            return [*_BUILTIN, *cls._plugins]

    @classmethod
    def register(cls, name: str) -> Callable[[type], type]:
        """Class decorator registering a backend under ``name`` (replacing an earlier plugin of
        that name; built-in names and ``"auto"`` are reserved)."""
        key = _key(name)
        if key in _BUILTIN or key == "auto":
            raise InvalidInputError(f"backend name {name!r} is reserved for a built-in backend")

        def decorator(backend_class: type) -> type:
            if not isinstance(backend_class, type):
                raise InvalidInputError(f"register a class, got {backend_class!r}")
            verbs = ("submit", "merge", "fetch", "wait", "cancel", "session")
            scheduled = all(callable(getattr(backend_class, v, None)) for v in verbs)
            if not (
                scheduled
                or callable(getattr(backend_class, "map_units", None))
                or callable(getattr(backend_class, "profile", None))
            ):
                raise InvalidInputError(
                    f"backend {backend_class.__name__} needs a profile(data) method or the "
                    f"backend protocol ({', '.join(verbs)}; see execution.Backend)"
                )
            with cls._lock:
                cls._plugins[key] = backend_class
            return backend_class

        return decorator

    @classmethod
    def unregister(cls, name: str) -> None:
        """Remove a registered plugin (built-ins stay)."""
        with cls._lock:
            cls._plugins.pop(_key(name), None)

    @classmethod
    def get(cls, name: str) -> type:
        """The class registered under ``name``."""
        key = _key(name)
        if key in _BUILTIN:
            module, attr = _BUILTIN[key].split(":")
            return getattr(importlib.import_module(module), attr)
        with cls._lock:
            found = cls._plugins.get(key)
        if found is None:
            raise InvalidInputError(
                f"unknown backend {name!r}; choose one of {', '.join(cls.list() + ['auto'])}"
            )
        return found

    @classmethod
    def create(cls, name: str, config: Any = None) -> Any:
        """A new backend instance; ``config`` is its config object (None = defaults)."""
        if _key(name) == "auto":
            if cls._auto is None:
                raise InvalidInputError("no automatic backend selection is registered")
            return cls._auto(config)
        backend_class = cls.get(name)
        expected = getattr(backend_class, "config_class", None)
        if config is not None and expected is not None and not isinstance(config, expected):
            raise InvalidInputError(
                f"the {_key(name)} backend takes a {expected.__name__}, got {type(config).__name__}"
            )
        if hasattr(backend_class, "from_config"):
            return backend_class.from_config(config)
        return backend_class() if config is None else backend_class(config)


def _key(name: Any) -> str:
    value = getattr(name, "value", name)  # a DistributedBackend member
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(f"a backend name must be a non-empty string, got {name!r}")
    return value.strip().lower()
