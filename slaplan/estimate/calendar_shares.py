"""Shares of a month in time: how much of it has passed, and when its arrivals land.

Leads do not arrive evenly: weekends are quiet. Every "share of the month" in the estimate is
weighted by the weekday pattern of the stage's own arrivals (:func:`weekday_weights`): the share
of a month already elapsed at ``as_of`` (:func:`elapsed_share`), and the arrival times of the
rest of a month as weighted six-hour slots (:func:`arrival_slots`), from which
:func:`in_period_share` gives the chance that an arrival who converts does so inside a period.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slaplan.funnel.pairs import stamps_ns

__all__ = [
    "WEEKDAY_HISTORY_DAYS",
    "arrival_slots",
    "count_between",
    "elapsed_share",
    "in_period_share",
    "month_bounds",
    "weekday_weights",
    "weekday_weights_of_days",
]

_DAY_NS = 86_400 * 10**9
_SLOT = "6h"
_SLOT_NS = 6 * 3600 * 10**9
WEEKDAY_HISTORY_DAYS = 365
"""Days before ``as_of`` whose arrivals give the weekday pattern."""


def weekday_weights(times: pd.Series, as_of: pd.Timestamp) -> np.ndarray:
    """Relative arrival intensity Monday..Sunday over the last year before ``as_of`` (mean 1).

    Uniform (all ones) without arrivals.

    >>> times = pd.Series(pd.to_datetime(["2026-11-02", "2026-11-03"]))  # a Monday, a Tuesday
    >>> weekday_weights(times, pd.Timestamp("2026-11-10")).round(2).tolist()
    [3.5, 3.5, 0.0, 0.0, 0.0, 0.0, 0.0]
    """
    ns = stamps_ns(times)
    limit = int(as_of.as_unit("ns").value)
    recent = ns[(ns > limit - WEEKDAY_HISTORY_DAYS * _DAY_NS) & (ns <= limit)]
    day_of_week = (recent // _DAY_NS + 3) % 7  # 1970-01-01, day 0, was a Thursday
    counts = np.bincount(day_of_week, minlength=7).astype(float)
    if counts.sum() == 0:
        return np.ones(7)
    return counts / counts.mean()


def weekday_weights_of_days(
    per_day: np.ndarray, first_day: int, as_of: pd.Timestamp
) -> np.ndarray | None:
    """:func:`weekday_weights` from counts per day (``per_day[0]``: day ``first_day`` since
    1970-01-01, the days covering the year before ``as_of``), the same numbers; None when
    ``as_of`` is not the last nanosecond of a day (the year then cuts a day in two).
    """
    limit = int(as_of.as_unit("ns").value)
    if (limit + 1) % _DAY_NS:
        return None
    last = limit // _DAY_NS
    days = np.arange(last - WEEKDAY_HISTORY_DAYS + 1, last + 1)
    seen = per_day[days[0] - first_day : last - first_day + 1]
    counts = np.bincount((days + 3) % 7, weights=seen, minlength=7)  # day 0 was a Thursday
    if counts.sum() == 0:
        return np.ones(7)
    return counts / counts.mean()


def count_between(times: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> int:
    """Events stamped in ``[start, end]`` (both ends included; missing times never count).

    >>> times = pd.Series(pd.to_datetime(["2026-11-02", None, "2026-11-09"]))
    >>> count_between(times, pd.Timestamp("2026-11-01"), pd.Timestamp("2026-11-05"))
    1
    """
    low, high = int(start.as_unit("ns").value), int(end.as_unit("ns").value)
    if high < low:  # an empty range (a period that starts after as_of): no pass over the times
        return 0
    ns = stamps_ns(times)
    return int(np.count_nonzero((ns >= low) & (ns <= high)))


def month_bounds(month: pd.Period) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``[start, end)`` of a month (or of any period) as timestamps."""
    return month.start_time, (month + 1).start_time


def _day_weights(start: pd.Timestamp, end: pd.Timestamp, weights: np.ndarray):
    """Midnights (ns) of the days from ``start``'s to the last before ``end``, and their weights.

    numpy, not ``pd.date_range``: pandas took milliseconds for a month's thirty days.
    """
    first = start.normalize().as_unit("ns").value
    days = np.arange(first, end.as_unit("ns").value, _DAY_NS, dtype=np.int64)
    return days, weights[(days // _DAY_NS + 3) % 7]  # 1970-01-01, day 0, was a Thursday


def elapsed_share(
    start: pd.Timestamp, end: pd.Timestamp, as_of: pd.Timestamp, weights: np.ndarray
) -> float:
    """Share of the expected arrivals of ``[start, end)`` that fall before ``as_of``.

    >>> w = np.ones(7)
    >>> elapsed_share(pd.Timestamp("2026-11-01"), pd.Timestamp("2026-12-01"),
    ...               pd.Timestamp("2026-11-16"), w)
    0.5
    """
    days, day = _day_weights(start, end, weights)
    if day.sum() <= 0:
        return float(np.clip((as_of - start) / (end - start), 0.0, 1.0))
    limit = as_of.as_unit("ns").value
    past = day[days + _DAY_NS <= limit].sum()
    today = np.flatnonzero((days <= limit) & (days + _DAY_NS > limit))
    done = past + (day[today[0]] * ((limit - days[today[0]]) / _DAY_NS) if today.size else 0.0)
    return float(np.clip(done / day.sum(), 0.0, 1.0))


def arrival_slots(
    start: pd.Timestamp, end: pd.Timestamp, weights: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Six-hour arrival slots in ``[start, end)`` (ns since epoch) and their relative weights."""
    # numpy, not pd.date_range: the outlook asks for two months' slots per month it reads
    first = start.ceil(_SLOT).as_unit("ns").value
    slots = np.arange(first, end.as_unit("ns").value, _SLOT_NS, dtype=np.int64)
    return slots + _SLOT_NS // 2, weights[(slots // _DAY_NS + 3) % 7]  # 1970-01-01 a Thursday


def in_period_share(
    slot_ns: np.ndarray,
    slot_weights: np.ndarray,
    period_start: pd.Timestamp,
    period_end: pd.Timestamp,
    cdf,
) -> float:
    """Chance that an arrival in the slots who converts does so within ``[start, end)``.

    ``cdf(days)`` is the lag CDF among converters (0 for negative lags). For the counted stage
    itself (no lag), pass a step at 0: the share of the arrivals inside the period.
    """
    if slot_weights.sum() <= 0:
        return 0.0
    day_ns = 86_400 * 10**9
    to_end = (period_end.value - slot_ns) / day_ns
    to_start = (period_start.value - slot_ns) / day_ns
    inside = cdf(to_end) - np.where(to_start > 0, cdf(to_start), 0.0)
    inside = np.where(to_end > 0, inside, 0.0)
    return float(np.sum(slot_weights * inside) / slot_weights.sum())
