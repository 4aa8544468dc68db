"""Time from one funnel stage to the next: per-lead stage pairs and the lag distribution.

This module owns the *lag* concept of PRODUCT.md §4: how long leads take from stage A to stage B.
Recent leads are still converting, so their long lags are not seen yet (right truncation: a lag
is observed only if it is shorter than the lead's age). The lag distribution is therefore the
**Lynden-Bell product-limit estimator** for right-truncated data (Lynden-Bell 1971; Kaplan–Meier
run in reverse time, Lagakos, Barraj & De Gruttola 1988), not the naive histogram of observed
lags, which is biased short. Its CDF ``F(k)`` is the share of eventual conversions that happen
within ``k`` days, and is what :mod:`slaplan.estimate` uses to complete young
cohorts.

Pieces:

* :func:`~slaplan.funnel.pairs.stage_pairs` (in :mod:`slaplan.funnel.pairs`) — one row per
  lead that entered A (cohort month, age, converted, lag), the input of everything here.
* :func:`pair_distribution` — the lag distribution of those rows.
* :class:`LagDistribution` / :func:`truncated_lag_cdf` — the estimator (pure numpy).
* :func:`lag_summary` — median, p80, p95 in days and, given a calendar, business days.
* :func:`conversion_by_lag` — share of each cohort converted by day ``k`` (maturity curves).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slaplan.funnel.pairs import GROUP, as_calendar, resolve_as_of, stage_pairs

__all__ = [
    "LagDistribution",
    "conversion_by_lag",
    "lag_summary",
    "maturity_horizon_days",
    "pair_distribution",
    "truncated_lag_cdf",
]

_NS_PER_DAY = 86400 * 10**9


# --- kernel ---------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class LagDistribution:
    """A step CDF of lags: ``F(x) = cdf[k]`` for ``knots[k] <= x < knots[k+1]``, 0 below.

    Attributes
    ----------
    knots : ndarray
        Distinct observed lags, increasing (days or business days).
    cdf : ndarray
        ``F`` at each knot; the last value is 1.
    n_converted : int
        Number of observed lags behind the estimate.
    """

    knots: np.ndarray
    cdf: np.ndarray
    n_converted: int

    def cdf_at(self, x: Any) -> np.ndarray:
        """``F(x)``: share of eventual conversions happening within ``x`` (vectorised)."""
        values = np.asarray(x, dtype=float)
        if self.knots.size == 0:
            return np.ones_like(values)
        if values.size < _BUCKETED_VALUES or self.knots.size < _BUCKETED_KNOTS:
            return self._steps[np.searchsorted(self.knots, values, side="right")]
        return self._steps[_at_or_below(self.knots, self._buckets, values)]

    @functools.cached_property
    def _buckets(self) -> _Buckets:
        """The knots by equal-width buckets, for :func:`_at_or_below`."""
        return _Buckets.of(self.knots)

    @functools.cached_property
    def _steps(self) -> np.ndarray:
        """``F`` below the first knot (0), then at each knot: indexed by knots at or below."""
        return np.concatenate([[0.0], self.cdf])

    def quantile(self, q: float) -> float:
        """Smallest knot with ``F >= q`` (NaN without data)."""
        if self.knots.size == 0:
            return float("nan")
        position = min(int(np.searchsorted(self.cdf, q - 1e-12, side="left")), self.knots.size - 1)
        return float(self.knots[position])


_BUCKETED_VALUES, _BUCKETED_KNOTS = 16_384, 4096
"""Values to look up and knots from which :meth:`LagDistribution.cdf_at` uses buckets (the
table, built once per distribution, costs about one search of a tenth of the knots)."""


@dataclass(frozen=True)
class _Buckets:
    """Knots counted by equal-width buckets of ``b(v) = floor((v - origin) / width)``.

    ``b`` is non-decreasing in ``v`` whatever the rounding, so a value ``x`` has every knot of a
    lower bucket below it and every knot of a higher bucket above it: its count of knots at or
    below lies in ``[before[b(x)], before[b(x) + 1]]``.
    """

    origin: float
    width: float
    before: np.ndarray  # before[j]: knots in the buckets below j (j = 0 .. last bucket + 2)

    @classmethod
    def of(cls, knots: np.ndarray) -> _Buckets:
        n = knots.size
        origin, width = float(knots[0]), float((knots[-1] - knots[0]) / n)
        which = _bucket(knots, origin, width, n)
        before = np.concatenate([[0], np.cumsum(np.bincount(which, minlength=n + 2))])
        return cls(origin=origin, width=width, before=before)


def _bucket(values: np.ndarray, origin: float, width: float, n: int) -> np.ndarray:
    """``b(v)`` clipped to ``[0, n + 1]``; NaN (sorted last) in the last bucket."""
    where = np.floor((values - origin) / width)
    where = np.clip(where, 0.0, n + 1.0, out=where)
    where[np.isnan(where)] = n + 1.0
    return where.astype(np.intp)


def _at_or_below(knots: np.ndarray, buckets: _Buckets, x: np.ndarray) -> np.ndarray:
    """``np.searchsorted(knots, x, side="right")``, the same indices, by buckets.

    A binary search over every knot reads memory at random, a cache miss at each of its ~18
    steps for a few hundred thousand knots; within a value's bucket the search takes a few
    steps over neighbouring knots.
    """
    which = _bucket(x, buckets.origin, buckets.width, knots.size)
    low, high = buckets.before[which], buckets.before[which + 1]
    # invariant: the knots before low are <= x, those from high on are > x; most buckets hold
    # a knot or none, so after a step or two only a few values are still searched
    open_ = np.flatnonzero(low < high)
    while open_.size:
        below, above, value = low[open_], high[open_], x[open_]
        middle = (below + above) >> 1
        right = knots[middle] <= value
        below = np.where(right, middle + 1, below)
        above = np.where(right, above, middle)
        low[open_], high[open_] = below, above
        open_ = open_[below < above]
    return low


def truncated_lag_cdf(lag_days: Any, observed_days: Any) -> LagDistribution:
    """Lynden-Bell estimate of the lag CDF from right-truncated lags.

    Parameters
    ----------
    lag_days : array_like
        Observed lags of the leads that converted (>= 0).
    observed_days : array_like
        For each of them, the longest lag that could have been observed (its age at ``as_of``,
        or the conversion window if shorter); ``observed_days >= lag_days``.

    Returns
    -------
    LagDistribution
        ``F(x) = prod_{u > x} (1 - d(u) / R(u))`` with ``d(u)`` lags equal to ``u`` and
        ``R(u) = #{j : lag_j <= u <= observed_j}`` (the reverse-time risk set).

    Examples
    --------
    >>> dist = truncated_lag_cdf([1.0, 2.0, 3.0], [10.0, 10.0, 10.0])  # no truncation: ECDF
    >>> dist.cdf_at([0.5, 1.0, 2.5, 9.0]).round(3).tolist()
    [0.0, 0.333, 0.667, 1.0]
    """
    lags = np.asarray(lag_days, dtype=float)
    limits = np.maximum(np.asarray(observed_days, dtype=float), lags)
    if lags.size == 0:
        return LagDistribution(knots=np.empty(0), cdf=np.empty(0), n_converted=0)
    ordered = np.sort(lags)
    first = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    knots = ordered[first]
    at_or_below = np.append(first[1:], ordered.size)  # lags <= each knot: its run's end
    deaths = at_or_below - first
    # the limits below each knot: each limit counted at the first knot above it, then summed
    # (a search of the sorted limits among the knots walks both forward: several times faster
    # than searching each knot among the limits, and the same whole numbers)
    above = np.searchsorted(knots, np.sort(limits), side="right")
    truncated_before = np.cumsum(np.bincount(above, minlength=knots.size + 1))[: knots.size]
    risk = at_or_below - truncated_before
    factor = 1.0 - deaths / risk
    # F(knot_k) is the product of the factors of all later knots.
    cdf = np.append(np.cumprod(factor[::-1])[::-1][1:], 1.0)
    return LagDistribution(knots=knots, cdf=cdf, n_converted=int(lags.size))


def pair_distribution(pairs: pd.DataFrame) -> LagDistribution:
    """Lynden-Bell lag CDF of the converted leads of a :func:`stage_pairs` table."""
    done = pairs[pairs["converted"]]
    return truncated_lag_cdf(done["lag_days"].to_numpy(), done["observed_days"].to_numpy())


# --- summaries ------------------------------------------------------------------------------


def lag_summary(
    leads: Any,
    from_stage: str,
    to_stage: str,
    *,
    by: str | None = None,
    calendar: Any = None,
    window_days: float | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Median, p80 and p95 of the time from ``from_stage`` to ``to_stage``, per group.

    Quantiles are of the truncation-corrected (Lynden-Bell) lag distribution, so young cohorts'
    unseen long lags do not shorten them. With a business calendar
    (:class:`~slaplan.capacity.calendar.BusinessCalendar`) the same quantiles are also given in
    business days (open hours between the stamps / open hours per day).

    Parameters
    ----------
    leads, from_stage, to_stage, by, window_days, as_of
        As in :func:`~slaplan.funnel.pairs.stage_pairs`; one row per ``by`` group.
    calendar : BusinessCalendar, SLA or business_hours mapping, optional
        Adds the quantiles in business days.

    Returns
    -------
    DataFrame
        One row per group: ``converted``, ``median_days``, ``p80_days``, ``p95_days`` and, with a
        calendar, ``median_business_days``, ``p80_business_days``, ``p95_business_days``.

    Examples
    --------
    >>> frame = pd.DataFrame({"mql_at": pd.to_datetime(["2026-01-05", "2026-01-06"]),
    ...                       "sql_at": pd.to_datetime(["2026-01-07", "2026-01-16"])})
    >>> lag_summary(frame, "mql", "sql", as_of="2026-06-01")["p95_days"].tolist()
    [10.0]
    """
    pairs = stage_pairs(leads, from_stage, to_stage, by=by, window_days=window_days, as_of=as_of)
    calendar = as_calendar(calendar)
    rows = []
    for group, part in pairs.groupby(GROUP, sort=True):
        dist = pair_distribution(part)
        row = {GROUP: group, "converted": dist.n_converted}
        row |= {f"{name}_days": dist.quantile(q) for name, q in _QUANTILES}
        if calendar is not None:
            row |= _business_quantiles(part, calendar, pd.Timestamp(resolve_as_of(leads, as_of)))
        rows.append(row)
    return _label(pd.DataFrame(rows), by)


