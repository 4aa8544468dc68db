"""The candidate forecasting methods for monthly counts: the functional core of ``forecast/``.

Each method takes a history of monthly counts (a 1-D float array, oldest first), a horizon in
months, a number of paths and a numpy ``Generator``, and returns a :class:`MethodForecast`: its
point forecast and ``n_paths`` simulated **count** paths (non-negative integers). Intervals are
quantiles of those paths, never a normal approximation of a count.

Methods
-------
``seasonal_naive``
    The benchmark (Hyndman & Athanasopoulos, *FPP3* §5.2): next January = last January. With
    fewer than 24 months (two seasons) the period falls back to 1 (plain naive). Paths add
    bootstrapped (smoothed), centred seasonal differences (one per elapsed season).
``ets`` / ``ets_damped``
    Holt-Winters exponential smoothing from statsmodels (additive error, additive or damped
    additive trend, additive seasonality only with >= 36 months; never multiplicative). Paths
    from ``HoltWintersResults.simulate`` with bootstrapped residuals rescaled to ``n - k``
    degrees of freedom, plus the estimation uncertainty of the initial states
    (:mod:`slaplan.forecast.holt_winters`); initial states are estimated with the weights.
``level``
    The regime level (:mod:`slaplan.forecast.level`): a Bayesian negative binomial level of the
    months since the last level shift, with month-to-month spread and (with >= 13 months)
    shrunk year-on-year seasonality. Paths draw the level, the spread and a Gamma month effect,
    so they carry the estimation uncertainty. The default method (see ``forecast_volume``).
``nb_glm``
    A count model: negative binomial GLM (log link) with a linear trend and, with >= 24 months,
    month-of-year effects; dispersion by the Pearson moment estimator on a Poisson fit. Paths
    draw the coefficients from their asymptotic normal (estimation uncertainty) and then
    gamma-Poisson counts around the resulting means.

A fit that does not converge raises :class:`MethodFitError`; the caller falls back to the next
method and records why. statsmodels' convergence chatter is caught locally around each fit.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from slaplan.forecast.holt_winters import (
    HoltWintersParams,
    forecast_mean_covariance,
    residual_dof,
)
from slaplan.forecast.level import (
    BACKTEST_GRID,
    FULL_GRID,
    MIN_LEVEL_MONTHS,
    LevelGrid,
    LevelPosterior,
    fit_level,
)

__all__ = [
    "METHODS",
    "MIN_MONTHS",
    "MethodFitError",
    "MethodForecast",
    "fit_method",
    "seasonal_period",
]

MONTHS_PER_YEAR = 12
MIN_MONTHS_SEASONAL_NAIVE = 24  # two seasons: one to copy, one to learn the seasonal residuals
MIN_MONTHS_SEASONAL_ETS = 36  # PRODUCT.md §4: seasonal ETS only with >= 36 months
MIN_MONTHS_MONTH_EFFECTS = 24  # each month-of-year effect seen at least twice
MIN_NB_ALPHA = 1e-6  # below this the negative binomial is a Poisson for every practical purpose


class MethodFitError(RuntimeError):
    """A candidate method could not be fitted (no convergence, degenerate data)."""


@dataclass(frozen=True, kw_only=True)
class MethodForecast:
    """One method's forecast: point forecast and simulated count paths.

    Attributes
    ----------
    method : str
        The method's name (a key of :data:`METHODS`).
    point : numpy.ndarray
        Point forecast per future month, shape ``(horizon,)`` (used for MASE / sMAPE).
    paths : numpy.ndarray
        Simulated counts, int64, shape ``(n_paths, horizon)``, all >= 0.
    note : str
        What the method actually fitted (period, seasonal or not, dispersion).
    levels : numpy.ndarray or None
        Expected count of each path and month before the Poisson noise of the month itself
        (the ``level`` method's intensities), shape ``(n_paths, horizon)``; None for methods
        that simulate counts directly.
    posterior : LevelPosterior or None
        The fitted level (``level`` method only).
    """

    method: str
    point: np.ndarray
    paths: np.ndarray
    note: str
    levels: np.ndarray | None = None
    posterior: object | None = None


def seasonal_period(n_months: int) -> int:
    """Return the seasonal period the benchmark can use: 12 with >= 24 months, else 1."""
    return MONTHS_PER_YEAR if n_months >= MIN_MONTHS_SEASONAL_NAIVE else 1


def _as_count_paths(values: np.ndarray) -> np.ndarray:
    """Whole, non-negative counts (int64) with the mean of the simulated values.

    Clipping negative values at zero alone would raise each month's mean (a naive forecast of
    200 drifted to 267 and 386 when its paths were wide); the clipped paths are rescaled per
    month to the mean of the unclipped values before rounding.
    """
    values = np.asarray(values, dtype=float)
    clipped = np.clip(values, 0.0, None)
    wanted, current = np.clip(values.mean(axis=0), 0.0, None), clipped.mean(axis=0)
    scale = np.divide(wanted, current, out=np.ones_like(current), where=current > 0)
    return np.rint(clipped * scale).astype(np.int64)


def seasonal_naive(
    counts: np.ndarray, horizon: int, n_paths: int, rng: np.random.Generator
) -> MethodForecast:
    """Seasonal naive forecast with bootstrapped seasonal-difference paths."""
    n = counts.size
    period = seasonal_period(n)
    steps = np.arange(horizon)
    point = counts[n - period + steps % period].astype(float)
    residuals = counts[period:] - counts[:-period]
    residuals = residuals - residuals.mean()
    seasons_elapsed = steps // period + 1  # the k-step error sums k+1 seasonal differences
    size = (n_paths, horizon, int(seasons_elapsed.max()))
    # smoothed bootstrap (Silverman's bandwidth): a pool of a dozen differences would otherwise
    # give lumpy intervals whose 80% and 95% bounds land on the same resampled value
    bandwidth = 1.06 * residuals.std() * residuals.size ** (-1 / 5)
    draws = rng.choice(residuals, size=size) + rng.normal(0.0, bandwidth, size=size)
    mask = np.arange(draws.shape[2]) < seasons_elapsed[:, None]
    noise = (draws * mask).sum(axis=2)
    note = f"period {period}" + (" (fewer than 24 months: plain naive)" if period == 1 else "")
    return MethodForecast(
        method="seasonal_naive", point=point, paths=_as_count_paths(point + noise), note=note
    )


def _holt_winters(
    counts: np.ndarray, horizon: int, n_paths: int, rng: np.random.Generator, *, damped: bool
) -> MethodForecast:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    n = counts.size
    seasonal = n >= MIN_MONTHS_SEASONAL_ETS
    model = ExponentialSmoothing(
        counts.astype(float),
        trend="add",
        damped_trend=damped,
        seasonal="add" if seasonal else None,
        seasonal_periods=MONTHS_PER_YEAR if seasonal else None,
        # initial states fitted with the weights: statsmodels' "heuristic" ones come from the
        # first 10 months and, with a smoothing weight near 0, froze the forecast on that line
        initialization_method="estimated",
    )
    # statsmodels warns on optimiser trouble; we turn that into an honest fallback instead
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = model.fit(method="least_squares", use_brute=False)
    retvals = result.mle_retvals
    converged = bool(getattr(retvals, "success", True)) if retvals is not None else True
    if any(issubclass(w.category, ConvergenceWarning) for w in caught) or not converged:
        raise MethodFitError("Holt-Winters optimiser did not converge")
    point = np.asarray(result.forecast(horizon), dtype=float)
    simulated = _holt_winters_paths(result, counts, horizon, n_paths, rng)
    if not (np.isfinite(point).all() and np.isfinite(simulated).all()):
        raise MethodFitError("Holt-Winters produced non-finite forecasts")
    kind = "damped additive trend" if damped else "additive trend"
    note = f"{kind}, " + ("additive seasonality" if seasonal else "no seasonality (< 36 months)")
    return MethodForecast(
        method="ets_damped" if damped else "ets",
        point=np.clip(point, 0, None),
        paths=_as_count_paths(simulated.T),
        note=note,
    )


def _holt_winters_paths(result, counts, horizon, n_paths, rng) -> np.ndarray:
    """Paths ``(horizon, n_paths)``: bootstrapped errors on ``n - k`` degrees of freedom, plus the
    estimation uncertainty of the initial states (see :mod:`slaplan.forecast.holt_winters`)."""
    params = result.params
    model = result.model
    period = MONTHS_PER_YEAR if model.has_seasonal else 0
    hw = HoltWintersParams(
        alpha=float(params["smoothing_level"]),
        beta=float(params["smoothing_trend"]),
        gamma=float(params["smoothing_seasonal"]) if period else 0.0,
        phi=float(params["damping_trend"]) if model.damped_trend else 1.0,
        period=period,
    )
    residuals = counts - np.asarray(result.fittedvalues, dtype=float)
    # statsmodels' own count of fitted quantities: smoothing weights and initial states
    dof = residual_dof(counts.size, 4 + (period + 1) * bool(period) + int(model.damped_trend))
    pool = (residuals - residuals.mean()) * np.sqrt(counts.size / dof)
    errors = rng.choice(pool, size=(horizon, n_paths))
    simulated = np.asarray(
        result.simulate(horizon, anchor="end", repetitions=n_paths, random_errors=errors),
        dtype=float,
    ).reshape(horizon, n_paths)
    covariance = forecast_mean_covariance(
        hw, counts.size, horizon, float(residuals @ residuals) / dof
    )
    eigenvalues, eigenvectors = np.linalg.eigh(covariance)
    root = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))
    return simulated + root @ rng.standard_normal((horizon, n_paths))


def ets(counts: np.ndarray, horizon: int, n_paths: int, rng: np.random.Generator) -> MethodForecast:
    """Holt-Winters with additive error and additive trend (seasonal with >= 36 months)."""
    return _holt_winters(counts, horizon, n_paths, rng, damped=False)


def ets_damped(
    counts: np.ndarray, horizon: int, n_paths: int, rng: np.random.Generator
) -> MethodForecast:
    """Holt-Winters with additive error and damped additive trend (seasonal with >= 36 months)."""
    return _holt_winters(counts, horizon, n_paths, rng, damped=True)


def glm_design(months: np.ndarray, *, month_effects: bool) -> np.ndarray:
    """Design matrix: intercept, trend in years, and month-of-year dummies (January baseline).

    ``months`` are integer month numbers counted from the first month of the history.
    """
    columns = [np.ones(months.size), months / MONTHS_PER_YEAR]
    if month_effects:
        month_of_year = months % MONTHS_PER_YEAR
        columns += [(month_of_year == k).astype(float) for k in range(1, MONTHS_PER_YEAR)]
    return np.column_stack(columns)


def pearson_nb_alpha(counts: np.ndarray, fitted: np.ndarray, n_params: int) -> float:
    """Moment estimate of the NB2 dispersion alpha (variance = mu + alpha mu^2), floored at 0.

    Cameron & Trivedi (2013), *Regression Analysis of Count Data*, §3.2.
    """
    dof = max(counts.size - n_params, 1)
    return max(float(np.sum(((counts - fitted) ** 2 - fitted) / fitted**2) / dof), 0.0)


def nb_glm(
    counts: np.ndarray, horizon: int, n_paths: int, rng: np.random.Generator
) -> MethodForecast:
    """Negative binomial GLM with trend and month effects; paths include coefficient uncertainty."""
    import statsmodels.api as sm

    n = counts.size
    if counts.sum() == 0:
        raise MethodFitError("every month is zero: a log-link count model cannot be fitted")
    month_effects = n >= MIN_MONTHS_MONTH_EFFECTS
    design = glm_design(np.arange(n), month_effects=month_effects)
    future = glm_design(np.arange(n, n + horizon), month_effects=month_effects)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        poisson = sm.GLM(counts, design, family=sm.families.Poisson()).fit()
        alpha = pearson_nb_alpha(counts, poisson.fittedvalues, design.shape[1])
        if alpha > MIN_NB_ALPHA:
            family = sm.families.NegativeBinomial(alpha=alpha)
            result = sm.GLM(counts, design, family=family).fit(start_params=poisson.params)
        else:
            result = poisson
    converged = bool(getattr(result, "converged", True))
    covariance = np.asarray(result.cov_params())
    if not converged or not np.isfinite(covariance).all():
        raise MethodFitError("negative binomial GLM (IRLS) did not converge")
    coefficients = rng.multivariate_normal(result.params, covariance, size=n_paths)
    means = np.exp(np.clip(coefficients @ future.T, -50, 50))
    if alpha > MIN_NB_ALPHA:
        means = rng.gamma(shape=1 / alpha, scale=means * alpha)
    paths = rng.poisson(means).astype(np.int64)
    note = "trend" + (" + month effects" if month_effects else " only (< 24 months)")
    note += f", NB alpha {alpha:.3g}" if alpha > MIN_NB_ALPHA else ", Poisson (no overdispersion)"
    point = np.exp(future @ np.asarray(result.params))
    return MethodForecast(method="nb_glm", point=point, paths=paths, note=note)


def level(
    counts: np.ndarray,
    horizon: int,
    n_paths: int,
    rng: np.random.Generator,
    *,
    posterior: LevelPosterior | None = None,
    scan: bool = True,
    grid: LevelGrid = FULL_GRID,
) -> MethodForecast:
    """The regime level (Bayesian negative binomial level of the current regime, see above).

    ``posterior`` is the level already fitted on ``counts``, if the caller has it; ``scan=False``
    fits ``counts`` as one regime; ``grid``: the grids of the fit (see
    :func:`slaplan.forecast.level.fit_level`).
    """
    if posterior is None:
        posterior = fit_level(counts, scan=scan, grid=grid)
    levels = posterior.intensities(n_paths, horizon, rng, first_position=counts.size)
    paths = rng.poisson(levels).astype(np.int64)
    start = posterior.regime_start
    note = f"level of the last {counts.size - start} months" if start else "level of all months"
    note += f", monthly spread {posterior.spread:.0%}"
    if posterior.seasonal_slope > 0:
        note += f", year-on-year seasonality (weight {posterior.seasonal_slope:.2f})"
    return MethodForecast(
        method="level",
        point=levels.mean(axis=0),
        paths=paths,
        note=note,
        levels=levels,
        posterior=posterior,
    )


METHODS: dict[str, Callable[..., MethodForecast]] = {
    "level": level,
    "seasonal_naive": seasonal_naive,
    "ets": ets,
    "ets_damped": ets_damped,
    "nb_glm": nb_glm,
}


MIN_MONTHS = {
    "level": MIN_LEVEL_MONTHS,
    "seasonal_naive": 2,
    "ets": 6,
    "ets_damped": 6,
    "nb_glm": 6,
}
"""Months of history each method needs to be fitted at all."""


def fit_method(
    method: str,
    counts: np.ndarray,
    horizon: int,
    n_paths: int,
    rng: np.random.Generator,
    *,
    one_regime: bool = False,
) -> MethodForecast:
    """Fit ``method`` on ``counts`` (trusted: 1-D, >= 6 whole non-negative numbers) and simulate.

    ``one_regime``: the counts are a regime's own months, backtested (the level model does not
    scan them for level shifts again, the other methods never do, and it fits on the coarser
    grids :data:`~slaplan.forecast.level.BACKTEST_GRID`).
    """
    counts = np.asarray(counts, dtype=float)
    if method == "level" and one_regime:
        return level(counts, horizon, n_paths, rng, scan=False, grid=BACKTEST_GRID)
    return METHODS[method](counts, horizon, n_paths, rng)
