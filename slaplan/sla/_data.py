"""The lead data as an SLA sees it: censored at ``as_of``, filtered to a segment, cut in periods.

Shared by tracking, checking, attribution and drift so that every one of them measures a
commitment the same way. Events after ``as_of`` are treated as not having happened yet, so an
earlier ``as_of`` replays the past exactly as it looked then.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slaplan.funnel.pairs import censor, lead_frame, resolve_as_of
from slaplan.sla.spec import SLA, Commitment

__all__ = [
    "FIRST_TOUCH",
    "censored_frame",
    "event_column",
    "period_range",
    "segment_frame",
    "source_column",
]

FIRST_TOUCH = "first_touch_at"


def censored_frame(leads: Any, as_of: Any) -> tuple[pd.DataFrame, pd.Timestamp]:
    """The canonical frame with every timestamp after ``as_of`` set to NaT, and ``as_of``."""
    as_of_ts = resolve_as_of(leads, as_of)
    return censor(lead_frame(leads), as_of_ts), as_of_ts


def segment_frame(frame: pd.DataFrame, segment: str | None) -> pd.DataFrame:
    """The leads of one segment (all leads when ``segment`` is None)."""
    if segment is None or "segment" not in frame.columns:
        return frame
    return frame[frame["segment"] == segment]


def event_column(commitment: Commitment) -> str:
    """The timestamp column whose events a count-like commitment counts."""
    if commitment.metric == "worked":
        return FIRST_TOUCH
    return f"{commitment.stage}_at"


def source_column(commitment: Commitment, stage_names: tuple[str, ...]) -> str:
    """The column of the events that *feed* the counted events (for pacing and attribution).

    SQLs are fed by MQLs (the previous funnel stage), worked MQLs by MQLs; the first stage of
    the funnel feeds itself.
    """
    if commitment.metric == "worked":
        return f"{commitment.stage}_at"
    position = stage_names.index(commitment.stage)
    return f"{stage_names[max(position - 1, 0)]}_at"


def period_range(sla: SLA, frame: pd.DataFrame, as_of: pd.Timestamp) -> pd.PeriodIndex:
    """The SLA periods to track: from the effective start (or the first data) to ``as_of``."""
    freq = "Q" if sla.period == "quarter" else "M"
    last = pd.Period(as_of, freq=freq)
    if sla.effective_end is not None:
        last = min(last, pd.Period(sla.effective_end, freq=freq))
    columns = [c for c in frame.columns if str(c).endswith("_at")]
    first_data = min((frame[c].min() for c in columns), default=pd.NaT)
    first = pd.Period(first_data if pd.notna(first_data) else as_of, freq=freq)
    if sla.effective_start is not None:
        first = max(first, pd.Period(sla.effective_start, freq=freq))
    return (
        pd.period_range(first, last, freq=freq, name="period")
        if first <= last
        else (pd.PeriodIndex([], freq=freq, name="period"))
    )
