"""Charts of the forecasting domain: fan charts, backtest errors beside the noise floor, coverage.

Each function takes a result (and an optional matplotlib ``Axes``) and returns the Axes it drew
on; nothing is shown or saved here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan.present._axes import axes_or_new

__all__ = [
    "plot_backtest_coverage",
    "plot_backtest_errors",
    "plot_forecast",
    "plot_segment_forecast",
    "plot_stage_forecast",
]

_BAND_ALPHA = {0: 0.35, 1: 0.18, 2: 0.1}
_SIZE_INCHES = (8, 4)


def _fan(ax, frame: pd.DataFrame, levels, *, color: str, label: str) -> None:
    x = frame.index.to_timestamp()
    for rank, level in enumerate(sorted(levels)):
        tag = f"{level * 100:g}"
        ax.fill_between(
            x,
            frame[f"lower_{tag}"],
            frame[f"upper_{tag}"],
            color=color,
            alpha=_BAND_ALPHA.get(rank, 0.1),
            linewidth=0,
            label=f"{tag}% interval",
        )
    ax.plot(x, frame["mean"], color=color, marker="o", markersize=3, label=label)


def plot_forecast(forecast, *, ax: Any = None, history_months: int = 24, title: str | None = None):
    """Fan chart of a :class:`slaplan.VolumeForecast`: history, mean and interval bands."""
    ax = axes_or_new(ax, _SIZE_INCHES)
    history = forecast.history.iloc[-history_months:]
    ax.plot(history.index.to_timestamp(), history.to_numpy(), color="black", label="actual")
    _fan(
        ax, forecast.frame, forecast.levels, color="tab:blue", label=f"forecast ({forecast.method})"
    )
    ax.set_ylim(bottom=0)
    ax.set_ylabel("count per month")
    ax.set_title(title or "Monthly volume forecast")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_stage_forecast(
    stage_forecast, *, ax: Any = None, history: pd.Series | None = None, title: str | None = None
):
    """Fan chart of a :class:`slaplan.StageForecast` (e.g. SQLs), with optional actual history."""
    ax = axes_or_new(ax, _SIZE_INCHES)
    if history is not None:
        ax.plot(history.index.to_timestamp(), history.to_numpy(), color="black", label="actual")
    _fan(ax, stage_forecast.frame, stage_forecast.levels, color="tab:green", label="forecast")
    ax.set_ylim(bottom=0)
    ax.set_ylabel(f"{stage_forecast.stage} per month")
    ax.set_title(title or f"{stage_forecast.stage} forecast through the funnel")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_backtest_errors(backtest, *, ax: Any = None):
    """MASE by horizon per method, with the Poisson noise floor no forecast can beat."""
    ax = axes_or_new(ax, _SIZE_INCHES)
    ax.set_title("Backtest error by horizon")
    if backtest.points.empty:
        return _no_backtest(ax)
    table = backtest.by_horizon.reset_index()
    for method, rows in table.groupby("method", sort=False):
        ax.plot(rows["horizon"], rows["mase"], marker="o", label=str(method))
    floor = table.groupby("horizon")["mase_floor"].mean()
    ax.plot(
        floor.index, floor.to_numpy(), color="grey", linestyle="--", label="Poisson noise floor"
    )
    ax.axhline(1.0, color="black", linewidth=0.8, linestyle=":")
    ax.set_xlabel("months ahead")
    ax.set_ylabel("MASE (1 = in-sample seasonal naive)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize="small")
    return ax


def plot_backtest_coverage(backtest, *, ax: Any = None):
    """Share of held-out months inside each interval, per method, against the nominal level."""
    ax = axes_or_new(ax, _SIZE_INCHES)
    ax.set_title("Interval coverage in the backtest (dashed: nominal)")
    if backtest.points.empty:
        return _no_backtest(ax)
    summary = backtest.summary
    columns = [c for c in summary.columns if c.startswith("coverage_")]
    positions = np.arange(len(summary))
    width = 0.8 / max(len(columns), 1)
    for rank, column in enumerate(columns):
        nominal = float(column.removeprefix("coverage_")) / 100
        bars = ax.bar(
            positions + rank * width, summary[column], width, label=f"{nominal:.0%} interval"
        )
        ax.axhline(nominal, color=bars.patches[0].get_facecolor(), linestyle="--", linewidth=1)
    ax.set_xticks(positions + width * (len(columns) - 1) / 2, list(summary.index))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("share of held-out months covered")
    ax.legend(fontsize="small")
    return ax


def _no_backtest(ax: Any) -> Any:
    """An empty backtest (a regime too young for one origin) said on the axes, not drawn."""
    text = "no backtest: too few months (of the current regime)\nto hold any out"
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])
    return ax


def plot_segment_forecast(segment_forecast, *, ax: Any = None):
    """Stacked segment means with the bottom-up total's intervals."""
    ax = axes_or_new(ax, _SIZE_INCHES)
    total = segment_forecast.total
    x = total.index.to_timestamp()
    means = np.array([f.frame["mean"].to_numpy() for f in segment_forecast.forecasts])
    ax.stackplot(x, means, labels=list(segment_forecast.segments), alpha=0.7)
    tag = f"{max(segment_forecast.forecasts[0].levels) * 100:g}"
    ax.errorbar(
        x,
        total["mean"],
        yerr=[total["mean"] - total[f"lower_{tag}"], total[f"upper_{tag}"] - total["mean"]],
        color="black",
        fmt="o",
        capsize=3,
        label=f"total, {tag}% interval",
    )
    ax.set_ylabel("count per month")
    ax.set_title("Forecast by segment (bottom-up)")
    ax.legend(fontsize="small", loc="upper left")
    return ax
