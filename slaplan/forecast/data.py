"""From a lead table to the monthly count series a forecast needs: complete months only.

A month that is still running when the data was exported (the month of ``as_of``) holds only
part of its leads; forecasting from it would read the cut-off as a collapse. This module owns
that rule: keep the months that had ended by ``as_of``.
"""

from __future__ import annotations

import pandas as pd

from slaplan.errors import DataError

__all__ = ["complete_months", "monthly_stage_counts"]


def complete_months(counts: pd.DataFrame | pd.Series, as_of) -> pd.DataFrame | pd.Series:
    """Drop the months (level 0 of the index) that had not ended by ``as_of``."""
    stamp = pd.Timestamp(as_of)
    months = counts.index.get_level_values(0)
    ended = months.to_timestamp(how="end") <= stamp
    return counts[ended]


def monthly_stage_counts(leads, stage: str = "lead", *, by: str | None = None, as_of=None):
    """Leads entering ``stage`` per complete month (and per ``by`` group).

    Parameters
    ----------
    leads : slaplan.LeadTable
        Loaded leads.
    stage : str
        A stage of the table's funnel (``"lead"``, ``"mql"``, ...).
    by : str, optional
        Group column (``"segment"``): a month x group DataFrame instead of a Series.
    as_of : date-like, optional
        The data's "today" (default: the table's ``as_of``); its month is dropped if not over.

    Returns
    -------
    pandas.Series or pandas.DataFrame
        Indexed by monthly ``PeriodIndex``.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> str(sp.monthly_stage_counts(t, "mql").index[-1])
    '2026-10'
    """
    from slaplan.funnel.cohorts import event_counts

    if stage not in leads.funnel.stages:
        raise DataError(
            f"stage must be one of the funnel's stages {', '.join(leads.funnel.stages)}, "
            f"got {stage!r}"
        )
    counts = event_counts(leads, by=by)[stage]
    counts = complete_months(counts, leads.as_of if as_of is None else as_of)
    if by is not None:
        counts = counts.unstack(level=1, fill_value=0)
    counts.index.name = "month"
    return counts.rename(stage) if by is None else counts
