"""The fast Monte Carlo funnel draws from the same law as a straightforward reference sampler.

The reference below is the engine as first written (per-stage binomial conversions, lags by
sequential binomials, the capacity queue as a count, all with ``Generator.binomial``): the model
of :mod:`slaplan.plan.simulate` read literally. The fast engine replaces those draws by Poisson
thinning, tabulated constant-probability binomials and hypergeometric capacity choices; these
tests compare the two samplers on the same plan with independent seeds.

Tolerances: two-sample chi-square tests over ~12 equal-mass bins of each marginal and of a joint
(two-month) statistic, each required at p > 1e-4 (with the ~20 tests here a false alarm has
probability < 0.2% if the laws are equal; seeds are fixed, so the outcome is reproducible). With
40,000 paths per sampler such a test detects a shift of the mean by about 0.05 standard
deviations, and a 5% change of the standard deviation.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from slaplan import ConversionRate, VolumeModel
from slaplan.plan.simulate import FunnelPlan, simulate_funnel
from slaplan.plan.split import binomial_constant, multinomial_constant

N_PATHS = 40_000
P_MIN = 1e-4


def reference_simulate(plan: FunnelPlan, n_paths: int, rng: np.random.Generator):
    """The model literally: ``events[path, stage, month]`` and ``worked[path, month]``."""
    warmup, months = plan.warmup, plan.n_months
    total = warmup + months
    volume = plan.volume[0]
    counts = np.stack([volume.sample(n_paths, rng) for _ in range(total)], axis=1)
    events = np.zeros((n_paths, len(plan.stages), total), dtype=np.int64)
    events[:, 0] = counts
    rates = [r.sample(n_paths, rng) for r in plan.rates]
    worked = counts
    for i, (rate, pmf) in enumerate(zip(rates, plan.lags, strict=True)):
        base = events[:, i]
        if plan.capacity_per_month is not None and i == plan.capacity_stage:
            worked = np.empty_like(base)
            waiting = np.zeros(n_paths, dtype=np.int64)
            cap = int(plan.capacity_per_month[0])
            for m in range(total):
                queue = base[:, m] + waiting
                worked[:, m] = np.minimum(queue, cap)
                waiting = rng.binomial(queue - worked[:, m], plan.carryover_fraction)
            base = worked
        converted = rng.binomial(base, rate[:, None])
        for m in range(total):
            parts = rng.multinomial(converted[:, m], pmf)
            for lag in range(pmf.size):
                if m + lag < total:
                    events[:, i + 1, m + lag] += parts[:, lag]
    return events[:, :, warmup:], worked[:, warmup:]


def capped_plan(**changes) -> FunnelPlan:
    settings = dict(
        stages=("mql", "sql", "opportunity"),
        volume=VolumeModel.negative_binomial(300, 30),
        rates=[ConversionRate(40, 300), ConversionRate(30, 100)],
        months=4,
        lags=[[0.6, 0.3, 0.1], [0.5, 0.5]],
        capacity_per_month=320,
        carryover_fraction=0.5,
    )
    return FunnelPlan.constant(**(settings | changes))


def two_sample_p(a: np.ndarray, b: np.ndarray, bins: int = 12) -> float:
    """Chi-square homogeneity test of two integer samples over pooled equal-mass bins."""
    edges = np.unique(np.quantile(np.concatenate([a, b]), np.linspace(0, 1, bins + 1)[1:-1]))
    table = np.array(
        [
            np.bincount(np.searchsorted(edges, x, side="right"), minlength=edges.size + 1)
            for x in (a, b)
        ]
    )
    table = table[:, table.sum(axis=0) > 0]
    return float(stats.chi2_contingency(table)[1])


@pytest.fixture(scope="module")
def both_samplers():
    plan = capped_plan()
    fast = simulate_funnel(plan, n_paths=N_PATHS, seed=11)
    events, worked = reference_simulate(plan, N_PATHS, np.random.default_rng(12))
    return fast, events, worked


@pytest.mark.parametrize("stage", [0, 1, 2])
@pytest.mark.parametrize("month", [0, 3])
def test_each_stage_and_month_has_the_reference_marginal(both_samplers, stage, month):
    fast, events, _ = both_samplers
    assert two_sample_p(fast.events[:, stage, month], events[:, stage, month]) > P_MIN


@pytest.mark.parametrize("month", [0, 3])
def test_worked_leads_have_the_reference_marginal(both_samplers, month):
    fast, _, worked = both_samplers
    assert two_sample_p(fast.worked[:, month], worked[:, month]) > P_MIN


@pytest.mark.parametrize(
    ("first", "second"),
    [((0, 1), (1, 1)), ((1, 1), (2, 2)), ((1, 0), (1, 1)), ((0, 0), (0, 1))],
    ids=["mql-sql same month", "sql-opportunity next month", "sql over months", "mql carry"],
)
def test_joint_law_of_two_cells_matches_the_reference(both_samplers, first, second):
    # a sum and a difference of two cells together pin down their dependence
    fast, events, _ = both_samplers
    for combine in (np.add, np.subtract):
        ours = combine(fast.events[:, first[0], first[1]], fast.events[:, second[0], second[1]])
        theirs = combine(events[:, first[0], first[1]], events[:, second[0], second[1]])
        assert two_sample_p(ours, theirs) > P_MIN


def test_period_totals_have_the_reference_mean_and_spread(both_samplers):
    fast, events, _ = both_samplers
    for stage in range(3):
        ours, theirs = fast.period_total(stage), events[:, stage].sum(axis=1)
        se = np.sqrt(ours.var() / ours.size + theirs.var() / theirs.size)
        assert abs(ours.mean() - theirs.mean()) < 4 * se  # 4 standard errors of the difference
        assert ours.std() == pytest.approx(theirs.std(), rel=0.05)


@pytest.mark.parametrize(("n", "q"), [(0, 0.3), (1, 0.5), (7, 0.1), (40, 0.6), (300, 0.25)])
def test_tabulated_binomial_matches_scipy_binom(n, q):
    draws = binomial_constant(np.full(100_000, n), q, np.random.default_rng(n))
    observed = np.bincount(draws, minlength=n + 1)
    expected = stats.binom.pmf(np.arange(n + 1), n, q) * draws.size
    keep = expected > 5  # chi-square validity; the rest is pooled into one cell
    observed = np.append(observed[keep], observed[~keep].sum())
    expected = np.append(expected[keep], expected[~keep].sum())
    if keep.sum() > 1:
        statistic = ((observed - expected) ** 2 / np.where(expected > 0, expected, 1)).sum()
        assert stats.chi2.sf(statistic, keep.sum()) > P_MIN


def test_counts_beyond_the_table_fall_back_to_numpy():
    draws = binomial_constant(np.array([5000, 3]), 0.5, np.random.default_rng(0))
    assert 2300 < draws[0] < 2700  # mean 2500, sd 35 and 0 <= draws[1] <= 3


@given(
    counts=st.lists(st.integers(0, 2000), min_size=1, max_size=30),
    pmf=st.lists(st.floats(0, 1), min_size=1, max_size=6).filter(lambda p: sum(p) > 0),
    seed=st.integers(0, 2**32 - 1),
)
def test_multinomial_parts_are_whole_non_negative_and_add_up(counts, pmf, seed):
    probabilities = np.asarray(pmf) / sum(pmf)
    parts = multinomial_constant(np.asarray(counts), probabilities, np.random.default_rng(seed))
    stacked = np.stack(parts)
    assert (stacked >= 0).all()
    np.testing.assert_array_equal(stacked.sum(axis=0), counts)
    assert (stacked[probabilities == 0] == 0).all()


def test_same_seed_same_arrivals_across_capacity_scenarios():
    # common random numbers: the arrivals and rates do not depend on the capacity inputs
    a = simulate_funnel(capped_plan(capacity_per_month=300), n_paths=500, seed=3)
    b = simulate_funnel(
        capped_plan(capacity_per_month=250, carryover_fraction=0), n_paths=500, seed=3
    )
    np.testing.assert_array_equal(a.monthly("mql"), b.monthly("mql"))


def test_a_cap_at_the_second_stage_has_the_reference_law():
    plan = capped_plan(capacity_per_month=40, capacity_stage=1)
    fast = simulate_funnel(plan, n_paths=N_PATHS, seed=13)
    events, worked = reference_simulate(plan, N_PATHS, np.random.default_rng(14))
    assert two_sample_p(fast.worked[:, 3], worked[:, 3]) > P_MIN
    assert two_sample_p(fast.period_total(2), events[:, 2].sum(axis=1)) > P_MIN
