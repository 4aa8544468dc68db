"""The target planner on the one estimate: :func:`planner_from_estimate`.

A planner made from data answers "P(N SQLs next month)" with the estimate's outlook of that month
(:meth:`slaplan.FunnelEstimate.outlook`), so it says what :func:`slaplan.check_sla` says; its
sliders then move the arrivals still to come (volume), the cap (headcount) and the target.
:class:`PlannerData` is what :class:`slaplan.Planner` holds for that; typed rates leave it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from slaplan.errors import DataError
from slaplan.plan.planner import MAX_LAG_MONTHS, Planner
from slaplan.plan.rates import ConversionRate

if TYPE_CHECKING:
    from slaplan.estimate.funnel_estimate import FunnelEstimate
    from slaplan.estimate.outlook import CountOutlook

__all__ = ["PlannerData", "funnel_inputs", "monthly_lag_pmf", "planner_from_estimate"]

_DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True, kw_only=True)
class PlannerData:
    """The estimate behind a planner: its rates, its volume, and outlooks of the planned period."""

    estimate: FunnelEstimate
    stage: str
    source: str
    period: pd.Period
    rates: tuple[ConversionRate, ...]
    volume_mean: float
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def outlook(self, capacity_per_month: float | None, volume_scale: float) -> CountOutlook:
        """The outlook at a cap and a volume scale (kept: sliders come back to old values)."""
        key = (capacity_per_month, round(float(volume_scale), 9))
        if key not in self._cache:
            self._cache[key] = self.estimate.outlook(
                self.stage,
                self.period,
                source=self.source,
                capacity_per_month=capacity_per_month,
                volume_scale=volume_scale,
            )
        return self._cache[key]


def monthly_lag_pmf(cdf, *, max_months: int = MAX_LAG_MONTHS) -> np.ndarray:
    """Share of conversions in the same month-length (0), the next (1), ... from a lag CDF.

    Months are 30.44 days; longer lags count in the last month.

    >>> monthly_lag_pmf(lambda d: np.clip(np.asarray(d) / 60.0, 0, 1), max_months=3).round(3)
    array([0.507, 0.493, 0.   , 0.   ])
    """
    edges = np.arange(1, max_months + 1) * _DAYS_PER_MONTH
    cumulative = np.clip(np.asarray(cdf(edges), dtype=float), 0.0, 1.0)
    pmf = np.diff(np.concatenate([[0.0], np.maximum.accumulate(cumulative), [1.0]]))
    return pmf / pmf.sum()


def planner_from_estimate(
    estimate: FunnelEstimate, *, target: int | None = None, period: Any = None, **kwargs: Any
) -> Planner:
    """A :class:`slaplan.Planner` on the estimate's stages, for ``period`` (default: next month).

    Raises
    ------
    DataError
        When the first stage's volume or a transition is insufficient (the reason is named).
    """
    stages = estimate.stages
    period = pd.Period(estimate.as_of, freq="M") + 1 if period is None else pd.Period(period, "M")
    volume = estimate.volume(stages[0])
    if not volume.sufficient:
        raise DataError(f"insufficient data for a plan: {volume.reason}")
    transitions = [estimate.transition(a, b) for a, b in itertools.pairwise(stages)]
    for transition in transitions:
        if not transition.sufficient:
            raise DataError(f"insufficient data for a plan: {transition.name}: {transition.reason}")
    model = volume.volume_model(period)
    rates = tuple(t.predictive for t in transitions)
    data = None
    if len(stages) == 2:
        data = PlannerData(
            estimate=estimate,
            stage=stages[1],
            source=stages[0],
            period=period,
            rates=rates,
            volume_mean=model.mean,
        )
    if target is None:
        expected = (
            data.outlook(None, 1.0).expected
            if data is not None
            else model.mean * float(np.prod([r.mean for r in rates]))
        )
        target = round(expected)
    kwargs.setdefault("lags", tuple(monthly_lag_pmf(t.lags.cdf_at) for t in transitions))
    kwargs.setdefault("seed", estimate.seed)
    return Planner(
        volume=model, rates=rates, stages=stages, target=int(target), data=data, **kwargs
    )


def funnel_inputs(
    leads: Any,
    stages: Any,
    *,
    as_of: Any = None,
    segment: str | None = None,
    seed: int = 0,
    max_lag_months: int = MAX_LAG_MONTHS,
) -> tuple[tuple[ConversionRate, ...], tuple[np.ndarray, ...]]:
    """Rates and whole-month lag pmfs for a chain of stages, from the one estimate.

    Each rate is the transition's rate of a new cohort (current regime, its uncertainty and
    month-to-month spread); each lag pmf the transition's lag distribution in months. For
    :func:`slaplan.forecast_stage` and typed planning.

    Raises
    ------
    DataError
        A transition with insufficient data (named, with the reason).

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> rates, lags = sp.funnel_inputs(t, ["mql", "sql"])
    >>> round(rates[0].mean, 2), len(lags[0])
    (0.13, 7)
    """
    from slaplan.estimate.funnel_estimate import estimate_funnel

    estimate = estimate_funnel(leads, stages, segment=segment, as_of=as_of, seed=seed)
    rates, lags = [], []
    for a, b in itertools.pairwise(estimate.stages):
        transition = estimate.transition(a, b)
        if not transition.sufficient:
            raise DataError(f"insufficient data: {transition.name}: {transition.reason}")
        rates.append(transition.predictive)
        lags.append(monthly_lag_pmf(transition.lags.cdf_at, max_months=max_lag_months))
    return tuple(rates), tuple(lags)
