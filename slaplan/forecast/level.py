"""The regime level: a Bayesian negative binomial level of monthly counts, on the current regime.

The default volume model of the kit (PRODUCT.md §4, "volumes"): monthly arrivals at a stage are

    y_t ~ NegBin(mean = mu * s_t * e_t, size = 1 / cv**2)     (Poisson when cv = 0)

with ``mu`` the level of the current regime, ``cv`` the month-to-month variation of the level
(a Gamma month effect of coefficient of variation ``cv``), ``e_t`` the share of month ``t`` that
was observed (1 for a complete month) and ``s_t`` a seasonal factor (1 unless the history shows
seasonality, below). The posterior of ``(mu, cv)`` is computed on a grid, so the predictive count
of a future month carries the uncertainty of the level *and* of the spread — what a short history
needs (three months say little about the spread; the grid keeps every plausible value).

Priors (stated, weak): ``log mu ~ Normal(log of the series' mean, 1)`` — a change of a factor
2.7 is one standard deviation, which matters only for the evidence of a change; ``cv`` is
half-normal with scale 0.3 (monthly lead volumes typically vary by 5–30%).

Regimes: a level shift is found by :func:`slaplan.forecast.regimes.find_regime` on the monthly
log-likelihoods (the months before the last change are not used for the level); a level that
drifts within the regime is followed by forgetting older months (weight ``delta**age``, ``delta``
chosen by :func:`slaplan.forecast.regimes.choose_discount` as the better predictor, with no bar:
:data:`VOLUME_DISCOUNT_EVIDENCE`).

Seasonality (only with >= 13 months, so that a month a year before exists): the deviations
``r_t = log(y_t / level of its regime)`` of complete months are regressed through the origin on
those of the same month a year before (``b = sum r_t r_{t-12} / sum r_{t-12}**2``); the
coefficient is shrunk to zero by its own standard error (positive-part James–Stein) and kept
only with >= 4 pairs. A future month's factor is ``exp(b r)`` of its month a year before, drawn
per path with ``b``'s uncertainty. Without year-on-year agreement ``b`` shrinks to 0 and the
model is the plain level: seasonal swings then show as spread, which widens the predictive.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from scipy import special

from slaplan.forecast.regimes import (
    RegimeChange,
    choose_discount,
    discounted_posterior,
    find_regime,
    half_normal_weights,
    thinned,
)

__all__ = [
    "BACKTEST_GRID",
    "CV_GRID",
    "FULL_GRID",
    "MIN_LEVEL_MONTHS",
    "VOLUME_DISCOUNT_EVIDENCE",
    "LevelGrid",
    "LevelPosterior",
    "fit_level",
    "level_loglik",
]

MIN_LEVEL_MONTHS = 3
"""Complete months needed to fit a level (below: "insufficient data")."""
CV_GRID = np.array([0.0, 0.02, 0.04, 0.07, 0.1, 0.14, 0.19, 0.25, 0.33, 0.43, 0.55, 0.7, 0.9])
SPREAD_PRIOR_SCALE = 0.3
LEVEL_PRIOR_SD = 1.0


@dataclass(frozen=True)
class LevelGrid:
    """The grids of a level fit: ``points`` levels in the coarse grid (the regime scan, the rough
    posterior) and in the fine grid (the posterior) around it; the forgetting factors are
    compared on every ``points // 30``-th level."""

    points: int


FULL_GRID = LevelGrid(points=120)
"""The grids of a forecast's own fit."""
BACKTEST_GRID = LevelGrid(points=60)
"""The grids of a backtest's fits, which score a forecast's mean and intervals from a few hundred
paths. On 300 simulated series (``bench/backtest_grid.py``) the level model's mean backtest MASE
was 0.887 on the full grids and 0.886 on these, its 80% / 95% intervals covered 84.1% / 97.2%
and 84.0% / 97.0%; a series' MASE moved by 1.1% (median) and the method ranked first changed in
9 of 300 — less than another seed moves them (1.5%, 11 of 300)."""
_DISCOUNT_LEVELS = 30  # levels on which the forgetting factors are compared
_MIN_SEASONAL_PAIRS = 4
_MONTHS_PER_YEAR = 12

