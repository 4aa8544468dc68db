"""Pacing of an open month through the one estimate: calibrated where pro-rating is not.

Simulated worlds (independent of the kit's model code): seven months of MQLs, monthly intensity
Gamma(k=8, mean 120) (negative binomial months), arrivals uniform within each month, each MQL
becomes an SQL with probability 0.15 after a Gamma(2, 6 days) lag. As of day 12 of the seventh
month, :meth:`slaplan.FunnelEstimate.outlook` nowcasts P(SQLs dated in that month >= 18) from a
lead table holding only what had happened by then; the month then plays out. Measured here
(seed 1, 240 worlds, 1,000 draws each): mean nowcast 0.54 against a hit rate of 0.56, Brier 0.113;
bins 0–0.2: 0.06 predicted / 0.04 observed (54 worlds), 0.8–1: 0.93 / 0.96 (73 worlds).
Pro-rating ("observed / elapsed share >= target") scored Brier 0.233: its "on track" months hit
78%, its "behind" months still hit 25%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan.sla.pacing import pro_rated_projection

MONTHS, MONTH_DAYS, AS_OF_DAY, TARGET = 7, 30.0, 12.0, 18
MEAN, DISPERSION, RATE, LAG_SHAPE, LAG_SCALE = 120.0, 8.0, 0.15, 2.0, 6.0
START = pd.Timestamp("2026-01-01")


def _world(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.Timestamp, int, int]:
    """Leads as of day 12 of the last month, the month's final SQL count and its count so far."""
    months = pd.period_range(START, periods=MONTHS, freq="M")
    intensity = rng.gamma(DISPERSION, MEAN / DISPERSION, size=MONTHS)
    counts = rng.poisson(intensity)
    starts = np.repeat(months.start_time.to_numpy(), counts)
    days = np.repeat(months.days_in_month.to_numpy(), counts)
    mql = pd.to_datetime(starts) + pd.to_timedelta(rng.uniform(0, days), unit="D")
    lag = pd.to_timedelta(rng.gamma(LAG_SHAPE, LAG_SCALE, mql.size), unit="D")
    sql = pd.Series(mql + lag).where(rng.random(mql.size) < RATE)
    last = months[-1]
    as_of = last.start_time + pd.Timedelta(days=AS_OF_DAY)
    final = int(((sql >= last.start_time) & (sql < (last + 1).start_time)).sum())
    observed = int(((sql >= last.start_time) & (sql <= as_of)).sum())
    frame = pd.DataFrame({"mql_at": mql, "sql_at": sql}).where(lambda f: f <= as_of)
    frame = frame[frame["mql_at"].notna()]
    return frame, as_of, final, observed


@pytest.fixture(scope="module")
def study() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = []
    for _ in range(240):
        frame, as_of, final, observed = _world(rng)
        estimate = sp.estimate_funnel(frame, ["mql", "sql"], as_of=as_of, n_draws=1000)
        outlook = estimate.outlook("sql", pd.Period(as_of, freq="M"))
        elapsed = AS_OF_DAY / pd.Period(as_of, freq="M").days_in_month
        rows.append(
            {
                "nowcast": outlook.probability(TARGET),
                "pro_rated": pro_rated_projection(observed, elapsed) >= TARGET,
                "observed": observed,
                "seen": outlook.observed,
                "hit": final >= TARGET,
            }
        )
    return pd.DataFrame(rows)


@pytest.mark.slow
def test_outlook_of_the_open_month_counts_what_happened_so_far(study):
    assert (study["observed"] == study["seen"]).all()


@pytest.mark.slow
def test_nowcast_is_calibrated_on_simulated_months(study):
    hit = study["hit"].astype(float)
    assert abs(study["nowcast"].mean() - hit.mean()) < 0.06  # 240 worlds: se of a share ~0.032
    for low, high in [(0.0, 0.2), (0.8, 1.0)]:
        part = study[(study["nowcast"] >= low) & (study["nowcast"] < high + 1e-12)]
        if len(part) >= 30:
            assert abs(part["nowcast"].mean() - part["hit"].mean()) < 0.1
    brier = ((study["nowcast"] - hit) ** 2).mean()
    assert brier < 0.17


@pytest.mark.slow
def test_linear_pro_rating_is_worse_than_the_nowcast(study):
    hit = study["hit"].astype(float)
    nowcast = ((study["nowcast"] - hit) ** 2).mean()
    naive = ((study["pro_rated"].astype(float) - hit) ** 2).mean()
    assert naive > nowcast + 0.05


def test_pro_rated_projection_scales_by_the_elapsed_share():
    assert pro_rated_projection(20, 0.5) == 40.0
    assert pro_rated_projection(3, 0.0) == 3.0
