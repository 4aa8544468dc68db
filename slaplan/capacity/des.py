"""Discrete-event simulation of leads waiting for reps on the business-hours clock.

This module owns the *validating simulation* of :mod:`slaplan.capacity.response`. It shares no
code with the model: arrivals are drawn week by week as a Poisson process with a rate per hour
of the week, placed on real timestamps, and moved onto the business clock by
:meth:`BusinessCalendar.business_hours_between` (so a lead arriving Saturday starts its clock at
Monday's opening). ``reps_on_shift`` reps then touch leads first come, first served, with
exponential touch times, and only while open — which on the business clock is simply "always".
The response time of each lead is the business time from arrival to the start of its first
touch. Seeded; a few thousand leads per millisecond-scale loop.
"""

from __future__ import annotations

import dataclasses
import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from slaplan._checks import check_count, check_positive, check_rng
from slaplan.capacity.calendar import BusinessCalendar

__all__ = ["SimulatedResponses", "simulate_response_times"]

_HOURS_PER_WEEK = 168
_FIRST_MONDAY = pd.Timestamp("2001-01-01")  # a Monday; the simulated weeks have no holidays


@dataclass(frozen=True, kw_only=True)
class SimulatedResponses:
    """Simulated leads after the warm-up weeks.

    Attributes
    ----------
    response_business_hours : ndarray
        Business hours from arrival to first touch, per lead.
    arrival_hour_of_week : ndarray of int
        Hour of the week of arrival (0 = Monday 00-01).
    week : ndarray of int
        Week number of arrival (0 = first week after the warm-up).
    arrived_open : ndarray of bool
        Whether the lead arrived during opening hours.
    """

    response_business_hours: np.ndarray
    arrival_hour_of_week: np.ndarray
    week: np.ndarray
    arrived_open: np.ndarray

    def share_within(self, within_business_hours: float, *, mask: Any = None) -> float:
        """Share of (masked) leads touched within the window."""
        response = (
            self.response_business_hours if mask is None else self.response_business_hours[mask]
        )
        return float(np.mean(response <= within_business_hours))

    def standard_error(self, within_business_hours: float) -> float:
        """Standard error of :meth:`share_within` from weekly batch means (weeks are correlated
        within, nearly independent across because the backlog clears)."""
        weeks = int(self.week.max()) + 1
        in_time = np.bincount(
            self.week,
            weights=self.response_business_hours <= within_business_hours,
            minlength=weeks,
        )
        leads = np.bincount(self.week, minlength=weeks)
        ratio = in_time.sum() / leads.sum()
        residual = in_time - ratio * leads
        return float(np.sqrt(np.sum(residual**2) / (weeks * (weeks - 1))) / leads.mean())


def _arrival_hours(rates: np.ndarray, weeks: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted arrival instants in hours since the first Monday 00:00 (Poisson per hour)."""
    counts = rng.poisson(np.tile(rates, weeks))
    hour_index = np.repeat(np.arange(weeks * _HOURS_PER_WEEK), counts)
    return np.sort(hour_index + rng.random(hour_index.size))


def _fcfs_starts(arrivals: np.ndarray, touch_hours: np.ndarray, reps: int) -> np.ndarray:
    """Start of service of each lead with ``reps`` servers, first come first served."""
    free_at = [0.0] * reps
    starts = np.empty_like(arrivals)
    for i, (arrival, touch) in enumerate(zip(arrivals.tolist(), touch_hours.tolist(), strict=True)):
        start = max(arrival, free_at[0])
        heapq.heapreplace(free_at, start + touch)
        starts[i] = start
    return starts


def simulate_response_times(
    arrivals_per_hour_of_week: Any,
    *,
    reps_on_shift: int,
    handle_minutes: float,
    calendar: BusinessCalendar | None = None,
    weeks: int = 100,
    warmup_weeks: int = 2,
    seed: Any = None,
) -> SimulatedResponses:
    """Simulate ``weeks`` weeks of leads and their business-hours response times.

    Parameters
    ----------
    arrivals_per_hour_of_week : array of 168 floats
        Mean arrivals per hour for each hour of the week (Monday 00-01 first).
    reps_on_shift : int
        Reps touching leads during opening hours.
    handle_minutes : float
        Mean (exponential) touch time per lead.
    calendar : BusinessCalendar, optional
        Opening hours; its holidays are dropped (the model is a weekly template).
    weeks, warmup_weeks : int
        Weeks kept, and weeks simulated first and discarded (start from an empty queue).
    seed : None, int or numpy Generator

    Returns
    -------
    SimulatedResponses
        Arrival times, response times in business hours and whether each arrived while open.

    Examples
    --------
    >>> from slaplan.capacity.response import arrival_profile
    >>> sim = simulate_response_times(
    ...     arrival_profile(200, out_of_hours_share=0.25), reps_on_shift=2, handle_minutes=10,
    ...     weeks=20, seed=1)
    >>> 0.8 < sim.share_within(1.0) < 1.0
    True
    """
    rates = np.asarray(arrivals_per_hour_of_week, dtype=float)
    if rates.shape != (_HOURS_PER_WEEK,) or not np.all(np.isfinite(rates) & (rates >= 0)):
        raise ValueError("arrivals_per_hour_of_week must be 168 finite values >= 0")
    reps = check_count("reps_on_shift", reps_on_shift, minimum=1)
    handle = check_positive("handle_minutes", handle_minutes)
    kept = check_count("weeks", weeks, minimum=2)
    warmup = check_count("warmup_weeks", warmup_weeks)
    rng = check_rng(seed)
    cal = dataclasses.replace(calendar or BusinessCalendar(), holidays=())

    hours = _arrival_hours(rates, kept + warmup, rng)
    stamps = _FIRST_MONDAY + pd.to_timedelta(np.round(hours * 3600e9).astype(np.int64), unit="ns")
    clock = np.asarray(cal.business_hours_between(_FIRST_MONDAY, stamps), dtype=float)
    starts = _fcfs_starts(clock, rng.exponential(handle / 60.0, size=len(clock)), reps)
    keep = hours >= warmup * _HOURS_PER_WEEK
    return SimulatedResponses(
        response_business_hours=(starts - clock)[keep],
        arrival_hour_of_week=(np.floor(hours).astype(np.int64) % _HOURS_PER_WEEK)[keep],
        week=(np.floor(hours / _HOURS_PER_WEEK).astype(np.int64) - warmup)[keep],
        arrived_open=np.asarray(cal.is_open(stamps))[keep],
    )
