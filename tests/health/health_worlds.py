"""Simulated lead worlds with known eventual conversion, for the immature-cohort studies.

Not a test module: a generator shared by the tests of :mod:`tests.health`. Each world has
``months`` monthly MQL cohorts (Poisson volume), a cohort rate drawn around a world rate, and
log-normal MQL -> SQL lags; the truth is each cohort's *realised* eventual share (every lead
followed forever), the naive share is what had converted by ``as_of`` (the end of the last month).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

START = pd.Timestamp("2024-01-01")


def simulate_world(
    rng: np.random.Generator,
    *,
    months: int = 24,
    leads_per_month: float = 300.0,
    lag_median_days: float = 21.0,
    lag_sigma: float = 0.9,
    cohort_strength: float = 200.0,
) -> tuple[pd.DataFrame, pd.Timestamp, np.ndarray]:
    """One world: (canonical frame with mql_at / sql_at, as_of, true eventual share per cohort)."""
    world_rate = rng.uniform(0.08, 0.25)
    cohort_rate = rng.beta(world_rate * cohort_strength, (1 - world_rate) * cohort_strength, months)
    sizes = rng.poisson(leads_per_month, months)
    cohort = np.repeat(np.arange(months), sizes)
    month_start = pd.DatetimeIndex(
        [START + pd.DateOffset(months=int(m)) for m in range(months + 1)]
    )
    month_days = np.diff(month_start.to_numpy()).astype("timedelta64[s]").astype(float) / 86400
    offset_days = rng.uniform(0, 1, cohort.size) * month_days[cohort]
    mql_at = month_start[cohort] + pd.to_timedelta(offset_days, unit="D")
    converts = rng.uniform(size=cohort.size) < cohort_rate[cohort]
    lag_days = lag_median_days * np.exp(lag_sigma * rng.standard_normal(cohort.size))
    sql_at = mql_at + pd.to_timedelta(np.where(converts, lag_days, np.nan), unit="D")
    frame = pd.DataFrame({"lead_id": np.arange(cohort.size), "mql_at": mql_at, "sql_at": sql_at})
    truth = np.bincount(cohort, weights=converts, minlength=months) / sizes
    return frame, month_start[-1], truth
