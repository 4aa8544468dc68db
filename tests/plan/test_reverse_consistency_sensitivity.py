"""Reverse funnel, SLA consistency and the sensitivity tornado."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from slaplan import ConversionRate, VolumeModel
from slaplan.plan.attainability import attainability
from slaplan.plan.consistency import sla_consistency
from slaplan.plan.reverse import reverse_funnel
from slaplan.plan.sensitivity import sensitivity

RATES = [ConversionRate(120, 300), ConversionRate(40, 120)]


def test_reverse_point_is_the_classic_waterfall():
    r = reverse_funnel(12, rates=RATES, stages=["lead", "mql", "sql"])
    # closed form: target / product of posterior means
    assert r.point[0] == pytest.approx(12 / ((121 / 302) * (41 / 122)))
    assert r.point[1] == pytest.approx(12 / (41 / 122))


def test_reverse_at_confidence_reaches_the_confidence():
    r = reverse_funnel(12, rates=[ConversionRate(40, 300)], confidence=0.8)
    needed = r.at_confidence[0]
    assert needed > r.point[0]
    assert attainability(12, volume=needed, rates=ConversionRate(40, 300)).probability >= 0.8


def test_reverse_revenue_target_uses_deal_size():
    r = reverse_funnel(125_000, rates=[0.1], deal_size=10_000)
    assert r.target == 13  # ceil(12.5)


def test_reverse_schedule_spreads_by_convolved_lags():
    r = reverse_funnel(12, rates=RATES, lags=[[0.5, 0.5], [0.7, 0.3]])
    np.testing.assert_allclose(r.lag_pmfs[0], [0.35, 0.5, 0.15])  # [0.5, 0.5] * [0.7, 0.3]
    schedule = r.schedule()
    lead_rows = schedule[schedule["stage"] == "stage_0"]
    assert lead_rows["point"].sum() == pytest.approx(r.point[0])
    assert len(r.to_frame()) == 3


def test_consistency_matches_scipy_betabinom():
    c = sla_consistency(300, 40, rates=ConversionRate(40, 300), confidence=0.8)
    assert c.probability == pytest.approx(stats.betabinom.sf(39, 300, 41, 261), abs=1e-9)
    assert not c.consistent
    # the consistent target is the largest M with P >= 0.8 (scipy reference)
    m = c.consistent_target
    assert stats.betabinom.sf(m - 1, 300, 41, 261) >= 0.8 > stats.betabinom.sf(m, 300, 41, 261)
    n = int(c.required_delivered)
    assert stats.betabinom.sf(39, n, 41, 261) >= 0.8 > stats.betabinom.sf(39, n - 1, 41, 261)


def test_consistency_fixed_rate_is_binomial_tail():
    c = sla_consistency(300, 30, rates=0.12)
    assert c.probability == pytest.approx(stats.binom.sf(29, 300, 0.12), abs=1e-12)


def test_consistency_chain_matches_simulation():
    c = sla_consistency(300, 40, rates=RATES, seed=0)
    rng = np.random.default_rng(9)
    n = 400_000
    counts = rng.binomial(rng.binomial(300, RATES[0].sample(n, rng)), RATES[1].sample(n, rng))
    assert c.probability == pytest.approx((counts >= 40).mean(), abs=0.006)


def test_tornado_moves_the_right_way_and_is_sorted():
    s = sensitivity(40, volume=300.0, rates=RATES, capacity_per_month=320, seed=0)
    frame = s.frame
    assert list(frame["swing"]) == sorted(frame["swing"], reverse=True)
    assert set(frame["input"]) == {"volume", "rate 1", "rate 2", "capacity"}
    assert (frame["probability_high"] >= frame["probability_low"]).all()


def test_tornado_volume_bar_matches_attainability():
    rate = ConversionRate(40, 300)
    s = sensitivity(40, volume=VolumeModel.poisson(300), rates=[rate], volume_swing=0.1)
    row = s.frame.set_index("input").loc["volume"]
    assert row["probability_high"] == pytest.approx(
        attainability(40, volume=330.0, rates=rate).probability, abs=1e-12
    )
    assert not math.isnan(s.probability)


def test_a_probability_just_below_the_confidence_never_prints_as_reaching_it():
    # README's `slaplan plan --target 40 --volume 350 --rate 40/300`: P = 0.7998 beside 80%
    check = sla_consistency(350, 40, rates=ConversionRate(40, 300), confidence=0.8)
    assert not check.consistent and 0.799 < check.probability < 0.8
    assert "INCONSISTENT" in str(check) and "= 79.98%;" in str(check)
