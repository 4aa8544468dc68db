"""The eventual conversion rate of monthly cohorts: a Beta-binomial on a grid, with regimes.

The functional core behind :mod:`slaplan.estimate.transitions` (numpy and ``scipy.special``
only). Each monthly cohort ``m`` of leads entering stage A has ``converted[m]`` conversions to
stage B so far out of ``effective[m]`` *effective trials*: a lead that converted or was closed as
lost counts 1, a lead still open counts the share of its chance it has already had (see
:func:`effective_trials`). Young cohorts thus enter with few effective trials instead of being
dropped — every cohort is used, right-censoring is accounted for, and no maturity horizon is
needed.

Model: the cohort's eventual rate ``p_m ~ Beta(mu kappa, (1 - mu) kappa)`` (month-to-month spread
with coefficient of variation ``cv``, ``kappa = (1 - mu) / (mu cv**2) - 1``; ``cv = 0`` is one
rate for every cohort), and ``converted[m] ~ Binomial(effective[m], p_m)``. The posterior of
``(mu, cv)`` is computed on a grid (logit ``mu`` x ``cv``). Priors: ``logit mu ~ Normal(logit of
the pooled rate, 1)`` -- pooled over the cohorts the rate rests on: after a change, those of the
new regime only (the cohorts before it are evidence of another rate; centred on the whole
history, a new SQL stage's rate was pulled toward the zeros before it, 7.2% for a true 8%);
``cv`` half-normal with scale 0.3 (monthly conversion typically varies by 5–30% of its level).
A change of the rate is found by :func:`slaplan.forecast.regimes.find_regime` on the cohorts'
log-likelihoods, and the rate of the plan is that of the cohorts since the last change. The
cohort of the month the change fell in mixes both rates (the change came mid-month): once the new
regime has three cohorts, that first one is left out of its rate. Within the regime, the level
``logit mu`` may walk from month to month (step sd ``q``, averaged over a grid with a half-normal
prior); the walk is filtered exactly on the grid (:mod:`slaplan.estimate.rate_walk`), so the
rate of the plan is the level the walk has reached, and the cohorts a month's count reads move
together in the draws (:meth:`RatePosterior.cohort_draws`). ``q = 0`` is the steady model above.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

from slaplan.estimate.rate_walk import WALK_GRID, LevelWalk, filter_walk, support
from slaplan.forecast.level import CV_GRID, SPREAD_PRIOR_SCALE
from slaplan.forecast.regimes import RegimeChange, find_regime, half_normal_weights

__all__ = [
    "FirstLook",
    "RatePosterior",
    "effective_trials",
    "first_look",
    "fit_cohort_rates",
    "possible_cells",
    "rate_changes",
    "rate_loglik",
]

RATE_PRIOR_SD = 1.0
_MIXED_COHORT_AFTER = 3  # cohorts a new regime needs before its first (mixed) month is left out
_COARSE_POINTS = 120
_FINE_POINTS = 120


def effective_trials(completion: np.ndarray, rate: float) -> np.ndarray:
    """Effective trials of open leads whose chance to convert is ``completion`` complete.

    An open lead that will convert with probability ``rate`` has done so by now with
    probability ``rate * F`` (``F`` = ``completion``, the share of conversions that happen by
    its age). Its likelihood ``1 - rate F`` equals ``(1 - rate)**w`` for
    ``w = log(1 - rate F) / log(1 - rate)``: the lead is worth ``w`` trials of a fully observed
    lead (``w -> F`` as the rate goes to 0). The working ``rate`` is the regime's estimate.

    >>> effective_trials(np.array([0.0, 0.5, 1.0]), 0.01).round(3).tolist()
    [0.0, 0.499, 1.0]
    """
    f = np.clip(np.asarray(completion, dtype=float), 0.0, 1.0)
    r = float(np.clip(rate, 1e-9, 1 - 1e-9))
    return np.log1p(-r * f) / np.log1p(-r)


def rate_loglik(
    converted: np.ndarray, effective: np.ndarray, logit_mean: np.ndarray, cv: np.ndarray
) -> np.ndarray:
    """Beta-binomial log-likelihood ``(cohorts, cells)`` without the cell-free binomial term.

    Cells are ``logit_mean x cv`` flattened; cells whose spread is impossible for their mean
    (``kappa <= 0``, see :func:`possible_cells`) get 0 and must get no prior weight.

    >>> ll = rate_loglik(np.array([10]), np.array([100.0]), np.array([-2.2, 0.0]), np.array([0.0]))
    >>> bool(ll[0, 0] > ll[0, 1])
    True
    """
    c = np.asarray(converted, float)[:, None, None]
    n = np.asarray(effective, float)[:, None, None]
    mu = special.expit(np.asarray(logit_mean, float))[None, None, :]
    v = np.asarray(cv, float)
    binomial = v == 0
    # computed as (cohorts, spreads, levels), the levels innermost so that each numpy loop runs
    # over a row of levels (not over the 13 spreads), and laid out as cells at the end; the
    # Beta-binomial only where there is a spread (the costly part: a log Beta function a cell)
    out = np.empty((c.shape[0], v.size, mu.size))
    with np.errstate(divide="ignore", invalid="ignore"):
        if not binomial.all():
            spread = v[~binomial][None, :, None]
            kappa = (1 - mu) / (mu * spread**2) - 1
            a, b = mu * kappa, (1 - mu) * kappa
            mixed = special.betaln(a + c, b + n - c) - special.betaln(a, b)
            out[:, ~binomial] = np.where(kappa > 0, mixed, 0.0)
        if binomial.any():
            out[:, binomial] = special.xlogy(c, mu) + special.xlog1py(n - c, -mu)
    return np.ascontiguousarray(out.transpose(0, 2, 1)).reshape(c.shape[0], -1)


@dataclass(frozen=True, kw_only=True)
class RatePosterior:
    """Posterior of the current regime's rate: a new cohort's ``(mu, cv)`` on a grid, and the walk.

    Attributes
    ----------
    logit_mean, cv, weights : ndarray
        Cells (flattened ``logit mu x cv``) and their posterior probabilities for the cohort of
        the month after the last one (the level one step ahead of the walk).
    step : float
        Spacing of the logit grid (draws are spread uniformly within a cell).
    regime_start : int
        Index of the first cohort of the current regime.
    changes : tuple of RegimeChange
        Rate changes found, oldest first.
    walk : LevelWalk
        The regime's cohort levels, filtered (see :mod:`slaplan.estimate.rate_walk`).
    first : int
        Index of the first cohort the walk was fitted on (``regime_start``, or the one after it
        when the change's own month mixes both rates).
    """

    logit_mean: np.ndarray
    cv: np.ndarray
    weights: np.ndarray
    step: float
    regime_start: int
    changes: tuple[RegimeChange, ...]
    walk: LevelWalk
    first: int

    @property
    def mean(self) -> float:
        """Posterior mean of the regime's rate ``mu`` (for the month after the last cohort)."""
        return float(self.weights @ special.expit(self.logit_mean))

    @property
    def mean_sd(self) -> float:
        """Posterior standard deviation of ``mu`` (how well the regime's rate is known)."""
        mu = special.expit(self.logit_mean)
        return float(np.sqrt(max(self.weights @ mu**2 - self.mean**2, 0.0)))

    @property
    def spread(self) -> float:
        """Posterior mean of the month-to-month coefficient of variation of cohort rates."""
        return float(self.weights @ self.cv)

    @property
    def drift(self) -> float:
        """Posterior mean of the level's monthly step sd (logit scale; 0: a steady rate)."""
        return float(self.walk.weights @ self.walk.walk)

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` draws of the Beta parameters ``(a, b)`` of a new cohort's rate (inf: no spread)."""
        cells = rng.choice(self.weights.size, size=n, p=self.weights)
        logit = self.logit_mean[cells] + rng.uniform(-0.5, 0.5, size=n) * self.step
        return _beta(special.expit(logit), self.cv[cells])

    def cohort_draws(
        self, n: int, rng: np.random.Generator, cohorts: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` joint draws of the Beta parameters ``(a, b)`` of the given cohorts' rates.

        ``cohorts`` are cohort indices (oldest first, as in the evidence); an index past the last
        cohort is a month to come (the walk takes a step per month), one before the regime takes
        the regime's first level. Returns arrays of shape ``(n, len(cohorts))``; given the
        draw, a cohort with evidence has the rate ``Beta(a + converted, b + effective -
        converted)`` (``b = inf``: the rate ``a`` exactly, no spread around the level).
        """
        cells, level = self.walk.paths(n, rng, np.asarray(cohorts, dtype=int) - self.first)
        return _beta(special.expit(level), self.walk.cv[cells][:, None])

    def cohort_means(self, converted: np.ndarray, effective: np.ndarray) -> np.ndarray:
        """Posterior mean of every cohort's own rate, given every cohort (exact on the grid).

        Each cohort's level from the smoothed walk (:meth:`LevelWalk.smoothed`), and its rate
        given the level from its own evidence: ``(a + converted) / (a + b + effective)``.
        Cohorts before the walk's first take its first level, as in :meth:`cohort_draws`.
        """
        walk = self.walk
        smoothed = walk.smoothed()
        mu = special.expit(walk.grid)[None, :]
        a, b = _beta(mu, walk.cv[:, None])  # (cells, levels)
        fixed = np.isinf(b)
        out = np.empty(len(converted))
        for m, (c, n) in enumerate(zip(converted, effective, strict=True)):
            step = min(max(m - self.first, 0), smoothed.shape[1] - 1)
            own = np.where(fixed, a, (a + c) / (a + np.where(fixed, 0.0, b) + n))
            out[m] = walk.weights @ (smoothed[:, step] * own).sum(axis=1)
        return out

    def predictive_moments(self) -> tuple[float, float]:
        """Mean and variance of a *new* cohort's rate (regime mean, its uncertainty, spread)."""
        mu = special.expit(self.logit_mean)
        within = (mu * self.cv) ** 2
        mean = float(self.weights @ mu)
        return mean, float(self.weights @ (within + mu**2) - mean**2)


def _beta(mu: np.ndarray, cv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Beta parameters ``(a, b)`` of mean ``mu`` and coefficient of variation ``cv``.

    ``cv = 0`` gives ``(mu, inf)``: the rate ``mu`` exactly.
    """
    mu, cv = np.broadcast_arrays(mu, cv)
    with np.errstate(divide="ignore"):
        kappa = np.where(cv > 0, (1 - mu) / (mu * np.maximum(cv, 1e-12) ** 2) - 1, np.inf)
    kappa = np.maximum(kappa, 1e-3)
    fixed = np.isinf(kappa)
    return np.where(fixed, mu, mu * kappa), np.where(fixed, np.inf, (1 - mu) * kappa)


def possible_cells(logit_mean: np.ndarray, cv: np.ndarray) -> np.ndarray:
    """Cells (``logit_mean x cv``) where a Beta of that mean can have that spread (kappa > 0)."""
    mu = special.expit(np.asarray(logit_mean, float))[:, None]
    return ((np.asarray(cv, float)[None, :] ** 2) * mu < (1 - mu)).ravel()


def _prior(logit_mean: np.ndarray, cv: np.ndarray, center: float) -> np.ndarray:
    level = np.exp(-0.5 * ((logit_mean - center) / RATE_PRIOR_SD) ** 2)
    weight = np.outer(level, half_normal_weights(cv, SPREAD_PRIOR_SCALE)).ravel()
    weight = weight * possible_cells(logit_mean, cv)
    return weight / weight.sum()


def _masked(loglik: np.ndarray, grid: np.ndarray, cv: np.ndarray = CV_GRID) -> np.ndarray:
    """``loglik`` (cohorts x cells ``grid x cv``) with the impossible cells at ``-inf``."""
    return np.where(possible_cells(grid, cv)[None, :], loglik, -np.inf)


@dataclass(frozen=True)
class _Regime:
    """The cohorts' evidence on the coarse grid, and the current regime found on it."""

    c: np.ndarray  # conversions per cohort
    n: np.ndarray  # effective trials per cohort (>= c)
    coarse: np.ndarray  # logit grid
    loglik: np.ndarray  # (cohorts, coarse x CV_GRID)
    start: int  # first cohort of the regime
    changes: tuple[RegimeChange, ...]
    used: int  # first cohort the rate rests on (the change's mixed month left out)
    center: float  # prior centre of the regime's logit rate

    @classmethod
    def scan(cls, converted, effective) -> _Regime:
        c = np.asarray(converted, dtype=float)
        n = np.maximum(np.asarray(effective, dtype=float), c)
        pooled = (c.sum() + 0.5) / (n.sum() + 1.0)
        shares = (c + 0.5) / (n + 1.0)
        low = special.logit(max(min(shares.min(), pooled) / 4, 1e-6))
        high = special.logit(min(max(shares.max(), pooled) * 4, 0.999))
        center = float(special.logit(pooled))
        coarse = np.linspace(low, high, _COARSE_POINTS)
        loglik = rate_loglik(c, n, coarse, CV_GRID)
        start, changes = find_regime(loglik, _prior(coarse, CV_GRID, center))
        used = start + 1 if changes and c.size - start >= _MIXED_COHORT_AFTER else start
        if changes:  # the cohorts before a change are evidence of another rate, not of this one
            center = _pooled_logit(c[used:], n[used:])
        return cls(c, n, coarse, loglik, start, changes, used, center)

    def rough_walk(self) -> LevelWalk:
        """The walk on every third spread and every other step sd: enough to find the range
        the levels take."""
        spreads, levels = CV_GRID[::3], self.coarse.size
        rows = self.loglik[self.used :].reshape(-1, levels, CV_GRID.size)[:, :, ::3]
        rows = _masked(rows.reshape(rows.shape[0], -1), self.coarse, spreads)
        return filter_walk(rows, self.coarse, spreads, self.center, RATE_PRIOR_SD,
                           walks=WALK_GRID[::2])  # fmt: skip


def _room(rough: LevelWalk) -> tuple[int, int]:
    """How many step sds and spreads of the full grids the final walk filters: up to the next
    value of the rough grids past the largest the rough pass kept (its cells' weights fall
    away from there on; the cells further out would get none worth keeping)."""

    def count(kept: np.ndarray, coarse: np.ndarray, full: np.ndarray) -> int:
        above = coarse[coarse > kept.max()]
        return int(np.count_nonzero(full <= (above[0] if above.size else full[-1])))

    return count(rough.walk, WALK_GRID[::2], WALK_GRID), count(rough.cv, CV_GRID[::3], CV_GRID)


def rate_changes(converted: np.ndarray, effective: np.ndarray) -> tuple[RegimeChange, ...]:
    """The changes of the cohorts' rate, oldest first (the regime scan of
    :func:`fit_cohort_rates` alone).

    >>> [c.index for c in rate_changes(np.array([8, 12, 9, 11, 10, 7, 41, 38, 45, 40]),
    ...                                np.full(10, 280.0))]
    [6]
    """
    return _Regime.scan(converted, effective).changes


def _pooled_logit(c: np.ndarray, n: np.ndarray) -> float:
    return float(special.logit((c.sum() + 0.5) / (n.sum() + 1.0)))


@dataclass(frozen=True)
class FirstLook:
    """The rough pass of :func:`fit_cohort_rates`: the current regime, found on the coarse grid,
    and its walk on the rough grids (the range of levels the final fit's fine grid covers)."""

    regime: _Regime
    rough: LevelWalk

    @property
    def start(self) -> int:
        """The first cohort of the current regime."""
        return self.regime.start

    @property
    def rate(self) -> float:
        """Roughly, the rate the regime's walk has reached (a working rate)."""
        return float(self.rough.weights @ self.rough.ahead() @ special.expit(self.regime.coarse))


def first_look(converted: np.ndarray, effective: np.ndarray) -> FirstLook:
    """The current regime's first cohort and, roughly, the rate its walk has reached.

    A first look (the rough pass of :func:`fit_cohort_rates`): the working rate of the effective
    trials and the cohorts whose lags the final fit uses. Passed to :func:`fit_cohort_rates`
    with trials that differ only a little (weighted at the working rate), its regime and range
    stand and the fit filters the walk only.

    >>> first_look(np.array([8, 12, 9, 11, 10, 7, 41, 38, 45, 40]), np.full(10, 280.0)).start
    6
    """
    regime = _Regime.scan(converted, effective)
    return FirstLook(regime, regime.rough_walk())


def fit_cohort_rates(
    converted: np.ndarray, effective: np.ndarray, *, look: FirstLook | None = None
) -> RatePosterior:
    """Posterior of the current regime's cohort rate from per-cohort evidence.

    Parameters
    ----------
    converted : ndarray of int
        Conversions so far per cohort, oldest first.
    effective : ndarray of float
        Effective trials per cohort (``>= converted``); at least one cohort with trials.
    look : FirstLook, optional
        A :func:`first_look` at nearly the same trials (the same leads and lags, the young ones
        weighted at another working rate): its regime and the range of its rough walk are kept,
        and only the walk on the fine grid is filtered on ``effective``. Should the posterior
        reach an end of that range, the fit starts again without it.

    Returns
    -------
    RatePosterior

    Examples
    --------
    Six cohorts at about 4%, then four at about 14%: the plan rests on the later four.

    >>> post = fit_cohort_rates(np.array([8, 12, 9, 11, 10, 7, 41, 38, 45, 40]),
    ...                         np.full(10, 280.0))
    >>> post.regime_start, round(post.mean, 2)
    (6, 0.15)
    """
    if look is None:
        return _final_fit(converted, effective, first_look(converted, effective))
    posterior = _final_fit(converted, effective, look)
    if _inside(posterior):
        return posterior
    return fit_cohort_rates(converted, effective)  # the trials took the levels past the range


_EDGE_MASS = 1e-6
"""Posterior mass of the plan's level in an end cell of the fine grid above which a first
look's range is not trusted (fitted on their own trials, the end cells hold below 1e-7)."""


def _inside(posterior: RatePosterior) -> bool:
    """True when the plan's level (the walk one month ahead) stays clear of the grid's ends."""
    level = posterior.weights.reshape(-1, CV_GRID.size).sum(axis=1)
    return bool(level[0] <= _EDGE_MASS and level[-1] <= _EDGE_MASS)


def _final_fit(converted, effective, look: FirstLook) -> RatePosterior:
    """The walk filtered on the fine grid over the range the first look's rough walk kept."""
    regime, rough = look.regime, look.rough
    low, high = support(rough)
    margin = regime.coarse[1] - regime.coarse[0]
    fine = np.linspace(low - margin, high + margin, _FINE_POINTS)
    used = regime.used
    all_c = np.asarray(converted, dtype=float)
    all_n = np.maximum(np.asarray(effective, dtype=float), all_c)
    c, n = all_c[used:], all_n[used:]
    # the prior's centre: the pooled rate of these trials (the cohorts since a change only)
    center = _pooled_logit(c, n) if regime.changes else _pooled_logit(all_c, all_n)
    within = _room(rough)
    spreads = CV_GRID[: within[1]]
    rows = _masked(rate_loglik(c, n, fine, spreads), fine, spreads)
    walk = filter_walk(rows, fine, CV_GRID, center, RATE_PRIOR_SD, within=within)
    ahead = np.zeros((CV_GRID.size, fine.size))
    np.add.at(ahead, walk.spread_index, walk.weights[:, None] * walk.ahead())
    return RatePosterior(
        logit_mean=np.repeat(fine, CV_GRID.size),
        cv=np.tile(CV_GRID, fine.size),
        weights=ahead.T.ravel() / ahead.sum(),
        step=float(fine[1] - fine[0]),
        regime_start=regime.start,
        changes=regime.changes,
        walk=walk,
        first=used,
    )
