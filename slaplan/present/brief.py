"""The review as a brief: one sentence per commitment, and what would make it attainable.

Owns the *brief* concept of the review's first screen: for each commitment, where the running
period stands (pacing), how likely the next period is and why it differs, and the largest
promise that can be kept at the SLA's confidence — in words a head of sales reads in seconds::

    SQLs: at risk this month (November, P 64%); next month (December) 22% likely: 43 expected
    against a target of 50, fewer than the 46 a month over August–October; the largest promise
    we can keep at 80% is 35.

:func:`commitment_briefs` gathers the facts of a :class:`~slaplan.sla.review.Review` into
frozen :class:`CommitmentBrief` records; :func:`commitment_sentence` and
:func:`attainability_note` turn one record into text and are pure. :func:`numbers_basis` is the
one place that reads *what the numbers assume* (expected value, recent level, upstream volume,
capacity, or why there is no estimate), so a richer estimate object can be plugged in there.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from slaplan.present.formatting import (
    format_count,
    format_percent,
    format_value,
    is_missing,
    period_name,
)
from slaplan.present.names import commitment_title, stage_name

__all__ = [
    "Basis",
    "CommitmentBrief",
    "assumptions_in_words",
    "attainability_note",
    "commitment_briefs",
    "commitment_sentence",
    "numbers_basis",
]

RECENT_PERIODS = 3  # closed periods that make "recent months" in a sentence
NOTABLE_CHANGE = 0.10  # the next period differs from recent ones when it is 10% off
_STRETCH = 0.2  # below this a period is "behind pace" (the review's amber/red line)
_BETA = re.compile(r"Beta\((\d+(?:\.\d+)?), (\d+(?:\.\d+)?)\)")
_SAMPLE = re.compile(r"\(n=(\d+)\)")
_METHOD = re.compile(r"\((nb_glm|seasonal_naive|ets_damped|ets|fit)\)")
_METHOD_WORDS = {
    "nb_glm": "forecast by a count model with trend and month of year",
    "seasonal_naive": "forecast: the same month last year",
    "ets": "forecast by exponential smoothing",
    "ets_damped": "forecast by damped exponential smoothing",
    "fit": "the average of recent months",
}


def assumptions_in_words(text: str) -> str:
    """The check's assumptions with the statistics written in words.

    ``Beta(a, b)`` (the month-to-month spread of a share) becomes its mean and the range of 8
    months in 10, ``(n=14464)`` the number of leads, a forecast method's code name what it does.

    Examples
    --------
    >>> assumptions_in_words("monthly share Beta(5.6, 1.6) from 12 settled months")
    'monthly share about 78% (8 months in 10 between 57% and 94%) from 12 settled months'
    >>> print(assumptions_in_words("mql volume 321 (nb_glm), mql→sql 13.3% (n=4569)"))
    ... # doctest: +NORMALIZE_WHITESPACE
    mql volume 321 (forecast by a count model with trend and month of year),
    mql→sql 13.3% (from 4,569 leads)
    """
    from scipy import special

    def beta(match: re.Match[str]) -> str:
        a, b = float(match.group(1)), float(match.group(2))
        low, high = special.betaincinv(a, b, [0.1, 0.9])
        return (
            f"about {format_percent(a / (a + b))} (8 months in 10 between "
            f"{format_percent(low)} and {format_percent(high)})"
        )

    text = _BETA.sub(beta, text)
    text = _SAMPLE.sub(lambda m: f"(from {int(m.group(1)):,} leads)", text)
    return _METHOD.sub(lambda m: f"({_METHOD_WORDS[m.group(1)]})", text)


@dataclass(frozen=True, kw_only=True)
class Basis:
    """What the next period's numbers of one commitment assume.

    Attributes
    ----------
    text : str
        The assumptions in words, as the estimate states them (any length).
    expected : float
        Expected value in the next period (a count or a share; NaN if none).
    recent : float
        Mean actual value of the last closed periods (NaN if none closed).
    recent_periods : tuple of pandas.Period
        The periods behind ``recent``.
    upstream_stage : str or None
        The stage whose volume feeds a count (``"mql"`` for SQLs), if stated.
    upstream_expected : float
        That stage's expected volume in the next period (NaN if not stated).
    capacity : float
        Leads the team can work in the period (NaN without a roster).
    reason : str or None
        Why there is no estimate (with an "insufficient data" verdict).
    why : str
        Why the next period differs from the recent ones, from the estimate's volume of the
        feeding stage ("" when nothing notable): e.g. "321 MQLs expected in December against
        456 a month over August–October, the season's low".
    """

    text: str
    expected: float
    recent: float
    recent_periods: tuple[Any, ...] = ()
    upstream_stage: str | None = None
    upstream_expected: float = math.nan
    capacity: float = math.nan
    reason: str | None = None
    why: str = ""


def numbers_basis(review: Any, commitment_id: str) -> Basis:
    """What the review's numbers for ``commitment_id`` assume (the estimate's one seam).

    Reads the check row (expected value, the feeding stage's volume, the capacity, assumptions
    and a ``reason`` where the verdict is "insufficient data"), the tracked closed periods, and
    the one estimate of the funnel the review was made with (``review.estimates``) for why the
    next period differs from the recent ones.
    """
    row = review.checked.loc[commitment_id]
    mine = review.tracked_rows(commitment_id)  # none before the SLA's start
    closed = mine[mine["status"] == "closed"].tail(RECENT_PERIODS)
    text = "" if is_missing(row.get("assumptions")) else str(row["assumptions"])
    reason = row.get("reason")
    if (is_missing(reason) or reason == "") and row.get("verdict") == "insufficient data":
        reason = text or "no estimate of the next period"
    stage = row.get("required_stage")
    stage = None if is_missing(stage) or stage == "" else str(stage)
    return Basis(
        text=text,
        expected=float(row.get("expected", math.nan)),
        recent=float(closed["actual"].mean()) if len(closed) else math.nan,
        recent_periods=tuple(closed.index),
        upstream_stage=stage,
        upstream_expected=float(row.get("current_volume", math.nan)),
        capacity=float(row.get("capacity", math.nan)),
        reason=None if is_missing(reason) or reason == "" else str(reason),
        why=_volume_reason(review, commitment_id, stage, row.get("period")),
    )


def _volume_reason(review: Any, commitment_id: str, stage: str | None, period: Any) -> str:
    """The feeding stage's expected volume in ``period`` against its recent months, in words."""
    estimates = getattr(review, "estimates", None)
    if estimates is None or stage is None or is_missing(period):
        return ""
    estimate = estimates.segment(review.sla.commitment(commitment_id).segment)
    if not hasattr(estimate, "volume"):
        return ""
    volume = estimate.volume(stage)
    if not volume.sufficient or len(volume.history) < RECENT_PERIODS:
        return ""
    expected = volume.volume_model(period).mean
    recent = volume.history.iloc[-RECENT_PERIODS:]
    change = expected / recent.mean() - 1 if recent.mean() > 0 else 0.0
    if abs(change) < NOTABLE_CHANGE:
        return ""
    forecast = volume.forecast
    seasonal = "month effects" in forecast.note or "seasonality" in forecast.note
    cause = ""
    if seasonal:
        cause = ", the season's low" if change < 0 else ", the season's high"
    elif forecast.shifts and forecast.shifts[-1].month >= recent.index[0]:
        cause = ", after the level shift"
    span = f"{_short(recent.index[0])}–{_short(recent.index[-1])}"
    return (
        f"{format_count(expected)} {stage_name(stage, plural=True)} expected in "
        f"{_short(period)} against {format_count(recent.mean())} a month over {span}{cause}"
    )


