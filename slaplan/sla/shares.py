"""The share of a period's cohort: what ``rate`` and ``response_time`` commitments measure.

A *share* commitment looks at the leads entering a stage in a period (the cohort) and counts the
*successes*: reaching ``to_stage`` within ``window_days`` (``rate``), or a first touch within
``within_business_hours`` on the SLA's clock (``response_time``). At a given ``as_of`` each lead
is a success, a failure (its window or deadline has passed) or still pending.

* :func:`share_counts` — (successes, leads, settled) of one period, as tracking reports it;
* :func:`share_leads` — the same per lead, with the elapsed time of pending leads and the lag
  of successes (days for rates, business hours for response time), for pacing;
* :func:`settled_share_prior` — the Beta spread of the share over the last settled months,
  shared by the attainability check and the pacing nowcast.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slaplan.funnel.pooling import fit_beta_prior
from slaplan.sla.spec import Commitment

__all__ = [
    "HISTORY_MONTHS",
    "MIN_SETTLED_MONTHS",
    "settled_share_prior",
    "share_counts",
    "share_leads",
]


HISTORY_MONTHS = 12
"""Settled months a share's month-to-month spread is read from."""
MIN_SETTLED_MONTHS = 3
"""Settled months needed before a share's spread is evidence (below: insufficient data)."""


def share_counts(
    commitment: Commitment,
    frame: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    as_of: pd.Timestamp,
    calendar=None,
) -> tuple[int, int, bool]:
    """(successes, leads, settled) of a ``rate`` or ``response_time`` commitment in a period.

    ``rate``: of the leads entering ``from_stage`` in ``[start, end)``, those reaching
    ``to_stage`` within the window; settled once the window has passed for all of them.
    ``response_time``: of the leads entering ``stage``, those first touched within the
    business-hours limit; a lead still untouched counts as a miss once its deadline has passed,
    before that it is undecided and left out (the period is then not settled).
    """
    if commitment.metric == "rate":
        entered = frame[f"{commitment.from_stage}_at"]
        reached = frame[f"{commitment.to_stage}_at"]
        cohort = (entered >= start) & (entered < end)
        converted = reached[cohort].notna()
        window = pd.Timedelta(days=commitment.window_days) if commitment.window_days else None
        if window is not None:
            converted &= (reached[cohort] - entered[cohort]) <= window
        settled = window is not None and end + window <= as_of
        return int(converted.sum()), int(cohort.sum()), bool(settled)
    leads = share_leads(commitment, frame, start, end, as_of, calendar)
    if leads.empty:
        return 0, 0, True
    decided = leads["success"] | leads["failure"]
    return int(leads["success"].sum()), int(decided.sum()), bool(decided.all())


def share_leads(
    commitment: Commitment,
    frame: pd.DataFrame,
    start: pd.Timestamp,
    end: pd.Timestamp,
    as_of: pd.Timestamp,
    calendar=None,
) -> pd.DataFrame:
    """One row per cohort lead: ``success``, ``failure``, ``elapsed`` and ``lag`` at ``as_of``.

    ``elapsed`` is the time since the lead entered the stage, ``lag`` the time to its success
    (NaN otherwise): days for ``rate``, business hours for ``response_time``. A lead that is
    neither success nor failure is pending. ``rate`` needs ``window_days``.
    """
    stage = commitment.from_stage if commitment.metric == "rate" else commitment.stage
    entered = frame[f"{stage}_at"]
    stamps = entered[(entered >= start) & (entered < end) & (entered <= as_of)]
    if commitment.metric == "rate":
        limit = float(commitment.window_days)
        reached = frame.loc[stamps.index, f"{commitment.to_stage}_at"]
        lag = ((reached - stamps) / pd.Timedelta(days=1)).clip(lower=0.0)
        elapsed = (as_of - stamps) / pd.Timedelta(days=1)
        success = lag.notna() & (lag <= limit)
    else:
        limit = float(commitment.within_business_hours)
        touched = frame.loc[stamps.index, "first_touch_at"]
        deadline = pd.Series(calendar.add_business_hours(stamps, limit), index=stamps.index)
        success = touched.notna() & (touched <= deadline)  # a touch before the stamp counts
        lag = calendar.business_hours_between(stamps, touched.where(touched >= stamps, stamps))
        elapsed = calendar.business_hours_between(stamps, pd.Series(as_of, index=stamps.index))
    lag = pd.Series(np.asarray(lag, float), index=stamps.index)
    elapsed = pd.Series(np.asarray(elapsed, float), index=stamps.index)
    return pd.DataFrame(
        {
            "success": success,
            "failure": ~success & (elapsed >= limit),
            "elapsed": elapsed,
            "lag": lag.where(success),
        }
    )


def settled_share_prior(
    commitment: Commitment,
    frame: pd.DataFrame,
    before: pd.Period,
    as_of: pd.Timestamp,
    calendar=None,
) -> tuple[tuple[float, float], int]:
    """Beta ``(a, b)`` of a month's share from the last 12 settled months before ``before``.

    Returns the prior and the number of settled months it rests on (0: a flat Beta(1, 1)).
    """
    months = pd.period_range(end=before - 1, periods=HISTORY_MONTHS + 3, freq="M")
    counts = [
        share_counts(commitment, frame, m.start_time, (m + 1).start_time, as_of, calendar)
        for m in months
    ]
    settled = np.array([(s, n) for s, n, done in counts if done and n > 0][-HISTORY_MONTHS:])
    if settled.size == 0:
        return (1.0, 1.0), 0
    return fit_beta_prior(settled[:, 0].astype(int), settled[:, 1].astype(int)), len(settled)
