"""The study's scores on hand-computed cases (Brier, ECE, reliability, naive rules, noise)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from .scoring import (
    brier_score,
    calibration_slope,
    debiased_calibration_error,
    expected_calibration_error,
    naive_probabilities,
    noise_reference,
    null_quantiles,
    paired_brier_excess,
    reliability_table,
    summarize,
)


def test_brier_and_ece_of_a_hand_computed_example():
    p, y = [0.25, 0.25, 0.75, 0.75], [0, 1, 1, 1]
    # Brier: (.0625 + .5625 + .0625 + .0625) / 4; ECE: bin 2 |1 - .5|, bin 7 |2 - 1.5|, over 4
    assert brier_score(p, y) == pytest.approx(0.1875)
    assert expected_calibration_error(p, y) == pytest.approx(0.25)


def test_probability_one_falls_in_the_last_bin_and_zero_in_the_first():
    table = reliability_table([0.0, 1.0, 0.95], [0, 1, 1])
    assert table["n"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table.loc[9, "mean_predicted"] == pytest.approx(0.975)


def test_a_bin_is_flagged_only_with_30_worlds_and_a_gap_over_ten_points():
    # 30 worlds at 0.85 of which 21 met (0.70: gap -0.15) -> flagged; 29 alike -> too few;
    # 30 at 0.45 with 15 met (gap +0.05) -> within 0.10
    p = [0.85] * 30 + [0.65] * 29 + [0.45] * 30
    y = [1] * 21 + [0] * 9 + [1] * 14 + [0] * 15 + [1] * 15 + [0] * 15
    table = reliability_table(p, y).set_index("bin")
    assert table.loc["0.8–0.9", "flagged"] and table.loc["0.8–0.9", "gap"] == pytest.approx(-0.15)
    assert not table.loc["0.6–0.7", "flagged"] and not table.loc["0.4–0.5", "flagged"]


def test_noise_quantile_of_one_bin_is_the_binomial_one():
    # 100 worlds at 0.5: ECE = |k/100 - 0.5| with k ~ Binomial(100, 0.5); its 99% quantile is
    # 0.13 (P(|k - 50| >= 13) = 0.0120 > 0.01 >= P(|k - 50| >= 14) = 0.0066, exact binomial sums)
    ece_q, gap_q = null_quantiles(
        np.full(100, 0.5), quantile=0.99, min_worlds=30, rng=np.random.default_rng(0)
    )
    assert ece_q == pytest.approx(0.13, abs=0.011)
    assert gap_q == pytest.approx(ece_q)  # one bin: the largest gap is the ECE


def test_a_calibrated_forecaster_stays_under_the_noise_quantile_most_of_the_time():
    rng = np.random.default_rng(1)
    p = rng.uniform(0, 1, 200)
    ece_q, _ = null_quantiles(p, quantile=0.95, min_worlds=30, rng=np.random.default_rng(2))
    eces = [expected_calibration_error(p, rng.random(200) < p) for _ in range(400)]
    assert 0.92 <= np.mean(np.array(eces) <= ece_q) <= 0.98  # 0.95; binomial sd 0.011


def test_paired_brier_excess_is_negative_when_the_forecast_is_better():
    y = np.array([1, 0, 1, 0, 1, 0])
    mean, se = paired_brier_excess(np.where(y == 1, 0.9, 0.1), np.full(6, 0.5), y)
    assert mean == pytest.approx(0.01 - 0.25) and se == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("as_of", "last_count", "mean"),
    [
        ("2025-03-31 23:59:59", 4, 3.0),  # March is complete: months Jan, Feb, Mar = 2, 3, 4
        ("2025-03-15 23:59:59", 3, 2.5),  # March is open: Dec has no event yet, so Jan, Feb
    ],
)
def test_naive_rules_use_complete_months_only(as_of, last_count, mean):
    stamps = ["2025-01-05", "2025-01-20"] + ["2025-02-10"] * 3 + ["2025-03-02"] * 3
    stamps += ["2025-03-20"]  # after the mid-month as_of it would not be in the export
    times = pd.Series(pd.to_datetime(stamps))
    as_of = pd.Timestamp(as_of)
    times = times[times <= as_of]
    naive, smooth, last = naive_probabilities(times, as_of=as_of, target=3)
    assert last == last_count and naive == 1.0
    # P(Poisson(mean) >= 3) = 1 - e^-m (1 + m + m^2/2), the closed form
    assert smooth == pytest.approx(1 - math.exp(-mean) * (1 + mean + mean**2 / 2))


def test_naive_rule_says_zero_without_any_event():
    nothing = pd.Series([], dtype="datetime64[ns]")
    assert naive_probabilities(nothing, as_of=pd.Timestamp("2025-01-31"), target=1) == (0, 0, 0)


def test_summary_counts_insufficient_and_errors_and_scores_only_numbers():
    rows = pd.DataFrame({
        "kind": ["k"] * 4, "metric": ["sql"] * 4,
        "status": ["ok", "ok", "insufficient", "error"],
        "probability": [0.9, 0.2, np.nan, np.nan], "met": [True, False, True, False],
        "naive": [1.0, 1.0, 0.0, 0.0], "naive_smooth": [0.5, 0.5, 0.0, 0.0],
    })  # fmt: skip
    row = summarize(rows).iloc[0]
    assert (row["worlds"], row["errors"], row["scored"]) == (4, 1, 2)
    assert row["insufficient"] == 0.25
    assert row["brier"] == pytest.approx((0.01 + 0.04) / 2)
    assert row["naive_brier"] == pytest.approx(0.5) and row["climatology_brier"] == 0.25


def test_calibration_slope_recovers_the_logistic_model_the_outcomes_come_from():
    # outcomes drawn from logit P(y) = 0.3 + 0.5 logit(p): the fit returns (0.3, 0.5) within
    # ~3 standard errors at n = 20,000 (se of the slope ~0.01 here)
    rng = np.random.default_rng(3)
    p = rng.uniform(0.02, 0.98, 20_000)
    truth = 1 / (1 + np.exp(-(0.3 + 0.5 * np.log(p / (1 - p)))))
    intercept, slope = calibration_slope(p, rng.random(p.size) < truth)
    assert intercept == pytest.approx(0.3, abs=0.06) and slope == pytest.approx(0.5, abs=0.04)


def test_calibration_slope_is_undefined_when_every_target_was_met():
    assert np.isnan(calibration_slope([0.2, 0.5, 0.9], [1, 1, 1])[1])


def test_per_bin_noise_of_one_bin_is_the_binomial_quantile():
    # 100 worlds at 0.5: |k/100 - 0.5| with k ~ Binomial(100, 0.5) exceeds 0.10 with probability
    # P(|k - 50| >= 11) = 0.035 and reaches it with P(|k - 50| >= 10) = 0.057 (exact sums), so
    # its 95% quantile is 0.10
    noise = noise_reference(np.full(100, 0.5), rng=np.random.default_rng(4), n_draws=20_000)
    assert noise.bin_gap_q95[5] == pytest.approx(0.10, abs=0.005)
    assert np.isnan(noise.bin_gap_q95[0])  # an empty bin has no noise to speak of


def test_debiasing_removes_the_noise_floor_of_a_perfectly_calibrated_kit():
    # 400 predictions uniform on [0, 1], outcomes drawn from them (a perfect kit), 200 times:
    # the raw ECE sits near its noise floor (~0.045 at this size, this module's docstring),
    # the debiased one near 0
    rng = np.random.default_rng(6)
    p = rng.uniform(0, 1, 400)
    samples = rng.random((200, 400)) < p
    raw = [expected_calibration_error(p, y) for y in samples]
    debiased = [debiased_calibration_error(p, y) for y in samples]
    assert 0.035 < np.median(raw) < 0.06 and np.median(debiased) < 0.025


def test_debiased_ece_estimates_a_known_miscalibration():
    # outcomes from logit P(y) = 0.6 logit(p): the population ECE of these bins is computed
    # exactly from the true probabilities; the debiased estimate's mean over 200 samples is
    # within 0.01 of it, the raw ECE's mean above it
    rng = np.random.default_rng(7)
    p = rng.uniform(0.01, 0.99, 400)
    truth = 1 / (1 + np.exp(-0.6 * np.log(p / (1 - p))))
    bins = np.minimum((p * 10).astype(int), 9)
    population = sum(abs(truth[bins == k].sum() - p[bins == k].sum()) for k in range(10)) / 400
    samples = rng.random((200, 400)) < truth
    debiased = np.mean([debiased_calibration_error(p, y) for y in samples])
    raw = np.mean([expected_calibration_error(p, y) for y in samples])
    assert debiased == pytest.approx(population, abs=0.01) and raw > population + 0.005


def test_calibration_slope_matches_a_maximum_likelihood_fit_where_plain_newton_overshoots():
    # very confident, often wrong predictions: Newton from (0, 1) overshoots without step
    # halving; the maximum likelihood fit (checked with statsmodels' Logit on this sample:
    # intercept -0.1758, slope 0.1506) is recovered
    rng = np.random.default_rng(8)
    p = np.concatenate([rng.uniform(0.0, 0.05, 60), rng.uniform(0.95, 1.0, 60)])
    y = np.concatenate([rng.random(60) < 0.3, rng.random(60) < 0.7])
    intercept, slope = calibration_slope(p, y)
    assert (intercept, slope) == pytest.approx((-0.1758, 0.1506), abs=2e-3)


def test_an_exactly_bayesian_forecaster_is_calibrated_only_against_targets_it_could_see():
    """Why the worlds' targets come from the export (independent simulation, scipy's Poisson).

    Poisson counts whose log-mean the forecaster knows to +-0.3 (a normal posterior, exact):
    its P(count >= target) is calibrated for targets set from its own information (its posterior
    mean x U(0.6, 1.4)) and not for targets set from the truth's mean x U(0.6, 1.4), where the
    target tells what the forecaster could not know.
    """
    from scipy import stats

    rng = np.random.default_rng(0)
    n, prior_sd, known_to = 8_000, 0.7, 0.3
    truth = rng.normal(np.log(50), prior_sd, n)
    seen = truth + rng.normal(0, known_to, n)
    variance = 1 / (1 / prior_sd**2 + 1 / known_to**2)
    mean = variance * (np.log(50) / prior_sd**2 + seen / known_to**2)
    counts = rng.poisson(np.exp(truth))
    draws = np.exp(mean[:, None] + np.sqrt(variance) * rng.normal(size=(n, 300)))
    factor = rng.uniform(0.6, 1.4, n)
    for base, bar in ((np.exp(truth), "fails"), (np.exp(mean + variance / 2), "holds")):
        target = np.maximum(1, np.round(factor * base))
        said = stats.poisson.sf(target[:, None] - 1, draws).mean(axis=1)
        ece = expected_calibration_error(said, counts >= target)
        assert (ece > 0.05) if bar == "fails" else (ece < 0.025)  # 0.069 and 0.014 here
