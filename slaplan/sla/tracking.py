"""Tracking an SLA: actual vs commitment per period, and pacing of the open period.

:func:`track_sla` measures every commitment in every SLA period from the effective start to
``as_of`` with the same rules the SLA states (count of stage entries, cohort conversion within
the window, share touched within the business-hours limit, leads worked) and, for the period
still open, the **pacing nowcast**: P(the commitment is met by the period's end) from what has
happened so far, the leads still in the pipeline (lag distribution) and the arrivals still to
come — with the naive projection beside it. Counts use :mod:`slaplan.sla.pacing` (exact), shares
(``rate``, ``response_time``) :mod:`slaplan.sla.share_pacing` (Beta posterior of the period's
share from the leads decided and pending so far, with the settled months as prior).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slaplan.estimate.calendar_shares import elapsed_share
from slaplan.estimate.funnel_estimate import FIRST_TOUCH, FunnelEstimate, Insufficient
from slaplan.sla import pacing
from slaplan.sla._data import censored_frame, event_column, period_range, segment_frame
from slaplan.sla._inputs import SlaEstimates, check_period
from slaplan.sla.check import effective_commitment
from slaplan.sla.share_pacing import ShareNowcast, nowcast_share
from slaplan.sla.shares import (
    MIN_SETTLED_MONTHS,
    settled_share_prior,
    share_counts,
    share_leads,
)
from slaplan.sla.spec import SLA, Commitment

__all__ = ["PeriodPacing", "measure_period", "pace_period", "pace_share", "track_sla"]

_HISTORY_MONTHS = 12
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True, kw_only=True)
class PeriodPacing:
    """Pacing of one commitment in its open period (:func:`pace_period`, :func:`pace_share`)."""

    commitment_id: str
    period: pd.Period
    elapsed_share: float  # share of the period's expected arrivals already past
    source_rate: float  # counts: eventual conversion of source leads; shares: the share's mean
    nowcast: pacing.PacingNowcast | ShareNowcast


def track_sla(
    sla: SLA, leads: Any, *, as_of: Any = None, seed: int = 0, estimates: SlaEstimates | None = None
) -> pd.DataFrame:
    """Actual vs commitment per SLA period, with a pacing nowcast for the open period.

    Parameters
    ----------
    sla : SLA
        From :func:`slaplan.load_sla`.
    leads : LeadTable or DataFrame
        Loaded leads (canonical columns).
    as_of : date-like, optional
        The "today" of the review; later events are treated as not yet happened. Default: the
        table's ``as_of``, else its latest timestamp; a date means the end of that day.
    seed : int
        Seed of the pacing draws.
    estimates : SlaEstimates, optional
        The estimates of a check made on the same data and ``as_of`` (shared by the review).

    Returns
    -------
    DataFrame
        Index ``(period, commitment)``; columns ``owner``, ``metric``, ``segment``, ``target``,
        ``actual``, ``met`` (nullable boolean: NA while the period is open or its cohort still
        maturing), ``status`` (``closed``, ``open``, ``maturing``), and for the open period
        ``elapsed_share``, ``pacing_probability`` (P(met by period end); for a ``rate`` commitment
        only with a ``window_days``),
        ``expected`` (nowcast mean of the final value), ``pro_rated`` (counts: linear projection;
        shares: the share measured so far) and
        ``pro_rated_on_track``. ``attrs["as_of"]`` holds ``as_of``.

    Examples
    --------
    >>> import slaplan as sp
    >>> sla = sp.load_sla(sp.samples_dir() / "sla.yaml")  # doctest: +SKIP
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")  # doctest: +SKIP
    >>> sp.track_sla(sla, t, as_of="2026-11-15").xs("2026-11", level="period")  # doctest: +SKIP
    """
    frame, as_of_ts = censored_frame(leads, as_of)
    if estimates is None:
        upcoming = check_period(None, as_of=as_of_ts, period_months=sla.period_months)
        estimates = SlaEstimates(sla, leads, as_of=as_of_ts, period=upcoming, seed=seed)
    periods = period_range(sla, frame, as_of_ts)
    calendar = sla.hours
    rows = []
    for commitment in sla.commitments:
        part = segment_frame(frame, commitment.segment)
        estimate = estimates.segment(commitment.segment)
        measured = effective_commitment(commitment, estimate)
        for period in periods:
            row = measure_period(measured, part, period, as_of_ts, calendar)
            if row["status"] == "open":
                paced = _pace(sla, measured, estimate, part, period, as_of_ts)
                row |= _pacing_columns(paced)
            rows.append(_labels(commitment, period) | row)
    table = pd.DataFrame(rows, columns=_COLUMNS)
    table["met"] = table["met"].astype("boolean")
    table = table.set_index(["period", "commitment"])
    table.attrs["as_of"] = as_of_ts
    return table


_COLUMNS = [
    "period", "commitment", "owner", "metric", "segment", "target", "actual", "met", "status",
    "elapsed_share", "pacing_probability", "expected", "pro_rated", "pro_rated_on_track",
]  # fmt: skip


def _labels(commitment: Commitment, period: pd.Period) -> dict[str, Any]:
    return {
        "period": period,
        "commitment": commitment.id,
        "owner": commitment.owner,
        "metric": commitment.metric,
        "segment": commitment.segment or "all",
        "target": commitment.target,
    }


def _bounds(period: pd.Period) -> tuple[pd.Timestamp, pd.Timestamp]:
    return period.start_time, (period + 1).start_time


def measure_period(
    commitment: Commitment, frame: pd.DataFrame, period: pd.Period, as_of: pd.Timestamp, calendar
) -> dict[str, Any]:
    """``actual``, ``met`` and ``status`` of a commitment in one period (``frame`` censored)."""
    start, end = _bounds(period)
    is_open = as_of < end
    if commitment.metric == "rate":
        actual, settled = _cohort_rate(commitment, frame, start, end, as_of)
    elif commitment.metric == "response_time":
        actual, settled = _response_share(commitment, frame, start, end, as_of, calendar)
    else:
        times = frame[event_column(commitment)]
        if commitment.metric == "worked":
            times = times[frame[f"{commitment.stage}_at"].notna()]
        actual, settled = float(((times >= start) & (times < end)).sum()), True
    status = "open" if is_open else ("closed" if settled else "maturing")
    met = pd.NA if status != "closed" or np.isnan(actual) else bool(actual >= commitment.target)
    return {"actual": actual, "met": met, "status": status}


def _cohort_rate(commitment, frame, start, end, as_of) -> tuple[float, bool]:
    converted, total, settled = share_counts(commitment, frame, start, end, as_of)
    return (converted / total if total else float("nan")), settled


def _response_share(commitment, frame, start, end, as_of, calendar) -> tuple[float, bool]:
    within, decided, settled = share_counts(commitment, frame, start, end, as_of, calendar)
    return (within / decided if decided else float("nan")), settled


def pace_period(
    sla: SLA, commitment: Commitment, estimate: FunnelEstimate, period: pd.Period
) -> PeriodPacing | None:
    """Nowcast of a count commitment in the open ``period`` from the one estimate.

    The count so far, the leads already in the pipeline that will convert before the period
    ends and the arrivals still to come (:meth:`slaplan.FunnelEstimate.outlook`); None when the
    data are insufficient (the row then carries no pacing).
    """
    if commitment.metric == "worked":
        stage, source = FIRST_TOUCH, commitment.stage
    else:
        stage, source = commitment.stage, estimate.source_of(commitment.stage)
    outlook = estimate.outlook(stage, period, source=source)
    if isinstance(outlook, Insufficient):
        return None
    start, end = _bounds(period)
    weights = estimate.volume(source).weekday
    elapsed = elapsed_share(max(start, estimate.data_start), end, estimate.as_of, weights)
    projection = pacing.pro_rated_projection(outlook.observed, elapsed)
    nowcast = pacing.PacingNowcast(
        probability=outlook.probability(commitment.target),
        expected=outlook.expected,
        observed=outlook.observed,
        pending_expected=outlook.pending_expected,
        future_expected=outlook.future_expected,
        pro_rated=projection,
        pro_rated_on_track=bool(projection >= commitment.target),
    )
    return PeriodPacing(
        commitment_id=commitment.id,
        period=period,
        elapsed_share=elapsed,
        source_rate=_source_rate(estimate, source, stage),
        nowcast=nowcast,
    )


def _source_rate(estimate: FunnelEstimate, source: str, stage: str) -> float:
    if source == stage:
        return 1.0
    transition = estimate.transition(source, stage)
    return transition.posterior.mean if transition.sufficient else float("nan")


def _pace(sla, commitment, estimate, frame, period, as_of) -> PeriodPacing | None:
    if isinstance(estimate, Insufficient):
        return None
    if commitment.is_count:
        return pace_period(sla, commitment, estimate, period)
    if commitment.metric == "rate" and not commitment.window_days:
        return None  # no conversions yet to learn the data's own window from
    return pace_share(sla, commitment, frame, period, as_of, estimate=estimate)


def pace_share(
    sla: SLA,
    commitment: Commitment,
    frame: pd.DataFrame,
    period: pd.Period,
    as_of: pd.Timestamp,
    *,
    estimate: FunnelEstimate,
) -> PeriodPacing | None:
    """Nowcast of a ``rate`` or ``response_time`` commitment in the open ``period``.

    The period's leads so far are successes, failures or pending (:func:`share_leads`); the
    share's prior is the estimate's rate of a new cohort within the window (``rate``) or the
    spread of the last settled months (``response_time``); the lags of successes give the
    completion of pending leads, the estimate's volume the arrivals still to come. The model is
    in :mod:`slaplan.sla.share_pacing`. None when the data are insufficient.
    """
    start, end = _bounds(period)
    stage = commitment.from_stage if commitment.metric == "rate" else commitment.stage
    calendar = sla.hours if commitment.metric == "response_time" else None
    prior = _share_prior(commitment, estimate, frame, start, as_of, calendar)
    volume = estimate.volume(stage)
    if prior is None or not volume.sufficient:
        return None
    now = share_leads(commitment, frame, start, end, as_of, calendar)
    history = share_leads(commitment, frame, start - pd.DateOffset(months=_HISTORY_MONTHS),
                          start, as_of, calendar)  # fmt: skip
    limit = commitment.window_days or commitment.within_business_hours
    full_window = history["elapsed"] >= limit  # younger leads show only their short lags
    lags = np.sort(history.loc[full_window, "lag"].dropna().to_numpy())
    pending = now.loc[~now["success"] & ~now["failure"], "elapsed"].to_numpy()
    completion = np.searchsorted(lags, pending, side="right") / max(lags.size, 1)
    elapsed = elapsed_share(start, end, as_of, volume.weekday)
    shape, mean = _arrivals_to_come(volume, period, elapsed)
    successes, failures = int(now["success"].sum()), int(now["failure"].sum())
    # what tracking shows so far: rates over the whole cohort, response over decided leads
    measured = len(now) if commitment.metric == "rate" else successes + failures
    nowcast = nowcast_share(
        target=commitment.target,
        successes=successes,
        failures=failures,
        naive_share=successes / measured if measured else float("nan"),
        pending_completion=completion,
        prior=prior,
        future_shape=shape,
        future_mean=mean,
    )
    return PeriodPacing(
        commitment_id=commitment.id,
        period=period,
        elapsed_share=elapsed,
        source_rate=nowcast.share_mean,
        nowcast=nowcast,
    )


def _share_prior(commitment, estimate, frame, start, as_of, calendar):
    """Beta prior of this period's share, or None without the data to support one."""
    if commitment.metric == "rate":
        transition = estimate.transition(
            commitment.from_stage, commitment.to_stage, window_days=commitment.window_days
        )
        if not transition.sufficient:
            return None
        rate = transition.predictive
        return (rate.alpha, rate.beta) if not rate.is_fixed else (1e6 * rate.mean, 1e6)
    prior, settled = settled_share_prior(
        commitment, frame, pd.Period(start, freq="M"), as_of, calendar
    )
    return prior if settled >= MIN_SETTLED_MONTHS else None


def _arrivals_to_come(volume, period: pd.Period, elapsed: float) -> tuple[float, float]:
    """Negative binomial (shape, mean) of the stage's arrivals in the rest of the period."""
    months = pd.period_range(period.start_time, period.end_time, freq="M")
    counts = volume.month_draws(months).sum(axis=1) * (1 - elapsed)
    mean, variance = float(counts.mean()), float(counts.var())
    if variance <= 1e-9 or mean <= 0:
        return np.inf, max(mean, 0.0)
    return mean**2 / variance, mean


def _pacing_columns(paced: PeriodPacing | None) -> dict[str, Any]:
    if paced is None:
        return {}
    now = paced.nowcast
    return {
        "elapsed_share": paced.elapsed_share,
        "pacing_probability": now.probability,
        "expected": now.expected,
        "pro_rated": now.pro_rated,
        "pro_rated_on_track": now.pro_rated_on_track,
    }
