"""A stage's count in a period, as of a date: :func:`count_outlook` → :class:`CountOutlook`.

One engine answers both "will we make 50 SQLs in December?" (a period still to come) and "are we
on pace this month?" (the open period): the count of target events (leads entering B, leads first
worked) dated in the period ``[start, end)`` is

    observed            events already dated in the period (up to ``as_of``)
    + pending           leads already in A, not yet converted nor closed, that convert in the period
    + future            leads still to arrive in A (after ``as_of``) that convert in the period

Lead ``i`` of cohort ``m`` that has not converted by age ``a_i`` converts in the period with
probability ``p_m (F(e_i) - F(s_i)) / (1 - p_m F(a_i))`` (``F`` the lag CDF among converters,
``s_i``/``e_i`` its ages at the period's start — or ``as_of`` if later — and end). Arrivals of
month ``f`` convert in the period with probability ``p_f g_f``, ``g_f`` the weekday-weighted
average of ``F(end - t) - F(start - t)`` over their arrival times ``t``.

Uncertainty is carried by draws, with common random numbers: per draw, the regime's rate
hyperparameters ``(a, b)`` from :class:`~slaplan.estimate.cohort_rates.RatePosterior`; each open
cohort's rate from ``Beta(a + converted_m, b + effective_m - converted_m)`` (its own evidence);
each future cohort's rate from ``Beta(a, b)`` (the month-to-month spread); the source volume's
monthly intensities from the volume forecast, reweighted by the arrivals seen so far in the
current month. Given a draw, the pending count is drawn (binomial per cohort), and the future
count is Poisson (a thinned Poisson) — so ``P(count >= T)`` is the average over draws of an exact
Poisson tail (Rao–Blackwellised: smooth in ``T`` and in the volume). With a capacity cap the
arrivals are drawn and capped, and the conversions binomial.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from slaplan.plan.attainability import Attainability, verdict_for

__all__ = [
    "CountOutlook",
    "FutureArrivals",
    "PendingLeads",
    "cohort_rates",
    "count_outlook",
    "pending_by_cohort",
]

_NS_PER_DAY = 86_400 * 10**9
_GRID = 10_000  # resolution of the completion shares that group open leads
_RATE_NODES = 33
"""Rates at which a cohort's expected pending conversions are computed exactly."""


@dataclass(frozen=True, kw_only=True)
class PendingLeads:
    """Open leads of the transition (those that may convert in the period, at least) and the
    evidence of their cohorts (per cohort arrays)."""

    cohort: np.ndarray  # cohort index per open lead
    completed: np.ndarray  # chance had by as_of, given it is open (OpenLeads.completion)
    in_period: np.ndarray  # F(age at end) - F(age at max(start, as_of)), over 1 - H, per open lead
    converted: np.ndarray  # per cohort
    effective: np.ndarray  # per cohort


@dataclass(frozen=True, kw_only=True)
class FutureArrivals:
    """Arrivals of the source stage after ``as_of``, by month.

    ``intensity`` (draws x months) is the expected count of the whole month; ``remaining`` the
    share of it still to come after ``as_of``; ``in_period`` (``g_f``) the chance that an arrival
    of that month who converts does so inside the period; ``cohort`` the index of the month's
    cohort in the pending evidence (-1 for a month with no lead yet); ``position`` the month's
    place in the cohorts' sequence (its index, or past the last cohort by the months between;
    by default the months follow the last cohort one by one).
    """

    intensity: np.ndarray
    remaining: np.ndarray
    in_period: np.ndarray
    cohort: np.ndarray
    position: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.position is None:
            last = int(self.cohort.max(initial=-1))
            ahead = np.cumsum(self.cohort < 0)
            object.__setattr__(self, "position", np.where(self.cohort >= 0, self.cohort,
                                                          last + ahead))  # fmt: skip

    capacity: np.ndarray | None = None  # source leads workable per whole month (None: no cap)


