"""Cohort rates from all cohorts, censoring-aware, with regimes — against independent simulation.

The worlds are simulated here (numpy): leads enter a stage uniformly over months, each converts
with its cohort's probability after an exponential or gamma lag, and the table is cut at
``as_of`` exactly as an export taken that day would be.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from slaplan.estimate.cohort_rates import effective_trials, fit_cohort_rates, rate_loglik
from slaplan.estimate.transitions import (
    MIN_CONVERSIONS,
    OpenLeads,
    closing_shares,
    estimate_transition,
)

START = pd.Timestamp("2025-01-01")


def _leads(rng, rates_by_month, per_month, lag_days, *, as_of, lost_share=0.0, whole=False):
    """A censored lead frame: ``mql_at``, ``sql_at`` (and ``lost_at``) as known at ``as_of``
    (``whole``: also the frame of everything that will happen)."""
    rows = []
    for month, rate in enumerate(rates_by_month):
        start = START + pd.DateOffset(months=month)
        days = (start + pd.DateOffset(months=1) - start).days
        mql = start + pd.to_timedelta(rng.uniform(0, days, per_month), unit="D")
        converts = rng.random(per_month) < rate
        sql = mql + pd.to_timedelta(rng.exponential(lag_days, per_month), unit="D")
        lost = mql + pd.to_timedelta(rng.exponential(lag_days, per_month), unit="D")
        rows.append(
            pd.DataFrame(
                {
                    "mql_at": mql,
                    "sql_at": pd.Series(sql).where(converts).to_numpy(),
                    "lost_at": pd.Series(lost)
                    .where(~converts & (rng.random(per_month) < lost_share))
                    .to_numpy(),
                }
            )
        )
    truth = pd.concat(rows, ignore_index=True)
    frame = truth.apply(lambda c: c.where(c <= as_of))
    kept = frame["mql_at"].notna()
    return (frame[kept], truth[kept]) if whole else frame[kept]


def test_effective_trials_limits():
    completion = np.array([0.0, 0.3, 1.0])
    assert effective_trials(completion, 0.2)[[0, 2]].tolist() == [0.0, 1.0]
    # w = log(1 - rF) / log(1 - r): the exact censored likelihood 1 - rF as a power of 1 - r
    assert effective_trials(completion, 0.2)[1] == pytest.approx(np.log(0.94) / np.log(0.8))
    np.testing.assert_allclose(effective_trials(completion, 1e-8), completion, atol=1e-6)


def test_binomial_cells_match_scipy_up_to_the_binomial_coefficient():
    converted, trials = np.array([3, 40]), np.array([20.0, 300.0])
    ll = rate_loglik(converted, trials, np.array([special.logit(0.12)]), np.array([0.0]))
    expected = stats.binom.logpmf(converted, trials.astype(int), 0.12)
    expected -= special.gammaln(trials + 1) - special.gammaln(converted + 1)
    expected += special.gammaln(trials - converted + 1)
    np.testing.assert_allclose(ll[:, 0], expected)


def test_beta_binomial_cells_match_scipy_up_to_the_binomial_coefficient():
    mu, cv = 0.2, 0.3
    kappa = (1 - mu) / (mu * cv**2) - 1
    converted, trials = np.array([5, 30]), np.array([40, 120])
    ll = rate_loglik(converted, trials, np.array([special.logit(mu)]), np.array([cv]))
    expected = stats.betabinom.logpmf(converted, trials, mu * kappa, (1 - mu) * kappa)
    expected -= special.gammaln(trials + 1) - special.gammaln(converted + 1)
    expected += special.gammaln(trials - converted + 1)
    np.testing.assert_allclose(ll[:, 0], expected, rtol=1e-10)


def test_predictive_rate_of_a_new_cohort_is_calibrated():
    """PIT of a new cohort's conversions (500 leads) under the fitted posterior: 400 worlds."""
    # the worlds and the posterior's draws use separate streams, so that a change of the
    # estimator (which moves how many numbers its Beta draws consume) does not redraw the worlds
    rng, draws = (np.random.default_rng(s) for s in np.random.SeedSequence(3).spawn(2))
    pits = []
    for _ in range(400):
        p, cv, months = rng.uniform(0.03, 0.4), rng.uniform(0, 0.35), int(rng.integers(3, 25))
        kappa = (1 - p) / (p * cv**2) - 1 if cv > 0 else np.inf
        rates = (
            rng.beta(p * kappa, (1 - p) * kappa, months + 1) if cv > 0 else np.full(months + 1, p)
        )
        sizes = rng.integers(40, 2000, months)
        converted, new = rng.binomial(sizes, rates[:-1]), rng.binomial(500, rates[-1])
        post = fit_cohort_rates(converted, sizes.astype(float))
        a, b = post.draw(4000, draws)
        drawn = np.where(np.isinf(b), a, draws.beta(a, np.where(np.isinf(b), 1.0, b)))
        count = draws.binomial(500, drawn)
        pits.append(np.mean(count < new) + 0.5 * np.mean(count == new))
    histogram, _ = np.histogram(pits, bins=5, range=(0, 1))
    assert histogram.min() >= 60 and histogram.max() <= 105  # 80 expected per fifth


