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

from slaplan.funnel.lags import maturity_horizon_days, pair_distribution
from slaplan.funnel.pairs import stage_pairs
from slaplan.plan.volume import VolumeModel
from slaplan.sla import pacing
from slaplan.sla._data import (
    censored_frame,
    event_column,
    monthly_counts,
    period_range,
    segment_frame,
    source_column,
    weekday_weights,
)
from slaplan.sla.share_pacing import ShareNowcast, nowcast_share
from slaplan.sla.shares import settled_share_prior, share_counts, share_leads
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


def track_sla(sla: SLA, leads: Any, *, as_of: Any = None) -> pd.DataFrame:
    """Actual vs commitment per SLA period, with a pacing nowcast for the open period.

    Parameters
    ----------
    sla : SLA
        From :func:`slaplan.load_sla`.
    leads : LeadTable or DataFrame
        Loaded leads (canonical columns).
    as_of : date-like, optional
        The "today" of the review; later events are ignored. Default: latest timestamp.

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
    periods = period_range(sla, frame, as_of_ts)
    calendar = sla.hours
    rows = []
    for commitment in sla.commitments:
        part = segment_frame(frame, commitment.segment)
        for period in periods:
            row = measure_period(commitment, part, period, as_of_ts, calendar)
            if row["status"] == "open":
                row |= _pacing_columns(_pace(sla, commitment, part, period, as_of_ts))
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
    sla: SLA, commitment: Commitment, frame: pd.DataFrame, period: pd.Period, as_of: pd.Timestamp
) -> PeriodPacing:
    """Nowcast of a count commitment in the open ``period`` (``frame`` censored at ``as_of``).

    The counted events are fed by *source* leads (SQLs by MQLs, worked MQLs by MQLs): the
    eventual conversion and its lag distribution come from the source leads' history
    (truncation-corrected, :func:`slaplan.funnel.pairs.stage_pairs`), the arrivals still to come
    from a volume model fitted to the last 12 complete months, updated with this period's
    arrivals so far.
    """
    start, end = _bounds(period)
    source = source_column(commitment, sla.stage_names)
    target = event_column(commitment)
    counted = (frame[target] >= start) & (frame[target] <= as_of)
    if commitment.metric == "worked":  # a first touch counts only for leads at the stage
        counted &= frame[source].notna()
    observed = int(counted.sum())
    weights = weekday_weights(frame[source])
    elapsed = _elapsed_share(start, end, as_of, weights)
    remaining_days = (end - as_of) / _DAY
    if source == target:  # the first funnel stage: only arrivals to come
        rate, lag_cdf, pending = 1.0, (lambda days: np.ones_like(np.asarray(days, float))), []
    else:
        pairs = stage_pairs(frame, source[:-3], target[:-3], as_of=as_of)
        lags = pair_distribution(pairs)
        rate = _eventual_rate(pairs, maturity_horizon_days(lags, None))
        lag_cdf = lags.cdf_at
        still_open = pairs.loc[~pairs["converted"], "age_days"].to_numpy()
        pending = pacing.pending_conversion_probabilities(still_open, remaining_days, rate, lag_cdf)
    shape, mean = _arrivals_to_come(sla, frame[source], start, as_of, elapsed)
    offsets, slot_weights = _future_slots(as_of, end, weights)
    in_time = pacing.future_conversion_share(offsets, slot_weights, rate, lag_cdf)
    nowcast = pacing.nowcast_count(
        target=commitment.target,
        observed=observed,
        pending_probabilities=np.asarray(pending)[np.asarray(pending) > 1e-12],
        future_shape=shape,
        future_mean=mean * in_time,
        elapsed_share=elapsed,
    )
    return PeriodPacing(
        commitment_id=commitment.id,
        period=period,
        elapsed_share=elapsed,
        source_rate=rate,
        nowcast=nowcast,
    )


def _pace(sla, commitment, frame, period, as_of) -> PeriodPacing | None:
    if commitment.is_count:
        return pace_period(sla, commitment, frame, period, as_of)
    if commitment.metric == "rate" and not commitment.window_days:
        return None  # "ever converts" never settles: no history of final shares to learn from
    return pace_share(sla, commitment, frame, period, as_of)


def pace_share(
    sla: SLA, commitment: Commitment, frame: pd.DataFrame, period: pd.Period, as_of: pd.Timestamp
) -> PeriodPacing:
    """Nowcast of a ``rate`` or ``response_time`` commitment in the open ``period``.

    The period's leads so far are successes, failures or pending (:func:`share_leads`); the
    share's prior is the spread of the last settled months, the lags of their successes give
    the completion of pending leads, and the arrivals still to come are those of
    :func:`pace_period`. The model is in :mod:`slaplan.sla.share_pacing`.
    """
    start, end = _bounds(period)
    stage = commitment.from_stage if commitment.metric == "rate" else commitment.stage
    calendar = sla.hours if commitment.metric == "response_time" else None
    now = share_leads(commitment, frame, start, end, as_of, calendar)
    prior, _ = settled_share_prior(commitment, frame, pd.Period(start, freq="M"), as_of, calendar)
    history = share_leads(commitment, frame, start - pd.DateOffset(months=_HISTORY_MONTHS),
                          start, as_of, calendar)  # fmt: skip
    limit = commitment.window_days or commitment.within_business_hours
    full_window = history["elapsed"] >= limit  # younger leads show only their short lags
    lags = np.sort(history.loc[full_window, "lag"].dropna().to_numpy())
    pending = now.loc[~now["success"] & ~now["failure"], "elapsed"].to_numpy()
    completion = np.searchsorted(lags, pending, side="right") / max(lags.size, 1)
    weights = weekday_weights(frame[f"{stage}_at"])
    elapsed = _elapsed_share(start, end, as_of, weights)
    shape, mean = _arrivals_to_come(sla, frame[f"{stage}_at"], start, as_of, elapsed)
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


def _eventual_rate(pairs: pd.DataFrame, horizon_days: float) -> float:
    """Conversion of source leads old enough to have converted (age >= the p95 lag)."""
    mature = pairs[pairs["age_days"] >= max(horizon_days, 1.0)]
    if mature.empty:
        mature = pairs
    return float((mature["converted"].sum() + 1) / (len(mature) + 2))  # Beta(1, 1) mean


def _elapsed_share(start, end, as_of, weights: np.ndarray) -> float:
    """Share of the period's expected arrivals already past, by weekday intensity."""
    days = pd.date_range(start, end - _DAY, freq="D")
    day_weight = weights[days.day_of_week]
    past = np.asarray(days + _DAY <= as_of)
    today = np.asarray(days <= as_of) & ~past
    fraction = (as_of - as_of.normalize()) / _DAY
    done = day_weight[past].sum() + day_weight[today].sum() * fraction
    return float(np.clip(done / day_weight.sum(), 0.0, 1.0)) if day_weight.sum() > 0 else 1.0


def _future_slots(as_of, end, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Future arrival slots (days before the period end) and their relative intensity."""
    slots = pd.date_range(as_of, end, freq="6h", inclusive="left")
    if len(slots) == 0:
        return np.zeros(1), np.zeros(1)
    offsets = ((end - slots) / _DAY).to_numpy(dtype=float)
    return offsets, weights[slots.day_of_week]


def _arrivals_to_come(sla: SLA, source_times, start, as_of, elapsed) -> tuple[float, float]:
    """Negative binomial (shape, mean) of source arrivals in the rest of the period."""
    history = monthly_counts(source_times, end=start, months=_HISTORY_MONTHS)
    arrived = int(((source_times >= start) & (source_times <= as_of)).sum())
    if len(history) < 3:
        return np.inf, arrived * (1 - elapsed) / max(elapsed, 1e-9)
    model = VolumeModel.fit(history.to_numpy())
    months = sla.period_months  # a quarter is the sum of three months
    return pacing.remaining_arrivals(
        period_mean=model.mean * months,
        dispersion=model.dispersion * months,
        arrived=arrived,
        elapsed_share=elapsed,
    )


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
