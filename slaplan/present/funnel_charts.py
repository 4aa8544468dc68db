"""Charts of funnel health: stage rates, cohort maturity, segments, lags, response bands, threshold.

Each function takes a table made by :mod:`slaplan.funnel` (``stage_rates``, ``conversion_rates``,
``conversion_by_lag``, ``segment_rates``, ``stage_pairs``, ``response_bands``,
``handoff_threshold``) and an optional matplotlib ``Axes``, draws on it and returns it. Nothing is
computed here beyond placing marks, and nothing is shown or saved.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from slaplan.present._axes import axes_or_new, date_axis, percent_axis

__all__ = [
    "plot_cohort_rates",
    "plot_funnel",
    "plot_lag_histogram",
    "plot_maturity_curves",
    "plot_response_bands",
    "plot_segment_rates",
    "plot_threshold_curve",
]

_SIZE = (8, 4)  # inches, the default figure of one chart
_RATE = "tab:blue"
_EVENTUAL = "tab:orange"


def _error(table: pd.DataFrame, rate: str = "rate", low: str = "low", high: str = "high"):
    """Asymmetric error-bar lengths from an interval (NaN-safe)."""
    lower = (table[rate] - table[low]).clip(lower=0).fillna(0)
    upper = (table[high] - table[rate]).clip(lower=0).fillna(0)
    return np.vstack([lower.to_numpy(float), upper.to_numpy(float)])


def plot_funnel(stage_table: pd.DataFrame, *, ax: Any = None, title: str | None = None):
    """Horizontal bars of each stage-to-stage rate with its interval (from ``stage_rates``)."""
    ax = axes_or_new(ax, _SIZE)
    pairs = zip(stage_table["from_stage"], stage_table["to_stage"], strict=True)
    labels = [f"{a} → {b}" for a, b in pairs]
    y = np.arange(len(stage_table))[::-1]
    ax.barh(y, stage_table["rate"], xerr=_error(stage_table), color=_RATE, alpha=0.8, capsize=4)
    for yi, (_, row) in zip(y, stage_table.iterrows(), strict=True):
        ax.annotate(
            f" {row['rate']:.1%}  ({row['total']:,} leads)",
            (row["high"], yi),
            va="center",
            fontsize=8,
        )
    ax.set_yticks(y, labels)
    ax.set_xlim(0, min(1.0, float(stage_table["high"].max()) * 1.35 + 0.02))
    percent_axis(ax.xaxis)
    ax.set_xlabel("eventual conversion (all cohorts, current regime), with interval")
    ax.set_title(title or "Funnel: stage-to-stage conversion")
    return ax


def plot_cohort_rates(table: pd.DataFrame, *, ax: Any = None, title: str | None = None):
    """Naive cohort rate vs eventual estimate, immature cohorts shaded (``conversion_rates``)."""
    ax = axes_or_new(ax, _SIZE)
    x = pd.to_datetime(table["cohort"])
    ax.fill_between(x, table["low"], table["high"], color=_RATE, alpha=0.15, linewidth=0)
    ax.plot(x, table["rate"], color=_RATE, marker="o", markersize=3, label="naive (so far)")
    band = table["eventual_low"], table["eventual_high"]
    ax.fill_between(x, *band, color=_EVENTUAL, alpha=0.2, linewidth=0)
    ax.plot(x, table["eventual"], color=_EVENTUAL, linestyle="--", label="eventual estimate")
    immature = ~table["mature"].to_numpy(bool)
    if immature.any():
        first = x[immature].min() - pd.Timedelta(days=15)
        ax.axvspan(first, x.max() + pd.Timedelta(days=15), color="grey", alpha=0.12, linewidth=0)
        ax.annotate("immature", (first, ax.get_ylim()[1]), va="top", fontsize=8, color="grey")
    ax.set_ylim(bottom=0)
    percent_axis(ax.yaxis)
    date_axis(ax.xaxis)
    ax.set_ylabel("conversion")
    ax.legend(loc="lower left", fontsize=8)
    ax.set_title(title or "Conversion by cohort month")
    return ax


def plot_maturity_curves(
    curves: pd.DataFrame, *, ax: Any = None, last_cohorts: int = 8, title: str | None = None
):
    """Share of each cohort converted by day k (``conversion_by_lag``), youngest cohorts darkest."""
    import matplotlib as mpl

    ax = axes_or_new(ax, _SIZE)
    cohorts = sorted(curves["cohort"].unique())[-last_cohorts:]
    colors = mpl.colormaps["viridis"](np.linspace(0.85, 0.0, len(cohorts)))
    for cohort, color in zip(cohorts, colors, strict=True):
        part = curves[curves["cohort"] == cohort]
        ax.plot(
            part["day"], part["share"], color=color, label=pd.Timestamp(cohort).strftime("%Y-%m")
        )
    percent_axis(ax.yaxis)
    ax.set_xlabel("days since entering the stage")
    ax.set_ylabel("share converted")
    ax.legend(title="cohort", fontsize=7, ncols=2)
    ax.set_title(title or "Cohort maturity: conversion by lag")
    return ax


def plot_segment_rates(table: pd.DataFrame, *, by: str = "segment", ax: Any = None):
    """Raw (circles) and pooled (diamonds) rate per segment with intervals (``segment_rates``)."""
    ax = axes_or_new(ax, _SIZE)
    y = np.arange(len(table))[::-1]
    ax.errorbar(
        table["rate"], y + 0.12, xerr=_error(table), fmt="o", color=_RATE, label="raw", capsize=3
    )
    pooled = _error(table, "pooled", "pooled_low", "pooled_high")
    ax.errorbar(
        table["pooled"],
        y - 0.12,
        xerr=pooled,
        fmt="D",
        color=_EVENTUAL,
        label="partially pooled",
        capsize=3,
    )
    rows = zip(table[by], table["total"], table["small"], strict=True)
    labels = [f"{name} (n={n:,}{', small' if small else ''})" for name, n, small in rows]
    ax.set_yticks(y, labels)
    percent_axis(ax.xaxis)
    ax.set_xlabel("conversion (mature leads)")
    ax.legend(fontsize=8)
    ax.set_title(f"Conversion by {by}")
    return ax


def plot_lag_histogram(
    pairs: pd.DataFrame, *, summary: Any = None, ax: Any = None, max_days: float | None = None
):
    """Histogram of observed lags (``stage_pairs`` rows), with median / p80 / p95 lines.

    ``summary`` is one row of ``lag_summary`` (truncation-corrected quantiles); the histogram
    itself shows observed lags, which young cohorts cut short.
    """
    ax = axes_or_new(ax, _SIZE)
    lags = pairs["lag_days"].dropna().to_numpy(float)
    top = max_days if max_days is not None else float(np.quantile(lags, 0.99)) if lags.size else 1
    ax.hist(lags[lags <= top], bins=40, color=_RATE, alpha=0.7)
    if summary is not None:
        for name, style in (("median", "-"), ("p80", "--"), ("p95", ":")):
            value = float(summary[f"{name}_days"])
            ax.axvline(value, color="black", linestyle=style, label=f"{name} {value:.1f} d")
        ax.legend(fontsize=8)
    ax.set_xlabel("days between the stages")
    ax.set_ylabel("leads")
    ax.set_title("Time to convert")
    return ax


def plot_response_bands(table: pd.DataFrame, *, ax: Any = None, title: str | None = None):
    """Conversion per response-time band with intervals and the share of MQLs in each band."""
    ax = axes_or_new(ax, _SIZE)
    x = np.arange(len(table))
    ax.bar(x, table["rate"].fillna(0), yerr=_error(table), color=_RATE, alpha=0.8, capsize=4)
    for xi, (_, row) in zip(x, table.iterrows(), strict=True):
        ax.annotate(
            f"{row['share']:.0%} of MQLs",
            (xi, 0),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            fontsize=7,
            color="white",
        )
    ax.set_xticks(x, table["band"])
    percent_axis(ax.yaxis)
    ax.set_xlabel("time to first touch")
    ax.set_ylabel("MQL → SQL conversion")
    ax.set_title(title or "Conversion by response time")
    return ax


def plot_threshold_curve(curve: Any, *, choice: Any = None, ax: Any = None):
    """Rate sales would see vs MQLs per month, a point per score threshold (``ThresholdCurve``)."""
    ax = axes_or_new(ax, _SIZE)
    frame = curve.to_frame() if hasattr(curve, "to_frame") else curve
    ax.fill_between(
        frame["mqls_per_month"], frame["low"], frame["high"], color=_RATE, alpha=0.2, linewidth=0
    )
    ax.plot(frame["mqls_per_month"], frame["rate"], color=_RATE, marker="o", markersize=3)
    for _, row in frame.iloc[::3].iterrows():
        ax.annotate(
            f"≥{row['threshold']:g}",
            (row["mqls_per_month"], row["rate"]),
            xytext=(3, 4),
            textcoords="offset points",
            fontsize=7,
        )
    if choice is not None:
        ax.plot(
            choice.mqls_per_month,
            choice.rate,
            marker="*",
            markersize=14,
            color=_EVENTUAL,
            label=f"threshold {choice.threshold:g}",
        )
        ax.legend(fontsize=8)
    percent_axis(ax.yaxis)
    ax.set_xlabel("MQLs per month at the threshold")
    ax.set_ylabel("MQL → SQL rate")
    ax.set_title("Handoff threshold: volume vs acceptance")
    return ax
