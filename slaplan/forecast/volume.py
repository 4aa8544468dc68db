"""Monthly volume forecasts with count-path intervals: ``forecast_volume`` → ``VolumeForecast``.

The door of the forecasting domain. It validates the series, backtests the candidate methods by
rolling origin (seasonal naive always, as the benchmark), fits the chosen one on the whole
history and keeps its simulated count paths: the intervals are quantiles of those paths, and
each future month can be handed to the planning engine as a :class:`slaplan.VolumeModel`.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from slaplan._checks import check_count, check_option
from slaplan.errors import DataError
from slaplan.forecast import methods as fits
from slaplan.forecast.backtest import (
    DEFAULT_METHODS,
    Backtest,
    central_intervals,
    error_ratio,
    level_label,
    rolling_origins,
    run_backtest,
)
from slaplan.forecast.level import LevelPosterior, fit_level
from slaplan.forecast.methods import METHODS, MIN_MONTHS, MethodFitError, fit_method
from slaplan.forecast.series import check_forecast_args, monthly_counts

__all__ = [
    "DEFAULT_METHOD",
    "MIN_ORIGINS_TO_CHOOSE",
    "LevelShift",
    "VolumeForecast",
    "forecast_frame",
    "forecast_volume",
]

DEFAULT_METHOD = "level"
MIN_ORIGINS_TO_CHOOSE = 6
"""Backtest origins needed before a backtest may choose another method than the level model."""


@dataclass(frozen=True, kw_only=True)
class LevelShift:
    """A change in the level of a monthly series: the first month of the new level."""

    month: pd.Period
    mean_before: float
    mean_after: float
    probability: float  # posterior probability that the level changed

    @property
    def ratio(self) -> float:
        """Mean after over mean before (inf when nothing came before)."""
        return self.mean_after / self.mean_before if self.mean_before > 0 else float("inf")

    def describe(self, what: str = "volume") -> str:
        """The shift in words, e.g. ``"volume since 2026-06: 620 a month, before 210 (x2.95)"``."""
        return (
            f"{what} since {self.month}: {self.mean_after:,.0f} a month, before "
            f"{self.mean_before:,.0f} (x{self.ratio:.2f})"
        )


def forecast_frame(
    months: pd.PeriodIndex, paths: np.ndarray, levels: Sequence[float]
) -> pd.DataFrame:
    """Mean and central intervals per future month, from count paths ``(n_paths, horizon)``."""
    columns = {"mean": paths.mean(axis=0)}
    for level, (lower, upper) in zip(levels, central_intervals(paths, levels), strict=True):
        columns[f"lower_{level_label(level)}"] = lower
        columns[f"upper_{level_label(level)}"] = upper
    return pd.DataFrame(columns, index=pd.PeriodIndex(months, name="month"))


@dataclass(frozen=True, kw_only=True)
class VolumeForecast:
    """A monthly volume forecast: point, intervals, paths and the backtest that chose it.

    Attributes
    ----------
    frame : pandas.DataFrame
        Index: future months (monthly ``PeriodIndex``); columns ``mean, lower_80, upper_80,
        lower_95, upper_95`` (one pair per level), counts per month (made from the paths
        when first read).
    months : pandas.PeriodIndex
        The forecast months.
    method : str
        The method used (``level``, ``seasonal_naive``, ``ets``, ``ets_damped`` or ``nb_glm``).
    backtest : pandas.DataFrame
        Rolling-origin accuracy per method, best first (see :class:`slaplan.Backtest`).
    paths : numpy.ndarray
        Simulated counts, int64, shape ``(n_paths, horizon)``.
    history : pandas.Series
        The validated monthly counts the forecast was fitted on.
    note : str
        What the chosen method fitted (seasonality, dispersion).
    interval_scale : float
        Factor (>= 1) by which the paths were stretched around their mean because the method's
        backtest errors exceeded what its own paths predicted (1 = no widening).
    fallbacks : tuple of str
        Methods that failed to fit on the full history and why (the next one was used).
    filled_months : tuple of str
        Months missing from the input and counted as 0 (only with ``fill_missing=True``).
    backtest_detail : Backtest
        The full backtest (per point and per horizon).
    level_fit : LevelPosterior
        The level model fitted on the whole history (its regimes are the ``shifts``).
    """

    months: pd.PeriodIndex
    method: str
    backtest: pd.DataFrame
    paths: np.ndarray = field(repr=False)
    intensities: np.ndarray = field(repr=False)
    history: pd.Series = field(repr=False)
    levels: tuple[float, ...]
    regime_start: pd.Period
    note: str = ""
    choice: str = ""
    shifts: tuple[LevelShift, ...] = ()
    interval_scale: float = 1.0
    fallbacks: tuple[str, ...] = ()
    filled_months: tuple[str, ...] = ()
    backtest_detail: Backtest | None = field(default=None, repr=False)
    level_fit: LevelPosterior | None = field(default=None, repr=False)

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The forecast table (see the class's attributes)."""
        return forecast_frame(self.months, self.paths, self.levels)

    def _position(self, month) -> int:
        if isinstance(month, numbers.Integral) and not isinstance(month, bool):
            position = check_count("month_index", month)
            if position >= len(self.months):
                raise ValueError(f"month_index must be < horizon {len(self.months)}, got {month!r}")
            return position
        wanted = pd.Period(month, freq="M")
        if wanted not in self.months:
            raise ValueError(
                f"month must be one of the forecast months {self.months[0]}..{self.months[-1]}, "
                f"got {month!r}"
            )
        return int(self.months.get_loc(wanted))

    def volume_model(self, month_index):
        """The predictive volume of one future month as a :class:`slaplan.VolumeModel`.

        A negative binomial with the mean and variance of the simulated counts of that month
        (a Poisson when they show no overdispersion), ready for :func:`slaplan.attainability`.

        Parameters
        ----------
        month_index : int or month-like
            0-based position in the horizon, or the month itself (``"2027-01"``, a Period).
        """
        from slaplan.plan.volume import VolumeModel

        counts = self.paths[:, self._position(month_index)].astype(float)
        mean, variance = float(counts.mean()), float(counts.var(ddof=1))
        if mean <= 0:
            raise ValueError("the forecast for this month is 0 in every path: no volume to model")
        if variance <= mean * (1 + 1e-9):
            return VolumeModel.poisson(mean=mean)
        return VolumeModel.negative_binomial(mean=mean, dispersion=mean**2 / (variance - mean))

    def to_frame(self) -> pd.DataFrame:
        """The forecast table (same as ``frame``)."""
        return self.frame


