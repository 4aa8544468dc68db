"""The walking rate (:mod:`slaplan.estimate.rate_walk`) against exact computations and simulation.

The backward sampling is checked against smoothed marginals computed here by the
forward-backward recursions (an independent implementation: a backward pass of likelihoods, not
sampling); the model choice against worlds simulated here (numpy) with a steady and a walking
rate.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special

from slaplan.estimate.cohort_rates import fit_cohort_rates, possible_cells, rate_loglik
from slaplan.estimate.rate_walk import (
    STEADY_PRIOR,
    WALK_GRID,
    WALK_PRIOR_SCALE,
    filter_walk,
    walk_prior_weights,
)
from slaplan.estimate.transitions import DRIFT_SHOWN
from slaplan.forecast.level import CV_GRID
from slaplan.forecast.regimes import half_normal_weights


def _walk_world(rng, months, step, trials=300, start=0.12):
    level = special.logit(start) + np.cumsum(np.r_[0.0, rng.normal(0, step, months)])
    rates = special.expit(level)
    return rng.binomial(trials, rates[:-1]), np.full(months, float(trials)), rates[-1]


def _fit(converted, trials):
    grid = np.linspace(-4.0, 0.0, 120)
    rows = rate_loglik(converted, trials, grid, CV_GRID)
    rows = np.where(possible_cells(grid, CV_GRID), rows, -np.inf)
    return filter_walk(rows, grid, CV_GRID, float(special.logit(converted.sum() / trials.sum())),
                       1.0), rows  # fmt: skip


def test_backward_draws_match_the_exact_smoothed_levels():
    """FFBS draws' mean level per cohort vs forward-backward marginals (exact on the grid)."""
    converted, trials, _ = _walk_world(np.random.default_rng(1), 10, 0.2)
    walk, rows = _fit(converted, trials)
    cells, levels = walk.paths(40_000, np.random.default_rng(2), np.arange(10))
    grid = walk.grid
    expected = np.zeros(10)
    for k in range(walk.weights.size):  # per cell: the backward pass, then the smoothed mean
        v = int(walk.spread_index[k])
        emit = np.exp(rows.reshape(10, grid.size, -1)[:, :, v] - rows.max())
        q = walk.walk[k]
        kernel = (
            np.eye(grid.size) if q == 0 else np.exp(-0.5 * ((grid[None] - grid[:, None]) / q) ** 2)
        )
        kernel /= kernel.sum(axis=1, keepdims=True)
        beta = np.ones(grid.size)
        for m in range(9, -1, -1):
            smoothed = walk.filtered[k, m] * beta
            expected[m] += walk.weights[k] * (smoothed @ grid) / smoothed.sum()
            beta = kernel @ (emit[m] * beta)
            beta /= beta.max()
    np.testing.assert_allclose(levels.mean(axis=0), expected, atol=0.01)
    assert np.bincount(cells, minlength=walk.weights.size) / cells.size == pytest.approx(
        walk.weights, abs=0.01
    )


def test_a_steady_rate_is_not_taken_for_a_walk_and_a_walking_one_is_followed():
    """200 worlds each: the posterior step sd, and where the next month's rate is predicted."""
    rng = np.random.default_rng(5)
    steady, walking, errors, naive = [], [], [], []
    for _ in range(200):
        converted, trials, _ = _walk_world(rng, 18, 0.0)
        steady.append(fit_cohort_rates(converted, trials).drift)
        converted, trials, next_rate = _walk_world(rng, 18, 0.25)
        post = fit_cohort_rates(converted, trials)
        walking.append(post.drift)
        errors.append(special.logit(post.mean) - special.logit(next_rate))
        naive.append(special.logit(converted.sum() / trials.sum()) - special.logit(next_rate))
    assert np.mean(steady) < 0.05 and np.mean(walking) > 2 * np.mean(steady)
    # following the walk predicts the next rate far better than the regime's average
    assert np.sqrt(np.mean(np.square(errors))) < 0.6 * np.sqrt(np.mean(np.square(naive)))


