"""One transition of the funnel (stage A → stage B) estimated from *all* cohorts, censoring-aware.

This module owns the rate every door of the kit uses: :func:`estimate_transition` →
:class:`Transition`. It replaces "rates from mature cohorts only", which on a funnel whose
conversion had risen read the old cohorts (0.3%) and ignored the young ones that carried the
evidence (14%).

Steps (each one stated in the result):

1. :func:`slaplan.funnel.pairs.pair_arrays` (the arrays of
   :func:`~slaplan.funnel.pairs.stage_pairs`): each lead that entered A by ``as_of``, with
   its age, whether it reached B (within ``window_days``), its lag, and whether it was closed.
2. The lag distribution ``F`` (share of eventual conversions done by a given age) by the
   truncation-corrected Lynden-Bell estimator (:mod:`slaplan.funnel.lags`).
3. Effective trials per cohort (:func:`slaplan.estimate.cohort_rates.effective_trials`): a
   lead converted or closed counts 1, an open lead the part of its chance it has had. Where
   leads are closed as lost (a ``lost_at`` column), the ones still open are richer in future
   converters than their age alone says: with ``H(a)`` the share of non-converters closed by
   age ``a`` (:func:`closing_shares`), an open lead has had ``(F - H) / (1 - H)`` of its chance
   (its likelihood ``p (1 - F) + (1 - p)(1 - H)`` is proportional to ``1 - p (F - H)/(1 - H)``).
4. The Beta-binomial posterior of the cohorts' rate with month-to-month spread, and the last
   change of regime (:func:`slaplan.estimate.cohort_rates.fit_cohort_rates`); steps 2–4 are
   redone once on the current regime (its own lags when it has 30 conversions, its own rate as
   the working rate of the effective trials). The regime found by the first pass stands unless
   the regime's own lags changed the trials (then it is looked for again).

Not enough data is an answer: with no lead in A, fewer than :data:`MIN_CONVERSIONS` conversions
in the cohorts the plan would use, or a history too short for the lags (conversions still
arriving at the longest lag the data can show, :data:`TAIL_COVERAGE`), the transition is
*insufficient* and says why.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, cached_property

import numpy as np
import pandas as pd

from slaplan.estimate.cohort_rates import (
    RatePosterior,
    effective_trials,
    first_look,
    fit_cohort_rates,
)
from slaplan.funnel.lags import LagDistribution, truncated_lag_cdf
from slaplan.funnel.pairs import PairArrays, pair_arrays
from slaplan.plan.rates import ConversionRate

__all__ = [
    "MIN_CONVERSIONS",
    "TAIL_COVERAGE",
    "CohortCounts",
    "OpenLeads",
    "RateChange",
    "Transition",
    "closing_shares",
    "estimate_transition",
]

MIN_CONVERSIONS = 5
"""Conversions needed in the cohorts of the current regime to estimate a rate and its lags."""
TAIL_COVERAGE = 0.9
"""Share of the conversions seen that must fall within half the longest follow-up (see
:func:`_unseen_tail`)."""
DRIFT_SHOWN = 0.05
"""Posterior mean step of the rate's walk (logit, a month) from which the description says so."""
_MOST_CLOSED = 0.95  # H is capped here: an open lead then counts at most 20 times its lag share
_OWN_LAGS = 30  # conversions of the current regime needed to use its own lag distribution
_NS_PER_DAY = 86_400 * 10**9


@dataclass(frozen=True, kw_only=True)
class RateChange:
    """A change of a transition's rate: the first cohort month of the new regime."""

    cohort: pd.Timestamp
    rate_before: float
    rate_after: float
    leads_before: int
    leads_after: int
    probability: float


