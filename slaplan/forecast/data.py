"""From a lead table to the monthly count series a forecast needs: complete months only.

A month that is still running at ``as_of`` holds only part of its leads, and so does a first
month that began before the data did (an export that starts on the 20th); forecasting from
either would read the cut-off as a collapse. This module owns that rule — keep the months fully
covered by the data — for every door: :func:`complete_months` are the months the one estimate of
the funnel fits (:mod:`slaplan.estimate.volumes`, which totals them with :func:`month_totals`
from the per-day counts it also reads the weekday pattern from), and :func:`monthly_stage_counts`
(:func:`complete_month_counts` per stage) what the notebooks and ``slaplan forecast`` show.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan.errors import DataError
from slaplan.funnel._date_kernels import NO_PERIOD, day_counts
from slaplan.funnel.pairs import lead_frame, resolve_as_of, stamps_ns

__all__ = [
    "complete_month_counts",
    "complete_months",
    "data_start",
    "month_totals",
    "monthly_stage_counts",
]

_NONE = np.iinfo(np.int64).max  # later than every time
_GRACE = pd.Timedelta(days=1)  # data starting on the 1st (any time of day) cover the month
_NS_PER_DAY = 86_400 * 10**9


def data_start(frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.Timestamp:
    """The first timestamp of the export (every ``*_at`` column) on or before ``as_of``."""
    limit = int(as_of.as_unit("ns").value)
    first = min((_earliest(ns, limit) for ns in _stamp_columns(frame)), default=_NONE)
    if first >= _NONE:
        raise DataError(f"no lead has a timestamp on or before {as_of:%Y-%m-%d}")
    return pd.Timestamp(first)


def has_time_by(frame: pd.DataFrame, as_of: pd.Timestamp) -> bool:
    """Whether any ``*_at`` column holds a time on or before ``as_of`` (the columns read in
    order until one does: usually the first)."""
    limit = int(as_of.as_unit("ns").value)
    return any(_earliest(ns, limit) < _NONE for ns in _stamp_columns(frame))


def _stamp_columns(frame: pd.DataFrame):
    """Each ``*_at`` datetime column of ``frame`` as int64 nanoseconds, one at a time."""
    for column in frame.columns:
        if str(column).endswith("_at") and pd.api.types.is_datetime64_any_dtype(frame[column]):
            yield stamps_ns(frame[column])


def _earliest(ns: np.ndarray, limit: int) -> int:
    """The earliest time of int64 nanoseconds if it is on or before ``limit`` (else the
    sentinel :data:`_NONE`; NaT and an empty column have none).

    Read as unsigned, NaT (the smallest int64) is 2**63: above every time since 1970, below
    every time before it. Without times before 1970 (the largest unsigned value is at most
    NaT's), the unsigned minimum is the earliest time: two passes without a copy. Otherwise
    each value minus one wraps NaT round to the largest int64 (a copy of the column).

    >>> nat = np.iinfo(np.int64).min
    >>> [_earliest(np.array(v), 10) for v in ([nat, 7, 3], [nat, -5, 3], [nat], [12, 30])]
    [3, -5, 9223372036854775807, 9223372036854775807]
    """
    if not len(ns):
        return _NONE
    unsigned = ns.view(np.uint64)
    if int(unsigned.max()) <= _NAT_UNSIGNED:
        earliest = int(unsigned.min())
        earliest = NO_PERIOD if earliest == _NAT_UNSIGNED else earliest
    else:  # a time before 1970
        earliest = int((ns - 1).min()) + 1
    # (a column whose earliest time is after as_of has none on or before it)
    return earliest if NO_PERIOD < earliest <= limit else _NONE


_NAT_UNSIGNED = 2**63  # NaT, the smallest int64, read as an unsigned 64-bit integer


def complete_month_counts(
    times: pd.Series, *, start: pd.Timestamp, as_of: pd.Timestamp
) -> tuple[pd.Series, pd.Period | None]:
    """Events per month fully covered by the data, and the partial first month left out.

    Months run from the first month that began after ``start`` (the data's first timestamp; a
    month it starts within a day of counts) to the last month ended by ``as_of``; months without
    events in between count 0.

    >>> times = pd.Series(pd.to_datetime(["2026-01-20", "2026-02-03", "2026-03-09", "2026-04-02"]))
    >>> counts, partial = complete_month_counts(times, start=pd.Timestamp("2026-01-20"),
    ...                                         as_of=pd.Timestamp("2026-04-15"))
    >>> counts.to_dict(), partial
    ({Period('2026-02', 'M'): 1, Period('2026-03', 'M'): 1}, Period('2026-01', 'M'))
    """
    months, partial = complete_months(start=start, as_of=as_of)
    values = np.zeros(len(months), np.int64)
    if len(months):
        first_days = _first_days(months)
        # the last month ends by as_of, so the later times are outside the range counted
        low, high = int(first_days[0]) * _NS_PER_DAY, int(first_days[-1]) * _NS_PER_DAY - 1
        values = month_totals(day_counts(stamps_ns(times), low, high), int(first_days[0]), months)
    counts = pd.Series(values, index=months.rename("month"))
    return counts, partial


def complete_months(
    *, start: pd.Timestamp, as_of: pd.Timestamp
) -> tuple[pd.PeriodIndex, pd.Period | None]:
    """The months :func:`complete_month_counts` counts, and the partial first month left out."""
    running = pd.Period(as_of, freq="M")
    closes = as_of + pd.Timedelta(1, "ns") >= (running + 1).start_time
    last = running if closes else running - 1
    first = pd.Period(start, freq="M")
    partial = start > first.start_time + _GRACE
    first_complete = first + 1 if partial else first
    months = (
        pd.period_range(first_complete, last, freq="M")
        if first_complete <= last
        else pd.PeriodIndex([], freq="M")
    )
    return months, (first if partial else None)


def month_totals(per_day: np.ndarray, first_day: int, months: pd.PeriodIndex) -> np.ndarray:
    """Totals of whole ``months`` from counts per day (``per_day[0]``: day ``first_day`` since
    1970-01-01; the days must cover the months)."""
    if not len(months):
        return np.zeros(0, np.int64)
    first_days = _first_days(months)
    days = per_day[first_days[0] - first_day : first_days[-1] - first_day]
    return np.add.reduceat(days, first_days[:-1] - first_days[0]).astype(np.int64)


def _first_days(months: pd.PeriodIndex) -> np.ndarray:
    """First day of each month and of the month after the last, in days since 1970-01-01."""
    ordinals = np.append(months.asi8, months.asi8[-1] + 1)
    return ordinals.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def monthly_stage_counts(leads: Any, stage: str = "lead", *, by: str | None = None, as_of=None):
    """Leads entering ``stage`` per complete month (and per ``by`` group).

    The months are those the one estimate of the funnel fits: fully covered by the data, up to
    the last month ended by ``as_of`` (a date means the end of that day).

    Parameters
    ----------
    leads : slaplan.LeadTable
        Loaded leads.
    stage : str
        A stage of the table's funnel (``"lead"``, ``"mql"``, ...).
    by : str, optional
        Group column (``"segment"``): a month x group DataFrame instead of a Series.
    as_of : date-like, optional
        The data's "today" (default: the table's ``as_of``).

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Indexed by monthly ``PeriodIndex``.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> str(sp.monthly_stage_counts(t, "mql").index[-1])
    '2026-10'
    """
    if stage not in leads.funnel.stages:
        raise DataError(
            f"stage must be one of the funnel's stages {', '.join(leads.funnel.stages)}, "
            f"got {stage!r}"
        )
    frame = lead_frame(leads)
    as_of_ts = resolve_as_of(leads, as_of)
    start = data_start(frame, as_of_ts)
    times = frame[f"{stage}_at"]
    if by is None:
        counts, _ = complete_month_counts(times, start=start, as_of=as_of_ts)
        return counts.rename(stage)
    columns = {
        str(name): complete_month_counts(times[frame[by] == name], start=start, as_of=as_of_ts)[0]
        for name in sorted(frame[by].dropna().unique())
    }
    table = pd.DataFrame(columns)
    table.index.name = "month"
    return table