def test_the_next_cohorts_predictive_interval_covers_a_walking_rate():
    """Independent simulation: the next month's cohort count falls in the central 80% of its
    predictive in 80% +- 5% of 300 worlds whose rate walks (step sd 0.1-0.3)."""
    rng = np.random.default_rng(11)
    draws_rng = np.random.default_rng(12)
    inside = []
    for _ in range(300):
        converted, trials, next_rate = _walk_world(rng, 15, rng.uniform(0.1, 0.3))
        post = fit_cohort_rates(converted, trials)
        a, b = post.cohort_draws(4000, draws_rng, np.array([15]))
        rate = np.where(np.isinf(b), a, draws_rng.beta(a, np.where(np.isinf(b), 1.0, b)))[:, 0]
        counts = draws_rng.binomial(300, rate)
        low, high = np.quantile(counts, [0.1, 0.9])
        outcome = rng.binomial(300, next_rate)
        inside.append(low <= outcome <= high)
    assert np.mean(inside) == pytest.approx(0.8, abs=0.05)


def test_cohort_means_agree_with_the_backward_draws():
    """The exact smoothed means of the cohorts' rates vs the mean of 40,000 joint draws."""
    rng = np.random.default_rng(3)
    trials = np.r_[np.full(17, 200.0), 120.0, 60.0, 15.0]  # the last cohorts still young
    level = special.logit(0.12) + np.cumsum(rng.normal(0, 0.2, 20))
    converted = rng.binomial(trials.astype(int), special.expit(level))
    post = fit_cohort_rates(converted, trials)
    a, b = post.cohort_draws(40_000, np.random.default_rng(1), np.arange(20))
    drawn = np.where(np.isinf(b), a, (a + converted) / (a + b + trials)).mean(axis=0)
    np.testing.assert_allclose(post.cohort_means(converted, trials), drawn, atol=5e-4)


@pytest.mark.parametrize("months", [6, 18])
def test_a_steady_rate_is_described_as_steady_and_a_walk_of_a_quarter_is_not(months):
    """Simulated here, 200 worlds each (cohorts of 300 at 12%): the description says "drifts"
    (posterior mean step >= DRIFT_SHOWN) for at most 15% of steady rates of 6 or 18 cohorts
    (with the half-normal prior alone, 8% of it on ``q = 0``: 100% and 28%); a walk of step sd
    0.25 over 18 months, its steps as large as the binomial noise of a cohort, is said to drift
    in at least 60% of the worlds (74% when written). Three cohorts tell nothing of a walk: the
    posterior is then the prior, whose mean step (0.05) sits at the threshold."""
    rng = np.random.default_rng(23)
    steady = [
        fit_cohort_rates(*_walk_world(rng, months, 0.0)[:2]).drift >= DRIFT_SHOWN
        for _ in range(200)
    ]
    assert np.mean(steady) <= 0.15
    if months == 18:
        walking = [
            fit_cohort_rates(*_walk_world(rng, months, 0.25)[:2]).drift >= DRIFT_SHOWN
            for _ in range(200)
        ]
        assert np.mean(walking) >= 0.6


def test_the_walks_prior_puts_half_on_a_steady_rate():
    """The prior's weights: STEADY_PRIOR on q = 0 plus the half-normal's own cell there."""
    weights = walk_prior_weights(WALK_GRID)
    cell = half_normal_weights(WALK_GRID, WALK_PRIOR_SCALE)
    assert weights.sum() == pytest.approx(1.0)
    assert weights[0] == pytest.approx(STEADY_PRIOR + (1 - STEADY_PRIOR) * cell[0])
    np.testing.assert_allclose(weights[1:], (1 - STEADY_PRIOR) * cell[1:])
    with pytest.raises(ValueError, match="start at 0"):
        walk_prior_weights(WALK_GRID[1:])
