"""The first step shared by the funnel-health tables: mature leads and their rate with interval.

:func:`stage_pairs` gives one row per lead that entered a stage; a lead counts towards a rate
only once it has had its chance to convert (older than the maturity horizon: the conversion
window, else the p95 lag). :func:`mature_pairs` applies that rule; :func:`rate_columns` turns
converted/total counts into the ``total, converted, rate, low, high`` columns every table shows
(Beta(prior + counts) equal-tailed interval, ``rate`` NaN where ``total`` is 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan.funnel.lags import maturity_horizon_days, pair_distribution
from slaplan.plan.rates import beta_interval

__all__ = ["mature_pairs", "rate_columns"]


def mature_pairs(pairs: pd.DataFrame, window_days: float | None) -> tuple[pd.DataFrame, float]:
    """The :func:`stage_pairs` rows old enough to have converted, and that horizon in days.

    >>> pairs = pd.DataFrame({"age_days": [5.0, 40.0], "converted": [False, True],
    ...                       "lag_days": [np.nan, 3.0], "observed_days": [5.0, 30.0]})
    >>> mature, horizon = mature_pairs(pairs, 30)
    >>> len(mature), horizon
    (1, 30.0)
    """
    horizon = maturity_horizon_days(pair_distribution(pairs), window_days)
    return pairs[pairs["age_days"] >= horizon], horizon


def rate_columns(
    converted: Any, total: Any, *, prior: tuple[float, float], level: float
) -> pd.DataFrame:
    """Columns ``total, converted, rate, low, high`` from counts (prior and level validated).

    >>> rate_columns([40], [300], prior=(1.0, 1.0), level=0.9).round(4).values.tolist()
    [[300.0, 40.0, 0.1333, 0.1048, 0.1695]]
    """
    converted = np.asarray(converted)
    total = np.asarray(total)
    low, high = beta_interval(prior[0] + converted, prior[1] + total - converted, level)
    rate = np.divide(converted, total, out=np.full(total.shape, np.nan), where=total > 0)
    return pd.DataFrame(
        {"total": total, "converted": converted, "rate": rate, "low": low, "high": high}
    )
