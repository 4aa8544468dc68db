"""Everything an SLA review shows, computed once: :func:`build_review` → :class:`Review`.

The review notebook (``notebooks/05_sla_review.ipynb``) and ``slaplan review`` call this with
the paths of the SLA, the lead export and the roster, and only display the result: the check of
the next period, the tracking of every period with the open period's pacing, the attribution of
each miss, the drift since the last review, the proposed targets and, when asked for, the kit's
track record on the SLA's own history (:func:`slaplan.backtest_sla`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from slaplan._background import BackgroundCall
from slaplan._checks import check_count
from slaplan.estimate.backtest import KitBacktest
from slaplan.funnel.pairs import resolve_as_of
from slaplan.sla._inputs import SlaEstimates, check_period
from slaplan.sla.attribution import attribute_miss
from slaplan.sla.backtest import backtest_sla
from slaplan.sla.check import check_sla
from slaplan.sla.consistency import check_consistency
from slaplan.sla.drift import detect_drift, propose_targets
from slaplan.sla.segment import scope_sla, segment_context
from slaplan.sla.spec import SLA, load_sla
from slaplan.sla.tracking import track_sla

__all__ = ["Review", "build_review"]

_NOT_ASKED = "not computed for this review (track_record_periods=0)"


@dataclass(frozen=True, kw_only=True)
class Review:
    """The tables of one SLA review (see :func:`build_review`).

    In a segment review ``sla`` holds only the segment's own commitments, ``context`` the
    segment's contribution to each all-segment commitment (no verdict) and ``left_out`` the ids
    of other segments' commitments; in a review of all segments ``context`` is None.

    Examples
    --------
    >>> import slaplan as sp
    >>> review = sp.build_review(sp.samples_dir() / "sla.yaml", sp.samples_dir() / "leads.csv",
    ...                          as_of="2026-11-15")  # doctest: +SKIP
    >>> review.summary()[["target", "pacing", "verdict"]]  # doctest: +SKIP
    """

    sla: SLA
    as_of: pd.Timestamp
    segment: str | None
    leads_source: str
    rows_accepted: int
    rows_rejected: int
    checked: pd.DataFrame = field(repr=False)
    consistency: pd.DataFrame = field(repr=False)
    tracked: pd.DataFrame = field(repr=False)
    attribution: pd.DataFrame = field(repr=False)
    drift: pd.DataFrame = field(repr=False)
    proposals: pd.DataFrame = field(repr=False)
    context: pd.DataFrame | None = field(default=None, repr=False)
    left_out: tuple[str, ...] = ()
    estimates: SlaEstimates | None = field(default=None, repr=False)
    # the track record and why there is none ("" when there is one), maybe still being computed
    # beside the rest of the review (see build_review)
    record: BackgroundCall[tuple[KitBacktest | None, str]] = field(
        default=BackgroundCall.ready((None, _NOT_ASKED)), repr=False
    )

    @property
    def track_record(self) -> KitBacktest | None:
        """The kit's track record on the SLA's count commitments, or None (see the note).

        The first read waits for it if it is still being computed.
        """
        return self.record.result()[0]

    @property
    def track_record_note(self) -> str:
        """Why there is no track record (\"\" when there is one)."""
        return self.record.result()[1]

    def assumptions(self) -> pd.DataFrame:
        """What the numbers assume: every volume and rate of the estimate, by segment.

        One row per piece of :class:`slaplan.FunnelEstimate` the review used (its months,
        cohorts, regime, method and status), with the segment it belongs to.
        """
        if self.estimates is None:
            return pd.DataFrame()
        parts = []
        for segment, estimate in self.estimates.estimates().items():
            label = segment or "all"
            if hasattr(estimate, "summary"):
                parts.append(estimate.summary().assign(segment=label))
            else:
                parts.append(pd.DataFrame([{"segment": label, "status": estimate.reason}]))
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def warnings(self) -> tuple[str, ...]:
        """The estimate's warnings (level shifts, rate changes, partial months, no data)."""
        if self.estimates is None:
            return ()
        found = []
        for segment, estimate in self.estimates.estimates().items():
            for text in getattr(estimate, "warnings", ()):
                found.append(text if segment is None else f"{segment}: {text}")
        return tuple(found)

    @property
    def open_period(self) -> pd.Period | None:
        """The period still running at ``as_of`` (None if every tracked period is closed)."""
        status = self.tracked["status"]
        periods = status[status == "open"].index.get_level_values("period")
        return periods[0] if len(periods) else None

    def tracked_rows(self, commitment_id: str) -> pd.DataFrame:
        """The tracked periods of one commitment, by period (none before the SLA's start)."""
        ids = self.tracked.index.get_level_values("commitment")
        return self.tracked[ids == commitment_id].droplevel("commitment")

    @property
    def not_started(self) -> str | None:
        """In words, why no period has closed yet, when the review comes before the SLA's
        start (``None`` once it has started)."""
        start = self.sla.effective_start
        if start is None or self.as_of >= pd.Timestamp(start):
            return None
        return f"none yet: the SLA starts {start:%Y-%m-%d}, after {self.as_of:%Y-%m-%d}"

    def summary(self) -> pd.DataFrame:
        """One row per commitment: target, last closed result, pacing, next period, verdict.

        ``periods_met`` says in words when no period has closed yet (a review before the SLA's
        start), where ``last_closed`` and ``pacing`` are missing.
        """
        rows = []
        for c in self.sla.commitments:
            mine = self.tracked_rows(c.id)
            closed = mine[mine["status"] == "closed"]
            current = mine[mine["status"] == "open"]
            met = f"{int(closed['met'].astype(bool).sum())} of {len(closed)}"
            rows.append({
                "commitment": c.id, "owner": c.owner, "what": c.label,
                "segment": c.segment or "all", "target": c.target,
                "periods_met": met if len(mine) or self.not_started is None else self.not_started,
                "last_closed": closed["actual"].iloc[-1] if len(closed) else float("nan"),
                "pacing": current["pacing_probability"].iloc[0] if len(current) else float("nan"),
                "next_period": float(self.checked.loc[c.id, "probability"]),
                "verdict": self.checked.loc[c.id, "verdict"],
            })  # fmt: skip
        return pd.DataFrame(rows).set_index("commitment")


def build_review(
    sla: SLA | str | Path,
    leads: Any,
    *,
    team: Any = None,
    as_of: Any = None,
    segment: str | None = None,
    mapping: Any = None,
    dayfirst: bool | None = None,
    stages: Any = None,
    seed: int = 0,
    track_record_periods: int = 0,
) -> Review:
    """Compute every table of the review.

    Parameters
    ----------
    sla : SLA or path
        The SLA (or its YAML file).
    leads : path, LeadTable or DataFrame
        The lead export (a path is read with :func:`slaplan.load_leads`, ``mapping``,
        ``dayfirst`` and the funnel of ``stages``, default the SLA's).
    team : path or DataFrame, optional
        Roster for the capacity cap of the check.
    as_of : date-like, optional
        The review's "today"; default the latest timestamp in the data.
    segment : str, optional
        Review one segment: only its leads are used, only the commitments written for it
        (``segment:`` filter) are judged, and each all-segment commitment appears in
        ``context`` as the segment's contribution, without a verdict
        (:mod:`slaplan.sla.segment`). Commitments of other segments are left out (their ids
        in ``left_out``).
    mapping, dayfirst : optional
        How a lead export path is read (see :func:`slaplan.load_leads`).
    stages : list of str, optional
        The funnel's stages to read a path with (default: the SLA's stages).
    seed : int
        Seed of forecasts and Monte Carlo.
    track_record_periods : int
        Closed months of the kit's track record on the SLA's count commitments
        (:func:`slaplan.backtest_sla`, one estimate per month and segment: about half a
        second a month on the samples, so 0, the default, leaves it out; the review notebook
        asks for 6). On Linux it is computed in a forked child process while the rest of the
        review is computed and shown; reading ``Review.track_record`` waits for it. The numbers
        are the same as computed in line (which is what happens where there is no fork).

    Returns
    -------
    Review
        The SLA (scoped to the segment), the check, consistency, tracking, attribution, drift
        and proposal tables, and the track record (or why there is none).

    Raises
    ------
    SpecError
        If ``segment`` is given and no commitment of the SLA is written for it.

    Examples
    --------
    >>> import slaplan as sp
    >>> d = sp.samples_dir()
    >>> r = build_review(d / "sla.yaml", d / "leads.csv", as_of="2026-11-15")  # doctest: +SKIP
    >>> r.summary()  # doctest: +SKIP
    """
    from slaplan.funnel.leads import load_leads
    from slaplan.funnel.stages import Funnel
    from slaplan.funnel.table import LeadTable

    whole = sla if isinstance(sla, SLA) else load_sla(sla)
    sla = whole if segment is None else scope_sla(whole, segment)
    if not isinstance(leads, LeadTable | pd.DataFrame):
        funnel = Funnel(list(stages)) if stages else sla.funnel()
        leads = load_leads(leads, mapping=mapping, funnel=funnel, dayfirst=dayfirst, as_of=as_of)
    source = getattr(leads, "source_name", "<DataFrame>")
    rejected = len(getattr(leads, "rejected", ()))
    every_segment = getattr(leads, "frame", leads)
    frame = every_segment
    if segment is not None:
        frame = frame[frame["segment"] == segment]
    as_of_ts = resolve_as_of(leads, as_of)
    period = check_period(None, as_of=as_of_ts, period_months=sla.period_months)
    # the track record needs nothing from the rest of the review: it runs on a second core
    # while the rest is computed and shown (the notebook reads it last)
    record = (
        BackgroundCall(_track_record, sla, frame, as_of_ts, track_record_periods, seed)
        if check_count("track_record_periods", track_record_periods)
        else BackgroundCall.ready((None, _NOT_ASKED))
    )
    estimates = SlaEstimates(sla, frame, as_of=as_of_ts, period=period, seed=seed)
    checked = check_sla(sla, frame, team=team, as_of=as_of_ts, seed=seed, estimates=estimates)
    tracked = track_sla(sla, frame, as_of=as_of_ts, estimates=estimates)
    return Review(
        sla=sla,
        as_of=as_of_ts,
        segment=segment,
        leads_source=str(source),
        rows_accepted=len(frame),
        rows_rejected=rejected,
        checked=checked,
        consistency=check_consistency(sla, frame, as_of=as_of_ts, seed=seed, estimates=estimates),
        tracked=tracked,
        attribution=attribute_miss(sla, frame, as_of=as_of_ts, tracked=tracked),
        drift=detect_drift(sla, frame, as_of=as_of_ts),
        proposals=propose_targets(sla, checked),
        context=None
        if segment is None
        else segment_context(whole, every_segment, segment, as_of=as_of_ts),
        left_out=tuple(c.id for c in whole.commitments if c.segment not in (None, segment)),
        estimates=estimates,
        record=record,
    )


def _track_record(
    sla: SLA, frame: pd.DataFrame, as_of: pd.Timestamp, periods: int, seed: int
) -> tuple[KitBacktest | None, str]:
    """The backtest of the SLA's count commitments, or None and why there is none."""
    try:
        return backtest_sla(sla, frame, periods=periods, as_of=as_of, seed=seed), ""
    except ValueError as exc:  # a quarterly SLA, or no count commitment to backtest
        return None, f"not computed: {exc}"
