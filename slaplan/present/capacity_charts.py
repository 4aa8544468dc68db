"""Charts of the capacity domain: team capacity by month, response time, compliance, workload.

Each function takes results from :mod:`slaplan.capacity` (and an optional matplotlib ``ax``),
draws, and returns the Axes. No ``plt.show``; safe under the Agg backend. Shares are on percent
axes; legends sit outside the data (to the right or below the axes).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from slaplan.present._axes import axes_or_new, percent_axis
from slaplan.present.formatting import format_percent

__all__ = [
    "plot_compliance",
    "plot_response_by_hour",
    "plot_response_scenarios",
    "plot_team_capacity",
    "plot_workload",
]

_SIZE = (9, 3.5)  # inches, the default figure of one chart
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.08, 1.0), "fontsize": 8, "frameon": False}


def plot_team_capacity(capacity: Any, *, demand: Any = None, ax: Any = None) -> Any:
    """Leads workable per month (bars) with effective FTE, and the demand to meet (line).

    Parameters
    ----------
    capacity : TeamCapacity
    demand : sequence or Series, optional
        Leads to work per month (same months), e.g. MQLs per month or a target.
    """
    ax = axes_or_new(ax, _SIZE)
    labels = [str(m) for m in capacity.months]
    x = np.arange(len(labels))
    ax.bar(x, capacity.leads_workable, color="#7fa7d4", label="leads workable (capacity)")
    if demand is not None:
        values = np.asarray(demand, dtype=float)
        ax.plot(x, values, color="#c0392b", marker="o", ms=3, label="demand")
    ax.set_ylabel("leads per month")
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
    fte_ax = ax.twinx()
    fte_ax.plot(x, capacity.effective_fte, color="#2c3e50", ls="--", label="effective FTE")
    fte_ax.set_ylabel("effective FTE")
    fte_ax.set_ylim(0, max(1.0, float(np.max(capacity.effective_fte)) * 1.3))
    handles = ax.get_legend_handles_labels()[0] + fte_ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, **_OUTSIDE)
    role = capacity.role or "all roles"
    ax.set_title(f"Team capacity by month ({role}, ramp included)")
    return ax


def plot_response_by_hour(result: Any, *, ax: Any = None) -> Any:
    """Share touched in time by hour of arrival over the week, with the arrivals behind it."""
    ax = axes_or_new(ax, _SIZE)
    frame = result.to_frame()
    hours = np.arange(len(frame))
    # one filled step artist, not 168 bars: the dashboard redraws this on every change
    edges = np.arange(len(frame) + 1) - 0.5
    ax.stairs(frame["arrivals"], edges, fill=True, color="#d5dbe3", label="arrivals per hour")
    ax.set_ylabel("arrivals per hour")
    share_ax = ax.twinx()
    share_ax.plot(hours, frame["share_within"], color="#1f77b4", label="share within window")
    share_ax.axhline(result.erlang_c_share, color="#c0392b", ls=":", label="plain Erlang C")
    share_ax.set_ylim(0, 1.02)
    percent_axis(share_ax.yaxis)
    share_ax.set_ylabel("share touched within window")
    ax.set_xticks(np.arange(0, 168, 24) + 12, _WEEKDAYS)
    handles = ax.get_legend_handles_labels()[0] + share_ax.get_legend_handles_labels()[0]
    ax.legend(handles=handles, **_OUTSIDE)
    ax.set_title(
        f"{result.reps_on_shift} reps: {format_percent(result.share_within, decimals=1)} within "
        f"{result.within_business_hours:g} business h "
        f"(Erlang C says {format_percent(result.erlang_c_share, decimals=1)})"
    )
    return ax


def plot_response_scenarios(
    results: Mapping[str, Any], *, target: float | None = None, ax: Any = None
) -> Any:
    """Model share (with the opening backlog) next to plain Erlang C, one pair per scenario."""
    ax = axes_or_new(ax, (7, 3.5))
    names = list(results)
    x = np.arange(len(names))
    model = [results[n].share_within for n in names]
    erlang = [results[n].erlang_c_share for n in names]
    ax.bar(x - 0.2, model, width=0.4, color="#1f77b4", label="business-hours model")
    ax.bar(x + 0.2, erlang, width=0.4, color="#e0b4b4", label="plain Erlang C")
    for xi, value in zip(x, model, strict=True):
        ax.text(xi - 0.2, value + 0.01, format_percent(value, decimals=1), ha="center", fontsize=8)
    if target is not None:
        ax.axhline(target, color="#2c3e50", ls="--", label=f"target {format_percent(target)}")
    ax.set_xticks(x, names)
    ax.set_ylim(0, 1.1)
    percent_axis(ax.yaxis)
    ax.set_ylabel("share touched in time")
    ax.legend(**{**_OUTSIDE, "bbox_to_anchor": (1.01, 1.0)})
    return ax


def plot_compliance(compliance: Any, *, target: float | None = None, ax: Any = None) -> Any:
    """Measured share within the window per period, with its Beta interval and the target."""
    ax = axes_or_new(ax, _SIZE)
    summary = compliance.summary
    if summary.index.nlevels > 1:
        raise ValueError("plot_compliance needs a summary by period only (by=None)")
    labels = [str(p) for p in summary.index]
    x = np.arange(len(labels))
    share = summary["share_within"].to_numpy(float)
    errors = np.clip(np.vstack([share - summary["low"], summary["high"] - share]), 0, None)
    ax.errorbar(
        x,
        share,
        yerr=errors,
        fmt="o-",
        color="#1f77b4",
        capsize=2,
        ms=3,
        label=f"measured ({format_percent(compliance.level)} interval)",
    )
    if target is not None:
        ax.axhline(target, color="#c0392b", ls="--", label=f"target {format_percent(target)}")
    step = max(1, len(labels) // 12)
    ax.set_xticks(x[::step], labels[::step], rotation=45, ha="right")
    ax.set_ylim(0, 1.02)
    percent_axis(ax.yaxis)
    ax.set_ylabel(f"share within {compliance.within_business_hours:g} business h")
    ax.legend(**{**_OUTSIDE, "bbox_to_anchor": (1.01, 1.0)})
    ax.set_title("Measured response-time compliance (open clocks counted)")
    return ax


def plot_workload(workload: pd.DataFrame, *, ax: Any = None, top: int = 30) -> Any:
    """Per-owner workload per period as a heat map (``workload_by_owner`` output)."""
    ax = axes_or_new(ax, (9, 6))
    table = workload.pivot_table(index="owner", columns="period", values="count", fill_value=0)
    table = table.loc[table.sum(axis=1).sort_values(ascending=False).index[:top]]
    image = ax.imshow(table.to_numpy(), aspect="auto", cmap="Blues")
    ax.set_yticks(np.arange(len(table)), table.index, fontsize=7)
    columns = [str(c) for c in table.columns]
    step = max(1, len(columns) // 12)
    ax.set_xticks(np.arange(len(columns))[::step], columns[::step], rotation=45, ha="right")
    ax.figure.colorbar(image, ax=ax, label="count per period")
    ax.set_title("Workload per owner and period")
    return ax
