"""The attainability check of an SLA before anyone signs: :func:`check_sla`.

For each commitment, what the data says about the next full SLA period after ``as_of``:

* **count** of a stage — the stage is fed by the previous funnel stage, whose volume comes from
  :func:`slaplan.forecast_volume` and whose eventual conversion is a Beta posterior from recent
  mature leads; :func:`slaplan.attainability` gives P(count >= target), the largest target
  attainable at the SLA's confidence and the upstream volume needed (with the team's capacity
  cap on the leads sales works, when a roster is given);
* **worked** leads — the stage volume, the share of its leads ever touched, and the capacity cap;
* **rate** and **response_time** shares — next period's cohort share is beta-binomial: the
  cohort size is the forecast volume, the share varies month to month as a Beta fitted to the
  last 12 settled months (:func:`slaplan.funnel.pooling.fit_beta_prior`).

The SMART notes come from :mod:`slaplan.sla.smart`; :func:`check_consistency` asks whether each
sales count promise is attainable when marketing delivers exactly its own promise.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from slaplan.plan.attainability import attainability, verdict_for
from slaplan.plan.rates import ConversionRate
from slaplan.sla import smart
from slaplan.sla._data import (
    FIRST_TOUCH,
    censored_frame,
    segment_frame,
    source_column,
)
from slaplan.sla._inputs import (
    VolumeCache,
    check_period,
    eventual_rate,
)
from slaplan.sla.capacity import period_capacity
from slaplan.sla.shares import settled_share_prior
from slaplan.sla.spec import SLA, Commitment

__all__ = ["CommitmentCheck", "check_commitment", "check_consistency", "check_sla"]

# Monte Carlo draws with a capacity cap: standard error <= 0.5/sqrt(5000) = 0.007, ample for a
# verdict shown to the percent, and four times faster than the engine's default
CAPPED_DRAWS = 5_000


@dataclass(frozen=True, kw_only=True)
class CommitmentCheck:
    """The attainability of one commitment in the next SLA period."""

    commitment: Commitment
    period: pd.Period
    probability: float
    expected: float
    max_target: float
    required_volume: float  # mean upstream volume needed at the confidence (count metrics)
    required_stage: str  # the stage whose volume ``required_volume`` counts
    verdict: str
    assumptions: str
    notes: tuple[smart.SmartNote, ...] = ()


def check_sla(
    sla: SLA,
    leads: Any,
    *,
    team: Any = None,
    as_of: Any = None,
    period: Any = None,
    seed: int = 0,
    volumes: VolumeCache | None = None,
) -> pd.DataFrame:
    """Attainability and SMART check of every commitment, one row per commitment.

    Parameters
    ----------
    sla : SLA
        From :func:`slaplan.load_sla`.
    leads : LeadTable or DataFrame
        Loaded leads (canonical columns).
    team : path or DataFrame, optional
        Team roster; caps the leads sales can work per period.
    as_of : date-like, optional
        The "today" of the check; default the latest timestamp in the data.
    period : str or pandas.Period, optional
        The SLA period to check (``"2027-01"``; ``"2027Q1"`` for a quarterly SLA): a full period
        after the one holding ``as_of``. Default: the next one. Volumes are forecast up to it
        from the data before ``as_of``.
    seed : int
        Seed of the forecast paths and of the Monte Carlo in :func:`slaplan.attainability`.
    volumes : VolumeCache, optional
        Forecasts already made for the same data, ``as_of`` and period (shared with
        :func:`check_consistency`).

    Raises
    ------
    ValueError
        If ``period`` is not a period of the SLA's length after the one holding ``as_of``, or
        differs from the period of ``volumes``.

    Returns
    -------
    DataFrame
        Index ``commitment``; columns ``owner``, ``metric``, ``what``, ``segment``, ``target``,
        ``period``, ``probability`` (P(met)), ``expected``, ``max_target`` (largest target met
        with the SLA's confidence), ``required_volume`` and ``required_stage`` (mean volume of
        that stage needed to meet the target at the confidence), ``verdict`` (attainable /
        stretch / out of reach), one boolean per SMART letter and ``notes``.

    Examples
    --------
    >>> import slaplan as sp
    >>> sla = sp.load_sla(sp.samples_dir() / "sla.yaml")  # doctest: +SKIP
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")  # doctest: +SKIP
    >>> sp.check_sla(sla, t)[["probability", "max_target", "verdict"]]  # doctest: +SKIP
    """
    frame, as_of_ts = censored_frame(leads, as_of)
    volumes = _volumes(sla, as_of_ts, period, seed, volumes)
    capacity = period_capacity(team, volumes.period, as_of=as_of_ts)
    checks = [
        check_commitment(sla, c, frame, as_of=as_of_ts, capacity=capacity, volumes=volumes)
        for c in sla.commitments
    ]
    table = pd.DataFrame([_row(sla, check) for check in checks]).set_index("commitment")
    table.attrs["as_of"] = as_of_ts
    table.attrs["confidence"] = sla.confidence
    return table


def check_commitment(
    sla: SLA,
    commitment: Commitment,
    frame: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    capacity: float | None = None,
    volumes: VolumeCache | None = None,
    seed: int = 0,
) -> CommitmentCheck:
    """Check one commitment on a lead frame already censored at ``as_of``."""
    part = segment_frame(frame, commitment.segment)
    volumes = _volumes(sla, as_of, None, seed, volumes)
    if commitment.is_count:
        check = _count_check(sla, commitment, part, capacity, volumes, seed)
    else:
        check = _share_check(sla, commitment, part, as_of, volumes)
    notes = smart.smart_notes(sla, commitment, part, as_of)
    attainable = smart.SmartNote(
        criterion="attainable",
        passed=check.verdict == "attainable",
        note=f"P(met) = {check.probability:.0%} against {sla.confidence:.0%} needed",
    )
    return _with_notes(check, (*notes[:2], attainable, *notes[2:]))


def _volumes(sla: SLA, as_of: pd.Timestamp, period: Any, seed: int, volumes) -> VolumeCache:
    """The forecasts of the checked period: ``volumes`` if given (same period), else new."""
    if volumes is None:
        target = check_period(period, as_of=as_of, period_months=sla.period_months)
        return VolumeCache(as_of=as_of, period=target, seed=seed)
    if period is not None:
        target = check_period(period, as_of=as_of, period_months=sla.period_months)
        if target != volumes.period:
            raise ValueError(
                f"period {target} differs from the period of volumes, {volumes.period}"
            )
    return volumes


def _with_notes(check: CommitmentCheck, notes) -> CommitmentCheck:
    from dataclasses import replace

    return replace(check, notes=tuple(notes))


def _count_check(sla, commitment, frame, capacity, volumes, seed) -> CommitmentCheck:
    source = source_column(commitment, sla.stage_names)
    target = FIRST_TOUCH if commitment.metric == "worked" else f"{commitment.stage}_at"
    volume = volumes.get(frame, source, commitment.segment)
    as_of = volumes.as_of
    if source == target:
        rate, rate_text = ConversionRate.fixed(1.0), ""
    else:
        rate = eventual_rate(frame, source[:-3], target[:-3], as_of=as_of)
        rate_text = f", {source[:-3]}→{target[:-3]} {rate.mean:.1%} (n={rate.total})"
    cap = _capacity_for(commitment, source, capacity)
    result = attainability(
        int(commitment.target),
        volume=volume.model,
        rates=[rate],
        confidence=sla.confidence,
        seed=seed,
        capacity_per_month=cap,
        n_draws=None if cap is None else CAPPED_DRAWS,
    )
    cap_text = f", capacity {cap:.0f} leads" if cap is not None else ""
    return CommitmentCheck(
        commitment=commitment,
        period=volume.period,
        probability=result.probability,
        expected=result.expected,
        max_target=float(result.max_target),
        required_volume=float(result.required_volume),
        required_stage=source[:-3],
        verdict=result.verdict,
        assumptions=f"{source[:-3]} volume {volume.model.mean:.0f} ({volume.method})"
        f"{rate_text}{cap_text}",
    )


def _capacity_for(commitment: Commitment, source: str, capacity: float | None) -> float | None:
    """Sales' capacity caps the leads it works: the MQLs feeding SQLs, the MQLs worked."""
    if capacity is None or commitment.owner != "sales":
        return None
    return capacity if source == "mql_at" else None


