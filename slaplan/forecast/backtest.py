"""Rolling-origin backtests of the forecasting methods: the accuracy every forecast reports.

At each origin the method sees only the months before it, forecasts 1..h months ahead, and its
point forecast and count-path intervals are compared with what happened. Reported per method
(and per horizon): MASE scaled by the in-sample seasonal naive error (Hyndman & Koehler 2006),
sMAPE, coverage of each interval level, and the Winkler interval score (Winkler 1972: width plus
2/alpha times the miss). Beside the errors stands the **Poisson noise floor**: even a forecast
that knew the true mean lambda misses a Poisson count by sqrt(2 lambda / pi) on average, i.e.
sqrt(2 / (pi lambda)) of the level (PRODUCT.md §4) — accuracy below that floor is impossible.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from slaplan._progress import progress
from slaplan.forecast.methods import METHODS, MethodFitError, fit_method, seasonal_period

__all__ = [
    "Backtest",
    "backtest_forecasts",
    "central_intervals",
    "interval_bounds",
    "level_label",
    "mase_scale",
    "poisson_noise_floor",
    "rolling_origins",
    "smape_pct",
    "winkler_score",
]

MIN_TRAIN_MONTHS = 6
# "auto" chooses on point accuracy: ranked by interval score on a dozen backtest points, the
# winner was often the method whose intervals happened to be narrow (ETS on the samples: 85%
# coverage of the 95% intervals out of sample); the backtest then widens the winner's paths
CHOOSE_BY = "mase"
DEFAULT_METHODS = ("level", "seasonal_naive", "ets", "ets_damped", "nb_glm")


# --- kernels ---------------------------------------------------------------------------------
def level_label(level: float) -> str:
    """Column suffix of an interval level: 0.8 -> ``"80"``, 0.975 -> ``"97.5"``."""
    return f"{level * 100:g}"


def interval_bounds(paths: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Central interval of simulated counts per column, as whole counts (inverted-CDF quantiles)."""
    return central_intervals(paths, (level,))[0]


def central_intervals(
    paths: np.ndarray, levels: Sequence[float], *, axis: int = 0
) -> list[tuple[np.ndarray, np.ndarray]]:
    """:func:`interval_bounds` of several levels (paths along ``axis``) from one partition."""
    tails = [(1 - level) / 2 for level in levels]
    bounds = np.quantile(
        paths, [q for tail in tails for q in (tail, 1 - tail)], axis=axis, method="inverted_cdf"
    ).astype(float)
    return [(bounds[2 * i], bounds[2 * i + 1]) for i in range(len(tails))]


def mase_scale(train: np.ndarray) -> float:
    """In-sample mean absolute error of the seasonal naive forecast (NaN if it is zero)."""
    period = seasonal_period(train.size)
    scale = float(np.mean(np.abs(train[period:] - train[:-period])))
    if scale == 0 and period > 1:
        scale = float(np.mean(np.abs(np.diff(train))))
    return scale if scale > 0 else float("nan")


