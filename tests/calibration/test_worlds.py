"""The world generator itself: deterministic, censored like an export, truth as tracking counts.

Every expected number below comes from the generator's stated parameters (``params`` and the
ranges in :mod:`worlds`'s docstring), a brute-force recount, or binomial/Poisson noise at the
simulated size (stated beside each tolerance).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import slaplan as sp

from .params import DAYS_PER_MONTH, KINDS, Segment, draw_spec
from .worlds import (
    EXPORT_COLUMNS,
    expected_period,
    make_world,
    simulate_world,
    sla_text,
    write_export,
)

STAMPS = ("lead_at", "mql_at", "sql_at", "first_touch_at")
ONE_SEGMENT = (Segment(name="inbound", share=1.0, mql_factor=1.0, sql_factor=1.0),)
QUIET = {"dispersion": 1e9, "mql_concentration": 1e9, "sql_concentration": 1e9}  # no extra noise


def _spec(kind: str, seed: int, **changes):
    return replace(draw_spec(kind, np.random.default_rng(seed)), **changes)


def _simulate(spec, seed: int = 1):
    return simulate_world(spec, np.random.default_rng(seed))


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_gives_the_same_world_and_another_seed_another(kind):
    first, again, other = make_world(kind, 11), make_world(kind, 11), make_world(kind, 12)
    pd.testing.assert_frame_equal(first.export, again.export)
    assert (first.target_mql, first.target_sql) == (again.target_mql, again.target_sql)
    assert not first.export.equals(other.export)


@pytest.mark.parametrize("kind", KINDS)
def test_export_is_the_lives_censored_at_as_of(kind):
    world = make_world(kind, 3)
    lives, export, as_of = world.lives, world.export, world.as_of
    assert list(export.columns) == list(EXPORT_COLUMNS)
    visible = lives[lives["created_at"] <= as_of].reset_index(drop=True)
    assert export["lead_id"].tolist() == visible["lead_id"].tolist()  # later leads absent
    assert (lives["created_at"] > as_of).any()  # ... and there were some
    for column in STAMPS:
        shown, real = export[column], visible[column]
        assert (shown.dropna() <= as_of).all()
        happened = real <= as_of
        pd.testing.assert_series_equal(shown[happened], real[happened])
        assert shown[~happened].isna().all()  # an event after as_of has not happened yet


@pytest.mark.parametrize("kind", KINDS)
def test_truth_counts_match_a_brute_force_recount_over_all_leads(kind):
    world = make_world(kind, 5)
    start, end = world.period.start_time.to_pydatetime(), world.period.end_time.to_pydatetime()
    for metric in ("mql", "sql"):
        stamps = [t.to_pydatetime() for t in world.lives[f"{metric}_at"] if not pd.isna(t)]
        assert world.actual(metric) == sum(start <= t <= end for t in stamps)


def test_truth_includes_events_of_leads_created_before_as_of():
    # a stationary world's SQLs in the period come mostly from MQLs of earlier weeks
    world = make_world("stationary", 5)
    lives = world.lives
    in_period = lives["sql_at"].dt.to_period("M") == world.period
    old_leads = lives["created_at"] <= world.as_of
    assert (in_period & old_leads).sum() > 0
    assert world.actual_sql == in_period.sum()


@pytest.mark.parametrize("kind", KINDS)
def test_written_export_reads_back_through_load_leads_unchanged(kind, tmp_path):
    world = make_world(kind, 8)
    path = write_export(world, tmp_path / "leads.csv")
    table = sp.load_leads(path, funnel=sp.Funnel(["lead", "mql", "sql"]), as_of=world.as_of)
    assert len(table.frame) == len(world.export) and len(table.rejected) == 0
    for column in ("created_at", "mql_at", "sql_at"):
        read = table.frame[column].reset_index(drop=True).astype("datetime64[s]")
        pd.testing.assert_series_equal(read, world.export[column].astype("datetime64[s]"))


def test_sla_text_is_a_valid_sla_with_the_worlds_targets(tmp_path):
    world = make_world("regime", 2)
    path = tmp_path / "sla.yaml"
    path.write_text(sla_text(world), encoding="utf-8")
    sla = sp.load_sla(path)
    assert sla.confidence == 0.8 and sla.period == "month"
    assert [(c.id, c.owner, c.metric, c.stage, c.target) for c in sla.commitments] == [
        ("mql_count", "marketing", "count", "mql", world.target_mql),
        ("sql_count", "sales", "count", "sql", world.target_sql),
    ]


@pytest.mark.parametrize("kind", KINDS)
def test_drawn_parameters_stay_in_the_stated_ranges(kind):
    # the ranges of worlds.py's docstring, checked on 300 draws
    rng = np.random.default_rng(2026)
    specs = [draw_spec(kind, rng) for _ in range(300)]
    mqls = np.array([s.leads_per_month * s.mql_rate for s in specs])
    assert mqls.min() >= 40 and mqls.max() <= 2000
    assert all(0.10 <= s.mql_rate <= 0.60 and 0.03 <= s.sql_rate <= 0.40 for s in specs)
    assert all(4 <= s.dispersion <= 2000 for s in specs)
    assert all(20 <= min(s.mql_concentration, s.sql_concentration) for s in specs)
    assert all(max(s.mql_concentration, s.sql_concentration) <= 5000 for s in specs)
    assert all(0.6 <= f <= 1.4 for s in specs for f in s.target_factors)
    as_of = pd.DatetimeIndex([s.as_of for s in specs])
    assert (as_of.time == pd.Timestamp("23:59:59").time()).all()
    month_end = as_of.day == as_of.days_in_month
    assert 0.35 < month_end.mean() < 0.65  # half at month end (binomial sd 0.03 at n=300)
    assert as_of[~month_end].day.isin(range(5, 26)).all()
    assert as_of.min() >= pd.Timestamp("2023-01-01") and as_of.max() < pd.Timestamp("2026-07-01")
    assert 0.35 < np.mean([s.start.day == 1 for s in specs]) < 0.65  # half start on the 1st


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [("stationary", 12, 24), ("seasonal", 18, 19), ("regime", 12, 24), ("drift", 12, 24),
     ("short", 3, 6)],
)  # fmt: skip
def test_history_spans_the_kinds_months(kind, low, high):
    # the span is drawn, then the start may snap back to the 1st of its month (<= 31 days more)
    rng = np.random.default_rng(4)
    spans = [draw_spec(kind, rng).history_months for _ in range(200)]
    assert min(spans) >= low - 1 / DAYS_PER_MONTH and max(spans) <= high + 31 / DAYS_PER_MONTH


def test_regime_changes_are_drawn_in_the_stated_ranges():
    rng = np.random.default_rng(9)
    specs = [draw_spec("regime", rng) for _ in range(300)]
    ago = np.array([(s.as_of - s.change_at) / pd.Timedelta(days=DAYS_PER_MONTH) for s in specs])
    assert ago.min() >= 3 and ago.max() <= 9
    assert all(0.4 <= s.volume_factor <= 3.0 and 0.4 <= s.rate_factor <= 2.5 for s in specs)
    changed_volume = np.mean([s.volume_factor != 1.0 for s in specs])
    changed_rate = np.mean([s.rate_factor != 1.0 for s in specs])
    assert 0.58 < changed_volume < 0.75 and 0.58 < changed_rate < 0.75  # 2/3 each, sd 0.027


@pytest.mark.parametrize("kind", KINDS)
def test_expected_counts_are_the_mean_of_the_simulated_counts(kind):
    # without level or cohort noise, counts are Poisson around the expectation: the mean of 40
    # replicates is within 4 standard errors sqrt(expected / 40), plus 0.5 for the daily grid
    spec = _spec(kind, 21, leads_per_month=300.0, **QUIET)
    truth = expected_period(spec)
    worlds = [_simulate(spec, seed) for seed in range(40)]
    for metric in ("mql", "sql"):
        expected = getattr(truth, f"expected_{metric}")
        mean = np.mean([w.actual(metric) for w in worlds])
        assert abs(mean - expected) <= 4 * np.sqrt(expected / 40) + 0.5


def test_targets_are_the_recent_monthly_count_times_the_drawn_factor():
    """From the export (what a team sees), never from the world's truth."""
    world = make_world("drift", 13)
    factors = world.spec.target_factors
    for metric, factor in zip(("mql", "sql"), factors, strict=True):
        stamps = world.export[f"{metric}_at"].dropna()
        last = pd.Period(world.as_of + pd.Timedelta(seconds=1), freq="M") - 1
        months = [last - k for k in range(3)]
        counts = [int((stamps.dt.to_period("M") == m).sum()) for m in months]
        assert world.target(metric) == max(1, round(np.mean(counts) * factor))