@dataclass(frozen=True, kw_only=True)
class CountOutlook:
    """The predictive distribution of one period's count, and the searches on it.

    ``base`` (observed + pending per draw) and ``future`` (the Poisson mean of future
    conversions per draw at ``volume_scale = 1``) define it without a capacity cap; with a cap,
    ``samples`` holds drawn totals and the searches use them, and a scaled volume is redrawn
    from ``arriving`` (expected arrivals per draw and month), ``cap`` (leads the team can work
    per month) and ``convert`` (each month's conversion probability per draw).
    """

    observed: int
    base: np.ndarray
    future: np.ndarray
    samples: np.ndarray
    capped: bool
    source_volume: float  # mean source arrivals per month of the period (at scale 1)
    pending_expected: float
    future_expected: float = 0.0
    arriving: np.ndarray | None = None
    cap: np.ndarray | None = None
    convert: np.ndarray | None = None

    @property
    def interval(self) -> tuple[float, float]:
        """Central 80% interval of the count."""
        return self.quantile(0.1), self.quantile(0.9)

    @property
    def expected(self) -> float:
        """Mean count."""
        return (
            float(self.samples.mean()) if self.capped else float((self.base + self.future).mean())
        )

    def probability(self, target: float, *, volume_scale: float = 1.0) -> float:
        """``P(count >= target)``, with the future source volume scaled by ``volume_scale``."""
        if self.capped:
            return float(np.mean(self.totals(volume_scale) >= target))
        return float(self._tails(target, volume_scale).mean())

    def _tails(self, target: float, volume_scale: float) -> np.ndarray:
        """Per draw, the exact Poisson tail of the future conversions still needed."""
        needed = np.ceil(target - 1e-9) - self.base
        mean = self.future * volume_scale
        tail = np.where(
            needed <= 0, 1.0, special.gammainc(np.maximum(needed, 1.0), np.maximum(mean, 1e-300))
        )
        return np.where((needed > 0) & (mean <= 0), 0.0, tail)

    def quantile(self, q: float, *, volume_scale: float = 1.0) -> float:
        """The ``q`` quantile of the count (from drawn totals)."""
        return float(np.quantile(self.totals(volume_scale), q, method="inverted_cdf"))

    def totals(self, volume_scale: float = 1.0) -> np.ndarray:
        """Drawn totals per draw (the stored ones at scale 1; seeded redraws otherwise)."""
        if volume_scale == 1.0:
            return self.samples
        rng = np.random.default_rng(len(self.samples))  # fixed: the same scale, the same draws
        if self.capped:
            came = rng.poisson(self.arriving * volume_scale)
            worked = np.minimum(came, self.cap[None, :]).astype(np.int64)
            return self.base.astype(np.int64) + rng.binomial(worked, self.convert).sum(axis=1)
        return (self.base + rng.poisson(self.future * volume_scale)).astype(np.int64)

    def attainability(
        self, target: int, confidence: float, *, volume_scale: float = 1.0
    ) -> Attainability:
        """The outlook as an :class:`~slaplan.plan.attainability.Attainability` (one door's view).

        ``probability`` and ``max_target`` come from the same function, so they agree;
        ``standard_error`` is the Monte Carlo error of the probability over the draws.
        """
        probability = self.probability(target, volume_scale=volume_scale)
        totals = self.totals(volume_scale)
        per_draw = (
            (totals >= target).astype(float) if self.capped else self._tails(target, volume_scale)
        )
        return Attainability(
            target=int(target),
            probability=probability,
            expected=float(totals.mean())
            if self.capped
            else float((self.base + self.future * volume_scale).mean()),
            p10=int(np.quantile(totals, 0.1, method="inverted_cdf")),
            p50=int(np.quantile(totals, 0.5, method="inverted_cdf")),
            p90=int(np.quantile(totals, 0.9, method="inverted_cdf")),
            max_target=self.max_target(confidence, volume_scale=volume_scale),
            required_volume=self.required_volume(target, confidence),
            verdict=verdict_for(probability, confidence),
            method="monte carlo",
            standard_error=float(per_draw.std(ddof=1) / np.sqrt(per_draw.size)),
            confidence=float(confidence),
            volume_mean=self.source_volume * volume_scale,
        )

    def max_target(self, confidence: float, *, volume_scale: float = 1.0) -> int:
        """Largest whole target met with probability >= ``confidence`` (0 if none).

        Uses the same ``probability`` as the verdict, so the two always agree.
        """

        def met(target: int) -> bool:
            return self.probability(target, volume_scale=volume_scale) >= confidence

        if not met(1):
            return 0
        low, high = 1, 2
        while met(high):
            low, high = high, high * 2
        while high - low > 1:  # met(low) and not met(high)
            middle = (low + high) // 2
            low, high = (middle, high) if met(middle) else (low, middle)
        return low

    def required_volume(self, target: float, confidence: float) -> float:
        """Smallest mean source volume per month that meets ``target`` with ``confidence``.

        ``inf`` when no volume can (the rate or the team's capacity stands in the way); without
        future conversions to scale (``future`` all zero) the answer is the current volume or
        ``inf``. With a capacity cap the scaled volumes are redrawn with common random numbers,
        so the search sees a smooth curve that flattens where the cap binds.
        """
        if self.probability(target) >= confidence and self.probability(target, volume_scale=0) >= (
            confidence
        ):
            return 0.0
        if not np.any(self.future > 0):
            return self.source_volume if self.probability(target) >= confidence else np.inf
        low, high = 0.0, 1.0
        while self.probability(target, volume_scale=high) < confidence:
            low, high = high, high * 2
            if high > 1e6:
                return np.inf
        while high - low > 1e-4 * high:  # a hundredth of a percent of the volume
            middle = (low + high) / 2
            if self.probability(target, volume_scale=middle) < confidence:
                low = middle
            else:
                high = middle
        return high * self.source_volume


