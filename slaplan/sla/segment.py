"""One segment's view of an SLA: which commitments a segment review judges, and its contribution.

A commitment written for all segments is a promise about the total; measured on one segment's
leads alone it would always look missed (the events leads are not 300 MQLs a month). So a
segment review judges only the commitments written for that segment (:func:`scope_sla`), and
shows the segment's share of each all-segment commitment as context, with no target and no
verdict (:func:`segment_context`). Commitments of other segments are left out.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from slaplan.errors import SpecError
from slaplan.sla._data import censored_frame, period_range, segment_frame
from slaplan.sla.spec import SLA
from slaplan.sla.tracking import measure_period

__all__ = ["scope_sla", "segment_context"]

_CONTEXT_COLUMNS = [
    "commitment", "what", "period", "status", "segment_actual", "all_segments_actual",
    "share_of_all",
]  # fmt: skip


def scope_sla(sla: SLA, segment: str) -> SLA:
    """The SLA with only the commitments written for ``segment`` (its ``segment:`` filter).

    Parameters
    ----------
    sla : SLA
        From :func:`slaplan.load_sla`.
    segment : str
        The segment under review.

    Returns
    -------
    SLA
        The same SLA with ``commitments`` reduced to the segment's own.

    Raises
    ------
    SpecError
        If no commitment of the SLA names ``segment`` (the message lists the segments that
        have commitments of their own).

    Examples
    --------
    >>> from slaplan.sla.spec import load_sla
    >>> sla = load_sla({"name": "x", "period": "month", "segments": ["events", "web"],
    ...                 "commitments": [
    ...     {"id": "mqls", "owner": "marketing", "metric": "count", "stage": "mql", "target": 300},
    ...     {"id": "events_sqls", "owner": "sales", "metric": "count", "stage": "sql",
    ...      "segment": "events", "target": 12}]})
    >>> [c.id for c in scope_sla(sla, "events").commitments]
    ['events_sqls']
    >>> scope_sla(sla, "web")
    Traceback (most recent call last):
    ...
    slaplan.errors.SpecError: segment has no commitment of its own in the SLA, got 'web'; ...
    """
    own = tuple(c for c in sla.commitments if c.segment == segment)
    if not own:
        judged = sorted({c.segment for c in sla.commitments if c.segment is not None})
        raise SpecError(
            f"segment has no commitment of its own in the SLA, got {segment!r}; segments with "
            f"commitments: {', '.join(judged) or 'none'} (review all segments instead, or add a "
            f"commitment with 'segment: {segment}')"
        )
    return dataclasses.replace(sla, commitments=own)


def segment_context(sla: SLA, leads: Any, segment: str, *, as_of: Any = None) -> pd.DataFrame:
    """The segment's contribution to each all-segment commitment (no target, no verdict).

    For every commitment without a segment filter, the last two SLA periods up to ``as_of``
    (the last closed one and the open one, so far) measured on the segment's leads and on all
    leads, with the same rules as :func:`slaplan.track_sla`.

    Parameters
    ----------
    sla : SLA
        The whole SLA (not the scoped one).
    leads : LeadTable or DataFrame
        All leads (every segment).
    segment : str
        The segment under review.
    as_of : date-like, optional
        The review's "today"; default the latest timestamp.

    Returns
    -------
    DataFrame
        Columns ``commitment``, ``what``, ``period``, ``status``, ``segment_actual``,
        ``all_segments_actual`` and ``share_of_all`` (the segment's share of a count; NaN for a
        rate or response-time share, whose segment value is shown beside the total instead).

    Examples
    --------
    >>> import pandas as pd
    >>> from slaplan.sla.spec import load_sla
    >>> sla = load_sla({"name": "x", "period": "month", "commitments": [
    ...     {"id": "mqls", "owner": "marketing", "metric": "count", "stage": "mql", "target": 3}]})
    >>> leads = pd.DataFrame({"segment": ["events", "web", "web"],
    ...                       "lead_at": pd.to_datetime(["2026-10-02", "2026-10-03", "2026-11-02"]),
    ...                       "mql_at": pd.to_datetime(["2026-10-05", "2026-10-06", "2026-11-03"])})
    >>> segment_context(sla, leads, "events", as_of="2026-11-10")[
    ...     ["period", "segment_actual", "all_segments_actual", "share_of_all"]]
        period  segment_actual  all_segments_actual  share_of_all
    0  2026-10             1.0                  2.0           0.5
    1  2026-11             0.0                  1.0           0.0
    """
    frame, as_of_ts = censored_frame(leads, as_of)
    mine = segment_frame(frame, segment)
    periods = period_range(sla, frame, as_of_ts)[-2:]
    rows = []
    for commitment in (c for c in sla.commitments if c.segment is None):
        for period in periods:
            part = measure_period(commitment, mine, period, as_of_ts, sla.hours)
            whole = measure_period(commitment, frame, period, as_of_ts, sla.hours)
            rows.append({
                "commitment": commitment.id, "what": commitment.label, "period": period,
                "status": whole["status"], "segment_actual": part["actual"],
                "all_segments_actual": whole["actual"],
                "share_of_all": _share(commitment.is_count, part["actual"], whole["actual"]),
            })  # fmt: skip
    return pd.DataFrame(rows, columns=_CONTEXT_COLUMNS)


def _share(is_count: bool, part: float, whole: float) -> float:
    if not is_count or not whole > 0:
        return float("nan")
    return float(np.clip(part / whole, 0.0, 1.0))
