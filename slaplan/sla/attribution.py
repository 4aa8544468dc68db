"""Why a count commitment was missed: volume, quality, speed, capacity (and timing).

The counted events of a period (e.g. SQLs) are fed by a cohort of *source* leads (that period's
MQLs). The cohort's conversions factor exactly as

    converted_worked = V x c x s x q

* ``V`` **volume** — source leads entering in the period;
* ``c`` **capacity** — share of them sales ever worked (first touch);
* ``s`` **speed** — conversion of worked leads relative to those touched fast (within the
  SLA's response limit; 1 for a source stage sales does not work);
* ``q`` **quality** — conversion of the leads touched fast.

The *plan* takes ``V0`` from marketing's commitment on the source stage (else the source's mean
volume over the 12 months before the period), ``c0`` and ``s0`` from those 12 months, and the
quality ``q0`` the target implies (``V0 c0 s0 q0 = target``). The move from plan to actual is
split among the four factors by the **Shapley value** of the product (the average over all 24
orders of changing one factor at a time), which is exact: the four parts add up to
``V c s q - target``. What remains, ``actual - V c s q``, is **timing**: counted events fed by
earlier cohorts minus this cohort's conversions that fall later (plus conversions of leads
never worked). So ``volume + capacity + speed + quality + timing = actual - target`` exactly.
Negative amounts pulled the count below target.

**When speed is not measured.** Capacity and speed come from ``first_touch_at``. When the data
has no first touch at all (the export has no such column), or none in the 12 months of the
plan, they are *not measured*: ``c = s = 1`` in plan and actual, so their effect is folded into
quality (conversion of every source lead), the parts still add up to the gap exactly, and the
``note`` column says so. When the plan has no source volume at all (no marketing promise and no
source lead in the 12 months), no quality can be implied: the whole move from target to the
cohort's outcome is volume, again stated in ``note``.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pandas as pd

from slaplan.sla._data import (
    FIRST_TOUCH,
    censored_frame,
    event_column,
    segment_frame,
    source_column,
)
from slaplan.sla.spec import SLA, Commitment
from slaplan.sla.tracking import track_sla

__all__ = ["COMPONENTS", "attribute_miss", "shapley_product"]

COMPONENTS = ("volume", "capacity", "speed", "quality")
_BASELINE_MONTHS = 12
_DEFAULT_FAST_HOURS = 8.0  # one business day when the SLA sets no response limit


def shapley_product(base: Any, actual: Any) -> np.ndarray:
    """Shapley split of ``prod(actual) - prod(base)`` among the factors (exact, sums to it).

    >>> shapley_product([100, 0.5], [80, 0.5]).tolist()  # only volume moved
    [-10.0, 0.0]
    >>> round(float(shapley_product([2, 3], [4, 6]).sum()), 12)  # 24 - 6
    18.0
    """
    base, actual = np.asarray(base, float), np.asarray(actual, float)
    n = base.size
    values = np.zeros(n)
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for size in range(n):
            weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
            for subset in itertools.combinations(others, size):
                mixed = base.copy()
                mixed[list(subset)] = actual[list(subset)]
                without = np.prod(mixed)
                mixed[i] = actual[i]
                values[i] += weight * (np.prod(mixed) - without)
    return values


_NOT_MEASURED = "capacity and speed not measured ({why}): their effect is part of quality"
_NO_PLAN_VOLUME = (
    "no source lead in the months before (up to 12) and no marketing promise: the whole move from "
    "the target is volume"
)


def attribute_miss(
    sla: SLA,
    leads: Any,
    *,
    as_of: Any = None,
    missed_only: bool = True,
    tracked: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Split the gap of each closed period of each count commitment into its causes.

    Parameters
    ----------
    sla : SLA
    leads : LeadTable or DataFrame
    as_of : date-like, optional
        The "today" of the review (default: latest timestamp).
    missed_only : bool, default True
        Only the periods where the commitment was missed.
    tracked : DataFrame, optional
        :func:`slaplan.track_sla` of the same SLA, data and ``as_of``, if already computed.

    Returns
    -------
    DataFrame
        Index ``(period, commitment)``; ``target``, ``actual``, ``gap`` (= actual - target),
        ``volume``, ``capacity``, ``speed``, ``quality``, ``timing`` (which add up to ``gap``
        exactly), the factors ``source_leads`` (V), ``worked_share`` (c), ``speed_factor``
        (s), ``fast_conversion`` (q) with their ``plan_`` values, and ``note`` (what was not
        measured and where its effect went; empty when everything was).

    Examples
    --------
    >>> import slaplan as sp
    >>> sp.attribute_miss(sla, t, as_of="2026-11-15")  # doctest: +SKIP
    """
    frame, as_of_ts = censored_frame(leads, as_of)
    if tracked is None:
        tracked = track_sla(sla, leads, as_of=as_of_ts)
    closed = tracked[(tracked["status"] == "closed") & tracked["metric"].isin(["count", "worked"])]
    if missed_only:
        closed = closed[~closed["met"].astype(bool)]
    touches = FIRST_TOUCH in frame.columns and bool(frame[FIRST_TOUCH].notna().any())
    options = {"fast_hours": _fast_hours(sla), "calendar": sla.hours, "touches": touches}
    rows = []
    for (period, commitment_id), row in closed.iterrows():
        commitment = sla.commitment(commitment_id)
        part = segment_frame(frame, commitment.segment)
        rows.append(_attribute(sla, commitment, part, period, row["actual"], **options))
    table = pd.DataFrame(rows, columns=_COLUMNS)
    return table.set_index(["period", "commitment"])


