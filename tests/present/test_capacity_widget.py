"""The capacity what-if, driven headless: each slider moves its output the way the model says."""

from __future__ import annotations

import re

import ipywidgets as widgets
import numpy as np
import pytest

import slaplan as sp
from slaplan.present.capacity_widget import CapacityDashboard, capacity_widget
from slaplan.present.voila_page import url_parameters

MONTHS = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"]
# 200 leads a week, a quarter out of hours, 20-minute touches: 1.67 reps busy in open hours,
# so 1 rep on shift cannot keep up (response_time_share's load check) and 2 can
ARRIVALS = sp.arrival_profile(200, out_of_hours_share=0.25)


@pytest.fixture
def dashboard(samples_dir) -> CapacityDashboard:
    roster = sp.load_roster(samples_dir / "team.csv")
    return CapacityDashboard(roster, MONTHS, ARRIVALS, handle_minutes=20, reps_on_shift=2,
                             draw_charts=False)  # fmt: skip


def test_controls_recompute_only_when_released_and_are_wide_enough(dashboard):
    live = [c for c in dashboard.controls.values() if hasattr(c, "continuous_update")]
    assert len(live) == 7 and not any(control.continuous_update for control in live)
    # the sliders were 54 px wide: the layout now gives every control the same width
    assert {control.layout.width for control in dashboard.controls.values()} == {"580px"}


def test_more_reps_on_shift_raise_the_response_share(dashboard):
    # the response model is monotone in reps (tests/capacity check it against the simulation)
    before = dashboard.response.share_within
    dashboard.controls["reps"].value = 3
    assert dashboard.response.share_within > before
    assert dashboard.response.reps_on_shift == 3


def test_a_longer_window_raises_the_share_and_the_target_sets_the_verdict(dashboard):
    before = dashboard.response.share_within
    dashboard.controls["window"].value = 2.0
    share = dashboard.response.share_within
    assert share > before
    dashboard.controls["target"].value = 0.5
    assert "meets the 50% target" in dashboard.result.value
    dashboard.controls["target"].value = 0.99
    assert ("misses" if share < 0.99 else "meets") in dashboard.result.value


def test_hires_add_capacity_and_shrinkage_removes_it(dashboard):
    base = dashboard.capacity.leads_workable.copy()
    dashboard.controls["hires"].value = 2
    hired = dashboard.capacity.leads_workable
    assert np.all(hired >= base) and hired[-1] > base[-1]  # ramped up by the last month
    dashboard.controls["shrinkage"].value = 0.4
    # capacity scales with (1 - shrinkage): 0.6 / 0.85 of the hired team's (TeamAssumptions)
    np.testing.assert_allclose(dashboard.capacity.leads_workable, hired * 0.6 / 0.85)


def test_too_few_reps_show_a_message_in_the_widget_not_a_traceback(dashboard):
    dashboard.controls["reps"].value = 1
    assert dashboard.response is None and "touched within" not in dashboard.result.value
    assert "slaplan-error" in dashboard.status.value
    assert "reps_on_shift must exceed the load" in dashboard.status.value
    assert dashboard.capacity is not None  # the capacity half still answers
    dashboard.controls["reps"].value = 2  # back to a workable team: the message goes away
    assert dashboard.status.value == "" and dashboard.response is not None


def test_capacity_widget_starts_at_the_given_values_and_draws(samples_dir):
    roster = sp.load_roster(samples_dir / "team.csv")
    board = CapacityDashboard(roster, MONTHS, ARRIVALS, handle_minutes=20, reps_on_shift=20,
                              window_business_hours=0.5, shrinkage=0.2)  # fmt: skip
    values = board.values()
    assert (values["reps"], values["window"], values["shrinkage"]) == (20, 0.5, 0.2)
    # the two charts were drawn: one PNG picture in the box
    png = bytes(board.charts.widget.value)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    assert isinstance(capacity_widget(roster, MONTHS, ARRIVALS, handle_minutes=20), widgets.VBox)


def test_the_answer_is_a_table_for_people(dashboard):
    page = dashboard.result.value
    share = dashboard.response.share_within
    assert f"{100 * share:.1f}%" in page and "HeadcountResult" not in page
    assert (
        f"reps on shift needed for 90%</td><td style='text-align:right'>{dashboard.needed}" in page
    )
    assert re.search(r"\d\.\d{4,}|nan|e\+", page) is None


def test_url_parameters_preset_the_controls_or_say_why_not(samples_dir):
    roster = sp.load_roster(samples_dir / "team.csv")
    url = url_parameters("reps_on_shift=3&window_business_hours=20&shrinkage=abc",
                         reps_on_shift=2, window_business_hours=1.0, shrinkage=0.15)  # fmt: skip
    board = CapacityDashboard(roster, MONTHS, ARRIVALS, handle_minutes=20, url=url,
                              draw_charts=False)  # fmt: skip
    assert board.values()["reps"] == 3 and board.values()["window"] == 1.0
    notice = board.notice.value
    assert "window_business_hours=20.0 not used: window (business hours) must be in [0.25, 8]" in (
        notice
    )
    assert "URL parameter shrinkage must be a finite float, got &#x27;abc&#x27;" in notice


def test_a_slider_recomputes_only_what_it_changes(dashboard):
    dashboard.controls["reps"].value = 3
    needed = dashboard._cache.copy()
    dashboard.controls["reps"].value = 4
    searches = [key for key in dashboard._cache if key[0] == "needed"]
    assert searches == [key for key in needed if key[0] == "needed"] and len(searches) == 1