@dataclass(frozen=True, kw_only=True)
class OpenLeads:
    """Leads in A that may still convert: when they entered and their cohort (for pacing).

    An open lead of cohort rate ``p`` converts between ages ``s`` and ``e`` with probability
    ``p (F(e) - F(s)) / (1 - H) / (1 - p completion)`` (:attr:`completion`, :meth:`scale_of`).
    """

    rows: np.ndarray  # positions of the open leads among the transition's leads, increasing
    entered_all: np.ndarray = field(repr=False)  # int64 ns: every lead of the transition
    cohort: np.ndarray  # index into ``Transition.cohorts``
    completed: np.ndarray  # the lag CDF at each one's age: the share of its chance it has had
    closing: np.ndarray | None = None  # H at each one's age: non-converters closed by then

    @cached_property
    def entered_ns(self) -> np.ndarray:
        """When each open lead entered A (int64 nanoseconds)."""
        return self.entered_all[self.rows]

    def entered_after(self, ns: int) -> np.ndarray:
        """Positions, increasing, of the open leads that entered after ``ns``.

        One pass over every lead's entry and a search among the few recent ones: the open
        leads' own entries are not gathered (on a million leads, most of them are open).
        """
        later = np.flatnonzero(self.entered_all > ns)
        if not later.size or not self.rows.size:
            return np.zeros(0, dtype=np.intp)
        at = np.minimum(np.searchsorted(self.rows, later), self.rows.size - 1)
        return at[self.rows[at] == later]

    @property
    def completion(self) -> np.ndarray:
        """``(F - H) / (1 - H)``: the share of its chance had, given that it is still open."""
        return self.completion_of(slice(None))

    def scale_of(self, leads: np.ndarray | slice) -> np.ndarray:
        """``1 / (1 - H)`` of some of the leads: what a share of the lag CDF is worth to a lead
        still open (1 without leads closed as lost)."""
        if self.closing is None:
            return np.ones(self.completed[leads].size)
        return 1 / (1 - self.closing[leads])

    def completion_of(self, leads: np.ndarray | slice) -> np.ndarray:
        """:attr:`completion` of some of the leads (positions or a slice)."""
        if self.closing is None:
            return self.completed[leads]
        closing = self.closing[leads]
        return (self.completed[leads] - closing) / (1.0 - closing)