_COLUMNS = [
    "period", "commitment", "target", "actual", "gap", *COMPONENTS, "timing",
    "source_leads", "worked_share", "speed_factor", "fast_conversion",
    "plan_source_leads", "plan_worked_share", "plan_speed_factor", "plan_fast_conversion",
    "note",
]  # fmt: skip


def _fast_hours(sla: SLA) -> float:
    for commitment in sla.commitments:
        if commitment.metric == "response_time":
            return float(commitment.within_business_hours)
    return _DEFAULT_FAST_HOURS


def _worked_stage(sla: SLA) -> str:
    """The stage sales works (of its response-time or worked commitments; default ``mql``)."""
    for commitment in sla.commitments:
        if commitment.metric in ("response_time", "worked"):
            return commitment.stage
    return "mql"


def _cohort_factors(
    frame, source: str, target: str, start, end, *, worked_stage: bool, fast_hours, calendar
) -> tuple[np.ndarray, float]:
    """(V, c, s, q) of the source cohort of ``[start, end)`` and its worked conversions."""
    entered = frame[source]
    cohort = frame[(entered >= start) & (entered < end)]
    volume = float(len(cohort))
    converted = cohort[target].notna().to_numpy() if target != source else np.ones(len(cohort))
    if not worked_stage or volume == 0:
        quality = converted.mean() if volume else 0.0
        return np.array([volume, 1.0, 1.0, quality]), float(converted.sum())
    touched = cohort[FIRST_TOUCH].notna().to_numpy()
    hours = np.asarray(calendar.business_hours_between(cohort[source], cohort[FIRST_TOUCH]))
    fast = touched & (np.nan_to_num(hours, nan=np.inf) <= fast_hours)
    worked_share = touched.mean()
    worked_rate = converted[touched].mean() if touched.any() else 0.0
    fast_rate = converted[fast].mean() if fast.any() else worked_rate
    speed = worked_rate / fast_rate if fast_rate > 0 else 1.0
    factors = np.array([volume, worked_share, speed, fast_rate])
    return factors, float(np.prod(factors))


def _attribute(sla, commitment: Commitment, frame, period, actual, *, touches: bool, **options):
    """One closed period's split (see the module docstring); ``touches``: the data has first
    touches at all."""
    source = source_column(commitment, sla.stage_names)
    target = event_column(commitment)
    start, end = period.start_time, (period + 1).start_time
    # the baseline months are those with data (a young export has fewer than 12: no zero-padding)
    first = frame[source].min()
    base_start = start - pd.DateOffset(months=_BASELINE_MONTHS)
    if pd.notna(first):
        base_start = max(base_start, pd.Period(first, freq="M").start_time)
    months = max((pd.Period(start, freq="M") - pd.Period(base_start, freq="M")).n, 1)
    worked = touches and source == f"{_worked_stage(sla)}_at"
    note = "" if touches else _NOT_MEASURED.format(why="no first_touch_at in the data")

    def factors_of(worked_stage: bool, begin, stop) -> np.ndarray:
        kwargs = {"worked_stage": worked_stage, **options}
        return _cohort_factors(frame, source, target, begin, stop, **kwargs)[0]

    history = factors_of(worked, base_start, start)
    if worked and history[1] == 0:  # no lead of the plan's months was touched: no plan share
        worked, history = False, factors_of(False, base_start, start)
        note = _NOT_MEASURED.format(why="no first touch in the months before")
    factors = factors_of(worked, start, end)
    plan = history.copy()
    plan[0] = _planned_volume(sla, commitment, source, history[0] / months)
    plan, parts, no_plan = _split(plan, factors, commitment.target)
    outcome = float(np.prod(factors))
    return {
        "period": period, "commitment": commitment.id, "target": commitment.target,
        "actual": actual, "gap": actual - commitment.target,
        **dict(zip(COMPONENTS, parts.tolist(), strict=True)), "timing": actual - outcome,
        "source_leads": factors[0], "worked_share": factors[1], "speed_factor": factors[2],
        "fast_conversion": factors[3], "plan_source_leads": plan[0],
        "plan_worked_share": plan[1], "plan_speed_factor": plan[2], "plan_fast_conversion": plan[3],
        "note": no_plan or note,
    }  # fmt: skip


def _split(plan: np.ndarray, factors: np.ndarray, target: float):
    """The plan with the quality its target implies, the four parts of ``V c s q - target``,
    and a note when the plan has no volume to imply a quality from (all of it is volume)."""
    plan = plan.copy()
    if plan[0] <= 0:
        plan[3] = np.nan
        return plan, np.array([np.prod(factors) - target, 0.0, 0.0, 0.0]), _NO_PLAN_VOLUME
    plan[3] = target / np.prod(plan[:3])
    return plan, shapley_product(plan, factors), None


def _planned_volume(sla: SLA, commitment: Commitment, source: str, monthly_mean: float) -> float:
    """Marketing's promise on the source stage (same segment), else the recent mean volume."""
    for other in sla.commitments:
        if (
            other.metric == "count"
            and f"{other.stage}_at" == source
            and other.segment == commitment.segment
            and other.id != commitment.id
        ):
            return other.target
    return monthly_mean * sla.period_months
