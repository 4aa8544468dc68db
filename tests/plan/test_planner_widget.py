"""The planner dashboard, driven headless: set widget values, read the recomputed numbers."""

from __future__ import annotations

import matplotlib
import pytest

from slaplan import ConversionRate, VolumeModel
from slaplan.plan.planner import Planner
from slaplan.present.planner_widget import planner_dashboard

matplotlib.use("Agg")


@pytest.fixture
def dashboard():
    planner = Planner(
        volume=VolumeModel.poisson(300),
        rates=(ConversionRate(40, 300),),
        stages=("mql", "sql"),
        target=40,
        n_paths=500,
    )
    return planner_dashboard(planner, draw_charts=False)


def probability(dashboard) -> float:
    return dashboard.result.attainability.probability


def test_volume_slider_up_raises_probability(dashboard):
    before = probability(dashboard)
    dashboard.volume.value = 360.0
    assert probability(dashboard) > before
    assert dashboard.result.planner.volume.mean == 360.0


def test_target_up_lowers_probability_and_confidence_up_lowers_max_target(dashboard):
    before = probability(dashboard)
    dashboard.target.value = 45
    assert probability(dashboard) < before
    safe = dashboard.result.attainability.max_target
    dashboard.confidence.value = 0.95
    assert dashboard.result.attainability.max_target < safe


def test_headcount_caps_capacity_and_lowers_probability(dashboard):
    before = probability(dashboard)
    dashboard.headcount.value = 2  # 2 reps x 100 leads per rep-month (HubSpot) = 200 < 300
    assert dashboard.result.planner.capacity == 200
    assert probability(dashboard) < before


def test_typed_rates_replace_data_rates(dashboard):
    dashboard.rate_source.value = "typed"
    dashboard.typed_rates[0].value = 20.0
    assert dashboard.result.planner.rates[0].is_fixed
    assert dashboard.result.attainability.expected == pytest.approx(60.0)


def test_error_shows_in_status_not_traceback(dashboard):
    dashboard.target.value = -1
    assert "target must be" in dashboard.status.value
    assert not dashboard.save_button.disabled  # buttons re-enabled after the failed compute


def test_saved_scenarios_sit_side_by_side(dashboard):
    dashboard.save_scenario()
    dashboard.volume.value = 400.0
    dashboard.save_scenario()
    frame = dashboard.scenario_frame()
    assert list(frame["volume_per_month"]) == [300.0, 400.0]
    assert "scenario 2" in dashboard.table.value
    dashboard.clear_scenarios()
    assert dashboard.scenario_frame().empty


def test_charts_draw_without_error():
    planner = Planner(volume=VolumeModel.poisson(100), rates=(0.2,), target=20, n_paths=200)
    board = planner_dashboard(planner, draw_charts=True)
    assert board.status.value == ""
    first = bytes(board.charts.widget.value)
    assert first.startswith(b"\x89PNG\r\n\x1a\n")  # the fan chart and the tornado, as a PNG
    board.target.value = 30
    assert bytes(board.charts.widget.value) != first  # redrawn for the new target
