"""One row per lead entering a stage: the per-lead table every funnel-health estimate starts from.

:func:`stage_pairs` turns a lead table into one row per lead that entered ``from_stage`` by
``as_of``: its cohort month, age, whether (and after how many days) it reached ``to_stage``, and
whether it was closed as lost. The helpers here adapt the inputs every funnel-health function
takes: a :class:`~slaplan.funnel.leads.LeadTable` or a canonical DataFrame (:func:`lead_frame`),
timestamp columns (:func:`timestamps`), the analysis date (:func:`resolve_as_of`) and a
business calendar (:func:`as_calendar`). The lag distribution built from these rows lives in
:mod:`slaplan.funnel.lags`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slaplan._checks import check_positive
from slaplan._labels import NO_LABEL
from slaplan.capacity.calendar import BusinessCalendar
from slaplan.errors import DataError
from slaplan.funnel._date_kernels import NO_PERIOD, month_codes

__all__ = [
    "GROUP",
    "PairArrays",
    "as_calendar",
    "as_of_timestamp",
    "censor",
    "latest_as_of",
    "lead_frame",
    "pair_arrays",
    "resolve_as_of",
    "stage_pairs",
    "stamps_ns",
    "timestamps",
]

_NS_PER_DAY = 86400 * 10**9
GROUP = "group"
"""The column of :func:`stage_pairs` holding the ``by`` value (``"all"`` without ``by``)."""


def lead_frame(leads: Any) -> pd.DataFrame:
    """The canonical frame of ``leads``: a LeadTable's ``.frame`` or a DataFrame as given."""
    frame = getattr(leads, "frame", leads)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"leads must be a LeadTable (from slaplan.load_leads) or a DataFrame, "
            f"got {type(leads).__name__}"
        )
    return frame


def timestamps(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        raise DataError(
            f"<DataFrame>: column {column!r} is missing; columns present: {list(frame.columns)}"
        )
    values = frame[column]
    if pd.api.types.is_datetime64_any_dtype(values):
        return values
    try:
        return pd.to_datetime(values)
    except (ValueError, TypeError) as exc:
        raise DataError(f"<DataFrame>: column {column!r} holds values that are not dates") from exc


_TIME_OF_DAY = re.compile(r"\d:\d\d|T\d|\d[ ]?[ap]m\b", re.IGNORECASE)


def as_of_timestamp(value: Any, *, tz: str = "UTC") -> pd.Timestamp:
    """The analysis's "today" as a naive Timestamp; a date without a time is the *end* of it.

    ``"2026-11-15"``, ``datetime.date(2026, 11, 15)`` and ``numpy.datetime64("2026-11-15")``
    all mean the whole of 15 November (everything stamped that day has happened). A value with
    a time is taken as given; one with a time zone is converted to ``tz`` and made naive.

    >>> as_of_timestamp("2026-11-15")
    Timestamp('2026-11-15 23:59:59.999999999')
    >>> as_of_timestamp("2026-11-15 08:00")
    Timestamp('2026-11-15 08:00:00')
    """
    if isinstance(value, bool) or value is None:
        raise ValueError(f"as_of must be a date or timestamp, got {value!r}")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"as_of must be a date or timestamp, got {value!r}") from exc
    if pd.isna(stamp):
        raise ValueError(f"as_of must be a date or timestamp, got {value!r}")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert(tz).tz_localize(None)
    if _date_only(value) and stamp == stamp.normalize():
        stamp = stamp + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return stamp


def _date_only(value: Any) -> bool:
    if isinstance(value, str):
        return _TIME_OF_DAY.search(value) is None
    if isinstance(value, np.datetime64):
        return np.datetime_data(value.dtype)[0] in ("D", "W", "M", "Y")
    return isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)


def resolve_as_of(leads: Any, as_of: Any) -> pd.Timestamp:
    """The analysis date: ``as_of`` if given (see :func:`as_of_timestamp`), else the table's.

    A LeadTable loaded with ``as_of`` carries it; otherwise the default is the latest timestamp
    in any ``*_at`` column (PRODUCT.md §5).
    """
    if as_of is not None:
        return as_of_timestamp(as_of)
    table_as_of = getattr(leads, "as_of", None)
    if table_as_of is not None and not isinstance(leads, pd.DataFrame):
        return pd.Timestamp(table_as_of)
    frame = lead_frame(leads)
    columns = [c for c in frame.columns if str(c).endswith("_at")]
    latest = max((timestamps(frame, c).max() for c in columns), default=pd.NaT)
    if pd.isna(latest):
        raise DataError("<DataFrame>: no timestamps to take as_of from; pass as_of")
    return latest_as_of(pd.Timestamp(latest))