def test_censored_young_cohorts_are_not_read_as_a_slump():
    """14% converting after ~20 days: as of day 10 of the last month the naive shares fall."""
    rng = np.random.default_rng(4)
    as_of = START + pd.DateOffset(months=8) + pd.Timedelta(days=10)
    estimates, naive = [], []
    for _ in range(30):
        frame = _leads(rng, [0.14] * 9, 400, 20.0, as_of=as_of)
        t = estimate_transition(frame, "mql", "sql", as_of=as_of)
        estimates.append(t.posterior.mean)
        recent = t.cohorts.tail(2)
        naive.append(recent["converted"].sum() / recent["total"].sum())
    assert np.mean(estimates) == pytest.approx(0.14, abs=0.006)  # se of the mean ~0.001
    assert np.mean(naive) < 0.10


def test_a_funnel_whose_conversion_rose_plans_on_the_recent_regime():
    """Wins at 0.3% for 9 cohorts, then 14%: the plan uses 14%, and says so in words."""
    rng = np.random.default_rng(5)
    as_of = START + pd.DateOffset(months=14) - pd.Timedelta(days=1)
    frame = _leads(rng, [0.003] * 9 + [0.14] * 5, 600, 15.0, as_of=as_of)
    t = estimate_transition(frame, "mql", "sql", as_of=as_of)
    assert t.posterior.mean == pytest.approx(0.14, abs=0.02)
    assert t.regime_start == START + pd.DateOffset(months=9)
    words = t.describe()
    assert "convert at" in words and "earlier ones at 0.3%" in words


def test_lost_leads_are_decided_not_pending():
    rng = np.random.default_rng(6)
    as_of = START + pd.DateOffset(months=6) + pd.Timedelta(days=5)
    frame = _leads(rng, [0.3] * 7, 400, 30.0, as_of=as_of, lost_share=0.9)
    t = estimate_transition(frame, "mql", "sql", as_of=as_of)
    assert t.cohorts["closed"].sum() > 0
    assert t.posterior.mean == pytest.approx(0.3, abs=0.03)


def test_closing_non_converters_leaves_the_open_leads_richer_in_converters():
    """Independent simulation, 12 worlds: 90% of non-converters closed after an exponential
    30-day lag, converters after one of 30 days. Counting an open lead as ``1 - p F(age)`` read
    the rate 0.273 for a true 0.30 (the young cohorts' open leads are mostly future converters);
    with ``(F - H)/(1 - H)`` the rate is unbiased, and the number of open leads that will still
    convert is 94% of what then happens (it was 59%): the rest are leads older than the longest
    lag seen, which count as having had all their chance (``F = 1``), while among leads so
    rarely left open the lag's far tail weighs ``1 / (1 - H)`` times more."""
    rates, expected, happened = [], 0.0, 0
    for seed in range(12):
        rng = np.random.default_rng(100 + seed)
        as_of = START + pd.DateOffset(months=6) + pd.Timedelta(days=5)
        frame, truth = _leads(rng, [0.3] * 7, 400, 30.0, as_of=as_of, lost_share=0.9,
                              whole=True)  # fmt: skip
        t = estimate_transition(frame, "mql", "sql", as_of=as_of)
        rates.append(t.posterior.mean)
        p, done = t.posterior.mean, t.open_leads.completion
        expected += float(np.sum(p * (1 - done) / (1 - p * done)))
        still_open = frame["sql_at"].isna() & frame["lost_at"].isna()
        happened += int((still_open & truth["sql_at"].notna()).sum())
    assert np.mean(rates) == pytest.approx(0.30, abs=0.01)
    assert expected / happened == pytest.approx(1.0, abs=0.08)


