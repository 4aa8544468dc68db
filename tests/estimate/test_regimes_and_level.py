"""Regimes and the Bayesian level: checked against independent simulation and closed forms.

Every expected behaviour below is measured on series simulated here with numpy (negative binomial
months as Gamma-Poisson mixtures), never produced by the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from slaplan.forecast.level import fit_level, level_loglik
from slaplan.forecast.regimes import find_regime, half_normal_weights


def _nb_months(rng, mean, cv, months):
    if cv == 0:
        return rng.poisson(np.full(months, mean))
    k = 1 / cv**2
    return rng.poisson(rng.gamma(k, mean / k, size=months))


def test_half_normal_weights_carry_the_mass_of_each_grid_cell():
    values = np.array([0.0, 0.1, 0.2, 0.4])
    weights = half_normal_weights(values, 0.3)
    assert weights.sum() == pytest.approx(1.0)
    # mass of [0, 0.05) under a half-normal of scale 0.3, closed form 2 Phi(x / s) - 1
    assert weights[0] == pytest.approx(2 * stats.norm.cdf(0.05 / 0.3) - 1)


def test_poisson_loglik_matches_scipy_up_to_the_cell_free_term():
    counts, exposure = np.array([3, 10]), np.array([1.0, 0.5])
    ll = level_loglik(counts, exposure, np.log(np.array([8.0])), np.array([0.0]))
    expected = stats.poisson.logpmf(counts, 8.0 * exposure) + np.array(
        [np.log(6.0), np.log(3628800.0)]
    )
    np.testing.assert_allclose(ll[:, 0], expected)


def test_negative_binomial_loglik_matches_scipy_up_to_the_cell_free_term():
    counts, cv, mean = np.array([0, 7, 30]), 0.5, 12.0
    k = 1 / cv**2
    ll = level_loglik(counts, np.ones(3), np.log(np.array([mean])), np.array([cv]))
    from scipy import special

    expected = stats.nbinom.logpmf(counts, k, k / (k + mean)) + special.gammaln(counts + 1)
    np.testing.assert_allclose(ll[:, 0], expected)


def test_stationary_series_rarely_show_a_regime_change():
    """False alarms on 300 simulated stationary series (3-30 months, cv 0-0.4): under 3%."""
    rng = np.random.default_rng(7)
    alarms = sum(
        fit_level(
            _nb_months(rng, rng.uniform(30, 2000), rng.uniform(0, 0.4), int(rng.integers(3, 31)))
        ).regime_start
        > 0
        for _ in range(300)
    )
    assert alarms / 300 < 0.03


def test_a_tripled_level_is_found_at_the_month_it_began():
    rng = np.random.default_rng(8)
    found = 0
    for _ in range(100):
        before = _nb_months(rng, 200, 0.1, 9)
        after = _nb_months(rng, 600, 0.1, 4)
        found += fit_level(np.concatenate([before, after])).regime_start == 9
    assert found >= 95


def test_too_short_a_sequence_has_no_change():
    ll = stats.poisson.logpmf(np.array([10, 100, 100])[:, None], np.array([[10.0, 100.0]]))
    start, changes = find_regime(ll, np.array([0.5, 0.5]), min_size=2)
    assert start == 0 and changes == ()


def test_predictive_of_next_month_is_calibrated_on_simulated_series():
    """PIT of the next month under the fitted level: 80% central intervals cover 75-85%.

    400 series of 3-24 months, means 40-2000, month-to-month cv 0-0.35 (independent draws).
    """
    rng = np.random.default_rng(9)
    inside = 0
    for _ in range(400):
        mean, cv, months = rng.uniform(40, 2000), rng.uniform(0, 0.35), int(rng.integers(3, 25))
        series = _nb_months(rng, mean, cv, months + 1)
        post = fit_level(series[:-1])
        level = post.intensities(4000, 1, rng, first_position=months)[:, 0]
        draws = rng.poisson(level)
        low, high = np.quantile(draws, [0.1, 0.9])
        inside += low <= series[-1] <= high
    assert 0.75 <= inside / 400 <= 0.86


def test_year_on_year_seasonality_is_kept_and_absent_seasonality_is_not():
    rng = np.random.default_rng(10)
    months = np.arange(18)
    seasonal = rng.poisson(400 * (1 + 0.25 * np.sin(2 * np.pi * months / 12)))
    assert fit_level(seasonal).seasonal_slope > 0.5
    flat_slopes = [fit_level(_nb_months(rng, 400, 0.1, 18)).seasonal_slope for _ in range(50)]
    assert np.mean(np.array(flat_slopes) == 0) > 0.6


def test_the_log_sum_exp_of_rows_is_scipys_and_a_row_of_nothing_stays_nan():
    from scipy import special

    from slaplan.forecast.regimes import _logsumexp_rows

    rng = np.random.default_rng(5)
    rows = rng.normal(0, 40, size=(50, 300))
    rows[rng.random(rows.shape) < 0.1] = -np.inf  # impossible cells
    np.testing.assert_allclose(
        _logsumexp_rows(rows), special.logsumexp(rows, axis=1), rtol=1e-14, atol=0
    )
    assert np.isnan(_logsumexp_rows(np.full((1, 4), -np.inf)))[0]


@pytest.mark.parametrize("mean", [8.0, 300.0, 6000.0])
def test_the_backtests_coarser_grids_give_the_same_level(mean):
    # BACKTEST_GRID against the grids of the forecast itself, on simulated months. With the
    # same forgetting factor the level's posterior mean agrees to a hundredth of its sd; the
    # factor (chosen with no evidence bar, among near ties) may tip to a neighbour on the other
    # grid, which moves the mean by less than half its sd (measured: in 9 of 90 series, at
    # most 0.45 sd, and the spread by at most 0.055)
    from slaplan.forecast.level import BACKTEST_GRID, FULL_GRID

    rng = np.random.default_rng(int(mean))
    tipped = 0
    for _ in range(30):
        y = _nb_months(rng, mean, 0.15, int(rng.integers(8, 36)))
        fine = fit_level(y, scan=False, grid=FULL_GRID)
        coarse = fit_level(y, scan=False, grid=BACKTEST_GRID)
        sd = np.sqrt(fine.weights @ (fine.log_level - fine.weights @ fine.log_level) ** 2)
        moved = abs(np.log(coarse.mean / fine.mean)) / sd
        tipped += coarse.discount != fine.discount
        assert moved < (0.01 if coarse.discount == fine.discount else 0.5)
        assert abs(coarse.spread - fine.spread) < 0.06
    assert tipped <= 6
