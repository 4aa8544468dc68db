"""One period's outcome at the end of a chain of stages: ``P(outcome >= T)`` for any volume mean.

Three representations share one interface (``prob_at_least(target, volume_mean)``) so the
searches for the largest safe target, the quantiles and the required volume work on all of them:

* :class:`ExactOutcome` — at most one Beta rate (fixed rates multiply the volume, which keeps a
  Poisson / NB volume in its family): the exact kernels of :mod:`slaplan.plan.exact`;
* :class:`RateDrawsOutcome` — several Beta rates: Monte Carlo over independent draws of each
  stage's rate; given the product rate the count is exact (Rao–Blackwellised), so the only
  Monte Carlo error is over rates;
* :class:`CappedOutcome` — a monthly capacity caps the leads worked: ``K ~ Binomial(min(N, c), p)``
  averaged over draws of ``N`` (by inversion, so volume searches use common random numbers) and
  ``p``.

Also the integer searches (:func:`largest_target`, :func:`smallest_volume`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy import special

from slaplan.plan.exact import normal_nodes, prob_at_least, prob_at_least_given_rate
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import VolumeModel

__all__ = [
    "CappedOutcome",
    "ExactOutcome",
    "RateDrawsOutcome",
    "build_outcome",
    "largest_target",
    "smallest_volume",
]

MAX_VOLUME = 1e9  # the required-volume search gives up beyond this many leads a month


@dataclass(frozen=True)
class ExactOutcome:
    """At most one Beta rate; fixed rates folded into ``fixed_factor``."""

    dispersion: float
    alpha: float  # inf: no Beta rate
    beta: float
    fixed_factor: float

    method = "exact"

    @property
    def mean_rate(self) -> float:
        base = 1.0 if math.isinf(self.alpha) else self.alpha / (self.alpha + self.beta)
        return base * self.fixed_factor

    def moments(self, volume_mean: float) -> tuple[float, float]:
        """Mean and variance of the outcome (search hints)."""
        if math.isinf(self.alpha):
            rate_mean, rate_var = self.fixed_factor, 0.0
        else:
            a, b = self.alpha, self.beta
            rate_mean = self.fixed_factor * a / (a + b)
            rate_var = self.fixed_factor**2 * a * b / ((a + b) ** 2 * (a + b + 1))
        return _mixture_moments(volume_mean, self.dispersion, rate_mean, rate_var)

    def prob_at_least(self, target: int, volume_mean: float) -> float:
        if math.isinf(self.alpha):
            return prob_at_least(target, volume_mean, self.dispersion, math.inf, self.fixed_factor)
        scaled = volume_mean * self.fixed_factor
        return prob_at_least(target, scaled, self.dispersion, self.alpha, self.beta)

    def probability(self, target: int, volume_mean: float) -> tuple[float, float]:
        return self.prob_at_least(target, volume_mean), 0.0


@dataclass(frozen=True)
class RateDrawsOutcome:
    """Product of several uncertain stage rates, represented by sorted Monte Carlo draws."""

    dispersion: float
    draws: np.ndarray  # sorted product-rate draws

    method = "monte carlo"

    @property
    def mean_rate(self) -> float:
        return float(self.draws.mean())

    def moments(self, volume_mean: float) -> tuple[float, float]:
        """Mean and variance of the outcome (search hints)."""
        return _mixture_moments(
            volume_mean, self.dispersion, float(self.draws.mean()), float(self.draws.var())
        )

    def probability(self, target: int, volume_mean: float) -> tuple[float, float]:
        """Mean over all draws and its Monte Carlo standard error."""
        values = prob_at_least_given_rate(target, volume_mean, self.dispersion, self.draws)
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))

    def prob_at_least(self, target: int, volume_mean: float) -> float:
        """Quadrature over the empirical rate distribution (for searches)."""
        if target <= 0:
            return 1.0
        z, weights = normal_nodes(64)
        n = self.draws.size
        positions = special.ndtr(z) * (n - 1)
        rates = np.interp(positions, np.arange(n), self.draws)
        return float(
            weights @ prob_at_least_given_rate(target, volume_mean, self.dispersion, rates)
        )


@dataclass(frozen=True)
class CappedOutcome:
    """Leads over the monthly capacity are not worked: ``K ~ Binomial(min(N, capacity), p)``."""

    volume: VolumeModel
    capacity: int
    rate_draws: np.ndarray
    volume_uniforms: np.ndarray
    _cache: dict = field(default_factory=dict, compare=False, repr=False)

    method = "monte carlo"

    @property
    def mean_rate(self) -> float:
        return float(self.rate_draws.mean())

    def _worked(self, volume_mean: float) -> np.ndarray:
        if volume_mean not in self._cache:
            if len(self._cache) > 256:
                self._cache.clear()
            counts = _volume_counts(self.volume, volume_mean, self.volume_uniforms)
            self._cache[volume_mean] = np.minimum(counts, self.capacity)
        return self._cache[volume_mean]

    def moments(self, volume_mean: float) -> tuple[float, float]:
        """Mean and variance of ``Binomial(worked, p)`` over the draws."""
        worked, p = self._worked(volume_mean), self.rate_draws
        conditional_mean = worked * p
        variance = float((worked * p * (1 - p)).mean() + conditional_mean.var())
        return float(conditional_mean.mean()), variance

    def _values(self, target: int, volume_mean: float) -> np.ndarray:
        worked = self._worked(volume_mean)
        if target <= 0:
            return np.ones_like(self.rate_draws)
        ok = worked >= target
        values = np.zeros_like(self.rate_draws)
        values[ok] = special.betainc(target, worked[ok] - target + 1.0, self.rate_draws[ok])
        return values

    def probability(self, target: int, volume_mean: float) -> tuple[float, float]:
        values = self._values(target, volume_mean)
        return float(values.mean()), float(values.std(ddof=1) / math.sqrt(values.size))

    def prob_at_least(self, target: int, volume_mean: float) -> float:
        """``P(outcome >= target)``; repeated queries at one volume read a survival curve.

        The searches for quantiles and the largest safe target ask many targets at the same
        volume: from the second query on, the whole curve over the likely targets is built
        once from the same draws (one ``betainc`` per draw, then the binomial pmf recurrence),
        so each further query is a lookup — the same numbers as one ``betainc`` per query, to
        rounding (about 1e-15).
        """
        if target <= 0:
            return 1.0
        curve = self._curve(volume_mean)
        if curve is not None and curve[0] <= target < curve[0] + curve[1].size:
            return float(curve[1][target - curve[0]])
        return float(self._values(target, volume_mean).mean())

    def _curve(self, volume_mean: float) -> tuple[int, np.ndarray] | None:
        key = ("curve", volume_mean)
        if key not in self._cache:
            asked = self._cache.get(("asked", volume_mean), 0) + 1
            self._cache[("asked", volume_mean)] = asked
            if asked < 2:
                return None
            self._cache[key] = self._survival_curve(volume_mean)
        return self._cache[key]

    def _survival_curve(self, volume_mean: float) -> tuple[int, np.ndarray] | None:
        """``(low, S)`` with ``S[t - low]`` = mean over draws of ``P(Binomial(w, p) >= t)``.

        Targets ``low … high`` span the mean ± 8 standard deviations of the outcome. Each draw
        joins the recurrence ``S(t + 1) = S(t) − pmf(t)``,
        ``pmf(t + 1) = pmf(t) (w − t) / (t + 1) · p / (1 − p)`` only from its own start, 8 of its
        own standard deviations below its mean (exact ``betainc`` and pmf there; 1 before, an
        error below 1e-14): started further down, ``p**t (1 − p)**(w − t)`` underflows to 0 and
        the recurrence would stall at ``S ≈ 1`` (a lead-heavy month with a rate near 1 did).
        Only subtracting down to the levels searched (0.1–0.9) keeps rounding near 1e-15.
        """
        worked, p = self._worked(volume_mean).astype(float), self.rate_draws
        if (p <= 0).any() or (p >= 1).any():
            return None
        mean, variance = self.moments(volume_mean)
        spread = 8.0 * math.sqrt(max(variance, 1.0))
        low = max(1, math.floor(mean - spread))
        high = min(int(worked.max()), math.ceil(mean + spread))
        if high <= low:
            return None
        own_start = np.floor(worked * p - 8.0 * np.sqrt(worked * p * (1.0 - p)))
        order = np.argsort(np.maximum(own_start, low), kind="stable")
        starts = np.maximum(own_start, low)[order]
        survival, pmf, odds = np.zeros_like(p), np.zeros_like(p), p / (1.0 - p)
        curve, joined = np.empty(high - low + 1), 0
        for t in range(low, high + 1):
            upto = int(np.searchsorted(starts, t, side="right"))
            if upto > joined:
                new = order[joined:upto]
                survival[new], pmf[new] = _binomial_tail_and_pmf(t, worked[new], p[new])
                joined = upto
            curve[t - low] = (survival.sum() + (p.size - joined)) / p.size
            survival -= pmf
            pmf *= (worked - t) * odds / (t + 1.0)
        return low, np.clip(curve, 0.0, 1.0)


def _binomial_tail_and_pmf(
    target: int, worked: np.ndarray, p: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``P(Binomial(w, p) >= target)`` and ``P(Binomial(w, p) = target)`` (0 where w < target)."""
    tail, pmf = np.zeros_like(p), np.zeros_like(p)
    ok = worked >= target
    w = worked[ok]
    tail[ok] = special.betainc(target, w - target + 1.0, p[ok])
    pmf[ok] = np.exp(
        special.gammaln(w + 1.0)
        - special.gammaln(target + 1.0)
        - special.gammaln(w - target + 1.0)
        + target * np.log(p[ok])
        + (w - target) * np.log1p(-p[ok])
    )
    return tail, pmf


