"""Drift tests: size under no change, the closed-form posterior, and the samples' response drop."""

from __future__ import annotations

import numpy as np
import pytest

import slaplan as sp
from slaplan.sla.drift import (
    _beta_pdf,
    detect_drift,
    fisher_exact_p,
    holm_adjust,
    propose_targets,
    rate_ratio_test,
    share_change_test,
)


def test_rate_ratio_test_holds_its_size_on_overdispersed_months():
    # independent simulation: 6 vs 4 months of NB(mean 300, dispersion 30) counts, no change;
    # a plain Poisson test would reject far more than 5% of the time here
    rng = np.random.default_rng(3)
    lam = rng.gamma(30, 300 / 30, size=(2000, 10))
    counts = rng.poisson(lam)
    p = np.array([rate_ratio_test(row[:6], row[6:])[1] for row in counts])
    assert 0.02 < np.mean(p < 0.05) < 0.09


def test_rate_ratio_test_sees_a_real_drop():
    rng = np.random.default_rng(4)
    ratio, p, down = rate_ratio_test(rng.poisson(300, 6), rng.poisson(200, 4))
    assert ratio < 0.75 and p < 1e-4 and down > 0.999  # true ratio 2/3


def test_posterior_probability_of_decrease_matches_simulation():
    # Gamma(1/2 + n, m) posteriors of two Poisson intensities (phi = 1), checked by sampling
    before, after = [50, 60, 55], [45, 50]
    _, _, down = rate_ratio_test(before, after)
    rng = np.random.default_rng(5)
    l1 = rng.gamma(0.5 + 165, 1 / 3, 400_000)
    l2 = rng.gamma(0.5 + 95, 1 / 2, 400_000)
    assert down == pytest.approx(np.mean(l2 < l1), abs=0.005)


def test_share_change_posterior_matches_simulation():
    _, p, down = share_change_test(40, 300, 25, 280)
    rng = np.random.default_rng(6)
    p1, p2 = rng.beta(41, 261, 400_000), rng.beta(26, 256, 400_000)
    assert down == pytest.approx(np.mean(p2 < p1), abs=0.005)
    assert 0 < p < 1


def test_fisher_exact_p_matches_scipy_stats():
    # reference: scipy.stats.fisher_exact (two-sided), which the review no longer imports;
    # random tables of both shapes, ties (equal margins), empty margins and a large table
    from scipy import stats

    rng = np.random.default_rng(7)
    tables = [[[8, 2], [1, 5]], [[0, 5], [0, 7]], [[3, 3], [3, 3]], [[1200, 3000], [900, 2800]]]
    for _ in range(300):
        n1, n2 = rng.integers(1, 300, 2) if rng.random() < 0.7 else [rng.integers(1, 30)] * 2
        a, c = rng.integers(0, n1 + 1), rng.integers(0, n2 + 1)
        tables.append([[a, n1 - a], [c, n2 - c]])
    for table in tables:
        expected = stats.fisher_exact(table).pvalue
        assert fisher_exact_p(table) == pytest.approx(expected, rel=1e-9), table


def test_beta_density_matches_scipy_stats():
    from scipy import stats

    # bit for bit: the samples' P(decrease) of the response share is 1 - (rounding error)
    grid = np.linspace(0.0, 1.0, 4001)
    for a, b in [(1, 1), (1, 5), (41, 261), (1200, 4000)]:
        np.testing.assert_array_equal(_beta_pdf(grid, a, b), stats.beta.pdf(grid, a, b))


def test_holm_matches_the_step_down_definition():
    # by hand: sorted p (0.01, 0.03, 0.04) x (3, 2, 1) = (0.03, 0.06, 0.04) -> monotone 0.06
    np.testing.assert_allclose(holm_adjust([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    assert np.isnan(holm_adjust([np.nan, 0.5])[0])


@pytest.fixture(scope="module")
def drift(sample_sla, sample_leads):
    return detect_drift(sample_sla, sample_leads, as_of="2026-11-15")


def test_drift_table_states_test_and_p_values(drift, sample_sla):
    assert list(drift.index) == [c.id for c in sample_sla.commitments]
    assert drift["p_value"].between(0, 1).all() and drift["prob_decrease"].between(0, 1).all()
    assert drift["test"].str.len().gt(0).all()
    assert str(drift.attrs["since"]) == "2026-07"  # the sample SLA's last review


def test_samples_response_share_dropped_after_the_review(drift):
    row = drift.loc["mql_response"]
    assert row["changed"] and row["after"] < row["before"] and row["prob_decrease"] > 0.99


def test_proposals_follow_max_target(sample_sla):
    import pandas as pd

    checked = pd.DataFrame(
        {"max_target": [334.6, 35.2, 5.0, 0.1104, 0.666, 275.0],
         "probability": [0.9, 0.3, 0.1, 0.6, 0.2, 0.6],
         "required_volume": [float("nan"), 480.0, float("inf"), float("nan"), float("nan"), 330.0],
         "current_volume": [float("nan"), 400.0, 70.0, float("nan"), float("nan"), 300.0],
         "required_stage": ["lead", "mql", "mql", "", "", "mql"]},
        index=[c.id for c in sample_sla.commitments],
    )  # fmt: skip
    table = propose_targets(sample_sla, checked)
    assert table.loc["mql_volume", "proposed"] == 334
    assert table.loc["mql_to_sql", "proposed"] == pytest.approx(0.11)
    assert table.loc["mql_volume", "note"] == "could be raised to 334"
    # a specific note per row: what would make the current target attainable, with the number
    assert table.loc["sql_volume", "note"] == (
        "lower to 35, or bring mql volume to 480 a month (now 400)"
    )
    assert table.loc["events_sql", "note"] == (
        "lower to 5; more mql volume alone would not make it attainable"
    )
    assert table.loc["mql_to_sql", "note"] == "lower to 11%, or lift mql→sql conversion"
    assert table.loc["mql_response", "note"].startswith("lower to 66%, or add reps")


def test_public_names():
    assert sp.detect_drift is detect_drift and sp.propose_targets is propose_targets
