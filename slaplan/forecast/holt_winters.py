"""Estimation uncertainty of an additive Holt-Winters fit: the part its simulated paths leave out.

``HoltWintersResults.simulate`` draws future errors around the *fitted* states, as if the
initial level, trend and seasonal states were known. On short series they are not: with a small
smoothing weight the forecast is close to a straight line through the history, and the
uncertainty of that line (intercept and slope) is as large as the noise itself a few months
out. This module owns that correction, in pure numpy.

Given the smoothing parameters, the additive recursions (Hyndman & Athanasopoulos, *FPP3*
§8.3, in statsmodels' component form) are linear in the data and in the initial states ``x0``:
fitted values and forecasts are ``A y + Z x0``. Running the filter on zero data from unit initial
states gives ``Z`` (in-sample, ``n x k``) and ``H`` (forecasts, ``h x k``). Least squares on
``x0`` has covariance ``sigma^2 (Z'Z)^+``, so the forecast means carry the covariance
``H (Z'Z)^+ H' sigma^2`` — the regression uncertainty of the line for a small smoothing weight,
and next to nothing once the weights forget the start. ``sigma^2`` is the residual variance on
``n - k_params`` degrees of freedom, statsmodels' (and R ``forecast::ets``') convention.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["HoltWintersParams", "forecast_mean_covariance", "hw_filter", "residual_dof"]


@dataclass(frozen=True, kw_only=True)
class HoltWintersParams:
    """Smoothing parameters of an additive Holt-Winters model (statsmodels' component form).

    ``period`` is 0 without seasonality; ``trend`` False means level only.
    """

    alpha: float
    beta: float = 0.0
    gamma: float = 0.0
    phi: float = 1.0
    trend: bool = True
    period: int = 0

    @property
    def n_states(self) -> int:
        """Initial states: level, trend (if any), one per season (if any)."""
        return 1 + int(self.trend) + self.period


def hw_filter(
    y: np.ndarray, x0: np.ndarray, params: HoltWintersParams, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """One-step fitted values ``(n, c)`` and forecasts ``(horizon, c)`` for ``c`` columns.

    ``y``: data ``(n, c)``; ``x0``: initial states ``(k, c)`` ordered level, trend, seasons
    (oldest first, as statsmodels' ``initial_seasons``).
    """
    p = params
    n, columns = y.shape
    level = x0[0].astype(float)
    slope = x0[1].astype(float) if p.trend else np.zeros(columns)
    m = p.period
    seasons = list(x0[1 + int(p.trend) :].astype(float)) if m else []
    fitted = np.empty((n, columns))
    for t in range(n):
        season = seasons[t] if m else 0.0
        base = level + p.phi * slope
        fitted[t] = base + season
        new_level = p.alpha * (y[t] - season) + (1 - p.alpha) * base
        if p.trend:
            slope = p.beta * (new_level - level) + (1 - p.beta) * p.phi * slope
        if m:
            seasons.append(p.gamma * (y[t] - base) + (1 - p.gamma) * season)
        level = new_level
    damping = np.cumsum(p.phi ** np.arange(1, horizon + 1)) if p.trend else np.zeros(horizon)
    forecast = level + damping[:, None] * slope
    if m:
        forecast = forecast + np.array([seasons[n + j % m] for j in range(horizon)])
    return fitted, forecast


def forecast_mean_covariance(
    params: HoltWintersParams, n_months: int, horizon: int, residual_variance: float
) -> np.ndarray:
    """Covariance ``(horizon, horizon)`` of the forecast means from the initial states' fit."""
    k = params.n_states
    sensitivity_fit, sensitivity_forecast = hw_filter(
        np.zeros((n_months, k)), np.eye(k), params, horizon
    )
    information = sensitivity_fit.T @ sensitivity_fit
    covariance = sensitivity_forecast @ np.linalg.pinv(information) @ sensitivity_forecast.T
    return residual_variance * (covariance + covariance.T) / 2


def residual_dof(n_months: int, n_params: int) -> int:
    """Degrees of freedom of the residuals (at least 1)."""
    return max(n_months - n_params, 1)