def _share_check(sla, commitment, frame, as_of, volumes) -> CommitmentCheck:
    calendar = sla.hours if commitment.metric == "response_time" else None
    this_month = pd.Period(as_of, freq="M")
    (a, b), settled_months = settled_share_prior(commitment, frame, this_month, as_of, calendar)
    stage = commitment.from_stage if commitment.metric == "rate" else commitment.stage
    volume = volumes.get(frame, f"{stage}_at", commitment.segment)
    n = max(round(volume.model.mean), 1)
    successes = np.arange(n + 1)
    # P(X >= k) for X ~ BetaBinomial(n, a, b): the share next period is X / n
    tail = stats.betabinom.sf(successes - 1, n, a, b)
    needed = int(np.ceil(commitment.target * n - 1e-9))
    probability = float(tail[needed])
    safe = successes[tail >= sla.confidence]
    return CommitmentCheck(
        commitment=commitment,
        period=volume.period,
        probability=probability,
        expected=a / (a + b),
        max_target=float(safe.max() / n) if safe.size else 0.0,
        required_volume=float("nan"),
        required_stage="",
        verdict=verdict_for(probability, sla.confidence),
        assumptions=f"monthly share Beta({a:.1f}, {b:.1f}) from {settled_months} settled months, "
        f"{n} {stage} leads",
    )


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
        "verdict": check.verdict,
    }
    row |= {note.criterion: note.passed for note in check.notes}
    row["notes"] = "; ".join(f"{n.criterion}: {n.note}" for n in check.notes)
    row["assumptions"] = check.assumptions
    return row


