"""Monte Carlo funnel engine: cross-checked against the exact kernels and closed forms."""

from __future__ import annotations

import re

import numpy as np
import pytest

from slaplan import ConversionRate, VolumeModel
from slaplan.plan.attainability import attainability
from slaplan.plan.simulate import FunnelPlan, lag_pmf, simulate_funnel


def two_stage_plan(**kwargs):
    defaults = dict(
        stages=("mql", "sql", "opportunity"),
        volume=VolumeModel.poisson(300),
        rates=[ConversionRate(40, 300), ConversionRate(30, 100)],
        months=12,
        lags=[[0.6, 0.3, 0.1], [0.5, 0.5]],
    )
    return FunnelPlan.constant(**(defaults | kwargs))


def test_one_month_one_stage_matches_the_exact_kernel():
    plan = FunnelPlan.constant(
        stages=("mql", "sql"),
        volume=VolumeModel.negative_binomial(300, 20),
        rates=[ConversionRate(40, 300)],
        months=1,
    )
    sim = simulate_funnel(plan, n_paths=200_000, seed=0)
    exact = attainability(40, volume=plan.volume[0], rates=plan.rates).probability
    # Monte Carlo error: sd <= 0.5 / sqrt(200,000) = 0.0011
    assert sim.prob_at_least("sql", 40, month=0) == pytest.approx(exact, abs=0.005)


def test_steady_state_means_follow_the_rates_with_lags():
    sim = simulate_funnel(two_stage_plan(), n_paths=20_000, seed=1)
    # closed form: with warm-up, every month's mean is volume x product of rate means
    sql_mean = 300 * 41 / 302
    assert sim.monthly("sql").mean() == pytest.approx(sql_mean, rel=0.01)
    assert sim.monthly("opportunity").mean() == pytest.approx(sql_mean * 31 / 102, rel=0.02)


def test_without_warmup_the_first_month_misses_lagged_conversions():
    plan = FunnelPlan(**{**two_stage_plan().__dict__, "warmup_months": 0})
    sim = simulate_funnel(plan, n_paths=20_000, seed=1)
    assert sim.monthly("sql")[:, 0].mean() == pytest.approx(300 * 41 / 302 * 0.6, rel=0.02)


def test_capacity_caps_worked_leads_and_lowers_conversions():
    capped = simulate_funnel(two_stage_plan(capacity_per_month=250), n_paths=5000, seed=2)
    free = simulate_funnel(two_stage_plan(), n_paths=5000, seed=2)
    assert capped.worked.max() <= 250
    assert capped.period_total("sql").mean() < free.period_total("sql").mean()
    # common random numbers: the arrivals are identical across the two scenarios
    np.testing.assert_array_equal(capped.monthly("mql"), free.monthly("mql"))


def test_carryover_recovers_part_of_the_unworked_leads():
    lost = simulate_funnel(two_stage_plan(capacity_per_month=280), n_paths=5000, seed=3)
    carried = simulate_funnel(
        two_stage_plan(capacity_per_month=280, carryover_fraction=1.0), n_paths=5000, seed=3
    )
    assert carried.worked.sum() > lost.worked.sum()


def test_fitted_volume_level_is_shared_across_months():
    plan = two_stage_plan(volume=VolumeModel.fit([300, 280, 320]))
    totals = simulate_funnel(plan, n_paths=20_000, seed=4).period_total("mql")
    independent = VolumeModel.fit([300, 280, 320]).variance * 12
    assert totals.var() > 2 * independent  # level error does not average out over 12 months


def test_fan_and_frame_shapes():
    sim = simulate_funnel(two_stage_plan(), n_paths=1000, seed=5)
    assert list(sim.fan("sql").columns) == ["month", "mean", "p10", "p50", "p90"]
    assert len(sim.fan("sql")) == 12 and len(sim.to_frame()) == 3


def test_lag_pmf_from_observed_lags():
    np.testing.assert_allclose(lag_pmf([0, 0, 1, 2.5]), [0.5, 0.25, 0.25])