@dataclass(frozen=True, kw_only=True)
class CohortCounts:
    """The cohorts' numbers the rate and the outlooks read: one entry per cohort month of
    entering A, oldest first (:attr:`Transition.cohorts` is their table, made when read)."""

    cohort: np.ndarray  # month starts (datetime64[ns])
    total: np.ndarray  # leads
    converted: np.ndarray  # conversions so far (whole numbers, as floats)
    effective: np.ndarray  # effective trials (see :func:`effective_trials`)
    in_regime: np.ndarray  # bool: the cohorts the rate rests on

    @classmethod
    def empty(cls) -> CohortCounts:
        none = np.zeros(0)
        return cls(cohort=none.astype("datetime64[ns]"), total=none.astype(int), converted=none,
                   effective=none, in_regime=none.astype(bool))  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Transition:
    """The estimated conversion from ``from_stage`` to ``to_stage`` as of ``as_of``.

    Attributes
    ----------
    cohorts : pandas.DataFrame
        One row per cohort month of entering ``from_stage``: ``cohort`` (month start),
        ``total``, ``converted`` (so far), ``closed`` (lost, will not convert), ``completion``
        (mean share of the chance to convert already had), ``effective`` (effective trials),
        ``rate_so_far`` (converted / total), ``eventual`` (estimated eventual rate) and
        ``in_regime`` (used by the plan). Made when first read (the eventual rates smooth the
        walk over every cohort: a display, which the numbers of a check do not wait for).
    counts : CohortCounts
        The numbers of the same cohorts that the rate and the outlooks read.
    table : callable
        Makes :attr:`cohorts` (once; read :attr:`cohorts` instead).
    lags : LagDistribution
        Time from A to B among leads that convert (days).
    posterior : RatePosterior or None
        The current regime's rate posterior (None when insufficient).
    reason : str or None
        Why the data are insufficient (None when they suffice).
    """

    from_stage: str
    to_stage: str
    window_days: float | None
    as_of: pd.Timestamp
    counts: CohortCounts = field(repr=False)
    table: Callable[[], pd.DataFrame] = field(repr=False, compare=False)
    lags: LagDistribution = field(repr=False)
    posterior: RatePosterior | None = field(repr=False)
    changes: tuple[RateChange, ...] = ()
    open_leads: OpenLeads | None = field(default=None, repr=False)
    reason: str | None = None

    @property
    def name(self) -> str:
        """``"mql→sql"``."""
        return f"{self.from_stage}→{self.to_stage}"

    @property
    def sufficient(self) -> bool:
        """True when the data support a rate (else see ``reason``)."""
        return self.reason is None

    @cached_property
    def cohorts(self) -> pd.DataFrame:
        """The cohort table (see the class's attributes)."""
        return self.table()

    @property
    def regime_start(self) -> pd.Timestamp | None:
        """First cohort month the rate rests on."""
        used = self.counts.cohort[self.counts.in_regime]
        return pd.Timestamp(used[0]) if used.size else None

    @property
    def leads_used(self) -> int:
        """Leads in the cohorts the rate rests on."""
        return int(self.counts.total[self.counts.in_regime].sum())

    @property
    def conversions_used(self) -> int:
        """Conversions so far in the cohorts the rate rests on."""
        return int(self.counts.converted[self.counts.in_regime].sum())

    @property
    def rate(self) -> ConversionRate:
        """The regime's eventual rate: a Beta of its posterior mean and sd (uncertainty only)."""
        self._require()
        return _beta_rate(self.posterior.mean, self.posterior.mean_sd**2)

    @property
    def predictive(self) -> ConversionRate:
        """The rate of a *new* cohort: the regime's rate, its uncertainty and the monthly spread."""
        self._require()
        return _beta_rate(*self.posterior.predictive_moments())

    @property
    def spread(self) -> float:
        """Month-to-month coefficient of variation of cohort rates (posterior mean)."""
        self._require()
        return self.posterior.spread

    def describe(self) -> str:
        """The rate in words, with what it rests on (or why there is none)."""
        if not self.sufficient:
            return f"{self.name}: insufficient data — {self.reason}"
        since = self.regime_start
        window = f" within {self.window_days:g} days" if self.window_days else ""
        drift = self.posterior.drift
        recent = (
            f"; the rate drifts from month to month (about ±{drift:.0%} of the odds a month), "
            "so recent cohorts weigh more"
            if drift >= DRIFT_SHOWN
            else ""
        )
        text = (
            f"{self.name}{window}: {self.posterior.mean:.1%} eventually "
            f"(cohorts since {since:%Y-%m}, {self.leads_used:,} leads, "
            f"{self.conversions_used:,} converted so far; month-to-month ±{self.spread:.0%}"
            f"{recent})"
        )
        for change in self.changes:
            text += (
                f"; cohorts since {change.cohort:%Y-%m} convert at {change.rate_after:.1%} "
                f"(n={change.leads_after:,}), earlier ones at {change.rate_before:.1%} "
                f"(n={change.leads_before:,})"
            )
        return text

    def _require(self) -> None:
        if self.posterior is None:
            raise ValueError(f"no rate for {self.name}: insufficient data — {self.reason}")


def _beta_rate(mean: float, variance: float) -> ConversionRate:
    """A ConversionRate (Beta) with the given mean and variance (a point mass if variance 0)."""
    mean = float(np.clip(mean, 1e-9, 1 - 1e-9))
    if variance <= 0:
        return ConversionRate.fixed(mean)
    strength = max(mean * (1 - mean) / variance - 1.0, 1e-3)
    return ConversionRate.from_mean(mean, sample_size=strength)