_QUANTILES = (("median", 0.5), ("p80", 0.8), ("p95", 0.95))


def _business_quantiles(pairs: pd.DataFrame, calendar: Any, as_of: pd.Timestamp) -> dict:
    done = pairs[pairs["converted"]]
    entered = pd.to_datetime(done["entered_at"])
    reached = entered + pd.to_timedelta(done["lag_days"], unit="D")
    per_day = calendar.open_hours_per_day
    lag = np.asarray(calendar.business_hours_between(entered, reached), dtype=float) / per_day
    limit = np.asarray(
        calendar.business_hours_between(entered, pd.Series(as_of, index=entered.index)), dtype=float
    )
    dist = truncated_lag_cdf(lag, limit / per_day)
    return {f"{name}_business_days": dist.quantile(q) for name, q in _QUANTILES}


def _label(table: pd.DataFrame, by: str | None) -> pd.DataFrame:
    if by is None:
        return table.drop(columns=GROUP)
    return table.rename(columns={GROUP: by})


def conversion_by_lag(
    leads: Any,
    from_stage: str,
    to_stage: str,
    *,
    max_days: int = 120,
    step_days: int = 1,
    by: str | None = None,
    as_of: Any = None,
) -> pd.DataFrame:
    """Share of each cohort converted within ``day`` days of entering ``from_stage``.

    A cohort's curve stops at the age of its youngest lead, so every point uses the whole
    cohort: young cohorts show short curves rather than falsely low ones.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Canonical lead frame with ``<stage>_at`` columns.
    from_stage, to_stage : str
        Stage names; cohorts are months of entering ``from_stage``.
    max_days, step_days : int
        The days ``0, step_days, ...`` up to ``max_days`` at which the share is read.
    by : str, optional
        Column to group by.
    as_of : date-like, optional
        The "today" of the analysis; default the latest timestamp.

    Returns
    -------
    DataFrame
        Long format: (``by``), ``cohort``, ``day``, ``total``, ``converted``, ``share``.

    Examples
    --------
    >>> frame = pd.DataFrame({"mql_at": pd.to_datetime(["2026-01-05", "2026-01-06"]),
    ...                       "sql_at": pd.to_datetime(["2026-01-07", None])})
    >>> conversion_by_lag(frame, "mql", "sql", max_days=3, as_of="2026-03-01")["share"].tolist()
    [0.0, 0.0, 0.5, 0.5]
    """
    pairs = stage_pairs(leads, from_stage, to_stage, by=by, as_of=as_of)
    days = np.arange(0, int(max_days) + 1, int(step_days), dtype=float)
    parts = []
    for (group, cohort), part in pairs.groupby([GROUP, "cohort"], sort=True):
        reach = days[days <= part["age_days"].min()]
        lags = np.sort(part["lag_days"].dropna().to_numpy())
        converted = np.searchsorted(lags, reach, side="right")
        parts.append(
            pd.DataFrame(
                {
                    GROUP: group,
                    "cohort": cohort,
                    "day": reach.astype(int),
                    "total": len(part),
                    "converted": converted,
                    "share": converted / len(part),
                }
            )
        )
    columns = [GROUP, "cohort", "day", "total", "converted", "share"]
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    return _label(table, by)


def maturity_horizon_days(distribution: LagDistribution, window_days: float | None) -> float:
    """Days after which a lead has had its chance to convert: the window, else the p95 lag.

    >>> maturity_horizon_days(truncated_lag_cdf([1.0, 2.0, 30.0], [60.0] * 3), None)
    30.0
    >>> maturity_horizon_days(truncated_lag_cdf([1.0], [60.0]), 14)
    14.0
    """
    if window_days is not None:
        return float(window_days)
    horizon = distribution.quantile(0.95)
    return 0.0 if np.isnan(horizon) else horizon
