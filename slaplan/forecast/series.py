"""Validation of a monthly count series before any forecast (the ``_iv`` step of ``forecast/``).

Accepts a pandas Series indexed by month (``PeriodIndex`` or ``DatetimeIndex``, one value per
month) or a plain array with a ``start`` month, and returns the months as a monthly
``PeriodIndex`` and the counts as an int64 array. Errors name the month that is wrong.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np
import pandas as pd

from slaplan._checks import check_count, check_probability, check_rng
from slaplan.errors import DataError

__all__ = ["MIN_HISTORY_MONTHS", "check_forecast_args", "monthly_counts"]

MIN_HISTORY_MONTHS = 3


def _month_index(series, start) -> tuple[pd.PeriodIndex, np.ndarray]:
    if isinstance(series, pd.Series):
        if start is not None:
            raise ValueError("start must be None when series is a pandas Series (it has an index)")
        index = series.index
        if isinstance(index, pd.DatetimeIndex):
            index = index.tz_localize(None) if index.tz is not None else index
            months = index.to_period("M")
        elif isinstance(index, pd.PeriodIndex):
            months = index.asfreq("M")
        else:
            raise DataError(
                "series must be indexed by month (PeriodIndex or DatetimeIndex), "
                f"got {type(index).__name__}"
            )
        if months.has_duplicates:
            dup = months[months.duplicated()].unique()
            raise DataError(
                f"series has more than one value for month(s): {', '.join(map(str, dup))}"
            )
        order = np.argsort(months.asi8)
        return pd.PeriodIndex(months[order]), series.to_numpy()[order]
    if start is None:
        raise ValueError("start (first month, e.g. '2024-01') is required when series is an array")
    values = np.asarray(series)
    if values.ndim != 1:
        raise DataError(f"series must be one-dimensional, got shape {values.shape}")
    first = pd.Period(start, freq="M")
    return pd.period_range(first, periods=values.size, freq="M"), values


def _check_values(months: pd.PeriodIndex, values: np.ndarray) -> np.ndarray:
    if values.dtype == bool:
        raise DataError("series must hold counts, got booleans")
    try:
        floats = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"series must hold numbers, got dtype {values.dtype}") from exc
    for rule, bad in (
        ("missing (NaN) or infinite", ~np.isfinite(floats)),
        ("negative", np.isfinite(floats) & (floats < 0)),
        ("not a whole number", np.isfinite(floats) & (floats != np.floor(floats))),
    ):
        if bad.any():
            listed = ", ".join(f"{months[i]} ({values[i]!r})" for i in np.flatnonzero(bad)[:5])
            raise DataError(f"series must hold whole counts >= 0; {rule} in: {listed}")
    return floats.astype(np.int64)


def monthly_counts(
    series, *, start=None, fill_missing: bool = False
) -> tuple[pd.PeriodIndex, np.ndarray, tuple[str, ...]]:
    """Validate a monthly count series; return (months, counts, months filled with zero).

    Raises
    ------
    DataError
        Fewer than 3 months, a month listed twice, missing months (unless ``fill_missing``;
        they are filled with 0, i.e. "no events that month"), NaN, negative or fractional counts.
    """
    months, values = _month_index(series, start)
    counts = _check_values(months, values)
    full = pd.period_range(months[0], months[-1], freq="M") if len(months) else months
    missing = full.difference(months)
    if len(missing) and not fill_missing:
        raise DataError(
            f"series has gaps: missing month(s) {', '.join(map(str, missing))}; "
            "pass fill_missing=True to count them as 0"
        )
    if len(missing):
        counts = pd.Series(counts, index=months).reindex(full, fill_value=0).to_numpy()
        months = full
    if counts.size < MIN_HISTORY_MONTHS:
        raise DataError(
            f"series must cover at least {MIN_HISTORY_MONTHS} months to forecast, got {counts.size}"
        )
    return months, counts.astype(np.int64), tuple(str(m) for m in missing)


def check_forecast_args(
    horizon, levels: Sequence[float], seed
) -> tuple[int, tuple[float, ...], np.random.Generator]:
    """Validate horizon (1..36 months), interval levels (in (0, 1), sorted) and the seed."""
    horizon = check_count("horizon", horizon, minimum=1)
    if horizon > 36:
        raise ValueError(f"horizon must be at most 36 months, got {horizon}")
    if isinstance(levels, numbers.Real):
        levels = (levels,)
    clean = tuple(sorted({check_probability("levels", level) for level in levels}))
    if not clean:
        raise ValueError("levels must hold at least one interval level in (0, 1), got none")
    return horizon, clean, check_rng(seed)
