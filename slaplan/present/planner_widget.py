"""The target planner dashboard: a thin ipywidgets layer over :class:`slaplan.plan.planner.Planner`.

Sliders and fields for volume, rates (from data or typed), target, confidence and headcount; live
P(hit), largest safe target and volume needed; a 12-month fan chart and the sensitivity tornado;
scenarios saved side by side. Every number comes from ``Planner.compute``; this module only reads
widgets, calls it, writes the numbers for people (:mod:`slaplan.present.formatting`) and draws.
Buttons are disabled while computing and errors show in the dashboard's status line, not as
tracebacks (:func:`slaplan.present.progress.busy`). The numbers are written before the charts
are drawn, so a slider's answer shows without waiting for the picture.

A page's URL parameters (:func:`slaplan.present.voila_page.url_parameters`) that cannot be used
are listed above the controls, and the dashboard opens with the notebook's values instead.

Tests drive it headless: set a control's ``value`` and read :attr:`PlannerDashboard.result`.
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any

import ipywidgets as widgets

from slaplan.errors import SlaplanError
from slaplan.plan.planner import Planner, PlannerResult
from slaplan.plan.rates import ConversionRate
from slaplan.present.chart_pane import ChartPane
from slaplan.present.formatting import format_count, format_percent
from slaplan.present.names import stage_name
from slaplan.present.progress import busy, notice_html
from slaplan.present.tables import frame_table
from slaplan.present.voila_page import UrlParameters

__all__ = ["PlannerDashboard", "planner_dashboard", "planner_inputs"]

_STYLE = {"description_width": "200px"}
_WIDTH = "580px"
_COLOURS = {"attainable": "#1a7f37", "stretch": "#b35900", "out of reach": "#c62828"}
_SCENARIO_FORMATS = {
    "volume_per_month": format_count,
    "rates": str,
    "target": format_count,
    "confidence": format_percent,
    "capacity_per_month": format_count,
    "probability": lambda p: format_percent(p, decimals=1),
    "verdict": str,
    "max_target": format_count,
    "required_volume": format_count,
    "expected": format_count,
}


class PlannerDashboard:
    """Widgets bound to a :class:`Planner`; ``widget`` is the box to display.

    Parameters
    ----------
    planner : Planner
        Starting inputs (e.g. ``Planner.from_leads(...)``); its rates are the "from data" rates.
        The volume starts at its mean rounded to a whole number of leads.
    draw_charts : bool, default True
        Draw the fan chart and tornado on each update (tests switch it off for speed).
    notices : sequence of str
        Messages shown above the controls (e.g. URL parameters that could not be used).
    """

    def __init__(
        self, planner: Planner, *, draw_charts: bool = True, notices: tuple[str, ...] = ()
    ) -> None:
        self.base = planner.with_(volume_per_month=float(round(planner.volume.mean)))
        self.draw_charts = draw_charts
        self.result: PlannerResult | None = None
        self.scenarios: list[Any] = []
        self._build_controls(self.base)
        self._build_outputs(notices)
        for control in self.inputs:
            control.observe(self._on_change, names="value")
        self.save_button.on_click(lambda _button: self.save_scenario())
        self.clear_button.on_click(lambda _button: self.clear_scenarios())
        self.update()

    # --- layout -------------------------------------------------------------------------------

    def _build_controls(self, planner: Planner) -> None:
        first, last = planner.stages[0], planner.stages[-1]
        mean = round(planner.volume.mean)
        self.volume = _control(
            widgets.IntSlider, mean, f"{stage_name(first, plural=True)} a month",
            min=0, max=max(10, 3 * mean), step=1, readout_format=",d", continuous_update=False,
        )  # fmt: skip
        self.volume.add_class("slaplan-volume")  # the browser test finds it by this class
        self.rate_source = widgets.ToggleButtons(
            options=["from data", "typed"], value="from data", description="rates", style=_STYLE
        )
        pairs = zip(planner.rates, planner.stages, planner.stages[1:], strict=False)
        self.typed_rates = [
            _number(
                round(100 * rate.mean, 1),
                f"{stage_name(a)} → {stage_name(b)} rate (%)",
                min=0.0,
                max=100.0,
                step=0.1,
            )
            for rate, a, b in pairs
        ]
        target_label = f"{stage_name(last)} target a month"
        self.target = _control(widgets.IntText, planner.target, target_label)
        self.target.add_class("slaplan-target")
        self.confidence = _control(
            widgets.FloatSlider, planner.confidence, "confidence", min=0.5, max=0.99, step=0.01,
            readout_format=".0%", continuous_update=False,
        )  # fmt: skip
        self.headcount = _number(
            planner.headcount or 0.0, "sales reps (0: no cap)", min=0.0, max=1000.0, step=1.0
        )
        self.leads_per_rep = _number(
            planner.leads_per_rep_month, f"{stage_name(first, plural=True)} per rep a month",
            min=1.0, max=10_000.0, step=10.0,
        )  # fmt: skip
        self.inputs = [self.volume, self.rate_source, *self.typed_rates, self.target,
                       self.confidence, self.headcount, self.leads_per_rep]  # fmt: skip

    def _build_outputs(self, notices: tuple[str, ...]) -> None:
        self.notice = widgets.HTML(notice_html(notices))
        self.summary = widgets.HTML()
        self.status = widgets.HTML()
        self.charts = ChartPane()
        self.table = widgets.HTML()
        self.save_button = widgets.Button(description="Save scenario", icon="plus")
        self.clear_button = widgets.Button(description="Clear scenarios")
        buttons = widgets.HBox([self.save_button, self.clear_button])
        controls = widgets.VBox([*self.inputs, buttons, self.status])
        self.widget = widgets.VBox(
            [self.notice, widgets.HBox([controls, self.summary]), self.charts.widget, self.table]
        )

    # --- behaviour ----------------------------------------------------------------------------

    def current_planner(self) -> Planner:
        """The :class:`Planner` the controls describe right now."""
        rates = self.base.rates
        if self.rate_source.value == "typed":
            rates = tuple(ConversionRate.fixed(box.value / 100.0) for box in self.typed_rates)
        headcount = self.headcount.value or None
        return replace(
            self.base,
            volume=self.base.volume.scaled(float(self.volume.value)),
            rates=rates,
            target=self.target.value,
            confidence=float(self.confidence.value),
            headcount=headcount,
            capacity_per_month=None,
            leads_per_rep_month=float(self.leads_per_rep.value),
        )

    def _on_change(self, _change: Any) -> None:
        self.update()

    def update(self) -> None:
        """Recompute every output from the controls (errors go to the status line)."""
        with busy(self.save_button, self.clear_button, message=self.status):
            result = self.current_planner().compute()
            self.result = result
            self.summary.value = summary_html(result)
            if self.draw_charts:
                self._draw(result)

    def save_scenario(self) -> None:
        """Add the current result as a row of the scenario table."""
        if self.result is None:
            return
        with busy(self.save_button, self.clear_button, message=self.status):
            self.scenarios.append(self.result.to_frame())
            table = frame_table(self.scenario_frame(), _SCENARIO_FORMATS, index="scenario",
                                css_class="slaplan-scenarios")  # fmt: skip
            self.table.value = table.to_html()

    def clear_scenarios(self) -> None:
        """Empty the scenario table."""
        self.scenarios = []
        self.table.value = ""

    def scenario_frame(self):
        """Saved scenarios side by side (one row each, numbered from 1)."""
        import pandas as pd

        if not self.scenarios:
            return pd.DataFrame()
        frame = pd.concat(self.scenarios, ignore_index=True)
        frame.index = [f"scenario {i + 1}" for i in range(len(frame))]
        return frame

    def _draw(self, result: PlannerResult) -> None:
        import matplotlib.pyplot as plt

        from slaplan.present.plan_charts import plot_plan_fan, plot_tornado

        planner = result.planner
        figure, (left, right) = plt.subplots(1, 2, figsize=(12, 3.6))
        plot_plan_fan(result.fan, target=planner.target, stage=planner.stages[-1], ax=left)
        plot_tornado(result.tornado, probability=result.attainability.probability, ax=right)
        figure.tight_layout()
        self.charts.show(figure)


def _control(kind, value: Any, description: str, **options: Any):
    """One labelled input widget in the dashboard's style (labels wide enough to read whole)."""
    layout = widgets.Layout(width=_WIDTH)
    return kind(value=value, description=description, style=_STYLE, layout=layout, **options)


