"""Settings of a profile comparison: which drift measure applies where, and its thresholds.

The defaults follow Evidently's for data over 1,000 rows (normalized Wasserstein distance and
Jensen–Shannon distance, both 0.1, dataset drift at half the columns) and correct for sampling noise:
a distance counts as drift when √(score² − noise²) exceeds its threshold, noise being the
root-mean-square score of two samples of one distribution at these sizes. See docs/user-guide.md, "Compare profiles".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from truthound.profiler.errors import InvalidInputError

__all__ = ["CompareSettings"]


@dataclass(frozen=True)
class CompareSettings:
    """Thresholds and sizes of :func:`~truthound.profiler.compare`.

    Attributes
    ----------
    numeric_threshold
        Drift when the Wasserstein-1 distance, in baseline standard deviations, exceeds this.
    categorical_threshold
        Drift when the Jensen–Shannon distance (natural log, in [0, √ln 2]) exceeds this.
    null_threshold
        Drift of the null share when Cohen's h between the two null ratios exceeds this (0.2 is
        Cohen's "small" effect).
    p_value_threshold
        Small samples: drift when the test's p-value is below this.
    small_sample_rows
        Below this many non-null values on either side (and with exact frequencies), use the
        two-sample Kolmogorov–Smirnov or chi-squared test instead of a distance.
    noise_correction
        Judge distances on √(score² − noise²) (default) rather than on the raw score.
    drift_share
        The dataset drifted when at least this share of the compared columns drifted.
    histogram_bins
        Bins of the overlaid histograms (common edges over both sides).
    listed_values
        At most this many new / missing values and compared categories per column.
    quantile_grid
        Points of the quantile function read from a quantile sketch.
    """

    numeric_threshold: float = 0.1
    categorical_threshold: float = 0.1
    null_threshold: float = 0.2
    p_value_threshold: float = 0.05
    small_sample_rows: int = 1000
    noise_correction: bool = True
    drift_share: float = 0.5
    histogram_bins: int = 20
    listed_values: int = 50
    quantile_grid: int = 1024

    def __post_init__(self) -> None:
        for name in ("numeric_threshold", "categorical_threshold", "null_threshold"):
            _check(name, getattr(self, name), 0.0, float("inf"))
        _check("p_value_threshold", self.p_value_threshold, 0.0, 1.0)
        if not isinstance(self.noise_correction, bool):
            raise InvalidInputError(
                f"noise_correction must be True or False, got {self.noise_correction!r}"
            )
        _check("drift_share", self.drift_share, 0.0, 1.0)
        for name, low, high in (
            ("small_sample_rows", 0, 1 << 62),
            ("histogram_bins", 1, 10_000),
            ("listed_values", 0, 1_000_000),
            ("quantile_grid", 16, 1 << 20),
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                raise InvalidInputError(
                    f"{name} must be an integer in [{low}, {high}], got {value!r}"
                )

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def field_names(cls) -> set[str]:
        return {f.name for f in fields(cls)}


def _check(name: str, value: object, low: float, high: float) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and low <= value <= high
    if not ok:
        raise InvalidInputError(f"{name} must be a number in [{low}, {high}], got {value!r}")
