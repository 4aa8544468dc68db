"""Interactive what-if for capacity: reps on shift, window, touch time, target, hires, shrinkage.

A thin ipywidgets shell around :func:`slaplan.capacity.team.team_capacity`,
:func:`slaplan.capacity.response.response_time_share` and
:func:`~slaplan.capacity.response.required_reps_for_response`; all logic lives there. The
answer is a small table written for people (share touched in time, the target's verdict, reps
needed on shift, occupancy, leads workable), above two charts. One recompute takes a few tens
of milliseconds. Sliders span their range over about 300 px and recompute when released (not on
every drag step); a status line shows "Computing…" meanwhile and a bad combination (e.g. fewer
reps than the load needs) as a message, not a traceback (:func:`slaplan.present.progress.busy`).
URL parameters that cannot be used are listed above the controls.

Tests drive it headless: set a control's ``value`` and read :attr:`CapacityDashboard.response`
and :attr:`CapacityDashboard.capacity`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as widgets
import numpy as np

from slaplan.capacity.response import (
    ResponseTimeResult,
    required_reps_for_response,
    response_time_share,
)
from slaplan.capacity.team import TeamAssumptions, TeamCapacity, team_capacity
from slaplan.present.chart_pane import ChartPane
from slaplan.present.formatting import format_count, format_percent, period_name
from slaplan.present.progress import busy, notice_html
from slaplan.present.voila_page import UrlParameters

__all__ = ["URL_CONTROLS", "CapacityDashboard", "capacity_widget", "result_html"]

_STYLE = {"description_width": "200px"}
_WIDTH = "580px"
WEEKS_PER_MONTH = 52 / 12
# notebook/URL parameter → the control it presets
URL_CONTROLS = {
    "reps_on_shift": "reps",
    "window_business_hours": "window",
    "touch_minutes": "minutes",
    "target_share": "target",
    "shrinkage": "shrinkage",
}


def _control(kind, value: Any, description: str, **options: Any):
    """One control in the dashboard's style; sliders recompute only when released."""
    if "continuous_update" in kind.class_traits():
        options.setdefault("continuous_update", False)
    layout = widgets.Layout(width=_WIDTH)
    return kind(value=value, description=description, style=_STYLE, layout=layout, **options)


def _controls(months: Any, start: dict[str, Any]) -> dict[str, Any]:
    return {
        "reps": _control(widgets.IntSlider, start["reps"], "reps on shift",
                         min=1, max=max(12, start["reps"])),
        "window": _control(widgets.FloatSlider, start["window"], "window (business hours)",
                           min=0.25, max=max(8.0, start["window"]), step=0.25,
                           readout_format=".2f"),
        "minutes": _control(widgets.BoundedFloatText, start["minutes"],
                            "minutes per first touch", min=1.0, max=240.0, step=1.0),
        "target": _control(widgets.FloatSlider, start["target"], "target share in time",
                           min=0.5, max=0.99, step=0.01, readout_format=".0%"),
        "hires": _control(widgets.IntSlider, 0, "extra hires", min=0, max=6),
        "month": _control(widgets.Dropdown, str(months[0]), "hire month",
                          options=[str(m) for m in months]),
        "hours": _control(widgets.IntSlider, 40, "hours a week (hires)", min=10, max=50, step=5),
        "shrinkage": _control(widgets.FloatSlider, start["shrinkage"], "shrinkage",
                              min=0.0, max=0.5, step=0.05, readout_format=".0%"),
    }  # fmt: skip