def estimate_transition(
    frame: pd.DataFrame,
    from_stage: str,
    to_stage: str,
    *,
    as_of: pd.Timestamp,
    window_days: float | None = None,
) -> Transition:
    """Estimate the A → B transition of a (censored, one-segment) lead frame as of ``as_of``.

    Parameters
    ----------
    frame : DataFrame
        Canonical lead frame with ``<stage>_at`` columns (optionally ``lost_at``).
    from_stage, to_stage : str
        Stage names, or ``"first_touch"`` as the target (leads worked).
    as_of : Timestamp
        The analysis's "today" (later events are not seen).
    window_days : float, optional
        Count only conversions within this many days of entering ``from_stage``.

    Returns
    -------
    Transition

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> mql = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.uniform(0, 300, 3000), unit="D")
    >>> lag = pd.to_timedelta(rng.exponential(10, 3000), unit="D")
    >>> sql = pd.Series(mql + lag).where(rng.uniform(size=3000) < 0.12)
    >>> t = estimate_transition(pd.DataFrame({"mql_at": mql, "sql_at": sql}), "mql", "sql",
    ...                         as_of=pd.Timestamp("2026-10-28"))
    >>> round(t.posterior.mean, 2), t.sufficient
    (0.12, True)
    """
    pairs = pair_arrays(frame, from_stage, to_stage, window_days=window_days, as_of=as_of)
    empty = _empty(from_stage, to_stage, window_days, as_of)
    if not pairs.rows.size:
        return empty(reason=f"no lead entered {from_stage} by {as_of:%Y-%m-%d}")
    evidence = _Evidence.of(pairs)
    lags = evidence.lag_distribution(None)
    if evidence.converted_rows.size < MIN_CONVERSIONS:
        counts, table = evidence.cohorts(lags, None, np.zeros(evidence.months.size, bool))
        return Transition(
            from_stage=from_stage,
            to_stage=to_stage,
            window_days=window_days,
            as_of=as_of,
            counts=counts,
            table=table,
            lags=lags,
            posterior=None,
            open_leads=evidence.open_leads(lags, window_days),
            reason=_few(evidence.converted_rows.size, from_stage, to_stage, None),
        )
    look = first_look(evidence.converted_by_cohort, evidence.trials(lags, 0.0))
    rate = look.rate  # the working rate
    in_regime = evidence.code >= look.start
    lag_rows = None  # every lead's lag
    if in_regime[evidence.converted_rows].sum() >= _OWN_LAGS and not in_regime.all():
        lag_rows = in_regime
        lags = evidence.lag_distribution(lag_rows)
        look = None  # the regime's own lags change the trials: the regime is scanned again
    # else the trials differ from the first look's in the weight of the open leads only (now at
    # the working rate): its regime and range stand, and the walk is filtered on the new trials
    trials = evidence.trials(lags, rate)
    posterior = fit_cohort_rates(evidence.converted_by_cohort, trials, look=look)
    regime = np.arange(evidence.months.size) >= posterior.regime_start
    counts, table = evidence.cohorts(lags, posterior, regime)
    used = int(counts.converted[regime].sum())
    start = pd.Timestamp(evidence.months[posterior.regime_start])
    reason = None if used >= MIN_CONVERSIONS else _few(used, from_stage, to_stage, start)
    if reason is None:
        reason = _unseen_tail(evidence, lag_rows, lags, window_days, from_stage, to_stage)
    return Transition(
        from_stage=from_stage,
        to_stage=to_stage,
        window_days=window_days,
        as_of=as_of,
        counts=counts,
        table=table,
        lags=lags,
        posterior=None if reason else posterior,
        changes=_changes(table, posterior),
        open_leads=evidence.open_leads(lags, window_days, posterior.mean),
        reason=reason,
    )


def closing_shares(
    done_days: np.ndarray, closed: np.ndarray, lag_cdf, rate: float
) -> Callable[[np.ndarray], np.ndarray]:
    """``H(a)``: the share of the leads that will never convert that are closed by age ``a``.

    A discrete-time Kaplan–Meier estimate by day of age, with one correction: the leads still
    open at age ``a`` include future converters (sales does not close a lead that will
    convert), so the closing hazard among non-converters is the closings over the open leads
    that are non-converters, ``(1 - p)(1 - H) / (p (1 - F) + (1 - p)(1 - H))`` of them at
    working rate ``p`` (``F`` the lag CDF).

    Parameters
    ----------
    done_days : ndarray of float
        Per lead, the age at which it left the leads open: its lag (converted), its closing age
        (closed) or its observed age (still open, censored).
    closed : ndarray of bool
        Leads closed as lost.
    lag_cdf : callable
        ``F`` of ages in days.
    rate : float
        Working eventual rate ``p``.

    Returns
    -------
    callable
        Ages in days to ``H`` (at most :data:`_MOST_CLOSED`).

    Examples
    --------
    1,000 leads, none converting, each closed with probability 1/2 on day 3, the rest open for
    ten days: half are closed by day 3.

    >>> done = np.r_[np.full(500, 3.2), np.full(500, 10.0)]
    >>> closed = np.arange(1000) < 500
    >>> h = closing_shares(done, closed, lambda d: np.zeros_like(d), 0.0)
    >>> h(np.array([2.0, 3.5, 9.0])).tolist()
    [0.0, 0.5, 0.5]
    """
    day = np.floor(np.nan_to_num(done_days, nan=0.0)).astype(np.int64)
    horizon = int(day.max(initial=0)) + 1
    at_risk = np.cumsum(np.bincount(day, minlength=horizon)[::-1])[::-1]
    closings = np.bincount(day[closed], minlength=horizon)
    days = np.flatnonzero(closings)
    converting = np.asarray(lag_cdf(days + 0.5), dtype=float)
    p = float(np.clip(rate, 0.0, 1 - 1e-9))
    survived, after = 1.0, np.empty(days.size)
    for i, k in enumerate(days):
        never = (1 - p) * survived
        if never <= 0:  # every non-converter closed by now: H stays 1 (capped below)
            after[i:] = 1.0
            break
        share = never / (p * (1 - converting[i]) + never)
        survived *= 1 - min(closings[k] / (at_risk[k] * share), 1.0)
        after[i] = 1 - survived
    after = np.minimum(after, _MOST_CLOSED)

    def shares(ages: np.ndarray) -> np.ndarray:
        where = np.searchsorted(days, np.floor(np.asarray(ages, dtype=float)), side="right")
        return np.where(where > 0, after[np.maximum(where - 1, 0)], 0.0)

    return shares


