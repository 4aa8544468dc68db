"""ConversionRate: the Beta posterior of a stage rate (issue 4, PRODUCT.md §4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given
from hypothesis import strategies as st

from slaplan.plan.rates import ConversionRate


def test_interval_equals_scipy_beta_interval_40_of_300():
    # done-when of issue 4: the reference is scipy.stats.beta(1 + 40, 1 + 260).interval(0.9)
    expected = scipy.stats.beta(41, 261).interval(0.9)
    assert ConversionRate(40, 300).interval(0.9) == pytest.approx(expected, rel=1e-12)
    assert ConversionRate(converted=40, total=300).interval(0.9) == pytest.approx(expected)


def test_posterior_parameters_and_moments_closed_form():
    # Beta(a, b): mean a/(a+b), variance ab/((a+b)^2 (a+b+1)); prior (2, 3) + 40/300
    r = ConversionRate(40, 300, prior=(2, 3))
    assert (r.alpha, r.beta) == (42.0, 263.0)
    assert r.mean == pytest.approx(42 / 305)
    assert r.variance == pytest.approx(scipy.stats.beta(42, 263).var())
    assert r.std == pytest.approx(scipy.stats.beta(42, 263).std())
    assert r.raw_rate == pytest.approx(40 / 300)
    assert not r.is_fixed


def test_quantile_matches_scipy_ppf():
    q = np.array([0.01, 0.5, 0.99])
    np.testing.assert_allclose(
        ConversionRate(7, 90).quantile(q), scipy.stats.beta(8, 84).ppf(q), rtol=1e-12
    )


def test_no_data_is_the_prior():
    r = ConversionRate(0, 0)
    assert r.mean == 0.5
    assert math.isnan(r.raw_rate)
    assert r.interval(0.9) == pytest.approx((0.05, 0.95))  # uniform prior: quantiles are q


def test_fixed_rate_has_no_uncertainty():
    r = ConversionRate.fixed(0.12)
    assert r.is_fixed and r.fixed_value == 0.12
    assert math.isinf(r.alpha) and math.isinf(r.beta)
    assert (r.mean, r.variance, r.raw_rate) == (0.12, 0.0, 0.12)
    assert r.interval(0.99) == (0.12, 0.12)
    np.testing.assert_array_equal(r.sample(4, rng=1), np.full(4, 0.12))
    assert ConversionRate.fixed(0).mean == 0.0 and ConversionRate.fixed(1).mean == 1.0


def test_from_mean_stores_the_evidence_as_prior():
    r = ConversionRate.from_mean(0.2, sample_size=50)
    assert (r.alpha, r.beta) == pytest.approx((10.0, 40.0))
    assert (r.converted, r.total) == (0, 0)
    assert ConversionRate.from_counts(3, 9) == ConversionRate(3, 9)


def test_sample_is_seeded_and_has_the_posterior_mean():
    r = ConversionRate(40, 300)
    a, b = r.sample(20_000, rng=5), r.sample(20_000, rng=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    # standard error of the mean of 20,000 draws: sqrt(var / 20000) ~ 1.4e-4; allow 5 SE
    assert a.mean() == pytest.approx(r.mean, abs=7e-4)
    assert r.sample(0, rng=0).shape == (0,)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"converted": 5, "total": 3}, ValueError, "converted must be <= total"),
        ({"converted": -1, "total": 3}, ValueError, "converted must be >= 0"),
        ({"converted": 1.5, "total": 3}, ValueError, "converted must be a whole number"),
        ({"converted": math.nan, "total": 3}, ValueError, "converted must be a whole number"),
        ({"converted": 1, "total": math.inf}, ValueError, "total must be a whole number"),
        ({"converted": True, "total": 3}, TypeError, "converted must be an integer"),
        ({"converted": "1", "total": 3}, TypeError, "converted must be an integer"),
        ({"converted": 1, "total": 3, "prior": (0, 1)}, ValueError, r"prior\[0\] must be > 0"),
        ({"converted": 1, "total": 3, "prior": (1, -2)}, ValueError, r"prior\[1\] must be > 0"),
        ({"converted": 1, "total": 3, "prior": 1}, TypeError, "prior must be a pair"),
        ({"converted": 1, "total": 3, "prior": (1, math.nan)}, ValueError, "finite"),
    ],
)
def test_invalid_arguments_name_the_argument_and_value(kwargs, error, match):
    with pytest.raises(error, match=match):
        ConversionRate(**kwargs)


def test_invalid_fixed_and_level_and_n():
    with pytest.raises(ValueError, match=r"fixed_value must be in \[0, 1\], got 1.2"):
        ConversionRate.fixed(1.2)
    with pytest.raises(TypeError, match="fixed_value must be a real number"):
        ConversionRate.fixed(True)
    with pytest.raises(ValueError, match="a fixed rate carries no counts"):
        ConversionRate(1, 2, fixed_value=0.3)
    with pytest.raises(ValueError, match=r"level must be in \(0, 1\), got 1.5"):
        ConversionRate(1, 2).interval(1.5)
    with pytest.raises(ValueError, match="n must be >= 0"):
        ConversionRate(1, 2).sample(-1, rng=0)


def test_is_frozen_and_hashable():
    r = ConversionRate(1, 2)
    with pytest.raises(AttributeError):
        r.converted = 3  # type: ignore[misc]
    assert hash(r) == hash(ConversionRate(1.0, 2.0))  # integral floats are normalised to ints


counts = st.integers(0, 5_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n)))
priors = st.tuples(st.floats(0.05, 50), st.floats(0.05, 50))
levels = st.floats(0.01, 0.995)


@given(counts, priors, levels)
def test_property_interval_lies_in_unit_interval(c, prior, level):
    low, high = ConversionRate(*c, prior=prior).interval(level)
    assert 0.0 <= low <= high <= 1.0


@given(counts, st.tuples(st.floats(1, 50), st.floats(1, 50)), st.floats(0.3, 0.995))
def test_property_interval_contains_mean(c, prior, level):
    # For a, b >= 1 the Beta CDF at the mean lies in [1/e, 1 - 1/e] (the extreme is Beta(1, b),
    # b -> inf: 1 - (1 - 1/b)^b -> 1 - 1/e = 0.632), so every central interval of level >= 0.3
    # (tails at 0.35 and 0.65) contains the mean. With a0 < 1 and no conversions it need not.
    r = ConversionRate(*c, prior=prior)
    low, high = r.interval(level)
    assert low <= r.mean <= high


@given(counts, priors, levels, levels)
def test_property_intervals_nest_as_level_rises(c, prior, level_a, level_b):
    r = ConversionRate(*c, prior=prior)
    small, large = sorted((level_a, level_b))
    low_s, high_s = r.interval(small)
    low_l, high_l = r.interval(large)
    assert low_l <= low_s + 1e-15 and high_s <= high_l + 1e-15


@given(counts, priors)
def test_property_mean_and_draws_in_unit_interval(c, prior):
    r = ConversionRate(*c, prior=prior)
    assert 0.0 < r.mean < 1.0
    draws = r.sample(50, rng=0)
    assert np.all((draws >= 0) & (draws <= 1))