@dataclass(frozen=True, kw_only=True)
class CommitmentBrief:
    """The facts one sentence of the brief is made of (see :func:`commitment_briefs`)."""

    id: str
    title: str
    metric: str
    target: float
    confidence: float
    period_word: str
    open_period: Any
    pacing: float
    so_far: float
    next_period: Any
    probability: float
    verdict: str
    max_target: float
    required_volume: float
    required_stage: str | None
    basis: Basis

    @property
    def is_count(self) -> bool:
        """True for counts (``count``, ``worked``), False for shares."""
        return self.metric not in ("rate", "response_time")


def commitment_briefs(review: Any) -> tuple[CommitmentBrief, ...]:
    """One :class:`CommitmentBrief` per commitment of the review, in the SLA's order."""
    open_period = review.open_period
    word = "quarter" if review.sla.period_months == 3 else "month"
    briefs = []
    for c in review.sla.commitments:
        row = review.checked.loc[c.id]
        mine = review.tracked_rows(c.id)  # none before the SLA's start
        current = mine[mine["status"] == "open"]
        stage = row.get("required_stage")
        briefs.append(
            CommitmentBrief(
                id=c.id,
                title=commitment_title(c),
                metric=c.metric,
                target=float(c.target),
                confidence=float(review.sla.confidence),
                period_word=word,
                open_period=open_period if len(current) else None,
                pacing=_first(current, "pacing_probability"),
                so_far=_first(current, "actual"),
                next_period=row.get("period"),
                probability=float(row["probability"]),
                verdict=str(row["verdict"]),
                max_target=float(row["max_target"]),
                required_volume=float(row["required_volume"]),
                required_stage=None if is_missing(stage) or stage == "" else str(stage),
                basis=numbers_basis(review, c.id),
            )
        )
    return tuple(briefs)


