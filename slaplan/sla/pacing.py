"""Pacing of an open SLA period: what a count nowcast reports, beside the naive projection.

The nowcast itself is the one estimate's outlook of the open period
(:meth:`slaplan.FunnelEstimate.outlook`: the count so far, the leads in the pipeline that will
convert before the period ends, the arrivals still to come, with the rates' and volumes'
uncertainty). This module owns what tracking shows of it (:class:`PacingNowcast`) and the naive
*linear pro-rating* (``observed / elapsed share``) it is compared with: pro-rating ignores the
pipeline and the lags, so in a month short of source leads it keeps projecting the conversions
that last month's leads are still producing. ``tests/sla/test_pacing.py`` measures both on
simulated months with known truth.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PacingNowcast", "pro_rated_projection"]


@dataclass(frozen=True, kw_only=True)
class PacingNowcast:
    """The predictive distribution of a period's final count, given the period so far."""

    probability: float  # P(final >= target)
    expected: float  # E[final]
    observed: int
    pending_expected: float  # expected conversions of the leads already in the pipeline
    future_expected: float  # expected conversions of the arrivals still to come
    pro_rated: float  # naive linear projection: observed / elapsed share
    pro_rated_on_track: bool  # whether the naive projection reaches the target


def pro_rated_projection(observed: int, elapsed_share: float) -> float:
    """The naive linear projection ``observed / elapsed_share``.

    >>> pro_rated_projection(20, 0.5)
    40.0
    """
    return observed / elapsed_share if elapsed_share > 0 else float(observed)
