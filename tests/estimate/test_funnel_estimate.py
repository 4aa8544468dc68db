"""The one estimate: reproducible, order-free, honest about short and changing histories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan.errors import DataError
from slaplan.estimate.funnel_estimate import Insufficient

DECEMBER = pd.Period("2026-12", "M")


def _frame(rng, months, per_month, rate, *, start="2026-01-01", lag_days=10.0):
    starts = pd.period_range(start, periods=len(months) if hasattr(months, "__len__") else months,
                             freq="M")  # fmt: skip
    rows = []
    for month, volume in zip(starts, np.broadcast_to(per_month, len(starts)), strict=True):
        n = rng.poisson(volume)
        mql = month.start_time + pd.to_timedelta(rng.uniform(0, month.days_in_month, n), unit="D")
        sql = mql + pd.to_timedelta(rng.exponential(lag_days, n), unit="D")
        rows.append(pd.DataFrame({"mql_at": mql, "sql_at": pd.Series(sql).where(
            rng.random(n) < rate).to_numpy()}))  # fmt: skip
    frame = pd.concat(rows, ignore_index=True)
    return frame.assign(lead_id=[f"L{i}" for i in range(len(frame))])


@pytest.fixture(scope="module")
def samples():
    return sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")


def test_same_seed_same_numbers_whatever_the_order_of_the_questions(samples):
    first = sp.estimate_funnel(samples, ["mql", "sql"], seed=3)
    p1 = first.outlook("sql", DECEMBER).probability(50)
    second = sp.estimate_funnel(samples, ["mql", "sql"], seed=3)
    second.transition("mql", "sql"), second.outlook("mql", DECEMBER)  # other questions first
    assert second.outlook("sql", DECEMBER).probability(50) == p1


def test_pieces_computed_side_by_side_give_the_numbers_of_one_by_one(samples):
    one_by_one = sp.estimate_funnel(samples, seed=5)
    side_by_side = sp.estimate_funnel(samples, seed=5).compute(workers=2)
    for stage in one_by_one.stages[1:]:
        a, b = one_by_one.outlook(stage, DECEMBER), side_by_side.outlook(stage, DECEMBER)
        assert type(a) is type(b)
        if not isinstance(a, Insufficient):
            assert np.array_equal(a.samples, b.samples)
    for stage in one_by_one.stages[:-1]:
        assert one_by_one.volume(stage).describe() == side_by_side.volume(stage).describe()
    assert one_by_one.summary().equals(side_by_side.summary())


def test_questions_asked_side_by_side_give_the_numbers_of_one_by_one(samples):
    questions = [("mql", DECEMBER), ("sql", DECEMBER + 1),
                 {"stage": "first_touch", "period": DECEMBER, "source": "mql"},
                 {"stage": "sql", "period": DECEMBER, "capacity_per_month": 300.0}]  # fmt: skip
    side_by_side = sp.estimate_funnel(samples, seed=2).outlooks(questions, workers=2)
    one_by_one = sp.estimate_funnel(samples, seed=2)
    assert len(side_by_side) == len(questions)
    for question, outlook in zip(questions, side_by_side, strict=True):
        pair = not isinstance(question, dict)
        asked = {"stage": question[0], "period": question[1]} if pair else question
        alone = one_by_one.outlook(**asked)
        assert type(alone) is type(outlook)
        if not isinstance(alone, Insufficient):
            assert np.array_equal(alone.samples, outlook.samples)
    assert sp.estimate_funnel(samples).outlooks([]) == []


def test_a_piece_asked_for_by_two_threads_is_made_once(samples, monkeypatch):
    """Threads that ask for the same piece wait for the one making it (``_once``)."""
    import threading
    import time

    from slaplan.estimate import funnel_estimate

    made = []
    real = funnel_estimate.estimate_volume

    def slow(*args, **kwargs):
        made.append(threading.get_ident())
        time.sleep(0.2)  # long enough for the other thread to ask meanwhile
        return real(*args, **kwargs)

    monkeypatch.setattr(funnel_estimate, "estimate_volume", slow)
    est = sp.estimate_funnel(samples, ["mql", "sql"])
    volumes = funnel_estimate.side_by_side([lambda: est.volume("mql")] * 2, workers=2)
    assert len(made) == 1 and volumes[0] is volumes[1]


def test_a_date_as_of_is_the_end_of_that_day(samples):
    est = sp.estimate_funnel(samples, ["mql", "sql"], as_of="2026-11-10")
    assert est.as_of == pd.Timestamp("2026-11-10 23:59:59.999999999")
    assert est.frame["sql_at"].max() <= est.as_of


@pytest.mark.parametrize("as_of", ["2026-10-31", "2026-09-14 13:45", "2026-11-03 00:00:00.5"])
def test_the_stamps_read_up_to_as_of_give_the_numbers_of_a_censored_table(samples, as_of):
    """The estimate does not censor a copy of every column: each piece reads the stamps up to
    ``as_of`` itself. Against a table whose later stamps were blanked beforehand (the censoring
    every door used to do), every number is the same, at the end of a day and in the middle
    of one (where a day's count must stop at ``as_of``, not at midnight)."""
    cut = pd.Timestamp(as_of)
    frame = samples.frame.copy()
    columns = [c for c in frame.columns if c.endswith("_at")]
    for column in columns:
        frame[column] = frame[column].where(frame[column] <= cut)
    raw = sp.estimate_funnel(samples, as_of=cut, seed=3).compute()
    blanked = sp.estimate_funnel(frame, as_of=cut, seed=3).compute()
    assert raw.as_of == blanked.as_of and raw.leads == blanked.leads
    assert raw.frame.equals(blanked.frame[raw.frame.columns])  # the censored copy, when asked
    period = pd.Period(cut, freq="M")
    questions = [(stage, None) for stage in raw.stages[1:]] + [("first_touch", "mql")]
    for stage, source in questions:
        for month in (period, period + 1):
            a = raw.outlook(stage, month, source=source)
            b = blanked.outlook(stage, month, source=source)
            assert type(a) is type(b)
            if not isinstance(a, Insufficient):
                assert np.array_equal(a.samples, b.samples)
    for stage in raw.stages[:-1]:
        assert raw.volume(stage).history.equals(blanked.volume(stage).history)
        assert raw.volume(stage).running == blanked.volume(stage).running
    assert raw.summary().equals(blanked.summary())


def test_as_of_defaults_to_the_tables_as_of(samples):
    assert sp.estimate_funnel(samples, ["mql", "sql"]).as_of == samples.as_of


def test_unknown_stage_and_empty_segment_are_named(samples):
    with pytest.raises(DataError, match="opportunity_x_at"):
        sp.estimate_funnel(samples, ["mql", "opportunity_x"])
    with pytest.raises(DataError, match="segment 'nope' has no leads"):
        sp.estimate_funnel(samples, ["mql", "sql"], segment="nope")


def test_two_months_of_history_are_insufficient_not_padded():
    rng = np.random.default_rng(1)
    frame = _frame(rng, 3, 200, 0.2, start="2026-09-01")
    est = sp.estimate_funnel(frame, ["mql", "sql"], as_of="2026-11-15")
    out = est.outlook("sql", DECEMBER)
    assert isinstance(out, Insufficient)
    assert "only 2 complete months of mql" in out.reason and "at least 3" in out.reason


def test_three_months_give_a_number_with_honest_width():
    rng = np.random.default_rng(2)
    frame = _frame(rng, 4, 200, 0.2, start="2026-08-01")
    est = sp.estimate_funnel(frame, ["mql", "sql"], as_of="2026-11-15")
    out = est.outlook("sql", DECEMBER)
    low, high = out.interval
    assert low < 40 < high and high - low > 12  # Poisson(40) alone spans about 16 at 80%


def test_no_conversions_yet_is_insufficient():
    rng = np.random.default_rng(3)
    frame = _frame(rng, 6, 200, 0.0, start="2026-05-01")
    est = sp.estimate_funnel(frame, ["mql", "sql"], as_of="2026-11-15")
    out = est.outlook("sql", DECEMBER)
    assert isinstance(out, Insufficient) and "only 0 conversions" in out.reason


def test_a_partial_first_month_is_left_out_and_said():
    rng = np.random.default_rng(4)
    frame = _frame(rng, 6, 300, 0.2, start="2026-05-01")
    frame = frame[frame["mql_at"] >= "2026-05-20"]
    est = sp.estimate_funnel(frame, ["mql", "sql"], as_of="2026-11-15")
    volume = est.volume("mql")
    assert str(volume.partial_first) == "2026-05" and str(volume.history.index[0]) == "2026-06"
    assert any("2026-05 is partial" in w for w in est.warnings)


def test_a_level_shift_is_planned_on_and_said():
    rng = np.random.default_rng(5)
    frame = pd.concat(
        [
            _frame(rng, 6, 150, 0.2, start="2026-01-01"),
            _frame(rng, 4, 500, 0.2, start="2026-07-01"),
        ]
    )
    est = sp.estimate_funnel(frame, ["mql", "sql"], as_of="2026-10-31")
    volume = est.volume("mql")
    assert str(volume.forecast.regime_start) == "2026-07"
    assert volume.forecast.frame["mean"].iloc[0] == pytest.approx(500, rel=0.1)
    assert any("since 2026-07" in w and "planning on the recent level" in w for w in est.warnings)


def test_summary_names_what_the_numbers_rest_on(samples):
    est = sp.estimate_funnel(samples, ["mql", "sql"])
    est.outlook("sql", DECEMBER)
    table = est.summary()
    assert list(table["what"]) == ["mql volume per month", "mql→sql"]
    assert table["based_on"].str.contains("complete months|cohorts").all()


def test_load_leads_as_of_censors_later_events_instead_of_rejecting_them():
    early = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-06-30")
    late = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    assert len(early.rejected) == len(late.rejected)  # nothing "future" about July's leads
    assert early.as_of == pd.Timestamp("2026-06-30 23:59:59.999999999")
    est = sp.estimate_funnel(early, ["mql", "sql"])
    assert est.frame["mql_at"].max() <= early.as_of  # July onwards: not yet happened


def test_a_date_only_export_ends_on_its_last_day(maven_dir):
    deals = sp.load_leads(maven_dir / "sales_pipeline.csv", mapping="maven")
    assert deals.as_of == pd.Timestamp("2017-12-31 23:59:59.999999999")
