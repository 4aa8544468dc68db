"""Exact one-stage kernels against independent computations (scipy.integrate, scipy.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, special, stats

from slaplan.plan.exact import (
    prob_at_least,
    prob_at_least_array,
    prob_at_least_given_rate,
    prob_binomial_at_least,
)

INF = math.inf


def quad_reference(target, mean, dispersion, alpha, beta):
    """Independent value: adaptive quadrature (scipy.integrate.quad) of scipy.stats pmfs/pdfs."""
    if math.isinf(dispersion):

        def integrand(p):
            return stats.poisson.sf(target - 1, mean * p) * stats.beta.pdf(p, alpha, beta)
    else:

        def integrand(p):
            sf = stats.nbinom.sf(target - 1, dispersion, dispersion / (dispersion + mean * p))
            return sf * stats.beta.pdf(p, alpha, beta)

    low, high = stats.beta.ppf([1e-15, 1 - 1e-15], alpha, beta)
    points = [target / mean] if low < target / mean < high else None
    value, _ = integrate.quad(
        integrand, low, high, points=points, epsabs=1e-13, epsrel=1e-12, limit=1000
    )
    return value


# (target, volume mean, dispersion, alpha, beta): NB volume, tiny and huge volumes, posteriors
# from 30,000 leads, rates near 0 and 1, target 0 and far above the mean.
CASES = [
    (12, 300.0, INF, 41.0, 261.0),
    (40, 300.0, 20.0, 41.0, 261.0),
    (300, 3000.0, INF, 41.0, 261.0),
    (50, 300.0, 5.0, 11.0, 41.0),
    (9000, 30000.0, INF, 9000.0, 21000.0),  # posterior from 30,000 leads
    (9000, 30000.0, 50.0, 9000.0, 21000.0),
    (20, 1e6, INF, 1.01, 30000.0),  # rate near 0, huge volume
    (30, 30.0, INF, 999.0, 1.5),  # rate near 1
    (1, 5.0, INF, 1.0, 1.0),
    (5, 10.0, INF, 2.0, 200.0),  # target far above the mean (P ~ 1e-6)
    (100, 100000.0, INF, 11.0, 41.0),
    (2000, 10000.0, 30.0, 300.0, 1000.0),
    (1, 0.5, INF, 3.0, 3.0),  # tiny volume
    (200, 300.0, INF, 41.0, 261.0),  # far above the mean
]


@pytest.mark.parametrize("case", CASES)
def test_matches_scipy_integrate_quad_to_1e_6(case):
    reference = quad_reference(*case)
    assert prob_at_least(*case) == pytest.approx(reference, abs=1e-6)
    assert float(prob_at_least_array(*case)) == pytest.approx(reference, abs=1e-6)


def test_poisson_beta_golden_value_laurent_2019():
    # PRODUCT.md §6: N ~ Poisson(2 p), p ~ Beta(10, 5) -> P(N <= 3) = 0.94995 (S. Laurent, 2019)
    assert 1 - prob_at_least(4, 2.0, INF, 10.0, 5.0) == pytest.approx(0.94995, abs=5e-6)


def test_target_zero_is_certain_and_zero_volume_impossible():
    assert prob_at_least(0, 300.0, INF, 2.0, 3.0) == 1.0
    assert prob_at_least(1, 0.0, INF, 2.0, 3.0) == 0.0


def test_fixed_rate_is_the_poisson_tail():
    # closed form: P(Poisson(36) >= 40) via scipy.stats
    expected = stats.poisson.sf(39, 36.0)
    assert prob_at_least(40, 300.0, INF, INF, 0.12) == pytest.approx(expected, abs=1e-12)


def test_fixed_rate_nb_is_the_thinned_negative_binomial_tail():
    # NB thinning keeps the dispersion: K ~ NB(r=20, mean 36) (scipy.stats.nbinom)
    expected = stats.nbinom.sf(39, 20, 20 / 56)
    assert prob_at_least(40, 300.0, 20.0, INF, 0.12) == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(
    ("target", "volume", "alpha", "beta"),
    [(12, 300, 41.0, 261.0), (40, 300, 41.0, 261.0), (400, 3000, 41.0, 261.0), (3, 3, 1.0, 1.0)],
)
def test_binomial_tail_matches_scipy_betabinom(target, volume, alpha, beta):
    expected = stats.betabinom.sf(target - 1, volume, alpha, beta)
    assert prob_binomial_at_least(target, volume, alpha, beta) == pytest.approx(expected, abs=1e-9)


def test_given_rate_poisson_closed_form():
    assert float(prob_at_least_given_rate(1, 10.0, INF, 0.1)) == pytest.approx(1 - math.exp(-1))


def test_array_kernel_agrees_with_scalar_kernel_on_a_grid():
    rng = np.random.default_rng(1)
    targets = rng.integers(0, 200, 50)
    means = rng.uniform(1, 2000, 50)
    dispersion = np.where(rng.random(50) < 0.5, INF, rng.uniform(1, 100, 50))
    alpha, beta = rng.uniform(1, 500, 50), rng.uniform(1, 2000, 50)
    vector = prob_at_least_array(targets, means, dispersion, alpha, beta)
    scalar = [
        prob_at_least(*args) for args in zip(targets, means, dispersion, alpha, beta, strict=True)
    ]
    np.testing.assert_allclose(vector, scalar, atol=1e-9)


@given(
    target=st.integers(0, 500),
    mean=st.floats(0.1, 5000),
    alpha=st.floats(0.5, 5000),
    beta=st.floats(0.5, 5000),
    nb=st.booleans(),
)
def test_probability_in_unit_interval_and_monotone(target, mean, alpha, beta, nb):
    dispersion = 10.0 if nb else INF
    p = prob_at_least(target, mean, dispersion, alpha, beta)
    assert 0.0 <= p <= 1.0 + 1e-12
    assert prob_at_least(target + 1, mean, dispersion, alpha, beta) <= p + 1e-9
    assert prob_at_least(target, mean * 1.1, dispersion, alpha, beta) >= p - 1e-9


def test_special_function_identity_nb_tail():
    # betainc form of the NB tail equals scipy.stats.nbinom.sf (the identity the kernel uses)
    r, m, t = 7.5, 40.0, 45
    assert special.betainc(t, r, m / (r + m)) == pytest.approx(
        stats.nbinom.sf(t - 1, r, r / (r + m))
    )


def _sweep_cases():
    """Grid over priors, volume shapes and the rate-spread / count-noise ratio."""
    cases = []
    for alpha, beta in [(41.0, 261.0), (3.0, 5.0), (1.0, 1.0), (30.0, 1.5), (9000.0, 21000.0)]:
        rate_mean = alpha / (alpha + beta)
        rate_var = rate_mean * (1 - rate_mean) / (alpha + beta + 1)
        for dispersion in (INF, 20.0):
            for ratio in (0.5, 0.6, 0.8, 0.95, 1.0, 1.1, 1.4, 1.5, 3.0, 20.0):
                denominator = rate_var - ratio**2 * rate_mean**2 / dispersion
                if denominator <= 0:
                    continue
                mean = ratio**2 * rate_mean / denominator
                for q in (0.05, 0.5, 0.95):
                    target = max(1, round(mean * stats.beta.ppf(q, alpha, beta)))
                    cases.append((target, mean, dispersion, alpha, beta))
    return cases


def test_sweep_over_spread_ratios_matches_quad_to_1e_6():
    worst = 0.0
    for case in _sweep_cases():
        reference = quad_reference(*case)
        worst = max(worst, abs(prob_at_least(*case) - reference))
        worst = max(worst, abs(float(prob_at_least_array(*case)) - reference))
    assert worst <= 1e-6