def _volume_counts(volume: VolumeModel, mean: float, uniforms: np.ndarray) -> np.ndarray:
    """Volume draws by inversion of ``uniforms`` (shape ``(2, n)``), monotone in ``mean``.

    A negative binomial is a Gamma-mixed Poisson: the Gamma quantile uses the second row.
    Inverting fixed uniforms gives common random numbers across the volume search and across
    scenarios run with the same seed, so results are cached on (model, mean, uniforms).
    """
    key = (volume.dispersion, mean, hash(uniforms.tobytes()))
    if key not in _COUNT_CACHE:
        if len(_COUNT_CACHE) > 256:
            _COUNT_CACHE.clear()
        if volume.is_poisson:
            means = np.full(uniforms.shape[1], float(mean))
        else:
            means = mean * _standard_levels(volume.dispersion, uniforms[1])
        _COUNT_CACHE[key] = poisson_quantiles(means, uniforms[0])
    return _COUNT_CACHE[key]


def _standard_levels(dispersion: float, uniforms: np.ndarray) -> np.ndarray:
    """``Gamma(dispersion) / dispersion`` quantiles at ``uniforms`` (mean 1), cached."""
    key = (dispersion, hash(uniforms.tobytes()))
    if key not in _LEVEL_CACHE:
        if len(_LEVEL_CACHE) > 64:
            _LEVEL_CACHE.clear()
        _LEVEL_CACHE[key] = special.gammaincinv(dispersion, uniforms) / dispersion
    return _LEVEL_CACHE[key]


