"""Bottom-up forecasts by segment: one forecast per segment, a total that is their path-wise sum.

Each segment is forecast on its own (its own method chosen by its own backtest); the total's
count paths are the sums of the segments' paths, so the segment means add up to the total mean
exactly and the total's intervals come from the same simulation. The segments' surprises are
drawn independently: when all segments move together (a market-wide dip), the true total is
wider than this sum says — compare with a direct forecast of the total (the notebook does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slaplan._checks import check_rng
from slaplan.errors import DataError
from slaplan.forecast.volume import VolumeForecast, forecast_frame, forecast_volume

__all__ = ["SegmentForecast", "forecast_by_segment"]


@dataclass(frozen=True, kw_only=True)
class SegmentForecast:
    """Per-segment volume forecasts and their bottom-up total.

    Attributes
    ----------
    segments : tuple of str
        Segment names, in input order.
    forecasts : tuple of VolumeForecast
        One forecast per segment (same order).
    total : pandas.DataFrame
        The total per future month from the summed paths: ``mean, lower_80, upper_80, ...``.
    total_paths : numpy.ndarray
        Summed count paths, shape ``(n_paths, horizon)``.
    """

    segments: tuple[str, ...]
    forecasts: tuple[VolumeForecast, ...]
    total: pd.DataFrame
    total_paths: np.ndarray = field(repr=False)

    def forecast(self, segment: str) -> VolumeForecast:
        """The forecast of one segment."""
        if segment not in self.segments:
            raise KeyError(f"segment must be one of {', '.join(self.segments)}, got {segment!r}")
        return self.forecasts[self.segments.index(segment)]

    def methods(self) -> pd.Series:
        """The method chosen for each segment."""
        return pd.Series(
            [f.method for f in self.forecasts], index=list(self.segments), name="method"
        )

    def to_frame(self) -> pd.DataFrame:
        """Long table: one row per (segment, month), the total last as segment ``"total"``."""
        parts = [
            f.frame.assign(segment=name)
            for name, f in zip(self.segments, self.forecasts, strict=True)
        ]
        parts.append(self.total.assign(segment="total"))
        frame = pd.concat(parts).reset_index()
        return frame.set_index(["segment", "month"])


def _segment_columns(counts) -> pd.DataFrame:
    """Month x segment frame from a wide frame or a (month, segment) MultiIndex Series."""
    if isinstance(counts, pd.Series) and isinstance(counts.index, pd.MultiIndex):
        if counts.index.nlevels != 2:
            raise DataError("counts by segment must be indexed by (month, segment)")
        return counts.unstack(level=1, fill_value=0)
    if isinstance(counts, pd.DataFrame) and not isinstance(counts.index, pd.MultiIndex):
        return counts
    raise DataError(
        "counts by segment must be a DataFrame (rows: months, columns: segments) "
        f"or a Series indexed by (month, segment), got {type(counts).__name__}"
    )


def forecast_by_segment(
    counts,
    horizon: int = 6,
    *,
    levels: Sequence[float] = (0.8, 0.95),
    method: str = "auto",
    seed=None,
    **options,
) -> SegmentForecast:
    """Forecast each segment's monthly counts and add them up, path by path.

    Parameters
    ----------
    counts : pandas.DataFrame or pandas.Series
        Rows: months (``PeriodIndex``/``DatetimeIndex``), one column per segment; or a Series
        indexed by (month, segment), e.g. a column of ``slaplan.event_counts(t, by="segment")``.
    horizon, levels, method, seed
        As in :func:`slaplan.forecast_volume`.
    **options
        Passed to :func:`slaplan.forecast_volume` (``methods``, ``n_origins``, ``n_paths``,
        ``fill_missing``).

    Returns
    -------
    SegmentForecast

    Examples
    --------
    >>> import numpy as np, pandas as pd, slaplan as sp
    >>> months = pd.period_range("2024-01", periods=24, freq="M")
    >>> rng = np.random.default_rng(0)
    >>> counts = pd.DataFrame(
    ...     {"web": rng.poisson(80, 24), "events": rng.poisson(20, 24)}, index=months)
    >>> f = sp.forecast_by_segment(counts, horizon=3, seed=0, n_origins=2)
    >>> parts = sum(x.frame["mean"] for x in f.forecasts)
    >>> bool(np.allclose(f.total["mean"], parts))
    True
    """
    wide = _segment_columns(counts)
    if wide.shape[1] == 0:
        raise DataError("counts by segment has no segment columns")
    rng = check_rng(seed)
    forecasts = tuple(
        forecast_volume(wide[name], horizon, levels=levels, method=method, seed=rng, **options)
        for name in wide.columns
    )
    total_paths = np.sum([f.paths for f in forecasts], axis=0)
    total = forecast_frame(forecasts[0].months, total_paths, forecasts[0].levels)
    return SegmentForecast(
        segments=tuple(str(name) for name in wide.columns),
        forecasts=forecasts,
        total=total,
        total_paths=total_paths,
    )