def _monthly_leads(world) -> pd.DataFrame:
    """Leads per full calendar month and the non-seasonal mean of that month (from the spec)."""
    spec = world.spec
    days = pd.date_range(spec.start.normalize(), spec.period.end_time.normalize(), freq="D")
    weekday = np.asarray(spec.weekday_weights)
    base = spec.leads_per_month / DAYS_PER_MONTH * weekday[days.day_of_week] / weekday.mean()
    frame = pd.DataFrame({"base": base, "month": days.to_period("M")}, index=days)
    months = frame.groupby("month")["base"].sum().iloc[1:]  # the first month may be partial
    counts = world.lives["created_at"].dt.to_period("M").value_counts()
    return pd.DataFrame({"base": months, "count": counts.reindex(months.index)})


def test_seasonality_shows_up_in_the_monthly_counts_as_specified():
    # fitted amplitude of count / non-seasonal mean - 1 on sin/cos at mid-month: 0.25 times the
    # monthly average of a sine, sin(x)/x with x = pi 30.4/365.25 (0.989); Poisson noise 0.8% a
    # month, so the amplitude's standard error is ~0.8% x sqrt(2 / 18 months) = 0.0027
    world = _simulate(_spec("seasonal", 5, leads_per_month=15_000.0, **QUIET))
    months = _monthly_leads(world)
    middle = (months.index.to_timestamp() + pd.Timedelta(days=15)).to_numpy()
    angle = 2 * np.pi * middle.astype("datetime64[D]").astype("int64") / 365.25
    design = np.column_stack([np.sin(angle), np.cos(angle)])
    ratio = months["count"].to_numpy() / months["base"].to_numpy() - 1
    (a, b), *_ = np.linalg.lstsq(design, ratio, rcond=None)
    x = np.pi * DAYS_PER_MONTH / 365.25
    assert np.hypot(a, b) == pytest.approx(0.25 * np.sin(x) / x, abs=0.01)
    phase = np.angle(a + 1j * b)  # a sin + b cos = A sin(angle + phase)
    assert abs(np.angle(np.exp(1j * (phase - world.spec.season_phase)))) < 0.05