VOLUME_DISCOUNT_EVIDENCE = 0.0
"""Nats by which forgetting must beat no forgetting for a volume: none, the better predictor.
With the rates' bar of 2 nats, trending volumes were overconfident: on the 300 simulated series
of the forecast study (tests/forecast/test_study.py) 80% and 95% intervals covered 73.9% and
89.7% of the held-out months; without it 78.9% and 92.8%, and the MASE fell from 0.94 to 0.92."""


@dataclass(frozen=True, kw_only=True)
class LevelPosterior:
    """Posterior of the current regime's level on a grid, and what was decided on the way.

    Attributes
    ----------
    log_level : ndarray
        Grid of ``log mu`` per cell (cells are ``log_level`` x ``cv`` flattened).
    cv : ndarray
        Month-to-month coefficient of variation per cell.
    weights : ndarray
        Posterior probability of each cell.
    step : float
        Spacing of the ``log mu`` grid (draws are spread uniformly within a cell).
    regime_start : int
        Index of the first month of the current regime in the fitted series.
    changes : tuple of RegimeChange
        Level shifts found, oldest first.
    seasonal_slope : float
        Shrunk year-on-year coefficient ``b`` (0: no seasonality used).
    seasonal_se : float
        Its standard error.
    deviations : ndarray
        ``r_t`` per fitted month (NaN where undefined), the seasonal signal of the history.
    discount : float
        Forgetting factor of the months of the regime (1: all weigh the same; see
        :func:`slaplan.forecast.regimes.choose_discount`).
    """

    log_level: np.ndarray
    cv: np.ndarray
    weights: np.ndarray
    step: float
    regime_start: int
    changes: tuple[RegimeChange, ...]
    seasonal_slope: float = 0.0
    seasonal_se: float = 0.0
    deviations: np.ndarray | None = None
    discount: float = 1.0

    @property
    def mean(self) -> float:
        """Posterior mean of the level ``mu`` (per complete month)."""
        return float(self.weights @ np.exp(self.log_level))

    @property
    def spread(self) -> float:
        """Posterior mean of the month-to-month coefficient of variation."""
        return float(self.weights @ self.cv)

    def draw(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``n`` posterior draws of ``(mu, cv)`` (``mu`` jittered within its grid cell)."""
        cells = rng.choice(self.weights.size, size=n, p=self.weights)
        jitter = rng.uniform(-0.5, 0.5, size=n) * self.step
        return np.exp(self.log_level[cells] + jitter), self.cv[cells]

    def seasonal_factors(
        self, future_positions: np.ndarray, n: int, rng: np.random.Generator
    ) -> np.ndarray:
        """Factor per draw and future month (``positions`` index the month in the history)."""
        factors = np.ones((n, future_positions.size))
        if self.seasonal_slope <= 0 or self.deviations is None:
            return factors
        ago = future_positions - _MONTHS_PER_YEAR
        valid = (ago >= 0) & (ago < self.deviations.size)
        r = np.where(valid, self.deviations[np.clip(ago, 0, self.deviations.size - 1)], np.nan)
        slope = np.clip(rng.normal(self.seasonal_slope, self.seasonal_se, size=(n, 1)), 0, 1)
        return np.where(np.isfinite(r), np.exp(slope * np.nan_to_num(r)), 1.0)

    def intensities(
        self, n: int, horizon: int, rng: np.random.Generator, *, first_position: int
    ) -> np.ndarray:
        """Monthly intensities ``(n, horizon)``: level x season x Gamma month effect.

        ``first_position`` is the index the first future month would have in the history. A
        level that drifts (``discount < 1``) drifts on: ``h`` months ahead, the spread of the
        level around its posterior mean is widened by ``discount ** -(h / 2)`` on the log scale
        (the discount model's step-ahead variance, West & Harrison 1997, §6.3).
        """
        level, cv = self.draw(n, rng)
        positions = first_position + np.arange(horizon)
        if self.discount < 1:
            centre = float(self.weights @ self.log_level)
            steps = np.arange(1, horizon + 1)
            widen = self.discount ** (-steps / 2)
            level = np.exp(centre + (np.log(level)[:, None] - centre) * widen[None, :])
        else:
            level = np.repeat(level[:, None], horizon, axis=1)
        season = self.seasonal_factors(positions, n, rng)
        shape = np.where(cv > 0, 1.0 / np.maximum(cv, 1e-12) ** 2, np.inf)[:, None]
        finite = np.isfinite(shape)
        effect = np.ones((n, horizon))
        if finite.any():
            k = np.broadcast_to(shape, (n, horizon))[np.broadcast_to(finite, (n, horizon))]
            effect[np.broadcast_to(finite, (n, horizon))] = rng.gamma(k, 1.0 / k)
        return level * season * effect


def level_loglik(
    counts: np.ndarray, exposure: np.ndarray, log_level: np.ndarray, cv: np.ndarray
) -> np.ndarray:
    """Negative binomial log-likelihood ``(months, cells)`` without the cell-free ``-log y!``.

    Cells are the flattened product ``log_level x cv``; ``cv = 0`` is the Poisson limit.

    >>> ll = level_loglik(np.array([10]), np.array([1.0]), np.log([5.0, 10.0]), np.array([0.0]))
    >>> bool(ll[0, 1] > ll[0, 0])
    True
    """
    y = np.asarray(counts, float)[:, None, None]
    e = np.asarray(exposure, float)
    level = np.exp(log_level)[None, None, :]
    poisson = cv == 0
    # computed as (months, spreads, levels), the levels innermost so that each numpy loop runs
    # over a row of levels (not over the 13 spreads), and laid out as cells at the end
    k = np.where(poisson, 1.0, 1.0 / np.where(poisson, 1.0, cv) ** 2)[None, :, None]
    # the Gamma-function terms do not depend on the level: computed once per month and spread
    shape_terms = special.gammaln(y + k) - special.gammaln(k) + k * np.log(k)
    # the logs depend on the month through its exposure only, mostly 1 (a complete month):
    # taken once per distinct exposure and spread to the months (broadcast when all share one)
    if e.size and (e == e[0]).all():
        exposures, which = e[:1], slice(0, 1)
    else:
        exposures, which = np.unique(e, return_inverse=True)
        if exposures.size == e.size:  # all distinct (seasonal factors): nothing to share
            exposures, which = e, slice(None)
    mean = level * exposures[:, None, None]
    # log NB = shape terms + k log(k / (k + m)) + y log(m / (k + m)), one log of k + m per cell
    out = np.empty((y.shape[0], k.size, level.size))
    np.multiply(k + y, np.log(k + mean)[which], out=out)
    np.subtract(shape_terms, out, out=out)
    out += y * np.log(mean)[which]
    if poisson.any():
        per_month = level[0] * e[:, None]
        out[:, poisson] = (special.xlogy(y[:, 0], per_month) - per_month)[:, None, :]
    return np.ascontiguousarray(out.transpose(0, 2, 1)).reshape(y.shape[0], -1)


def _prior(log_level: np.ndarray, cv: np.ndarray, center: float) -> np.ndarray:
    level_weight = np.exp(-0.5 * ((log_level - center) / LEVEL_PRIOR_SD) ** 2)
    weight = np.outer(level_weight, half_normal_weights(cv, SPREAD_PRIOR_SCALE)).ravel()
    return weight / weight.sum()


def _posterior(counts, exposure, log_level, center, discount: float = 1.0) -> np.ndarray:
    rows = level_loglik(counts, exposure, log_level, CV_GRID)
    return discounted_posterior(rows, _prior(log_level, CV_GRID, center), discount)


def fit_level(
    counts: np.ndarray,
    exposure: np.ndarray | None = None,
    *,
    scan: bool = True,
    grid: LevelGrid = FULL_GRID,
) -> LevelPosterior:
    """Posterior of the current regime's monthly level from a series of counts.

    Parameters
    ----------
    counts : ndarray of int
        Monthly counts, oldest first (at least :data:`MIN_LEVEL_MONTHS`, validated by callers).
    exposure : ndarray of float, optional
        Share of each month observed, in (0, 1] (default: complete months).
    scan : bool
        Look for level shifts (:func:`slaplan.forecast.regimes.find_regime`); False when the
        counts are known to be one regime already (the backtest of a regime's own months).
    grid : LevelGrid
        The grids (:data:`FULL_GRID`; a backtest's fits use :data:`BACKTEST_GRID`).

    Returns
    -------
    LevelPosterior

    Examples
    --------
    >>> post = fit_level(np.array([100, 96, 104, 99, 310, 295, 305, 301]))
    >>> post.regime_start, round(post.mean)
    (4, 303)
    """
    y = np.asarray(counts, dtype=float)
    e = np.ones_like(y) if exposure is None else np.asarray(exposure, dtype=float)
    rates = (y + 0.5) / e
    center = float(np.log(max(y.sum(), 0.5) / e.sum()))
    low, high = np.log(max(rates.min() / 3, 0.05)), np.log(rates.max() * 3 + 1)
    points = grid.points
    coarse = np.linspace(low, high, points)
    loglik = level_loglik(y, e, coarse, CV_GRID)
    prior = _prior(coarse, CV_GRID, center)
    start, changes = find_regime(loglik, prior) if scan else (0, ())
    slope, se, deviations = _seasonality(y, e, start, changes)
    season = _history_factors(deviations, slope)
    ys, es = y[start:], (e * season)[start:]
    rows = loglik[start:]
    seasonal = season[start:] != 1.0  # the other months' rows are those of the regime scan
    if seasonal.any():
        rows = rows.copy()
        rows[seasonal] = level_loglik(ys[seasonal], es[seasonal], coarse, CV_GRID)
    every = max(points // _DISCOUNT_LEVELS, 1)
    discount = choose_discount(
        *thinned(rows, prior, points, every), evidence=VOLUME_DISCOUNT_EVIDENCE
    )
    rough = discounted_posterior(rows, prior, discount).reshape(coarse.size, -1).sum(axis=1)
    mean = float(rough @ coarse)
    sd = max(float(np.sqrt(rough @ (coarse - mean) ** 2)), coarse[1] - coarse[0])
    fine = np.linspace(mean - 8 * sd, mean + 8 * sd, points)
    weights = _posterior(ys, es, fine, center, discount)
    return LevelPosterior(
        log_level=np.repeat(fine, CV_GRID.size),
        cv=np.tile(CV_GRID, fine.size),
        weights=weights,
        step=float(fine[1] - fine[0]),
        regime_start=start,
        changes=changes,
        seasonal_slope=slope,
        seasonal_se=se,
        deviations=deviations,
        discount=discount,
    )


def _seasonality(y, e, start, changes) -> tuple[float, float, np.ndarray]:
    """Shrunk year-on-year slope of the monthly deviations from each regime's level."""
    bounds = [0, *(c.index for c in changes), y.size]
    deviations = np.full(y.size, np.nan)
    for a, b in itertools.pairwise(bounds):
        level = y[a:b].sum() / e[a:b].sum()
        complete = e[a:b] >= 0.999
        deviations[a:b] = np.where(complete, np.log((y[a:b] + 0.5) / (level + 0.5)), np.nan)
    now, ago = deviations[_MONTHS_PER_YEAR:], deviations[:-_MONTHS_PER_YEAR]
    pairs = np.isfinite(now) & np.isfinite(ago)
    if pairs.sum() < _MIN_SEASONAL_PAIRS or not np.any(ago[pairs] != 0):
        return 0.0, 0.0, deviations
    x, z = ago[pairs], now[pairs]
    slope = float(x @ z / (x @ x))
    residual = float(np.sum((z - slope * x) ** 2) / (x.size - 1))
    se = float(np.sqrt(residual / (x @ x)))
    shrink = max(0.0, 1.0 - se**2 / slope**2) if slope > 0 else 0.0
    return float(np.clip(slope * shrink, 0.0, 1.0)), se, deviations


def _history_factors(deviations: np.ndarray, slope: float) -> np.ndarray:
    """Seasonal factor of each fitted month (from the same month a year before, else 1)."""
    factors = np.ones(deviations.size)
    if slope <= 0:
        return factors
    ago = deviations[:-_MONTHS_PER_YEAR]
    factors[_MONTHS_PER_YEAR:] = np.where(np.isfinite(ago), np.exp(slope * ago), 1.0)
    return factors
