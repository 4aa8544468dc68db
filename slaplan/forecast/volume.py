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

import numpy as np
import pandas as pd

from slaplan._checks import check_count, check_option
from slaplan.forecast.backtest import (
    DEFAULT_METHODS,
    Backtest,
    error_ratio,
    interval_bounds,
    level_label,
    run_backtest,
)
from slaplan.forecast.methods import METHODS, MethodFitError, fit_method
from slaplan.forecast.series import check_forecast_args, monthly_counts

__all__ = ["VolumeForecast", "forecast_frame", "forecast_volume"]


def forecast_frame(
    months: pd.PeriodIndex, paths: np.ndarray, levels: Sequence[float]
) -> pd.DataFrame:
    """Mean and central intervals per future month, from count paths ``(n_paths, horizon)``."""
    frame = pd.DataFrame({"mean": paths.mean(axis=0)}, index=months)
    for level in levels:
        lower, upper = interval_bounds(paths, level)
        frame[f"lower_{level_label(level)}"] = lower
        frame[f"upper_{level_label(level)}"] = upper
    frame.index.name = "month"
    return frame


@dataclass(frozen=True, kw_only=True)
class VolumeForecast:
    """A monthly volume forecast: point, intervals, paths and the backtest that chose it.

    Attributes
    ----------
    frame : pandas.DataFrame
        Index: future months (monthly ``PeriodIndex``); columns ``mean, lower_80, upper_80,
        lower_95, upper_95`` (one pair per level), counts per month.
    method : str
        The method used (``seasonal_naive``, ``ets``, ``ets_damped`` or ``nb_glm``).
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
    """

    frame: pd.DataFrame
    method: str
    backtest: pd.DataFrame
    paths: np.ndarray = field(repr=False)
    history: pd.Series = field(repr=False)
    levels: tuple[float, ...]
    note: str = ""
    interval_scale: float = 1.0
    fallbacks: tuple[str, ...] = ()
    filled_months: tuple[str, ...] = ()
    backtest_detail: Backtest | None = field(default=None, repr=False)

    @property
    def months(self) -> pd.PeriodIndex:
        """The forecast months."""
        return pd.PeriodIndex(self.frame.index)

    def _position(self, month) -> int:
        if isinstance(month, numbers.Integral) and not isinstance(month, bool):
            position = check_count("month_index", month)
            if position >= len(self.frame):
                raise ValueError(f"month_index must be < horizon {len(self.frame)}, got {month!r}")
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


def _final_fit(ranking, counts, horizon, n_paths, rng):
    fallbacks: list[str] = []
    for method in ranking:
        try:
            return fit_method(method, counts, horizon, n_paths, rng), tuple(fallbacks)
        except MethodFitError as exc:
            fallbacks.append(f"{method}: {exc}")
    raise MethodFitError("no method could be fitted: " + "; ".join(fallbacks))


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
) -> VolumeForecast:
    """Forecast monthly counts with intervals from simulated count paths.

    Parameters
    ----------
    series : pandas.Series or array-like
        Monthly counts, oldest first: a Series indexed by month (``PeriodIndex`` or
        ``DatetimeIndex``), or an array with ``start``. At least 6 months, no gaps (unless
        ``fill_missing``), whole counts >= 0. Drop a partial last month before forecasting.
    horizon : int
        Months to forecast (1-36).
    levels : sequence of float
        Central interval levels in (0, 1).
    method : str
        ``"auto"`` (best backtest MASE among ``methods``) or one of ``"seasonal_naive", "ets",
        "ets_damped", "nb_glm"``.
    seed : None, int or numpy.random.Generator
        Randomness of the paths (and of the backtest's paths).
    methods : sequence of str
        Candidates for ``"auto"``; seasonal naive is always backtested as the benchmark.
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

    Returns
    -------
    VolumeForecast

    Raises
    ------
    DataError
        Fewer than 6 months, gaps, NaN / negative / fractional counts (the month is named).

    Examples
    --------
    >>> import numpy as np, slaplan as sp
    >>> counts = np.random.default_rng(1).poisson(120, size=30)
    >>> f = sp.forecast_volume(counts, start="2024-01", horizon=3, seed=0, n_origins=3)
    >>> list(f.frame.columns)
    ['mean', 'lower_80', 'upper_80', 'lower_95', 'upper_95']
    """
    months, counts, filled = monthly_counts(series, start=start, fill_missing=fill_missing)
    horizon, levels, rng = check_forecast_args(horizon, levels, seed)
    check_option("method", method, ("auto", *METHODS))
    for candidate in methods:
        check_option("methods", candidate, tuple(METHODS))
    n_paths = check_count("n_paths", n_paths, minimum=100)
    n_origins = check_count("n_origins", n_origins, minimum=1)
    candidates = tuple(methods) if method == "auto" else (method,)
    candidates = tuple(dict.fromkeys((*candidates, "seasonal_naive")))
    backtest = run_backtest(
        counts,
        horizon=horizon,
        methods=candidates,
        n_origins=n_origins,
        levels=levels,
        n_paths=n_paths // 2,
        rng=rng,
        show_progress=bool(show_progress),
    )
    ranking = backtest.ranking if method == "auto" else [method]
    ranking = list(dict.fromkeys([*ranking, *candidates]))
    fit, fallbacks = _final_fit(ranking, counts, horizon, n_paths, rng)
    scale = interval_scale(error_ratio(backtest.points, fit.method))
    paths = widen_paths(fit.paths, scale)
    future = pd.period_range(months[-1] + 1, periods=horizon, freq="M")
    return VolumeForecast(
        frame=forecast_frame(future, paths, levels),
        method=fit.method,
        backtest=backtest.summary,
        paths=paths,
        interval_scale=scale,
        history=pd.Series(counts, index=months, name="count"),
        levels=levels,
        note=fit.note,
        fallbacks=fallbacks,
        filled_months=filled,
        backtest_detail=backtest,
    )
