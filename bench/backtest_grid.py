"""What the backtest's coarser level grids change: a study on simulated series.

    .venv/bin/python bench/backtest_grid.py [--series 300] [--seed 7]

A volume forecast backtests the level model at six origins; each of those fits uses the grids
:data:`slaplan.forecast.level.BACKTEST_GRID` (60 levels; the forgetting factor compared on
every other one) instead of :data:`~slaplan.forecast.level.FULL_GRID` (120 levels; every
fourth), those of the forecast itself. This script runs the
same backtest (three months ahead, six origins, 500 paths, level model and seasonal naive) on
simulated monthly series — levels from 5 to 5,000 a month, month-to-month spread 0-30%, flat or
trending, with or without a ±25% season — once with each grid, and, as the yardstick, twice with
the finer grid and two seeds. Printed: the level model's mean MASE and interval coverage, how
much one series' MASE moves (median, 90th percentile), and how often the method chosen changes.
Not a timing: the speed of the estimate is ``bench/estimate.py``.
"""

from __future__ import annotations

import argparse

import numpy as np

from slaplan.forecast import methods
from slaplan.forecast.backtest import run_backtest
from slaplan.forecast.level import BACKTEST_GRID, FULL_GRID, LevelGrid


def simulate(rng: np.random.Generator) -> np.ndarray:
    """One monthly count series of 12-47 months."""
    months = int(rng.integers(12, 48))
    level = float(np.exp(rng.uniform(np.log(5), np.log(5000))))
    spread = float(rng.choice([0.0, 0.05, 0.15, 0.3]))
    trend = float(rng.choice([0.0, 0.0, 0.02, -0.015]))
    season = float(rng.choice([0.0, 0.0, 0.25]))
    t = np.arange(months)
    mean = level * np.exp(trend * t) * (1 + season * np.sin(2 * np.pi * t / 12))
    if spread:
        mean = mean * rng.gamma(1 / spread**2, spread**2, months)
    return rng.poisson(mean).astype(float)


def score(counts: np.ndarray, grid: LevelGrid, seed) -> tuple[float, float, float, str]:
    """The level model's MASE and 80% / 95% coverage, and the method ranked first."""
    methods.BACKTEST_GRID = grid  # (read by fit_method at each call)
    backtest = run_backtest(
        counts,
        horizon=3,
        methods=("level", "seasonal_naive"),
        n_origins=6,
        levels=(0.8, 0.95),
        n_paths=500,
        rng=np.random.default_rng(seed),
        one_regime=True,
    )
    row = backtest.summary.loc["level"]
    return row["mase"], row["coverage_80"], row["coverage_95"], backtest.ranking[0]


def compare(name: str, first: list, second: list) -> None:
    a, b = np.array([r[:3] for r in first]), np.array([r[:3] for r in second])
    moved = np.abs(b[:, 0] / a[:, 0] - 1)
    changed = sum(x[3] != y[3] for x, y in zip(first, second, strict=True))
    print(
        f"{name:<34} MASE {a[:, 0].mean():.3f} -> {b[:, 0].mean():.3f}; "
        f"80% {a[:, 1].mean():.1%} -> {b[:, 1].mean():.1%}; "
        f"95% {a[:, 2].mean():.1%} -> {b[:, 2].mean():.1%}; "
        f"a series' MASE moves {np.median(moved):.1%} (median), "
        f"{np.quantile(moved, 0.9):.1%} (90%); choice changes in {changed} of {len(first)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    series = [simulate(rng) for _ in range(args.series)]
    fine = [score(y, FULL_GRID, [i, 0]) for i, y in enumerate(series)]
    coarse = [score(y, BACKTEST_GRID, [i, 0]) for i, y in enumerate(series)]
    reseeded = [score(y, FULL_GRID, [i, 1]) for i, y in enumerate(series)]
    methods.BACKTEST_GRID = BACKTEST_GRID
    print(f"{args.series} simulated series (seed {args.seed}), level model's backtest")
    compare("full -> backtest grids (same seed)", fine, coarse)
    compare("full grids, another seed", fine, reseeded)


if __name__ == "__main__":
    main()