def result_html(
    values: dict[str, Any],
    *,
    response: ResponseTimeResult | None,
    needed: int | None,
    capacity: TeamCapacity | None,
    leads_per_week: float,
) -> str:
    """The what-if's answer as a small table (every number written for people).

    Examples
    --------
    >>> from slaplan.capacity.response import arrival_profile
    >>> r = response_time_share(arrival_profile(200, out_of_hours_share=0.25),
    ...                         reps_on_shift=2, handle_minutes=10, within_business_hours=1)
    >>> page = result_html({"window": 1.0, "target": 0.9}, response=r, needed=2, capacity=None,
    ...                    leads_per_week=200)
    >>> "meets the 90% target" in page, "867 a month" in page
    (True, True)
    """
    window, target = values["window"], format_percent(values["target"])
    rows = [("leads arriving a week", f"{format_count(leads_per_week)} "
             f"({format_count(leads_per_week * WEEKS_PER_MONTH)} a month)")]  # fmt: skip
    if response is not None:
        met = "meets" if response.share_within >= values["target"] else "misses"
        share = format_percent(response.share_within, decimals=1)
        hours = f"{window:g} business hour" + ("" if window == 1 else "s")
        rows += [
            (f"touched within {hours}",
             f"<b class='slaplan-share'>{share}</b> — {met} the {target} target"),
            ("plain Erlang C would say", format_percent(response.erlang_c_share, decimals=1)),
            ("reps busy in open hours", format_percent(response.occupancy)),
        ]  # fmt: skip
    if needed is not None:
        rows.append((f"reps on shift needed for {target}", format_count(needed)))
    if capacity is not None:
        for month, leads in zip(capacity.months[[0, -1]], capacity.leads_workable[[0, -1]],
                                strict=True):  # fmt: skip
            rows.append((f"leads the team can work in {period_name(month)}", format_count(leads)))
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{v}</td></tr>" for k, v in rows
    )
    return f"<table class='slaplan-capacity'>{body}</table>"


