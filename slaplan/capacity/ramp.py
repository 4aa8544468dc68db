"""The numpy core of team capacity: a rep's ramp to full productivity and monthly effective FTE.

No pandas: day numbers (days since 1970-01-01) and arrays in, arrays out. The pandas layer
(:func:`slaplan.capacity.team.team_capacity`) reads the roster and labels the months.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

__all__ = ["RampShape", "monthly_effective_fte", "ramp_factor"]

_DAYS_PER_MONTH = 365.25 / 12

RampShape = Literal["linear", "s_curve"]


def ramp_factor(tenure_months: Any, ramp_months: Any, shape: RampShape = "linear") -> np.ndarray:
    """Productivity of a rep with ``tenure_months`` on the job, from 0 at the start to 1.

    ``linear``: ``t / R`` capped at 1. ``s_curve``: smoothstep ``3x² − 2x³`` of ``x = t / R``
    (slow start, fast middle, plateau); both average 1/2 over the ramp. Negative tenure gives 0;
    ``R = 0`` means fully productive from day one. Broadcasts over arrays.

    Examples
    --------
    >>> ramp_factor([0, 1.5, 3, 6], 3.0).tolist()
    [0.0, 0.5, 1.0, 1.0]
    """
    tenure = np.asarray(tenure_months, dtype=float)
    ramp = np.asarray(ramp_months, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(ramp > 0, np.clip(tenure / np.where(ramp > 0, ramp, 1.0), 0.0, 1.0), 1.0)
    x = np.where(tenure >= 0, x, 0.0)
    return x if shape == "linear" else x * x * (3.0 - 2.0 * x)


def monthly_effective_fte(
    *,
    start_day: np.ndarray,
    end_day: np.ndarray,
    full_time_share: np.ndarray,
    ramp_months: np.ndarray,
    monthly_attrition: np.ndarray,
    attrition_from_day: int,
    month_edges: np.ndarray,
    shape: RampShape = "linear",
) -> np.ndarray:
    """Effective FTE per rep (rows) and month (columns), averaged over the days of each month.

    Days are integers (days since 1970-01-01); ``end_day`` is the last day on the team
    (inclusive); ``month_edges`` holds the first day of each month and the day after the last.
    A rep's daily FTE is ``on team × ramp(tenure) × survival × full_time_share``, with survival
    ``(1 - monthly_attrition) ** (months after attrition_from_day)``.
    """
    days = np.arange(month_edges[0], month_edges[-1])
    on_team = (days >= start_day[:, None]) & (days <= end_day[:, None])
    tenure_months = (days[None, :] - start_day[:, None]) / _DAYS_PER_MONTH
    productivity = ramp_factor(tenure_months, ramp_months[:, None], shape)
    months_exposed = np.maximum(days - attrition_from_day, 0)[None, :] / _DAYS_PER_MONTH
    survival = (1.0 - monthly_attrition[:, None]) ** months_exposed
    daily = on_team * productivity * survival * full_time_share[:, None]
    month_of_day = np.searchsorted(month_edges, days, side="right") - 1
    totals = np.zeros((len(month_edges) - 1, len(start_day)))
    np.add.at(totals, month_of_day, daily.T)
    return totals.T / np.diff(month_edges)[None, :]
