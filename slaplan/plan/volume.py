"""Monthly volume models (:class:`VolumeModel`): how many leads arrive at a stage in a month.

A volume is Poisson (``dispersion = inf``) or negative binomial with
``variance = mean + mean**2 / dispersion`` (PRODUCT.md §4). :meth:`VolumeModel.fit` turns a history
of monthly counts into the *predictive* distribution of next month's count, which includes the
uncertainty of the estimated level:

* no overdispersion detected (index-of-dispersion test at 5%): the level has the Gamma posterior
  ``Gamma(0.5 + sum(counts), months)`` (Jeffreys prior) and the predictive count is exactly negative
  binomial with ``dispersion = 0.5 + sum(counts)``;
* overdispersed history: within-month dispersion ``k`` by the method of moments, level
  uncertainty ``Var(mean) = s**2 / months``, and a negative binomial matched to the predictive
  mean and variance.

``level_shape`` remembers how uncertain the level itself is (the Gamma shape of the level,
``inf`` when the mean is known). A multi-month simulation draws the level once per path, so
months share it, and draws each month around it (:meth:`VolumeModel.sample_paths`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
from scipy import special

from slaplan._checks import check_count, check_counts_array, check_positive, check_rng

__all__ = ["VolumeModel"]

_JEFFREYS_SHAPE = 0.5  # Gamma prior shape of a Poisson level (Jeffreys prior, rate 0)
_OVERDISPERSION_ALPHA = 0.05  # significance of the index-of-dispersion test in ``fit``

VolumeKind = Literal["poisson", "negative binomial", "fitted"]


@dataclass(frozen=True, kw_only=True)
class VolumeModel:
    """Distribution of one month's count of leads at a stage.

    Build it with :meth:`poisson`, :meth:`negative_binomial` or :meth:`fit`.

    Parameters
    ----------
    mean : float
        Expected count per month (>= 0).
    dispersion : float
        Negative binomial size; ``variance = mean + mean**2 / dispersion``; ``inf`` = Poisson.
    level_shape : float
        Gamma shape of the uncertainty of the level shared by all months of a plan
        (``inf``: the mean is known). Only multi-month simulations use it.
    kind : {"poisson", "negative binomial", "fitted"}
        How the model was made (for display).

    Examples
    --------
    >>> v = VolumeModel.negative_binomial(mean=300, dispersion=20)
    >>> v.variance
    4800.0
    >>> VolumeModel.fit([290, 310, 305, 298, 320, 301]).kind
    'fitted'
    """

    mean: float
    dispersion: float = math.inf
    level_shape: float = math.inf
    kind: VolumeKind = "poisson"

    def __post_init__(self) -> None:
        check_positive("mean", self.mean, allow_zero=True)
        for name in ("dispersion", "level_shape"):
            value = getattr(self, name)
            if not (isinstance(value, float | int) and not isinstance(value, bool) and value > 0):
                raise ValueError(f"{name} must be > 0 (inf allowed), got {value!r}")

    # --- named constructors -----------------------------------------------------------------

    @classmethod
    def poisson(cls, mean: float) -> VolumeModel:
        """Poisson arrivals with the given mean per month.

        >>> VolumeModel.poisson(300).variance
        300.0
        """
        return cls(mean=check_positive("mean", mean, allow_zero=True), kind="poisson")

    @classmethod
    def negative_binomial(cls, mean: float, dispersion: float) -> VolumeModel:
        """Overdispersed arrivals: ``variance = mean + mean**2 / dispersion``.

        >>> VolumeModel.negative_binomial(300, 20).dispersion
        20.0
        """
        return cls(
            mean=check_positive("mean", mean, allow_zero=True),
            dispersion=check_positive("dispersion", dispersion),
            kind="negative binomial",
        )

    @classmethod
    def fit(cls, monthly_counts: Any) -> VolumeModel:
        """Predictive distribution of next month's count from >= 3 months of history.

        Parameters
        ----------
        monthly_counts : array-like of int
            Whole, non-negative counts, one per month (at least 3).

        Raises
        ------
        ValueError, TypeError
            Fewer than 3 months, or a negative, fractional, NaN or non-numeric count.

        Examples
        --------
        >>> v = VolumeModel.fit([100, 95, 110, 102])
        >>> round(v.mean, 2), round(v.dispersion, 1)
        (101.88, 407.5)
        """
        counts = check_counts_array("monthly_counts", monthly_counts, min_length=3)
        mean, dispersion, level_shape = fit_volume_parameters(counts)
        return cls(mean=mean, dispersion=dispersion, level_shape=level_shape, kind="fitted")

    def scaled(self, mean: float) -> VolumeModel:
        """The same model (same dispersion and level uncertainty) at another mean.

        >>> VolumeModel.negative_binomial(300, 20).scaled(600).variance
        18600.0
        """
        return replace(self, mean=check_positive("mean", mean, allow_zero=True))

    # --- distribution -----------------------------------------------------------------------

    @property
    def is_poisson(self) -> bool:
        """True when the one-month distribution is Poisson (``dispersion`` is infinite)."""
        return math.isinf(self.dispersion)

    @property
    def variance(self) -> float:
        """``mean + mean**2 / dispersion``."""
        return self.mean + (0.0 if self.is_poisson else self.mean**2 / self.dispersion)

    @property
    def std(self) -> float:
        """Standard deviation of one month's count."""
        return math.sqrt(self.variance)

    def cdf(self, count: Any) -> Any:
        """``P(N <= count)`` for one month (scalar or array of whole numbers).

        >>> round(float(VolumeModel.poisson(2).cdf(3)), 6)
        0.857123
        """
        k = np.floor(np.asarray(count, dtype=float))
        if self.is_poisson:
            result = np.where(k < 0, 0.0, special.pdtr(np.maximum(k, 0), self.mean))
        else:
            r = self.dispersion
            result = np.where(
                k < 0, 0.0, special.betainc(r, np.maximum(k, 0) + 1, r / (r + self.mean))
            )
        return float(result) if result.ndim == 0 else result

    def sample(self, size: int, rng: Any = None) -> np.ndarray:
        """``size`` independent draws of one month's count (``rng``: seed or Generator).

        >>> VolumeModel.poisson(300).sample(3, rng=0).shape
        (3,)
        """
        size = check_count("size", size)
        generator = check_rng(rng)
        if self.is_poisson or self.mean == 0:
            return generator.poisson(self.mean, size=size)
        r = self.dispersion
        return generator.negative_binomial(r, r / (r + self.mean), size=size)

    def sample_paths(self, n_paths: int, n_months: int, rng: Any = None) -> np.ndarray:
        """Counts for ``n_months`` months on ``n_paths`` paths (shape ``(n_paths, n_months)``).

        The level is drawn once per path (``level_shape``) and shared by its months, so a
        fitted model's estimation error does not average out over a plan.

        >>> VolumeModel.fit([100, 95, 110]).sample_paths(4, 12, rng=0).shape
        (4, 12)
        """
        generator = check_rng(rng)
        means = self.mean * path_level_factors(self.level_shape, n_paths, generator)
        return draw_monthly_counts(
            np.repeat(means[:, None], n_months, axis=1),
            within_dispersion(self.dispersion, self.level_shape),
            generator,
        )

    def __str__(self) -> str:
        shape = "Poisson" if self.is_poisson else f"NB, dispersion {self.dispersion:.3g}"
        return f"{self.mean:.1f}/month ({shape}, sd {self.std:.1f})"


