"""One stage's arrivals as of a date: :func:`estimate_volume` → :class:`StageVolume`.

The monthly history of a stage's events is cut where it is honest to cut it:

* **complete months only** are fitted: the month holding ``as_of`` is still running, and a
  first month that began before the data did (the export starts on the 20th) holds only part
  of its leads — counting it as a full month read the CRM's start as a slump;
* the forecast (:func:`slaplan.forecast_volume`, the stated rule: level model unless a backtest
  with enough origins says otherwise; level shifts found and the current regime used) gives,
  per draw, the expected count of each month from the first incomplete one on. The candidates
  are the level model and seasonal naive (:data:`ESTIMATE_METHODS`): both carry their own
  uncertainty in their paths, where the ETS and count-GLM paths needed widening by their
  backtest errors and still covered too little (on the samples' MQLs, 61% of held-out months
  inside their 80% intervals); and a check must answer in seconds, which the statsmodels fits
  of every backtest origin do not allow. :func:`slaplan.forecast_volume` keeps them all for a
  series of one's own;
* the arrivals already seen in the running month update those draws twice: each draw's level is
  weighted by the negative binomial likelihood of what arrived in the elapsed share of the month
  (so a month running hot or cold moves later months as far as the history's spread allows),
  and the running month's own intensity gets the conjugate Gamma update
  ``Gamma(k + seen, k / mean + elapsed)`` — a month paused halfway is read as paused, however
  narrow the forecast was (``k``: the history's month-to-month spread, at most 1/0.1²).

Below :data:`slaplan.forecast.level.MIN_LEVEL_MONTHS` complete months the volume is
*insufficient* and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from slaplan.estimate.calendar_shares import (
    WEEKDAY_HISTORY_DAYS,
    elapsed_share,
    month_bounds,
    weekday_weights,
    weekday_weights_of_days,
)
from slaplan.forecast.data import complete_months, month_totals
from slaplan.forecast.level import MIN_LEVEL_MONTHS
from slaplan.forecast.volume import VolumeForecast, forecast_volume
from slaplan.funnel._date_kernels import day_counts
from slaplan.funnel.pairs import stamps_ns
from slaplan.plan.volume import VolumeModel

__all__ = ["BACKTEST_HORIZON", "ESTIMATE_METHODS", "StageVolume", "estimate_volume"]

BACKTEST_HORIZON = 3
"""Months ahead the volume backtest scores: the quarter an SLA check looks at."""
ESTIMATE_METHODS = ("seasonal_naive",)
"""Candidates beside the level model in the estimate's backtest (see the module docstring)."""
_BACKTEST_ORIGINS = 6
_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True, kw_only=True)
class StageVolume:
    """Arrivals at one stage: the months used, the forecast, and the draws of months to come.

    Attributes
    ----------
    stage : str
    history : pandas.Series
        Complete months fitted (``PeriodIndex``), oldest first.
    partial_first : pandas.Period or None
        A first month left out because the data began after its start.
    running : tuple (Period, int, float) or None
        The month holding ``as_of`` (if not over): arrivals so far and the elapsed share.
    weekday : ndarray
        Relative arrival intensity Monday..Sunday.
    forecast : VolumeForecast or None
        The forecast of complete months from the first incomplete one.
    intensities : ndarray or None
        Expected count of each forecast month per draw, updated by the running month's
        arrivals; shape ``(draws, months)``.
    reason : str or None
        Why there is no estimate (None when there is).
    """

    stage: str
    as_of: pd.Timestamp
    history: pd.Series = field(repr=False)
    partial_first: pd.Period | None
    running: tuple[pd.Period, int, float] | None
    weekday: np.ndarray = field(repr=False)
    forecast: VolumeForecast | None = field(repr=False)
    intensities: np.ndarray | None = field(repr=False)
    reason: str | None = None

    @property
    def sufficient(self) -> bool:
        return self.reason is None

    @property
    def months(self) -> pd.PeriodIndex:
        """The forecast months (first incomplete month onward)."""
        return self.forecast.months

    def month_draws(self, months: pd.PeriodIndex) -> np.ndarray:
        """Expected counts ``(draws, len(months))`` of whole months (0 before the forecast)."""
        out = np.zeros((self.intensities.shape[0], len(months)))
        for j, month in enumerate(months):
            if month in self.months:
                out[:, j] = self.intensities[:, self.months.get_loc(month)]
        return out

    def volume_model(self, period: pd.Period) -> VolumeModel:
        """The predictive count of a whole period (a month or a quarter) as a VolumeModel.

        A negative binomial matched to the mean and variance of the draws plus Poisson noise
        (a Poisson when they show no overdispersion). For display and for typed planning.
        """
        months = pd.period_range(period.start_time, period.end_time, freq="M")
        level = self.month_draws(months).sum(axis=1)
        mean, variance = float(level.mean()), float(level.var()) + float(level.mean())
        if variance <= mean * (1 + 1e-9):
            return VolumeModel.poisson(mean)
        return VolumeModel.negative_binomial(mean, mean**2 / (variance - mean))

    def describe(self) -> str:
        """The volume in words: level, months used, method and any level shift."""
        if not self.sufficient:
            return f"{self.stage} volume: insufficient data — {self.reason}"
        f = self.forecast
        used = f.history.loc[f.regime_start :]
        text = (
            f"{self.stage} volume: {used.mean():,.0f} a month in {f.regime_start}–"
            f"{used.index[-1]} ({len(used)} months; {f.method}: {f.choice})"
        )
        for shift in f.shifts:
            text += f"; {shift.describe(self.stage + ' volume')}"
        return text

    def warnings(self) -> tuple[str, ...]:
        """What a reader should know: partial first month, level shifts."""
        found = []
        if self.partial_first is not None:
            found.append(
                f"{self.stage}: the first month {self.partial_first} is partial (the data "
                f"start later in it) and is not counted as a full month"
            )
        if self.forecast is not None:
            found += [
                f"{shift.describe(self.stage + ' volume')}; planning on the recent level"
                for shift in self.forecast.shifts
                if shift.month == self.forecast.regime_start
            ]
        return tuple(found)


