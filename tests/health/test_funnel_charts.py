"""Smoke tests of the funnel-health charts: each draws on the given Axes and returns it."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from health_worlds import simulate_world

import slaplan as sp
from slaplan.present import funnel_charts as fc


@pytest.fixture(scope="module")
def world():
    frame, as_of, _ = simulate_world(np.random.default_rng(5), months=10)
    rng = np.random.default_rng(6)
    frame["segment"] = rng.choice(["web", "events", "tiny"], len(frame), p=[0.6, 0.39, 0.01])
    frame["score"] = rng.uniform(0, 100, len(frame))
    frame["first_touch_at"] = frame["mql_at"] + np.array(
        rng.exponential(3, len(frame)) * 3600e9, dtype="timedelta64[ns]"
    )
    return frame, as_of


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_every_chart_draws_on_the_given_axes(world):
    frame, as_of = world
    _, axes = plt.subplots(2, 4)
    axes = axes.ravel()
    stage = sp.stage_rates(frame, ["mql", "sql"], as_of=as_of)
    cohort = sp.conversion_rates(frame, "mql", "sql", as_of=as_of)
    curve = sp.handoff_threshold(frame, as_of=as_of)
    drawn = [
        fc.plot_funnel(stage, ax=axes[0]),
        fc.plot_cohort_rates(cohort, ax=axes[1]),
        fc.plot_maturity_curves(sp.conversion_by_lag(frame, "mql", "sql", as_of=as_of), ax=axes[2]),
        fc.plot_segment_rates(sp.segment_rates(frame, "mql", "sql", as_of=as_of), ax=axes[3]),
        fc.plot_lag_histogram(
            sp.stage_pairs(frame, "mql", "sql", as_of=as_of),
            summary=sp.lag_summary(frame, "mql", "sql", as_of=as_of).iloc[0],
            ax=axes[4],
        ),
        fc.plot_response_bands(sp.response_bands(frame, as_of=as_of), ax=axes[5]),
        fc.plot_threshold_curve(curve, choice=curve.for_volume(100), ax=axes[6]),
    ]
    assert drawn == list(axes[:7])
    assert all(ax.has_data() for ax in drawn)
    assert len(axes[0].patches) == 1  # one stage pair, one bar
    assert "immature" in [t.get_text() for t in axes[1].texts]


def test_chart_makes_its_own_figure_without_axes(world):
    frame, as_of = world
    ax = fc.plot_funnel(sp.stage_rates(frame, ["mql", "sql"], as_of=as_of))
    assert ax.figure is not None and ax.get_title().startswith("Funnel")
