"""The widget-free planner: inputs to every output, and how outputs move."""

from __future__ import annotations

import pandas as pd
import pytest

import slaplan as sp
from slaplan import ConversionRate, VolumeModel
from slaplan.plan.planner import Planner


@pytest.fixture
def planner():
    return Planner(
        volume=VolumeModel.poisson(300),
        rates=(ConversionRate(40, 300),),
        stages=("mql", "sql"),
        target=40,
        lags=([0.7, 0.3],),
    )


def test_compute_gives_every_output(planner):
    result = planner.compute()
    assert 0 < result.attainability.probability < 1
    assert list(result.fan.columns) == ["month", "mean", "p10", "p50", "p90"]
    assert len(result.fan) == 12
    assert "swing" in result.tornado.columns
    assert len(result.to_frame()) == 1


def test_more_volume_raises_probability_and_higher_target_lowers_it(planner):
    base = planner.compute().attainability.probability
    assert planner.with_(volume_per_month=360).compute().attainability.probability > base
    assert planner.with_(target=45).compute().attainability.probability < base


def test_headcount_becomes_capacity_at_100_leads_per_rep(planner):
    assert planner.with_(headcount=3).capacity == 300  # HubSpot ~100 MQLs per rep-month
    assert planner.with_(headcount=3, capacity_per_month=250).capacity == 250
    capped = planner.with_(headcount=2).compute().attainability
    assert capped.probability < planner.compute().attainability.probability


def test_same_inputs_same_numbers(planner):
    a = planner.with_(headcount=3).compute()
    b = planner.with_(headcount=3).compute()
    assert a.attainability.probability == b.attainability.probability
    pd.testing.assert_frame_equal(a.fan, b.fan)


def test_from_leads_fits_volume_and_rates():
    months = pd.date_range("2025-01-01", periods=400, freq="D")
    frame = pd.DataFrame(
        {"mql_at": months, "sql_at": [d if i % 5 == 0 else pd.NaT for i, d in enumerate(months)]}
    )
    p = Planner.from_leads(frame, stages=("mql", "sql"), as_of="2026-02-05")
    # one MQL a day, every fifth an SQL (same day): the one estimate's rate and March's volume
    assert p.rates[0].mean == pytest.approx(0.2, abs=0.01)
    assert p.volume.mean == pytest.approx(31, rel=0.1)
    assert p.from_data  # P(hit) comes from the estimate's outlook of March
    assert p.compute().attainability.probability == pytest.approx(
        sp.estimate_funnel(frame, ["mql", "sql"], as_of="2026-02-05")
        .outlook("sql", pd.Period("2026-03", "M"))
        .probability(p.target)
    )


def test_invalid_inputs_are_named():
    with pytest.raises(ValueError, match="stages"):
        Planner(volume=VolumeModel.poisson(10), rates=(ConversionRate(1, 2),), stages=("a",))
    with pytest.raises(ValueError, match="confidence"):
        Planner(volume=VolumeModel.poisson(10), rates=(ConversionRate(1, 2),), confidence=2.0)