def check_consistency(
    sla: SLA,
    leads: Any,
    *,
    as_of: Any = None,
    period: Any = None,
    seed: int = 0,
    volumes: VolumeCache | None = None,
) -> pd.DataFrame:
    """Is each sales count promise attainable if marketing delivers exactly its promise?

    For every pair (marketing count on stage U, sales count on a later stage S, same segment),
    the volume of U is set to marketing's target (same dispersion as forecast) and the chain of
    rates from U to S comes from the data; P(S >= sales target) at the SLA's confidence says
    whether the two halves of the SLA fit together.

    Parameters
    ----------
    sla, leads, as_of, period, seed, volumes
        As in :func:`check_sla`.

    Returns
    -------
    DataFrame
        One row per pair: ``marketing``, ``sales`` (commitment ids), ``marketing_target``,
        ``sales_target``, ``rate`` (data), ``expected``, ``probability``, ``consistent``,
        ``sales_target_supported`` (largest sales target at the confidence).

    Examples
    --------
    >>> import slaplan as sp
    >>> sla = sp.load_sla(sp.samples_dir() / "sla.yaml")  # doctest: +SKIP
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")  # doctest: +SKIP
    >>> check_consistency(sla, t)[["sales", "marketing", "probability"]]  # doctest: +SKIP
    """
    frame, as_of_ts = censored_frame(leads, as_of)
    volumes = _volumes(sla, as_of_ts, period, seed, volumes)
    names = sla.stage_names
    rows = []
    for m in (c for c in sla.commitments if c.owner == "marketing" and c.metric == "count"):
        for s in sla.commitments:
            if s.owner != "sales" or s.metric != "count" or s.segment != m.segment:
                continue
            if names.index(s.stage) <= names.index(m.stage):
                continue
            part = segment_frame(frame, m.segment)
            volume = volumes.get(part, f"{m.stage}_at", m.segment)
            rows.append(_pair(sla, m, s, part, volume, seed))
    columns = ["marketing", "sales", "marketing_target", "sales_target", "rate", "expected",
               "probability", "consistent", "sales_target_supported"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def _pair(sla, marketing, sales, frame, volume, seed) -> dict[str, Any]:
    names = sla.stage_names
    chain = names[names.index(marketing.stage) : names.index(sales.stage) + 1]
    as_of = volume.as_of
    rates = [eventual_rate(frame, a, b, as_of=as_of) for a, b in itertools.pairwise(chain)]
    result = attainability(
        int(sales.target),
        volume=volume.model.scaled(marketing.target),
        rates=rates,
        confidence=sla.confidence,
        seed=seed,
    )
    return {
        "marketing": marketing.id,
        "sales": sales.id,
        "marketing_target": marketing.target,
        "sales_target": sales.target,
        "rate": float(np.prod([r.mean for r in rates])),
        "expected": result.expected,
        "probability": result.probability,
        "consistent": result.probability >= sla.confidence,
        "sales_target_supported": result.max_target,
    }
