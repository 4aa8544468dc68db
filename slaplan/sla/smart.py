"""SMART notes for each commitment: specific, measurable, attainable, relevant, timely.

Each criterion is a pass/fail with a plain-language note a head of sales can read:

* **specific** — the stage (and segment) is defined in the SLA's funnel and present in the data;
* **measurable** — the columns the metric needs exist in the data and hold values;
* **attainable** — the probability of meeting it is at least the SLA's confidence (filled in by
  :func:`slaplan.sla.check.check_sla` from the attainability engine);
* **relevant** — it feeds the goal the SLA names (its stage is at or before the goal's stage);
* **timely** — a period is set and the review is scheduled within the allowed cadence and not
  overdue at ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from slaplan.sla._data import event_column
from slaplan.sla.spec import SLA, Commitment

__all__ = ["SmartNote", "smart_notes"]


@dataclass(frozen=True, kw_only=True)
class SmartNote:
    """One SMART criterion of one commitment."""

    criterion: str
    passed: bool
    note: str


def smart_notes(
    sla: SLA, commitment: Commitment, frame: pd.DataFrame, as_of: pd.Timestamp
) -> tuple[SmartNote, ...]:
    """The specific, measurable, relevant and timely notes (attainable comes from the check)."""
    return (
        _specific(sla, commitment, frame),
        _measurable(commitment, frame),
        _relevant(sla, commitment),
        _timely(sla, as_of),
    )


def _stages(commitment: Commitment) -> list[str]:
    if commitment.metric == "rate":
        return [commitment.from_stage, commitment.to_stage]
    return [commitment.stage]


def _specific(sla: SLA, commitment: Commitment, frame: pd.DataFrame) -> SmartNote:
    definitions = {s.name: s.definition for s in sla.stages}
    undefined = [s for s in _stages(commitment) if not definitions.get(s)]
    if commitment.segment and "segment" in frame.columns:
        if not (frame["segment"] == commitment.segment).any():
            return SmartNote(
                criterion="specific",
                passed=False,
                note=f"segment {commitment.segment!r} has no leads in the data",
            )
    if undefined:
        return SmartNote(
            criterion="specific",
            passed=False,
            note=f"stage {', '.join(undefined)} has no written definition in the SLA",
        )
    return SmartNote(
        criterion="specific", passed=True, note=f"{commitment.label}, per {sla.period}"
    )


def _measurable(commitment: Commitment, frame: pd.DataFrame) -> SmartNote:
    needed = [f"{s}_at" for s in _stages(commitment)]
    if commitment.metric in ("response_time", "worked"):
        needed.append(
            event_column(commitment) if commitment.metric == "worked" else "first_touch_at"
        )
    missing = [c for c in needed if c not in frame.columns]
    empty = [c for c in needed if c in frame.columns and frame[c].notna().sum() == 0]
    if missing or empty:
        what = ", ".join(missing + empty)
        return SmartNote(
            criterion="measurable", passed=False, note=f"the data has no values for {what}"
        )
    return SmartNote(criterion="measurable", passed=True, note=f"from {', '.join(needed)}")


def _relevant(sla: SLA, commitment: Commitment) -> SmartNote:
    goal = sla.goal
    if goal is None:
        return SmartNote(criterion="relevant", passed=False, note="the SLA names no goal")
    names = sla.stage_names
    last = max(names.index(s) for s in _stages(commitment))
    if last <= names.index(goal.stage):
        text = goal.description or f"{goal.target:g} {goal.stage} per {sla.period}"
        return SmartNote(criterion="relevant", passed=True, note=f"feeds the goal: {text}")
    return SmartNote(
        criterion="relevant",
        passed=False,
        note=f"measures a stage after the goal's stage {goal.stage!r}",
    )


def _timely(sla: SLA, as_of: pd.Timestamp) -> SmartNote:
    review = sla.review
    if review is None or review.last_review is None:
        return SmartNote(criterion="timely", passed=False, note="no review date in the SLA")
    due = review.next_review
    if pd.Timestamp(due) < as_of.normalize():
        return SmartNote(
            criterion="timely", passed=False, note=f"review overdue since {due.isoformat()}"
        )
    return SmartNote(
        criterion="timely",
        passed=True,
        note=f"per {sla.period}; next review {due.isoformat()} "
        f"(every {review.cadence_months} months)",
    )
