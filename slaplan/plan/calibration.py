"""Calibration study of attainability on simulated worlds with known truth (PRODUCT.md §4).

When slaplan says "80% likely", the target must be met about 80% of the time. Each world draws a
true stage rate and monthly volume, generates 12 months of history, fits
:meth:`VolumeModel.fit` and :class:`ConversionRate` on it exactly as a user would, plans the next
month at a growth factor (``VolumeModel.scaled``) and asks the exact kernel for
``P(outcome >= target)``; then the next month is simulated from the truth. Predictions binned by
probability must hit at the predicted frequency.

The worlds (chosen to look like planning practice): rate ``U(0.03, 0.5)``, history volume
log-uniform on 20–300 leads a month (Poisson), growth log-uniform on 1–10×, and the rate measured
only on the 3–12 oldest (mature) monthly cohorts. Targets are drawn around the model's predictive
mean (normal scores of ``U(0.02, 0.98)``) so predictions spread over the whole range.

Two straw men are scored on the same worlds and targets: ``"ignore rate uncertainty"`` (the rate
fixed at its posterior mean) and ``"plug-in"`` (also a Poisson volume at the point estimate, the
spreadsheet plan). Both are overconfident: their high-probability bins hit less often than
they say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from scipy import special

from slaplan._checks import check_count, check_option, check_rng
from slaplan.plan.exact import prob_at_least_array
from slaplan.plan.rates import ConversionRate
from slaplan.plan.volume import VolumeModel

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CalibrationStudy", "calibration_study"]

HISTORY_MONTHS = 12
Plan = Literal["model", "ignore rate uncertainty", "plug-in"]


@dataclass(frozen=True, kw_only=True)
class CalibrationStudy:
    """Per-world predictions of three plans and whether the target was hit."""

    predictions: dict[str, np.ndarray]
    hit: np.ndarray

    @property
    def n_worlds(self) -> int:
        """Number of simulated worlds."""
        return self.hit.size

    def table(self, plan: Plan = "model", *, n_bins: int = 10) -> pd.DataFrame:
        """Decile bins of predicted probability: worlds, mean prediction, hit rate, difference."""
        import pandas as pd

        predicted = self.predictions[plan]
        bins = np.minimum((predicted * n_bins).astype(int), n_bins - 1)
        rows = []
        for k in range(n_bins):
            inside = bins == k
            count = int(inside.sum())
            mean_prediction = float(predicted[inside].mean()) if count else np.nan
            hit_rate = float(self.hit[inside].mean()) if count else np.nan
            rows.append(
                {
                    "bin": f"{k / n_bins:.1f}–{(k + 1) / n_bins:.1f}",
                    "worlds": count,
                    "predicted": mean_prediction,
                    "observed": hit_rate,
                    "difference": hit_rate - mean_prediction,
                }
            )
        return pd.DataFrame(rows)

    def max_gap(self, plan: Plan = "model", *, min_worlds: int = 300) -> float:
        """Largest ``|observed - predicted|`` over bins holding at least ``min_worlds`` worlds."""
        table = self.table(plan)
        return float(table.loc[table["worlds"] >= min_worlds, "difference"].abs().max())


def calibration_study(
    n_worlds: int = 30_000,
    *,
    seed: Any = None,
    volume: Literal["poisson", "negative binomial"] = "poisson",
) -> CalibrationStudy:
    """Simulate ``n_worlds`` worlds and score the attainability predictions (module docstring).

    ``volume="negative binomial"`` makes monthly volumes overdispersed (dispersion log-uniform
    on 3–50), so :meth:`VolumeModel.fit` takes its negative binomial branch.

    Examples
    --------
    >>> study = calibration_study(2000, seed=0)
    >>> study.table().shape
    (10, 5)
    """
    n_worlds = check_count("n_worlds", n_worlds, minimum=10)
    check_option("volume", volume, ("poisson", "negative binomial"))
    rng = check_rng(seed)
    true_rate = rng.uniform(0.03, 0.5, n_worlds)
    true_volume = np.exp(rng.uniform(np.log(20), np.log(300), n_worlds))
    growth = np.exp(rng.uniform(0.0, np.log(10), n_worlds))
    mature_months = rng.integers(3, HISTORY_MONTHS + 1, n_worlds)
    dispersion_true = (
        np.full(n_worlds, np.inf)
        if volume == "poisson"
        else np.exp(rng.uniform(np.log(3), np.log(50), n_worlds))
    )
    history = _monthly_counts(true_volume[:, None], dispersion_true[:, None], HISTORY_MONTHS, rng)
    mature = np.arange(HISTORY_MONTHS)[None, :] < mature_months[:, None]
    leads = np.where(mature, history, 0).sum(axis=1)
    converted = rng.binomial(leads, true_rate)

    volumes = [VolumeModel.fit(counts) for counts in history]
    rates = [ConversionRate(int(c), int(n)) for c, n in zip(converted, leads, strict=True)]
    mean = np.array([v.mean for v in volumes]) * growth
    dispersion = np.array([v.dispersion for v in volumes])
    alpha = np.array([r.alpha for r in rates])
    beta = np.array([r.beta for r in rates])
    target = _spread_targets(mean, dispersion, alpha, beta, rng)

    next_month = _monthly_counts(growth * true_volume, dispersion_true, None, rng)
    outcome = rng.binomial(next_month, true_rate)
    rate_mean = alpha / (alpha + beta)
    point_volume = history.mean(axis=1) * growth
    predictions = {
        "model": prob_at_least_array(target, mean, dispersion, alpha, beta, n_nodes=24),
        "ignore rate uncertainty": prob_at_least_array(target, mean, dispersion, np.inf, rate_mean),
        "plug-in": prob_at_least_array(target, point_volume, np.inf, np.inf, rate_mean),
    }
    return CalibrationStudy(predictions=predictions, hit=outcome >= target)


def _monthly_counts(means, dispersion, months, rng) -> np.ndarray:
    """Poisson counts, or Gamma–Poisson (negative binomial) where ``dispersion`` is finite."""
    shape = np.broadcast_shapes(np.shape(means), (np.shape(means)[0], months or 1))
    shape = shape if months else np.shape(means)
    means = np.broadcast_to(means, shape)
    dispersion = np.broadcast_to(dispersion, shape)
    finite = np.isfinite(dispersion)
    levels = np.array(means, dtype=float)
    levels[finite] = rng.gamma(dispersion[finite], means[finite] / dispersion[finite])
    return rng.poisson(levels)


def _spread_targets(mean, dispersion, alpha, beta, rng) -> np.ndarray:
    """Targets at random normal scores of the model's predictive mean and variance."""
    rate_mean = alpha / (alpha + beta)
    rate_var = rate_mean * (1 - rate_mean) / (alpha + beta + 1)
    expected = mean * rate_mean
    variance = expected + mean**2 * (rate_mean**2 + rate_var) / dispersion + mean**2 * rate_var
    score = special.ndtri(rng.uniform(0.02, 0.98, mean.size))
    return np.maximum(0.0, np.round(expected + score * np.sqrt(variance)))
