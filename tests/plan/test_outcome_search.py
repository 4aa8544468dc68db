"""Shortcuts in the capped outcome and the volume search give the numbers of the plain method."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from slaplan import ConversionRate, VolumeModel
from slaplan.plan.outcome import build_outcome, smallest_volume


def capped(capacity=400, n_draws=4000):
    return build_outcome(
        VolumeModel.negative_binomial(400, 40),
        [ConversionRate(1269, 9278)],
        capacity=capacity,
        n_draws=n_draws,
        rng=np.random.default_rng(0),
    )


def test_survival_curve_equals_one_betainc_per_target():
    # reference: the direct mean over draws of betainc(t, w - t + 1, p) for every target
    outcome = capped()
    direct = [outcome._values(t, 400.0).mean() for t in range(1, 120)]
    outcome.prob_at_least(40, 400.0)  # first query: direct; the second builds the curve
    from_curve = [outcome.prob_at_least(t, 400.0) for t in range(1, 120)]
    np.testing.assert_allclose(from_curve, direct, atol=1e-12)


@pytest.mark.parametrize("dispersion", [5.0, 20.0])
def test_survival_curve_with_a_rate_near_one_and_wide_volume(dispersion):
    # regression: a rate of 0.98 and a wide NB volume put the curve's start far below every
    # draw's mode, where p**t (1 - p)**(w - t) underflows; the recurrence stalled at S = 0.97
    # for every target (the check of the sample SLA reported a "largest safe target" of 437
    # beside P(300) = 59%). Reference: one betainc per draw and target.
    outcome = build_outcome(
        VolumeModel.negative_binomial(321, dispersion),
        [ConversionRate(4655, 4755)],
        capacity=438,
        n_draws=3000,
        rng=np.random.default_rng(0),
    )
    targets = list(range(1, 438, 12))
    direct = [outcome._values(t, 321.0).mean() for t in targets]
    outcome.prob_at_least(300, 321.0)  # first query: direct; the second builds the curve
    from_curve = [outcome.prob_at_least(t, 321.0) for t in targets]
    np.testing.assert_allclose(from_curve, direct, atol=1e-12)


def test_capped_probability_matches_a_binomial_of_min_volume_capacity():
    # independent simulation: K = Binomial(min(N, cap), p), N ~ NB(400, 40), p ~ Beta(1270, 8010)
    rng = np.random.default_rng(1)
    n = 400_000
    volume = VolumeModel.negative_binomial(400, 40).sample(n, rng)
    k = rng.binomial(np.minimum(volume, 400), rng.beta(1270, 8010, n))
    outcome = capped()
    for target in (40, 50, 55, 60):
        estimate, se = outcome.probability(target, 400.0)
        assert estimate == pytest.approx((k >= target).mean(), abs=4 * se + 0.003)


def plain_bisection(prob, level, start, relative_tolerance=0.0, growth=2.0):
    """The search as first written: bracket, then bisect (reference for the faster steps)."""
    high, low = max(1.0, math.ceil(start)), 0.0
    while prob(high) < level:
        low, high = high, math.ceil(high * growth)
    if low == 0.0 and high > 1.0:
        low = math.floor(high / growth)
        while low > 0 and prob(low) >= level:
            high, low = low, math.floor(low / growth)
    while high - low > max(1.0, relative_tolerance * high):
        middle = float(math.floor((low + high) / 2))
        low, high = (low, middle) if prob(middle) >= level else (middle, high)
    return float(high)


@given(
    target=st.integers(1, 400),
    rate=st.floats(0.01, 0.9),
    level=st.floats(0.05, 0.95),
    start=st.floats(1, 5000),
)
def test_volume_search_finds_the_same_whole_volume_as_bisection(target, rate, level, start):
    # exact Poisson thinning: P(Poisson(v * rate) >= target), monotone in v
    def prob(v):
        return float(stats.poisson.sf(target - 1, v * rate))

    assert smallest_volume(prob, level, start) == plain_bisection(prob, level, start)


def test_volume_search_with_tolerance_brackets_the_answer():
    def prob(v):
        return float(stats.poisson.sf(49, v * 0.137))

    found = smallest_volume(prob, 0.8, 100.0, relative_tolerance=0.005, growth=1.25)
    exact = plain_bisection(prob, 0.8, 100.0)
    assert exact <= found <= exact * 1.005 + 1


@pytest.mark.parametrize(
    ("volume", "rate", "capacity"),
    [
        (VolumeModel.negative_binomial(321, 20), ConversionRate(4655, 4755), 438),
        (VolumeModel.negative_binomial(321, 5), ConversionRate(4655, 4755), 300),
        (VolumeModel.poisson(400), ConversionRate(40, 300), 350),
        (VolumeModel.poisson(400), ConversionRate(40, 300), None),
    ],
)
def test_max_target_agrees_with_the_probability_of_meeting_it(volume, rate, capacity):
    # the result must not contradict itself: T <= max_target exactly when P(T) >= confidence
    from slaplan import attainability

    found = attainability(
        100, volume=volume, rates=[rate], capacity_per_month=capacity, confidence=0.8, seed=3
    )
    at_max = attainability(
        found.max_target, volume=volume, rates=[rate], capacity_per_month=capacity, seed=3
    )
    above = attainability(
        found.max_target + 1, volume=volume, rates=[rate], capacity_per_month=capacity, seed=3
    )
    assert at_max.probability >= 0.8 > above.probability
    assert found.p10 <= found.p50 <= found.p90
