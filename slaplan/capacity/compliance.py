"""Measured response-time compliance: how fast leads were actually touched, in business hours.

This module owns the *measured* side of the handoff promise ("90% of MQLs touched within 1
business hour"). Per lead, the clock runs on the SLA's :class:`BusinessCalendar` from the moment
the lead entered the stage (``<stage>_at``) to ``first_touch_at``. A lead not yet touched at
``as_of`` is **not dropped**: its clock is still open, at ``business_hours_between(start,
as_of)``. Once that open clock passes the window it is a known miss (``open_breach``); before,
the outcome is undecided (``pending``) and it is left out of the share, exactly as a period is
not settled until every deadline has passed.

Per period / segment / owner: leads, within, late, open breaches, pending, the share within with
an equal-tailed Beta interval (``Beta(1 + within, 1 + missed)``, PRODUCT.md §4), and P50/P90 of
the response time by Kaplan-Meier, which treats open clocks as right-censored (a median of the
touched leads only would flatter a team that leaves the hard leads untouched).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from slaplan._checks import check_option, check_positive, check_probability
from slaplan._labels import NO_LABEL
from slaplan.capacity.calendar import BusinessCalendar
from slaplan.errors import DataError

__all__ = [
    "ResponseCompliance",
    "kaplan_meier_quantile",
    "response_compliance",
]

STATUSES = ("within", "late", "open_breach", "pending")


# ---- kernels -----------------------------------------------------------------------------------
def kaplan_meier_quantile(durations: Any, observed: Any, q: float) -> float:
    """The ``q`` quantile of a duration from right-censored data (Kaplan-Meier).

    ``observed[i]`` is False when ``durations[i]`` is only a lower bound (still open). Returns
    the smallest duration at which the estimated CDF reaches ``q``; ``inf`` when it never does
    (too many open clocks); ``nan`` for no data.

    Examples
    --------
    >>> kaplan_meier_quantile([1, 2, 3, 4], [True, True, True, True], 0.5)
    2.0
    >>> kaplan_meier_quantile([1, 5, 5, 5], [True, False, False, False], 0.5)
    inf
    """
    times = np.asarray(durations, dtype=float)
    events = np.asarray(observed, dtype=bool)
    if times.size == 0:
        return float("nan")
    order = np.lexsort((~events, times))  # events before censorings at equal times
    times, events = times[order], events[order]
    at_risk = times.size - np.arange(times.size)
    survival = np.cumprod(np.where(events, 1.0 - 1.0 / at_risk, 1.0))
    reached = np.flatnonzero((1.0 - survival >= q - 1e-12) & events)
    return float(times[reached[0]]) if reached.size else float("inf")


def beta_interval(successes: np.ndarray, failures: np.ndarray, level: float) -> tuple[Any, Any]:
    """Equal-tailed interval of ``Beta(1 + successes, 1 + failures)``."""
    tail = (1.0 - level) / 2.0
    a, b = 1.0 + np.asarray(successes, float), 1.0 + np.asarray(failures, float)
    return special.betaincinv(a, b, tail), special.betaincinv(a, b, 1.0 - tail)


# ---- per lead ------------------------------------------------------------------------------------
def _calendar(calendar: Any) -> BusinessCalendar:
    if calendar is None:
        return BusinessCalendar()
    if isinstance(calendar, BusinessCalendar):
        return calendar
    if isinstance(calendar, Mapping):
        return BusinessCalendar.from_spec(calendar)
    if hasattr(calendar, "business_hours"):  # an SLA
        return BusinessCalendar.from_spec(calendar.business_hours)
    raise TypeError(f"calendar must be a BusinessCalendar, a mapping or an SLA, got {calendar!r}")


def _lead_frame(leads: Any, stage: str) -> pd.DataFrame:
    frame = leads.frame if hasattr(leads, "frame") else leads
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"leads must be a LeadTable or a DataFrame, got {type(leads).__name__}")
    needed = [f"{stage}_at", "first_touch_at"]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataError(
            f"<DataFrame>: response compliance needs columns {missing}; present: "
            f"{list(frame.columns)}"
        )
    return frame


def _per_lead(
    frame: pd.DataFrame, stage: str, calendar: BusinessCalendar, as_of: pd.Timestamp, within: float
) -> pd.DataFrame:
    start = pd.to_datetime(frame[f"{stage}_at"])
    keep = start.notna() & (start <= as_of)
    start = start[keep]
    touch = pd.to_datetime(frame.loc[keep, "first_touch_at"])
    touch = touch.where(touch <= as_of)  # a touch after as_of has not happened yet
    touched = touch.notna().to_numpy()
    end = touch.where(touch.notna(), as_of)
    hours = np.clip(np.asarray(calendar.business_hours_between(start, end), dtype=float), 0, None)
    status = np.select(
        [touched & (hours <= within), touched, hours > within],
        ["within", "late", "open_breach"],
        default="pending",
    )
    out = pd.DataFrame(
        {
            "lead_id": frame.loc[keep, "lead_id"] if "lead_id" in frame else start.index,
            "segment": frame.loc[keep, "segment"] if "segment" in frame else NO_LABEL,
            "owner": frame.loc[keep, "owner"] if "owner" in frame else NO_LABEL,
            "start_at": start,
            "first_touch_at": touch,
            "response_business_hours": hours,
            "touched": touched,
            "status": status,
        }
    )
    out["owner"] = out["owner"].fillna(NO_LABEL)
    out["segment"] = out["segment"].fillna(NO_LABEL)
    return out.reset_index(drop=True)


# ---- summaries -----------------------------------------------------------------------------------
def _summarise(group: pd.DataFrame, level: float) -> pd.Series:
    counts = group["status"].value_counts().reindex(list(STATUSES), fill_value=0)
    missed = counts["late"] + counts["open_breach"]
    decided = counts["within"] + missed
    low, high = beta_interval(counts["within"], missed, level)
    hours, observed = group["response_business_hours"], group["touched"]
    return pd.Series(
        {
            "leads": len(group),
            "within": counts["within"],
            "late": counts["late"],
            "open_breach": counts["open_breach"],
            "pending": counts["pending"],
            "share_within": counts["within"] / decided if decided else np.nan,
            "low": float(low) if decided else np.nan,
            "high": float(high) if decided else np.nan,
            "p50_hours": kaplan_meier_quantile(hours, observed, 0.5),
            "p90_hours": kaplan_meier_quantile(hours, observed, 0.9),
        }
    )


@dataclass(frozen=True, kw_only=True)
class ResponseCompliance:
    """Measured response times and the share within the SLA window (see
    :func:`response_compliance`).

    Attributes
    ----------
    per_lead : DataFrame
        lead_id, segment, owner, period, start_at, first_touch_at, response_business_hours
        (the open clock for leads not yet touched), touched, status (``within``, ``late``,
        ``open_breach``, ``pending``).
    summary : DataFrame
        One row per period (and ``by`` group): leads, within, late, open_breach, pending,
        share_within, low, high, p50_hours, p90_hours.
    overall : pandas.Series
        The same figures over all periods and groups.

    Examples
    --------
    >>> frame = pd.DataFrame({"mql_at": pd.to_datetime(["2026-11-02 10:00"]),
    ...                       "first_touch_at": pd.to_datetime(["2026-11-02 10:30"])})
    >>> float(response_compliance(frame, as_of="2026-11-03").overall["share_within"])
    1.0
    """

    per_lead: pd.DataFrame
    summary: pd.DataFrame
    overall: pd.Series
    within_business_hours: float
    as_of: pd.Timestamp
    level: float
    calendar: BusinessCalendar

    @property
    def share_within(self) -> float:
        """Share of decided leads touched within the window, all periods together."""
        return float(self.overall["share_within"])

    def to_frame(self) -> pd.DataFrame:
        """The per-period summary."""
        return self.summary

    def breaches(
        self, limit_hours: float = 24.0, *, clock: Literal["business", "calendar"] = "calendar"
    ) -> pd.DataFrame:
        """Leads not touched within ``limit_hours`` (touched late, or still untouched past it).

        ``clock="calendar"`` counts wall-clock hours (HubSpot's "not called within 24 h",
        PRODUCT.md §6); ``"business"`` counts business hours. Worst first.
        """
        limit = check_positive("limit_hours", limit_hours)
        check_option("clock", clock, ("business", "calendar"))
        leads = self.per_lead
        if clock == "business":
            elapsed = leads["response_business_hours"]
        else:
            end = leads["first_touch_at"].fillna(self.as_of)
            elapsed = (end - leads["start_at"]) / pd.Timedelta(hours=1)
        out = leads.assign(elapsed_hours=elapsed)[elapsed > limit]
        return out.sort_values("elapsed_hours", ascending=False).reset_index(drop=True)


def response_compliance(
    leads: Any,
    *,
    within_business_hours: float = 1.0,
    stage: str = "mql",
    calendar: Any = None,
    as_of: Any = None,
    by: str | Sequence[str] | None = None,
    period: Literal["M", "Q", "W"] = "M",
    level: float = 0.9,
) -> ResponseCompliance:
    """Share of leads first touched within ``within_business_hours`` of entering ``stage``.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        Canonical columns ``<stage>_at`` and ``first_touch_at`` (plus ``lead_id``, ``segment``,
        ``owner`` when present).
    within_business_hours : float, default 1
        The SLA window.
    stage : str, default ``"mql"``
        Whose clock: it starts at ``<stage>_at``.
    calendar : BusinessCalendar, business_hours mapping or SLA, optional
        Default Monday-Friday 09:00-17:00.
    as_of : date, optional
        "Today"; default the latest timestamp among the two columns. Touches after it are
        ignored; untouched leads have an open clock up to it.
    by : "segment", "owner", a list of them, or None
    period : "M", "Q" or "W"
        Periods by the month (quarter, week) the lead entered the stage.
    level : float, default 0.9
        Credibility of the Beta interval.

    Returns
    -------
    ResponseCompliance
        Per-lead response times, the summary per period (and group) and the overall figures.

    Examples
    --------
    >>> frame = pd.DataFrame({"mql_at": pd.to_datetime(["2026-11-02 10:00", "2026-11-02 11:00"]),
    ...     "first_touch_at": pd.to_datetime(["2026-11-02 10:30", pd.NaT])})
    >>> result = response_compliance(frame, as_of="2026-11-03 09:00")
    >>> result.per_lead["status"].tolist(), result.share_within
    (['within', 'open_breach'], 0.5)
    """
    window = check_positive("within_business_hours", within_business_hours)
    check_option("period", period, ("M", "Q", "W"))
    level = check_probability("level", level)
    frame = _lead_frame(leads, stage)
    cal = _calendar(calendar)
    stamp = (
        pd.Timestamp(as_of)
        if as_of is not None
        else pd.concat([frame[f"{stage}_at"], frame["first_touch_at"]]).max()
    )
    per_lead = _per_lead(frame, stage, cal, stamp, window)
    per_lead.insert(3, "period", per_lead["start_at"].dt.to_period(period))
    groups = ["period", *([by] if isinstance(by, str) else list(by or []))]
    for name in groups[1:]:
        check_option("by", name, ("segment", "owner"))
    summary = (
        per_lead.groupby(groups, observed=True)[list(per_lead.columns)]
        .apply(_summarise, level=level)
        .astype({"leads": int, "within": int, "late": int, "open_breach": int, "pending": int})
    )
    return ResponseCompliance(
        per_lead=per_lead,
        summary=summary,
        overall=_summarise(per_lead, level),
        within_business_hours=window,
        as_of=stamp,
        level=level,
        calendar=cal,
    )
