"""Time from one funnel stage to the next: per-lead stage pairs and the lag distribution.

This module owns the *lag* concept of PRODUCT.md §4: how long leads take from stage A to stage B.
Recent leads are still converting, so their long lags are not seen yet (right truncation: a lag
is observed only if it is shorter than the lead's age). The lag distribution is therefore the
**Lynden-Bell product-limit estimator** for right-truncated data (Lynden-Bell 1971; Kaplan–Meier
run in reverse time, Lagakos, Barraj & De Gruttola 1988), not the naive histogram of observed
lags, which is biased short. Its CDF ``F(k)`` is the share of eventual conversions that happen
within ``k`` days, and is what :mod:`slaplan.funnel.conversion` uses to complete young cohorts.

Pieces:

* :func:`stage_pairs` — one row per lead that entered A (cohort month, age, converted, lag);
  it also adapts a :class:`~slaplan.funnel.leads.LeadTable` or a canonical DataFrame.
* :class:`LagDistribution` / :func:`truncated_lag_cdf` — the estimator (pure numpy).
* :func:`lag_summary` — median, p80, p95 in days and, given a calendar, business days.
* :func:`conversion_by_lag` — share of each cohort converted by day ``k`` (maturity curves).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slaplan._checks import check_positive
from slaplan.capacity.calendar import BusinessCalendar
from slaplan.errors import DataError

__all__ = [
    "LagDistribution",
    "conversion_by_lag",
    "lag_summary",
    "maturity_horizon_days",
    "stage_pairs",
    "truncated_lag_cdf",
]

_NS_PER_DAY = 86400 * 10**9
_GROUP = "group"


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
        if self.knots.size == 0:
            return np.ones_like(np.asarray(x, dtype=float))
        index = np.searchsorted(self.knots, np.asarray(x, dtype=float), side="right") - 1
        return np.where(index < 0, 0.0, self.cdf[np.maximum(index, 0)])

    def quantile(self, q: float) -> float:
        """Smallest knot with ``F >= q`` (NaN without data)."""
        if self.knots.size == 0:
            return float("nan")
        position = min(int(np.searchsorted(self.cdf, q - 1e-12, side="left")), self.knots.size - 1)
        return float(self.knots[position])


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
    knots, deaths = np.unique(lags, return_counts=True)
    at_or_below = np.searchsorted(np.sort(lags), knots, side="right")
    truncated_before = np.searchsorted(np.sort(limits), knots, side="left")
    risk = at_or_below - truncated_before
    factor = 1.0 - deaths / risk
    # F(knot_k) is the product of the factors of all later knots.
    cdf = np.append(np.cumprod(factor[::-1])[::-1][1:], 1.0)
    return LagDistribution(knots=knots, cdf=cdf, n_converted=int(lags.size))


# --- the per-lead table ---------------------------------------------------------------------


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


def resolve_as_of(frame: pd.DataFrame, as_of: Any) -> pd.Timestamp:
    """``as_of`` as a Timestamp, by default the latest timestamp in any ``*_at`` column."""
    if as_of is not None:
        try:
            return pd.Timestamp(as_of)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"as_of must be a date or timestamp, got {as_of!r}") from exc
    columns = [c for c in frame.columns if str(c).endswith("_at")]
    latest = max((timestamps(frame, c).max() for c in columns), default=pd.NaT)
    if pd.isna(latest):
        raise DataError("<DataFrame>: no timestamps to take as_of from; pass as_of")
    return pd.Timestamp(latest)


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

    Columns: ``group`` (the ``by`` value, or ``"all"``), ``cohort`` (month start of entering
    ``from_stage``), ``entered_at``, ``age_days`` (``as_of - entered_at``), ``observed_days``
    (age capped at the window), ``converted`` (reached ``to_stage`` by ``as_of``, within the
    window), ``lag_days`` (NaN if not converted), ``closed`` (not converted and marked lost —
    a ``lost_at`` column, as in the Maven preset — by ``as_of``: it will not convert any more).
    A ``to_stage`` time before ``from_stage`` counts as a lag of 0. A skipped ``from_stage``
    leaves the lead out of the cohort. The index is the lead frame's, so other columns of the
    same leads line up with ``frame.loc[pairs.index, column]``.

    >>> frame = pd.DataFrame({"mql_at": pd.to_datetime(["2026-01-05", "2026-01-20"]),
    ...                       "sql_at": pd.to_datetime(["2026-01-15", None])})
    >>> pairs = stage_pairs(frame, "mql", "sql", as_of="2026-02-04")
    >>> pairs[["converted", "lag_days"]].values.tolist()
    [[True, 10.0], [False, nan]]
    """
    frame = lead_frame(leads)
    window = None if window_days is None else check_positive("window_days", window_days)
    as_of_ts = resolve_as_of(frame, as_of)
    entered = timestamps(frame, f"{from_stage}_at")
    reached = timestamps(frame, f"{to_stage}_at")
    keep = entered.notna() & (entered <= as_of_ts)
    entered, reached = entered[keep], reached[keep]
    age_days = (as_of_ts - entered).to_numpy("timedelta64[ns]").astype(np.int64) / _NS_PER_DAY
    lag = (reached - entered).to_numpy("timedelta64[ns]")
    lag_days = np.where(np.isnat(lag), np.nan, lag.astype(np.int64) / _NS_PER_DAY)
    lag_days = np.clip(lag_days, 0.0, None)
    converted = ~np.isnan(lag_days) & (reached <= as_of_ts).to_numpy()
    observed = age_days if window is None else np.minimum(age_days, window)
    converted &= np.nan_to_num(lag_days, nan=np.inf) <= observed
    groups = _group_values(frame, by)[keep.to_numpy()]
    closed = np.zeros(len(entered), bool)
    if "lost_at" in frame.columns:
        lost = timestamps(frame, "lost_at")[keep]
        closed = (lost.notna() & (lost <= as_of_ts)).to_numpy() & ~converted
    return pd.DataFrame(
        {
            _GROUP: groups,
            "cohort": entered.dt.to_period("M").dt.start_time.to_numpy(),
            "entered_at": entered.to_numpy(),
            "age_days": age_days,
            "observed_days": observed,
            "converted": converted,
            "lag_days": np.where(converted, lag_days, np.nan),
            "closed": closed,
        },
        index=entered.index,
    )