def estimate_volume(
    times: pd.Series,
    *,
    stage: str,
    data_start: pd.Timestamp,
    as_of: pd.Timestamp,
    horizon_months: int,
    n_draws: int,
    rng: np.random.Generator,
) -> StageVolume:
    """Estimate one stage's arrivals (``times``: its entry timestamps, censored at ``as_of``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> days = np.sort(rng.uniform(0, 200, 2000))
    >>> times = pd.Series(pd.Timestamp("2026-01-01") + pd.to_timedelta(days, unit="D"))
    >>> v = estimate_volume(times, stage="mql", data_start=pd.Timestamp("2026-01-01"),
    ...                     as_of=pd.Timestamp("2026-07-19"), horizon_months=3, n_draws=1000,
    ...                     rng=np.random.default_rng(1))
    >>> len(v.history), str(v.months[0]), v.forecast.method
    (6, '2026-07', 'level')
    """
    running_month = pd.Period(as_of, freq="M")
    closes_month = as_of + pd.Timedelta(1, "ns") >= (running_month + 1).start_time
    months, partial = complete_months(start=data_start, as_of=as_of)
    start, end = month_bounds(running_month)
    # one count of the stamps per day serves the complete months, the weekday pattern of the
    # last year and the running month's arrivals so far: one pass over the stamps, not three
    limit = int(as_of.as_unit("ns").value)
    low = min(start.value, limit - WEEKDAY_HISTORY_DAYS * _DAY_NS + 1)
    if len(months):
        low = min(low, months[0].start_time.value)
    first_day = low // _DAY_NS
    per_day = day_counts(stamps_ns(times), first_day * _DAY_NS, limit)
    history = pd.Series(month_totals(per_day, first_day, months), index=months.rename("month"))
    weights = weekday_weights_of_days(per_day, first_day, as_of)
    if weights is None:
        weights = weekday_weights(times, as_of)
    running = None
    if not closes_month:
        seen = int(per_day[start.value // _DAY_NS - first_day :].sum())
        running = (running_month, seen, elapsed_share(max(start, data_start), end, as_of, weights))
    common = {
        "stage": stage,
        "as_of": as_of,
        "history": history,
        "partial_first": partial,
        "running": running,
        "weekday": weights,
    }
    if len(history) < MIN_LEVEL_MONTHS:
        reason = (
            f"only {len(history)} complete month{'s' if len(history) != 1 else ''} of {stage} "
            f"arrivals by {as_of:%Y-%m-%d}; at least {MIN_LEVEL_MONTHS} are needed"
        )
        return StageVolume(forecast=None, intensities=None, reason=reason, **common)
    forecast = forecast_volume(
        history,
        horizon=horizon_months,
        backtest_horizon=BACKTEST_HORIZON,
        n_origins=_BACKTEST_ORIGINS,
        methods=ESTIMATE_METHODS,
        n_paths=n_draws,
        seed=rng,
    )
    intensities = forecast.intensities
    if running is not None and running[2] > 0 and forecast.months[0] == running_month:
        shape = 1.0 / max(forecast.level_fit.spread, _MIN_SPREAD) ** 2
        intensities = _update(intensities, running[1], running[2], shape, rng)
    return StageVolume(forecast=forecast, intensities=intensities, **common)


_MIN_SPREAD = 0.1  # a month may always be 10% off its level, whatever the history says


def _update(intensities: np.ndarray, seen: int, share: float, shape: float, rng) -> np.ndarray:
    """Condition the draws on ``seen`` arrivals in the elapsed ``share`` of month 0.

    Draws are resampled by the negative binomial likelihood (month effect of shape ``shape``
    around each draw's mean), then month 0's intensity is drawn from its Gamma posterior.
    """
    mean = np.maximum(intensities[:, 0], 1e-12)
    expected = mean * share
    log_weight = (
        special.gammaln(seen + shape)
        - special.gammaln(shape)
        + shape * np.log(shape / (shape + expected))
        + seen * np.log(expected / (shape + expected))
    )
    weight = np.exp(log_weight - log_weight.max())
    chosen = rng.choice(weight.size, size=weight.size, p=weight / weight.sum())
    updated = intensities[chosen].copy()
    updated[:, 0] = rng.gamma(shape + seen, 1.0 / (shape / mean[chosen] + share))
    return updated
