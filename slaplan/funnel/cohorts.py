"""Aggregations of a lead table that every later step builds on.

This module owns three views of a :class:`~slaplan.funnel.table.LeadTable`:

* :func:`event_counts` — how many leads *entered* each stage per calendar period (the numbers
  SLA count commitments are about: "300 MQLs in March").
* :func:`cohort_table` — of the leads that entered stage A in period m, how many had reached
  stage B by lag k periods (``k = period(B) − period(A)``). Cells not yet observable at
  ``as_of`` (``m + k`` after the period of ``as_of``) are ``NaN``, not zero: a young cohort's
  missing conversions are unknown, not absent.
* :func:`time_to_convert` — days from A to B per lead that reached both.

Periods are pandas periods (``freq`` ``"M"``, ``"Q"``, ``"W"`` or ``"D"``); groups (``by``) are
any text column of the frame, usually ``"segment"`` or ``"owner"``. Everything is one vectorised
pass (integer period codes and ``numpy.bincount``), fast on millions of leads.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import numpy as np
import pandas as pd

from slaplan._checks import check_count, check_option
from slaplan._labels import NO_LABEL
from slaplan.funnel._date_kernels import NO_PERIOD, month_codes
from slaplan.funnel.counts import FunnelCounts
from slaplan.funnel.stages import DEFAULT_FUNNEL, Funnel
from slaplan.funnel.table import LeadTable

__all__ = [
    "cohort_table",
    "event_counts",
    "period_codes",
    "time_to_convert",
]

Freq = Literal["M", "Q", "W", "D"]
FREQS: tuple[str, ...] = ("M", "Q", "W", "D")
_NS_PER_DAY = 86_400 * 10**9
_PARALLEL_ROWS = 200_000  # below this, threads cost more than they save


def _frame_and_funnel(leads: LeadTable | pd.DataFrame, funnel: Funnel | None):
    if isinstance(leads, LeadTable):
        return leads.frame, funnel or leads.funnel
    if isinstance(leads, pd.DataFrame):
        return leads, funnel or DEFAULT_FUNNEL
    raise TypeError(f"leads must be a LeadTable or a DataFrame, got {type(leads).__name__}")


def period_codes(values: np.ndarray, freq: str) -> np.ndarray:
    """Period ordinals (pandas ``Period.ordinal``) of ``datetime64`` values; NaT → ``NO_PERIOD``.

    Monthly codes come straight from numpy (``datetime64[M]``), other frequencies from pandas.
    """
    values = np.asarray(values, dtype="datetime64[ns]")
    if freq == "M":
        return month_codes(values.view("int64"))
    missing = np.isnat(values)
    codes = pd.PeriodIndex(values, freq=freq).asi8.copy()
    codes[missing] = NO_PERIOD
    return codes


def _period_index(codes: np.ndarray, freq: str, name: str = "period") -> pd.PeriodIndex:
    return pd.PeriodIndex.from_ordinals(codes, freq=freq).rename(name)


def _group_codes(frame: pd.DataFrame, by: str | None) -> tuple[np.ndarray, list[str]]:
    if by is None:  # one group: a zero-stride view, no memory
        return np.broadcast_to(np.int64(0), (len(frame),)), []
    if by not in frame.columns:
        raise ValueError(
            f"by must be a column of the lead table, got {by!r}; columns: {list(frame.columns)}"
        )
    codes, labels = pd.factorize(frame[by].fillna(NO_LABEL), sort=True)
    return codes.astype(np.int64), [str(x) for x in labels]


def event_counts(
    leads: LeadTable | pd.DataFrame,
    *,
    freq: Freq = "M",
    by: str | None = None,
    funnel: Funnel | None = None,
) -> pd.DataFrame:
    """Leads entering each stage per period (and per ``by`` group).

    Parameters
    ----------
    leads : LeadTable, FunnelCounts or DataFrame
        Loaded leads (a bare canonical frame needs ``funnel``, default :data:`DEFAULT_FUNNEL`),
        or a monthly report from :func:`slaplan.load_funnel_counts` (``freq`` ``"M"`` or ``"Q"``;
        months missing from the report stay missing, they are not filled with 0).
    freq : {"M", "Q", "W", "D"}
        Calendar period.
    by : str, optional
        Group column (``"segment"``, ``"owner"``, ...).

    Returns
    -------
    DataFrame
        Index ``period`` (``PeriodIndex``, every period from the first to the last event, gaps
        filled with 0), or ``(period, by)``; one int column per stage.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> counts = sp.event_counts(t)
    >>> list(counts.columns) == list(t.funnel.stages)
    True
    """
    check_option("freq", freq, FREQS)
    if isinstance(leads, FunnelCounts):
        return _report_counts(leads, freq=freq, by=by)
    frame, funnel = _frame_and_funnel(leads, funnel)
    groups, labels = _group_codes(frame, by)
    codes = {
        s: period_codes(frame[c].to_numpy(), freq)
        for s, c in zip(funnel.stages, funnel.columns, strict=True)
    }
    present = np.concatenate([c[c != NO_PERIOD] for c in codes.values()])
    if present.size == 0:
        return pd.DataFrame(columns=list(funnel.stages), dtype="int64")
    first, last = int(present.min()), int(present.max())
    n_periods, n_groups = last - first + 1, max(len(labels), 1)
    table = {}
    for stage, c in codes.items():
        ok = c != NO_PERIOD
        flat = (c[ok] - first) * n_groups + groups[ok]
        table[stage] = np.bincount(flat, minlength=n_periods * n_groups)
    periods = _period_index(np.arange(first, last + 1), freq)
    if by is None:
        index = periods
    else:
        index = pd.MultiIndex.from_product([periods, labels], names=["period", by])
    return pd.DataFrame(table, index=index)


def _report_counts(counts: FunnelCounts, *, freq: str, by: str | None) -> pd.DataFrame:
    if freq not in ("M", "Q"):
        raise ValueError(f"freq must be 'M' or 'Q' for monthly funnel counts, got {freq!r}")
    if by not in (None, "segment"):
        raise ValueError(f"by must be None or 'segment' for funnel counts, got {by!r}")
    frame = counts.frame
    if freq == "Q":
        quarters = frame.index.get_level_values("period").asfreq("Q")
        keys = [quarters, frame.index.get_level_values("segment")]
        frame = frame.groupby(keys).sum(min_count=1).rename_axis(["period", "segment"])
    if by is None:
        return frame.groupby(level="period").sum(min_count=1)
    return frame


def cohort_table(
    leads: LeadTable | pd.DataFrame,
    from_stage: str,
    to_stage: str,
    *,
    by: str | None = None,
    freq: Freq = "M",
    max_lag: int | None = None,
    as_of: str | pd.Timestamp | None = None,
    funnel: Funnel | None = None,
) -> pd.DataFrame:
    """Cohorts entering ``from_stage`` per period × lag → leads that had reached ``to_stage``.

    Parameters
    ----------
    leads : LeadTable or DataFrame
    from_stage, to_stage : str
        Stages of the funnel, ``to_stage`` after ``from_stage``.
    by : str, optional
        Group column; the index becomes ``(cohort, by)``.
    freq : {"M", "Q", "W", "D"}
        Cohort period, also the unit of the lag.
    max_lag : int, optional
        Last lag column (default: the longest lag observable).
    as_of : str or Timestamp, optional
        "Today" of the analysis (default: the latest stage timestamp in the data, as for
        :func:`slaplan.conversion_rates`).

    Returns
    -------
    DataFrame
        Index ``cohort`` (or ``(cohort, by)``); column ``entered`` (int), then one column per
        lag ``0 … max_lag``: cumulative leads of the cohort that reached ``to_stage`` within that
        many periods (float; ``NaN`` where ``cohort + lag`` is after the period of ``as_of``).
        Lags longer than ``max_lag`` are counted in the ``max_lag`` column.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> table = sp.cohort_table(t, "mql", "sql", max_lag=3)
    >>> table.columns.tolist()
    ['entered', 0, 1, 2, 3]
    """
    check_option("freq", freq, FREQS)
    frame, funnel = _frame_and_funnel(leads, funnel)
    funnel.between(from_stage, to_stage)
    start, end, latest = _side_by_side(
        len(frame),
        lambda: period_codes(frame[funnel.column(from_stage)].to_numpy(), freq),
        lambda: period_codes(frame[funnel.column(to_stage)].to_numpy(), freq),
        lambda: _as_of(frame, funnel, as_of),
    )
    groups, labels = _group_codes(frame, by)
    entered = start != NO_PERIOD
    if not entered.any():
        return pd.DataFrame(columns=["entered"], dtype="int64")
    now = period_codes(np.array([latest]), freq)[0]
    first, last = int((start - 1).min()) + 1, int(start.max())  # NaT code wraps to the top
    longest = max(int(now) - first, 0)
    max_lag = longest if max_lag is None else check_count("max_lag", max_lag)
    n_groups = max(len(labels), 1)
    n_cells = (last - first + 1) * n_groups
    # the rows in two halves (views), counted side by side (numpy releases the GIL), then added
    half = len(start) // 2 if len(start) >= _PARALLEL_ROWS else len(start)
    parts = _side_by_side(
        len(start),
        *(
            (
                lambda rows=rows: _cell_counts(
                    start[rows], end[rows], groups[rows], first, n_groups, n_cells, max_lag
                )
            )
            for rows in (
                [slice(0, half), slice(half, None)] if half < len(start) else [slice(None)]
            )
        ),
    )
    counts = np.cumsum(sum(p[0] for p in parts), axis=1).astype(float)
    entered_counts = sum(p[1] for p in parts)
    cohorts = np.repeat(np.arange(first, last + 1), n_groups)
    lags = np.arange(max_lag + 1)
    observable = cohorts[:, None] + lags[None, :] <= now
    table = pd.DataFrame(np.where(observable, counts, np.nan), columns=list(lags))
    table.insert(0, "entered", entered_counts)
    periods = _period_index(np.arange(first, last + 1), freq, name="cohort")
    if by is None:
        table.index = periods
    else:
        table.index = pd.MultiIndex.from_product([periods, labels], names=["cohort", by])
    return table


def _cell_counts(
    start: np.ndarray,
    end: np.ndarray,
    groups: np.ndarray,
    first: int,
    n_groups: int,
    n_cells: int,
    max_lag: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Leads reaching ``to_stage`` per cell (cohort × group) and lag, shape (cells, lags), and
    leads entering per cell; one ``bincount`` each over all leads.

    Arithmetic only (no masked selection: missing values are scattered at random, which makes
    masked passes several times slower): a missing code (the smallest int64) is clamped, and
    leads that did not enter or never reached ``to_stage`` land in a spare cell, dropped.
    """
    cell = np.maximum(start, first - 1)
    cell -= first
    if n_groups > 1:
        cell *= n_groups
        cell += groups
        np.maximum(cell, -1, out=cell)
    cell += 1  # cell 0: never entered
    entered = np.bincount(cell, minlength=n_cells + 1)[1:]
    lag = end - start  # garbage where a code is missing: those leads are in cell 0
    np.clip(lag, 0, max_lag, out=lag)  # a lag under 0 is within tolerance
    cell *= end != NO_PERIOD
    cell *= max_lag + 1
    cell += lag
    reached = np.bincount(cell, minlength=(n_cells + 1) * (max_lag + 1))
    return reached[max_lag + 1 :].reshape(n_cells, max_lag + 1), entered