# --- kernels --------------------------------------------------------------------------------


def fit_volume_parameters(counts: np.ndarray) -> tuple[float, float, float]:
    """``(mean, dispersion, level_shape)`` of the predictive count from monthly ``counts``."""
    months = counts.size
    total = float(counts.sum())
    mean = total / months
    sample_var = float(counts.var(ddof=1))
    index = (months - 1) * sample_var / mean if mean > 0 else 0.0
    overdispersed = mean > 0 and special.chdtrc(months - 1, index) < _OVERDISPERSION_ALPHA
    if not overdispersed:
        shape = _JEFFREYS_SHAPE + total
        return shape / months, shape, shape
    # the sample variance of a few months is itself uncertain: use its posterior mean under a
    # scale-invariant prior, s**2 (n - 1) / (n - 3) (Gelman et al., BDA 3.2), floor n = 4
    sample_var *= (months - 1) / max(months - 3, 1)
    within = mean**2 / (sample_var - mean)
    level_shape = months * mean**2 / sample_var
    predictive_var = mean + mean**2 / within * (1.0 + 1.0 / level_shape) + mean**2 / level_shape
    return mean, mean**2 / (predictive_var - mean), level_shape


def within_dispersion(dispersion: float, level_shape: float) -> float:
    """Month-to-month dispersion around a path's level, given the predictive ``dispersion``.

    Inverts ``1/k = 1/s + (1 + 1/s)/k_within`` (predictive NB = Gamma-level mixture).
    """
    inverse = (1.0 / dispersion - 1.0 / level_shape) / (1.0 + 1.0 / level_shape)
    return math.inf if inverse <= 1e-12 else 1.0 / inverse


def path_level_factors(level_shape: float, n_paths: int, rng: np.random.Generator) -> np.ndarray:
    """Multiplicative level per path, mean 1 (all ones when the level is known)."""
    if math.isinf(level_shape):
        return np.ones(n_paths)
    return rng.gamma(level_shape, 1.0 / level_shape, size=n_paths)


def draw_monthly_counts(
    means: np.ndarray, dispersion: float, rng: np.random.Generator
) -> np.ndarray:
    """Poisson (or Gamma–Poisson with ``dispersion``) counts around the array ``means``."""
    if not math.isinf(dispersion):
        means = rng.gamma(dispersion, 1.0, size=means.shape) * (means / dispersion)
    return rng.poisson(means)