def _number(value: float, description: str, **options: Any) -> widgets.BoundedFloatText:
    """A bounded number field."""
    return _control(widgets.BoundedFloatText, value, description, **options)


def summary_html(result: PlannerResult) -> str:
    """The planner's numbers as a small table (every number written for people).

    Examples
    --------
    >>> from slaplan import ConversionRate, VolumeModel
    >>> p = Planner(volume=VolumeModel.poisson(300), rates=(ConversionRate(40, 300),),
    ...             stages=("mql", "sql"), target=40, n_paths=200)
    >>> page = summary_html(p.compute())
    >>> "largest SQL target at 80%" in page and "MQLs needed at 80%" in page
    True
    """
    a = result.attainability
    first, last = result.planner.stages[0], result.planner.stages[-1]
    error = ""
    if a.method == "monte carlo":
        error = f" ± {format_percent(a.standard_error, decimals=1)}"
    needed = (
        "not reachable at any volume"
        if a.required_volume == float("inf")
        else f"{format_count(a.required_volume)} a month"
    )
    rows = [
        ("P(target met)", f"<b class='slaplan-probability' style='color:{_COLOURS[a.verdict]}'>"
                          f"{format_percent(a.probability, decimals=1)}</b>{error}"),
        ("verdict", html.escape(a.verdict)),
        (f"largest {stage_name(last)} target at {format_percent(a.confidence)}",
         format_count(a.max_target)),
        (f"{stage_name(first, plural=True)} needed at {format_percent(a.confidence)}", needed),
        (f"{stage_name(last, plural=True)} to expect (80% range)",
         f"{format_count(a.expected)} ({format_count(a.p10)}–{format_count(a.p90)})"),
    ]  # fmt: skip
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td style='text-align:right'>{v}</td></tr>" for k, v in rows
    )
    return f"<table class='slaplan-planner'>{body}</table>"


