"""Holt-Winters estimation uncertainty: the filter vs statsmodels, the covariance vs OLS."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from slaplan.forecast.holt_winters import (
    HoltWintersParams,
    forecast_mean_covariance,
    hw_filter,
)
from slaplan.forecast.methods import fit_method


def _series(n_months: int) -> np.ndarray:
    months = np.arange(n_months)
    rng = np.random.default_rng(3)
    return rng.poisson(100 + 2 * months + 20 * np.sin(2 * np.pi * months / 12)).astype(float)


@pytest.mark.parametrize(
    ("n_months", "seasonal", "damped"), [(20, False, True), (20, False, False), (40, True, True)]
)
def test_filter_reproduces_statsmodels_fitted_values_and_forecasts(n_months, seasonal, damped):
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    y = _series(n_months)
    model = ExponentialSmoothing(
        y,
        trend="add",
        damped_trend=damped,
        seasonal="add" if seasonal else None,
        seasonal_periods=12 if seasonal else None,
        initialization_method="estimated",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # optimiser chatter is irrelevant to the recursion
        result = model.fit(method="least_squares", use_brute=False)
    p = result.params
    params = HoltWintersParams(
        alpha=p["smoothing_level"],
        beta=p["smoothing_trend"],
        gamma=p["smoothing_seasonal"] if seasonal else 0.0,
        phi=p["damping_trend"] if damped else 1.0,
        period=12 if seasonal else 0,
    )
    x0 = np.r_[p["initial_level"], p["initial_trend"], p["initial_seasons"] if seasonal else []]
    fitted, forecast = hw_filter(y[:, None], x0[:, None], params, 6)
    np.testing.assert_allclose(fitted[:, 0], result.fittedvalues, rtol=1e-10)
    np.testing.assert_allclose(forecast[:, 0], result.forecast(6), rtol=1e-10)


def test_frozen_weights_give_the_ols_line_prediction_covariance():
    # alpha = beta = 0, phi = 1: the model is the line l0 + b0 (t + 1); closed form
    # Var(x_h' beta_hat) = sigma^2 x_h' (X'X)^-1 x_h of ordinary least squares
    n_months, horizon, variance = 15, 4, 9.0
    params = HoltWintersParams(alpha=0.0, beta=0.0, phi=1.0)
    covariance = forecast_mean_covariance(params, n_months, horizon, variance)
    design = np.column_stack([np.ones(n_months), np.arange(1, n_months + 1)])
    future = np.column_stack([np.ones(horizon), np.arange(n_months + 1, n_months + horizon + 1)])
    expected = variance * future @ np.linalg.inv(design.T @ design) @ future.T
    np.testing.assert_allclose(covariance, expected, rtol=1e-9)


def test_a_level_that_follows_the_data_forgets_its_start():
    # alpha = 1, no trend: the level is the last observation, whatever the initial state
    params = HoltWintersParams(alpha=1.0, trend=False)
    covariance = forecast_mean_covariance(params, 12, 3, 25.0)
    np.testing.assert_allclose(covariance, 0.0, atol=1e-12)


def test_ets_paths_on_a_short_trending_series_are_wider_than_the_noise():
    # a Poisson(100) line with slope 3: 6 months beyond a 12-month history the spread must
    # exceed the Poisson noise (sd 10 at the level ~140) by the line's own uncertainty
    rng = np.random.default_rng(5)
    counts = rng.poisson(100 + 3 * np.arange(12))
    fit = fit_method("ets_damped", counts, 6, 4000, np.random.default_rng(0))
    assert fit.paths[:, -1].std() > 1.1 * np.sqrt(fit.point[-1])