def latest_as_of(latest: pd.Timestamp) -> pd.Timestamp:
    """The default "today" from the latest timestamp: a bare date (midnight) means its whole day.

    Exports with dates only (``12/31/2017``) stamp every event at midnight; the last of them
    happened *on* that day, so the day is over.

    >>> latest_as_of(pd.Timestamp("2017-12-31"))
    Timestamp('2017-12-31 23:59:59.999999999')
    """
    if latest == latest.normalize():
        return latest + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    return latest


def stage_pairs(
    leads: Any,
    from_stage: str,
    to_stage: str,
    *,
    by: str | None = None,
    window_days: float | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """One row per lead that entered ``from_stage`` by ``as_of``: its cohort, age and outcome.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Canonical lead frame with ``<stage>_at`` columns.
    from_stage, to_stage : str
        Stage names.
    by : str, optional
        Column whose values fill ``group``.
    window_days : float, optional
        Only conversions within this many days count.
    as_of : date-like, optional
        The "today" of the analysis; default the latest timestamp. Later events are ignored.

    Returns
    -------
    DataFrame
        ``group`` (the ``by`` value, or ``"all"``), ``cohort`` (month start of entering
        ``from_stage``), ``entered_at``, ``age_days`` (``as_of - entered_at``), ``observed_days``
        (age capped at the window), ``converted`` (reached ``to_stage`` by ``as_of``, within the
        window), ``lag_days`` (NaN if not converted), ``closed`` (not converted and marked lost —
        a ``lost_at`` column, as in the Maven preset — by ``as_of``: it will not convert any
        more). A ``to_stage`` time before ``from_stage`` counts as a lag of 0. A skipped
        ``from_stage`` leaves the lead out. The index is the lead frame's, so other columns of
        the same leads line up with ``frame.loc[pairs.index, column]``.

    Examples
    --------
    >>> frame = pd.DataFrame({"mql_at": pd.to_datetime(["2026-01-05", "2026-01-20"]),
    ...                       "sql_at": pd.to_datetime(["2026-01-15", None])})
    >>> pairs = stage_pairs(frame, "mql", "sql", as_of="2026-02-04")
    >>> pairs[["converted", "lag_days"]].values.tolist()
    [[True, 10.0], [False, nan]]
    """
    frame = lead_frame(leads)
    window = None if window_days is None else check_positive("window_days", window_days)
    as_of_ts = resolve_as_of(leads, as_of)
    for stage in (from_stage, to_stage):
        timestamps(frame, f"{stage}_at")  # a named error for a missing or undated column
    pairs = pair_arrays(frame, from_stage, to_stage, as_of=as_of_ts, window_days=window)
    keep = np.zeros(len(frame), bool)
    keep[pairs.rows] = True
    return pd.DataFrame(
        {
            GROUP: _groups(frame, by, keep),
            "cohort": pairs.month.astype("datetime64[M]").astype("datetime64[ns]"),
            "entered_at": pairs.entered_ns.view("datetime64[ns]"),
            "age_days": pairs.age_days,
            "observed_days": pairs.observed_days,
            "converted": pairs.converted,
            "lag_days": pairs.lag_days,
            "closed": pairs.closed,
        },
        index=frame.index[pairs.rows],
    )


@dataclass(frozen=True, kw_only=True)
class PairArrays:
    """The columns of :func:`stage_pairs` as numpy arrays, for the estimate's fast path.

    Attributes
    ----------
    rows : ndarray of int
        Positions in the lead frame of the leads that entered ``from_stage`` by ``as_of``.
    entered_ns : ndarray of int64
        When each entered ``from_stage`` (nanoseconds since the epoch).
    month : ndarray of int64
        Its cohort as a month ordinal (``numpy.datetime64[M]`` as an integer).
    age_days, observed_days, lag_days : ndarray of float
        As in :func:`stage_pairs` (``lag_days`` NaN where not converted).
    converted, closed : ndarray of bool
        As in :func:`stage_pairs`.
    closed_days : ndarray of float
        Days from entering ``from_stage`` to being closed as lost (NaN where not closed; a
        read-only broadcast NaN when the frame has no ``lost_at`` column).
    """

    rows: np.ndarray
    entered_ns: np.ndarray
    month: np.ndarray
    age_days: np.ndarray
    observed_days: np.ndarray
    lag_days: np.ndarray
    converted: np.ndarray
    closed: np.ndarray
    closed_days: np.ndarray


def pair_arrays(
    frame: pd.DataFrame,
    from_stage: str,
    to_stage: str,
    *,
    as_of: pd.Timestamp,
    window_days: float | None = None,
) -> PairArrays:
    """:func:`stage_pairs` on trusted inputs (columns present, ``as_of`` resolved) as arrays.

    Integer nanoseconds throughout, and the cohort month from a lookup table of days
    (:func:`slaplan.funnel._date_kernels.month_codes`): a million leads take a few passes of
    numpy, no pandas and no per-value calendar arithmetic.
    """
    limit = int(as_of.as_unit("ns").value)
    entered_all = stamps_ns(timestamps(frame, f"{from_stage}_at"))
    entered_by = (entered_all != NO_PERIOD) & (entered_all <= limit)
    reached = stamps_ns(timestamps(frame, f"{to_stage}_at"))
    entered = entered_all
    if np.count_nonzero(entered_by) == entered_all.size:  # every lead of the first stage:
        rows = np.arange(entered_all.size)  # no search for the positions, no copies
    else:
        rows = np.flatnonzero(entered_by)
        entered, reached = entered_all[rows], reached[rows]
    age_days = (limit - entered) / _NS_PER_DAY
    observed = age_days if window_days is None else np.minimum(age_days, window_days)
    seen = (reached != NO_PERIOD) & (reached <= limit)
    with np.errstate(over="ignore"):  # NaT minus a time wraps round; those lags are masked
        waited = reached - entered
    lag_days = np.maximum(waited, 0, out=waited) / _NS_PER_DAY
    converted = seen & (lag_days <= observed)
    lag_days[~converted] = np.nan
    closed = np.zeros(rows.size, bool)
    # without closings: NaN for every lead, one value seen everywhere (a million of them
    # written cost a pass for nothing)
    closed_days = np.broadcast_to(np.nan, rows.size)
    if "lost_at" in frame.columns:
        lost = stamps_ns(timestamps(frame, "lost_at"))[rows]
        closed = (lost != NO_PERIOD) & (lost <= limit) & ~converted
        closed_days = np.full(rows.size, np.nan)
        closed_days[closed] = np.maximum(lost[closed] - entered[closed], 0) / _NS_PER_DAY
    return PairArrays(
        rows=rows,
        entered_ns=entered,
        month=month_codes(entered, complete=True),  # (only leads that entered by as_of)
        age_days=age_days,
        observed_days=observed,
        lag_days=lag_days,
        converted=converted,
        closed=closed,
        closed_days=closed_days,
    )


def stamps_ns(values: pd.Series) -> np.ndarray:
    """A naive datetime column as int64 nanoseconds (``NaT``: the smallest int64); no copy
    for a ``datetime64[ns]`` column."""
    return values.to_numpy("datetime64[ns]").view(np.int64)


def _groups(frame: pd.DataFrame, by: str | None, keep: np.ndarray):
    """The ``group`` column: the ``by`` values (missing: "all"), or one "all" category."""
    if by is None:
        return pd.Categorical.from_codes(np.zeros(int(keep.sum()), np.int8), ["all"])
    return _group_values(frame, by)[keep]


def censor(
    frame: pd.DataFrame, as_of: pd.Timestamp, *, pool: Executor | None = None
) -> pd.DataFrame:
    """A copy of ``frame`` with every timestamp after ``as_of`` set to NaT (not yet happened).

    Rows are kept: a lead whose every stamp is later simply has none yet. With ``pool`` (an
    executor), the columns are censored side by side on it.
    """
    as_of = pd.Timestamp(as_of)
    censored = frame.copy(deep=False)
    columns = [
        c
        for c in censored.columns
        if str(c).endswith("_at") and pd.api.types.is_datetime64_any_dtype(censored[c])
    ]
    apply = map if pool is None else pool.map
    replaced = apply(lambda column: _censored_column(censored[column], as_of), columns)
    for column, values in zip(columns, list(replaced), strict=True):
        if values is not None:
            censored[column] = values
    return censored


def _censored_column(values: pd.Series, as_of: pd.Timestamp) -> pd.Series | None:
    """A datetime column with its times after ``as_of`` as NaT (None: nothing to change)."""
    if getattr(values.dtype, "tz", None) is not None:
        return values.where(values <= as_of)
    limit = int(as_of.as_unit("ns").value)
    ns = stamps_ns(values)
    later = len(ns) > 0 and ns.max() > limit
    if later:
        ns = np.where(ns > limit, NO_PERIOD, ns)  # NaT
    if later or values.dtype != "datetime64[ns]":  # else the column is kept as it is
        return pd.Series(ns.view("datetime64[ns]"), index=values.index, copy=False)
    return None


def _group_values(frame: pd.DataFrame, by: str | None) -> np.ndarray:
    if by is None:
        return np.full(len(frame), "all", dtype=object)
    if by not in frame.columns:
        raise DataError(
            f"<DataFrame>: by column {by!r} is missing; columns present: {list(frame.columns)}"
        )
    return frame[by].astype(object).where(frame[by].notna(), NO_LABEL).astype(str).to_numpy(object)


def as_calendar(calendar: Any) -> Any:
    """A BusinessCalendar from itself, an SLA (its ``business_hours``) or that mapping."""
    if calendar is None or isinstance(calendar, BusinessCalendar):
        return calendar
    spec = getattr(calendar, "business_hours", calendar)
    if isinstance(spec, Mapping):
        return BusinessCalendar.from_spec(spec)
    raise TypeError(
        f"calendar must be a BusinessCalendar, an SLA or a business_hours mapping, got "
        f"{type(calendar).__name__}"
    )
