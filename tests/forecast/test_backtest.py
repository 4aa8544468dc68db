"""Backtest kernels against closed forms, and the backtest table's shape and invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import slaplan as sp
from slaplan.forecast.backtest import (
    interval_bounds,
    mase_scale,
    poisson_noise_floor,
    rolling_origins,
    smape_pct,
    winkler_score,
)


def test_noise_floor_is_8_percent_at_100_leads():  # PRODUCT.md §4: sqrt(2/(pi*100)) = 0.0798
    assert poisson_noise_floor(np.array([100.0]))[0] == pytest.approx(0.0798, abs=1e-4)


def test_noise_floor_matches_simulated_poisson_error():  # independent simulation, lambda = 400
    draws = np.random.default_rng(0).poisson(400, size=200_000)
    simulated = np.mean(np.abs(draws - 400)) / 400
    assert poisson_noise_floor(np.array([400.0]))[0] == pytest.approx(simulated, rel=0.02)


def test_winkler_score_closed_form():  # Winkler (1972): width + 2/alpha * miss
    lower, upper = np.array([10.0, 10.0, 10.0]), np.array([20.0, 20.0, 20.0])
    actual = np.array([15.0, 5.0, 26.0])
    np.testing.assert_allclose(winkler_score(lower, upper, actual, 0.8), [10, 60, 70])


def test_smape_closed_form_and_zero_over_zero():
    np.testing.assert_allclose(
        smape_pct(np.array([100.0, 0.0]), np.array([80.0, 0.0])), [200 * 20 / 180, 0]
    )


def test_mase_scale_is_seasonal_naive_mae():
    train = np.r_[np.arange(12.0), np.arange(12.0) + 3]  # every seasonal difference is 3
    assert mase_scale(train) == pytest.approx(3.0)
    assert mase_scale(np.array([5.0, 7.0, 4.0])) == pytest.approx(2.5)  # naive under 24 months
    assert np.isnan(mase_scale(np.full(8, 4.0)))


def test_rolling_origins_full_horizon_then_partial():
    np.testing.assert_array_equal(rolling_origins(30, 6, 3), [22, 23, 24])
    np.testing.assert_array_equal(rolling_origins(8, 6, 5), [6, 7])  # too short: partial horizons


@given(
    st.lists(st.integers(0, 500), min_size=5, max_size=40),
    st.floats(0.5, 0.9),
    st.floats(0.01, 0.09),
)
def test_intervals_nest_and_stay_non_negative(values, low_level, gap):
    paths = np.array(values).reshape(-1, 1)
    lo_small, hi_small = interval_bounds(paths, low_level)
    lo_big, hi_big = interval_bounds(paths, low_level + gap)
    assert (lo_big <= lo_small).all() and (hi_small <= hi_big).all()
    assert (lo_big >= 0).all() and (lo_small <= hi_small).all()


def _naive_and_glm_backtest(counts, *, horizon, n_origins):
    return sp.backtest_forecasts(
        counts,
        start="2024-01",
        horizon=horizon,
        n_origins=n_origins,
        seed=0,
        methods=("seasonal_naive", "nb_glm"),
    )


def test_backtest_table_has_every_metric_and_the_floor():
    counts = np.random.default_rng(0).poisson(150, size=30)
    bt = _naive_and_glm_backtest(counts, horizon=3, n_origins=3)
    assert set(bt.summary.index) == {"seasonal_naive", "nb_glm"}
    for column in (
        "n_points",
        "mase",
        "mase_floor",
        "smape_pct",
        "noise_floor_pct",
        "coverage_80",
        "coverage_95",
        "winkler_80",
        "winkler_95",
    ):
        assert column in bt.summary.columns
    assert (bt.summary["n_points"] == 9).all()  # 3 origins x 3 horizons
    assert list(bt.by_horizon.index.get_level_values("horizon").unique()) == [1, 2, 3]
    # the floor is what a perfect forecast of Poisson(150) would score: about 6.5%
    assert bt.summary["noise_floor_pct"].iloc[0] == pytest.approx(6.5, abs=0.6)


def test_backtest_rejects_unknown_methods():
    with pytest.raises(ValueError, match="methods must be drawn from"):
        sp.backtest_forecasts(np.arange(10, 30), start="2024-01", methods=("arima",))


def test_failed_fits_are_counted_not_hidden(monkeypatch):
    from slaplan.forecast import methods as methods_module

    real = methods_module.METHODS["nb_glm"]

    def flaky(counts, horizon, n_paths, rng):  # fails on the shorter training windows
        if counts.size < 25:
            raise methods_module.MethodFitError("did not converge (simulated)")
        return real(counts, horizon, n_paths, rng)

    monkeypatch.setitem(methods_module.METHODS, "nb_glm", flaky)
    counts = np.random.default_rng(1).poisson(80, size=30)
    bt = _naive_and_glm_backtest(counts, horizon=2, n_origins=5)
    # origins 24..28: origin 24 fails, four succeed (2 horizons each)
    assert bt.summary.loc["nb_glm", "failed_fits"] == 1
    assert bt.summary.loc["nb_glm", "n_points"] == 8
    assert bt.summary.loc["seasonal_naive", "failed_fits"] == 0


def test_the_error_ratio_is_read_from_the_columns_as_from_the_table():
    # by hand: the realised root-mean-square error of a method's points over the root of the
    # summed path variances, the same whether read from the columns or from the table
    from slaplan.forecast.backtest import error_ratio

    counts = np.random.default_rng(4).poisson(150, size=30)
    bt = sp.backtest_forecasts(counts, start="2024-01", horizon=3, n_origins=4, seed=1)
    chosen = bt.points["method"] == "seasonal_naive"
    missed = bt.points["actual"][chosen] - bt.points["point"][chosen]
    by_hand = np.sqrt((missed**2).sum() / bt.points["path_variance"][chosen].sum())
    assert error_ratio(bt.columns, "seasonal_naive") == pytest.approx(by_hand, rel=1e-12)
    assert error_ratio(bt.points, "seasonal_naive") == error_ratio(bt.columns, "seasonal_naive")
    assert np.isnan(error_ratio({}, "seasonal_naive"))
    assert np.isnan(error_ratio(bt.columns, "a method not backtested"))
