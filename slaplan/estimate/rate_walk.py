"""A cohort rate that wanders from month to month: a random walk on a grid, filtered exactly.

The functional core behind :func:`slaplan.estimate.cohort_rates.fit_cohort_rates` (numpy and
``scipy.special`` only). Within a regime, the monthly cohorts' rates are modelled as

    x_m = x_{m-1} + N(0, q**2)                       the level (logit scale) walks, step sd q
    p_m ~ Beta(mu_m kappa_m, (1 - mu_m) kappa_m)     mu_m = expit(x_m); spread cv around it
    converted_m ~ Binomial(effective_m, p_m)

``q = 0`` is one level for every cohort (the stationary model); ``cv = 0`` is no spread around
the level. The level is a hidden Markov chain on a grid of logit values, so the forward filter is
exact on that grid (Rabiner 1989): each ``(cv, q)`` cell gets its marginal likelihood, and the
cells are averaged by their posterior (priors: ``cv`` half-normal, scale 0.3; ``q`` a steady rate,
``q = 0``, with probability :data:`STEADY_PRIOR`, else half-normal of scale
:data:`WALK_PRIOR_SCALE`). A steady rate is thus not discounted by chance: the cells with
``q > 0`` gain weight only as the evidence of a walk grows, as a change of regime needs its
evidence (:mod:`slaplan.forecast.regimes`); and a rate that walks is followed, with its next
step's uncertainty in the forecast, instead of being averaged over the regime.

Why a walk and not only forgetting. A month's count reads several cohorts (the leads still open
from the last months, the arrivals to come). Under a walking rate they sit near one another, away
from the regime's average: their deviations add up rather than cancel. Forgetting older cohorts
(weight ``delta**age``) moved the mean but drew the cohorts independently around it; in simulated
worlds whose rate walks, the SQL count then exceeded its 90th percentile in 15% of months.

Draws of the cohorts' levels come from the joint posterior by forward filtering, backward
sampling (Frühwirth-Schnatter 1994; Carter & Kohn 1994): the last cohort's level from its
filtered distribution, each earlier one given the next, and the months ahead by the walk's
Gaussian steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from slaplan.forecast.level import SPREAD_PRIOR_SCALE
from slaplan.forecast.regimes import half_normal_weights

__all__ = [
    "STEADY_PRIOR",
    "WALK_GRID",
    "WALK_PRIOR_SCALE",
    "LevelWalk",
    "filter_walk",
    "support",
    "walk_prior_weights",
]

WALK_GRID = np.array([0.0, 0.03, 0.06, 0.1, 0.15, 0.2, 0.3, 0.45])
"""Candidate step sd ``q`` of the level per month (logit scale)."""
WALK_PRIOR_SCALE = 0.15
"""Scale of the half-normal prior of ``q``: a monthly drift of 10-15% of the odds is plausible,
one of 40% rare. (In the calibration study's drifting worlds, step sd 0.05-0.25, the SQL count's
debiased ECE was 0.063 with a scale of 0.1 and 0.052 with 0.15; the steady kinds met the bar
with both.)"""
STEADY_PRIOR = 0.5
"""Prior probability that the rate does not walk (``q = 0``): a steady rate and a walking one are
equally likely before the data. With the half-normal alone (8% of its mass in the cell of
``q = 0``), a few cohorts could not make a steady rate steady: in the calibration study's
stationary worlds the kit described a walk (posterior mean step >= 5% of the odds a month) in
43% of the lead->MQL rates and 75% of the MQL->SQL ones (6% and 14% with this prior), and a young
regime's two or three cohorts took the walk wholly from the prior, which widened their SQL
counts' predictive (reliability slope 1.17; 1.05 with this prior, bench/README.md)."""
_KEEP = 1e-7  # cells below this posterior weight are dropped (never drawn in practice)
_SUPPORT = 1e-9  # grid mass below which a level is out of the support (the fine grid's range)