def planner_inputs(name: str, value: Any) -> dict[str, Any]:
    """The :meth:`Planner.with_` changes of one notebook or URL parameter.

    ``headcount`` 0 means no cap; ``volume_per_month`` 0 means the fitted volume.

    Examples
    --------
    >>> planner_inputs("headcount", 0.0), planner_inputs("target", 40)
    ({'headcount': None}, {'target': 40})
    """
    if name == "headcount":
        return {"headcount": value or None}
    if name == "volume_per_month":
        return {} if not value else {"volume_per_month": value}
    return {name: value}


def planner_dashboard(
    planner: Planner | None = None,
    *,
    leads: Any = None,
    stages: tuple[str, ...] = ("mql", "sql"),
    draw_charts: bool = True,
    url: UrlParameters | None = None,
    **inputs: Any,
) -> PlannerDashboard:
    """Build the dashboard from a planner, or fit one on ``leads`` (path, LeadTable or frame).

    ``inputs`` override planner fields (``target=``, ``confidence=``, ``headcount=``,
    ``volume_per_month=``, see :func:`planner_inputs`), e.g. from notebook parameters; a bad
    one raises. ``url`` then overrides them one by one: a value the planner refuses (e.g.
    ``?target=-5``) or cannot read is listed on the dashboard and the notebook's value kept.
    """
    if planner is None:
        if leads is None:
            raise ValueError("planner_dashboard needs a planner or leads")
        if isinstance(leads, str) or hasattr(leads, "__fspath__"):
            from slaplan.funnel.leads import load_leads

            leads = load_leads(leads)
        planner = Planner.from_leads(leads, stages=stages)
    for name, value in inputs.items():
        if value is not None:
            planner = planner.with_(**planner_inputs(name, value))
    notices = list(url.problems) if url is not None else []
    for name, value in (url.given if url is not None else {}).items():
        try:
            planner = planner.with_(**planner_inputs(name, value))
        except (SlaplanError, ValueError, TypeError) as exc:
            notices.append(f"URL parameter {name}={value} not used: {exc}")
    return PlannerDashboard(planner, draw_charts=draw_charts, notices=tuple(notices))