class CapacityDashboard:
    """Capacity and response-time controls bound to the model; ``widget`` is the box to display.

    After every change ``capacity`` (:class:`~slaplan.capacity.team.TeamCapacity`),
    ``response`` (:class:`~slaplan.capacity.response.ResponseTimeResult`) and ``needed`` (reps on
    shift for the target) hold the new results, or None when the inputs admit no answer (the
    status line says why).

    Parameters
    ----------
    roster : Roster, path or DataFrame
        The team (:func:`slaplan.load_roster`).
    months : sequence of month labels or PeriodIndex
        The months of the capacity chart and of the hire-month choice.
    arrivals_per_hour_of_week : array of 168 floats
        Lead arrivals by hour of week (:func:`slaplan.arrivals_by_hour_of_week`).
    handle_minutes : float
        Rep minutes per first touch (the starting value of its field).
    calendar : BusinessCalendar, optional
        Business hours of the response clock.
    demand : sequence of float, optional
        Leads to work per month, drawn against the capacity (default: the arrivals' month).
    reps_on_shift, window_business_hours, shrinkage, target_share
        Starting values of the controls.
    url : UrlParameters, optional
        A page's URL parameters (names of :data:`URL_CONTROLS`): each presets its control, or
        is listed above the controls when it is out of the control's range or unreadable.
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
        url: UrlParameters | None = None,
        draw_charts: bool = True,
    ) -> None:
        self.roster, self.months, self.calendar = roster, months, calendar
        self.arrivals = np.asarray(arrivals_per_hour_of_week, dtype=float)
        monthly = self.arrivals.sum() * WEEKS_PER_MONTH
        self.demand = demand if demand is not None else np.full(len(months), monthly)
        self.draw_charts = draw_charts
        self.capacity: TeamCapacity | None = None
        self.response: ResponseTimeResult | None = None
        self.needed: int | None = None
        self._cache: dict[tuple[Any, ...], Any] = {}  # results by the inputs they depend on
        self._drawn: tuple[int, int] | None = None
        start = {
            "reps": reps_on_shift,
            "window": window_business_hours,
            "minutes": handle_minutes,
            "target": target_share,
            "shrinkage": shrinkage,
        }
        self.controls = _controls(months, start)
        notices = self._apply_url(url)
        self.notice = widgets.HTML(notice_html(notices))
        self.result, self.status, self.charts = widgets.HTML(), widgets.HTML(), ChartPane()
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        controls = widgets.VBox([*self.controls.values(), self.status])
        self.widget = widgets.VBox(
            [self.notice, widgets.HBox([controls, self.result]), self.charts.widget]
        )
        self.update()

    def _apply_url(self, url: UrlParameters | None) -> list[str]:
        """Preset controls from the URL; return a message per value that could not be used."""
        if url is None:
            return []
        notices = list(url.problems)
        for name, value in url.given.items():
            control = self.controls.get(URL_CONTROLS.get(name, ""))
            if control is None:
                continue
            low, high = control.min, control.max
            if not low <= value <= high:
                notices.append(f"URL parameter {name}={value} not used: {control.description} "
                               f"must be in [{low:g}, {high:g}], got {value!r}")  # fmt: skip
            else:
                control.value = value
        return notices

    def values(self) -> dict[str, Any]:
        """The controls' current values by name."""
        return {name: control.value for name, control in self.controls.items()}

    def _on_change(self, _change: Any) -> None:
        self.update()

    def update(self) -> None:
        """Recompute capacity, reps needed and response from the controls (errors: the status).

        Each result is kept by the inputs it depends on, so moving one control recomputes only
        what that control changes (the reps slider does not rerun the search for the reps
        needed); the table is written before the charts are drawn, and the charts are redrawn
        only when what they show changed.
        """
        self.capacity = self.response = self.needed = None
        values = self.values()
        with busy(message=self.status):
            self.capacity = self._scenario_capacity(values)
            self.needed = self._needed(values["minutes"], values["window"], values["target"])
            self.response = self._response(values["reps"], values["minutes"], values["window"])
        self.result.value = result_html(
            values, response=self.response, needed=self.needed, capacity=self.capacity,
            leads_per_week=float(self.arrivals.sum()),
        )  # fmt: skip
        drawn = (id(self.capacity), id(self.response))
        if self.draw_charts and drawn != self._drawn:
            self._draw()
            self._drawn = drawn

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
        """The result for ``key`` (the inputs it depends on), computed the first time only."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    def _needed(self, minutes: float, window: float, target: float) -> int:
        return self._cached(("needed", minutes, window, target), lambda: required_reps_for_response(
            self.arrivals, handle_minutes=minutes, within_business_hours=window,
            target_share=target, calendar=self.calendar,
        ).reps_on_shift)  # fmt: skip

    def _response(self, reps: int, minutes: float, window: float) -> ResponseTimeResult:
        return self._cached(("response", reps, minutes, window), lambda: response_time_share(
            self.arrivals, reps_on_shift=reps, handle_minutes=minutes,
            within_business_hours=window, calendar=self.calendar,
        ))  # fmt: skip

    def _scenario_capacity(self, values: dict[str, Any]) -> TeamCapacity:
        """Team capacity with the controls' extra hires and shrinkage."""
        hires, month, hours = values["hires"], values["month"], values["hours"]
        shrinkage = values["shrinkage"]

        def compute() -> TeamCapacity:
            team = self.roster
            if hires:
                team = team.with_hires(hires, month, hours_per_week=hours)
            assumptions = TeamAssumptions(shrinkage=shrinkage)
            return team_capacity(team, self.months, assumptions=assumptions)

        key = ("capacity", hires, month if hires else None, hours if hires else None, shrinkage)
        return self._cached(key, compute)

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
    """The what-if's box (see :class:`CapacityDashboard`; ``handle_minutes`` is required).

    Examples
    --------
    >>> import slaplan as sp  # doctest: +SKIP
    >>> box = capacity_widget(sp.load_roster("team.csv"), ["2026-12", "2027-01"],
    ...                       arrivals, handle_minutes=6, reps_on_shift=3)  # doctest: +SKIP
    """
    return CapacityDashboard(roster, months, arrivals_per_hour_of_week, **options).widget
