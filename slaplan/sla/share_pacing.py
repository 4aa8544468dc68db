"""Pacing of an open SLA period for a *share* commitment (``rate`` or ``response_time``).

The share of a period is ``S / N``: of the ``N`` leads entering the stage in the period, the
``S`` that succeed (reach the next stage within the window; are first touched within the
business-hours limit). Midway through the period three kinds of leads are known and one is not:

* decided successes ``s`` and decided failures ``f`` (window or deadline passed);
* pending leads, still inside their window without success after ``e_i`` (days or business
  hours): a lead that succeeds does so by lag ``e`` with probability ``F(e)`` (``F``: the lag CDF
  of successes, from settled history), so it is still pending with probability
  ``1 - p F(e_i)`` and succeeds later with ``q_i = p (1 - F(e_i)) / (1 - p F(e_i))``;
* the ``M`` leads still to arrive, negative binomial (the history's month-to-month variation,
  updated with this period's arrivals so far), each succeeding with probability ``p``.

``p`` is this period's own share: a Beta prior fitted to the last settled months (their spread,
:func:`slaplan.funnel.pooling.fit_beta_prior`), updated on a grid with the exact censored
likelihood ``p^s (1 - p)^f prod_i (1 - p F(e_i))`` (early successes are over-represented among
decided leads, so ``s / (s + f)`` alone is biased high for rates). ``P(S / N >= target)`` is
then estimated by simulation from the posterior (seeded, ``draws`` paths; standard error at most
``0.5 / sqrt(draws)``). The naive projection beside it is the share as measured so far.
``tests/sla/test_share_pacing.py`` checks calibration on simulated months (300 per case, share
Beta(24, 176), review on day 10/15/20, target the long-run 12%): a 60-day conversion window gave
a mean nowcast of 0.486 against a hit rate of 0.487, Brier 0.154 against 0.410 for the share so
far; a short (response-time-like) window 0.499 against 0.487, Brier 0.127 against 0.237.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slaplan._checks import check_rng

__all__ = ["ShareNowcast", "nowcast_share", "share_posterior"]

_GRID_POINTS = 512


@dataclass(frozen=True, kw_only=True)
class ShareNowcast:
    """The predictive distribution of a period's final share, given the period so far."""

    probability: float  # P(final share >= target)
    expected: float  # E[final share]
    successes: int  # decided successes so far
    decided: int  # decided leads so far (successes + failures)
    pending: int  # leads arrived, not decided yet
    future_expected: float  # expected leads still to arrive
    share_mean: float  # posterior mean of this period's share p
    pro_rated: float  # naive: the share as measured so far
    pro_rated_on_track: bool  # whether the naive share reaches the target


def share_posterior(
    *,
    successes: int,
    failures: int,
    pending_completion: np.ndarray,
    prior: tuple[float, float],
) -> tuple[np.ndarray, np.ndarray]:
    """Grid ``(p, weight)`` of the period share's posterior (censored likelihood, Beta prior).

    >>> p, w = share_posterior(successes=3, failures=7, pending_completion=np.zeros(0),
    ...                        prior=(1.0, 1.0))
    >>> round(float(np.sum(p * w)), 3)  # Beta(4, 8) mean
    0.333
    """
    p = (np.arange(_GRID_POINTS) + 0.5) / _GRID_POINTS
    a, b = prior
    log_weight = (a - 1 + successes) * np.log(p) + (b - 1 + failures) * np.log1p(-p)
    completion = np.asarray(pending_completion, dtype=float)
    if completion.size:
        log_weight += np.log1p(-np.outer(p, completion)).sum(axis=1)
    weight = np.exp(log_weight - log_weight.max())
    return p, weight / weight.sum()


def nowcast_share(
    *,
    target: float,
    successes: int,
    failures: int,
    pending_completion: np.ndarray,
    prior: tuple[float, float],
    future_shape: float,
    future_mean: float,
    naive_share: float,
    draws: int = 4000,
    seed: int | np.random.Generator | None = 0,
) -> ShareNowcast:
    """P(final share >= target) of an open period (see the module docstring for the model).

    Parameters
    ----------
    target : float
        The committed share, in (0, 1].
    successes, failures : int
        Leads of the period already decided.
    pending_completion : array of float
        ``F(e_i)`` of each pending lead: the share of successes that happen by its elapsed time.
    prior : (a, b)
        Beta prior of the period share (month-to-month spread of settled history).
    future_shape, future_mean : float
        Negative binomial of the leads still to arrive (``shape = inf``: Poisson).
    naive_share : float
        The share as measured so far (what tracking reports for the open period), reported
        beside the nowcast as the naive projection.
    draws : int
        Simulated paths.
    seed : int or Generator
        Randomness of the paths.

    Examples
    --------
    >>> r = nowcast_share(target=0.5, successes=30, failures=10, pending_completion=np.zeros(0),
    ...                   prior=(5.0, 5.0), future_shape=np.inf, future_mean=0.0,
    ...                   naive_share=0.75)
    >>> r.probability, r.pro_rated
    (1.0, 0.75)
    """
    rng = check_rng(seed)
    completion = np.asarray(pending_completion, dtype=float)
    grid, weight = share_posterior(
        successes=successes, failures=failures, pending_completion=completion, prior=prior
    )
    p = rng.choice(grid, size=draws, p=weight)
    later = p[:, None] * (1 - completion[None, :]) / (1 - p[:, None] * completion[None, :])
    pending_successes = (rng.random(later.shape) < later).sum(axis=1)
    intensity = future_mean * (rng.gamma(future_shape, 1 / future_shape, draws)
                               if np.isfinite(future_shape) else np.ones(draws))  # fmt: skip
    arrivals = rng.poisson(intensity)
    final_successes = successes + pending_successes + rng.binomial(arrivals, p)
    total = successes + failures + completion.size + arrivals
    share = np.divide(final_successes, total, out=np.full(draws, np.nan), where=total > 0)
    decided = successes + failures
    return ShareNowcast(
        probability=float(np.mean(share >= target - 1e-12)) if total.any() else float("nan"),
        expected=float(np.nanmean(share)) if total.any() else float("nan"),
        successes=int(successes),
        decided=int(decided),
        pending=int(completion.size),
        future_expected=float(future_mean),
        share_mean=float(np.sum(grid * weight)),
        pro_rated=float(naive_share),
        pro_rated_on_track=bool(naive_share >= target),
    )
