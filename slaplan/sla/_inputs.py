"""The one estimate of the funnel as an SLA sees it: one estimate per segment, one period.

:class:`SlaEstimates` holds, for one lead table and one ``as_of``, the
:class:`~slaplan.estimate.funnel_estimate.FunnelEstimate` of every segment a commitment names
(all leads for commitments without a segment), so that the check, the consistency check, the
pacing of the open period and the review ask the *same* estimate. :func:`check_period` picks
and validates the SLA period a check looks at.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from slaplan.errors import DataError
from slaplan.estimate.funnel_estimate import FunnelEstimate, Insufficient, estimate_funnel
from slaplan.sla.spec import SLA

__all__ = ["SlaEstimates", "check_period"]

_PERIOD_TEXT = {"M": re.compile(r"^\d{4}-(0[1-9]|1[0-2])$"), "Q": re.compile(r"^\d{4}Q[1-4]$")}


def check_period(period: Any, *, as_of: pd.Timestamp, period_months: int) -> pd.Period:
    """The SLA period to check: ``period`` validated, or by default the next one after ``as_of``.

    ``period`` is a :class:`pandas.Period` or a string (``"2027-01"`` for a monthly SLA,
    ``"2027Q1"`` for a quarterly one) of the SLA's own length, and a *full* period still to come:
    later than the period holding ``as_of`` (that one is open: :func:`slaplan.track_sla` paces it).

    >>> as_of = pd.Timestamp("2026-11-15")
    >>> check_period(None, as_of=as_of, period_months=1), check_period("2027Q2", as_of=as_of,
    ...                                                                period_months=3)
    (Period('2026-12', 'M'), Period('2027Q2', 'Q-DEC'))
    """
    quarterly = period_months == 3
    freq, kind = ("Q", "quarter like '2027Q1'") if quarterly else ("M", "month like '2027-01'")
    first = pd.Period(as_of, freq=freq) + 1
    if period is None:
        return first
    parsed = period if isinstance(period, pd.Period) else None
    if isinstance(period, str) and _PERIOD_TEXT[freq].match(period.strip()):
        parsed = pd.Period(period.strip(), freq=freq)  # pandas alone reads "December" as 0001-12
    if parsed is None or parsed.freqstr != first.freqstr:
        raise ValueError(f"period must be a {kind} (the SLA's period), got {period!r}")
    if parsed < first:
        raise ValueError(
            f"period must be a full period after as_of ({as_of:%Y-%m-%d}): {first} or later, "
            f"got {parsed}"
        )
    return parsed


class SlaEstimates:
    """The funnel estimate of each segment an SLA names, for one table, ``as_of`` and period.

    Built once per check or review and passed along (``estimates=``), so every commitment and
    every door reads the same numbers.
    """

    def __init__(
        self, sla: SLA, leads: Any, *, as_of: pd.Timestamp, period: pd.Period, seed: int = 0
    ) -> None:
        self._sla, self._leads = sla, leads
        self.as_of, self.period, self.seed = as_of, period, seed
        self._by_segment: dict[str | None, FunnelEstimate | Insufficient] = {}

    def segment(self, name: str | None) -> FunnelEstimate | Insufficient:
        """The estimate of segment ``name`` (None: all leads); Insufficient if it has no leads."""
        if name not in self._by_segment:
            frame = getattr(self._leads, "frame", self._leads)
            stages = [s for s in self._sla.stage_names if f"{s}_at" in frame.columns]
            try:
                self._by_segment[name] = estimate_funnel(
                    self._leads, stages, segment=name, as_of=self.as_of, seed=self.seed
                )
            except DataError as exc:
                self._by_segment[name] = Insufficient(reason=str(exc))
        return self._by_segment[name]

    def estimates(self) -> dict[str | None, FunnelEstimate | Insufficient]:
        """Every estimate made so far, by segment."""
        return dict(self._by_segment)
