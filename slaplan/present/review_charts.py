"""Charts of the SLA review: actual vs commitment, pacing, miss attribution, drift.

Each ``plot_*`` function takes a table made by :mod:`slaplan.sla` (``track_sla``,
``attribute_miss``, ``detect_drift``) and an optional matplotlib ``Axes``, draws and returns it;
nothing is computed beyond placing marks, nothing is shown or saved. Rates and shares are on
percent axes, legends sit outside the data. Each chart has a ``*_alt`` companion that describes
it in words for the image's alternative text (pure: tables in, ``str`` out). ``titles`` maps
commitment ids to names for people (:func:`slaplan.present.brief.commitment_title`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from slaplan.present._axes import axes_or_new, percent_axis
from slaplan.present.formatting import (
    chance_words,
    change_words,
    format_count,
    format_percent,
    format_value,
    period_name,
)

__all__ = [
    "VERDICT_COLOURS",
    "attribution_alt",
    "commitments_alt",
    "drift_alt",
    "pacing_alt",
    "plot_actual_vs_target",
    "plot_attribution",
    "plot_commitments",
    "plot_drift",
    "plot_pacing",
]

VERDICT_COLOURS = {
    "attainable": "#2e7d32",
    "stretch": "#f9a825",
    "out of reach": "#c62828",
}
_SIZE = (7, 3.2)  # inches, the default figure of one chart
_MET, _MISSED, _OPEN = "#4caf50", "#e57373", "#90a4ae"
_SHARES = ("rate", "response_time")
_COMPONENT_COLOURS = {
    "volume": "tab:blue",
    "capacity": "tab:purple",
    "speed": "tab:orange",
    "quality": "tab:green",
    "timing": "tab:gray",
}
Titles = Mapping[str, str] | None


def _title(titles: Titles, commitment: str) -> str:
    return (titles or {}).get(commitment, commitment)


def _legend_handles() -> list[Any]:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    return [
        Patch(color=_MET, label="met"),
        Patch(color=_MISSED, label="missed"),
        Patch(color=_OPEN, label="running or maturing"),
        Patch(facecolor="none", edgecolor=_OPEN, hatch="//", label="nowcast by period end"),
        Line2D([], [], color="black", linestyle="--", linewidth=1, label="target"),
    ]


def plot_actual_vs_target(
    tracked: pd.DataFrame, commitment: str, *, ax: Any = None, titles: Titles = None,
    legend: bool = True,
):  # fmt: skip
    """Bars of the actual value per period against the target line; the open period hatched.

    Closed periods are green when met and red when missed; the open period shows what has
    happened so far and, for counts, the nowcast expectation with P(met) above it. With
    ``legend`` the legend sits to the right of the axes, outside the bars.
    """
    ax = axes_or_new(ax, _SIZE)
    rows = tracked.xs(commitment, level="commitment")
    metric = rows["metric"].iloc[0]
    x = np.arange(len(rows))
    colours = [
        _OPEN if status != "closed" else (_MET if met else _MISSED)
        for status, met in zip(rows["status"], rows["met"].fillna(False), strict=True)
    ]
    ax.bar(x, rows["actual"], color=colours, edgecolor="none")
    target = float(rows["target"].iloc[0])
    ax.axhline(target, color="black", linestyle="--", linewidth=1)
    expected = rows["expected"].to_numpy(dtype=float)
    for i in np.flatnonzero(~np.isnan(expected)):
        ax.bar(x[i], expected[i] - rows["actual"].iloc[i], bottom=rows["actual"].iloc[i],
               color="none", edgecolor=_OPEN, hatch="//")  # fmt: skip
        chance = format_percent(rows["pacing_probability"].iloc[i])
        ax.annotate(f"P(met) {chance}", (x[i], expected[i]), ha="center", va="bottom",
                    fontsize=8)  # fmt: skip
    if metric in _SHARES:
        percent_axis(ax.yaxis)
    labels = [f"{p:%b %y}" if isinstance(p, pd.Period) else str(p) for p in rows.index]
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.set_title(
        f"{_title(titles, commitment)}: target {format_value(target, metric)}", fontsize=10
    )
    ax.margins(y=0.15)
    if legend:
        ax.legend(handles=_legend_handles(), fontsize=8, loc="upper left",
                  bbox_to_anchor=(1.01, 1.0), frameon=False)  # fmt: skip
    return ax


def plot_commitments(tracked: pd.DataFrame, *, columns: int = 2, titles: Titles = None):
    """A grid of :func:`plot_actual_vs_target`, one legend below it; returns the Figure."""
    import matplotlib.pyplot as plt

    ids = list(dict.fromkeys(tracked.index.get_level_values("commitment")))
    if not ids:  # a review before the SLA's start: no period to draw yet
        ax = axes_or_new(None, _SIZE)
        ax.text(0.5, 0.5, "no period yet", ha="center", va="center", transform=ax.transAxes)
        return ax.figure
    rows = int(np.ceil(len(ids) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.0 * rows + 0.5),
                             squeeze=False)  # fmt: skip
    for ax, commitment in zip(axes.ravel(), ids, strict=False):
        plot_actual_vs_target(tracked, commitment, ax=ax, titles=titles, legend=False)
    for ax in axes.ravel()[len(ids) :]:
        ax.set_visible(False)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    fig.legend(handles=_legend_handles(), loc="lower center", ncol=5, fontsize=9, frameon=False)
    return fig


def commitments_alt(tracked: pd.DataFrame, titles: Titles = None) -> str:
    """Alternative text of :func:`plot_commitments`: closed periods met, per commitment.

    Examples
    --------
    >>> import pandas as pd
    >>> index = pd.MultiIndex.from_tuples([(pd.Period("2026-01", "M"), "a"),
    ...     (pd.Period("2026-02", "M"), "a")], names=["period", "commitment"])
    >>> t = pd.DataFrame({"metric": "count", "target": 50.0, "actual": [55.0, 20.0],
    ...                   "met": [True, pd.NA], "status": ["closed", "open"]}, index=index)
    >>> print(commitments_alt(t, {"a": "SQLs"}))  # doctest: +NORMALIZE_WHITESPACE
    Bar charts of each commitment per month, January 2026 to February 2026, against its
    target: SQLs met 1 of 1 closed periods (target 50, last 55).
    """
    periods = tracked.index.get_level_values("period")
    parts = []
    for commitment, rows in tracked.groupby(level="commitment", sort=False):
        closed = rows[rows["status"] == "closed"]
        metric, target = rows["metric"].iloc[0], rows["target"].iloc[0]
        last = format_value(closed["actual"].iloc[-1], metric) if len(closed) else "none closed"
        parts.append(
            f"{_title(titles, commitment)} met {int(closed['met'].astype(bool).sum())} of "
            f"{len(closed)} closed periods (target {format_value(target, metric)}, last {last})"
        )
    return (
        f"Bar charts of each commitment per month, {period_name(periods.min())} to "
        f"{period_name(periods.max())}, against its target: " + "; ".join(parts) + "."
    )


def _pacing_rows(tracked: pd.DataFrame) -> pd.DataFrame:
    return tracked[tracked["pacing_probability"].notna()]


def plot_pacing(tracked: pd.DataFrame, *, ax: Any = None, titles: Titles = None):
    """The open period of each commitment as a share of its target (percent axis).

    So far (solid), nowcast expectation (bar outline), naive pro-rating (diamond) and the target
    at 100%; the label carries P(met by period end). The legend sits below the axes.
    """
    rows = _pacing_rows(tracked)
    ax = axes_or_new(ax, (8, 1.8 + 0.45 * max(len(rows), 1)))
    if rows.empty:
        ax.text(0.5, 0.5, "no open period", ha="center", va="center", transform=ax.transAxes)
        return ax
    y = np.arange(len(rows))
    target = rows["target"].to_numpy(dtype=float)
    ax.barh(y, rows["actual"] / target, color=_OPEN, label="so far")
    ax.barh(y, rows["expected"] / target, color="none", edgecolor="black",
            label="nowcast by period end")  # fmt: skip
    ax.scatter(rows["pro_rated"] / target, y, marker="D", color="tab:red", zorder=3,
               label="linear pro-rating")  # fmt: skip
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1, label="target")
    chances = zip(rows.index, rows["pacing_probability"], strict=True)
    labels = [f"{_title(titles, c)}  P(met) {format_percent(p)}" for (_, c), p in chances]
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    percent_axis(ax.xaxis)
    ax.set_xlabel("share of target")
    period = rows.index.get_level_values("period")[0]
    elapsed = format_percent(rows["elapsed_share"].iloc[0])
    ax.set_title(f"Pacing of {period_name(period)} ({elapsed} elapsed)", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=4, frameon=False)
    return ax


def pacing_alt(tracked: pd.DataFrame, titles: Titles = None) -> str:
    """Alternative text of :func:`plot_pacing`: so far, expected and P(met) per commitment."""
    rows = _pacing_rows(tracked)
    if rows.empty:
        return "No period is running."
    parts = [
        f"{_title(titles, c)}: {format_value(r['actual'], r['metric'])} so far, "
        f"{format_value(r['expected'], r['metric'])} expected by the end against "
        f"{format_value(r['target'], r['metric'])}, "
        f"P(met) {format_percent(r['pacing_probability'])}"
        for (_, c), r in rows.iterrows()
    ]
    period = period_name(rows.index.get_level_values("period")[0])
    return f"Pacing of {period} as a share of each target. " + "; ".join(parts) + "."


def plot_attribution(attribution: pd.DataFrame, *, ax: Any = None, titles: Titles = None):
    """Stacked bars: each missed period's gap split into its causes (and the gap as a tick)."""
    ax = axes_or_new(ax, (8, 1.4 + 0.35 * max(len(attribution), 1)))
    if attribution.empty:
        ax.text(0.5, 0.5, "no missed period", ha="center", va="center", transform=ax.transAxes)
        return ax
    labels = [f"{_title(titles, c)}, {p:%b %Y}" for p, c in attribution.index]
    y = np.arange(len(attribution))
    left_neg, left_pos = np.zeros(len(y)), np.zeros(len(y))
    for name, colour in _COMPONENT_COLOURS.items():
        values = attribution[name].to_numpy(dtype=float)
        left = np.where(values < 0, left_neg, left_pos)
        ax.barh(y, values, left=left, color=colour, label=name)
        left_neg += np.minimum(values, 0)
        left_pos += np.maximum(values, 0)
    ax.scatter(attribution["gap"], y, marker="|", s=200, color="black", zorder=3, label="gap")
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("leads (negative: pulled below target)")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def attribution_alt(attribution: pd.DataFrame, titles: Titles = None) -> str:
    """Alternative text of :func:`plot_attribution`: the largest cause of each missed period."""
    if attribution.empty:
        return "No period was missed."
    parts = []
    for (period, c), row in attribution.iterrows():
        causes = row[list(_COMPONENT_COLOURS)].astype(float)
        cause = causes.idxmin()
        parts.append(
            f"{_title(titles, c)} {period_name(period)}: gap {format_count(row['gap'])}, "
            f"mostly {cause} ({format_count(causes[cause])})"
        )
    return "Each missed period's gap split into volume, capacity, speed, quality and timing. " + (
        "; ".join(parts) + "."
    )


