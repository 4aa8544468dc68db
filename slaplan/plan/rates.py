"""The Beta posterior of one stage conversion rate (:class:`ConversionRate`).

A stage rate observed as ``converted`` of ``total`` leads is uncertain; with a ``Beta(a0, b0)``
prior its posterior is ``Beta(a0 + converted, b0 + total - converted)`` (PRODUCT.md §4). This
module owns that object: its moments, equal-tailed credible intervals, quantiles and random draws.
A *known* rate (a planning assumption, not an estimate) is a :meth:`ConversionRate.fixed` rate:
``fixed_value`` holds it, ``alpha``/``beta`` are infinite, the variance is 0 and draws are constant.

The kernels are ``scipy.special`` calls (``betaincinv``), about 1 µs each, so planners can call
them in hot paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import special

from slaplan._checks import check_count, check_positive, check_probability, check_rng

__all__ = ["ConversionRate", "beta_interval"]


def check_prior(prior: Any) -> tuple[float, float]:
    """Return ``prior`` as two positive floats ``(a0, b0)``."""
    if isinstance(prior, str | bytes) or not hasattr(prior, "__len__") or len(prior) != 2:
        raise TypeError(f"prior must be a pair (a0, b0) of positive numbers, got {prior!r}")
    return (check_positive("prior[0]", prior[0]), check_positive("prior[1]", prior[1]))


def beta_interval(alpha: Any, beta: Any, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Equal-tailed ``level`` interval of ``Beta(alpha, beta)``, vectorised over the parameters.

    The kernel behind :meth:`ConversionRate.interval` for whole tables of cohorts; ``alpha`` and
    ``beta`` must be > 0 (not checked: callers validate), ``level`` in (0, 1).

    >>> low, high = beta_interval(np.array([41.0]), np.array([261.0]), 0.9)
    >>> round(float(low[0]), 4), round(float(high[0]), 4)
    (0.1048, 0.1695)
    """
    a = np.asarray(alpha, dtype=float)
    b = np.asarray(beta, dtype=float)
    tail = (1.0 - level) / 2.0
    return special.betaincinv(a, b, tail), special.betaincinv(a, b, (1.0 + level) / 2.0)


