"""What the data says each commitment will face next period: volume, rates, cohort variation.

Thin adapters from the lead frame to the planning inputs of the other domains, so that
:mod:`slaplan.sla.check` and :mod:`slaplan.sla.drift` ask the data the same questions:

* the volume of a stage in the next SLA period, from :func:`slaplan.forecast_volume` (a volume
  model fitted to history when fewer than 6 complete months exist);
* the eventual conversion between two event columns as a :class:`slaplan.ConversionRate`, from
  the leads old enough to have converted (:func:`slaplan.funnel.lags.stage_pairs`);
* the month-to-month Beta variation of a cohort share (conversion within a window, response
  within the limit), from :func:`slaplan.funnel.pooling.fit_beta_prior` on monthly counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from slaplan.funnel.lags import maturity_horizon_days, pair_distribution, stage_pairs
from slaplan.funnel.pooling import fit_beta_prior
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import VolumeModel
from slaplan.sla._data import monthly_counts

__all__ = ["PeriodVolume", "VolumeCache", "cohort_beta", "eventual_rate", "next_period_volume"]

HISTORY_MONTHS = 12
_MIN_FORECAST_MONTHS = 6


@dataclass(frozen=True, kw_only=True)
class PeriodVolume:
    """The predicted volume of one SLA period and how it was obtained."""

    model: VolumeModel
    period: pd.Period
    method: str
    as_of: pd.Timestamp


def next_period_volume(
    times: pd.Series, *, as_of: pd.Timestamp, period_months: int, seed: int = 0
) -> PeriodVolume:
    """Predicted count of the events in ``times`` in the first full SLA period after ``as_of``."""
    freq = "Q" if period_months == 3 else "M"
    period = pd.Period(as_of, freq=freq) + 1
    history = monthly_counts(times, end=as_of)
    months = pd.period_range(period.start_time, periods=period_months, freq="M")
    if len(history) < _MIN_FORECAST_MONTHS:
        recent = history.to_numpy()[-HISTORY_MONTHS:]
        if len(recent) < 3:
            recent = np.pad(recent, (3 - len(recent), 0), constant_values=max(recent.sum(), 1))
        model = VolumeModel.fit(recent)
        return PeriodVolume(
            model=model.scaled(model.mean * period_months),
            period=period,
            method="fit",
            as_of=as_of,
        )
    from slaplan.forecast.volume import forecast_volume

    horizon = int((months[-1] - history.index[-1]).n)
    forecast = forecast_volume(history, horizon=horizon, seed=seed, n_origins=4, n_paths=1000)
    if period_months == 1:
        return PeriodVolume(
            model=forecast.volume_model(months[0]),
            period=period,
            method=forecast.method,
            as_of=as_of,
        )
    positions = [forecast.months.get_loc(m) for m in months]
    totals = forecast.paths[:, positions].sum(axis=1).astype(float)
    mean, variance = float(totals.mean()), float(totals.var(ddof=1))
    model = (
        VolumeModel.poisson(mean)
        if variance <= mean
        else VolumeModel.negative_binomial(mean, mean**2 / (variance - mean))
    )
    return PeriodVolume(model=model, period=period, method=forecast.method, as_of=as_of)


class VolumeCache:
    """Next-period volumes already forecast in one check, keyed by (segment, column).

    Several commitments are fed by the same stage (SQL count, MQL→SQL rate, response time and
    MQLs worked all need next month's MQLs); the forecast and its backtest run once.
    """

    def __init__(self, *, as_of: pd.Timestamp, period_months: int, seed: int = 0) -> None:
        self._as_of, self._months, self._seed = as_of, period_months, seed
        self._volumes: dict[tuple[str | None, str], PeriodVolume] = {}

    @property
    def as_of(self) -> pd.Timestamp:
        return self._as_of

    def get(self, frame: pd.DataFrame, column: str, segment: str | None) -> PeriodVolume:
        key = (segment, column)
        if key not in self._volumes:
            self._volumes[key] = next_period_volume(
                frame[column], as_of=self._as_of, period_months=self._months, seed=self._seed
            )
        return self._volumes[key]


def eventual_rate(
    frame: pd.DataFrame, source: str, target: str, *, as_of: pd.Timestamp
) -> ConversionRate:
    """Eventual conversion ``source -> target`` among recent leads old enough to have converted.

    ``source``/``target`` are stage names or ``"first_touch"``. Leads count if they entered
    ``source`` in the last 12 months and are older than the p95 lag (truncation-corrected).
    """
    pairs = stage_pairs(frame, source, target, as_of=as_of)
    horizon = max(maturity_horizon_days(pair_distribution(pairs), None), 1.0)
    recent = pairs["age_days"] <= horizon + 365.0
    mature = pairs[recent & (pairs["age_days"] >= horizon)]
    if mature.empty:
        mature = pairs
    return ConversionRate(int(mature["converted"].sum()), len(mature))


def cohort_beta(converted: np.ndarray, total: np.ndarray) -> tuple[float, float]:
    """Beta ``(a, b)`` of next month's cohort share from monthly (converted, total) counts."""
    return fit_beta_prior(np.asarray(converted, int), np.asarray(total, int))
