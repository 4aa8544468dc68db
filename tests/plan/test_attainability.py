"""attainability(): exact and Monte Carlo paths, searches, verdicts, errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from slaplan import ConversionRate, InfeasibleTargetError, VolumeModel
from slaplan.plan.attainability import attainability, required_volume, verdict_for


def simulate_chain(target, volume, rates, n_paths, seed):
    """Independent brute-force simulation: volume, then a binomial per stage per path."""
    rng = np.random.default_rng(seed)
    counts = volume.sample(n_paths, rng)
    for rate in rates:
        counts = rng.binomial(counts, rate.sample(n_paths, rng))
    return counts


def test_one_beta_stage_is_exact_and_matches_betabinom_mixture():
    a = attainability(40, volume=VolumeModel.poisson(300), rates=ConversionRate(40, 300))
    assert a.method == "exact" and a.standard_error == 0.0
    counts = simulate_chain(40, VolumeModel.poisson(300), [ConversionRate(40, 300)], 10**6, 3)
    assert a.probability == pytest.approx((counts >= 40).mean(), abs=0.003)  # 10^6 paths
    assert a.p50 == pytest.approx(np.quantile(counts, 0.5), abs=1)


def test_chain_of_two_beta_rates_is_within_0_005_of_a_million_path_simulation():
    volume = VolumeModel.negative_binomial(300, 20)
    rates = [ConversionRate(120, 300), ConversionRate(40, 120)]
    a = attainability(40, volume=volume, rates=rates, seed=1)
    assert a.method == "monte carlo"
    counts = simulate_chain(40, volume, rates, 10**6, 2)
    assert a.probability == pytest.approx((counts >= 40).mean(), abs=0.005)
    assert a.standard_error < 0.002


def test_one_beta_and_fixed_rates_collapse_to_exact():
    rates = [ConversionRate(120, 300), 0.33]
    a = attainability(40, volume=300.0, rates=rates)
    b = attainability(40, volume=300.0 * 0.33, rates=ConversionRate(120, 300))
    assert a.method == "exact"
    assert a.probability == pytest.approx(b.probability, abs=1e-12)


def test_all_fixed_rates_is_the_poisson_tail():
    a = attainability(12, volume=300.0, rates=[0.2, 0.2])
    assert a.probability == pytest.approx(stats.poisson.sf(11, 12.0), abs=1e-12)  # closed form
    assert a.expected == pytest.approx(12.0)


def test_max_target_is_the_largest_target_at_confidence():
    a = attainability(40, volume=300.0, rates=ConversionRate(40, 300), confidence=0.8)
    at_max = attainability(a.max_target, volume=300.0, rates=ConversionRate(40, 300))
    above = attainability(a.max_target + 1, volume=300.0, rates=ConversionRate(40, 300))
    assert at_max.probability >= 0.8 > above.probability


def test_required_volume_reaches_confidence_and_one_less_does_not():
    rate = ConversionRate(40, 300)
    needed = required_volume(40, volume=300.0, rates=rate, confidence=0.8)
    assert attainability(40, volume=needed, rates=rate).probability >= 0.8
    assert attainability(40, volume=needed - 1, rates=rate).probability < 0.8


def test_capacity_cap_makes_a_target_infeasible():
    with pytest.raises(InfeasibleTargetError) as info:
        required_volume(40, volume=300.0, rates=ConversionRate(40, 300), capacity_per_month=200)
    assert info.value.target == 40 and info.value.best_achievable < 40
    a = attainability(
        40, volume=300.0, rates=ConversionRate(40, 300), capacity_per_month=200, seed=0
    )
    assert math.isinf(a.required_volume) and a.method == "monte carlo"


def test_capacity_lowers_the_probability_against_brute_force():
    rate = ConversionRate(40, 300)
    a = attainability(35, volume=300.0, rates=rate, capacity_per_month=250, seed=0)
    rng = np.random.default_rng(5)
    worked = np.minimum(rng.poisson(300, 10**6), 250)
    counts = rng.binomial(worked, rate.sample(10**6, rng))
    assert a.probability == pytest.approx((counts >= 35).mean(), abs=0.01)
    assert a.probability < attainability(35, volume=300.0, rates=rate).probability


def test_target_zero_is_attainable_with_no_volume_needed():
    a = attainability(0, volume=10.0, rates=0.1)
    assert (a.probability, a.required_volume, a.verdict) == (1.0, 0.0, "attainable")


@pytest.mark.parametrize(
    ("p", "verdict"),
    [
        (0.85, "attainable"),
        (0.8, "attainable"),
        (0.5, "stretch"),
        (0.2, "stretch"),
        (0.19, "out of reach"),
    ],
)
def test_verdict_thresholds(p, verdict):
    assert verdict_for(p, 0.8) == verdict


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(target=-1), "target"),
        (dict(target=1.5), "target"),
        (dict(confidence=1.5), "confidence"),
        (dict(rates="x"), "rates"),
        (dict(volume="x"), "volume"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    args = dict(target=10, volume=100.0, rates=0.1) | kwargs
    target = args.pop("target")
    with pytest.raises((TypeError, ValueError), match=match):
        attainability(target, **args)


def test_to_frame_has_one_row():
    assert len(attainability(5, volume=100.0, rates=0.1).to_frame()) == 1


@settings(max_examples=30)
@given(
    target=st.integers(0, 80),
    volume=st.floats(10, 1000),
    converted=st.integers(0, 200),
    extra=st.integers(0, 500),
)
def test_probability_monotone_in_target_and_volume(target, volume, converted, extra):
    rate = ConversionRate(converted, converted + extra)
    p = attainability(target, volume=volume, rates=rate).probability
    assert 0.0 <= p <= 1.0 + 1e-12
    assert attainability(target + 1, volume=volume, rates=rate).probability <= p + 1e-9
    assert attainability(target, volume=volume * 1.2, rates=rate).probability >= p - 1e-9


def test_poisson_inversion_matches_scipy_ppf():
    from slaplan.plan.outcome import poisson_quantiles

    uniforms = np.random.default_rng(0).random(5000)
    means = np.random.default_rng(1).uniform(0, 3000, 5000)
    # reference: scipy.stats.poisson.ppf (the same inverse CDF)
    np.testing.assert_array_equal(
        poisson_quantiles(means, uniforms), stats.poisson.ppf(uniforms, means)
    )