MAX_INTERVAL_SCALE = 3.0


def interval_scale(ratio: float) -> float:
    """Widening factor for the paths: the backtest's error ratio, within [1, 3] (never narrower)."""
    if not np.isfinite(ratio):
        return 1.0
    return float(min(max(ratio, 1.0), MAX_INTERVAL_SCALE))


def widen_paths(paths: np.ndarray, scale: float) -> np.ndarray:
    """Stretch count paths around their monthly mean by ``scale``; whole counts >= 0 again."""
    if scale == 1.0:
        return paths
    mean = paths.mean(axis=0)
    return np.clip(np.rint(mean + scale * (paths - mean)), 0, None).astype(np.int64)


def _final_fit(ranking, counts, regime, horizon, n_paths, rng):
    fallbacks: list[str] = []
    for method in ranking:
        try:
            if method == "level":  # it found its own regime (seasonality from months before)
                fit = fits.level(counts, horizon, n_paths, rng, posterior=regime)
            else:
                fit = fit_method(method, counts[regime.regime_start :], horizon, n_paths, rng)
            return fit, tuple(fallbacks)
        except MethodFitError as exc:
            fallbacks.append(f"{method}: {exc}")
    raise MethodFitError("no method could be fitted: " + "; ".join(fallbacks))


def _choose(backtest: Backtest, candidates: tuple[str, ...], origins: int) -> tuple[list[str], str]:
    """The stated rule: a backtest chooses only with enough origins, never a loser to naive."""
    if origins < MIN_ORIGINS_TO_CHOOSE or backtest.empty:
        why = (
            f"the backtest has {origins} origin{'s' if origins != 1 else ''} "
            f"(fewer than {MIN_ORIGINS_TO_CHOOSE}): the level model is the stated default"
        )
        return [DEFAULT_METHOD, *candidates], why
    mase = dict(zip(backtest.ranking, backtest.summary["mase"].to_numpy(dtype=float), strict=True))
    naive = mase.get("seasonal_naive", np.inf)
    fair = [m for m in backtest.ranking if mase[m] <= naive]
    chosen = fair[0] if fair else "seasonal_naive"
    why = f"lowest MASE in a backtest of {origins} origins"
    scored = [value for value in mase.values() if not np.isnan(value)]
    if chosen == "seasonal_naive" and scored and naive > min(scored):
        why += " among the methods no worse than seasonal naive"
    return [chosen, *backtest.ranking, *candidates], why