def _unseen_tail(evidence, rows, lags, window_days, a: str, b: str) -> str | None:
    """Why the eventual rate cannot be known yet when the history is short for the lags, else None.

    The longest follow-up among the converted leads, ``A`` days, bounds the lags the data can
    show. If fewer than :data:`TAIL_COVERAGE` of the conversions seen happened within ``A / 2``
    days, conversions are still arriving at the edge of what the history can show: the lag
    distribution's tail — and with it the share of open leads that will still convert — is not
    yet known (a cure model is not identified without that tail). A windowed rate is known once
    the follow-up covers the window.
    """
    done = evidence.converted_among(rows)
    if not done.size:
        return None
    follow_up = float(evidence.pairs.observed_days[done].max())
    if window_days is not None and follow_up >= 0.99 * window_days:
        return None
    coverage = float(lags.cdf_at(follow_up / 2))
    if coverage >= TAIL_COVERAGE:
        return None
    return (
        f"conversions {a}→{b} are still arriving at the longest lags this history can show "
        f"({1 - coverage:.0%} of those seen came after {follow_up / 2:.0f} days, and the "
        f"longest follow-up is {follow_up:.0f} days): how many open leads will still convert "
        f"cannot be known yet"
    )


def _few(count: int, a: str, b: str, since: pd.Timestamp | None) -> str:
    where = f" in the cohorts since {since:%Y-%m} (after the last change)" if since else ""
    return (
        f"only {int(count)} conversion{'s' if count != 1 else ''} {a}→{b} so far{where}; "
        f"at least {MIN_CONVERSIONS} are needed to estimate the rate and how long it takes"
    )


def _empty(from_stage, to_stage, window_days, as_of):
    def build(*, reason: str) -> Transition:
        return Transition(
            from_stage=from_stage,
            to_stage=to_stage,
            window_days=window_days,
            as_of=as_of,
            counts=CohortCounts.empty(),
            table=lambda: pd.DataFrame(columns=_COLUMNS),
            lags=truncated_lag_cdf([], []),
            posterior=None,
            reason=reason,
        )

    return build


_COLUMNS = ["cohort", "total", "converted", "closed", "completion", "effective", "rate_so_far",
            "eventual", "in_regime"]  # fmt: skip


@dataclass(frozen=True)
class _Chances:
    """The open leads' share of their chance had, under one lag distribution.

    A lead open for at least the longest lag seen has had all of it (``F = 1``, one whole
    trial); only the younger ones need the CDF and the effective-trials weighting.
    """

    young: np.ndarray  # positions, among the open leads, of those younger than the longest lag
    young_code: np.ndarray  # the cohort of each young one
    completion: np.ndarray  # F at the observed time of each young one
    settled: np.ndarray  # per cohort: open leads past the longest lag
    closing: np.ndarray | None = None  # H at the observed time of each young one

    @property
    def given_open(self) -> np.ndarray:
        """The young ones' share of their chance had, given that they are still open (>= 0)."""
        if self.closing is None:
            return self.completion
        return np.maximum((self.completion - self.closing) / (1.0 - self.closing), 0.0)


