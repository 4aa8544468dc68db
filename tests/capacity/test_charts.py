"""Capacity charts and the what-if widget draw without error on real results (Agg backend)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import slaplan as sp
from slaplan.present import capacity_charts as charts


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_team_capacity_chart(samples_dir):
    months = pd.period_range("2025-01", "2026-06", freq="M")
    capacity = sp.team_capacity(samples_dir / "team.csv", months)
    ax = charts.plot_team_capacity(capacity, demand=[400] * len(months))
    assert len(ax.patches) == len(months)


def test_response_charts():
    rates = sp.arrival_profile(200, out_of_hours_share=0.25)
    results = {
        f"{n} reps": sp.response_time_share(
            rates, reps_on_shift=n, handle_minutes=10, within_business_hours=1
        )
        for n in (2, 3)
    }
    ax = charts.plot_response_scenarios(results, target=0.9)
    assert len(ax.patches) == 4
    charts.plot_response_by_hour(results["2 reps"])


def test_compliance_and_workload_charts():
    frame = pd.DataFrame(
        {
            "mql_at": pd.to_datetime(["2026-10-02 10:00", "2026-11-02 10:00"]),
            "first_touch_at": pd.to_datetime(["2026-10-02 10:10", "2026-11-02 15:00"]),
            "owner": ["a", "b"],
        }
    )
    compliance = sp.response_compliance(frame, as_of="2026-11-10")
    charts.plot_compliance(compliance, target=0.9)
    with pytest.raises(ValueError, match="by period only"):
        charts.plot_compliance(sp.response_compliance(frame, as_of="2026-11-10", by="owner"))
    workload = sp.workload_by_owner(frame, date_column="mql_at")
    charts.plot_workload(workload)


def test_capacity_widget_builds_and_recomputes(samples_dir):
    from slaplan.present.capacity_widget import CapacityDashboard

    roster = sp.load_roster(samples_dir / "team.csv")
    rates = sp.arrival_profile(200, out_of_hours_share=0.25)
    board = CapacityDashboard(roster, ["2027-01", "2027-02"], rates, handle_minutes=10)
    assert "touched within 1 business hour<" in board.result.value
    board.controls["reps"].value = 3  # reps on shift
    share = f"{100 * board.response.share_within:.1f}%"
    assert board.response.reps_on_shift == 3 and share in board.result.value
