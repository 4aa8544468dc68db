"""Seeded simulated monthly count series with known structure, for the forecast studies.

Each series: log mean = level + trend x years + seasonal wave + a slow random walk; counts are
negative binomial around it (gamma-Poisson). Ranges chosen to look like B2B lead volumes:
20-600 leads a month, -25%..+35% a year, seasonal amplitude 0-35%, NB dispersion 8-300.
"""

from __future__ import annotations

import numpy as np


def simulate_seasonal_counts(
    rng: np.random.Generator, n_months: int, max_drift: float = 0.01
) -> np.ndarray:
    """One simulated monthly count series of length ``n_months``."""
    months = np.arange(n_months)
    level = np.log(rng.uniform(20, 600))
    trend_per_year = rng.uniform(-0.25, 0.35)
    amplitude = rng.uniform(0.0, 0.35)
    phase = rng.uniform(0, 2 * np.pi)
    drift = np.cumsum(rng.normal(0, rng.uniform(0.0, max_drift), n_months))
    log_mean = (
        level
        + trend_per_year * months / 12
        + amplitude * np.sin(2 * np.pi * months / 12 + phase)
        + drift
    )
    dispersion = np.exp(rng.uniform(np.log(8), np.log(300)))
    means = rng.gamma(shape=dispersion, scale=np.exp(log_mean) / dispersion)
    return rng.poisson(means)


def simulated_study_series(n_series: int, seed: int) -> list[np.ndarray]:
    """``n_series`` seeded series of 36-60 months each."""
    rng = np.random.default_rng(seed)
    return [simulate_seasonal_counts(rng, int(rng.integers(36, 61))) for _ in range(n_series)]