@pytest.mark.parametrize(
    ("change", "match"),
    [({"lags": [[0.5, 0.6], [1.0]]}, "sum to 1"), ({"stages": ("a", "b")}, "stages")],
)
def test_plan_validation(change, match):
    with pytest.raises(ValueError, match=match):
        two_stage_plan(**change)


def test_capacity_can_change_by_month():
    capacity = [200.0] * 6 + [400.0] * 6  # e.g. team_capacity(...).capacity_per_month
    sim = simulate_funnel(two_stage_plan(capacity_per_month=capacity), n_paths=2000, seed=6)
    assert sim.worked[:, :6].max() <= 200
    assert sim.worked[:, 6:].mean() > sim.worked[:, :6].mean()


def test_arrival_paths_pass_through_a_sure_conversion_unchanged():
    # rate fixed at 1, no lag, one row per path: every arrival reaches the next stage that month
    paths = np.random.default_rng(7).poisson(50, size=(300, 5))
    plan = FunnelPlan.from_paths(
        stages=("mql", "sql"), arrival_paths=paths, rates=[ConversionRate.fixed(1.0)]
    )
    sim = simulate_funnel(plan, n_paths=300, seed=0)
    np.testing.assert_array_equal(sim.monthly("mql"), paths)
    np.testing.assert_array_equal(sim.monthly("sql"), paths)


def test_arrival_paths_keep_their_month_to_month_covariance():
    # closed form for binomial thinning with a known rate p: Cov(S_1, S_2) = p^2 Cov(N_1, N_2)
    rng = np.random.default_rng(8)
    level = rng.gamma(4.0, 75.0, size=4000)  # a level per path: months strongly correlated
    paths = rng.poisson(level[:, None] * np.ones(3))
    plan = FunnelPlan.from_paths(
        stages=("mql", "sql"), arrival_paths=paths, rates=[ConversionRate.fixed(0.2)]
    )
    sql = simulate_funnel(plan, n_paths=4000, seed=1).monthly("sql")
    expected = 0.2**2 * np.cov(paths[:, 0], paths[:, 1])[0, 1]
    assert np.cov(sql[:, 0], sql[:, 1])[0, 1] == pytest.approx(expected, rel=0.03)


def test_arrival_paths_are_resampled_as_whole_rows():
    paths = np.array([[10, 10, 10], [100, 100, 100]])
    plan = FunnelPlan.from_paths(
        stages=("mql", "sql"), arrival_paths=paths, rates=[ConversionRate.fixed(0.5)]
    )
    mql = simulate_funnel(plan, n_paths=500, seed=2).monthly("mql")
    assert set(map(tuple, mql)) == {(10, 10, 10), (100, 100, 100)}


@pytest.mark.parametrize(
    ("paths", "error"),
    [([[1.5, 2]], ValueError), ([[-1, 2]], ValueError), ([1, 2], ValueError), ([["a"]], TypeError)],
)
def test_arrival_paths_validation(paths, error):
    with pytest.raises(error, match="arrival_paths"):
        FunnelPlan.from_paths(stages=("a", "b"), arrival_paths=paths, rates=[ConversionRate(1, 2)])


def test_a_passed_in_generator_seeds_the_streams_and_is_left_as_it_was():
    # PRODUCT.md §4: the engine takes a Generator; fresh Generators of one seed give one result
    first_rng, second_rng = np.random.default_rng(7), np.random.default_rng(7)
    first = simulate_funnel(two_stage_plan(), n_paths=500, seed=first_rng)
    second = simulate_funnel(two_stage_plan(), n_paths=500, seed=second_rng)
    np.testing.assert_array_equal(first.events, second.events)
    # the children are spawned, the parent's own stream is not drawn from
    assert first_rng.random() == np.random.default_rng(7).random()


@pytest.mark.parametrize("seed", [-1, 1.5, True, "7"])
def test_a_bad_seed_is_refused_with_its_value(seed):
    with pytest.raises(TypeError, match=re.escape(repr(seed))):
        simulate_funnel(two_stage_plan(), n_paths=10, seed=seed)
