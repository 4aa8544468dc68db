"""Regimes of a monthly sequence: where its level last changed, by Bayesian segment evidence.

A *regime* is a run of consecutive observations — months of counts, monthly cohorts of a
conversion rate — that share one distribution. Real funnels change (a campaign launches, a
process is fixed, a team doubles), and a plan should rest on the regime that holds *now*, not on
an average across a change. This module owns that decision, for volumes
(:mod:`slaplan.forecast.level`) and rates (:mod:`slaplan.estimate.rates`) alike.

The model. Each observation ``t`` has a log-likelihood ``loglik[t, c]`` on the cells ``c`` of a
parameter grid (a level and a month-to-month spread), and the cells have prior weights ``prior[c]``
(summing to 1). The *evidence* of a segment ``[a, b)`` is the marginal likelihood

    log Z(a, b) = log sum_c prior[c] exp(sum_{a <= t < b} loglik[t, c])

and a change at ``k`` against none has the Bayes factor ``Z(0, k) Z(k, n) / Z(0, n)``. With a
prior probability ``prior_change`` spread evenly over the admissible ``k``, the posterior
probability of a change is exact (Kass & Raftery 1995 for Bayes factors; the single-change
posterior is the product-partition model of Barry & Hartigan 1993 restricted to one change).

The rule (stated, and the same everywhere): scan the whole sequence for one change; if its
posterior probability is at least ``threshold`` (0.95), the regime starts at the most probable
``k`` and the scan repeats on ``[k, n)`` for a later change. A regime needs ``min_size``
observations on each side of a change (2 by default), so one odd month is not a regime: it is
reported by the caller as an outlier instead. Month-to-month spread is part of every cell, so
ordinary overdispersion is not mistaken for a change.

Within the regime, a level may still *drift* (a volume that grows, a rate that wanders from
month to month). For volumes, :func:`choose_discount` picks a forgetting factor ``delta`` — the
weight of an observation is ``delta**age`` (exponential forgetting, West & Harrison 1997, ch. 6)
— by the prequential principle (Dawid 1984): each candidate's posterior predicts every
observation from the ones before it, and the candidates are compared by the summed log
predictive density, a log Bayes factor between them. ``delta = 1`` (no forgetting) is kept
unless another candidate predicts better by more than ``evidence`` nats (0 for volumes, which
are fully observed every month and where a level that trends must be allowed to move: see
:func:`slaplan.forecast.level.fit_level`; :data:`DISCOUNT_EVIDENCE`, 2 nats, by default).
Conversion rates model the drift itself, as a random walk of the level filtered on the grid
(:mod:`slaplan.estimate.rate_walk`): the cohorts that a month's count reads move together.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = [
    "CHANGE_THRESHOLD",
    "DISCOUNTS",
    "DISCOUNT_EVIDENCE",
    "MIN_REGIME_SIZE",
    "RegimeChange",
    "choose_discount",
    "discount_weights",
    "discounted_posterior",
    "find_regime",
    "half_normal_weights",
    "segment_evidence",
    "thinned",
]

CHANGE_THRESHOLD = 0.95
"""Posterior probability of a change at which the plan moves to the later regime."""
MIN_REGIME_SIZE = 2
"""Observations needed on each side of a change."""
_PRIOR_CHANGE = 0.5
DISCOUNTS = (1.0, 0.95, 0.9, 0.8, 0.7)
"""Forgetting factors :func:`choose_discount` compares."""
DISCOUNT_EVIDENCE = 2.0
"""Log predictive score by which forgetting must beat no forgetting (about 7:1 odds)."""
_BURN_IN = 3
_NEGLIGIBLE = 50.0  # nats below a row's maximum that _logsumexp_rows leaves out


@dataclass(frozen=True, kw_only=True)
class RegimeChange:
    """One detected change: the first observation of the new regime and how sure we are."""

    index: int  # position of the first observation of the later regime
    probability: float  # posterior probability that a change happened in the scanned segment


def half_normal_weights(values: np.ndarray, scale: float) -> np.ndarray:
    """Prior weights of grid ``values`` (>= 0, increasing) under a half-normal of ``scale``.

    Each value gets the half-normal mass of the interval between the midpoints to its
    neighbours, so a non-uniform grid carries the density's mass, not its height.

    >>> w = half_normal_weights(np.array([0.0, 0.1, 0.3, 1.0]), 0.25)
    >>> round(float(w.sum()), 6), bool(w[0] < w[1])
    (1.0, True)
    """
    return _half_normal_masses(tuple(np.asarray(values, dtype=float).tolist()), float(scale)).copy()


@functools.lru_cache(maxsize=32)
def _half_normal_masses(values: tuple[float, ...], scale: float) -> np.ndarray:
    """:func:`half_normal_weights` of a grid, computed once (the fits ask for the same few
    grids of spreads and step sds thousands of times)."""
    grid = np.array(values)
    edges = np.concatenate([[0.0], (grid[1:] + grid[:-1]) / 2, [np.inf]])
    mass = special.erf(edges[1:] / (scale * np.sqrt(2))) - special.erf(
        edges[:-1] / (scale * np.sqrt(2))
    )
    return mass / mass.sum()


def segment_evidence(cumulative: np.ndarray, log_prior: np.ndarray, a, b) -> np.ndarray:
    """``log Z(a, b)`` for arrays of segment bounds, from cumulative log-likelihoods.

    ``cumulative[t]`` is the sum of the first ``t`` rows of ``loglik`` (shape ``(n + 1, cells)``).
    """
    total = cumulative[np.asarray(b)] - cumulative[np.asarray(a)] + log_prior
    return _logsumexp_rows(np.atleast_2d(total)).reshape(np.shape(total)[:-1])


def find_regime(
    loglik: np.ndarray,
    prior: np.ndarray,
    *,
    threshold: float = CHANGE_THRESHOLD,
    min_size: int = MIN_REGIME_SIZE,
) -> tuple[int, tuple[RegimeChange, ...]]:
    """First observation of the current regime, and every change found on the way to it.

    Parameters
    ----------
    loglik : ndarray, shape (n, cells)
        Log-likelihood of each observation on each grid cell (constants that do not depend on
        the cell may be left out).
    prior : ndarray, shape (cells,)
        Prior weights of the cells (> 0 where allowed, 0 for impossible cells; summing to 1).
    threshold : float
        Posterior probability of a change needed to declare it.
    min_size : int
        Observations required on each side of a change.

    Returns
    -------
    (start, changes)
        ``start`` indexes the first observation of the current regime (0 without a change);
        ``changes`` lists the changes found, oldest first.

    Examples
    --------
    Poisson months of 100 then 300, on a grid of levels with one spread (Poisson):

    >>> from scipy import stats
    >>> counts = np.array([98, 104, 95, 101, 99, 296, 310, 303])
    >>> levels = np.linspace(50, 400, 351)
    >>> ll = stats.poisson.logpmf(counts[:, None], levels[None, :])
    >>> start, changes = find_regime(ll, np.full(levels.size, 1 / levels.size))
    >>> start, round(changes[0].probability, 3)
    (5, 1.0)
    """
    loglik = np.asarray(loglik, dtype=float)
    with np.errstate(divide="ignore"):
        log_prior = np.log(np.asarray(prior, dtype=float))
    cumulative = np.vstack([np.zeros(loglik.shape[1]), np.cumsum(loglik, axis=0)])
    start, changes = 0, []
    while True:
        change = _best_change(cumulative, log_prior, start, loglik.shape[0], min_size)
        if change is None or change.probability < threshold:
            return start, tuple(changes)
        changes.append(change)
        start = change.index


def _best_change(cumulative, log_prior, start: int, stop: int, min_size: int):
    """The most probable single change in ``[start, stop)`` and its posterior probability."""
    splits = np.arange(start + min_size, stop - min_size + 1)
    if splits.size == 0:
        return None
    none = segment_evidence(cumulative, log_prior, start, stop)
    one = segment_evidence(cumulative, log_prior, np.full(splits.size, start), splits)
    one = one + segment_evidence(cumulative, log_prior, splits, np.full(splits.size, stop))
    log_each = np.log(_PRIOR_CHANGE / splits.size) + one
    log_change = special.logsumexp(log_each)
    log_none = np.log(1 - _PRIOR_CHANGE) + none
    probability = float(np.exp(log_change - np.logaddexp(log_change, log_none)))
    return RegimeChange(index=int(splits[np.argmax(log_each)]), probability=probability)


def discount_weights(n: int, discount: float) -> np.ndarray:
    """Weights ``discount**age`` of ``n`` observations, oldest first (the last weighs 1).

    >>> discount_weights(3, 0.5).tolist()
    [0.25, 0.5, 1.0]
    """
    return discount ** np.arange(n - 1, -1, -1, dtype=float)


def discounted_posterior(rows: np.ndarray, prior: np.ndarray, discount: float) -> np.ndarray:
    """Posterior weights of grid cells from per-observation log-likelihood ``rows`` (oldest
    first), each weighted ``discount**age`` (:func:`discount_weights`), and ``prior``.

    >>> discounted_posterior(np.log([[0.2, 0.8], [0.5, 0.5]]), np.array([0.5, 0.5]), 1.0).tolist()
    [0.2, 0.8]
    """
    loglik = discount_weights(rows.shape[0], discount) @ rows
    with np.errstate(divide="ignore"):
        log_post = loglik + np.log(prior)
    weights = np.exp(log_post - log_post.max())
    return weights / weights.sum()


def thinned(loglik: np.ndarray, prior: np.ndarray, levels: int, step: int = 4):
    """Every ``step``-th level of a ``levels x spreads`` grid (enough to compare discounts)."""
    n = loglik.shape[0]
    rows = loglik.reshape(n, levels, -1)[:, ::step, :].reshape(n, -1)
    weights = prior.reshape(levels, -1)[::step, :].ravel()
    return rows, weights / weights.sum()


def choose_discount(
    loglik: np.ndarray,
    prior: np.ndarray,
    *,
    discounts: tuple[float, ...] = DISCOUNTS,
    evidence: float = DISCOUNT_EVIDENCE,
) -> float:
    """The forgetting factor whose posterior best predicted each observation from the earlier.

    Parameters
    ----------
    loglik : ndarray, shape (n, cells)
        Log-likelihood of each observation (oldest first) on each grid cell.
    prior : ndarray, shape (cells,)
        Prior weights of the cells.
    discounts : tuple of float
        Candidates in (0, 1]; 1 is no forgetting.
    evidence : float
        Log predictive score (nats) by which a smaller factor must beat no forgetting.

    Returns
    -------
    float
        1.0 unless a smaller factor's prequential log score is higher by more than
        ``evidence`` (and there are more than 4 observations).

    Examples
    --------
    A rate that climbs steadily is better predicted with forgetting; a steady one is not:

    >>> from scipy import stats
    >>> grid = np.linspace(0.01, 0.6, 300)
    >>> climbing = np.array([10, 14, 18, 22, 26, 30, 34, 38, 42, 46])
    >>> ll = stats.binom.logpmf(climbing[:, None], 100, grid[None, :])
    >>> choose_discount(ll, np.full(300, 1 / 300)) < 1
    True
    >>> ll = stats.binom.logpmf(np.full(10, 25)[:, None], 100, grid[None, :])
    >>> choose_discount(ll, np.full(300, 1 / 300))
    1.0
    """
    loglik = np.asarray(loglik, dtype=float)
    n = loglik.shape[0]
    if n <= _BURN_IN + 1:
        return 1.0
    with np.errstate(divide="ignore"):
        log_prior = np.log(np.asarray(prior, dtype=float))
    factors = np.asarray(discounts, dtype=float)[:, None]
    cells = loglik.shape[1]
    # [t, d]: the sum of the rows before t, discounted by factor d (all factors at once); each
    # step writes its rows in place, contiguous (a recursion, not a matrix product: BLAS would
    # start threads of its own beside the estimate's two, and took a third longer)
    accumulated = np.empty((n, factors.size, cells))
    accumulated[0] = 0.0
    for t in range(1, n):
        np.multiply(factors, accumulated[t - 1], out=accumulated[t])
        accumulated[t] += loglik[t - 1]
    # the posterior before each predicted row and the joint with it, in one array so that one
    # log-sum-exp takes both: [0] the joint, [1] the posterior
    scored = np.empty((2, n - _BURN_IN, factors.size, cells))
    np.add(log_prior, accumulated[_BURN_IN:], out=scored[1])
    np.add(scored[1], loglik[_BURN_IN:, None, :], out=scored[0])
    joint, posterior = _logsumexp_rows(scored.reshape(-1, cells)).reshape(2, -1, factors.size)
    # [d, t] in memory, so that each factor's sum over t adds the same numbers in the same order
    predicted = np.ascontiguousarray((joint - posterior).T)
    scores = dict(zip(discounts, predicted.sum(axis=1).tolist(), strict=True))
    best = max(scores, key=scores.get)
    return best if scores[best] > scores.get(1.0, -np.inf) + evidence else 1.0


def _logsumexp_rows(values: np.ndarray) -> np.ndarray:
    """``log(sum(exp(row)))`` per row, ``-inf`` entries allowed (numpy only, for speed).

    Entries more than :data:`_NEGLIGIBLE` nats below their row's maximum count as that far
    below: each adds at most ``exp(-50)`` (2e-22) of the largest term, so the rows of the
    regime scans and discount choices (a few thousand cells) give the same sums to double
    precision, while ``exp`` never underflows (where it is several times slower) and needs no
    mask (a masked ``exp`` skipped the far tail, most of a peaked likelihood surface, but took
    longer than the whole row clipped). A row of ``-inf`` still gives NaN.
    """
    top = np.max(values, axis=1, keepdims=True)
    with np.errstate(invalid="ignore"):
        terms = np.subtract(values, top)  # NaN for a row of -inf: it stays NaN
        np.maximum(terms, -_NEGLIGIBLE, out=terms)
        np.exp(terms, out=terms)
        return top[:, 0] + np.log(terms.sum(axis=1))