def _candidates(method: str, methods: Sequence[str], months: int) -> tuple[str, ...]:
    wanted = (DEFAULT_METHOD, *methods, "seasonal_naive") if method == "auto" else (method,)
    wanted = tuple(dict.fromkeys(wanted))
    usable = tuple(m for m in wanted if months >= MIN_MONTHS[m])
    if method != "auto" and not usable:
        raise DataError(
            f"method {method!r} needs at least {MIN_MONTHS[method]} months of the current "
            f"regime, got {months}"
        )
    return usable


def level_shifts(months: pd.PeriodIndex, counts: np.ndarray, posterior) -> tuple[LevelShift, ...]:
    """The level shifts of a fitted level, as months with the mean before and after."""
    bounds = [0, *(c.index for c in posterior.changes), counts.size]
    shifts = []
    for i, change in enumerate(posterior.changes):
        before = counts[bounds[i] : change.index].mean()
        after = counts[change.index : bounds[i + 2]].mean()
        shifts.append(
            LevelShift(
                month=months[change.index],
                mean_before=float(before),
                mean_after=float(after),
                probability=change.probability,
            )
        )
    return tuple(shifts)


def forecast_volume(
    series,
    horizon: int = 6,
    *,
    levels: Sequence[float] = (0.8, 0.95),
    method: str = "auto",
    seed=None,
    methods: Sequence[str] = DEFAULT_METHODS,
    n_origins: int = 8,
    n_paths: int = 2000,
    start=None,
    fill_missing: bool = False,
    show_progress: bool = False,
    backtest_horizon: int | None = None,
) -> VolumeForecast:
    """Forecast monthly counts with intervals from simulated count paths.

    The rule that picks the method (stated, the same for every caller):

    1. Level shifts are found first (:mod:`slaplan.forecast.regimes`); every method is fitted
       on the months of the current regime only, and the shifts are reported.
    2. ``method="auto"`` uses the **level model** (:mod:`slaplan.forecast.level`) unless a
       rolling-origin backtest with at least 6 origins ranks another method first; a method
       whose backtest MASE is worse than seasonal naive's is never chosen. ``note`` and
       ``choice`` say which case applied.
    3. Paths of methods other than the level model are widened by their backtest error ratio
       (``interval_scale``); the level model's paths carry their own estimation uncertainty.

    Parameters
    ----------
    series : pandas.Series or array-like
        Monthly counts of *complete* months, oldest first: a Series indexed by month
        (``PeriodIndex`` or ``DatetimeIndex``), or an array with ``start``. At least 3 months,
        no gaps (unless ``fill_missing``), whole counts >= 0.
    horizon : int
        Months to forecast (1-36).
    levels : sequence of float
        Central interval levels in (0, 1).
    method : str
        ``"auto"`` (the rule above) or one of ``"level", "seasonal_naive", "ets",
        "ets_damped", "nb_glm"``.
    seed : None, int or numpy.random.Generator
        Randomness of the paths (and of the backtest's paths).
    methods : sequence of str
        Candidates besides the level model for ``"auto"``; seasonal naive is always
        backtested as the benchmark.
    n_origins : int
        Rolling origins of the backtest.
    n_paths : int
        Simulated count paths (>= 100).
    start : month-like, optional
        First month when ``series`` is an array.
    fill_missing : bool
        Count missing months as 0 instead of raising.
    show_progress : bool
        Show a ``tqdm.auto`` bar over the backtest origins (off by default).
    backtest_horizon : int, optional
        Months ahead the backtest scores (default: ``horizon``); the funnel estimate scores
        the quarter ahead that SLA checks look at and simulates a year of paths.

    Returns
    -------
    VolumeForecast

    Raises
    ------
    DataError
        Fewer than 3 months, gaps, NaN / negative / fractional counts (the month is named), or
        an explicit ``method`` that needs more months than the current regime has.

    Examples
    --------
    >>> import numpy as np, slaplan as sp
    >>> counts = np.random.default_rng(1).poisson(120, size=30)
    >>> f = sp.forecast_volume(counts, start="2024-01", horizon=3, seed=0, n_origins=3)
    >>> list(f.frame.columns), f.method
    (['mean', 'lower_80', 'upper_80', 'lower_95', 'upper_95'], 'level')
    """
    months, counts, filled = monthly_counts(series, start=start, fill_missing=fill_missing)
    horizon, levels, rng = check_forecast_args(horizon, levels, seed)
    check_option("method", method, ("auto", *METHODS))
    for candidate in methods:
        check_option("methods", candidate, tuple(METHODS))
    n_paths = check_count("n_paths", n_paths, minimum=100)
    n_origins = check_count("n_origins", n_origins, minimum=1)
    scored = (
        horizon
        if backtest_horizon is None
        else check_count("backtest_horizon", backtest_horizon, minimum=1)
    )
    regime = fit_level(counts)
    regime_counts = counts[regime.regime_start :]
    candidates = _candidates(method, methods, regime_counts.size)
    scored = min(scored, horizon)
    origins = rolling_origins(regime_counts.size, scored, n_origins).size
    backtest = run_backtest(
        regime_counts,
        horizon=scored,
        methods=candidates,
        n_origins=n_origins,
        levels=levels,
        n_paths=min(n_paths // 2, 500),  # the backtest scores points and intervals only
        rng=rng,
        show_progress=bool(show_progress),
        one_regime=True,  # the months since the last shift found on the whole series
    )
    if method == "auto":
        ranking, choice = _choose(backtest, candidates, origins)
    else:
        ranking, choice = [method, "seasonal_naive", DEFAULT_METHOD], "chosen by the caller"
    fit, fallbacks = _final_fit(list(dict.fromkeys(ranking)), counts, regime, horizon, n_paths, rng)
    own = fit.method == "level"
    scale = 1.0 if own else interval_scale(error_ratio(backtest.columns, fit.method))
    paths = widen_paths(fit.paths, scale)
    future = pd.period_range(months[-1] + 1, periods=horizon, freq="M")
    return VolumeForecast(
        months=future.rename("month"),
        method=fit.method,
        backtest=backtest.summary,
        paths=paths,
        intensities=fit.levels if own else paths.astype(float),
        interval_scale=scale,
        history=pd.Series(counts, index=months, name="count"),
        levels=levels,
        note=fit.note,
        choice=choice,
        shifts=level_shifts(months, counts, regime),
        regime_start=months[regime.regime_start],
        fallbacks=fallbacks,
        filled_months=filled,
        backtest_detail=backtest,
        level_fit=regime,
    )
