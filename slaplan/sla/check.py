"""The attainability check of an SLA before anyone signs: :func:`check_sla`.

For each commitment, what the one estimate of the funnel (:mod:`slaplan.estimate`) says about
the next full SLA period after ``as_of``:

* **count** of a stage and **worked** leads — :meth:`FunnelEstimate.outlook`: the leads already in
  the pipeline that will convert in the period plus the arrivals still to come (their volume
  forecast, the current regime's rate with its month-to-month spread, the lags), capped by the
  team's capacity when a roster is given; P(count >= target), the largest target met with the
  SLA's confidence and the upstream volume needed;
* **rate** — :meth:`FunnelEstimate.share_outlook`: the share of the period's cohort converting
  within the commitment's window (the data's own window, stated, when the SLA gives none);
* **response_time** — the share touched within the limit: Beta spread of the settled months
  (:func:`slaplan.sla.shares.settled_share_prior`) and the period's volume from the estimate.

Not enough data is an answer: such a row says ``insufficient data`` with the reason, and its
numbers are NaN. The SMART notes come from :mod:`slaplan.sla.smart`;
:func:`slaplan.sla.consistency.check_consistency` asks whether each sales count promise is
attainable when marketing delivers exactly its own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from slaplan.estimate.funnel_estimate import (
    FIRST_TOUCH,
    FunnelEstimate,
    Insufficient,
    side_by_side,
)
from slaplan.plan.attainability import verdict_for
from slaplan.sla import smart
from slaplan.sla._data import censored_frame, segment_frame
from slaplan.sla._inputs import SlaEstimates, check_period
from slaplan.sla.capacity import monthly_capacity
from slaplan.sla.shares import MIN_SETTLED_MONTHS, settled_share_prior
from slaplan.sla.spec import SLA, Commitment

__all__ = [
    "INSUFFICIENT",
    "CommitmentCheck",
    "check_commitment",
    "check_sla",
    "effective_commitment",
]

INSUFFICIENT = "insufficient data"
_NAN = float("nan")


@dataclass(frozen=True, kw_only=True)
class CommitmentCheck:
    """The attainability of one commitment in the next SLA period (NaN numbers: no data)."""

    commitment: Commitment
    period: pd.Period
    probability: float
    expected: float
    max_target: float
    required_volume: float  # mean monthly volume of ``required_stage`` needed (count metrics)
    required_stage: str  # the stage whose volume ``required_volume`` counts
    verdict: str
    current_volume: float = _NAN  # mean monthly volume of ``required_stage`` now expected
    capacity: float = _NAN  # leads sales can work a month, where it caps the count
    assumptions: str
    reason: str = ""  # why the data are insufficient ("" when they suffice)
    notes: tuple[smart.SmartNote, ...] = ()


def check_sla(
    sla: SLA,
    leads: Any,
    *,
    team: Any = None,
    as_of: Any = None,
    period: Any = None,
    seed: int = 0,
    estimates: SlaEstimates | None = None,
) -> pd.DataFrame:
    """Attainability and SMART check of every commitment, one row per commitment.

    Parameters
    ----------
    sla : SLA
        From :func:`slaplan.load_sla`.
    leads : LeadTable or DataFrame
        Loaded leads (canonical columns).
    team : path or DataFrame, optional
        Team roster; caps the leads sales can work per month.
    as_of : date-like, optional
        The "today" of the check; default the table's ``as_of`` (else its latest timestamp).
        A date means the end of that day; later events are treated as not yet happened.
    period : str or pandas.Period, optional
        The SLA period to check (``"2027-01"``; ``"2027Q1"`` for a quarterly SLA): a full period
        after the one holding ``as_of``. Default: the next one.
    seed : int
        Seed of every draw of the estimate (same seed, same numbers).
    estimates : SlaEstimates, optional
        The estimates already made for the same data, ``as_of`` and period (the review and the
        consistency check share them).

    Raises
    ------
    ValueError
        If ``period`` is not a period of the SLA's length after the one holding ``as_of``, or
        differs from the period of ``estimates``.

    Returns
    -------
    DataFrame
        Index ``commitment``; columns ``owner``, ``metric``, ``what``, ``segment``, ``target``,
        ``period``, ``probability`` (P(met)), ``expected``, ``max_target`` (largest target met
        with the SLA's confidence), ``required_volume`` and ``required_stage`` (mean monthly
        volume of that stage needed to meet the target at the confidence), ``current_volume``
        (that stage's monthly volume now expected), ``capacity`` (leads sales can work a month,
        where it caps the count), ``verdict``
        (attainable / stretch / out of reach / insufficient data), ``reason`` (why the data are
        insufficient), one boolean per SMART letter, ``notes`` and ``assumptions`` (what the
        numbers rest on). Numbers are NaN where the verdict is "insufficient data".

    Examples
    --------
    >>> import slaplan as sp
    >>> sla = sp.load_sla(sp.samples_dir() / "sla.yaml")
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> table = sp.check_sla(sla, t)  # doctest: +SKIP
    >>> table.loc["sql_volume", ["probability", "max_target", "verdict"]]  # doctest: +SKIP
    """
    frame, as_of_ts = censored_frame(leads, as_of)
    estimates = sla_estimates(sla, leads, as_of_ts, period, seed, estimates)
    capacity = monthly_capacity(team, estimates.period, as_of=as_of_ts)
    for commitment in sla.commitments:  # each segment's estimate made once, before the
        estimates.segment(commitment.segment)  # threads share it
    # the commitments side by side on two threads: an estimate's pieces are made once, and a
    # commitment waits only for those it rests on
    checks = side_by_side(
        [
            partial(check_commitment, sla, c, frame, estimates=estimates, capacity=capacity)
            for c in sla.commitments
        ]
    )
    table = pd.DataFrame([_row(sla, check) for check in checks]).set_index("commitment")
    table.attrs["as_of"] = as_of_ts
    table.attrs["confidence"] = sla.confidence
    return table


def check_commitment(
    sla: SLA,
    commitment: Commitment,
    frame: pd.DataFrame,
    *,
    estimates: SlaEstimates,
    capacity: float | None = None,
) -> CommitmentCheck:
    """Check one commitment (``frame``: the leads censored at the estimates' ``as_of``)."""
    estimate = estimates.segment(commitment.segment)
    part = segment_frame(frame, commitment.segment)
    if isinstance(estimate, Insufficient):
        check = _insufficient(commitment, estimates.period, estimate.reason)
    elif commitment.is_count:
        check = _count_check(sla, commitment, estimate, estimates.period, capacity)
    elif commitment.metric == "rate":
        check = _rate_check(sla, commitment, estimate, estimates.period)
    else:
        check = _response_check(sla, commitment, estimate, part, estimates.period)
    notes = smart.smart_notes(sla, commitment, part, estimates.as_of)
    attainable = smart.SmartNote(
        criterion="attainable",
        passed=check.verdict == "attainable",
        note=f"insufficient data: {check.reason}"
        if check.verdict == INSUFFICIENT
        else f"P(met) = {check.probability:.0%} against {sla.confidence:.0%} needed",
    )
    return replace(check, notes=(*notes[:2], attainable, *notes[2:]))


def effective_commitment(commitment: Commitment, estimate: FunnelEstimate | Insufficient):
    """The commitment as measured: a rate without a window gets the data's own window."""
    if commitment.metric != "rate" or commitment.window_days or isinstance(estimate, Insufficient):
        return commitment
    transition = estimate.transition(commitment.from_stage, commitment.to_stage)
    if not transition.sufficient:
        return commitment
    window = estimate.default_window(commitment.from_stage, commitment.to_stage)
    return replace(commitment, window_days=int(window))


def sla_estimates(sla, leads, as_of, period, seed, estimates) -> SlaEstimates:
    """``estimates`` for the checked period (validated against ``period``), or new ones."""
    target = check_period(period, as_of=as_of, period_months=sla.period_months)
    if estimates is None:
        return SlaEstimates(sla, leads, as_of=as_of, period=target, seed=seed)
    if period is not None and target != estimates.period:
        raise ValueError(
            f"period {target} differs from the period of estimates, {estimates.period}"
        )
    return estimates


def _insufficient(commitment: Commitment, period: pd.Period, reason: str) -> CommitmentCheck:
    return CommitmentCheck(
        commitment=commitment,
        period=period,
        probability=_NAN,
        expected=_NAN,
        max_target=_NAN,
        required_volume=_NAN,
        required_stage="",
        verdict=INSUFFICIENT,
        assumptions="",
        reason=reason,
    )


def _count_check(sla, commitment, estimate: FunnelEstimate, period, capacity) -> CommitmentCheck:
    if commitment.metric == "worked":
        stage, source = FIRST_TOUCH, commitment.stage
    else:
        stage, source = commitment.stage, estimate.source_of(commitment.stage)
    cap = capacity if commitment.owner == "sales" and source == _worked_stage(sla) else None
    outlook = estimate.outlook(stage, period, source=source, capacity_per_month=cap)
    if isinstance(outlook, Insufficient):
        return _insufficient(commitment, period, outlook.reason)
    probability = outlook.probability(commitment.target)
    return CommitmentCheck(
        commitment=commitment,
        period=period,
        probability=probability,
        expected=outlook.expected,
        max_target=float(outlook.max_target(sla.confidence)),
        required_volume=float(outlook.required_volume(commitment.target, sla.confidence)),
        required_stage=source,
        verdict=verdict_for(probability, sla.confidence),
        current_volume=outlook.source_volume,
        capacity=_NAN if cap is None else float(cap),
        assumptions=count_assumptions(estimate, stage, source, outlook, cap),
    )


def _worked_stage(sla: SLA) -> str:
    """The stage sales works (its capacity caps): the stage before the first sales count."""
    names = sla.stage_names
    return names[1] if len(names) > 1 else names[0]


def count_assumptions(estimate, stage, source, outlook, cap) -> str:
    """What a count's probability rests on, in words."""
    volume = estimate.volume(source)
    parts = [volume.describe()]
    if stage != source:
        parts.append(estimate.transition(source, stage).describe())
        parts.append(
            f"expected {outlook.pending_expected:,.0f} from leads already in the pipeline and "
            f"{outlook.future_expected:,.0f} from {source} arrivals to come"
        )
    if cap is not None:
        parts.append(f"capacity {cap:,.0f} {source} leads a month")
    return "; ".join(parts)


def _rate_check(sla, commitment, estimate: FunnelEstimate, period) -> CommitmentCheck:
    measured = effective_commitment(commitment, estimate)
    if not measured.window_days:
        reason = estimate.transition(commitment.from_stage, commitment.to_stage).reason
        return _insufficient(commitment, period, reason or "no conversions to learn a window")
    outlook = estimate.share_outlook(
        commitment.from_stage, commitment.to_stage, period, window_days=measured.window_days
    )
    if isinstance(outlook, Insufficient):
        return _insufficient(commitment, period, outlook.reason)
    probability = outlook.probability(commitment.target)
    transition = estimate.transition(
        commitment.from_stage, commitment.to_stage, window_days=measured.window_days
    )
    window = "" if commitment.window_days else " (the data's own window: 90% of conversions)"
    return CommitmentCheck(
        commitment=commitment,
        period=period,
        probability=probability,
        expected=outlook.expected,
        max_target=outlook.max_target(sla.confidence),
        required_volume=_NAN,
        required_stage="",
        verdict=verdict_for(probability, sla.confidence),
        assumptions=f"{transition.describe()}{window}; "
        f"{estimate.volume(commitment.from_stage).describe()}",
    )


def _response_check(sla, commitment, estimate: FunnelEstimate, frame, period) -> CommitmentCheck:
    this_month = pd.Period(estimate.as_of, freq="M")
    (a, b), settled = settled_share_prior(commitment, frame, this_month, estimate.as_of, sla.hours)
    if settled < MIN_SETTLED_MONTHS:
        reason = (
            f"only {settled} settled month{'s' if settled != 1 else ''} of {commitment.stage} "
            f"response times; at least {MIN_SETTLED_MONTHS} are needed"
        )
        return _insufficient(commitment, period, reason)
    volume = estimate.volume(commitment.stage)
    if not volume.sufficient:
        return _insufficient(commitment, period, volume.reason)
    n = max(round(volume.volume_model(period).mean), 1)
    successes = np.arange(n + 1)
    # P(X >= k), X ~ BetaBinomial(n, a, b): the share next period is X / n
    tail = _betabinom_sf(successes - 1, n, a, b)
    probability = float(tail[int(np.ceil(commitment.target * n - 1e-9))])
    safe = successes[tail >= sla.confidence]
    return CommitmentCheck(
        commitment=commitment,
        period=period,
        probability=probability,
        expected=a / (a + b),
        max_target=float(safe.max() / n) if safe.size else 0.0,
        required_volume=_NAN,
        required_stage="",
        verdict=verdict_for(probability, sla.confidence),
        assumptions=f"monthly share {a / (a + b):.0%} ±{np.sqrt(a * b / (a + b + 1)) / (a + b):.0%}"
        f" from {settled} settled months; about {n:,} {commitment.stage} leads",
    )


def _betabinom_sf(k: np.ndarray, n: int, a: float, b: float) -> np.ndarray:
    """``P(X > k)`` of a beta-binomial by its pmf in log space (``scipy.special`` only)."""
    x = np.arange(n + 1)
    log_pmf = (
        special.gammaln(n + 1)
        - special.gammaln(x + 1)
        - special.gammaln(n - x + 1)
        + special.betaln(x + a, n - x + b)
        - special.betaln(a, b)
    )
    pmf = np.exp(log_pmf - special.logsumexp(log_pmf))
    survival = np.concatenate([np.cumsum(pmf[::-1])[::-1], [0.0]])  # P(X >= x), x = 0..n+1
    return survival[np.clip(np.asarray(k) + 1, 0, n + 1)]


def _row(sla: SLA, check: CommitmentCheck) -> dict[str, Any]:
    c = check.commitment
    row = {
        "commitment": c.id,
        "owner": c.owner,
        "metric": c.metric,
        "what": c.label,
        "segment": c.segment or "all",
        "target": c.target,
        "period": check.period,
        "probability": check.probability,
        "expected": check.expected,
        "max_target": check.max_target,
        "required_volume": check.required_volume,
        "required_stage": check.required_stage,
        "current_volume": check.current_volume,
        "capacity": check.capacity,
        "verdict": check.verdict,
        "reason": check.reason,
    }
    row |= {note.criterion: note.passed for note in check.notes}
    row["notes"] = "; ".join(f"{n.criterion}: {n.note}" for n in check.notes)
    row["assumptions"] = check.assumptions
    return row