@dataclass(frozen=True)
class _Evidence:
    """Per-lead arrays of one transition and their cohort codes.

    The leads still open (neither converted nor closed) are kept apart once: only they need
    the lag CDF and the effective-trials weighting, the others count one trial each.
    """

    pairs: PairArrays
    months: np.ndarray  # cohort month starts (datetime64[ns]), sorted
    code: np.ndarray  # cohort index per lead
    decided: np.ndarray  # per cohort: leads converted or closed
    converted_by_cohort: np.ndarray
    converted_rows: np.ndarray  # positions of the converted leads
    open_rows: np.ndarray  # positions of the open leads
    total: np.ndarray  # per cohort: leads
    any_closed: bool  # some lead closed as lost
    _chances: dict = field(default_factory=dict, compare=False)  # open leads, last chances

    @classmethod
    def of(cls, pairs: PairArrays) -> _Evidence:
        first = int(pairs.month.min())
        offset = pairs.month - first
        per_month = np.bincount(offset)
        present = per_month > 0
        # without an empty month in between, a lead's cohort index is its month's offset
        code = offset if present.all() else (np.cumsum(present) - 1)[offset]
        months = (np.flatnonzero(present) + first).astype("datetime64[M]").astype("datetime64[ns]")
        any_closed = bool(pairs.closed.any())
        decided = pairs.converted | pairs.closed if any_closed else pairs.converted
        # the converted leads' positions once (the lags and the follow-up read them); counted
        # per cohort from them, as floats (the same whole numbers as summed weights of 1)
        converted_rows = np.flatnonzero(pairs.converted)
        converted = np.bincount(code[converted_rows], minlength=months.size).astype(float)
        return cls(
            pairs=pairs,
            months=months,
            code=code,
            decided=np.bincount(code, weights=decided, minlength=months.size)
            if any_closed
            else converted,
            converted_by_cohort=converted,
            converted_rows=converted_rows,
            open_rows=np.flatnonzero(~decided),
            total=per_month[present],
            any_closed=any_closed,
        )

    @property
    def closed(self) -> np.ndarray:
        return self.pairs.closed

    def converted_among(self, rows: np.ndarray | None) -> np.ndarray:
        """Positions of the converted leads among ``rows`` (a mask; None: every lead)."""
        done = self.converted_rows
        return done if rows is None else done[rows[done]]

    def lag_distribution(self, rows: np.ndarray | None) -> LagDistribution:
        """The lag distribution of the conversions among ``rows`` (None: every lead)."""
        done = self.converted_among(rows)
        return truncated_lag_cdf(self.pairs.lag_days[done], self.pairs.observed_days[done])

    def chances(self, lags: LagDistribution, rate: float = 0.0) -> _Chances:
        """The open leads' chances under ``lags`` (kept for the last lags and rate asked about).

        ``rate`` is the working rate of the closing shares (:func:`closing_shares`); without
        leads closed as lost the chances do not depend on it, and are kept across rates.
        """
        key = (id(lags), rate if self.any_closed else None)
        if self._chances.get("key") != key:
            n = self.months.size
            observed, code, per_cohort = self._open()
            longest = lags.knots[-1] if lags.knots.size else -np.inf
            young = np.flatnonzero(observed < longest)
            young_code = code[young]
            closing = None
            if self.any_closed:
                closing = self.closing(lags, rate)(observed[young])
            chances = _Chances(
                young=young,
                young_code=young_code,
                completion=lags.cdf_at(observed[young]),
                settled=per_cohort - np.bincount(young_code, minlength=n),
                closing=closing,
            )
            self._chances.update(key=key, lags=lags, value=chances)
        return self._chances["value"]

    def _open(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The open leads' observed times and cohorts, and their count per cohort (read once:
        the chances and the open leads of the result share them)."""
        if "open" not in self._chances:
            code = self.code[self.open_rows]
            self._chances["open"] = (
                self.pairs.observed_days[self.open_rows],
                code,
                np.bincount(code, minlength=self.months.size),
            )
        return self._chances["open"]

    def closing(self, lags: LagDistribution, rate: float):
        """``H``: the share of non-converters closed by a given age (a function of days)."""
        pairs = self.pairs
        done = np.where(pairs.converted, pairs.lag_days, pairs.observed_days)
        closed = pairs.closed & (pairs.closed_days <= pairs.observed_days)
        done = np.where(closed, pairs.closed_days, done)
        return closing_shares(done, closed, lags.cdf_at, rate)

    def _young_sum(self, chances: _Chances, weights: np.ndarray) -> np.ndarray:
        return np.bincount(chances.young_code, weights=weights, minlength=self.months.size)

    def trials(self, lags: LagDistribution, rate: float) -> np.ndarray:
        chances = self.chances(lags, rate)
        weights = effective_trials(chances.given_open, max(rate, 1e-9))
        return self.decided + chances.settled + self._young_sum(chances, weights)

    def cohorts(
        self, lags, posterior: RatePosterior | None, regime: np.ndarray
    ) -> tuple[CohortCounts, Callable[[], pd.DataFrame]]:
        """The cohorts' numbers, and the maker of their table (made once, when first asked
        for; it keeps the per-cohort arrays only, not the leads)."""
        n = self.months.size
        total = self.total
        converted = self.converted_by_cohort
        rate = posterior.mean if posterior is not None else 0.0
        effective = self.trials(lags, rate)
        chances = self.chances(lags, rate)
        had = chances.settled + self._young_sum(chances, chances.given_open)
        completion = (self.decided + had) / total
        closed = (
            np.bincount(self.code, weights=self.closed, minlength=n).astype(int)
            if self.any_closed
            else np.zeros(n, int)
        )
        months = self.months
        counts = CohortCounts(
            cohort=months, total=total, converted=converted, effective=effective, in_regime=regime
        )

        @cache
        def table() -> pd.DataFrame:
            eventual = (converted + 0.5) / (effective + 1.0)
            if posterior is not None:
                eventual = np.where(regime, posterior.cohort_means(converted, effective), eventual)
            return pd.DataFrame(
                {
                    "cohort": pd.to_datetime(months),
                    "total": total,
                    "converted": converted.astype(int),
                    "closed": closed,
                    "completion": completion,
                    "effective": effective,
                    "rate_so_far": converted / total,
                    "eventual": eventual,
                    "in_regime": regime,
                }
            )

        return counts, table

    def open_leads(
        self, lags: LagDistribution, window_days: float | None, rate: float = 0.0
    ) -> OpenLeads:
        closing = None
        if window_days is None:  # an open lead's observed time is its age: completion known
            chances = self.chances(lags, rate)
            completed = np.ones(self.open_rows.size)
            completed[chances.young] = chances.completion
            if chances.closing is not None:
                closing = np.zeros(self.open_rows.size)
                closing[chances.young] = chances.closing
        else:
            completed = lags.cdf_at(self.pairs.age_days[self.open_rows])
            if self.any_closed:
                closing = self.closing(lags, rate)(self.pairs.observed_days[self.open_rows])
        return OpenLeads(
            rows=self.open_rows,
            entered_all=self.pairs.entered_ns,
            cohort=self._open()[1],
            completed=completed,
            closing=closing,
        )


def _changes(table: Callable[[], pd.DataFrame], posterior: RatePosterior) -> tuple[RateChange, ...]:
    if not posterior.changes:  # (the table is made only where a change is described)
        return ()
    cohorts = table()
    bounds = [0, *(c.index for c in posterior.changes), len(cohorts)]
    found = []
    for i, change in enumerate(posterior.changes):
        before = cohorts.iloc[bounds[i] : change.index]
        after = cohorts.iloc[change.index : bounds[i + 2]]
        found.append(
            RateChange(
                cohort=pd.Timestamp(cohorts["cohort"].iloc[change.index]),
                rate_before=_share(before),
                rate_after=_share(after),
                leads_before=int(before["total"].sum()),
                leads_after=int(after["total"].sum()),
                probability=change.probability,
            )
        )
    return tuple(found)


def _share(rows: pd.DataFrame) -> float:
    return float(rows["converted"].sum() / max(rows["effective"].sum(), 1e-9))
