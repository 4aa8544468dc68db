"""Forecasts carried down the funnel: SQLs (or any later stage) per month from forecast volumes.

The forecast's simulated count paths of the first stage (``VolumeForecast.paths``) are the
arrivals of the attainability engine's Monte Carlo (:func:`slaplan.plan.simulate.simulate_funnel`
through :meth:`slaplan.plan.simulate.FunnelPlan.from_paths`): each engine path follows one forecast
path, so the forecast's month-to-month correlation (a level that stays high or low, widening
intervals) flows through the funnel exactly. The stage rates are Beta posteriors
(:class:`slaplan.ConversionRate`), the lags whole-month pmfs; this module only gathers the inputs
and labels the output. When ``n_paths`` differs from the forecast's number of paths, whole
forecast paths are resampled with replacement. Limit, stated: the pipeline already in flight at the
forecast origin is approximated by the engine's warm-up months (first-month counts of other
forecast paths), not read from the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from slaplan._checks import check_count
from slaplan.forecast.volume import VolumeForecast, forecast_frame

__all__ = ["StageForecast", "forecast_stage"]


@dataclass(frozen=True, kw_only=True)
class StageForecast:
    """Monthly forecast of every stage of a funnel chain, from a volume forecast.

    Attributes
    ----------
    stages : tuple of str
        The chain, first stage (the forecast volume) to last.
    stage : str
        The stage of ``frame`` (the last one).
    frame : pandas.DataFrame
        The last stage per future month: ``mean, lower_80, upper_80, ...``.
    paths : numpy.ndarray
        Simulated counts of every stage, shape ``(n_paths, n_stages, horizon)``.
    levels : tuple of float
    """

    stages: tuple[str, ...]
    stage: str
    frame: pd.DataFrame
    paths: np.ndarray = field(repr=False)
    months: pd.PeriodIndex = field(repr=False)
    levels: tuple[float, ...]

    def stage_frame(self, stage: str) -> pd.DataFrame:
        """Mean and intervals per month of any stage of the chain."""
        if stage not in self.stages:
            raise ValueError(f"stage must be one of {', '.join(self.stages)}, got {stage!r}")
        return forecast_frame(self.months, self.paths[:, self.stages.index(stage), :], self.levels)

    def to_frame(self) -> pd.DataFrame:
        """The last stage's forecast table."""
        return self.frame


def forecast_stage(
    volume: VolumeForecast,
    rates: Sequence,
    *,
    stages: Sequence[str],
    lags: Sequence | None = None,
    n_paths: int = 10_000,
    seed: int | None = None,
) -> StageForecast:
    """Carry a volume forecast through conversion rates and lags to later stages.

    Parameters
    ----------
    volume : VolumeForecast
        Forecast of the first stage of ``stages`` (e.g. MQLs per month).
    rates : sequence of slaplan.ConversionRate
        One rate per transition (``len(stages) - 1``).
    stages : sequence of str
        Stage names, first to last, e.g. ``("mql", "sql")``.
    lags : sequence of array-like, optional
        Per transition, the pmf of whole-month lags (0 = same month); default: same month.
    n_paths : int
        Monte Carlo paths of the engine.
    seed : int, optional
        Root seed of the engine's random streams.

    Returns
    -------
    StageForecast

    Examples
    --------
    >>> import numpy as np, slaplan as sp
    >>> mqls = sp.forecast_volume(np.random.default_rng(0).poisson(300, 24), start="2025-01",
    ...                           horizon=3, seed=0, n_origins=2)
    >>> sqls = sp.forecast_stage(mqls, [sp.ConversionRate(converted=40, total=300)],
    ...                          stages=("mql", "sql"), lags=[[0.6, 0.4]], seed=0, n_paths=2000)
    >>> sqls.frame.shape
    (3, 5)
    """
    from slaplan.plan.simulate import FunnelPlan, simulate_funnel

    if not isinstance(volume, VolumeForecast):
        raise TypeError(f"volume must be a VolumeForecast, got {type(volume).__name__}")
    n_paths = check_count("n_paths", n_paths, minimum=100)
    rates = tuple(rates)
    plan = FunnelPlan.from_paths(
        stages=tuple(stages), arrival_paths=volume.paths, rates=rates, lags=lags
    )
    simulation = simulate_funnel(plan, n_paths=n_paths, seed=seed)
    return StageForecast(
        stages=plan.stages,
        stage=plan.stages[-1],
        frame=forecast_frame(volume.months, simulation.events[:, -1, :], volume.levels),
        paths=simulation.events,
        months=volume.months,
        levels=volume.levels,
    )