def _leads_per_weekday_weight(lives, spec, start, end) -> float:
    """Leads created in [start, end) per unit of weekday weight (removes the weekday pattern)."""
    days = pd.date_range(start.normalize(), end.normalize(), freq="D", inclusive="left")
    weights = np.asarray(spec.weekday_weights)[days.day_of_week].sum()
    created = lives["created_at"]
    return ((created >= days[0]) & (created < days[-1] + pd.Timedelta(days=1))).sum() / weights


def test_regime_change_multiplies_volume_and_rate_from_the_change_date():
    spec = _spec("regime", 6, leads_per_month=8_000.0, volume_factor=2.0, rate_factor=0.5,
                 rate_stage="sql", segments=ONE_SEGMENT, **QUIET)  # fmt: skip
    lives = _simulate(spec).lives
    change, window = spec.change_at.normalize(), pd.Timedelta(days=90)
    after = _leads_per_weekday_weight(lives, spec, change + pd.Timedelta(days=1), change + window)
    before = _leads_per_weekday_weight(lives, spec, change - window, change)
    # ~24,000 leads before, ~48,000 after: relative noise of the ratio ~0.8%; no seasonality
    assert after / before == pytest.approx(2.0, rel=0.03)
    mqls = lives.dropna(subset=["mql_at"])
    converted, new = mqls["sql_at"].notna(), mqls["mql_at"] >= spec.change_at
    # eventual MQL -> SQL share after / before the change (every life is followed to its end);
    # thousands of converted MQLs a side: noise of the ratio ~2-3%
    assert converted[new].mean() / converted[~new].mean() == pytest.approx(0.5, rel=0.08)


