"""The capacity what-if, driven headless: each slider moves its output the way the model says."""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np
import pytest

import slaplan as sp
from slaplan.present.capacity_widget import CapacityDashboard, capacity_widget

MONTHS = ["2027-01", "2027-02", "2027-03", "2027-04", "2027-05", "2027-06"]
# 200 leads a week, a quarter out of hours, 20-minute touches: 1.67 reps busy in open hours,
# so 1 rep on shift cannot keep up (response_time_share's load check) and 2 can
ARRIVALS = sp.arrival_profile(200, out_of_hours_share=0.25)


@pytest.fixture
def dashboard(samples_dir) -> CapacityDashboard:
    roster = sp.load_roster(samples_dir / "team.csv")
    return CapacityDashboard(roster, MONTHS, ARRIVALS, handle_minutes=20, reps_on_shift=2,
                             draw_charts=False)  # fmt: skip


def test_sliders_recompute_only_when_released(dashboard):
    sliders = [c for c in dashboard.controls.values() if isinstance(c, widgets.widgets.Widget)
               and hasattr(c, "continuous_update")]  # fmt: skip
    assert len(sliders) == 6 and not any(s.continuous_update for s in sliders)


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
    assert "meets the 50% target" in dashboard.verdict.value
    dashboard.controls["target"].value = 0.99
    assert ("misses" if share < 0.99 else "meets") in dashboard.verdict.value


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
    assert dashboard.response is None and dashboard.verdict.value == ""
    assert "slaplan-error" in dashboard.status.value
    assert "reps_on_shift must exceed the load" in dashboard.status.value
    assert dashboard.capacity is not None  # the capacity half still answers
    dashboard.controls["reps"].value = 2  # back to a workable team: the message goes away
    assert dashboard.status.value == "" and dashboard.response is not None


def test_capacity_widget_starts_at_the_given_values_and_draws(samples_dir):
    roster = sp.load_roster(samples_dir / "team.csv")
    box = capacity_widget(roster, MONTHS, ARRIVALS, handle_minutes=20, reps_on_shift=20,
                          window_business_hours=0.5, shrinkage=0.2)  # fmt: skip
    values = {c.description: c.value for c in box.children if hasattr(c, "description")}
    assert values["reps on shift"] == 20 and values["window (business h)"] == 0.5
    assert values["shrinkage"] == 0.2
    # the two charts were drawn: one PNG picture in the box
    (picture,) = [c for c in box.children if isinstance(c, widgets.Image)]
    png = bytes(picture.value)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
