"""Team capacity: a roster of reps → effective FTE and leads workable per month.

This module owns the *people* side of the SLA's protocol ("work 300 qualified leads a month").
Each rep contributes, day by day, ``on team × ramp(tenure) × survival``; averaged over a month
and scaled by ``hours_per_week / 40`` that is the rep's effective FTE. Leads workable per month
are ``Σ FTE × 40 h × 52/12 × (1 - shrinkage) × leads_per_hour``.

Defaults, with sources (PRODUCT.md §6; Bridge Group SDR/AE metrics surveys via secondary
sources): ramp about **3 months for SDRs** and **5 months for AEs**; SDR tenure about
**14 months**, so an SDR with no end date leaves with monthly probability 1/14 in months after
``as_of`` (attrition is only applied to the future; the past is what the roster says). No tenure
figure is cited for AEs: their default attrition is 0 — pass your own.

The kernels (:func:`~slaplan.capacity.ramp.ramp_factor`,
:func:`~slaplan.capacity.ramp.monthly_effective_fte`) work on numpy arrays in
:mod:`slaplan.capacity.ramp`; :func:`load_roster`, :class:`Roster` and :func:`team_capacity` are
the pandas layer.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from slaplan._checks import check_option, check_positive, check_probability
from slaplan.capacity.ramp import RampShape, monthly_effective_fte, ramp_factor
from slaplan.capacity.roster import (
    DEFAULT_RAMP_MONTHS,
    STANDARD_HOURS_PER_WEEK,
    Roster,
    load_roster,
)
from slaplan.capacity.workload import workload_by_owner  # re-exported: its old home

__all__ = [
    "DEFAULT_MONTHLY_ATTRITION",
    "DEFAULT_RAMP_MONTHS",
    "HeadcountResult",
    "Roster",
    "TeamAssumptions",
    "TeamCapacity",
    "headcount_needed",
    "leads_workable",
    "load_roster",
    "monthly_effective_fte",
    "ramp_factor",
    "team_capacity",
    "workload_by_owner",
]

#: SDR tenure ≈ 14 months (Bridge Group, PRODUCT.md §6) → 1/14 leave per month; AE: no figure.
DEFAULT_MONTHLY_ATTRITION: Mapping[str, float] = {"SDR": 1 / 14, "AE": 0.0}
WEEKS_PER_MONTH = 52 / 12


# ---- capacity per month --------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class TeamAssumptions:
    """How a roster turns into capacity (defaults cited in the module docstring).

    Attributes
    ----------
    ramp_months : mapping role → months
        Time to full productivity; default SDR 3, AE 5.
    ramp_shape : ``"linear"`` or ``"s_curve"``
    monthly_attrition : mapping role → probability
        Chance per month that a rep without an end date leaves, applied after ``as_of`` only.
    shrinkage : float
        Share of paid hours not spent working leads (meetings, training, leave) in [0, 1).

    Examples
    --------
    >>> TeamAssumptions(shrinkage=0.25).ramp_months["SDR"]
    3.0
    """

    ramp_months: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_RAMP_MONTHS))
    ramp_shape: RampShape = "linear"
    monthly_attrition: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_MONTHLY_ATTRITION)
    )
    shrinkage: float = 0.0

    def __post_init__(self) -> None:
        check_option("ramp_shape", self.ramp_shape, ("linear", "s_curve"))
        check_probability("shrinkage", self.shrinkage, open_low=False)
        for role, months in self.ramp_months.items():
            check_positive(f"ramp_months[{role!r}]", months, allow_zero=True)
        for role, rate in self.monthly_attrition.items():
            check_probability(f"monthly_attrition[{role!r}]", rate, open_low=False)


@dataclass(frozen=True, kw_only=True)
class TeamCapacity:
    """Effective FTE and leads workable per month (see :func:`team_capacity`).

    ``capacity_per_month`` is the array the attainability engine takes.

    Examples
    --------
    >>> from slaplan.samples import samples_dir
    >>> cap = team_capacity(samples_dir() / "team.csv", ["2026-12"])
    >>> len(cap.capacity_per_month)
    1
    """

    months: pd.PeriodIndex
    effective_fte: np.ndarray
    leads_workable: np.ndarray
    headcount: np.ndarray
    by_rep: pd.DataFrame
    role: str | None
    assumptions: TeamAssumptions

    @property
    def capacity_per_month(self) -> np.ndarray:
        """Leads workable per month (float array aligned with ``months``)."""
        return self.leads_workable

    def to_frame(self) -> pd.DataFrame:
        """One row per month: headcount on the team, effective FTE, leads workable."""
        return pd.DataFrame(
            {
                "headcount": self.headcount,
                "effective_fte": self.effective_fte,
                "leads_workable": self.leads_workable,
            },
            index=pd.Index(self.months, name="month"),
        )


def _month_index(months: Any) -> pd.PeriodIndex:
    if isinstance(months, pd.PeriodIndex):
        return months.asfreq("M")
    index = pd.PeriodIndex(pd.Index(months).astype(str), freq="M")
    if len(index) == 0:
        raise ValueError("months must hold at least one month, got none")
    return index


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy(dtype="datetime64[D]").astype(np.int64)


_FAR_FUTURE_DAY = np.iinfo(np.int64).max // 2  # "never": no end date, no attrition start


def _end_days(frame: pd.DataFrame) -> np.ndarray:
    """Last day of each rep as a day number (far future when open-ended)."""
    ends = _days(frame["end_date"].fillna(pd.Timestamp("2200-01-01")))
    return np.where(frame["end_date"].isna(), _FAR_FUTURE_DAY, ends)


def _effective_fte(
    frame: pd.DataFrame, rules: TeamAssumptions, edges: np.ndarray, end_day: np.ndarray, as_of: Any
) -> np.ndarray:
    """(reps, months) effective FTE from the roster rows and the team assumptions."""
    attrition_from = (
        _FAR_FUTURE_DAY if as_of is None else int(_days(pd.Series([pd.Timestamp(as_of)]))[0])
    )
    open_ended = frame["end_date"].isna().to_numpy()
    attrition = frame["role"].map(lambda r: rules.monthly_attrition.get(r, 0.0))
    return monthly_effective_fte(
        start_day=_days(frame["start_date"]),
        end_day=end_day,
        full_time_share=frame["hours_per_week"].to_numpy() / STANDARD_HOURS_PER_WEEK,
        ramp_months=frame["role"].map(lambda r: rules.ramp_months.get(r, 0.0)).to_numpy(float),
        monthly_attrition=np.where(open_ended, attrition, 0.0).astype(float),
        attrition_from_day=attrition_from,
        month_edges=edges,
        shape=rules.ramp_shape,
    )


def team_capacity(
    roster: Any,
    months: Any,
    *,
    role: str | None = "SDR",
    as_of: Any = None,
    assumptions: TeamAssumptions | None = None,
) -> TeamCapacity:
    """Effective FTE and leads workable per month for the reps of ``role``.

    Parameters
    ----------
    roster : Roster, path or DataFrame
        See :func:`load_roster`.
    months : PeriodIndex or sequence of month labels (``"2026-01"``)
    role : str or None, default ``"SDR"``
        Whose capacity: SDRs work the MQLs; ``None`` sums every role.
    as_of : date, optional
        "Today": attrition applies to days after it (no attrition when omitted).
    assumptions : TeamAssumptions, optional

    Returns
    -------
    TeamCapacity
        Headcount, effective FTE and leads workable per month (``to_frame()``), per rep in
        ``by_rep``.

    Examples
    --------
    >>> from slaplan.samples import samples_dir
    >>> months = pd.period_range("2026-01", "2026-03", freq="M")
    >>> cap = team_capacity(samples_dir() / "team.csv", months)
    >>> cap.to_frame().columns.tolist()
    ['headcount', 'effective_fte', 'leads_workable']
    """
    team = load_roster(roster)
    rules = assumptions or TeamAssumptions()
    index = _month_index(months)
    frame = team.frame if role is None else team.frame[team.frame["role"] == str(role).upper()]
    edges = np.r_[_days(pd.Series(index.start_time)), _days(pd.Series([index[-1].end_time]))[0] + 1]
    end_day = _end_days(frame)
    fte = _effective_fte(frame, rules, edges, end_day, as_of)
    hours = STANDARD_HOURS_PER_WEEK * WEEKS_PER_MONTH * (1.0 - rules.shrinkage)
    leads = fte * hours * frame["leads_per_hour"].to_numpy()[:, None]
    on_team = _days(pd.Series(index.start_time))
    headcount = (
        (_days(frame["start_date"])[:, None] < edges[1:][None, :])
        & (end_day[:, None] >= on_team[None, :])
    ).sum(axis=0)
    by_rep = pd.DataFrame(leads.T, index=pd.Index(index, name="month"), columns=frame["rep"])
    return TeamCapacity(
        months=index,
        effective_fte=fte.sum(axis=0),
        leads_workable=leads.sum(axis=0),
        headcount=headcount,
        by_rep=by_rep,
        role=None if role is None else str(role).upper(),
        assumptions=rules,
    )


def leads_workable(
    roster: Any, *, months: Any, role: str | None = "SDR", **kwargs: Any
) -> np.ndarray:
    """Leads the team can work in each of ``months`` (the attainability engine's capacity).

    A thin door on :func:`team_capacity` (same keyword arguments).

    Parameters
    ----------
    roster : Roster, path or DataFrame
        See :func:`load_roster`.
    months : sequence of month labels or PeriodIndex
        The months.
    role : str or None, default ``"SDR"``
        Whose capacity; ``None`` sums every role.
    **kwargs
        ``as_of`` and ``assumptions`` of :func:`team_capacity`.

    Examples
    --------
    >>> from slaplan.samples import samples_dir
    >>> leads_workable(samples_dir() / "team.csv", months=["2026-12", "2027-01"]).shape
    (2,)
    """
    return team_capacity(roster, months, role=role, **kwargs).leads_workable


# ---- headcount for a volume and a response target ------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class HeadcountResult:
    """Reps needed (fully ramped) for a monthly volume and, optionally, a response target.

    ``for_volume``: reps whose hours cover the volume; ``for_response``: reps to schedule so that
    enough are on shift for the response-time target (``None`` when no target was given);
    ``needed`` is the larger.

    Examples
    --------
    >>> r = headcount_needed(600, leads_per_hour=2.0)
    >>> r.needed == r.for_volume, r.for_response is None
    (True, True)
    """

    needed: int
    for_volume: int
    for_response: int | None
    reps_on_shift: int | None
    leads_per_rep_month: float
    response_share: float | None


def headcount_needed(
    leads_per_month: float,
    *,
    leads_per_hour: float,
    hours_per_week: float = STANDARD_HOURS_PER_WEEK,
    shrinkage: float = 0.0,
    response: Mapping[str, Any] | None = None,
) -> HeadcountResult:
    """Fully ramped reps needed to work ``leads_per_month`` and meet a response target.

    Parameters
    ----------
    leads_per_month : float
        Leads to work each month.
    leads_per_hour, hours_per_week, shrinkage : float
        Per-rep throughput assumptions.
    response : mapping, optional
        Keyword arguments of :func:`~slaplan.capacity.response.required_reps_for_response`
        (``arrivals_per_hour_of_week``, ``handle_minutes``, ``within_business_hours``,
        ``target_share``, ``calendar``). Reps on shift are scaled up by ``1 / (1 - shrinkage)``.

    Returns
    -------
    HeadcountResult
        Reps for the volume, for the response target, and the larger of the two.

    Examples
    --------
    >>> headcount_needed(300, leads_per_hour=0.6).for_volume  # 300 / (40 × 52/12 × 0.6) = 2.9
    3
    """
    volume = check_positive("leads_per_month", leads_per_month)
    rate = check_positive("leads_per_hour", leads_per_hour)
    weekly = check_positive("hours_per_week", hours_per_week)
    shrink = check_probability("shrinkage", shrinkage, open_low=False)
    per_rep = weekly * WEEKS_PER_MONTH * (1.0 - shrink) * rate
    for_volume = math.ceil(volume / per_rep - 1e-9)
    on_shift = for_response = share = None
    if response is not None:
        from slaplan.capacity.response import required_reps_for_response

        result = required_reps_for_response(**response)
        on_shift, share = result.reps_on_shift, result.share_within
        for_response = math.ceil(on_shift / (1.0 - shrink) - 1e-9)
    return HeadcountResult(
        needed=max(for_volume, for_response or 0),
        for_volume=for_volume,
        for_response=for_response,
        reps_on_shift=on_shift,
        leads_per_rep_month=per_rep,
        response_share=share,
    )
