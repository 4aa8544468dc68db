"""The held-out evaluation behind issue 7's done-when: chosen method vs seasonal naive.

For each series the last ``HOLDOUT_MONTHS`` are hidden; ``forecast_volume(method="auto")`` sees
the rest (and chooses by its own rolling-origin backtest on it); its mean and intervals are then
compared with the hidden months. MASE is scaled by the training part's seasonal naive error, as
in the backtest. Seasonal naive's own point forecast is the textbook one (last year's month, or
the last month when the training part has fewer than 24 months).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from slaplan.forecast.backtest import mase_scale
from slaplan.forecast.methods import seasonal_period
from slaplan.forecast.volume import forecast_volume

HOLDOUT_MONTHS = 6
LEVELS = (0.8, 0.95)
# the study's cheaper configuration (CI budget): the level model and three candidates, six
# origins (the fewest with which the backtest may choose: below that the level model is the
# stated default, which does not extrapolate a trend), 300 paths
STUDY_METHODS = ("level", "seasonal_naive", "ets_damped", "nb_glm")
STUDY_ORIGINS = 6
STUDY_PATHS = 300


def seasonal_naive_point(train: np.ndarray, horizon: int) -> np.ndarray:
    """Textbook seasonal naive (Hyndman & Athanasopoulos, FPP3 §5.2)."""
    period = seasonal_period(train.size)
    return train[train.size - period + np.arange(horizon) % period].astype(float)


def evaluate_series(
    counts: np.ndarray, seed: int, cut: int | None = None, **options
) -> dict[str, float | str]:
    """Held-out MASE (chosen, seasonal naive) and interval coverage of one series.

    ``cut``: months of training (default: all but the last ``HOLDOUT_MONTHS``).
    """
    cut = counts.size - HOLDOUT_MONTHS if cut is None else cut
    train, test = counts[:cut], counts[cut : cut + HOLDOUT_MONTHS].astype(float)
    forecast = forecast_volume(
        train,
        HOLDOUT_MONTHS,
        start="2020-01",
        levels=LEVELS,
        seed=seed,
        **(
            {"methods": STUDY_METHODS, "n_origins": STUDY_ORIGINS, "n_paths": STUDY_PATHS} | options
        ),
    )
    scale = mase_scale(train)
    frame = forecast.frame
    row: dict[str, float | str] = {
        "method": forecast.method,
        "mase_chosen": float(np.mean(np.abs(frame["mean"].to_numpy() - test)) / scale),
        "mase_seasonal_naive": float(
            np.mean(np.abs(seasonal_naive_point(train, HOLDOUT_MONTHS) - test)) / scale
        ),
    }
    for level in LEVELS:
        tag = f"{level * 100:g}"
        inside = (test >= frame[f"lower_{tag}"].to_numpy()) & (
            test <= frame[f"upper_{tag}"].to_numpy()
        )
        row[f"coverage_{tag}"] = float(inside.mean())
    return row


def run_study(
    series: Sequence[np.ndarray], seed: int = 0, back_steps: Sequence[int] = (0,), **options
) -> pd.DataFrame:
    """One row per series and forecast origin (see :func:`evaluate_series`).

    ``back_steps``: origins moved back by this many months from the last possible one;
    ``options`` override the study's cheap configuration of :func:`forecast_volume`.
    """
    rows = []
    for i, counts in enumerate(series):
        counts = np.asarray(counts)
        for step in back_steps:
            cut = counts.size - HOLDOUT_MONTHS - step
            rows.append(
                {"series": i, "cut": cut, **evaluate_series(counts, seed + i, cut, **options)}
            )
    return pd.DataFrame(rows)


def study_summary(rows: pd.DataFrame) -> pd.Series:
    """The averages the done-when criteria are about."""
    return rows[["mase_chosen", "mase_seasonal_naive", "coverage_80", "coverage_95"]].mean()
