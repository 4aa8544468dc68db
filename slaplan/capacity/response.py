"""Response-time SLA model: the share of leads touched within T business hours.

This module owns the *business-hours queue*. Leads arrive around the clock (a rate per hour of
the week, measured from the data); reps work them only in opening hours. On the business clock
(:class:`~slaplan.capacity.calendar.BusinessCalendar`) the night and the weekend vanish, so the
queue is an M/M/c queue that runs continuously, except that every opening adds a **batch**: the
leads that arrived while closed, all with business-clock arrival time "opening". That backlog is
what steady-state Erlang C misses: a "within 1 business hour" SLA looks safe at the average load
while Monday's weekend pile takes hours to clear.

The model computes the exact transient distribution of the number of leads in the system on the
business clock (uniformisation of the birth-death chain in steps of ``step_minutes``, Poisson
batches at openings) and repeats the week until it is periodic. A lead that finds ``j`` leads in
the system waits for ``j - c + 1`` departures at rate ``c μ`` when ``j >= c`` (first come, first
served, exponential touch times), so ``P(wait <= T | j) = P(Gamma(j - c + 1, c μ) <= T)``
(:func:`scipy.special.gammainc`). A lead arriving while closed finds the carry-over plus the
batch-mates who arrived before it (Poisson). Holidays are ignored (a weekly template), reps on
shift are the same in every open hour, and touch times are exponential (as in Erlang C).

Validated against the discrete-event simulation in :mod:`slaplan.capacity.des` on a grid of 10
cases (1-6 reps, 6-20 minute touches, 0-50% of leads out of hours, windows of 15 minutes to
2 hours, two calendars, flat and peaked arrivals): the largest gap is 1.0 point and every gap is
within 2 simulation standard errors (``tests/capacity/test_response.py`` states the tolerance:
1.5 points or 4 standard errors).

Why plain Erlang C overstates a business-hours SLA (PRODUCT.md §4): 200 leads a week, 25% of
them outside Monday-Friday 9-17, 2 reps, 10-minute touches, window 1 business hour. Erlang C
with the weekly leads spread over the 40 open hours (occupancy 42%) says 99.98% are touched in
time; this model says 90.75% and a 300-week simulation gives 90.8%: a 9-point overstatement,
all of it the opening backlog (leads that arrived while closed: 75.8% in time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from slaplan._checks import check_count, check_positive, check_probability
from slaplan.capacity._backlog import HOURS_PER_WEEK, MINUTES_PER_WEEK, steady_week
from slaplan.capacity.calendar import BusinessCalendar
from slaplan.capacity.erlang import erlang_c_service_level

__all__ = [
    "HOURS_PER_WEEK",
    "ResponseTimeResult",
    "arrival_profile",
    "arrivals_by_hour_of_week",
    "required_reps_for_response",
    "response_time_share",
    "weekly_open_minutes",
]


# ---- the weekly template --------------------------------------------------------------------
def weekly_open_minutes(calendar: BusinessCalendar) -> np.ndarray:
    """Boolean array of the 10,080 minutes of a week (Monday 00:00 first): open or not."""
    start = int(calendar.start[:2]) * 60 + int(calendar.start[3:])
    end = int(calendar.end[:2]) * 60 + int(calendar.end[3:])
    minute_of_day = np.arange(MINUTES_PER_WEEK) % 1440
    weekday = np.arange(MINUTES_PER_WEEK) // 1440
    workday = np.isin(weekday, [_WEEKDAY_INDEX[d] for d in calendar.days])
    return workday & (minute_of_day >= start) & (minute_of_day < end)


_WEEKDAY_INDEX = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def _check_rates(rates_per_hour_of_week: Any) -> np.ndarray:
    rates = np.asarray(rates_per_hour_of_week, dtype=float)
    if rates.shape != (HOURS_PER_WEEK,):
        raise ValueError(
            f"arrivals_per_hour_of_week must have 168 values (Monday 00-01 first), "
            f"got shape {rates.shape}"
        )
    if not np.all(np.isfinite(rates)) or np.any(rates < 0) or rates.sum() <= 0:
        raise ValueError("arrivals_per_hour_of_week must be finite, >= 0 and not all zero")
    return rates


def arrival_profile(
    leads_per_week: float,
    *,
    out_of_hours_share: float,
    calendar: BusinessCalendar | None = None,
) -> np.ndarray:
    """A flat arrival profile: ``leads_per_week`` split open/closed, uniform within each.

    Returns the arrivals per hour for each of the 168 hours of the week (Monday 00-01 first);
    an hour partly open gets the minute-weighted mix.

    Parameters
    ----------
    leads_per_week : float
        Leads arriving per week (> 0).
    out_of_hours_share : float
        Share of them arriving while closed, in [0, 1).
    calendar : BusinessCalendar, optional
        Opening hours; default Monday to Friday 09:00-17:00.

    Examples
    --------
    >>> rates = arrival_profile(200, out_of_hours_share=0.25)
    >>> float(round(rates.sum(), 6))
    200.0
    """
    per_week = check_positive("leads_per_week", leads_per_week)
    share = check_probability("out_of_hours_share", out_of_hours_share, open_low=False)
    open_minutes = weekly_open_minutes(calendar or BusinessCalendar())
    n_open = open_minutes.sum()
    if (share == 1 and open_minutes.all()) or (share == 0 and n_open == 0):
        raise ValueError(f"out_of_hours_share={share} impossible for this calendar")
    closed_rate = share * per_week / max(MINUTES_PER_WEEK - n_open, 1)
    per_minute = np.where(open_minutes, (1 - share) * per_week / n_open, closed_rate)
    return per_minute.reshape(HOURS_PER_WEEK, 60).sum(axis=1)


def arrivals_by_hour_of_week(timestamps: Any) -> np.ndarray:
    """Mean arrivals per hour for each hour of the week, measured from arrival timestamps.

    Counts per hour of week divided by the number of calendar weeks (Monday to Sunday) from the
    first timestamp's week to the last one's;
    missing timestamps are ignored. Returns a float array of 168 values, Monday 00-01 first.

    Examples
    --------
    >>> import pandas as pd
    >>> stamps = pd.to_datetime(["2026-11-02 09:15", "2026-11-02 09:40", "2026-11-09 10:05"])
    >>> rates = arrivals_by_hour_of_week(stamps)  # two calendar weeks
    >>> rates.size, float(rates[9]), float(rates[10])  # Monday 09-10, 10-11
    (168, 1.0, 0.5)
    """
    import pandas as pd

    times = pd.DatetimeIndex(pd.to_datetime(pd.Series(timestamps)).dropna())
    if len(times) == 0:
        raise ValueError("timestamps must hold at least one date, got none")
    hour_of_week = times.day_of_week.to_numpy() * 24 + times.hour.to_numpy()
    counts = np.bincount(hour_of_week, minlength=HOURS_PER_WEEK).astype(float)
    monday = (times.normalize() - pd.to_timedelta(times.day_of_week, unit="D")).to_numpy()
    weeks = (monday.max() - monday.min()) / np.timedelta64(7, "D") + 1.0  # calendar weeks
    return counts / weeks


@dataclass(frozen=True, kw_only=True)
class ResponseTimeResult:
    """Share of leads touched within ``within_business_hours`` (see :func:`response_time_share`).

    Attributes
    ----------
    share_within : float
        All leads, the model with the opening backlog.
    share_within_open_hours, share_within_closed_hours : float
        Leads that arrived while open / while closed (``nan`` if none did).
    erlang_c_share : float
        What plain steady-state Erlang C says: all weekly leads spread evenly over open hours.
    out_of_hours_share : float
        Share of leads arriving while closed.
    leads_per_week, occupancy : float
        Weekly arrivals; ``leads × handle time / (reps × open hours)``.
    reps_on_shift, handle_minutes, within_business_hours : float
        The inputs, echoed.
    in_time_by_hour, arrivals_by_hour : ndarray
        Expected leads touched in time and expected arrivals for each hour of the week.

    Examples
    --------
    >>> r = response_time_share(arrival_profile(200, out_of_hours_share=0.25), reps_on_shift=2,
    ...                         handle_minutes=10, within_business_hours=1)
    >>> 0 < r.share_within < r.erlang_c_share <= 1
    True
    """

    share_within: float
    share_within_open_hours: float
    share_within_closed_hours: float
    erlang_c_share: float
    out_of_hours_share: float
    leads_per_week: float
    occupancy: float
    reps_on_shift: int
    handle_minutes: float
    within_business_hours: float
    in_time_by_hour: np.ndarray
    arrivals_by_hour: np.ndarray

    def to_frame(self) -> Any:
        """One row per hour of the week: weekday, hour, arrivals, share touched in time."""
        import pandas as pd

        hours = np.arange(HOURS_PER_WEEK)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = self.in_time_by_hour / self.arrivals_by_hour
        return pd.DataFrame(
            {
                "weekday": np.array(list(_WEEKDAY_INDEX))[hours // 24],
                "hour": hours % 24,
                "arrivals": self.arrivals_by_hour,
                "share_within": share,
            }
        )


def _model_inputs(
    rates: Any, reps: Any, handle: Any, within: Any, calendar: BusinessCalendar | None
) -> tuple[np.ndarray, int, float, float, BusinessCalendar]:
    return (
        _check_rates(rates),
        check_count("reps_on_shift", reps, minimum=1),
        check_positive("handle_minutes", handle),
        check_positive("within_business_hours", within, allow_zero=True),
        calendar if calendar is not None else BusinessCalendar(),
    )


def response_time_share(
    arrivals_per_hour_of_week: Any,
    *,
    reps_on_shift: int,
    handle_minutes: float,
    within_business_hours: float,
    calendar: BusinessCalendar | None = None,
) -> ResponseTimeResult:
    """Share of leads first touched within ``within_business_hours`` of arrival.

    Parameters
    ----------
    arrivals_per_hour_of_week : array of 168 floats
        Mean arrivals in each hour of the week, Monday 00-01 first (see
        :func:`arrivals_by_hour_of_week` to measure it, :func:`arrival_profile` for a flat one).
    reps_on_shift : int
        Reps working the queue during every open hour.
    handle_minutes : float
        Mean touch time per lead in minutes (exponentially distributed in the model).
    within_business_hours : float
        The SLA window T on the business clock, e.g. 1.
    calendar : BusinessCalendar, optional
        Opening hours (holidays ignored); default Monday-Friday 09:00-17:00.

    Returns
    -------
    ResponseTimeResult

    Raises
    ------
    ValueError
        If the weekly arrivals exceed what the reps can touch in the open hours.

    Examples
    --------
    >>> rates = arrival_profile(200, out_of_hours_share=0.25)
    >>> r = response_time_share(rates, reps_on_shift=2, handle_minutes=10, within_business_hours=1)
    >>> r.erlang_c_share > 0.99 > r.share_within
    True
    """
    rates, reps, handle, within, cal = _model_inputs(
        arrivals_per_hour_of_week, reps_on_shift, handle_minutes, within_business_hours, calendar
    )
    open_minutes = weekly_open_minutes(cal)
    open_hours = open_minutes.sum() / 60.0
    mu = 60.0 / handle
    per_week = float(rates.sum())
    load = per_week / open_hours / mu
    if load >= reps:
        raise ValueError(
            f"reps_on_shift must exceed the load: {per_week:.6g} leads/week × {handle:g} min over "
            f"{open_hours:g} open hours = {load:.4g} reps busy all the time, got {reps}"
        )
    touched = steady_week(rates, open_minutes, (reps, mu, within))
    arrivals = np.repeat(rates / 60.0, 60).reshape(HOURS_PER_WEEK, 60)
    open_by_hour = np.where(open_minutes.reshape(HOURS_PER_WEEK, 60), arrivals, 0.0).sum(axis=1)
    # split the in-time credit of hours that are partly open in proportion (only for the split)
    closed_by_hour = rates - open_by_hour
    open_weight = np.divide(open_by_hour, rates, out=np.zeros_like(rates), where=rates > 0)
    return ResponseTimeResult(
        share_within=float(touched.sum() / per_week),
        share_within_open_hours=_ratio((touched * open_weight).sum(), open_by_hour.sum()),
        share_within_closed_hours=_ratio((touched * (1 - open_weight)).sum(), closed_by_hour.sum()),
        erlang_c_share=float(erlang_c_service_level(load, reps, within * mu)),
        out_of_hours_share=float(closed_by_hour.sum() / per_week),
        leads_per_week=per_week,
        occupancy=load / reps,
        reps_on_shift=reps,
        handle_minutes=handle,
        within_business_hours=within,
        in_time_by_hour=touched,
        arrivals_by_hour=rates.copy(),
    )


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator > 0 else float("nan")


def required_reps_for_response(
    arrivals_per_hour_of_week: Any,
    *,
    handle_minutes: float,
    within_business_hours: float,
    target_share: float,
    calendar: BusinessCalendar | None = None,
    max_reps: int = 500,
) -> ResponseTimeResult:
    """Fewest reps on shift whose modelled share within the window reaches ``target_share``.

    Returns the :class:`ResponseTimeResult` at that staffing (``.reps_on_shift``).

    Parameters
    ----------
    arrivals_per_hour_of_week : array of 168 floats
        Lead arrivals per hour for each hour of the week (Monday 00-01 first).
    handle_minutes : float
        Rep minutes per first touch.
    within_business_hours : float
        The response window in business hours.
    target_share : float
        Share of leads to touch within the window, in (0, 1).
    calendar : BusinessCalendar, optional
        Opening hours; default Monday to Friday 09:00-17:00.
    max_reps : int
        Search limit.

    Examples
    --------
    >>> rates = arrival_profile(200, out_of_hours_share=0.25)
    >>> required_reps_for_response(
    ...     rates, handle_minutes=10, within_business_hours=1, target_share=0.9
    ... ).reps_on_shift
    2
    """
    target = check_probability("target_share", target_share)
    rates = _check_rates(arrivals_per_hour_of_week)
    cal = calendar if calendar is not None else BusinessCalendar()
    handle = check_positive("handle_minutes", handle_minutes)
    load = rates.sum() / (weekly_open_minutes(cal).sum() / 60.0) * handle / 60.0
    for reps in range(int(np.floor(load)) + 1, max_reps + 1):
        result = response_time_share(
            rates,
            reps_on_shift=reps,
            handle_minutes=handle,
            within_business_hours=within_business_hours,
            calendar=cal,
        )
        if result.share_within >= target:
            return result
    raise ValueError(f"target_share={target} not reached with max_reps={max_reps} reps")
