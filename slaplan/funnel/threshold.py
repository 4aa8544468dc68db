"""The MQL handoff threshold: volume sales would get vs the rate they would see, by lead score.

This module owns step 4 of an SLA ("when is a lead ready for sales?"). Raising the score an MQL
must reach sends sales fewer, better leads. For each candidate threshold ``s`` the curve gives the
MQLs per month that ``score >= s`` would have produced (over the last ``months`` complete months)
and the MQL → SQL rate of those leads (mature leads only, Beta interval). Two questions are then
answered on the curve: the threshold that still meets a volume commitment at the highest rate
(:meth:`ThresholdCurve.for_volume`), and the one that meets an acceptance-rate floor at the
highest volume (:meth:`ThresholdCurve.for_rate`).

The population is today's MQLs: a threshold *below* today's MQL bar cannot be evaluated (the
leads under it never reached sales), so the curve only speaks about raising the bar.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from slaplan._checks import check_count, check_option, check_positive, check_probability
from slaplan.errors import DataError, InfeasibleTargetError
from slaplan.funnel._mature import mature_pairs, rate_columns
from slaplan.funnel.pairs import lead_frame, resolve_as_of, stage_pairs
from slaplan.plan.rates import check_prior

__all__ = ["ThresholdChoice", "ThresholdCurve", "handoff_threshold"]


@dataclass(frozen=True, kw_only=True)
class ThresholdChoice:
    """One point of the curve: a threshold, its monthly volume and its rate with interval."""

    threshold: float
    mqls_per_month: float
    rate: float
    low: float
    high: float


@dataclass(frozen=True, kw_only=True)
class ThresholdCurve:
    """Trade-off curve of an MQL score threshold.

    Attributes
    ----------
    frame : DataFrame
        One row per threshold: ``threshold``, ``mqls_per_month``, ``total``, ``converted``
        (mature leads with ``score >= threshold``), ``rate``, ``low``, ``high``.
    months : int
        Complete months the volume is averaged over.
    level : float
        Interval level.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")  # doctest: +SKIP
    >>> curve = sp.handoff_threshold(t)  # doctest: +SKIP
    >>> curve.for_volume(300).threshold  # doctest: +SKIP
    """

    frame: pd.DataFrame
    months: int
    level: float

    def to_frame(self) -> pd.DataFrame:
        """The curve as a table (a copy)."""
        return self.frame.copy()

    def for_volume(self, mqls_per_month: float) -> ThresholdChoice:
        """Highest-rate threshold that still gives at least ``mqls_per_month``.

        Raises :class:`~slaplan.errors.InfeasibleTargetError` if even the lowest threshold
        falls short (``best_achievable`` is the largest volume on the curve).
        """
        target = check_positive("mqls_per_month", mqls_per_month)
        ok = self.frame[self.frame["mqls_per_month"] >= target]
        if ok.empty:
            best = float(self.frame["mqls_per_month"].max())
            raise InfeasibleTargetError(
                f"no threshold gives {target:g} MQLs/month; the most is {best:.1f}",
                target=target,
                best_achievable=best,
            )
        return _choice(ok.loc[ok["rate"].idxmax()])

    def for_rate(self, min_rate: float, *, use: Literal["rate", "low"] = "rate") -> ThresholdChoice:
        """Highest-volume threshold whose ``use`` column (``"rate"``/``"low"``) >= ``min_rate``."""
        floor = check_probability("min_rate", min_rate)
        check_option("use", use, ("rate", "low"))
        ok = self.frame[self.frame[use] >= floor]
        if ok.empty:
            best = float(self.frame[use].max())
            raise InfeasibleTargetError(
                f"no threshold reaches a {use} of {floor:.1%}; the best is {best:.1%}",
                target=floor,
                best_achievable=best,
            )
        return _choice(ok.loc[ok["mqls_per_month"].idxmax()])


def _choice(row: pd.Series) -> ThresholdChoice:
    fields = ("threshold", "mqls_per_month", "rate", "low", "high")
    return ThresholdChoice(**{name: float(row[name]) for name in fields})


def handoff_threshold(
    leads: Any,
    *,
    score: str = "score",
    from_stage: str = "mql",
    to_stage: str = "sql",
    thresholds: Any = None,
    months: int = 12,
    window_days: float | None = None,
    level: float = 0.9,
    as_of: Any = None,
    prior: tuple[float, float] = (1.0, 1.0),
) -> ThresholdCurve:
    """Volume vs acceptance rate of MQL score thresholds.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Needs the ``score`` column and the two stage columns. Leads without a score are left out.
    thresholds : array_like, optional
        Scores to evaluate; default 20 values from the lowest MQL score to the 95th percentile.
    months : int, default 12
        Complete months before ``as_of`` whose MQLs give the monthly volume.
    window_days, level, as_of, prior
        As in :func:`slaplan.conversion_rates`.

    Returns
    -------
    ThresholdCurve

    Examples
    --------
    >>> t = pd.DataFrame({"score": [40.0, 60.0, 80.0, 90.0],
    ...                   "mql_at": pd.to_datetime(["2026-01-10"] * 4),
    ...                   "sql_at": pd.to_datetime([None, None, "2026-01-12", "2026-01-13"])})
    >>> curve = handoff_threshold(t, thresholds=[40, 80], months=1, window_days=7,
    ...                           as_of="2026-02-15")
    >>> curve.frame[["threshold", "mqls_per_month", "rate"]].values.tolist()
    [[40.0, 4.0, 0.5], [80.0, 2.0, 1.0]]
    >>> curve.for_volume(3).threshold
    40.0
    """
    level = check_probability("level", level)
    months = check_count("months", months, minimum=1)
    a0, b0 = check_prior(prior)
    frame = lead_frame(leads)
    if score not in frame.columns:
        raise DataError(
            f"<DataFrame>: score column {score!r} is missing; columns present: "
            f"{list(frame.columns)}"
        )
    as_of_ts = resolve_as_of(leads, as_of)
    pairs = stage_pairs(leads, from_stage, to_stage, window_days=window_days, as_of=as_of)
    pairs = pairs.assign(score=pd.to_numeric(frame.loc[pairs.index, score]).to_numpy(float))
    pairs = pairs[pairs["score"].notna()]
    mature, horizon = mature_pairs(pairs, window_days)
    grid = _thresholds(pairs["score"].to_numpy(), thresholds)
    last_month = as_of_ts.to_period("M").start_time
    recent = pairs["cohort"].between(
        last_month - pd.DateOffset(months=months), last_month, inclusive="left"
    )
    volume = _count_at_least(pairs.loc[recent, "score"].to_numpy(), grid) / months
    total = _count_at_least(mature["score"].to_numpy(), grid)
    converted = _count_at_least(mature.loc[mature["converted"], "score"].to_numpy(), grid)
    curve = rate_columns(converted, total, prior=(a0, b0), level=level)
    curve.insert(0, "mqls_per_month", volume)
    curve.insert(0, "threshold", grid)
    curve.attrs |= {"as_of": as_of_ts, "horizon_days": horizon}
    return ThresholdCurve(frame=curve, months=months, level=level)


def _thresholds(scores: np.ndarray, thresholds: Any) -> np.ndarray:
    if thresholds is not None:
        grid = np.unique(np.asarray(thresholds, dtype=float))
        if grid.size == 0 or not np.all(np.isfinite(grid)):
            raise ValueError(f"thresholds must be finite numbers, got {thresholds!r}")
        return grid
    if scores.size == 0:
        raise DataError("<DataFrame>: no scored leads entered the stage; cannot build a curve")
    return np.unique(np.floor(np.quantile(scores, np.linspace(0, 0.95, 20))))


def _count_at_least(values: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """How many ``values`` are >= each grid point."""
    return values.size - np.searchsorted(np.sort(values), grid, side="left")