def _first(rows: pd.DataFrame, column: str) -> float:
    return float(rows[column].iloc[0]) if len(rows) else math.nan


def commitment_sentence(brief: CommitmentBrief) -> str:
    """The brief's sentence for one commitment (pacing; next period and why; largest promise).

    Examples
    --------
    >>> import pandas as pd
    >>> b = CommitmentBrief(id="sql", title="SQLs", metric="count", target=50, confidence=0.8,
    ...     period_word="month", open_period=pd.Period("2026-11", "M"), pacing=0.64,
    ...     so_far=20, next_period=pd.Period("2026-12", "M"), probability=0.22,
    ...     verdict="stretch", max_target=35, required_volume=472, required_stage="mql",
    ...     basis=Basis(text="", expected=43, recent=60,
    ...                 recent_periods=tuple(pd.period_range("2026-08", periods=3, freq="M"))))
    >>> print(commitment_sentence(b))  # doctest: +NORMALIZE_WHITESPACE
    SQLs: at risk this month (November, P 64%); next month (December) 22% likely: 43 expected
    against a target of 50, fewer than the 60 a month over August–October; the largest promise
    we can keep at 80% is 35.
    """
    parts = [_pacing_clause(brief), _next_clause(brief)]
    promise = _promise_clause(brief)
    if promise:
        parts.append(promise)
    return f"{brief.title}: " + "; ".join(parts) + "."


def _short(period: Any) -> str:
    """``November`` for a month, ``Q4 2026`` for a quarter."""
    name = period_name(period)
    return name.split(" ")[0] if name[:1] != "Q" else name


def _pacing_clause(brief: CommitmentBrief) -> str:
    this = f"this {brief.period_word}"
    if brief.open_period is None:
        return f"no {brief.period_word} running"
    if is_missing(brief.pacing):
        return f"{this} ({_short(brief.open_period)}) not yet measurable"
    if brief.pacing >= brief.confidence:
        state = "on pace"
    elif brief.pacing < _STRETCH:
        state = "behind pace"
    else:
        state = "at risk"
    return f"{state} {this} ({_short(brief.open_period)}, P {format_percent(brief.pacing)})"


def _next_clause(brief: CommitmentBrief) -> str:
    head = f"next {brief.period_word} ({_short(brief.next_period)})"
    if is_missing(brief.probability) or brief.verdict == "insufficient data":
        return f"{head}: insufficient data — {brief.basis.reason or 'no estimate'}"
    clause = f"{head} {format_percent(brief.probability)} likely"
    basis = brief.basis
    if is_missing(basis.expected) or brief.probability >= brief.confidence:
        return clause
    clause += (
        f": {format_value(basis.expected, brief.metric)} expected against a target of "
        f"{format_value(brief.target, brief.metric)}"
    )
    return clause + _compared_with_recent(brief)


