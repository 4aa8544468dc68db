"""Charts of the SLA review: actual vs commitment, pacing, miss attribution, drift.

Each function takes a table made by :mod:`slaplan.sla` (``track_sla``, ``attribute_miss``,
``detect_drift``) and an optional matplotlib ``Axes``/``Figure``, draws and returns it. Nothing is
computed here beyond placing marks, and nothing is shown or saved.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan.present._axes import axes_or_new

__all__ = [
    "VERDICT_COLOURS",
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
_COMPONENT_COLOURS = {
    "volume": "tab:blue",
    "capacity": "tab:purple",
    "speed": "tab:orange",
    "quality": "tab:green",
    "timing": "tab:gray",
}


def plot_actual_vs_target(tracked: pd.DataFrame, commitment: str, *, ax: Any = None):
    """Bars of the actual value per period against the target line; the open period hatched.

    Closed periods are green when met and red when missed; the open period shows what has
    happened so far and, for counts, the nowcast expectation with P(met) above it.
    """
    ax = axes_or_new(ax, _SIZE)
    rows = tracked.xs(commitment, level="commitment")
    labels = [str(p) for p in rows.index]
    x = np.arange(len(rows))
    colours = [
        _OPEN if status != "closed" else (_MET if met else _MISSED)
        for status, met in zip(rows["status"], rows["met"].fillna(False), strict=True)
    ]
    ax.bar(x, rows["actual"], color=colours, edgecolor="none")
    target = float(rows["target"].iloc[0])
    ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:g}")
    expected = rows["expected"].to_numpy(dtype=float)
    for i in np.flatnonzero(~np.isnan(expected)):
        ax.bar(x[i], expected[i] - rows["actual"].iloc[i], bottom=rows["actual"].iloc[i],
               color="none", edgecolor=_OPEN, hatch="//", label="nowcast")  # fmt: skip
        chance = rows["pacing_probability"].iloc[i]
        ax.annotate(f"P(met) {chance:.0%}", (x[i], expected[i]), ha="center", va="bottom",
                    fontsize=8)  # fmt: skip
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.set_title(f"{commitment}: actual vs target ({rows['metric'].iloc[0]})", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    return ax


def plot_commitments(tracked: pd.DataFrame, *, columns: int = 2):
    """A grid with :func:`plot_actual_vs_target` for every commitment; returns the Figure."""
    import matplotlib.pyplot as plt

    ids = list(dict.fromkeys(tracked.index.get_level_values("commitment")))
    rows = int(np.ceil(len(ids) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.0 * rows), squeeze=False)
    for ax, commitment in zip(axes.ravel(), ids, strict=False):
        plot_actual_vs_target(tracked, commitment, ax=ax)
    for ax in axes.ravel()[len(ids) :]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def plot_pacing(tracked: pd.DataFrame, *, ax: Any = None):
    """The open period of each commitment as a share of its target.

    So far (solid), nowcast expectation (bar outline), naive pro-rating (diamond) and the target
    at 100%; the label carries P(met by period end).
    """
    rows = tracked[tracked["pacing_probability"].notna()]
    ax = axes_or_new(ax, (7, 1.2 + 0.45 * max(len(rows), 1)))
    if rows.empty:
        ax.text(0.5, 0.5, "no open period", ha="center", va="center", transform=ax.transAxes)
        return ax
    names = [c for _, c in rows.index]
    y = np.arange(len(rows))
    target = rows["target"].to_numpy(dtype=float)
    ax.barh(y, rows["actual"] / target, color=_OPEN, label="so far")
    ax.barh(y, rows["expected"] / target, color="none", edgecolor="black", label="nowcast")
    ax.scatter(rows["pro_rated"] / target, y, marker="D", color="tab:red", zorder=3,
               label="linear pro-rating")  # fmt: skip
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    labels = [f"{n}  P(met) {p:.0%}" for n, p in zip(names, rows["pacing_probability"],
                                                       strict=True)]  # fmt: skip
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("share of target")
    period = rows.index.get_level_values("period")[0]
    ax.set_title(f"Pacing of {period} (elapsed {rows['elapsed_share'].iloc[0]:.0%})", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def plot_attribution(attribution: pd.DataFrame, *, ax: Any = None):
    """Stacked bars: each missed period's gap split into its causes (and the gap as a tick)."""
    ax = axes_or_new(ax, (7, 0.8 + 0.35 * max(len(attribution), 1)))
    if attribution.empty:
        ax.text(0.5, 0.5, "no missed period", ha="center", va="center", transform=ax.transAxes)
        return ax
    labels = [f"{c} {p}" for p, c in attribution.index]
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
    ax.set_xlabel("leads (negative: pulled below target)")
    ax.legend(fontsize=7, ncol=3, loc="best")
    return ax


def plot_drift(drift: pd.DataFrame, *, ax: Any = None):
    """Before vs after the last review for each commitment's quantity, changed ones in red."""
    ax = axes_or_new(ax, (7, 0.8 + 0.4 * max(len(drift), 1)))
    y = np.arange(len(drift))
    relative = np.where(
        drift["test"].str.startswith("quasi"), drift["change"] - 1.0, drift["change"]
    )
    colours = ["tab:red" if changed else "tab:gray" for changed in drift["changed"]]
    ax.barh(y, relative, color=colours)
    ax.axvline(0, color="black", linewidth=0.8)
    labels = [f"{c} (p={p:.2g})" for c, p in zip(drift.index, drift["p_adjusted"], strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("change since last review (volume: ratio - 1; share: difference)")
    return ax
