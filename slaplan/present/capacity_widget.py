"""Interactive what-if for capacity: hires, hours, shrinkage, reps on shift, window and target.

A thin ipywidgets shell around :func:`slaplan.capacity.team.team_capacity` and
:func:`slaplan.capacity.response.response_time_share`; all logic lives there. One response
recompute takes a few tens of milliseconds.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import display

from slaplan.capacity.response import response_time_share
from slaplan.capacity.team import TeamAssumptions, team_capacity
from slaplan.present.capacity_charts import plot_response_by_hour, plot_team_capacity

__all__ = ["capacity_widget"]


def _controls(months: Any, reps_on_shift: int) -> dict[str, Any]:
    style = {"description_width": "150px"}
    return {
        "hires": widgets.IntSlider(0, min=0, max=6, description="extra hires", style=style),
        "month": widgets.Dropdown(
            options=[str(m) for m in months], description="hire month", style=style
        ),
        "hours": widgets.IntSlider(
            40, min=10, max=50, step=5, description="hours/week (hires)", style=style
        ),
        "shrinkage": widgets.FloatSlider(
            0.15, min=0.0, max=0.5, step=0.05, description="shrinkage", style=style
        ),
        "reps": widgets.IntSlider(
            reps_on_shift, min=1, max=12, description="reps on shift", style=style
        ),
        "window": widgets.FloatSlider(
            1.0, min=0.25, max=8.0, step=0.25, description="window (business h)", style=style
        ),
        "target": widgets.FloatSlider(
            0.9, min=0.5, max=0.99, step=0.01, description="target share", style=style
        ),
    }


def capacity_widget(
    roster: Any,
    months: Any,
    arrivals_per_hour_of_week: Any,
    *,
    handle_minutes: float,
    calendar: Any = None,
    demand: Any = None,
    reps_on_shift: int = 2,
) -> widgets.VBox:
    """Sliders for hires, hours, shrinkage, reps on shift, window and target; two live charts."""
    controls = _controls(months, reps_on_shift)
    verdict = widgets.HTML()
    output = widgets.Output()

    def redraw(_: Any = None) -> None:
        values = {k: w.value for k, w in controls.items()}
        team = roster
        if values["hires"]:
            team = roster.with_hires(
                values["hires"], values["month"], hours_per_week=values["hours"]
            )
        capacity = team_capacity(
            team, months, assumptions=TeamAssumptions(shrinkage=values["shrinkage"])
        )
        try:
            response = response_time_share(
                arrivals_per_hour_of_week,
                reps_on_shift=values["reps"],
                handle_minutes=handle_minutes,
                within_business_hours=values["window"],
                calendar=calendar,
            )
        except ValueError as exc:  # too few reps for the load: say so instead of a chart
            response, verdict.value = None, f"<b>{exc}</b>"
        if response is not None:
            met = "meets" if response.share_within >= values["target"] else "misses"
            verdict.value = (
                f"<b>{response.share_within:.1%}</b> touched within {values['window']:g} "
                f"business h with {values['reps']} reps on shift — {met} the "
                f"{values['target']:.0%} target (plain Erlang C: {response.erlang_c_share:.1%})"
            )
        with output:
            output.clear_output(wait=True)
            fig, axes = plt.subplots(2, 1, figsize=(9, 7))
            plot_team_capacity(capacity, demand=demand, ax=axes[0])
            if response is not None:
                plot_response_by_hour(response, ax=axes[1])
            fig.tight_layout()
            display(fig)
            plt.close(fig)

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    return widgets.VBox([*controls.values(), verdict, output])
