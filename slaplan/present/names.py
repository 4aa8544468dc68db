"""Names in words: funnel stages and commitments as people write them.

Owns the *name of a thing* concept shared by the review, the dashboards and the charts: a stage
``mql`` is written ``MQL`` (``MQLs`` when counted), a commitment ``sql_volume`` of metric
``count`` on stage ``sql`` for segment ``events`` is ``SQLs (events)``. Pure functions.
"""

from __future__ import annotations

from typing import Any

__all__ = ["commitment_title", "commitment_titles", "stage_name"]


def stage_name(stage: str, *, plural: bool = False) -> str:
    """A stage as people write it: acronyms in capitals, plurals where counted.

    Examples
    --------
    >>> stage_name("mql", plural=True), stage_name("opportunity", plural=True)
    ('MQLs', 'opportunities')
    """
    name = stage.upper() if len(stage) <= 3 else stage.replace("_", " ")
    if not plural:
        return name
    if name.endswith("y") and name[-2:-1] not in tuple("aeiou"):
        return name[:-1] + "ies"
    return name + "s"


def commitment_title(commitment: Any) -> str:
    """A commitment's name in words (``"MQLs touched within 1 business hour"``).

    Examples
    --------
    >>> from types import SimpleNamespace as C
    >>> commitment_title(C(metric="count", stage="sql", segment="events"))
    'SQLs (events)'
    >>> commitment_title(C(metric="rate", from_stage="mql", to_stage="sql", segment=None))
    'MQL → SQL rate'
    """
    metric = commitment.metric
    if metric == "rate":
        title = f"{stage_name(commitment.from_stage)} → {stage_name(commitment.to_stage)} rate"
    elif metric == "response_time":
        hours = commitment.within_business_hours
        unit = "business hour" if hours == 1 else "business hours"
        title = f"{stage_name(commitment.stage, plural=True)} touched within {hours:g} {unit}"
    elif metric == "worked":
        title = f"{stage_name(commitment.stage, plural=True)} worked"
    else:
        title = stage_name(commitment.stage, plural=True)
    return f"{title} ({commitment.segment})" if commitment.segment else title


def commitment_titles(review: Any) -> dict[str, str]:
    """Each commitment's id mapped to its name in words (for charts and tables)."""
    return {c.id: commitment_title(c) for c in review.sla.commitments}
