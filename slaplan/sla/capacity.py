"""Adapter: the team roster's capacity as leads sales can work in one SLA period.

The capacity model itself lives in :mod:`slaplan.capacity.team`; this module only turns a roster
(path or DataFrame) into the per-period number the SLA check caps volumes with, for the next
SLA period after ``as_of``. Without a roster there is no cap.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slaplan.sla.spec import SLA

__all__ = ["team_capacity"]


def team_capacity(team: Any, sla: SLA, as_of: pd.Timestamp) -> float | None:
    """Leads the team can work in the next SLA period, or None without a roster."""
    if team is None:
        return None
    try:
        from slaplan.capacity.team import leads_workable
    except ImportError:  # the capacity model is not installed: no cap
        return None

    period = pd.Period(as_of, freq="Q" if sla.period == "quarter" else "M") + 1
    months = pd.period_range(period.start_time, periods=sla.period_months, freq="M")
    per_month = leads_workable(team, months=months, as_of=as_of)  # SDRs work the MQLs
    return float(sum(per_month))
