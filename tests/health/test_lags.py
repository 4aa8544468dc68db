"""Lag distributions: Lynden-Bell estimator, stage pairs, lag summaries, maturity curves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slaplan.errors import DataError
from slaplan.funnel.lags import (
    LagDistribution,
    conversion_by_lag,
    lag_summary,
    maturity_horizon_days,
    truncated_lag_cdf,
)
from slaplan.funnel.pairs import stage_pairs


def test_without_truncation_the_estimator_is_the_empirical_cdf():
    # closed form: with every limit beyond every lag, Lynden-Bell reduces to the ECDF
    lags = np.array([3.0, 1.0, 2.0, 2.0, 7.0])
    dist = truncated_lag_cdf(lags, np.full(5, 100.0))
    x = np.array([0.0, 1.0, 2.0, 5.0, 7.0, 50.0])
    np.testing.assert_allclose(dist.cdf_at(x), [(lags <= v).mean() for v in x])
    assert dist.quantile(0.5) == 2.0 and dist.quantile(0.95) == 7.0


def test_truncation_correction_recovers_exponential_lags():
    # independent simulation: exponential lags (mean 20 d) seen only if lag <= age, ages U(0, 120);
    # the naive ECDF of the seen lags is biased short, Lynden-Bell recovers 1 - exp(-x / 20)
    rng = np.random.default_rng(7)
    lag = rng.exponential(20.0, 200_000)
    age = rng.uniform(0, 120, lag.size)
    seen = lag <= age
    dist = truncated_lag_cdf(lag[seen], age[seen])
    x = np.array([5.0, 20.0, 40.0, 60.0])
    truth = 1 - np.exp(-x / 20.0)
    np.testing.assert_allclose(dist.cdf_at(x), truth, atol=0.01)
    naive = np.array([(lag[seen] <= v).mean() for v in x])
    assert np.all(naive - truth > 0.02)  # the bias the correction removes


@given(st.lists(st.tuples(st.floats(0, 100), st.floats(0, 100)), min_size=1, max_size=40))
def test_property_cdf_is_monotone_in_unit_interval(pairs):
    lag = np.array([p[0] for p in pairs])
    limit = lag + np.array([p[1] for p in pairs])
    dist = truncated_lag_cdf(lag, limit)
    values = dist.cdf_at(np.linspace(-1, 250, 60))
    assert np.all((values >= 0) & (values <= 1))
    assert np.all(np.diff(values) >= -1e-12)
    assert dist.cdf[-1] == 1.0


def _frame():
    return pd.DataFrame(
        {
            "segment": ["a", "a", "b", None],
            "mql_at": pd.to_datetime(["2026-01-05", "2026-01-20", "2026-02-01", None]),
            "sql_at": pd.to_datetime(["2026-01-15", "2026-03-30", "2026-01-30", "2026-01-01"]),
        }
    )


@pytest.mark.parametrize("kind", ["seconds", "tiny and huge", "cubes"])
def test_bucketed_lookup_finds_what_a_binary_search_finds(kind):
    """Many values against many knots take the bucket table (LagDistribution.cdf_at); the
    reference is numpy's binary search, value by value the same index: knots, their neighbours
    one ulp away, NaN and infinities included."""
    rng = np.random.default_rng(len(kind))
    lags = {
        "seconds": np.round(rng.exponential(7, 30_000) * 86_400) / 86_400,
        "tiny and huge": np.r_[rng.uniform(0, 1e-9, 10_000), rng.uniform(0, 1e6, 10_000)],
        "cubes": rng.normal(0, 1, 20_000) ** 3,
    }[kind]
    knots = np.unique(lags)
    dist = LagDistribution(knots=knots, cdf=np.linspace(0.5, 1.0, knots.size), n_converted=1)
    picked = rng.choice(knots, 5_000)
    x = np.r_[
        picked,
        np.nextafter(picked, np.inf),
        np.nextafter(picked, -np.inf),
        rng.uniform(knots[0] - 1, knots[-1] + 1, 5_000),
        [np.nan, np.inf, -np.inf, 0.0],
    ]
    expected = np.r_[0.0, dist.cdf][np.searchsorted(knots, x, side="right")]
    assert np.array_equal(dist.cdf_at(x), expected)


def test_stage_pairs_ages_lags_and_as_of_replay():
    pairs = stage_pairs(_frame(), "mql", "sql", by="segment", as_of=pd.Timestamp("2026-03-01"))
    assert pairs["group"].tolist() == ["a", "a", "b"]  # the lead with no mql_at is left out
    assert pairs["age_days"].tolist() == [55.0, 40.0, 28.0]
    # lead 2 converts after as_of (not yet), lead 3's sql_at precedes mql_at: lag 0
    assert pairs["converted"].tolist() == [True, False, True]
    assert pairs["lag_days"].fillna(-1).tolist() == [10.0, -1, 0.0]
    assert pairs["cohort"].dt.month.tolist() == [1, 1, 2]
    windowed = stage_pairs(_frame(), "mql", "sql", window_days=5, as_of="2026-03-01")
    assert windowed["converted"].tolist() == [False, False, True]


def test_stage_pairs_accepts_string_dates_and_rejects_missing_columns():
    text = _frame().astype({"mql_at": str, "sql_at": str}).replace({"NaT": None})
    assert len(stage_pairs(text, "mql", "sql", as_of="2026-03-01")) == 3
    with pytest.raises(DataError, match="column 'opportunity_at' is missing; columns present"):
        stage_pairs(_frame(), "mql", "opportunity")
    with pytest.raises(TypeError, match="leads must be a LeadTable"):
        stage_pairs([1, 2], "mql", "sql")


def test_lag_summary_quantiles_by_group():
    table = lag_summary(_frame(), "mql", "sql", by="segment", as_of="2026-06-01")
    assert table["segment"].tolist() == ["a", "b"]
    # by hand: a's lags 10 and 69 days (both seen by June), b's lag 0
    assert table["median_days"].tolist() == [10.0, 0.0]
    assert table["p95_days"].tolist() == [69.0, 0.0]


def test_conversion_by_lag_stops_at_the_youngest_lead():
    curve = conversion_by_lag(_frame(), "mql", "sql", max_days=60, as_of="2026-03-01")
    january = curve[curve["cohort"] == pd.Timestamp("2026-01-01")]
    assert january["day"].max() == 40  # the youngest January lead is 40 days old
    assert january.loc[january["day"] == 10, "share"].item() == 0.5
    assert curve["share"].between(0, 1).all()


def test_horizon_is_window_or_p95():
    dist = truncated_lag_cdf(np.arange(1.0, 101.0), np.full(100, 500.0))
    assert maturity_horizon_days(dist, None) == 95.0
    assert maturity_horizon_days(dist, 30) == 30.0


@pytest.mark.parametrize("seed", range(4))
def test_the_risk_sets_are_those_of_a_count_by_hand(seed):
    # brute force, independent of the code: R(u) = #{j : lag_j <= u <= limit_j} and
    # F(x) = prod over the distinct lags u > x of (1 - d(u) / R(u)), on lags with ties (whole
    # and half days) and limits that tie with lags
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 400))
    lags = np.round(rng.exponential(8.0, n) * 2) / 2
    limits = lags + np.round(rng.exponential(20.0, n)) * rng.integers(0, 2, n)
    dist = truncated_lag_cdf(lags, limits)
    knots = np.unique(lags)
    factors = np.array([1 - np.sum(lags == u) / np.sum((lags <= u) & (u <= limits)) for u in knots])
    expected = np.array([np.prod(factors[knots > x]) for x in knots])
    np.testing.assert_array_equal(dist.knots, knots)
    np.testing.assert_allclose(dist.cdf, expected, rtol=1e-12, atol=1e-15)