def _group_values(frame: pd.DataFrame, by: str | None) -> np.ndarray:
    if by is None:
        return np.full(len(frame), "all", dtype=object)
    if by not in frame.columns:
        raise DataError(
            f"<DataFrame>: by column {by!r} is missing; columns present: {list(frame.columns)}"
        )
    return frame[by].astype(object).where(frame[by].notna(), "all").astype(str).to_numpy(object)


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
    for group, part in pairs.groupby(_GROUP, sort=True):
        dist = pair_distribution(part)
        row = {_GROUP: group, "converted": dist.n_converted}
        row |= {f"{name}_days": dist.quantile(q) for name, q in _QUANTILES}
        if calendar is not None:
            row |= _business_quantiles(
                part, calendar, pd.Timestamp(resolve_as_of(lead_frame(leads), as_of))
            )
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
        return table.drop(columns=_GROUP)
    return table.rename(columns={_GROUP: by})


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
    for (group, cohort), part in pairs.groupby([_GROUP, "cohort"], sort=True):
        reach = days[days <= part["age_days"].min()]
        lags = np.sort(part["lag_days"].dropna().to_numpy())
        converted = np.searchsorted(lags, reach, side="right")
        parts.append(
            pd.DataFrame(
                {
                    _GROUP: group,
                    "cohort": cohort,
                    "day": reach.astype(int),
                    "total": len(part),
                    "converted": converted,
                    "share": converted / len(part),
                }
            )
        )
    columns = [_GROUP, "cohort", "day", "total", "converted", "share"]
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
