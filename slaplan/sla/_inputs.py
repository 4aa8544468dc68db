"""What the data says each commitment will face next period: volume, rates, cohort variation.

Thin adapters from the lead frame to the planning inputs of the other domains, so that
:mod:`slaplan.sla.check` and :mod:`slaplan.sla.drift` ask the data the same questions:

* the volume of a stage in the next SLA period, from :func:`slaplan.forecast_volume` (a volume
  model fitted to history when fewer than 6 complete months exist);
* the eventual conversion between two event columns as a :class:`slaplan.ConversionRate`, from
  the leads old enough to have converted (:func:`slaplan.funnel.pairs.stage_pairs`);
* the month-to-month Beta variation of a cohort share (conversion within a window, response
  within the limit), from :func:`slaplan.funnel.pooling.fit_beta_prior` on monthly counts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slaplan.funnel.lags import maturity_horizon_days, pair_distribution
from slaplan.funnel.pairs import stage_pairs
from slaplan.funnel.pooling import fit_beta_prior
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import VolumeModel
from slaplan.sla._data import monthly_counts

__all__ = [
    "PeriodVolume",
    "VolumeCache",
    "check_period",
    "cohort_beta",
    "eventual_rate",
    "period_volume",
]

HISTORY_MONTHS = 12
_MIN_FORECAST_MONTHS = 6
_PERIOD_TEXT = {"M": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "Q": re.compile(r"^\d{4}Q[1-4]$")}


@dataclass(frozen=True, kw_only=True)
class PeriodVolume:
    """The predicted volume of one SLA period and how it was obtained."""

    model: VolumeModel
    period: pd.Period
    method: str
    as_of: pd.Timestamp


def check_period(period: Any, *, as_of: pd.Timestamp, period_months: int) -> pd.Period:
    """The SLA period to check: ``period`` validated, or by default the next one after ``as_of``.

    ``period`` is a :class:`pandas.Period` or a string (``"2027-01"`` for a monthly SLA,
    ``"2027Q1"`` for a quarterly one) of the SLA's own length, and a *full* period still to come:
    later than the period holding ``as_of`` (that one is open: :func:`slaplan.track_sla` paces it).

    >>> as_of = pd.Timestamp("2026-11-15")
    >>> check_period(None, as_of=as_of, period_months=1), check_period("2027Q2", as_of=as_of,
    ...                                                                period_months=3)
    (Period('2026-12', 'M'), Period('2027Q2', 'Q-DEC'))
    """
    quarterly = period_months == 3
    freq, kind = ("Q", "quarter like '2027Q1'") if quarterly else ("M", "month like '2027-01'")
    first = pd.Period(as_of, freq=freq) + 1
    if period is None:
        return first
    parsed = period if isinstance(period, pd.Period) else None
    if isinstance(period, str) and _PERIOD_TEXT[freq].match(period.strip()):
        parsed = pd.Period(period.strip(), freq=freq)  # pandas alone reads "December" as 0001-12
    if parsed is None or parsed.freqstr != first.freqstr:
        raise ValueError(f"period must be a {kind} (the SLA's period), got {period!r}")
    if parsed < first:
        raise ValueError(
            f"period must be a full period after as_of ({as_of:%Y-%m-%d}): {first} or later, "
            f"got {parsed}"
        )
    return parsed


def period_volume(
    times: pd.Series, *, as_of: pd.Timestamp, period: pd.Period, seed: int = 0
) -> PeriodVolume:
    """Predicted count of the events in ``times`` in SLA ``period`` (after ``as_of``)."""
    period_months = 3 if period.freqstr.startswith("Q") else 1
    history = monthly_counts(times, end=as_of)
    months = pd.period_range(period.start_time, period.end_time, freq="M")
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
    """Volumes of one SLA period already forecast in one check, keyed by (segment, column).

    Several commitments are fed by the same stage (SQL count, MQL→SQL rate, response time and
    MQLs worked all need the period's MQLs); the forecast and its backtest run once.
    """

    def __init__(self, *, as_of: pd.Timestamp, period: pd.Period, seed: int = 0) -> None:
        self._as_of, self._period, self._seed = as_of, period, seed
        self._volumes: dict[tuple[str | None, str], PeriodVolume] = {}

    @property
    def as_of(self) -> pd.Timestamp:
        return self._as_of

    @property
    def period(self) -> pd.Period:
        return self._period

    def get(self, frame: pd.DataFrame, column: str, segment: str | None) -> PeriodVolume:
        key = (segment, column)
        if key not in self._volumes:
            self._volumes[key] = period_volume(
                frame[column], as_of=self._as_of, period=self._period, seed=self._seed
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