@dataclass(frozen=True, kw_only=True)
class LevelWalk:
    """The filtered level of a regime's cohorts, per ``(cv, q)`` cell kept.

    Attributes
    ----------
    grid : ndarray, shape (levels,)
        Logit levels.
    cv, walk, weights : ndarray, shape (cells,)
        Spread and step sd of each cell kept, and its posterior probability.
    filtered : ndarray, shape (cells, cohorts, levels)
        ``P(x_m | cohorts up to m)`` per cell.
    spread_index : ndarray of int, shape (cells,)
        Position of each cell's ``cv`` in the spread grid it was fitted on.
    kernels : dict
        One month's transition matrix on the grid, per step sd of the cells kept.
    """

    grid: np.ndarray
    cv: np.ndarray
    walk: np.ndarray
    weights: np.ndarray
    filtered: np.ndarray
    spread_index: np.ndarray
    kernels: dict[float, np.ndarray]

    @property
    def step(self) -> float:
        """Spacing of the level grid."""
        return float(self.grid[1] - self.grid[0])

    def ahead(self) -> np.ndarray:
        """``P(x | all cohorts)`` one month after the last cohort, per cell ``(cells, levels)``."""
        out = np.empty((self.walk.size, self.grid.size))
        for q, kernel in self.kernels.items():
            cells = self.walk == q
            out[cells] = self.filtered[cells, -1, :] @ kernel
        return out

    def smoothed(self) -> np.ndarray:
        """``P(x_m | all cohorts)`` per cell and cohort ``(cells, cohorts, levels)``.

        The backward recursion on the filtered distributions: ``s_m = f_m * K (s_{m+1} / (f_m
        K))`` (Rauch, Tung & Striebel 1965, on a grid); exact, no draws.
        """
        out = np.empty_like(self.filtered)
        for q, kernel in self.kernels.items():
            cells = self.walk == q
            # the cells of this step sd cohort by cohort, (cohorts, cells, levels): each
            # cohort's rows one contiguous block, read and written without a copy a cohort
            filtered = np.ascontiguousarray(self.filtered[cells].transpose(1, 0, 2))
            smoothed = np.empty_like(filtered)
            smoothed[-1] = later = filtered[-1]
            for m in range(filtered.shape[0] - 2, -1, -1):
                now = filtered[m]
                predicted = now @ kernel if q > 0 else now  # q = 0: the identity, no step
                ratio = np.divide(later, predicted, out=np.zeros_like(later), where=predicted > 0)
                later = smoothed[m] = now * (ratio @ kernel.T if q > 0 else ratio)
            out[cells] = smoothed.transpose(1, 0, 2)
        return out

    def paths(
        self, n: int, rng: np.random.Generator, steps: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``n`` joint draws of the levels at ``steps`` (cohort positions, may pass the last).

        Returns ``(cells, levels)``: the cell of each draw ``(n,)`` and the logit level of each
        draw at each step ``(n, len(steps))``.
        """
        steps = np.asarray(steps, dtype=int)
        last = self.filtered.shape[1] - 1
        levels = self.grid.size
        cells = rng.choice(self.weights.size, size=n, p=self.weights)
        q = self.walk[cells]
        kept, which = np.unique(cells, return_inverse=True)
        index = _pick(self.filtered[kept, last, :], which, rng)
        first = int(min(steps.min(), last)) if steps.size else last
        at = {last: index}
        for m in range(last - 1, max(first, 0) - 1, -1):
            # draws that share a cell and a next level share the conditional of this level
            pairs, which = np.unique(cells * levels + index, return_inverse=True)
            cell, after = np.divmod(pairs, levels)
            back = self.filtered[cell, m, :].copy()
            for v, kernel in self.kernels.items():
                rows = self.walk[cell] == v
                back[rows] *= kernel[:, after[rows]].T
            index = _pick(back, which, rng)
            at[m] = index
        jitter = rng.uniform(-0.5, 0.5, size=(n, steps.size)) * self.step
        level = np.empty((n, steps.size))
        for j, s in enumerate(steps):
            inside = at[int(np.clip(s, 0, last))]
            level[:, j] = self.grid[inside] + jitter[:, j]
        beyond = steps > last
        if beyond.any():  # the months ahead: the walk's Gaussian steps from the last level
            ahead = steps[beyond] - last
            order = np.sort(np.unique(ahead))
            steps_sd = np.sqrt(np.diff(order, prepend=0))
            walked = np.cumsum(rng.normal(size=(n, order.size)) * steps_sd, axis=1)
            level[:, beyond] = (
                self.grid[at[last]][:, None]
                + jitter[:, beyond]
                + q[:, None] * walked[:, np.searchsorted(order, ahead)]
            )
        return cells, level


def filter_walk(
    loglik: np.ndarray,
    grid: np.ndarray,
    cv: np.ndarray,
    center: float,
    prior_sd: float,
    *,
    walks: np.ndarray = WALK_GRID,
    within: tuple[int, int] | None = None,
) -> LevelWalk:
    """Forward-filter the level on ``grid`` for every ``(cv, q)`` cell.

    Parameters
    ----------
    loglik : ndarray, shape (cohorts, levels * spreads)
        Each cohort's log-likelihood per cell (``levels x spreads`` flattened); impossible
        cells (a spread too large for the level) must be ``-inf``. With ``within``, the
        columns of the first ``within[1]`` spreads only.
    grid : ndarray, shape (levels,)
        Logit levels, equally spaced.
    cv : ndarray, shape (spreads,)
        The spread grid.
    center, prior_sd : float
        Normal prior of the first cohort's level.
    walks : ndarray
        The step sd grid (:data:`WALK_GRID`; a subset for a rough pass).
    within : (int, int), optional
        Filter only the first ``within[0]`` step sds and the first ``within[1]`` spreads, the
        cells a rough pass found room for (see
        :func:`slaplan.estimate.cohort_rates.fit_cohort_rates`); the priors are those of the
        whole grids, and the cells left out get no weight.

    Returns
    -------
    LevelWalk

    Examples
    --------
    Twelve cohorts of 400 whose rate climbs from 10% to 30%: the walk's cells win, and the level
    after the last cohort is near the last rate, not the average.

    >>> from slaplan.estimate.cohort_rates import possible_cells, rate_loglik
    >>> from slaplan.forecast.level import CV_GRID
    >>> rates = np.linspace(0.10, 0.30, 12)
    >>> grid = np.linspace(-3.5, 0.5, 150)
    >>> ll = rate_loglik(np.round(400 * rates), np.full(12, 400.0), grid, CV_GRID)
    >>> ll = np.where(possible_cells(grid, CV_GRID), ll, -np.inf)
    >>> walk = filter_walk(ll, grid, CV_GRID, -1.4, 1.0)
    >>> bool(walk.weights @ (walk.walk > 0) > 0.9)
    True
    >>> from scipy.special import expit
    >>> round(float(expit(walk.weights @ walk.ahead() @ grid)), 2)
    0.29
    """
    t = loglik.shape[0]
    walk_prior = np.log(walk_prior_weights(walks))
    with np.errstate(divide="ignore"):
        spread_prior = np.log(half_normal_weights(cv, SPREAD_PRIOR_SCALE))
    if within is not None:
        walks, cv = walks[: within[0]], cv[: within[1]]
        walk_prior, spread_prior = walk_prior[: within[0]], spread_prior[: within[1]]
    levels, spreads = grid.size, cv.size
    rows = loglik.reshape(t, levels, spreads)
    shift = rows.max(axis=(1, 2), keepdims=True)
    emit = _exp_or_zero(rows - shift).transpose(0, 2, 1)  # (cohorts, spreads, levels)
    start = np.exp(-0.5 * ((grid - center) / prior_sd) ** 2)
    start /= start.sum()
    kernels = np.stack([_kernel(grid, q) for q in walks])  # (walks, levels, levels)
    # the step sds rise from 0 (walk_prior_weights checks it): the first keeps the level (its
    # kernel is the identity), the others move it, read and written as slices (no copies)
    steps = kernels[1:]
    # (the first product takes numpy's layout of start x emission, the levels strided, and
    # its sums over the levels add in that order: the same numbers as ever)
    predicted = np.broadcast_to(start, (walks.size, spreads, levels))
    following = np.empty(predicted.shape)  # each cohort's prediction of the next, reused
    filtered = np.empty((walks.size, spreads, t, levels))
    log_z = np.zeros((walks.size, spreads))
    with np.errstate(divide="ignore"):  # log 0 = -inf: a cell that cannot explain the cohort
        for m in range(t):
            joint = predicted * emit[m][None, :, :]
            z = joint.sum(axis=2)
            log_z += np.log(z)
            now = np.divide(joint, np.where(z > 0, z, 1.0)[..., None], out=joint)
            filtered[:, :, m, :] = now
            following[0] = now[0]
            np.matmul(now[1:], steps, out=following[1:])
            predicted = following
    log_z += float(shift.sum())
    log_post = log_z + walk_prior[:, None] + spread_prior[None, :]
    weights = np.exp(log_post - log_post.max())
    weights = np.where(np.isfinite(log_post), weights, 0.0)
    weights /= weights.sum()
    keep = np.flatnonzero(weights.ravel() >= _KEEP)
    walk_at, spread_at = np.divmod(keep, spreads)
    kept = weights.ravel()[keep]
    return LevelWalk(
        grid=grid,
        cv=cv[spread_at],
        walk=walks[walk_at],
        weights=kept / kept.sum(),
        filtered=filtered[walk_at, spread_at],
        spread_index=spread_at,
        kernels={float(walks[i]): kernels[i] for i in np.unique(walk_at)},
    )


def walk_prior_weights(walks: np.ndarray) -> np.ndarray:
    """Prior weights of the step sds ``walks`` (>= 0, increasing, the first 0): the steady rate's
    :data:`STEADY_PRIOR` on ``q = 0``, the rest half-normal of scale :data:`WALK_PRIOR_SCALE`.

    >>> w = walk_prior_weights(WALK_GRID)
    >>> round(float(w.sum()), 6), bool(w[0] > 0.5)
    (1.0, True)
    """
    if walks[0] != 0:
        raise ValueError(f"the step sd grid must start at 0 (the steady rate), got {walks[0]}")
    weights = (1.0 - STEADY_PRIOR) * half_normal_weights(walks, WALK_PRIOR_SCALE)
    weights[0] += STEADY_PRIOR
    return weights


def support(walk: LevelWalk) -> tuple[float, float]:
    """Range of levels with any filtered or next-month mass above :data:`_SUPPORT`."""
    mass = np.einsum("k,kml->ml", walk.weights, walk.filtered).max(axis=0)
    mass = np.maximum(mass, walk.weights @ walk.ahead())
    inside = np.flatnonzero(mass > _SUPPORT)
    if not inside.size:
        return float(walk.grid[0]), float(walk.grid[-1])
    return float(walk.grid[inside[0]]), float(walk.grid[inside[-1]])


def _kernel(grid: np.ndarray, q: float) -> np.ndarray:
    """Transition matrix of one month's step on ``grid`` (rows: from, columns: to)."""
    if q <= 0:
        return np.eye(grid.size)
    kernel = _exp_or_zero(-0.5 * ((grid[None, :] - grid[:, None]) / q) ** 2)
    return kernel / kernel.sum(axis=1, keepdims=True)


_UNDERFLOW = -746.0  # exp of anything below is exactly 0.0 in double precision


def _exp_or_zero(values: np.ndarray) -> np.ndarray:
    """``np.exp(values)``, the same to the last bit, without evaluating where it underflows.

    Far tails of a likelihood or of a narrow step fill much of these arrays, and ``exp`` takes
    several times longer where its result underflows than where it does not.
    """
    out = np.zeros(values.shape)
    return np.exp(values, out=out, where=~(values <= _UNDERFLOW))  # NaN stays NaN


def _pick(probabilities: np.ndarray, which: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per draw from row ``which[i]`` of ``probabilities`` (rows unnormalised).

    The rows' cumulative shares, shifted by their row number, make one increasing array, so
    all draws are one ``searchsorted`` (the work grows with the distinct rows, not the draws).
    """
    levels = probabilities.shape[1]
    cumulative = np.cumsum(probabilities + 1e-300, axis=1)
    shares = cumulative / cumulative[:, -1:] + np.arange(len(cumulative))[:, None]
    found = np.searchsorted(shares.ravel(), rng.random(which.size) + which, side="left")
    return np.minimum(found - which * levels, levels - 1)
