"""One period's inputs to the count engine, read off the estimate's pieces.

For a period ``[start, end)`` and an ``as_of``: the open leads of a transition with the share of
their chance already had and the share that falls in the period (:func:`pending_leads`), and the
arrivals of the feeding stage still to come by month, with the share of each month left and the
chance that an arrival converts inside the period (:func:`future_arrivals`). The engine itself is
:func:`slaplan.estimate.outlook.count_outlook`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan.estimate.calendar_shares import arrival_slots, in_period_share, month_bounds
from slaplan.estimate.outlook import FutureArrivals, PendingLeads
from slaplan.estimate.transitions import Transition
from slaplan.estimate.volumes import StageVolume

__all__ = ["future_arrivals", "pending_leads"]

_DAY_NS = 86_400 * 10**9


def pending_leads(transition: Transition, period: pd.Period) -> PendingLeads:
    """The transition's open leads that may convert in ``period`` and their chances, as of the
    transition's ``as_of``.

    The others (a lead past the longest lag seen before the period starts has nothing left in
    it) would only count zeros: they are left out.
    """
    start, end = month_bounds(period)
    open_leads = transition.open_leads
    cdf = transition.lags.cdf_at
    from_ns = max(start, transition.as_of).value
    knots = transition.lags.knots
    longest = int(np.ceil(knots[-1] * _DAY_NS)) + 1 if knots.size else 0
    near = open_leads.entered_after(from_ns - longest)  # from_ns - entered < longest
    entered = open_leads.entered_all[open_leads.rows[near]]
    since = (from_ns - entered) / _DAY_NS
    until = (end.value - entered) / _DAY_NS
    in_period = np.clip(cdf(until) - np.maximum(cdf(since), open_leads.completed[near]), 0.0, 1.0)
    in_period = in_period * open_leads.scale_of(near)
    return PendingLeads(
        cohort=open_leads.cohort[near],
        completed=open_leads.completion_of(near),
        in_period=in_period,
        converted=transition.counts.converted,
        effective=transition.counts.effective,
    )


def future_arrivals(
    volume: StageVolume,
    transition: Transition | None,
    period: pd.Period,
    as_of: pd.Timestamp,
    *,
    capacity: float | None = None,
    volume_scale: float = 1.0,
) -> FutureArrivals:
    """The feeding stage's arrivals after ``as_of`` that may convert in ``period``, by month.

    Without a transition the counted stage is the feeding one (a step lag at 0).
    """
    start, end = month_bounds(period)
    months = pd.period_range(volume.months[0], pd.Period(end - pd.Timedelta(1, "ns"), "M"))
    cdf = _step if transition is None else transition.lags.cdf_at
    cohort_of = (
        {}
        if transition is None
        else {pd.Timestamp(c): i for i, c in enumerate(transition.counts.cohort)}
    )
    last = max(cohort_of.values(), default=-1)
    last_month = pd.Period(max(cohort_of), "M") if cohort_of else None
    remaining, inside, cohort, position = [], [], [], []
    for month in months:
        m_start, m_end = month_bounds(month)
        slots, weights = arrival_slots(max(m_start, as_of), m_end, volume.weekday)
        _, all_weights = arrival_slots(m_start, m_end, volume.weekday)
        remaining.append(weights.sum() / all_weights.sum() if all_weights.sum() else 0.0)
        inside.append(in_period_share(slots, weights, start, end, cdf))
        cohort.append(cohort_of.get(m_start, -1))
        after = 0 if last_month is None else (month - last_month).n
        position.append(cohort[-1] if cohort[-1] >= 0 else last + after)
    return FutureArrivals(
        intensity=volume.month_draws(months) * volume_scale,
        remaining=np.asarray(remaining),
        in_period=np.asarray(inside),
        cohort=np.asarray(cohort, dtype=int),
        position=np.asarray(position, dtype=int),
        capacity=None if capacity is None else np.full(len(months), float(capacity)),
    )


def _step(days: Any) -> np.ndarray:
    return (np.asarray(days, dtype=float) >= 0).astype(float)