# same seed, same uniforms: the (expensive) inversions are reused across calls and scenarios
_LEVEL_CACHE: dict[tuple[float, int], np.ndarray] = {}
_COUNT_CACHE: dict[tuple[float, float, int], np.ndarray] = {}


def poisson_quantiles(means: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Smallest ``n`` with ``P(Poisson(mean) <= n) >= u``, elementwise.

    Cornish–Fisher start, then whole steps until ``cdf(n - 1) < u <= cdf(n)`` (usually 0–2).
    """
    sd = np.sqrt(means)
    z = special.ndtri(uniforms)
    with np.errstate(divide="ignore", invalid="ignore"):
        skew_term = np.where(sd > 0, (z**2 - 1) / (6 * sd), 0.0)
    guess = np.maximum(np.round(means + sd * (z + skew_term)), 0.0)
    todo = np.arange(guess.size)  # only the draws still moving are re-evaluated
    for _ in range(200):
        g, m, u = guess[todo], means[todo], uniforms[todo]
        low = special.pdtr(g, m) < u
        high = np.zeros_like(low)
        check = ~low & (g > 0)
        high[check] = special.pdtr(g[check] - 1, m[check]) >= u[check]
        moved = low | high
        if not moved.any():
            break
        guess[todo[low]] += 1
        guess[todo[high]] -= 1
        todo = todo[moved]
    return guess


def _mixture_moments(volume_mean, dispersion, rate_mean, rate_var) -> tuple[float, float]:
    """Mean and variance of a thinned Poisson / NB count mixed over the rate."""
    second = rate_var + rate_mean**2
    extra = 0.0 if math.isinf(dispersion) else volume_mean**2 * second / dispersion
    mean = volume_mean * rate_mean
    return mean, mean + extra + volume_mean**2 * rate_var


def build_outcome(
    volume: VolumeModel,
    rates: Sequence[ConversionRate],
    *,
    capacity: int | None,
    n_draws: int,
    rng: np.random.Generator,
):
    """The cheapest exact-or-Monte-Carlo representation of the chain's outcome."""
    fixed_factor = math.prod(r.mean for r in rates if r.is_fixed)
    uncertain = [r for r in rates if not r.is_fixed]
    if capacity is not None:
        uniforms = rng.random((2, n_draws))  # first: the same for every scenario of one seed
        draws = fixed_factor * math.prod((r.sample(n_draws, rng) for r in uncertain), start=1.0)
        draws = np.broadcast_to(draws, (n_draws,)).astype(float)
        return CappedOutcome(volume, capacity, draws, uniforms)
    if len(uncertain) <= 1:
        alpha = uncertain[0].alpha if uncertain else math.inf
        beta = uncertain[0].beta if uncertain else math.inf
        return ExactOutcome(volume.dispersion, alpha, beta, fixed_factor)
    draws = fixed_factor * math.prod(r.sample(n_draws, rng) for r in uncertain)
    return RateDrawsOutcome(volume.dispersion, np.sort(draws))


def largest_target(
    prob: Callable[[int], float],
    level: float,
    *,
    strict: bool = False,
    hint: float = 1.0,
    step: float | None = None,
) -> int:
    """Largest ``T >= 0`` with ``prob(T) >= level`` (``> level`` if ``strict``); prob falls in T.

    ``prob(0)`` is 1 and ``level < 1``, so 0 always qualifies. The bracket gallops from ``hint``
    (e.g. a normal approximation of the answer) in steps starting at ``step`` (default a quarter
    of the hint), doubling, then bisects.
    """

    def ok(t: int) -> bool:
        if t <= 0:
            return True
        p = prob(t)
        return p > level if strict else p >= level

    guess = max(1, round(hint))
    step = max(1, guess // 4) if step is None else max(1, round(step))
    if ok(guess):
        low, high = guess, guess + step
        while ok(high):
            if high > 2**52:
                return high
            low, step = high, step * 2
            high = low + step
    else:
        low, high = max(0, guess - step), guess
        while not ok(low):
            high, step = low, step * 2
            low = max(0, high - step)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if ok(middle) else (low, middle)
    return low


def smallest_volume(
    prob: Callable[[float], float],
    level: float,
    start: float,
    *,
    relative_tolerance: float = 0.0,
    growth: float = 2.0,
) -> float:
    """Smallest whole volume ``V`` with ``prob(V) >= level`` (prob rises in V); inf if beyond.

    Brackets from ``start`` (a good guess keeps the search short), growing by ``growth``, then
    narrows the bracket by interpolation (regula falsi on ``prob - level``, which is smooth in
    the volume), falling back to bisection whenever a step fails to halve the bracket. With
    ``relative_tolerance`` the search stops once the bracket is that narrow (for Monte Carlo
    probabilities, where whole-lead precision is noise). Each probability is computed once.
    """
    known: dict[float, float] = {}

    def value(v: float) -> float:
        if v not in known:
            known[v] = prob(v)
        return known[v]

    high = max(1.0, math.ceil(start))
    low = 0.0
    while value(high) < level:
        if high >= MAX_VOLUME:
            return math.inf
        low, high = high, min(math.ceil(high * growth), MAX_VOLUME)
    if low == 0.0 and high > 1.0:
        low = math.floor(high / growth)
        while low > 0 and value(low) >= level:
            high, low = low, math.floor(low / growth)
    bisect = False
    while high - low > max(1.0, relative_tolerance * high):
        width = high - low
        middle = _next_volume(low, high, known.get(low), known[high], level, bisect)
        low, high = (low, middle) if value(middle) >= level else (middle, high)
        bisect = (high - low) > width / 2  # a step that did not halve: bisect next
    return float(high)


def _next_volume(low, high, p_low, p_high, level, bisect) -> float:
    """The next volume to try strictly inside ``(low, high)``: interpolated or the midpoint."""
    middle = math.floor((low + high) / 2)
    if not bisect and p_low is not None and p_high > p_low:
        guess = low + (level - p_low) / (p_high - p_low) * (high - low)
        middle = math.floor(guess) if guess - low > 0.5 * (high - low) else math.ceil(guess)
    return float(min(max(middle, low + 1), high - 1))
