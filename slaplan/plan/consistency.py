"""SLA consistency (:func:`sla_consistency` → :class:`SlaConsistency`).

Marketing commits to N MQLs a month, sales to M SQLs. If marketing delivers *exactly* N, sales'
outcome is ``Binomial(N, p)`` with ``p`` the (uncertain) MQL → SQL rate, so
``P(sales meets M | N delivered)`` is a beta-binomial tail, exact by quadrature
(:func:`slaplan.plan.exact.prob_binomial_at_least`). A contract whose two sides cannot both be kept
at the agreed confidence is flagged, with the largest M that would be consistent with N and the
N that M needs. A chain of several uncertain rates is averaged over Monte Carlo rate draws.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special

from slaplan._checks import check_count, check_probability, check_rng
from slaplan.plan.attainability import check_rates
from slaplan.plan.exact import prob_binomial_at_least
from slaplan.plan.outcome import largest_target, smallest_volume
from slaplan.plan.rates import ConversionRate

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SlaConsistency", "sla_consistency"]

_CHAIN_DRAWS = 100_000


@dataclass(frozen=True, kw_only=True)
class SlaConsistency:
    """Whether the marketing and sales commitments can both be kept.

    Attributes
    ----------
    delivered, target : int
        Marketing's commitment N and sales' commitment M.
    probability : float
        ``P(sales >= M | marketing delivers exactly N)``.
    consistent : bool
        ``probability >= confidence``.
    consistent_target : int
        Largest M attainable at ``confidence`` from exactly N.
    required_delivered : float
        Smallest N with ``P(sales >= M) >= confidence`` (``inf`` if none).
    """

    delivered: int
    target: int
    confidence: float
    probability: float
    consistent: bool
    consistent_target: int
    required_delivered: float

    def to_frame(self) -> pd.DataFrame:
        """One-row table."""
        import pandas as pd

        return pd.DataFrame([asdict(self)])

    def __str__(self) -> str:
        state = "consistent" if self.consistent else "INCONSISTENT"
        shown = _percent_beside(self.probability, self.confidence)
        return (
            f"{state}: P(>= {self.target} | exactly {self.delivered} delivered) = "
            f"{shown}; consistent target {self.consistent_target}, "
            f"{self.target} needs {self.required_delivered:g} delivered"
        )


def _percent_beside(probability: float, threshold: float) -> str:
    """``probability`` as a percentage with 1 decimal, more if fewer would round it onto or over
    ``threshold`` (0.79996 beside 80% prints as 79.996%, not as a contradicting 80.0%).

    >>> _percent_beside(0.79996, 0.8), _percent_beside(0.8, 0.8), _percent_beside(0.42, 0.8)
    ('79.996%', '80.0%', '42.0%')
    """
    below = probability < threshold
    for decimals in range(1, 7):
        shown = f"{probability:.{decimals}%}"
        if (float(shown[:-1]) / 100 < threshold) == below:
            return shown
    return shown


def sla_consistency(
    delivered: int,
    target: int,
    *,
    rates: ConversionRate | Sequence[ConversionRate | float] | float,
    confidence: float = 0.8,
    seed: Any = 0,
) -> SlaConsistency:
    """Probability that sales meets ``target`` when marketing delivers exactly ``delivered``.

    Examples
    --------
    >>> from slaplan import ConversionRate
    >>> c = sla_consistency(300, 40, rates=ConversionRate(40, 300))
    >>> c.consistent, c.consistent_target
    (False, 34)
    """
    delivered = check_count("delivered", delivered)
    target = check_count("target", target)
    rates = check_rates(rates)
    confidence = check_probability("confidence", confidence)
    prob = _binomial_tail(rates, check_rng(seed))
    probability = prob(target, delivered)
    mean_rate = math.prod(r.mean for r in rates)
    needed = (
        0.0
        if target == 0
        else smallest_volume(
            lambda n: prob(target, int(n)), confidence, start=target / max(mean_rate, 1e-12)
        )
    )
    return SlaConsistency(
        delivered=delivered,
        target=target,
        confidence=confidence,
        probability=probability,
        consistent=probability >= confidence,
        consistent_target=largest_target(
            lambda t: prob(t, delivered), confidence, hint=delivered * mean_rate
        ),
        required_delivered=needed,
    )


def _binomial_tail(rates: tuple[ConversionRate, ...], rng: np.random.Generator):
    """``(target, n) -> P(Binomial(n, p) >= target)`` for the chain's product rate ``p``."""
    fixed = math.prod(r.mean for r in rates if r.is_fixed)
    uncertain = [r for r in rates if not r.is_fixed]
    if not uncertain:
        return lambda t, n: (
            1.0 if t <= 0 else (0.0 if t > n else float(special.betainc(t, n - t + 1, fixed)))
        )
    if len(uncertain) == 1 and fixed == 1.0:
        rate = uncertain[0]
        return lambda t, n: prob_binomial_at_least(t, n, rate.alpha, rate.beta)
    draws = fixed * math.prod(r.sample(_CHAIN_DRAWS, rng) for r in uncertain)

    def tail(t: int, n: int) -> float:
        if t <= 0:
            return 1.0
        if t > n:
            return 0.0
        return float(special.betainc(t, n - t + 1, draws).mean())

    return tail
