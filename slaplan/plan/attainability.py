"""Attainability of one period's count target (:func:`attainability` → :class:`Attainability`).

The question before anyone signs "12 SQLs a month": how likely is it, what can we safely promise,
and what volume does it take (PRODUCT.md §1 step 3, §5). The outcome is the number of leads that
reach the last stage of a chain in one month, from a monthly volume (:class:`VolumeModel`) through
one or more stage rates (:class:`ConversionRate`), optionally capped by the leads the team can
work in a month.

Method: exact (``scipy.special`` kernels integrated over the Beta rate) when at most one rate is
uncertain and there is no capacity cap — fixed rates only rescale the volume; Monte Carlo over
independent draws of each stage's rate otherwise, with the count given the rates still exact, so
the standard error is small (``standard_error`` reports it).

Verdicts
--------
``"attainable"``
    ``probability >= confidence``.
``"stretch"``
    ``STRETCH_FLOOR <= probability < confidence``: met in at least one month in five, but below
    the agreed confidence — a target to aim for, not to promise.
``"out of reach"``
    ``probability < STRETCH_FLOOR``.

Infeasible volumes
------------------
More volume always helps without a cap, but a capacity cap (or a rate fixed at 0) can make the
confidence unreachable at any volume. :func:`attainability` then reports
``required_volume = inf`` (the other numbers stay useful); :func:`required_volume` raises
:class:`~slaplan.errors.InfeasibleTargetError` carrying the largest target attainable at the
confidence with unlimited volume.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from scipy import special

from slaplan._checks import check_count, check_probability, check_rng
from slaplan.errors import InfeasibleTargetError
from slaplan.plan.outcome import MAX_VOLUME, build_outcome, largest_target, smallest_volume
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import VolumeModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "STRETCH_FLOOR",
    "Attainability",
    "attainability",
    "check_rates",
    "check_volume",
    "required_volume",
    "verdict_for",
]

STRETCH_FLOOR = 0.2  # below this probability a target is "out of reach"
DEFAULT_DRAWS = 200_000  # Monte Carlo rate draws for chains: standard error <= 0.0011
CAPPED_DRAWS = 20_000  # (volume, rate) draws with a capacity cap: standard error <= 0.0035

Verdict = Literal["attainable", "stretch", "out of reach"]


@dataclass(frozen=True, kw_only=True)
class Attainability:
    """How attainable one period's count target is.

    Attributes
    ----------
    target : int
        The count asked for (e.g. SQLs in a month).
    probability : float
        ``P(outcome >= target)``.
    expected, p10, p50, p90 : float, int
        Mean and 10/50/90% quantiles of the outcome.
    max_target : int
        Largest ``T`` with ``P(outcome >= T) >= confidence``: the largest safe promise.
    required_volume : float
        Smallest mean monthly volume (whole leads, same dispersion) with
        ``P(outcome >= target) >= confidence``; ``inf`` when no volume reaches it.
    verdict : {"attainable", "stretch", "out of reach"}
        See the module docstring for the thresholds.
    method : {"exact", "monte carlo"}
    standard_error : float
        Monte Carlo standard error of ``probability`` (0 when exact).
    confidence, volume_mean, capacity_per_month
        The inputs, for the record.
    """

    target: int
    probability: float
    expected: float
    p10: int
    p50: int
    p90: int
    max_target: int
    required_volume: float
    verdict: Verdict
    method: Literal["exact", "monte carlo"]
    standard_error: float
    confidence: float
    volume_mean: float
    capacity_per_month: float | None = None

    def to_frame(self) -> pd.DataFrame:
        """One-row table of every field."""
        import pandas as pd

        return pd.DataFrame([asdict(self)])

    def __str__(self) -> str:
        return (
            f"P(>= {self.target}) = {self.probability:.1%} ({self.verdict}); expected "
            f"{self.expected:.1f} (p10 {self.p10}, p90 {self.p90}); safe target at "
            f"{self.confidence:.0%}: {self.max_target}; volume needed: {self.required_volume:g}"
        )


def verdict_for(probability: float, confidence: float) -> Verdict:
    """The verdict of a probability at a confidence (thresholds in the module docstring)."""
    if probability >= confidence:
        return "attainable"
    return "stretch" if probability >= STRETCH_FLOOR else "out of reach"


def check_volume(volume: Any) -> VolumeModel:
    """Accept a :class:`VolumeModel` or a plain mean (Poisson)."""
    if isinstance(volume, VolumeModel):
        return volume
    if isinstance(volume, int | float) and not isinstance(volume, bool):
        return VolumeModel.poisson(volume)
    raise TypeError(f"volume must be a VolumeModel or a number, got {volume!r}")


def check_rates(rates: Any) -> tuple[ConversionRate, ...]:
    """Accept one rate or a sequence; plain numbers become fixed rates."""
    if isinstance(rates, ConversionRate | int | float) and not isinstance(rates, bool):
        rates = [rates]
    if isinstance(rates, str) or not isinstance(rates, Sequence) or len(rates) == 0:
        raise TypeError(f"rates must be a ConversionRate or a non-empty sequence, got {rates!r}")
    checked = []
    for i, rate in enumerate(rates):
        if isinstance(rate, ConversionRate):
            checked.append(rate)
        elif isinstance(rate, int | float) and not isinstance(rate, bool):
            checked.append(ConversionRate.fixed(rate))
        else:
            raise TypeError(f"rates[{i}] must be a ConversionRate or a number, got {rate!r}")
    return tuple(checked)


def _check_capacity(capacity_per_month: Any) -> int | None:
    if capacity_per_month is None:
        return None
    return check_count("capacity_per_month", math.floor(capacity_per_month))


def _check_draws(n_draws: Any, capacity: int | None) -> int:
    if n_draws is None:
        return DEFAULT_DRAWS if capacity is None else CAPPED_DRAWS
    return check_count("n_draws", n_draws, minimum=100)


def _prepare(target, volume, rates, confidence, seed, capacity_per_month, n_draws):
    """Validate the shared arguments and build the outcome model."""
    target = check_count("target", target)
    volume = check_volume(volume)
    rates = check_rates(rates)
    confidence = check_probability("confidence", confidence)
    capacity = _check_capacity(capacity_per_month)
    n_draws = _check_draws(n_draws, capacity)
    outcome = build_outcome(volume, rates, capacity=capacity, n_draws=n_draws, rng=check_rng(seed))
    return target, volume, confidence, capacity, outcome


def attainability(
    target: int,
    *,
    volume: VolumeModel | float,
    rates: ConversionRate | Sequence[ConversionRate | float] | float,
    confidence: float = 0.8,
    seed: Any = None,
    capacity_per_month: float | None = None,
    n_draws: int | None = None,
) -> Attainability:
    """Probability of meeting a count target in one period, the safe target, the volume needed.

    Parameters
    ----------
    target : int
        Count to reach at the last stage (whole, >= 0).
    volume : VolumeModel or float
        Monthly volume entering the first stage (a number means Poisson with that mean).
    rates : ConversionRate, float or sequence of them
        Stage rates from the first stage to the target stage (numbers are fixed rates).
    confidence : float, default 0.8
        Agreed confidence, in (0, 1).
    seed : int, Generator or None
        Random source for the Monte Carlo paths (ignored when exact).
    capacity_per_month : float, optional
        Leads the team can work a month at the first stage; leads over it do not convert.
    n_draws : int, optional
        Monte Carlo draws (standard error <= 0.5 / sqrt(n_draws)); default 200,000 for a chain,
        20,000 with a capacity cap.

    Returns
    -------
    Attainability

    Examples
    --------
    >>> from slaplan import ConversionRate, VolumeModel
    >>> a = attainability(40, volume=VolumeModel.poisson(300), rates=ConversionRate(40, 300))
    >>> a.method, round(a.probability, 3), a.max_target, a.verdict
    ('exact', 0.537, 33, 'stretch')
    """
    target, volume, confidence, capacity, outcome = _prepare(
        target, volume, rates, confidence, seed, capacity_per_month, n_draws
    )
    return _summarise(outcome, target, volume, confidence, capacity)


def _summarise(outcome, target, volume, confidence, capacity) -> Attainability:
    mean = volume.mean
    probability, standard_error = outcome.probability(target, mean)
    expected, variance = outcome.moments(mean)
    sd = math.sqrt(max(variance, 0.0))

    def prob(t: int) -> float:
        return outcome.prob_at_least(t, mean)

    def search(level: float, strict: bool) -> int:
        # the answer is near the (1 - level) quantile: a normal guess, then short steps
        guess = expected + float(special.ndtri(1.0 - level)) * sd
        return largest_target(prob, level, strict=strict, hint=guess, step=sd / 4)

    quantiles = [search(1.0 - q, True) for q in (0.1, 0.5, 0.9)]
    # start near the answer: scale the volume so the normal guess of the safe target hits it
    safe_guess = expected + float(special.ndtri(1.0 - confidence)) * sd
    start = mean * target / safe_guess if safe_guess > 0 else target / max(outcome.mean_rate, 1e-12)
    needed = _required(outcome, target, confidence, start=start, capacity=capacity)
    return Attainability(
        target=target,
        probability=probability,
        expected=expected,
        p10=quantiles[0],
        p50=quantiles[1],
        p90=quantiles[2],
        max_target=search(confidence, False),
        required_volume=needed,
        verdict=verdict_for(probability, confidence),
        method=outcome.method,
        standard_error=standard_error,
        confidence=confidence,
        volume_mean=mean,
        capacity_per_month=capacity,
    )


def _required(
    outcome, target: int, confidence: float, *, start: float, capacity: int | None = None
) -> float:
    if target == 0:
        return 0.0
    if outcome.mean_rate <= 0:
        return math.inf
    if capacity is None:
        return smallest_volume(
            lambda v: outcome.prob_at_least(target, v), confidence, min(start, MAX_VOLUME)
        )
    ceiling = 100.0 * max(capacity, 1)  # beyond ~100x the capacity more volume changes nothing
    if outcome.prob_at_least(target, ceiling) < confidence:
        return math.inf
    return smallest_volume(
        lambda v: outcome.prob_at_least(target, v),
        confidence,
        min(start, ceiling),
        relative_tolerance=0.005,
        growth=1.25,
    )


def required_volume(
    target: int,
    *,
    volume: VolumeModel | float,
    rates: ConversionRate | Sequence[ConversionRate | float] | float,
    confidence: float = 0.8,
    seed: Any = None,
    capacity_per_month: float | None = None,
    n_draws: int | None = None,
) -> float:
    """Smallest mean monthly volume (same dispersion) reaching ``target`` at ``confidence``.

    Raises
    ------
    InfeasibleTargetError
        No volume up to 1e9 leads a month reaches the confidence (a capacity cap or a zero
        rate); ``best_achievable`` is the largest target attainable at that confidence.

    Examples
    --------
    >>> from slaplan import ConversionRate
    >>> required_volume(40, volume=300.0, rates=ConversionRate(40, 300))
    353.0
    """
    target, volume, confidence, capacity, outcome = _prepare(
        target, volume, rates, confidence, seed, capacity_per_month, n_draws
    )
    start = target / max(outcome.mean_rate, 1e-12)
    needed = _required(outcome, target, confidence, start=start, capacity=capacity)
    if math.isinf(needed):
        ceiling = MAX_VOLUME if capacity is None else 100.0 * max(capacity, 1)
        best = largest_target(lambda t: outcome.prob_at_least(t, ceiling), confidence)
        raise InfeasibleTargetError(
            f"target {target} cannot be reached with {confidence:.0%} confidence at any volume "
            f"(capacity_per_month={capacity}); the most attainable is {best}",
            target=target,
            best_achievable=best,
        )
    return needed
