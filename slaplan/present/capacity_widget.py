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


def _scenario_capacity(roster: Any, months: Any, values: dict[str, Any]) -> Any:
    """Team capacity with the slider's extra hires and shrinkage."""
    team = roster
    if values["hires"]:
        team = roster.with_hires(values["hires"], values["month"], hours_per_week=values["hours"])
    return team_capacity(team, months, assumptions=TeamAssumptions(shrinkage=values["shrinkage"]))


def _response_and_verdict(
    arrivals_per_hour_of_week: Any, handle_minutes: float, calendar: Any, values: dict[str, Any]
) -> tuple[Any, str]:
    """The response model at the sliders' reps and window, and the sentence judging it."""
    try:
        response = response_time_share(
            arrivals_per_hour_of_week,
            reps_on_shift=values["reps"],
            handle_minutes=handle_minutes,
            within_business_hours=values["window"],
            calendar=calendar,
        )
    except ValueError as exc:  # too few reps for the load: say so instead of a chart
        return None, f"<b>{exc}</b>"
    met = "meets" if response.share_within >= values["target"] else "misses"
    verdict = (
        f"<b>{response.share_within:.1%}</b> touched within {values['window']:g} "
        f"business h with {values['reps']} reps on shift — {met} the "
        f"{values['target']:.0%} target (plain Erlang C: {response.erlang_c_share:.1%})"
    )
    return response, verdict


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
    """Sliders for hires, hours, shrinkage, reps on shift, window and target; two live charts.

    Parameters
    ----------
    roster : Roster, path or DataFrame
        The team (:func:`slaplan.load_roster`).
    months : sequence of month labels or PeriodIndex
        The months of the capacity chart and of the hire-month choice.
    arrivals_per_hour_of_week : array of 168 floats
        Lead arrivals by hour of week (:func:`slaplan.arrivals_by_hour_of_week`).
    handle_minutes : float
        Rep minutes per first touch.
    calendar : BusinessCalendar, optional
        Business hours of the response clock.
    demand : sequence of float, optional
        Leads to work per month, drawn against the capacity.
    reps_on_shift : int
        Starting value of the reps-on-shift slider.

    Examples
    --------
    >>> import slaplan as sp  # doctest: +SKIP
    >>> box = capacity_widget(sp.load_roster("team.csv"), ["2026-12", "2027-01"],
    ...                       arrivals, handle_minutes=6)  # doctest: +SKIP
    """
    controls = _controls(months, reps_on_shift)
    verdict = widgets.HTML()
    output = widgets.Output()

    def redraw(_: Any = None) -> None:
        values = {k: w.value for k, w in controls.items()}
        capacity = _scenario_capacity(roster, months, values)
        response, verdict.value = _response_and_verdict(
            arrivals_per_hour_of_week, handle_minutes, calendar, values
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
