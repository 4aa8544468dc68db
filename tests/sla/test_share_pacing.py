"""Pacing of share commitments (rate, response time): the nowcast is calibrated on simulated
months, the naive share-so-far is not; the tracking table carries it for the open period."""

from __future__ import annotations

import numpy as np
import pytest

from slaplan.sla.share_pacing import nowcast_share, share_posterior
from slaplan.sla.tracking import track_sla

# the simulated world: each month's share p ~ Beta(24, 176) (mean 12%), 300 leads a month
# arriving uniformly over 30 days, a success's lag exponential (mean 10% of the window) cut at
# the window; the review is on day 10, 15 or 20 and the target is the long-run 12%
PRIOR = (24.0, 176.0)
LEADS_PER_MONTH, DAYS = 300, 30.0


def _lag_cdf(elapsed: np.ndarray, window: float) -> np.ndarray:
    scale = window / 10
    return np.clip((1 - np.exp(-elapsed / scale)) / (1 - np.exp(-window / scale)), 0, 1)


def _simulated_month(rng: np.random.Generator, window: float, day: float):
    """One month: the nowcast inputs at ``day`` and whether the final share met the target."""
    share = rng.beta(*PRIOR)
    arrive = rng.uniform(0, DAYS, rng.poisson(LEADS_PER_MONTH))
    success = rng.random(arrive.size) < share
    lag = -window / 10 * np.log1p(-rng.random(arrive.size) * (1 - np.exp(-10)))  # cut at window
    seen = arrive <= day
    elapsed = day - arrive[seen]
    won = success[seen] & (lag[seen] <= elapsed)
    lost = ~success[seen] & (elapsed >= window)
    pending = ~won & ~lost
    # the naive share as tracking measures it: rates over all leads so far, response times
    # over the decided ones
    measured = seen.sum() if window > DAYS else won.sum() + lost.sum()
    inputs = {
        "naive_share": won.sum() / measured if measured else 0.0,
        "successes": int(won.sum()),
        "failures": int(lost.sum()),
        "pending_completion": _lag_cdf(elapsed[pending], window),
        "future_mean": LEADS_PER_MONTH * (DAYS - day) / DAYS,
    }
    return inputs, bool(success.mean() >= PRIOR[0] / sum(PRIOR))


@pytest.mark.parametrize("window", [60.0, 2.0], ids=["rate, 60-day window", "response, short"])
def test_share_nowcast_is_calibrated_and_the_naive_share_is_not(window):
    rng = np.random.default_rng(20261115)
    target = PRIOR[0] / sum(PRIOR)
    predicted, naive_on_track, met = [], [], []
    for month in range(300):
        inputs, hit = _simulated_month(rng, window, day=(10.0, 15.0, 20.0)[month % 3])
        r = nowcast_share(target=target, prior=PRIOR, future_shape=np.inf, draws=1000,
                          seed=month, **inputs)  # fmt: skip
        predicted.append(r.probability)
        naive_on_track.append(r.pro_rated_on_track)
        met.append(hit)
    predicted, met = np.array(predicted), np.array(met, float)
    naive = np.array(naive_on_track, float)
    # calibration in the large (standard error of a hit rate over 300 months <= 0.029)
    assert abs(predicted.mean() - met.mean()) < 0.06, (predicted.mean(), met.mean())
    for low, high in [(0.0, 0.25), (0.25, 0.75), (0.75, 1.0001)]:
        group = (predicted >= low) & (predicted < high)
        if group.sum() >= 40:
            assert abs(predicted[group].mean() - met[group].mean()) < 0.12, (low, high)
    brier_nowcast = np.mean((predicted - met) ** 2)
    brier_naive = np.mean((naive - met) ** 2)
    assert brier_nowcast < 0.7 * brier_naive, (brier_nowcast, brier_naive)


def test_posterior_is_the_beta_update_without_pending_leads():
    # closed form: Beta(1 + 3, 1 + 7) has mean 4 / 12 and variance 4*8 / (12**2 * 13)
    p, weight = share_posterior(successes=3, failures=7, pending_completion=np.zeros(0),
                                prior=(1.0, 1.0))  # fmt: skip
    mean = np.sum(p * weight)
    assert mean == pytest.approx(4 / 12, abs=1e-4)
    assert np.sum((p - mean) ** 2 * weight) == pytest.approx(32 / (144 * 13), rel=1e-3)


def test_pending_leads_pull_the_share_down_from_the_early_successes():
    # 10 early successes, 90 leads pending at 50% completion: p is far below 10 / 10
    r = nowcast_share(target=0.5, successes=10, failures=0, pending_completion=np.full(90, 0.5),
                      prior=(1.0, 1.0), future_shape=np.inf, future_mean=0.0,
                      naive_share=1.0)  # fmt: skip
    assert r.pro_rated == 1.0 and r.pro_rated_on_track  # 10 of 10 decided leads succeeded
    assert r.share_mean < 0.35 and r.probability < 0.05


def test_open_period_of_share_commitments_is_paced(sample_sla, sample_leads):
    tracked = track_sla(sample_sla, sample_leads, as_of="2026-11-15")
    open_rows = tracked.xs("2026-11", level="period")
    for commitment in ("mql_to_sql", "mql_response"):
        row = open_rows.loc[commitment]
        assert row["status"] == "open"
        assert 0.0 <= row["pacing_probability"] <= 1.0
        assert 0.0 <= row["expected"] <= 1.0
