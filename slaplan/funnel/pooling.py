"""Partial pooling of conversion rates across groups (segments, cohorts): empirical-Bayes Beta.

This module owns *shrinkage*. Groups with few leads have noisy rates; a Beta-binomial model
treats each group's rate as a draw from ``Beta(a, b)`` whose mean is the overall rate and whose
strength ``a + b`` is fitted from how much the groups' rates vary beyond binomial noise
(method of moments on the between-group mean square, Kleinman 1973; the intra-class
correlation is ``rho = 1 / (a + b + 1)``). Each group's pooled rate is then its posterior mean
``(a + converted) / (a + b + total)``: a weighted average of its raw rate and the overall rate,
the weight on the overall rate growing as the group shrinks. Groups under 30 leads are flagged.

:func:`fit_beta_prior` is the numpy kernel (also used for cohort priors in
:mod:`slaplan.funnel.conversion`); :func:`segment_rates` is the table.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from slaplan._checks import check_counts_array

__all__ = ["SMALL_SEGMENT_LEADS", "fit_beta_prior"]

SMALL_SEGMENT_LEADS = 30
"""Groups with fewer leads than this are flagged ``small`` (PRODUCT.md §4)."""


def fit_beta_prior(converted: Any, total: Any) -> tuple[float, float]:
    """Method-of-moments Beta prior ``(a, b)`` of the group rates behind binomial counts.

    Parameters
    ----------
    converted, total : array_like of int
        Counts per group (``converted <= total``); groups with ``total == 0`` are ignored.

    Returns
    -------
    (a, b) : tuple of float
        Mean ``a / (a + b)`` is the pooled rate. Strength ``a + b = 1 / rho - 1`` with
        ``rho = (MSB - p(1-p)) / (p(1-p) (n0 - 1))``, ``MSB = sum n_i (r_i - p)^2 / (k - 1)``,
        ``n0 = (N - sum n_i^2 / N) / (k - 1)``. When the groups vary no more than binomial noise
        (``rho <= 0``) or there is a single group, the strength is ``N`` (the prior is worth all
        the data: near-complete pooling); it is at least 2.

    Examples
    --------
    >>> a, b = fit_beta_prior([10, 20, 30], [100, 100, 100])
    >>> round(a / (a + b), 3), round(a + b, 1)
    (0.2, 17.9)
    """
    c = check_counts_array("converted", converted)
    n = check_counts_array("total", total)
    if c.shape != n.shape or np.any(c > n):
        raise ValueError("converted and total must have the same length and converted <= total")
    c, n = c[n > 0], n[n > 0].astype(float)
    n_all = float(n.sum())
    if n_all == 0:
        return (1.0, 1.0)
    p = float(np.clip(c.sum() / n_all, 0.5 / n_all, 1 - 0.5 / n_all))
    strength = n_all
    if n.size > 1:
        groups = n.size - 1
        msb = float(np.sum(n * (c / n - p) ** 2)) / groups
        n0 = (n_all - float(np.sum(n**2)) / n_all) / groups
        rho = (msb - p * (1 - p)) / (p * (1 - p) * (n0 - 1)) if n0 > 1 else 0.0
        if rho > 0:
            strength = min(n_all, 1.0 / rho - 1.0)
    strength = max(strength, 2.0)
    return (p * strength, (1 - p) * strength)