def _cohort_rates(
    a: np.ndarray, b: np.ndarray, converted: np.ndarray, effective: np.ndarray, rng
) -> np.ndarray:
    """Per draw and cohort, the cohort's rate given its Beta ``(a, b)`` and its own evidence.

    ``a`` and ``b`` are per draw ``(draws,)`` (one Beta for every cohort) or per draw and
    cohort ``(draws, cohorts)``.
    """
    a = a[:, None] if a.ndim == 1 else a
    b = b[:, None] if b.ndim == 1 else b
    fixed = np.isinf(b)
    alpha = a + np.where(fixed, 0.0, converted[None, :])
    beta = np.where(fixed, 1.0, b + effective[None, :] - converted[None, :])
    drawn = rng.beta(alpha, np.maximum(beta, 1e-9))
    return np.where(fixed, a, drawn)


def pending_by_cohort(
    pending: PendingLeads, rates: np.ndarray, rng
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drawn conversions of the open leads per draw and cohort, in the period.

    Returns ``(cohorts, drawn, expected)``: the cohort indices with open leads that may convert
    in the period, the drawn counts ``(draws, cohorts)`` (binomial per cohort at the cohort's
    mean probability) and their expectations.

    An open lead that has had the share ``F`` of its chance and gets ``g`` more in the period
    converts in it with probability ``p g / (1 - p F)`` at cohort rate ``p``. Leads whose ``F``
    agrees to 1e-4 are one group (their ``g`` add up), and a cohort's expected count, a smooth
    function of ``p``, is computed exactly at :data:`_RATE_NODES` rates spanning its draws and
    interpolated to each draw (:func:`_expected_pending`): the work grows with the groups, not
    with leads x draws.
    """
    draws = rates.shape[0]
    live = pending.in_period > 0
    if not live.any():
        return np.zeros(0, int), np.zeros((draws, 0)), np.zeros((draws, 0))
    done = np.round(pending.completed[live] * _GRID).astype(np.int64)
    lowest = int(done.min())  # below 0 where closing outpaces converting (see OpenLeads)
    width = int(done.max()) - lowest + 1
    keys, at = _groups(pending.cohort[live].astype(np.int64) * width + (done - lowest))
    gain = np.bincount(at, weights=pending.in_period[live])
    group_cohort, group_done = np.divmod(keys, width)
    group_done += lowest
    cohorts, first = np.unique(group_cohort, return_index=True)
    size = np.add.reduceat(np.bincount(at), first).astype(np.int64)
    bounds = np.append(first, keys.size)
    expected = np.empty((draws, cohorts.size))
    for j, cohort in enumerate(cohorts):
        part = slice(bounds[j], bounds[j + 1])
        expected[:, j] = _expected_pending(rates[:, cohort], group_done[part] / _GRID, gain[part])
    mean_q = np.clip(expected / size, 0.0, 1.0)
    return cohorts, rng.binomial(size[None, :], mean_q).astype(float), expected


def _groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` of integers >= 0; counted instead of sorted
    when they fill their range densely (the many open leads of the first stage)."""
    low = int(keys.min())
    span = int(keys.max()) - low + 1
    if span > 4 * keys.size:
        return np.unique(keys, return_inverse=True)
    present = np.bincount(keys - low, minlength=span) > 0
    return np.flatnonzero(present) + low, (np.cumsum(present) - 1)[keys - low]


def _expected_pending(p: np.ndarray, done: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """``S(p) = sum_i p gain_i / (1 - p done_i)`` at each rate in ``p``.

    ``S`` and its derivative ``sum_i gain_i / (1 - p done_i)**2`` are computed exactly at
    :data:`_RATE_NODES` equally spaced rates spanning ``p``, and ``S`` is read off the cubic
    Hermite interpolant between them (error of order spacing**4).
    """
    low, high = float(p.min()), float(p.max())
    nodes = np.linspace(low, high, _RATE_NODES)
    inverse = 1.0 / np.maximum(1.0 - nodes[:, None] * done[None, :], 1e-12)
    value = nodes * (inverse @ gain)
    slope = (inverse**2) @ gain
    if high <= low:
        return np.full(p.size, value[0])
    step = nodes[1] - nodes[0]
    where = np.clip(((p - low) / step).astype(np.int64), 0, _RATE_NODES - 2)
    t = np.clip((p - nodes[where]) / step, 0.0, 1.0)
    # each power once: t**3 is a pow() a value (numpy squares only 2 by multiplying)
    square, cube = t**2, t**3
    return (
        (2 * cube - 3 * square + 1) * value[where]
        + (cube - 2 * square + t) * step * slope[where]
        + (3 * square - 2 * cube) * value[where + 1]
        + (cube - square) * step * slope[where + 1]
    )


def _pending_counts(pending: PendingLeads, rates: np.ndarray, rng) -> tuple[np.ndarray, float]:
    """Drawn pending conversions per draw (summed over cohorts), and their expected total."""
    _, drawn, expected = pending_by_cohort(pending, rates, rng)
    return drawn.sum(axis=1), float(expected.sum(axis=1).mean())


def cohort_rates(
    a: np.ndarray, b: np.ndarray, converted: np.ndarray, effective: np.ndarray, rng
) -> np.ndarray:
    """Per draw and cohort, the cohort's rate given its Beta ``(a, b)`` and its own evidence."""
    return _cohort_rates(a, b, converted, effective, rng)


RateDraws = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""Joint draws of the Beta ``(a, b)`` of the rates of the cohorts at the given positions, each
of shape ``(draws, positions)`` (see
:meth:`slaplan.estimate.cohort_rates.RatePosterior.cohort_draws`)."""


def _per_cohort(rate_draws: RateDraws | tuple[np.ndarray, np.ndarray]) -> RateDraws:
    """``rate_draws`` as a function of the cohort positions (a pair: the same Beta for all)."""
    if callable(rate_draws):
        return rate_draws
    a, b = rate_draws

    def same(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        shape = (a.size, len(positions))
        return np.broadcast_to(a[:, None], shape), np.broadcast_to(b[:, None], shape)

    return same


def count_outlook(
    *,
    observed: int,
    pending: PendingLeads | None,
    arrivals: FutureArrivals,
    rate_draws: RateDraws | tuple[np.ndarray, np.ndarray] | None,
    rng: np.random.Generator,
) -> CountOutlook:
    """The predictive distribution of a period's count (see the module docstring).

    Parameters
    ----------
    observed : int
        Events already dated in the period.
    pending : PendingLeads or None
        Open leads of the transition (None when the counted stage is the source itself).
    arrivals : FutureArrivals
        Source arrivals to come, by month (``intensity`` has one row per draw).
    rate_draws : RateDraws, (a, b) or None
        Beta parameters of the cohorts' rates: a function of the cohort positions giving them
        per draw and cohort (the cohorts of a walking rate move together), or one pair of
        per-draw arrays for every cohort (``b = inf``: the rate ``a`` exactly); None for a rate
        of 1 (counting the source stage itself).
    rng : numpy.random.Generator
        Randomness of the cohort rates and the drawn counts.

    Returns
    -------
    CountOutlook

    Examples
    --------
    No pipeline, 300 arrivals a month expected, a known 12% rate, all inside the period: the
    count is Poisson(36) (thinning), and P(N >= 36) = 0.52217 in closed form:

    >>> arrivals = FutureArrivals(intensity=np.full((2000, 1), 300.0), remaining=np.ones(1),
    ...                           in_period=np.ones(1), cohort=np.array([-1]))
    >>> rates = (np.full(2000, 0.12), np.full(2000, np.inf))
    >>> out = count_outlook(observed=0, pending=None, arrivals=arrivals, rate_draws=rates,
    ...                     rng=np.random.default_rng(0))
    >>> round(out.probability(36), 3), out.max_target(0.8)
    (0.522, 31)
    """
    draws = arrivals.intensity.shape[0]
    n_cohorts = 0 if pending is None else pending.converted.size
    if rate_draws is None:
        cohort_rates = np.ones((draws, max(n_cohorts, 1)))
        future_rates = np.ones((draws, arrivals.intensity.shape[1]))
    else:
        draws_at = _per_cohort(rate_draws)
        known = arrivals.cohort >= 0
        needed = np.zeros(n_cohorts, bool)
        if pending is not None and n_cohorts:
            # only the cohorts the period reads: open leads that may convert in it, arrivals
            needed[pending.cohort[pending.in_period > 0]] = True
            needed[arrivals.cohort[known]] = True
        opened = np.flatnonzero(needed)
        a, b = draws_at(np.concatenate([opened, arrivals.position[~known]]))
        cohort_rates = np.full((draws, max(n_cohorts, 1)), np.nan)
        if opened.size:
            cohort_rates[:, opened] = _cohort_rates(
                a[:, : opened.size],
                b[:, : opened.size],
                pending.converted[opened],
                pending.effective[opened],
                rng,
            )
        future_rates = np.empty((draws, arrivals.cohort.size))
        future_rates[:, known] = cohort_rates[:, arrivals.cohort[known]]
        fresh = int((~known).sum())
        future_rates[:, ~known] = _cohort_rates(
            a[:, opened.size :], b[:, opened.size :], np.zeros(fresh), np.zeros(fresh), rng
        )
    pending_drawn, pending_expected = (
        _pending_counts(pending, cohort_rates, rng)
        if pending is not None
        else (np.zeros(draws), 0.0)
    )
    base = observed + pending_drawn
    arriving = arrivals.intensity * arrivals.remaining[None, :]
    convert = future_rates * arrivals.in_period[None, :]
    volume = float((arrivals.intensity * (arrivals.in_period > 0)).mean(axis=0).sum())
    months = max(int(np.count_nonzero(arrivals.in_period > 0)), 1)
    if arrivals.capacity is None:
        future = (arriving * convert).sum(axis=1)
        samples = base + rng.poisson(future)
        capped = False
        cap = None
    else:
        came = rng.poisson(arriving)
        cap = np.floor(arrivals.capacity * arrivals.remaining)
        worked = np.minimum(came, cap[None, :])
        future = (worked * convert).sum(axis=1)
        convert = np.clip(convert, 0, 1)
        samples = base + rng.binomial(worked.astype(np.int64), convert).sum(axis=1)
        capped = True
    return CountOutlook(
        observed=int(observed),
        base=base,
        future=future,
        samples=samples.astype(np.int64),
        capped=capped,
        source_volume=volume / months,
        pending_expected=pending_expected,
        future_expected=float(future.mean()),
        arriving=arriving if capped else None,
        cap=cap if capped else None,
        convert=convert if capped else None,
    )