@dataclass(frozen=True)
class ConversionRate:
    """Beta posterior of a stage conversion rate, or a known (fixed) rate.

    Parameters
    ----------
    converted : int
        Leads that reached the later stage (whole number, ``0 <= converted <= total``).
    total : int
        Leads that entered the earlier stage (whole number >= 0).
    prior : tuple of float, keyword-only, default (1, 1)
        Beta prior ``(a0, b0)``, both > 0. ``(1, 1)`` is uniform on [0, 1].
    fixed_value : float or None, keyword-only, default None
        ``None`` for an estimated rate (the Beta posterior). A number in [0, 1] marks a *known*
        rate; build it with :meth:`fixed` rather than directly. A fixed rate has
        ``converted == total == 0``, ``is_fixed`` True, ``alpha == beta == inf``, ``variance == 0``,
        ``interval(level) == (p, p)`` and constant draws. Code that treats the two kinds
        differently (e.g. exact attainability kernels) should branch on ``is_fixed``.

    Attributes
    ----------
    alpha, beta : float
        Posterior Beta parameters ``a0 + converted`` and ``b0 + total - converted``.
    mean, variance, std : float
        Posterior moments.

    Raises
    ------
    TypeError
        A count is not a number or is a bool.
    ValueError
        A count is negative, fractional, NaN or infinite; ``converted > total``; a prior
        parameter is not > 0; a fixed value is outside [0, 1].

    Examples
    --------
    >>> r = ConversionRate(converted=40, total=300)
    >>> r.alpha, r.beta
    (41.0, 261.0)
    >>> round(r.mean, 4)
    0.1358
    >>> [round(x, 4) for x in r.interval(0.9)]
    [0.1048, 0.1695]
    >>> ConversionRate.fixed(0.12).interval(0.9)
    (0.12, 0.12)
    """

    converted: int
    total: int
    prior: tuple[float, float] = field(default=(1.0, 1.0), kw_only=True)
    fixed_value: float | None = field(default=None, kw_only=True)

    def __post_init__(self) -> None:
        converted = check_count("converted", self.converted)
        total = check_count("total", self.total)
        if converted > total:
            raise ValueError(
                f"converted must be <= total, got converted={converted}, total={total}"
            )
        object.__setattr__(self, "converted", converted)
        object.__setattr__(self, "total", total)
        object.__setattr__(self, "prior", check_prior(self.prior))
        if self.fixed_value is not None:
            value = check_probability(
                "fixed_value", self.fixed_value, open_low=False, open_high=False
            )
            if total != 0:
                raise ValueError(
                    f"a fixed rate carries no counts: converted and total must be 0, got "
                    f"converted={converted}, total={total}"
                )
            object.__setattr__(self, "fixed_value", value)

    # --- named constructors -----------------------------------------------------------------

    @classmethod
    def fixed(cls, rate: float) -> ConversionRate:
        """A known rate with no uncertainty (``fixed_value = rate``, ``alpha = beta = inf``).

        >>> ConversionRate.fixed(0.12).sample(3, rng=0)
        array([0.12, 0.12, 0.12])
        """
        return cls(0, 0, fixed_value=rate)

    @classmethod
    def from_counts(
        cls, converted: int, total: int, *, prior: tuple[float, float] = (1.0, 1.0)
    ) -> ConversionRate:
        """The posterior after ``converted`` of ``total`` (same as the constructor, for symmetry).

        >>> ConversionRate.from_counts(40, 300).alpha
        41.0
        """
        return cls(converted, total, prior=prior)

    @classmethod
    def from_mean(cls, mean: float, *, sample_size: float) -> ConversionRate:
        """A Beta rate with the given ``mean`` worth ``sample_size`` leads of evidence.

        Stored as a prior ``(mean * sample_size, (1 - mean) * sample_size)`` with no counts, so
        ``alpha + beta == sample_size``. Handy for planning "about 12%, as sure as 500 leads".

        >>> r = ConversionRate.from_mean(0.12, sample_size=500)
        >>> round(r.alpha, 6), round(r.beta, 6)
        (60.0, 440.0)
        """
        mean = check_probability("mean", mean)
        sample_size = check_positive("sample_size", sample_size)
        return cls(0, 0, prior=(mean * sample_size, (1.0 - mean) * sample_size))

    # --- posterior --------------------------------------------------------------------------

    @property
    def is_fixed(self) -> bool:
        """True for a known rate made by :meth:`fixed`."""
        return self.fixed_value is not None

    @property
    def alpha(self) -> float:
        """Posterior ``a0 + converted`` (``inf`` for a fixed rate)."""
        return math.inf if self.is_fixed else self.prior[0] + self.converted

    @property
    def beta(self) -> float:
        """Posterior ``b0 + total - converted`` (``inf`` for a fixed rate)."""
        return math.inf if self.is_fixed else self.prior[1] + self.total - self.converted

    @property
    def mean(self) -> float:
        """Posterior mean ``alpha / (alpha + beta)``."""
        if self.fixed_value is not None:
            return self.fixed_value
        return self.alpha / (self.alpha + self.beta)

    @property
    def variance(self) -> float:
        """Posterior variance ``ab / ((a + b)^2 (a + b + 1))`` (0 for a fixed rate)."""
        if self.is_fixed:
            return 0.0
        a, b = self.alpha, self.beta
        return a * b / ((a + b) ** 2 * (a + b + 1.0))

    @property
    def std(self) -> float:
        """Posterior standard deviation."""
        return math.sqrt(self.variance)

    @property
    def raw_rate(self) -> float:
        """Observed ``converted / total`` (NaN when ``total == 0``; the value of a fixed rate)."""
        if self.fixed_value is not None:
            return self.fixed_value
        return self.converted / self.total if self.total else math.nan

    def quantile(self, q: Any) -> Any:
        """Posterior quantile(s) at probability ``q`` (scalar or array in [0, 1]).

        >>> round(float(ConversionRate(40, 300).quantile(0.5)), 4)
        0.135
        """
        q_array = np.asarray(q, dtype=float)
        if q_array.dtype == bool or not np.all((q_array >= 0) & (q_array <= 1)):
            raise ValueError(f"q must be in [0, 1], got {q!r}")
        if self.fixed_value is not None:
            result = np.full(q_array.shape, self.fixed_value)
        else:
            result = special.betaincinv(self.alpha, self.beta, q_array)
        return float(result) if result.ndim == 0 else result

    def interval(self, level: float = 0.9) -> tuple[float, float]:
        """Equal-tailed credible interval holding ``level`` of the posterior mass.

        Equals ``scipy.stats.beta(alpha, beta).interval(level)``.

        >>> [round(x, 4) for x in ConversionRate(40, 300).interval(0.5)]
        [0.1221, 0.1486]
        """
        level = check_probability("level", level)
        tail = (1.0 - level) / 2.0
        low, high = self.quantile(np.array([tail, (1.0 + level) / 2.0]))
        return (float(low), float(high))

    def sample(self, n: int, rng: Any = None) -> np.ndarray:
        """``n`` independent draws of the rate (``rng``: seed, Generator or None).

        >>> ConversionRate(40, 300).sample(2, rng=0).shape
        (2,)
        """
        n = check_count("n", n)
        generator = check_rng(rng)
        if self.fixed_value is not None:
            return np.full(n, self.fixed_value)
        return generator.beta(self.alpha, self.beta, size=n)

    def __str__(self) -> str:
        if self.fixed_value is not None:
            return f"{self.fixed_value:.1%} (fixed)"
        low, high = self.interval(0.9)
        return f"{self.mean:.1%} (90% {low:.1%}–{high:.1%}; {self.converted}/{self.total})"
