"""Interactive what-if for capacity: hires, hours, shrinkage, reps on shift, window and target.

A thin ipywidgets shell around :func:`slaplan.capacity.team.team_capacity` and
:func:`slaplan.capacity.response.response_time_share`; all logic lives there. One response
recompute takes a few tens of milliseconds. Sliders recompute when released (not on every drag
step); a status line shows "Computing…" meanwhile and a bad combination (e.g. fewer reps than the
load needs) as a message, not a traceback (:func:`slaplan.present.progress.busy`).

Tests drive it headless: set a control's ``value`` and read :attr:`CapacityDashboard.response`
and :attr:`CapacityDashboard.capacity`.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from slaplan.capacity.response import ResponseTimeResult, response_time_share
from slaplan.capacity.team import TeamAssumptions, TeamCapacity, team_capacity
from slaplan.present.chart_pane import ChartPane
from slaplan.present.progress import busy

__all__ = ["CapacityDashboard", "capacity_widget"]

_STYLE = {"description_width": "150px"}


def _slider(kind, value: Any, description: str, **options: Any):
    """One slider in the dashboard's style, recomputing only when released."""
    return kind(
        value=value, description=description, style=_STYLE, continuous_update=False, **options
    )


def _controls(
    months: Any,
    *,
    reps_on_shift: int,
    window_business_hours: float,
    shrinkage: float,
    target_share: float,
) -> dict[str, Any]:
    return {
        "hires": _slider(widgets.IntSlider, 0, "extra hires", min=0, max=6),
        "month": widgets.Dropdown(
            options=[str(m) for m in months], description="hire month", style=_STYLE
        ),
        "hours": _slider(widgets.IntSlider, 40, "hours/week (hires)", min=10, max=50, step=5),
        "shrinkage": _slider(
            widgets.FloatSlider, shrinkage, "shrinkage", min=0.0, max=0.5, step=0.05
        ),
        "reps": _slider(
            widgets.IntSlider, reps_on_shift, "reps on shift", min=1, max=max(12, reps_on_shift)
        ),
        "window": _slider(
            widgets.FloatSlider,
            window_business_hours,
            "window (business h)",
            min=0.25,
            max=max(8.0, window_business_hours),
            step=0.25,
        ),
        "target": _slider(
            widgets.FloatSlider, target_share, "target share", min=0.5, max=0.99, step=0.01
        ),
    }


def _verdict_html(response: ResponseTimeResult, values: dict[str, Any]) -> str:
    """The sentence judging the response share against the slider's target."""
    met = "meets" if response.share_within >= values["target"] else "misses"
    return (
        f"<b>{response.share_within:.1%}</b> touched within {values['window']:g} "
        f"business h with {values['reps']} reps on shift — {met} the "
        f"{values['target']:.0%} target (plain Erlang C: {response.erlang_c_share:.1%})"
    )


class CapacityDashboard:
    """Capacity and response-time sliders bound to the model; ``widget`` is the box to display.

    After every change ``capacity`` (:class:`~slaplan.capacity.team.TeamCapacity`) and
    ``response`` (:class:`~slaplan.capacity.response.ResponseTimeResult`) hold the new results,
    or None when the inputs admit no answer (the status line says why).

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
    reps_on_shift, window_business_hours, shrinkage, target_share
        Starting values of the sliders (reps on the queue, the SLA window in business hours,
        the share of paid time not spent on leads, the response target share).
    draw_charts : bool, default True
        Draw the two charts on each update (tests switch it off for speed).

    Examples
    --------
    >>> import slaplan as sp
    >>> board = CapacityDashboard(sp.load_roster(sp.samples_dir() / "team.csv"), ["2027-01"],
    ...                           sp.arrival_profile(200, out_of_hours_share=0.25),
    ...                           handle_minutes=10, draw_charts=False)
    >>> board.controls["reps"].value = 3
    >>> board.response.reps_on_shift, board.status.value
    (3, '')
    """

    def __init__(
        self,
        roster: Any,
        months: Any,
        arrivals_per_hour_of_week: Any,
        *,
        handle_minutes: float,
        calendar: Any = None,
        demand: Any = None,
        reps_on_shift: int = 2,
        window_business_hours: float = 1.0,
        shrinkage: float = 0.15,
        target_share: float = 0.9,
        draw_charts: bool = True,
    ) -> None:
        self.roster, self.months, self.demand = roster, months, demand
        self.arrivals = arrivals_per_hour_of_week
        self.handle_minutes, self.calendar = handle_minutes, calendar
        self.draw_charts = draw_charts
        self.capacity: TeamCapacity | None = None
        self.response: ResponseTimeResult | None = None
        self.controls = _controls(
            months,
            reps_on_shift=reps_on_shift,
            shrinkage=shrinkage,
            window_business_hours=window_business_hours,
            target_share=target_share,
        )
        self.verdict, self.status, self.charts = widgets.HTML(), widgets.HTML(), ChartPane()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        self.widget = widgets.VBox(
            [*self.controls.values(), self.status, self.verdict, self.charts.widget]
        )
        self.update()

    def values(self) -> dict[str, Any]:
        """The controls' current values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change: Any) -> None:
        self.update()

    def update(self) -> None:
        """Recompute capacity and response from the controls (bad inputs go to the status)."""
        self.capacity = self.response = None
        self.verdict.value = ""
        values = self.values()
        with busy(message=self.status):
            self.capacity = self._scenario_capacity(values)
            self.response = response_time_share(
                self.arrivals,
                reps_on_shift=values["reps"],
                handle_minutes=self.handle_minutes,
                within_business_hours=values["window"],
                calendar=self.calendar,
            )
            self.verdict.value = _verdict_html(self.response, values)
        if self.draw_charts:
            self._draw()

    def _scenario_capacity(self, values: dict[str, Any]) -> TeamCapacity:
        """Team capacity with the sliders' extra hires and shrinkage."""
        team = self.roster
        if values["hires"]:
            team = team.with_hires(values["hires"], values["month"], hours_per_week=values["hours"])
        assumptions = TeamAssumptions(shrinkage=values["shrinkage"])
        return team_capacity(team, self.months, assumptions=assumptions)

    def _draw(self) -> None:
        import matplotlib.pyplot as plt

        from slaplan.present.capacity_charts import plot_response_by_hour, plot_team_capacity

        figure, axes = plt.subplots(2, 1, figsize=(9, 7))
        if self.capacity is not None:
            plot_team_capacity(self.capacity, demand=self.demand, ax=axes[0])
        if self.response is not None:
            plot_response_by_hour(self.response, ax=axes[1])
        else:
            axes[1].set_axis_off()
            axes[1].set_title("no response share for these inputs (see the status line)")
        figure.tight_layout()
        self.charts.show(figure)


def capacity_widget(
    roster: Any, months: Any, arrivals_per_hour_of_week: Any, **options: Any
) -> widgets.VBox:
    """Sliders for hires, hours, shrinkage, reps on shift, window and target; two live charts.

    The parameters are those of :class:`CapacityDashboard` (``handle_minutes`` is required).

    Returns
    -------
    ipywidgets.VBox
        The dashboard's ``widget``.

    Examples
    --------
    >>> import slaplan as sp  # doctest: +SKIP
    >>> box = capacity_widget(sp.load_roster("team.csv"), ["2026-12", "2027-01"],
    ...                       arrivals, handle_minutes=6, reps_on_shift=3)  # doctest: +SKIP
    """
    return CapacityDashboard(roster, months, arrivals_per_hour_of_week, **options).widget
