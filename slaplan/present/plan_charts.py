"""Charts of the planning domain: the fan of a plan, the sensitivity tornado, calibration.

Each function takes a result or its table (and an optional matplotlib ``Axes``) and returns the
Axes it drew on; nothing is shown or saved here. Probabilities are on percent axes; legends sit
outside the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan.present._axes import axes_or_new, percent_axis
from slaplan.present.formatting import format_count, format_percent

__all__ = ["plot_calibration", "plot_plan_fan", "plot_probability_bar", "plot_tornado"]


_SIZE = (7, 3.5)


def plot_plan_fan(
    fan: pd.DataFrame, *, target: float | None = None, stage: str = "count", ax: Any = None
):
    """Fan chart of a plan's monthly counts (``FunnelSimulation.fan`` / ``PlannerResult.fan``).

    Draws the 10–90% band, the median and the mean; ``target`` adds a dashed line.
    """
    ax = axes_or_new(ax, _SIZE)
    months = fan["month"].to_numpy()
    ax.fill_between(
        months, fan["p10"], fan["p90"], color="tab:blue", alpha=0.25, linewidth=0, label="10–90%"
    )
    ax.plot(months, fan["p50"], color="tab:blue", marker="o", markersize=3, label="median")
    ax.plot(months, fan["mean"], color="tab:blue", linestyle=":", linewidth=1, label="mean")
    if target is not None:
        label = f"target {format_count(target)}"
        ax.axhline(target, color="tab:red", linestyle="--", linewidth=1, label=label)
    ax.set_xticks(months)
    ax.set_xlabel("month of the plan")
    ax.set_ylabel(f"{stage} per month")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize="small", ncols=4,
              frameon=False)  # fmt: skip
    return ax


def plot_tornado(tornado: pd.DataFrame, *, probability: float | None = None, ax: Any = None):
    """Horizontal bars of P(hit) at each input's low and high value, largest swing on top."""
    ax = axes_or_new(ax, _SIZE)
    frame = tornado.iloc[::-1].reset_index(drop=True)
    y = np.arange(len(frame))
    low = frame[["probability_low", "probability_high"]].min(axis=1)
    high = frame[["probability_low", "probability_high"]].max(axis=1)
    ax.barh(y, high - low, left=low, color="tab:orange", alpha=0.8)
    for i, row in frame.iterrows():
        ax.text(low[i], i, f"{_short(row['low'])} ", ha="right", va="center", fontsize="small")
        ax.text(high[i], i, f" {_short(row['high'])}", ha="left", va="center", fontsize="small")
    if probability is not None:
        ax.axvline(probability, color="black", linewidth=1)
    ax.set_yticks(y, frame["input"])
    ax.set_xlim(0, 1)
    percent_axis(ax.xaxis)
    ax.set_xlabel("P(target met) with the input at its low / high value")
    return ax


def _short(value: float) -> str:
    return format_percent(value, decimals=1) if 0 <= value <= 1 else format_count(value)


def plot_probability_bar(probability: float, confidence: float, *, ax: Any = None):
    """One bar: P(hit) against the agreed confidence, coloured by verdict."""
    from slaplan.plan.attainability import verdict_for

    ax = axes_or_new(ax, (7, 0.9))
    colors = {"attainable": "tab:green", "stretch": "tab:orange", "out of reach": "tab:red"}
    verdict = verdict_for(probability, confidence)
    ax.barh([0], [probability], color=colors[verdict])
    ax.axvline(confidence, color="black", linestyle="--", linewidth=1)
    ax.text(min(probability + 0.01, 0.85), 0, f"{format_percent(probability)} — {verdict}",
            va="center")  # fmt: skip
    ax.set_xlim(0, 1)
    percent_axis(ax.xaxis)
    ax.set_yticks([])
    return ax


def plot_calibration(tables: dict[str, pd.DataFrame], *, min_worlds: int = 300, ax: Any = None):
    """Reliability diagram: observed hit rate against predicted probability, one line per plan.

    ``tables`` maps a plan name to ``CalibrationStudy.table(plan)``; the grey band is ±3 points.
    """
    ax = axes_or_new(ax, (5, 5))
    grid = np.linspace(0, 1, 11)
    ax.fill_between(grid, grid - 0.03, grid + 0.03, color="grey", alpha=0.2, label="±3 points")
    ax.plot(grid, grid, color="black", linewidth=0.8)
    for name, table in tables.items():
        kept = table[table["worlds"] >= min_worlds]
        ax.plot(kept["predicted"], kept["observed"], marker="o", markersize=4, label=name)
    ax.set_xlabel("predicted P(target met)")
    ax.set_ylabel("share of worlds that met it")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)
    return ax
