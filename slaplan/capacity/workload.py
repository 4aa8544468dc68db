"""The observed workload: leads (or deals) per owner and period, as the CRM export records them.

What each rep actually handled, counted at an event column (``engaging_at`` in the Maven export,
``first_touch_at`` or a stage stamp elsewhere), optionally joined with a team table. It is the
measured counterpart of the modelled capacity in :mod:`slaplan.capacity.team`.
"""

from __future__ import annotations

from typing import Any, Literal

import pandas as pd

from slaplan._checks import check_option
from slaplan.errors import DataError

__all__ = ["workload_by_owner"]


def workload_by_owner(
    leads: Any,
    *,
    date_column: str,
    owner_column: str = "owner",
    period: Literal["M", "Q", "W"] = "M",
    teams: Any = None,
    team_key: str = "sales_agent",
) -> pd.DataFrame:
    """Leads (or deals) per owner and period, counted at ``date_column`` — the observed workload.

    Parameters
    ----------
    leads : LeadTable or DataFrame
    date_column : str
        The event that counts as work, e.g. ``"engaging_at"`` for the Maven export.
    owner_column : str, default ``"owner"``
    period : "M", "Q" or "W"
    teams : path or DataFrame, optional
        A team table (e.g. Maven's ``sales_teams.csv``) joined on ``team_key`` = owner, adding
        its other columns (manager, regional office). Owners missing from it get ``"unknown"``.

    Returns
    -------
    DataFrame
        One row per period and owner: ``period, owner, count`` (+ team columns), sorted.

    Examples
    --------
    >>> frame = pd.DataFrame({"owner": ["ana", "ana", "bo"],
    ...                       "mql_at": pd.to_datetime(["2026-11-02", "2026-11-20", "2026-12-01"])})
    >>> workload_by_owner(frame, date_column="mql_at")["count"].tolist()
    [2, 1]
    """
    check_option("period", period, ("M", "Q", "W"))
    frame = leads.frame if hasattr(leads, "frame") else leads
    missing = [c for c in (date_column, owner_column) if c not in frame.columns]
    if missing:
        raise DataError(f"<DataFrame>: missing columns {missing}; present: {list(frame.columns)}")
    dates = pd.to_datetime(frame[date_column])
    keep = dates.notna()
    counts = (
        pd.DataFrame(
            {
                "period": dates[keep].dt.to_period(period),
                "owner": frame.loc[keep, owner_column].fillna("unassigned").astype(str),
            }
        )
        .groupby(["period", "owner"], observed=True)
        .size()
        .rename("count")
        .reset_index()
    )
    if teams is None:
        return counts
    table = teams if isinstance(teams, pd.DataFrame) else pd.read_csv(teams, dtype=str)
    if team_key not in table.columns:
        raise DataError(f"teams: missing column {team_key!r}; present: {list(table.columns)}")
    table = table.rename(columns={team_key: "owner"}).drop_duplicates("owner")
    merged = counts.merge(table, on="owner", how="left")
    extra = [c for c in table.columns if c != "owner"]
    merged[extra] = merged[extra].fillna("unknown")
    return merged