def test_drifting_rate_follows_the_specified_walk_month_by_month():
    spec = _spec("drift", 7, leads_per_month=8_000.0, segments=ONE_SEGMENT, **QUIET)
    mqls = _simulate(spec).lives.dropna(subset=["mql_at"])
    month = mqls["mql_at"].dt.to_period("M")
    share = mqls["sql_at"].notna().groupby(month).mean()
    share = share[share.index <= spec.period]  # later MQLs are beyond the walk's months
    start_month = pd.Period(spec.start, freq="M")
    walk = np.asarray(spec.sql_walk)[[(m - start_month).n for m in share.index]]
    base = np.log(spec.sql_rate / (1 - spec.sql_rate))
    specified = 1 / (1 + np.exp(-(base + walk)))
    size = month.value_counts().reindex(share.index).to_numpy()
    # each month's share is binomial around the walk's rate: within 4.5 standard errors
    # (about 16 months, so a 4.5-sigma miss by chance has probability ~1e-4)
    noise = np.sqrt(specified * (1 - specified) / size)
    assert (np.abs(share.to_numpy() - specified) <= 4.5 * noise).all()
    assert np.ptp(specified) > 0.01  # the walk moved the rate


def _young(variant: str):
    """The first young world (seeds 0, 1, ...) of ``variant``."""
    return next(w for w in map(lambda seed: make_world("young", seed), range(50))
                if w.spec.variant == variant)  # fmt: skip


def test_young_worlds_come_in_two_variants_half_each():
    rng = np.random.default_rng(3)
    variants = [draw_spec("young", rng).variant for _ in range(400)]
    assert set(variants) == {"new_funnel", "new_sql_stage"}
    assert 0.42 < variants.count("new_funnel") / 400 < 0.58  # binomial sd 0.025


def test_new_funnels_lag_leaves_two_to_four_months_of_sqls_and_sql_stages_are_new():
    rng = np.random.default_rng(12)
    specs = [draw_spec("young", rng) for _ in range(300)]
    month = pd.Timedelta(days=DAYS_PER_MONTH)
    for spec in specs:
        if spec.variant == "new_funnel":
            first_possible_sql = spec.start + pd.Timedelta(days=spec.sql_lag.shift_days)
            assert 2 <= (spec.as_of - first_possible_sql) / month <= 4
            assert spec.sql_intro_at is None
        else:
            assert 2 <= (spec.as_of - spec.sql_intro_at) / month <= 4
            assert spec.sql_lag.shift_days == 0 and 12 <= spec.history_months <= 25.1


def test_new_sql_stage_converts_no_mql_from_before_its_introduction():
    world = _young("new_sql_stage")
    spec = world.spec
    assert spec.sql_intro_at is not None
    mqls = world.lives.dropna(subset=["mql_at"])
    early = mqls["mql_at"] < spec.sql_intro_at
    assert early.any() and mqls.loc[early, "sql_at"].isna().all()
    assert mqls.loc[~early, "sql_at"].notna().any()
    months = (spec.as_of - spec.sql_intro_at) / pd.Timedelta(days=DAYS_PER_MONTH)
    assert 2 <= months <= 4


def test_new_funnel_shows_sqls_only_in_its_last_two_to_four_months():
    world = _young("new_funnel")
    spec = world.spec
    assert 3 - 31 / DAYS_PER_MONTH <= spec.history_months <= 5 + 31 / DAYS_PER_MONTH
    first_sql = world.export["sql_at"].min()
    visible = (spec.as_of - first_sql) / pd.Timedelta(days=DAYS_PER_MONTH)
    shift = spec.sql_lag.shift_days
    assert first_sql >= spec.start + pd.Timedelta(days=shift)  # nothing before the shifted lag
    assert visible <= 4  # SQLs only in the last 2-4 months (the shift leaves at most 4)
    assert (spec.as_of - spec.start).days - shift >= 2 * DAYS_PER_MONTH - 1