def test_closing_shares_follow_the_closing_lag_of_non_converters():
    """Against the closed form ``H(a) = 0.8 (1 - exp(-a / 10))`` (20,000 leads, rate 0.3)."""
    rng = np.random.default_rng(8)
    n, p = 20_000, 0.3
    converts = rng.random(n) < p
    lag = rng.exponential(20.0, n)
    closes = ~converts & (rng.random(n) < 0.8)
    closing = np.where(closes, rng.exponential(10.0, n), np.inf)
    follow = rng.uniform(0, 120, n)  # censoring: each lead's age at as_of
    converted = converts & (lag <= follow)
    closed = closes & (closing <= follow)
    done = np.where(converted, lag, np.where(closed, closing, follow))
    h = closing_shares(done, closed, lambda d: 1 - np.exp(-np.asarray(d) / 20.0), p)
    ages = np.array([2.0, 5.0, 10.0, 20.0, 40.0, 80.0])
    np.testing.assert_allclose(h(ages), 0.8 * (1 - np.exp(-(ages + 1) / 10)), atol=0.02)


def test_no_leads_and_too_few_conversions_are_insufficient_with_the_reason():
    empty = pd.DataFrame({"mql_at": pd.to_datetime([]), "sql_at": pd.to_datetime([])})
    t = estimate_transition(empty, "mql", "sql", as_of=START)
    assert not t.sufficient and "no lead entered mql" in t.reason
    frame = pd.DataFrame(
        {
            "mql_at": pd.date_range(START, periods=200, freq="D"),
            "sql_at": [START + pd.Timedelta(days=2)] * 3 + [pd.NaT] * 197,
        }
    )
    t = estimate_transition(frame, "mql", "sql", as_of=START + pd.Timedelta(days=210))
    assert not t.sufficient
    assert "only 3 conversions mql→sql" in t.reason and str(MIN_CONVERSIONS) in t.reason
    with pytest.raises(ValueError, match="insufficient data"):
        t.rate  # noqa: B018


def test_a_history_shorter_than_the_lags_is_insufficient():
    """Lags of about 60 days and 90 days of history: the eventual rate cannot be known yet."""
    rng = np.random.default_rng(8)
    as_of = START + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    frame = _leads(rng, [0.3] * 3, 500, 60.0, as_of=as_of)
    t = estimate_transition(frame, "mql", "sql", as_of=as_of)
    assert not t.sufficient and "still arriving at the longest lags" in t.reason
    # the same lags with two years of history are fine
    as_of = START + pd.DateOffset(months=24) - pd.Timedelta(days=1)
    frame = _leads(rng, [0.3] * 24, 200, 60.0, as_of=as_of)
    assert estimate_transition(frame, "mql", "sql", as_of=as_of).sufficient


def test_a_new_regime_is_not_pulled_toward_the_rate_before_the_change():
    """A new SQL stage: 12 cohorts that cannot convert, then 4 at 8% (80 leads each).

    Simulation, 200 histories: the regime's posterior mean must average the true 8% (within
    5%), as the binomial MLE of its cohorts does. With the rate prior centred on the pooled rate
    of the whole history (about 1%, the cohorts before the change included) it averaged 7.2%.
    """
    rng = np.random.default_rng(5)
    sizes = np.r_[np.full(12, 100), np.full(4, 80)]
    rates = np.r_[np.zeros(12), np.full(4, 0.08)]
    means = []
    for _ in range(200):
        post = fit_cohort_rates(rng.binomial(sizes, rates), sizes.astype(float))
        assert post.regime_start >= 12
        means.append(post.mean)
    assert np.mean(means) == pytest.approx(0.08, rel=0.05)


