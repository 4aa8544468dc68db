"""Cohort conversion rates: maturity flags and the eventual estimate of young cohorts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from health_worlds import simulate_world

from slaplan import conversion_rates
from slaplan.plan.rates import ConversionRate


def _study(worlds: int, seed: int) -> tuple[float, float, float]:
    """MAE of naive and eventual rates of the last 3 cohorts, and the 90% interval coverage."""
    rng = np.random.default_rng(seed)
    naive, eventual, covered = [], [], []
    for _ in range(worlds):
        frame, as_of, truth = simulate_world(rng)
        last = conversion_rates(frame, "mql", "sql", as_of=as_of).tail(3)
        naive.append(np.abs(last["rate"].to_numpy() - truth[-3:]))
        eventual.append(np.abs(last["eventual"].to_numpy() - truth[-3:]))
        inside = (last["eventual_low"] - 1e-12 <= truth[-3:]) & (
            truth[-3:] <= last["eventual_high"] + 1e-12
        )
        covered.append(inside.to_numpy())
    return float(np.mean(naive)), float(np.mean(eventual)), float(np.mean(covered))


@pytest.mark.slow
def test_eventual_halves_the_naive_error_on_200_simulated_worlds():
    """Independent simulation (tests/health/worlds.py), 200 seeded worlds of 24 monthly cohorts.

    Each world: ~300 MQLs/month, cohort rates ~ Beta around a world rate U(0.08, 0.25), log-normal
    lags (median 21 d, sigma 0.9: p95 ~ 92 d), as_of at the end of the last month; truth is the
    realised eventual share of each cohort. Measured (seed 2026, the one estimate's eventual share):
    naive MAE 0.0499, eventual MAE 0.0109, ratio 0.219 (issue 4 asks for <= 0.5). The 90%
    predictive intervals of the eventual share covered the truth in 91.7% of the 600 cohorts
    (binomial 2-SE band at 90%: 87.6-92.4%).
    """
    naive_mae, eventual_mae, coverage = _study(200, seed=2026)
    assert eventual_mae <= 0.5 * naive_mae, (naive_mae, eventual_mae)
    assert 0.86 <= coverage <= 0.95, coverage


def test_columns_maturity_and_naive_interval():
    frame, as_of, _ = simulate_world(np.random.default_rng(0), months=12)
    table = conversion_rates(frame, "mql", "sql", as_of=as_of, level=0.8)
    assert list(table.columns) == [
        "cohort",
        "total",
        "converted",
        "rate",
        "low",
        "high",
        "mature",
        "completion",
        "eventual",
        "eventual_low",
        "eventual_high",
    ]
    assert len(table) == 12 and table["total"].sum() == len(frame)
    # the youngest cohorts are immature, the old ones mature, with one switch between
    assert not table["mature"].iloc[-1] and table["mature"].iloc[0]
    assert table["mature"].is_monotonic_decreasing
    # naive interval is the ConversionRate interval (scipy reference via test_rates)
    row = table.iloc[3]
    expected = ConversionRate(int(row["converted"]), int(row["total"])).interval(0.8)
    assert (row["low"], row["high"]) == pytest.approx(expected)
    assert np.all(table["eventual"] >= table["rate"] - 1e-12)  # eventual adds future conversions
    assert np.all(table["eventual_low"] <= table["eventual"] + 1e-12)
    # a discrete predictive count: when P(no more conversions) > 95% its mean (a fraction of a
    # lead) may exceed the upper quantile, but by less than one lead
    assert np.all(table["eventual"] <= table["eventual_high"] + 1 / table["total"])
    # mature: at least 90% of a cohort's expected conversions have had time to happen
    assert (table["mature"] == (table["completion"] >= 0.9)).all()


def test_window_and_by_groups():
    frame, as_of, _ = simulate_world(np.random.default_rng(1), months=6)
    frame["segment"] = np.where(np.arange(len(frame)) % 3 == 0, "web", "events")
    table = conversion_rates(frame, "mql", "sql", by="segment", window_days=14, as_of=as_of)
    assert set(table["segment"]) == {"web", "events"} and len(table) == 12
    # with a 14-day window, every cohort but the last has had its whole window
    web = table[table["segment"] == "web"]
    assert web["mature"].tolist() == [True] * 5 + [False]


def test_groups_with_fewer_than_30_leads_are_flagged_small():
    # the PRODUCT.md §4 rule segment_rates applies: fewer than 30 leads over all cohorts
    frame, as_of, _ = simulate_world(np.random.default_rng(2), months=6)
    frame["segment"] = "web"
    frame.loc[frame.index[:29], "segment"] = "tiny"
    table = conversion_rates(frame, "mql", "sql", by="segment", window_days=14, as_of=as_of)
    small = table.groupby("segment")["small"].agg(["all", "any"])
    assert small.loc["tiny"].tolist() == [True, True]
    assert small.loc["web"].tolist() == [False, False]
    assert table.groupby("segment")["total"].sum()["tiny"] == 29
    assert "small" not in conversion_rates(frame, "mql", "sql", as_of=as_of).columns


def test_invalid_level_and_prior():
    frame, _, _ = simulate_world(np.random.default_rng(0), months=3)
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\)"):
        conversion_rates(frame, "mql", "sql", level=1.0)
    with pytest.raises(ValueError, match=r"prior\[0\] must be > 0"):
        conversion_rates(frame, "mql", "sql", prior=(0, 1))


def test_lost_leads_are_complete_so_eventual_equals_naive():
    # a young cohort whose every unconverted lead is already lost cannot convert any more: it is
    # decided (mature) however young, and its eventual share is its share so far
    frame, as_of, _ = simulate_world(np.random.default_rng(2), months=8)
    young = frame["mql_at"] >= as_of - pd.Timedelta(days=31)
    lost = young & (frame["sql_at"].isna() | (frame["sql_at"] > as_of))
    frame["lost_at"] = frame["mql_at"].where(lost)
    frame.loc[lost, "sql_at"] = pd.NaT
    last = conversion_rates(frame, "mql", "sql", as_of=as_of).iloc[-1]
    assert last["mature"] and last["completion"] == pytest.approx(1.0)
    assert last["eventual"] == pytest.approx(last["rate"])
