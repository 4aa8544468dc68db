"""The target planner dashboard: a thin ipywidgets layer over :class:`slaplan.plan.planner.Planner`.

Sliders and fields for volume, rates (from data or typed), target, confidence and headcount; live
P(hit), largest safe target and volume needed; a 12-month fan chart and the sensitivity tornado;
scenarios saved side by side. Every number comes from ``Planner.compute``; this module only reads
widgets, calls it and draws. Buttons are disabled while computing and errors show in the
dashboard's status line, not as tracebacks (:func:`slaplan.present.progress.busy`).

Tests drive it headless: set a control's ``value`` and read :attr:`PlannerDashboard.result`.
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any

import ipywidgets as widgets

from slaplan.plan.planner import Planner, PlannerResult
from slaplan.plan.rates import ConversionRate
from slaplan.present.chart_pane import ChartPane
from slaplan.present.progress import busy

__all__ = ["PlannerDashboard", "planner_dashboard"]

_STYLE = {"description_width": "150px"}
_LAYOUT = widgets.Layout(width="420px")


class PlannerDashboard:
    """Widgets bound to a :class:`Planner`; ``widget`` is the box to display.

    Parameters
    ----------
    planner : Planner
        Starting inputs (e.g. ``Planner.from_leads(...)``); its rates are the "from data" rates.
    draw_charts : bool, default True
        Draw the fan chart and tornado on each update (tests switch it off for speed).
    """

    def __init__(self, planner: Planner, *, draw_charts: bool = True) -> None:
        self.base = planner
        self.draw_charts = draw_charts
        self.result: PlannerResult | None = None
        self.scenarios: list[Any] = []
        self._build_controls(planner)
        self._build_outputs()
        for control in self.inputs:
            control.observe(self._on_change, names="value")
        self.save_button.on_click(lambda _button: self.save_scenario())
        self.clear_button.on_click(lambda _button: self.clear_scenarios())
        self.update()

    # --- layout -------------------------------------------------------------------------------

    def _build_controls(self, planner: Planner) -> None:
        mean = planner.volume.mean
        volume_step = max(1.0, round(mean / 100))
        limits = {"min": 0.0, "max": max(10.0, 3 * mean), "step": volume_step}
        self.volume = _slider(mean, f"{planner.stages[0]} / month", **limits)
        self.volume.add_class("slaplan-volume")  # the browser test finds it by this class
        self.rate_source = widgets.ToggleButtons(
            options=["from data", "typed"], value="from data", description="rates", style=_STYLE
        )
        self.typed_rates = [
            _number(round(100 * rate.mean, 2), f"{a} → {b} (%)", min=0.0, max=100.0, step=0.1)
            for rate, a, b in zip(planner.rates, planner.stages, planner.stages[1:], strict=False)
        ]
        self.target = _control(
            widgets.IntText, planner.target, f"target {planner.stages[-1]} / month"
        )
        self.target.add_class("slaplan-target")
        self.confidence = _slider(planner.confidence, "confidence", min=0.5, max=0.99, step=0.01)
        self.headcount = _number(
            planner.headcount or 0.0, "headcount (0 = no cap)", min=0.0, max=1000.0, step=1.0
        )
        self.leads_per_rep = _number(
            planner.leads_per_rep_month, "leads / rep / month", min=1.0, max=10_000.0, step=10.0
        )
        self.inputs = [self.volume, self.rate_source, *self.typed_rates, self.target,
                       self.confidence, self.headcount, self.leads_per_rep]  # fmt: skip

    def _build_outputs(self) -> None:
        self.summary = widgets.HTML()
        self.status = widgets.HTML()
        self.charts = ChartPane()
        self.table = widgets.HTML()
        self.save_button = widgets.Button(description="Save scenario", icon="plus")
        self.clear_button = widgets.Button(description="Clear scenarios")
        buttons = widgets.HBox([self.save_button, self.clear_button])
        controls = widgets.VBox([*self.inputs, buttons, self.status])
        self.widget = widgets.VBox(
            [
                widgets.HBox([controls, self.summary]),
                self.charts.widget,
                self.table,
            ]
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
            self.summary.value = _summary_html(result)
            if self.draw_charts:
                self._draw(result)

    def save_scenario(self) -> None:
        """Add the current result as a row of the scenario table."""
        if self.result is None:
            return
        with busy(self.save_button, self.clear_button, message=self.status):
            self.scenarios.append(self.result.to_frame())
            self.table.value = self.scenario_frame().to_html(
                index=True, float_format="{:.3g}".format
            )

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
    """One labelled input widget in the dashboard's style."""
    return kind(value=value, description=description, style=_STYLE, layout=_LAYOUT, **options)


def _slider(value: float, description: str, **options: Any) -> widgets.FloatSlider:
    """A float slider that recomputes when released, not on every drag step."""
    return _control(widgets.FloatSlider, value, description, continuous_update=False, **options)


def _number(value: float, description: str, **options: Any) -> widgets.BoundedFloatText:
    """A bounded number field."""
    return _control(widgets.BoundedFloatText, value, description, **options)


def _summary_html(result: PlannerResult) -> str:
    a = result.attainability
    colors = {"attainable": "#1a7f37", "stretch": "#b35900", "out of reach": "#c62828"}
    stage = html.escape(result.planner.stages[-1])
    error = f" ± {a.standard_error:.1%}" if a.method == "monte carlo" else ""
    needed = (
        "not reachable at any volume"
        if a.required_volume == float("inf")
        else (f"{a.required_volume:,.0f} / month")
    )
    rows = [
        (
            "P(target met)",
            f"<b class='slaplan-probability' style='color:{colors[a.verdict]}'>"
            f"{a.probability:.1%}</b>{error}",
        ),
        ("verdict", a.verdict),
        (f"largest {stage} target at {a.confidence:.0%}", f"{a.max_target:,}"),
        (f"{html.escape(result.planner.stages[0])} needed at {a.confidence:.0%}", needed),
        ("expected (p10–p90)", f"{a.expected:,.1f} ({a.p10:,}–{a.p90:,})"),
    ]
    body = "".join(f"<tr><td>{k}</td><td style='text-align:right'>{v}</td></tr>" for k, v in rows)
    return f"<table class='slaplan-planner'>{body}</table>"


def planner_dashboard(
    planner: Planner | None = None,
    *,
    leads: Any = None,
    stages: tuple[str, ...] = ("mql", "sql"),
    draw_charts: bool = True,
    **inputs: Any,
) -> PlannerDashboard:
    """Build the dashboard from a planner, or fit one on ``leads`` (path, LeadTable or frame).

    ``inputs`` override planner fields (``target=``, ``confidence=``, ``headcount=``,
    ``volume_per_month=``), e.g. from notebook parameters.
    """
    if planner is None:
        if leads is None:
            raise ValueError("planner_dashboard needs a planner or leads")
        if isinstance(leads, str) or hasattr(leads, "__fspath__"):
            from slaplan.funnel.leads import load_leads

            leads = load_leads(leads)
        planner = Planner.from_leads(leads, stages=stages)
    inputs = {key: value for key, value in inputs.items() if value is not None}
    return PlannerDashboard(planner.with_(**inputs), draw_charts=draw_charts)
