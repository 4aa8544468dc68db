"""VolumeModel: constructors, moments, the fitted predictive and its validation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from slaplan.plan.volume import VolumeModel


def test_negative_binomial_variance_formula():
    # variance = mean + mean**2 / dispersion (PRODUCT.md §5)
    assert VolumeModel.negative_binomial(300, 20).variance == 300 + 300**2 / 20


def test_poisson_variance_equals_mean():
    assert VolumeModel.poisson(12.5).variance == 12.5


def test_scaled_keeps_dispersion():
    v = VolumeModel.negative_binomial(300, 20).scaled(600)
    assert (v.mean, v.dispersion) == (600, 20)


def test_cdf_matches_scipy_stats():
    assert VolumeModel.poisson(30).cdf(25) == pytest.approx(stats.poisson.cdf(25, 30))
    nb = VolumeModel.negative_binomial(30, 4)
    assert nb.cdf(25) == pytest.approx(stats.nbinom.cdf(25, 4, 4 / 34))


def test_fit_poisson_history_is_gamma_poisson_predictive():
    # Jeffreys Gamma(0.5 + sum, months) posterior -> NB(size 0.5 + sum, mean (0.5 + sum)/months)
    v = VolumeModel.fit([100, 95, 110, 102])
    assert v.dispersion == pytest.approx(407.5)
    assert v.mean == pytest.approx(407.5 / 4)
    assert v.level_shape == pytest.approx(407.5)


def test_fit_overdispersed_history_is_wider_than_the_sample_variance():
    counts = [50, 120, 80, 200, 60, 150, 90, 30, 170, 110, 70, 140]
    v = VolumeModel.fit(counts)
    assert not v.is_poisson
    # predictive variance includes the estimation error of the mean: > sample variance
    assert v.variance > np.var(counts, ddof=1)


@pytest.mark.parametrize(
    ("counts", "error"),
    [
        ([10, 12], ValueError),
        ([10, -1, 12], ValueError),
        ([10, 1.5, 12], ValueError),
        ([10, float("nan"), 12], ValueError),
        ([True, False, True], TypeError),
    ],
)
def test_fit_rejects_bad_histories(counts, error):
    with pytest.raises(error, match="monthly_counts"):
        VolumeModel.fit(counts)


@pytest.mark.parametrize("bad", [-1, float("nan"), math.inf, True])
def test_constructors_reject_bad_means(bad):
    with pytest.raises((TypeError, ValueError), match="mean"):
        VolumeModel.poisson(bad)


def test_negative_binomial_rejects_zero_dispersion():
    with pytest.raises(ValueError, match="dispersion"):
        VolumeModel.negative_binomial(10, 0)


def test_sample_moments_match_model_independent_simulation():
    v = VolumeModel.negative_binomial(300, 20)
    draws = v.sample(200_000, rng=0)
    assert draws.mean() == pytest.approx(300, rel=0.01)
    assert draws.var() == pytest.approx(v.variance, rel=0.03)


def test_sample_paths_share_the_level_and_match_predictive_variance():
    v = VolumeModel.fit([100, 95, 110, 102, 98, 105])
    paths = v.sample_paths(100_000, 3, rng=1)
    assert paths.shape == (100_000, 3)
    # one month of a path is distributed as the predictive
    assert paths[:, 0].var() == pytest.approx(v.variance, rel=0.03)
    # months share the estimated level: positive correlation
    assert np.corrcoef(paths[:, 0], paths[:, 1])[0, 1] > 0.05
