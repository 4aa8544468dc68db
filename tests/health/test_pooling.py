"""Partial pooling of segment rates (empirical-Bayes Beta-binomial)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slaplan import segment_rates
from slaplan.funnel.pooling import fit_beta_prior


def _segments(rng, sizes, rates):
    rows = []
    for name, n, p in zip("abcdefgh", sizes, rates, strict=False):
        converts = rng.uniform(size=n) < p
        rows.append(
            pd.DataFrame(
                {
                    "segment": name,
                    "mql_at": pd.Timestamp("2025-01-10"),
                    "sql_at": pd.Series(pd.Timestamp("2025-01-20"), index=range(n)).where(converts),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def test_tiny_segment_pooled_estimate_lies_between_raw_and_overall():
    # issue 4 done-when: a 12-lead segment at 50% among big segments at ~15%
    rng = np.random.default_rng(3)
    frame = _segments(rng, [2000, 1500, 1800, 12], [0.15, 0.12, 0.17, 0.5])
    table = segment_rates(frame, "mql", "sql", window_days=30, as_of="2025-06-01")
    overall = table["converted"].sum() / table["total"].sum()
    tiny = table.set_index("segment").loc["d"]
    assert tiny["small"] and not table.set_index("segment").loc["a", "small"]
    assert min(tiny["rate"], overall) < tiny["pooled"] < max(tiny["rate"], overall)
    assert tiny["pooled_low"] < tiny["pooled"] < tiny["pooled_high"]
    # the big segments barely move
    big = table[~table["small"]]
    np.testing.assert_allclose(big["pooled"], big["rate"], atol=0.01)


def test_fit_beta_prior_recovers_the_strength_of_simulated_groups():
    # independent simulation: 400 groups of 500 leads with rates ~ Beta(30, 170) (strength 200)
    rng = np.random.default_rng(11)
    rates = rng.beta(30, 170, 400)
    converted = rng.binomial(500, rates)
    a, b = fit_beta_prior(converted, np.full(400, 500))
    assert a / (a + b) == pytest.approx(0.15, abs=0.005)
    assert a + b == pytest.approx(200, rel=0.2)


def test_fit_beta_prior_without_extra_variance_pools_completely():
    a, b = fit_beta_prior([15, 15, 15], [100, 100, 100])  # identical rates: rho <= 0
    assert a + b == pytest.approx(300) and a / (a + b) == pytest.approx(0.15)
    assert fit_beta_prior([0], [0]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="converted <= total"):
        fit_beta_prior([5], [3])


@given(
    st.lists(
        st.integers(1, 300).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
        min_size=1,
        max_size=8,
    )
)
def test_property_pooled_mean_between_raw_and_prior_mean(groups):
    converted = np.array([g[0] for g in groups])
    total = np.array([g[1] for g in groups])
    a, b = fit_beta_prior(converted, total)
    assert a > 0 and b > 0
    pooled = (a + converted) / (a + b + total)
    raw, prior_mean = converted / total, a / (a + b)
    assert np.all(pooled >= np.minimum(raw, prior_mean) - 1e-12)
    assert np.all(pooled <= np.maximum(raw, prior_mean) + 1e-12)
