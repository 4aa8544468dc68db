"""What the numbers assume, as a table: one row per volume and per rate of an estimate."""

from __future__ import annotations

from typing import Any

from slaplan.estimate.transitions import Transition
from slaplan.estimate.volumes import StageVolume

__all__ = ["transition_row", "volume_row"]


def volume_row(volume: StageVolume) -> dict[str, Any]:
    """A stage's volume: next month's mean, its 80% range, the months used, the method."""
    if not volume.sufficient:
        return {"what": f"{volume.stage} volume", "status": f"insufficient data: {volume.reason}"}
    f = volume.forecast
    used = f.history.loc[f.regime_start :]
    low, high = f.frame.iloc[0][["lower_80", "upper_80"]]
    return {
        "what": f"{volume.stage} volume per month",
        "estimate": f"{f.frame['mean'].iloc[0]:,.0f} in {f.months[0]}",
        "uncertainty": f"80%: {low:,.0f}–{high:,.0f}",
        "based_on": f"{len(used)} complete months {used.index[0]}–{used.index[-1]}",
        "method": f"{f.method} ({f.choice})",
        "status": "; ".join(volume.warnings()) or "ok",
    }


def transition_row(transition: Transition) -> dict[str, Any]:
    """A transition's rate: its uncertainty, the cohorts used, the lag, any change."""
    if not transition.sufficient:
        return {"what": transition.name, "status": f"insufficient data: {transition.reason}"}
    post = transition.posterior
    return {
        "what": transition.name
        + (f" within {transition.window_days:g} days" if transition.window_days else ""),
        "estimate": f"{post.mean:.1%}",
        "uncertainty": f"±{post.mean_sd:.1%} (rate), ±{post.spread:.0%} month to month",
        "based_on": f"cohorts {transition.regime_start:%Y-%m}–{transition.as_of:%Y-%m}, "
        f"{transition.leads_used:,} leads, {transition.conversions_used:,} converted",
        "method": f"all cohorts, censoring-aware; median lag {transition.lags.quantile(0.5):.0f} d",
        "status": "; ".join(
            f"changed: since {c.cohort:%Y-%m} {c.rate_after:.1%}, before {c.rate_before:.1%}"
            for c in transition.changes
        )
        or "ok",
    }