def smape_pct(actual: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Symmetric absolute percentage error, 0-200 (0 when both are 0)."""
    denominator = np.abs(actual) + np.abs(point)
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator > 0, 200 * np.abs(point - actual) / safe, 0.0)


def winkler_score(
    lower: np.ndarray, upper: np.ndarray, actual: np.ndarray, level: float
) -> np.ndarray:
    """Winkler (1972) interval score: width + (2/alpha) x distance outside the interval."""
    alpha = 1 - level
    below = np.clip(lower - actual, 0, None)
    above = np.clip(actual - upper, 0, None)
    return (upper - lower) + (2 / alpha) * (below + above)


def poisson_noise_floor(mean_count: np.ndarray) -> np.ndarray:
    """Expected relative absolute error of a perfect forecast of Poisson counts, sqrt(2/(pi lam)).

    From the normal approximation E|Y - lam| ~= sqrt(2 lam / pi) (PRODUCT.md §4).
    """
    return np.sqrt(2 / (np.pi * np.maximum(mean_count, 1.0)))


def rolling_origins(n_months: int, horizon: int, n_origins: int) -> np.ndarray:
    """The last ``n_origins`` forecast origins (months of training) with a full horizon ahead.

    A series too short for two full-horizon origins uses partial horizons at the end instead.
    """
    full = np.arange(MIN_TRAIN_MONTHS, n_months - horizon + 1)
    if full.size >= 2:
        return full[-n_origins:]
    return np.arange(MIN_TRAIN_MONTHS, n_months)[-n_origins:]


# --- the backtest loop -----------------------------------------------------------------------
class _Forecast(NamedTuple):
    """One method's paths at one origin, with what they are scored against."""

    method: str
    origin: int
    paths: np.ndarray  # (n_paths, steps)
    actual: np.ndarray  # (steps,)
    scale: float  # the origin's MASE scale


def _score(paths, actual, scale, levels, *, axis: int) -> dict[str, np.ndarray]:
    """The metrics of forecasts stacked on the first axis, each ``(forecasts, steps)``.

    ``paths`` holds each forecast's paths along ``axis`` (1: ``(forecasts, n_paths, steps)``,
    2: ``(forecasts, steps, n_paths)``), ``actual`` is ``(forecasts, steps)``, ``scale``
    ``(forecasts,)``; the published forecast scored is the mean of the count paths. One numpy
    call per metric for all of them: scored one by one, the calls cost more than the sums.
    """
    scale = scale[:, None]
    point = paths.mean(axis=axis)
    columns: dict[str, np.ndarray] = {
        "actual": actual,
        "point": point,
        "scaled_error": np.abs(point - actual) / scale,
        "path_variance": np.var(paths, axis=axis),
        "smape_pct": smape_pct(actual, point),
        "floor_scaled_error": np.sqrt(2 * np.maximum(actual, 1.0) / np.pi) / scale,
        "noise_floor_pct": 100 * poisson_noise_floor(actual),
    }
    intervals = central_intervals(paths, levels, axis=axis)
    for level, (lower, upper) in zip(levels, intervals, strict=True):
        label = level_label(level)
        columns[f"lower_{label}"] = lower
        columns[f"upper_{label}"] = upper
        columns[f"covered_{label}"] = (actual >= lower) & (actual <= upper)
        columns[f"winkler_{label}"] = winkler_score(lower, upper, actual, level)
    columns["interval_score"] = (
        np.mean([columns[f"winkler_{level_label(level)}"] for level in levels], axis=0) / scale
    )
    return columns


def _point_columns(forecasts: list[_Forecast], levels) -> dict[str, np.ndarray]:
    """One row per forecast and horizon, in the order of the forecasts, as columns.

    Forecasts with as many steps (all but the partial horizons at the end of a short series)
    are scored together. Paths stored month by month (Fortran order: the ETS paths) are
    stacked so, their sums running along memory as they did one forecast at a time (numpy
    sums a contiguous run pairwise): the same numbers to the last bit.
    """
    parts = []
    for (_, by_month), same in itertools.groupby(
        forecasts, key=lambda f: (f.paths.shape, f.paths.flags.f_contiguous and f.paths.ndim > 1)
    ):
        group = list(same)
        steps = group[0].actual.size
        metrics = _score(
            np.stack([f.paths.T if by_month else f.paths for f in group]),
            np.stack([f.actual for f in group]),
            np.array([f.scale for f in group]),
            levels,
            axis=2 if by_month else 1,
        )
        labels = {
            "method": np.repeat(np.array([f.method for f in group], dtype=object), steps),
            "origin": np.repeat(np.array([f.origin for f in group]), steps),
            "horizon": np.tile(np.arange(1, steps + 1), len(group)),
        }
        parts.append(labels | {name: values.ravel() for name, values in metrics.items()})
    return {name: np.concatenate([part[name] for part in parts]) for name in parts[0]}


_SUMMARY_COLUMNS = {
    "scaled_error": "mase",
    "floor_scaled_error": "mase_floor",
    "smape_pct": "smape_pct",
    "noise_floor_pct": "noise_floor_pct",
    "interval_score": "interval_score",
}


def summarise_points(points: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """Aggregate backtest points into the accuracy table (mean of each metric per group)."""
    if len(by) == 1:
        codes, index = pd.factorize(points[by[0]], sort=False)
        index = pd.Index(index, name=by[0])
    else:
        keys = list(zip(*(points[name] for name in by), strict=True))
        groups = {key: code for code, key in enumerate(dict.fromkeys(keys))}
        codes = np.array([groups[key] for key in keys], dtype=np.intp)
        index = pd.MultiIndex.from_tuples(list(groups), names=list(by))
    columns = {name: points[name].to_numpy() for name in points.columns}
    return pd.DataFrame(_group_means(columns, codes, len(index)), index=index)


def _group_means(
    columns: dict[str, np.ndarray], codes: np.ndarray, groups: int
) -> dict[str, np.ndarray]:
    """``n_points`` and each metric's mean per group (``codes``: the group of each point).

    numpy sums over a dozen points per group: a pandas groupby cost milliseconds per backtest.
    """
    interval_columns = [c for c in columns if c.startswith(("covered_", "winkler_"))]
    means: dict[str, np.ndarray] = {
        "n_points": np.bincount(codes, minlength=groups).astype(np.int64)
    }
    for name in [*_SUMMARY_COLUMNS, *interval_columns]:
        values = np.asarray(columns[name], dtype=float)
        seen = ~np.isnan(values)  # a NaN (no error scale at an origin) is skipped, as by pandas
        total = np.bincount(codes, weights=np.where(seen, values, 0.0), minlength=groups)
        with np.errstate(invalid="ignore"):
            mean = total / np.bincount(codes, weights=seen, minlength=groups)
        means[_SUMMARY_COLUMNS.get(name, name.replace("covered_", "coverage_"))] = mean
    return means


def error_ratio(points: Mapping[str, Any], method: str) -> float:
    """Realised over predicted root-mean-square error of ``method`` in the backtest (NaN if none).

    ``points``: the backtest's points as columns (:attr:`Backtest.columns`, or the table).
    Above 1 the method's paths were too narrow out of sample (in-sample residuals, no parameter
    uncertainty: the ETS intervals of Hyndman's M-competition checks cover 71-87% at 95%).
    """
    if not len(points) or not len(points["method"]):
        return float("nan")
    chosen = np.asarray(points["method"]) == method
    predicted = float(np.asarray(points["path_variance"])[chosen].sum())
    if not chosen.any() or predicted <= 0:
        return float("nan")
    missed = np.asarray(points["actual"])[chosen] - np.asarray(points["point"])[chosen]
    return float(np.sqrt((missed**2).sum() / predicted))


def choose_method(summary: pd.DataFrame) -> list[str]:
    """Methods ranked by backtest MASE (lowest first); seasonal naive wins ties."""
    order = _ranking(summary.index, summary[CHOOSE_BY].to_numpy(dtype=float))
    return [str(summary.index[i]) for i in order]


def _ranking(methods: pd.Index, mase: np.ndarray) -> np.ndarray:
    """Positions by MASE (missing last), seasonal naive first among equals (a stable sort)."""
    return np.lexsort((np.asarray(methods != "seasonal_naive"), mase))


# --- the public layer ------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Backtest:
    """Rolling-origin backtest of several forecasting methods on one monthly series.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per method x origin x horizon: actual, point forecast, errors, coverage flags
        (made from ``columns`` when first read).
    summary : pandas.DataFrame
        Accuracy per method over all horizons, best first: ``n_points, mase, mase_floor,
        smape_pct, noise_floor_pct, interval_score, coverage_<level>, winkler_<level>,
        failed_fits`` (origins where the method did not converge and was left out).
    columns : dict of str to ndarray
        The points as columns (empty: no forecast could be scored).
    """

    summary: pd.DataFrame
    columns: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @cached_property
    def points(self) -> pd.DataFrame:
        """The points as a table (see the class's attributes)."""
        return pd.DataFrame(self.columns)

    @property
    def empty(self) -> bool:
        """True when no forecast could be scored."""
        return not self.columns or not len(next(iter(self.columns.values())))

    @property
    def by_horizon(self) -> pd.DataFrame:
        """Accuracy per method and horizon (MultiIndex ``method, horizon``)."""
        if self.points.empty:
            return self.summary
        return summarise_points(self.points, ["method", "horizon"])

    @property
    def ranking(self) -> list[str]:
        """Methods ordered by MASE, best first."""
        return list(self.summary.index)

    def to_frame(self) -> pd.DataFrame:
        """The per-method summary table."""
        return self.summary


def run_backtest(
    counts: np.ndarray,
    *,
    horizon: int,
    methods: Sequence[str],
    n_origins: int,
    levels: Sequence[float],
    n_paths: int,
    rng: np.random.Generator,
    show_progress: bool = False,
    one_regime: bool = False,
) -> Backtest:
    """Backtest trusted inputs (see :func:`backtest_forecasts` for the validated door).

    One row per method x origin x horizon (actual, point, bounds, errors); a fit that fails at
    an origin is left out of the points and counted in the summary's ``failed_fits``.
    ``one_regime``: the counts are the months of one regime, found on the whole series (the
    level model's fits at the origins do not look for level shifts in them again).
    """
    forecasts: list[_Forecast] = []
    failures: list[str] = []
    origins = rolling_origins(counts.size, horizon, n_origins)
    for origin in progress(origins, desc="backtest origins", enabled=show_progress):
        train = counts[:origin]
        steps = min(horizon, counts.size - origin)
        actual = counts[origin : origin + steps].astype(float)
        scale = mase_scale(train)
        for method in methods:
            try:
                fit = fit_method(method, train, steps, n_paths, rng, one_regime=one_regime)
            except MethodFitError:
                failures.append(method)
                continue
            forecasts.append(_Forecast(method, origin, fit.paths, actual, scale))
    if not forecasts:
        return Backtest(summary=pd.DataFrame(columns=["n_points", "mase"]))
    columns = _point_columns(forecasts, levels)
    codes, names = pd.factorize(columns["method"], sort=False)
    index = pd.Index(names, name="method")
    means = _group_means(columns, codes, len(index))
    means["failed_fits"] = np.array([failures.count(m) for m in index], dtype=np.int64)
    order = _ranking(index, means[CHOOSE_BY])
    summary = pd.DataFrame(
        {name: values[order] for name, values in means.items()}, index=index[order]
    )
    return Backtest(summary=summary, columns=columns)


def backtest_forecasts(
    series,
    horizon: int = 6,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    n_origins: int = 8,
    levels: Sequence[float] = (0.8, 0.95),
    n_paths: int = 1000,
    seed=None,
    start=None,
    fill_missing: bool = False,
    show_progress: bool = False,
) -> Backtest:
    """Rolling-origin backtest of forecasting methods on a monthly count series.

    Parameters
    ----------
    series : pandas.Series or array-like
        Monthly counts (see :func:`slaplan.forecast_volume` for the accepted forms).
    horizon : int
        Months ahead evaluated at each origin (1..horizon).
    methods : sequence of str
        Any of ``"seasonal_naive", "ets", "ets_damped", "nb_glm"``.
    n_origins : int
        Number of forecast origins, the latest ones with a full horizon ahead.
    levels : sequence of float
        Interval levels in (0, 1) whose coverage and Winkler score are reported.
    n_paths : int
        Simulated count paths per forecast.
    seed : None, int or numpy.random.Generator
        Randomness of the simulated paths.
    show_progress : bool
        Show a ``tqdm.auto`` bar over the forecast origins (off by default).

    Returns
    -------
    Backtest

    Examples
    --------
    >>> import numpy as np, slaplan as sp
    >>> counts = np.random.default_rng(0).poisson(100, size=30)
    >>> bt = sp.backtest_forecasts(counts, start="2024-01", horizon=3, n_origins=4, seed=0)
    >>> "seasonal_naive" in bt.summary.index
    True
    """
    from slaplan.forecast.series import check_forecast_args, monthly_counts

    _, counts, _ = monthly_counts(series, start=start, fill_missing=fill_missing)
    horizon, levels_clean, rng = check_forecast_args(horizon, levels, seed)
    for method in methods:
        if method not in METHODS:
            valid = ", ".join(repr(m) for m in METHODS)
            raise ValueError(f"methods must be drawn from {valid}, got {method!r}")
    return run_backtest(
        counts,
        horizon=horizon,
        methods=tuple(methods),
        n_origins=int(n_origins),
        levels=levels_clean,
        n_paths=int(n_paths),
        rng=rng,
        show_progress=bool(show_progress),
    )