def _compared_with_recent(brief: CommitmentBrief) -> str:
    """``, fewer than the 60 a month over August–October`` when the next period differs."""
    basis = brief.basis
    if is_missing(basis.recent) or not basis.recent_periods or basis.recent == 0:
        return ""
    change = basis.expected / basis.recent - 1 if brief.is_count else basis.expected - basis.recent
    if abs(change) < NOTABLE_CHANGE:
        return ""
    span = _short(basis.recent_periods[0])
    if len(basis.recent_periods) > 1:
        span += f"–{_short(basis.recent_periods[-1])}"
    if brief.is_count:
        word = "fewer" if change < 0 else "more"
        because = f" ({basis.why})" if basis.why else ""
        return (
            f", {word} than the {format_count(basis.recent)} a {brief.period_word} "
            f"over {span}{because}"
        )
    word = "below" if change < 0 else "above"
    return f", {word} the {format_percent(basis.recent, decimals=1)} of {span}"


def _promise_clause(brief: CommitmentBrief) -> str:
    if is_missing(brief.max_target):
        return ""
    level = format_percent(brief.confidence)
    largest = format_value(brief.max_target, brief.metric)
    if brief.max_target >= brief.target:
        target = format_value(brief.target, brief.metric)
        return f"the target of {target} is keepable at {level} (up to {largest})"
    return f"the largest promise we can keep at {level} is {largest}"


def attainability_note(brief: CommitmentBrief) -> str:
    """What would make the commitment attainable, with the numbers (or why it already is).

    Examples
    --------
    >>> b = CommitmentBrief(id="sql", title="SQLs", metric="count", target=50, confidence=0.8,
    ...     period_word="month", open_period=None, pacing=float("nan"), so_far=float("nan"),
    ...     next_period=None, probability=0.22, verdict="stretch", max_target=35,
    ...     required_volume=472, required_stage="mql",
    ...     basis=Basis(text="", expected=43, recent=60, upstream_stage="mql",
    ...                 upstream_expected=321, capacity=438))
    >>> print(attainability_note(b))  # doctest: +NORMALIZE_WHITESPACE
    attainable at 80% with 472 MQLs a month (321 expected) and capacity to work them
    (438 a month now), or with a target of at most 35
    """
    level = format_percent(brief.confidence)
    if brief.verdict == "insufficient data" or is_missing(brief.probability):
        return f"no verdict: {brief.basis.reason or 'insufficient data'}"
    if brief.probability >= brief.confidence:
        return f"attainable as it stands (P {format_percent(brief.probability)} ≥ {level})"
    options = []
    volume = _volume_option(brief)
    if volume:
        options.append(volume)
    if not is_missing(brief.max_target):
        options.append(f"with a target of at most {format_value(brief.max_target, brief.metric)}")
    if not options:
        return f"not attainable at {level} with the data so far"
    return f"attainable at {level} " + ", or ".join(options)


def _volume_option(brief: CommitmentBrief) -> str:
    stage = brief.required_stage
    if not brief.is_count or stage is None or is_missing(brief.required_volume):
        return ""
    stages = stage_name(stage, plural=True)
    per = f"a {brief.period_word}"
    if math.isinf(brief.required_volume):
        return ""  # no volume is enough: the rate or the capacity limits it
    basis = brief.basis
    text = f"with {format_count(brief.required_volume)} {stages} {per}"
    if basis.upstream_stage == stage and not is_missing(basis.upstream_expected):
        text += f" ({format_count(basis.upstream_expected)} expected)"
    if not is_missing(basis.capacity) and brief.required_volume > basis.capacity:
        text += f" and capacity to work them ({format_count(basis.capacity)} {per} now)"
    return text
