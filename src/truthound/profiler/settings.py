"""Profile settings: what shapes the engine's state (must agree for partials to merge) and what
shapes only the finalized output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from truthound.profiler.errors import InvalidInputError

__all__ = ["ProfileSettings"]


@dataclass(frozen=True)
class ProfileSettings:
    """Options of a profile run.

    ``seed`` drives every random choice in the sketches, so the same input, plan and seed give
    byte-identical output. The ``*_limit`` / ``*_capacity`` values say how far each statistic
    stays exact before it becomes a stated estimate.
    """

    seed: int = 42
    top_n: int = 10
    histogram_bins: int = 20
    include_patterns: bool = True
    kll_k: int = 200
    distinct_exact_limit: int = 100_000
    hll_precision: int = 14
    frequent_exact_capacity: int = 16_384
    frequent_sketch_capacity: int = 768
    row_exact_limit: int = 1_000_000
    pattern_sample_size: int = 1_024
    quantiles: tuple[float, ...] = field(default=(0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99))
    merge_fan_in: int = 64  # partials per node of the merge tree (the shape the bytes depend on)

    def __post_init__(self) -> None:
        for name in ("top_n", "histogram_bins", "distinct_exact_limit", "row_exact_limit"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidInputError(f"{name} must be a non-negative integer, got {value!r}")
        if not isinstance(self.merge_fan_in, int) or not 2 <= self.merge_fan_in <= 1 << 20:
            raise InvalidInputError(
                f"merge_fan_in must be an integer in [2, 1048576], got {self.merge_fan_in!r}"
            )
        if not isinstance(self.seed, int) or not 0 <= self.seed < 2**64:
            raise InvalidInputError(f"seed must be an integer in [0, 2**64), got {self.seed!r}")

    def engine_options(self) -> dict[str, Any]:
        """Keyword arguments of ``_core.profile``: the settings that live in the partial state."""
        return {
            "seed": self.seed,
            "kll_k": self.kll_k,
            "distinct_exact_limit": self.distinct_exact_limit,
            "hll_precision": self.hll_precision,
            "frequent_exact_capacity": self.frequent_exact_capacity,
            "frequent_sketch_capacity": self.frequent_sketch_capacity,
            "row_exact_limit": self.row_exact_limit,
            "pattern_sample_size": self.pattern_sample_size if self.include_patterns else 0,
        }

    def finalize_options(self) -> dict[str, Any]:
        return {
            "top_n": self.top_n,
            "histogram_bins": self.histogram_bins,
            "quantiles": list(self.quantiles),
        }

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["quantiles"] = list(self.quantiles)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ProfileSettings:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        if "quantiles" in known:
            known["quantiles"] = tuple(known["quantiles"])
        return cls(**known)