def test_closing_shares_when_every_non_converter_is_closed():
    """Working rate 0.5: of the 101 leads open on day 2 about 56 are non-converters, and 60 are
    closed that day; the estimate closes them all (H capped at 0.95), and a later closing finds
    no non-converter left without dividing by zero."""
    done = np.r_[np.full(60, 2.5), np.full(40, 3.5), 6.5]
    closed = np.r_[np.ones(60, bool), np.zeros(40, bool), True]
    h = closing_shares(done, closed, lambda d: np.minimum(np.asarray(d) / 10.0, 1.0), 0.5)
    assert h(np.array([1.0, 3.0, 9.0])).tolist() == [0.0, 0.95, 0.95]


@pytest.mark.parametrize("seed", range(5))
def test_open_leads_entered_after_a_time_are_those_a_direct_filter_finds(seed):
    """:meth:`OpenLeads.entered_after` searches the recent leads instead of gathering every
    open lead's entry: against the direct filter of the gathered entries (brute force), the
    same positions, in order, wherever the cut falls (before all, among, after all)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    entered = rng.integers(0, 10_000, size=n)
    rows = np.flatnonzero(rng.uniform(size=n) < rng.uniform(0, 1))
    leads = OpenLeads(rows=rows, entered_all=entered, cohort=np.zeros(rows.size, int),
                      completed=np.zeros(rows.size))  # fmt: skip
    for cut in (-1, 0, 2_500, 5_000, 9_999, 10_000, *rng.integers(0, 10_000, size=5)):
        expected = np.flatnonzero(leads.entered_ns > cut)
        assert np.array_equal(leads.entered_after(int(cut)), expected)


def _cohorts_with_young(rng, months=24, rate=0.12, size=400):
    """Cohort evidence of a steady rate whose last cohorts are still young: conversions so far
    and the effective trials at two working rates (0, as a first look weighs them, and the rate)."""
    completion = np.minimum(1.0, (months - np.arange(months)) / 4.0)  # the last 3 are young
    sizes = rng.poisson(size, months)
    converted = rng.binomial(sizes, rate * completion)
    open_young = sizes - converted
    trials = [converted + open_young * effective_trials(completion, w) for w in (1e-9, rate)]
    return converted, trials[0], trials[1]


@pytest.mark.parametrize("seed", range(6))
def test_a_first_look_at_the_trials_weighed_at_rate_zero_serves_the_final_fit(seed):
    # the fit filtered on the first look's regime and range gives the rate a fresh scan of the
    # final trials gives (the same regime; the mean within a tenth of its sd)
    from slaplan.estimate.cohort_rates import first_look

    rng = np.random.default_rng(seed)
    converted, first, final = _cohorts_with_young(rng)
    with_look = fit_cohort_rates(converted, final, look=first_look(converted, first))
    fresh = fit_cohort_rates(converted, final)
    assert with_look.regime_start == fresh.regime_start
    sd = np.sqrt(fresh.weights @ (special.expit(fresh.logit_mean) - fresh.mean) ** 2)
    assert abs(with_look.mean - fresh.mean) < 0.1 * sd


def test_a_first_look_whose_range_misses_the_trials_is_not_used():
    # a first look at trials of another rate (a fifth of it) places its grid around 2.4%: the
    # final trials put the level at its end, so the fit starts again and is the fresh fit
    from slaplan.estimate.cohort_rates import _final_fit, _inside, first_look

    rng = np.random.default_rng(3)
    converted, _, final = _cohorts_with_young(rng)
    look = first_look(np.round(converted / 5), final)
    assert not _inside(_final_fit(converted, final, look))
    with_look = fit_cohort_rates(converted, final, look=look)
    fresh = fit_cohort_rates(converted, final)
    np.testing.assert_array_equal(with_look.weights, fresh.weights)
    np.testing.assert_array_equal(with_look.logit_mean, fresh.logit_mean)