def _relative_change(drift: pd.DataFrame) -> np.ndarray:
    """Volumes: ratio − 1; shares: the difference (both read as percent on the axis)."""
    volume = drift["test"].str.startswith("quasi")
    return np.where(volume, drift["change"] - 1.0, drift["change"]).astype(float)


def plot_drift(drift: pd.DataFrame, *, ax: Any = None, titles: Titles = None):
    """Change since the last review per commitment (percent axis), changed ones in red."""
    ax = axes_or_new(ax, (8, 0.8 + 0.4 * max(len(drift), 1)))
    y = np.arange(len(drift))
    colours = ["tab:red" if changed else "tab:gray" for changed in drift["changed"]]
    ax.barh(y, _relative_change(drift), color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    labels = [f"{_title(titles, c)} ({chance_words(p)})"
              for c, p in zip(drift.index, drift["p_adjusted"], strict=True)]  # fmt: skip
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    percent_axis(ax.xaxis)
    ax.set_xlabel("change since the last review (counts: relative; shares: in points)")
    return ax


def drift_alt(drift: pd.DataFrame, titles: Titles = None) -> str:
    """Alternative text of :func:`plot_drift`: each change in words."""
    volume = drift["test"].str.startswith("quasi")
    parts = []
    for (c, row), is_volume in zip(drift.iterrows(), volume, strict=True):
        kind = "count" if is_volume else "share"
        words = change_words(row["before"], row["after"], kind=kind, p_value=row["p_adjusted"])
        parts.append(f"{_title(titles, c)} {words}")
    return "Change of each commitment's quantity since the last review: " + "; ".join(parts) + "."
