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
            if "level" not in self._cache:  # the mean-free part of the volume draws
                self._cache["level"] = _standard_levels(self.volume, self.volume_uniforms[1])
            counts = poisson_quantiles(volume_mean * self._cache["level"], self.volume_uniforms[0])
            self._cache[volume_mean] = np.minimum(counts, self.capacity)
        return self._cache[volume_mean]

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
        return float(self._values(target, volume_mean).mean())


def _standard_levels(volume: VolumeModel, uniforms: np.ndarray) -> np.ndarray:
    """Monthly level / mean, by inversion of ``uniforms`` (all ones for Poisson volume).

    A negative binomial is a Gamma-mixed Poisson; inverting fixed uniforms keeps the draws
    monotone in the mean (common random numbers across the volume search).
    """
    if volume.is_poisson:
        return np.ones_like(uniforms)
    key = (volume.dispersion, hash(uniforms.tobytes()))
    if key not in _LEVEL_CACHE:
        if len(_LEVEL_CACHE) > 64:
            _LEVEL_CACHE.clear()
        r = volume.dispersion
        _LEVEL_CACHE[key] = special.gammaincinv(r, uniforms) / r
    return _LEVEL_CACHE[key]


_LEVEL_CACHE: dict[tuple[float, int], np.ndarray] = {}  # same seed, same draws: reuse them


def poisson_quantiles(means: np.ndarray, uniforms: np.ndarray) -> np.ndarray:
    """Smallest ``n`` with ``P(Poisson(mean) <= n) >= u``, elementwise.

    Cornish–Fisher start, then whole steps until ``cdf(n - 1) < u <= cdf(n)`` (usually 0–2).
    """
    sd = np.sqrt(means)
    z = special.ndtri(uniforms)
    with np.errstate(divide="ignore", invalid="ignore"):
        skew_term = np.where(sd > 0, (z**2 - 1) / (6 * sd), 0.0)
    guess = np.maximum(np.round(means + sd * (z + skew_term)), 0.0)
    for _ in range(200):
        low = special.pdtr(guess, means) < uniforms
        high = (guess > 0) & (special.pdtr(guess - 1, means) >= uniforms)
        if not (low.any() or high.any()):
            break
        guess = guess + low - high
    return guess


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
        draws = fixed_factor * math.prod((r.sample(n_draws, rng) for r in uncertain), start=1.0)
        draws = np.broadcast_to(draws, (n_draws,)).astype(float)
        return CappedOutcome(volume, capacity, draws, rng.random((2, n_draws)))
    if len(uncertain) <= 1:
        alpha = uncertain[0].alpha if uncertain else math.inf
        beta = uncertain[0].beta if uncertain else math.inf
        return ExactOutcome(volume.dispersion, alpha, beta, fixed_factor)
    draws = fixed_factor * math.prod(r.sample(n_draws, rng) for r in uncertain)
    return RateDrawsOutcome(volume.dispersion, np.sort(draws))


def largest_target(
    prob: Callable[[int], float], level: float, *, strict: bool = False, hint: float = 1.0
) -> int:
    """Largest ``T >= 0`` with ``prob(T) >= level`` (``> level`` if ``strict``); prob falls in T.

    ``prob(0)`` is 1 and ``level < 1``, so 0 always qualifies. The bracket gallops from ``hint``
    (e.g. the expected outcome), then bisects.
    """

    def ok(t: int) -> bool:
        if t <= 0:
            return True
        p = prob(t)
        return p > level if strict else p >= level

    guess = max(1, int(hint))
    step = max(1, guess // 4)
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
    prob: Callable[[float], float], level: float, start: float, *, relative_tolerance: float = 0.0
) -> float:
    """Smallest whole volume ``V`` with ``prob(V) >= level`` (prob rises in V); inf if beyond.

    With ``relative_tolerance`` the bisection stops once the bracket is that narrow (for Monte
    Carlo probabilities, where whole-lead precision is noise).
    """
    high = max(1.0, math.ceil(start))
    while prob(high) < level:
        if high >= MAX_VOLUME:
            return math.inf
        high = min(high * 2.0, MAX_VOLUME)
    low = 0.0
    while high - low > max(1.0, relative_tolerance * high):
        middle = float(math.floor((low + high) / 2))
        low, high = (low, middle) if prob(middle) >= level else (middle, high)
    return float(high)
