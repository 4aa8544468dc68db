"""Sampling kernels of the Monte Carlo funnel (numpy only; :mod:`slaplan.plan.simulate` calls them).

Arrays are laid out ``[class, month, path]``: a lead's *class* is the stage where it stops (0 =
never converts at the first transition, …, last = reaches the final stage), months run warm-up
first, and paths are the fastest axis so that a month's slice, a sum over classes and a lag shift
are contiguous, elementwise operations.

Why classes: conditional on a path's rates ``p_1 … p_S`` the fate of each lead is an independent
mark, ``P(stops at stage j) = p_1 ⋯ p_j (1 − p_{j+1})``. Given the path-month level ``λ`` of a
Poisson (or Gamma-mixed Poisson, i.e. negative binomial) volume, the counts of each class are
*independent Poisson* ``(λ · P(class j))`` (Poisson thinning; Kingman, *Poisson Processes*, 1993,
§5.1): one vectorised Poisson call replaces the chain of per-path binomials, with the same joint
law. What stays random afterwards has constant probabilities (lags, carry-over: the tabulated
sampler of :mod:`slaplan.plan.split`) or is a uniformly random choice of leads (the capacity cap:
multivariate hypergeometric over the classes in the queue).
"""

from __future__ import annotations

import math

import numpy as np

from slaplan.plan.split import binomial_constant, multinomial_constant

__all__ = [
    "class_probabilities",
    "classes_from_counts",
    "classes_from_levels",
    "counts_from_paths",
    "spread_over_lags",
    "work_with_capacity",
]


def class_probabilities(rate_draws: list[np.ndarray]) -> np.ndarray:
    """``P(a lead stops at stage j)``, shape ``(n_stages, n_paths)`` (columns sum to 1)."""
    reach = np.ones_like(rate_draws[0])
    rows = []
    for rate in rate_draws:
        rows.append(reach * (1.0 - rate))
        reach = reach * rate
    rows.append(reach)
    return np.stack(rows)


def classes_from_levels(
    levels: np.ndarray, probabilities: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Independent Poisson class counts ``[class, month, path]`` given levels ``[month, path]``."""
    return rng.poisson(probabilities[:, None, :] * levels[None, :, :])


def classes_from_counts(
    counts: np.ndarray, probabilities: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Multinomial split of given ``counts[month, path]`` over classes (per-path probabilities)."""
    classes = np.empty((probabilities.shape[0], *counts.shape), dtype=np.int64)
    remaining, tail = counts.astype(np.int64), np.ones(counts.shape[1])
    for j in range(probabilities.shape[0] - 1):
        share = np.clip(probabilities[j] / np.where(tail > 0, tail, 1.0), 0.0, 1.0)
        classes[j] = rng.binomial(remaining, share[None, :])
        remaining = remaining - classes[j]
        tail = tail - probabilities[j]
    classes[-1] = remaining
    return classes


def counts_from_paths(
    paths: np.ndarray, n_paths: int, warmup: int, rng: np.random.Generator
) -> np.ndarray:
    """Given arrival paths as ``[month, path]`` (rows resampled when ``n_paths`` differs).

    A warm-up month takes the first-month count of another, randomly chosen row: the pipeline in
    flight at month 1 has the first month's spread without copying the path's own noise.
    """
    rows = paths.shape[0]
    chosen = paths if n_paths == rows else paths[rng.integers(0, rows, size=n_paths)]
    if warmup == 0:
        return chosen.T
    earlier = paths[rng.integers(0, rows, size=(warmup, n_paths)), 0]
    return np.concatenate([earlier, chosen.T], axis=0)


def work_with_capacity(
    classes: np.ndarray, capacity: list[int], carryover: float, rng: np.random.Generator
) -> np.ndarray:
    """Leads worked ``[class, month, path]`` when at most ``capacity[month]`` are worked.

    The queue is a count: the leads left over are a uniformly random subset of it, so their
    classes are multivariate hypergeometric; each waits for next month with probability
    ``carryover`` and is then worked before new arrivals are counted (a count again).
    """
    worked = classes.copy()
    waiting = None
    for month, cap in enumerate(capacity):
        queue = worked[:, month, :]
        if waiting is not None:
            queue += waiting
        over = np.flatnonzero(queue.sum(axis=0) > cap)
        waiting = None
        if over.size == 0:
            continue
        chosen = queue[:, over]
        unworked = hypergeometric_split(chosen, chosen.sum(axis=0) - cap, rng)
        queue[:, over] = chosen - unworked
        if carryover > 0:
            carried = unworked if carryover == 1 else binomial_constant(unworked, carryover, rng)
            waiting = np.zeros_like(queue)
            waiting[:, over] = carried
    return worked


def hypergeometric_split(
    queue: np.ndarray, sample: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Classes of ``sample[i]`` leads drawn without replacement from ``queue[class, i]``."""
    drawn = np.empty_like(queue)
    left = queue.sum(axis=0)
    for j in range(queue.shape[0] - 1):
        left = left - queue[j]
        drawn[j] = rng.hypergeometric(queue[j], left, sample)
        sample = sample - drawn[j]
    drawn[-1] = sample
    return drawn


def spread_over_lags(classes: np.ndarray, pmf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Move the leads of ``classes[c, month, path]`` to ``month + lag`` (multinomial ``pmf``).

    Leads landing after the last month are dropped.
    """
    if pmf.size == 1:
        return classes
    months = classes.shape[1]
    landed = np.zeros_like(classes)
    for lag, part in enumerate(multinomial_constant(classes, pmf, rng)):
        if lag < months:
            landed[:, lag:, :] += part[:, : months - lag, :]
    return landed


def capacity_by_month(capacity_per_month: tuple[float, ...], warmup: int) -> list[int]:
    """Whole leads workable per simulated month (warm-up months use the first month's)."""
    values = (capacity_per_month[0],) * warmup + tuple(capacity_per_month)
    return [math.floor(c) for c in values]