def _side_by_side(rows: int, *calls: Callable[[], object]) -> list:
    """Results of ``calls``, run in two threads when the data are long (numpy and Arrow
    release the GIL)."""
    if rows < _PARALLEL_ROWS or (os.cpu_count() or 1) < 2 or len(calls) < 2:
        return [call() for call in calls]
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda call: call(), calls))


def _as_of(frame: pd.DataFrame, funnel: Funnel, as_of) -> np.datetime64:
    if as_of is not None:
        return np.datetime64(pd.Timestamp(as_of).to_datetime64(), "ns")
    columns = [c for c in (*funnel.columns, "lost_at") if c in frame.columns]
    # NaT is the smallest int64, so a plain integer max skips it
    latest = max(
        int(frame[c].to_numpy(dtype="datetime64[ns]").view("int64").max()) for c in columns
    )
    return np.datetime64(latest, "ns")


def time_to_convert(
    leads: LeadTable | pd.DataFrame,
    from_stage: str,
    to_stage: str,
    *,
    by: str | None = None,
    funnel: Funnel | None = None,
) -> pd.DataFrame:
    """Days from ``from_stage`` to ``to_stage`` for every lead that reached both.

    Returns
    -------
    DataFrame
        Index: the leads' source rows; columns ``lead_id``, ``by`` (if given), ``from_at``,
        ``to_at``, ``days`` (float, fractional days; ≥ −tolerance, 0 for a backfilled skip).

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> bool(sp.time_to_convert(t, "mql", "sql")["days"].median() > 0)
    True
    """
    frame, funnel = _frame_and_funnel(leads, funnel)
    funnel.between(from_stage, to_stage)
    start = frame[funnel.column(from_stage)].to_numpy(dtype="datetime64[ns]")
    end = frame[funnel.column(to_stage)].to_numpy(dtype="datetime64[ns]")
    both = ~np.isnat(start) & ~np.isnat(end)
    days = (end[both] - start[both]).astype("int64") / _NS_PER_DAY
    out = pd.DataFrame({"lead_id": frame["lead_id"].to_numpy()[both]}, index=frame.index[both])
    if by is not None:
        out[by] = frame[by].to_numpy()[both]
    out["from_at"], out["to_at"], out["days"] = start[both], end[both], days
    return out
