"""Adapter: the team roster's capacity as leads sales can work in one SLA period.

The capacity model itself lives in :mod:`slaplan.capacity.team`; this module only turns a roster
(path or DataFrame) into the per-period number the SLA check caps volumes with, for the SLA
period being checked. Without a roster there is no cap.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slaplan.capacity.team import leads_workable

__all__ = ["monthly_capacity", "period_capacity"]


def period_capacity(team: Any, period: pd.Period, *, as_of: pd.Timestamp) -> float | None:
    """Leads the team's SDRs can work in ``period`` (a month or quarter), None without a roster.

    >>> period_capacity(None, pd.Period("2026-12", "M"), as_of=pd.Timestamp("2026-11-15"))
    """
    if team is None:
        return None
    months = pd.period_range(period.start_time, period.end_time, freq="M")
    per_month = leads_workable(team, months=months, as_of=as_of)  # SDRs work the MQLs
    return float(sum(per_month))


def monthly_capacity(team: Any, period: pd.Period, *, as_of: pd.Timestamp) -> float | None:
    """Leads the team can work per month, averaged over ``period``'s months (None: no roster).

    >>> monthly_capacity(None, pd.Period("2026-12", "M"), as_of=pd.Timestamp("2026-11-15"))
    """
    total = period_capacity(team, period, as_of=as_of)
    if total is None:
        return None
    return total / len(pd.period_range(period.start_time, period.end_time, freq="M"))
