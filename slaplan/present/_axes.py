"""Small matplotlib helpers shared by the chart modules: a new Axes when none is given, axes
formatted as percentages or dates. matplotlib is imported on first use only."""

from __future__ import annotations

from typing import Any

__all__ = ["axes_or_new", "date_axis", "percent_axis"]


def axes_or_new(ax: Any, size: tuple[float, float]) -> Any:
    """``ax`` itself, or the Axes of a new figure of ``size`` inches."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, new_ax = plt.subplots(figsize=size)
    return new_ax


def percent_axis(axis: Any) -> None:
    """Format a matplotlib ``xaxis``/``yaxis`` holding shares in [0, 1] as percentages."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0, decimals=None))


def date_axis(axis: Any) -> None:
    """Concise automatic date ticks (at most 8) on a matplotlib ``xaxis``/``yaxis``."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(maxticks=8)
    axis.set_major_locator(locator)
    axis.set_major_formatter(mdates.ConciseDateFormatter(locator))
