"""The candidate methods: count paths, closed-form points, what each fits on short series."""

from __future__ import annotations

import numpy as np
import pytest

from slaplan.forecast.methods import (
    METHODS,
    MethodFitError,
    fit_method,
    glm_design,
    pearson_nb_alpha,
    seasonal_period,
)


def _seasonal(n_months: int, seed: int = 0) -> np.ndarray:
    months = np.arange(n_months)
    rng = np.random.default_rng(seed)
    return rng.poisson(200 * (1 + 0.25 * np.sin(2 * np.pi * months / 12)))


@pytest.mark.parametrize("method", sorted(METHODS))
@pytest.mark.parametrize("n_months", [8, 30, 40])
def test_every_method_gives_whole_non_negative_count_paths(method, n_months):
    fit = fit_method(method, _seasonal(n_months), 6, 300, np.random.default_rng(1))
    assert fit.paths.shape == (300, 6) and fit.paths.dtype == np.int64
    assert (fit.paths >= 0).all() and fit.point.shape == (6,)


def test_seasonal_naive_point_is_last_years_month():  # closed form, FPP3 §5.2
    counts = np.arange(30, dtype=float)
    fit = fit_method("seasonal_naive", counts, 14, 100, np.random.default_rng(0))
    expected = np.r_[np.arange(18, 30), np.arange(18, 20)]
    np.testing.assert_array_equal(fit.point, expected)


def test_seasonal_naive_falls_back_to_naive_under_two_seasons():
    counts = np.array([5, 9, 7, 11, 8, 12, 10, 13, 9, 14.0])
    fit = fit_method("seasonal_naive", counts, 3, 100, np.random.default_rng(0))
    np.testing.assert_array_equal(fit.point, [14, 14, 14])
    assert seasonal_period(23) == 1 and seasonal_period(24) == 12
    assert "plain naive" in fit.note


def test_ets_is_seasonal_only_with_36_months():
    rng = np.random.default_rng(0)
    assert "no seasonality" in fit_method("ets_damped", _seasonal(35), 3, 100, rng).note
    assert "additive seasonality" in fit_method("ets_damped", _seasonal(36), 3, 100, rng).note


def test_glm_recovers_a_constant_poisson_mean():  # truth: Poisson(200), no trend, no season
    counts = np.random.default_rng(3).poisson(200, size=48)
    fit = fit_method("nb_glm", counts, 6, 4000, np.random.default_rng(0))
    assert fit.paths.mean() == pytest.approx(200, rel=0.1)
    # the paths' spread is at least the Poisson noise: variance >= mean (up to MC error)
    assert fit.paths[:, 0].var() >= 0.9 * fit.paths[:, 0].mean()


def test_glm_on_all_zero_history_refuses_to_fit():
    with pytest.raises(MethodFitError, match="every month is zero"):
        fit_method("nb_glm", np.zeros(12), 3, 100, np.random.default_rng(0))


def test_pearson_alpha_is_zero_for_equidispersed_and_positive_for_overdispersed():
    fitted = np.full(6, 100.0)
    assert pearson_nb_alpha(np.full(6, 100.0), fitted, 1) == 0.0
    # residuals of +-30 around 100: sum((900 - 100) / 100**2) / (6 - 1) = 0.096 (by hand)
    counts = np.array([130, 70, 130, 70, 130, 70.0])
    assert pearson_nb_alpha(counts, fitted, 1) == pytest.approx(0.096)


def test_glm_design_has_month_dummies_with_january_baseline():
    design = glm_design(np.arange(24), month_effects=True)
    assert design.shape == (24, 13)
    assert design[0, 2:].sum() == 0 and design[1, 2] == 1 and design[13, 2] == 1
