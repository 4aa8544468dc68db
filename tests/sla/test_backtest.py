"""The kit's track record on the SLA (issue 13 item 6): :func:`slaplan.backtest_sla`.

The backtest asks the kit's one estimate, never an estimate of its own: as of the end of a
month, its P(met) and expected count for the month after are those ``check_sla`` gives when
run with that ``as_of`` (same seed). The naive rule is one definition, "last month's count":
P(met) = 1 if the month before reached the target, else 0. A month without enough data is a
row with its reason, never dropped.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import slaplan as sp

UNREADABLE = re.compile(r"\bnan\b|\bNaN\b|\d[eE][+-]\d|\bNone\b|\binf\b")


@pytest.fixture(scope="module")
def sample_backtest(sample_sla, sample_leads):
    return sp.backtest_sla(sample_sla, sample_leads, periods=2, seed=0)


@pytest.fixture(scope="module")
def maven(maven_dir):
    sla = sp.load_sla(maven_dir / "sla.yaml")
    leads = sp.load_leads(
        maven_dir / "sales_pipeline.csv", mapping="maven", funnel=sla.funnel(), as_of="2017-12-31"
    )
    return sla, leads


def test_each_months_p_met_is_what_check_sla_said_as_of_the_month_before(
    sample_backtest, sample_sla, sample_leads
):
    # the one-estimate rule: the backtest's row equals the check made as of its origin
    for origin, rows in sample_backtest.frame.groupby("origin"):
        checked = sp.check_sla(sample_sla, sample_leads, as_of=origin, seed=0)
        for row in rows.itertuples():
            assert checked.loc[row.question, "period"] == row.period
            assert checked.loc[row.question, "probability"] == row.probability
            assert checked.loc[row.question, "expected"] == row.expected


def test_the_backtest_asks_every_count_commitment_about_the_last_closed_months(
    sample_backtest, sample_sla
):
    frame = sample_backtest.frame
    counts = [c.id for c in sample_sla.commitments if c.is_count]
    assert list(dict.fromkeys(frame["question"])) == counts  # rate, response time not asked
    assert sorted(frame["period"].unique()) == list(
        pd.period_range("2026-09", "2026-10", freq="M")
    )  # as of 2026-11-15 November is still open
    assert (frame["low"] <= frame["expected"]).all() and (frame["expected"] <= frame["high"]).all()


def test_the_naive_rule_is_last_months_count_against_the_target(sample_backtest):
    frame = sample_backtest.frame
    assert (frame["naive_probability"] == (frame["previous"] >= frame["target"])).all()
    naive = sample_backtest.reliability(rule="naive")
    assert set(naive["predicted"]) <= {0.0, 1.0}
    assert naive["n"].sum() == sample_backtest.reliability()["n"].sum()


def test_brier_scores_are_the_mean_squared_gaps(sample_backtest):
    frame = sample_backtest.frame
    met = frame["met"].astype(float)
    scores = sample_backtest.scores()
    assert list(scores.index) == [*dict.fromkeys(frame["question"]), "all"]
    assert scores.loc["all", "brier_kit"] == pytest.approx(
        ((frame["probability"] - met) ** 2).mean()
    )
    assert scores.loc["all", "brier_naive"] == pytest.approx(
        ((frame["naive_probability"] - met) ** 2).mean()
    )


def test_months_without_enough_data_are_rows_with_their_reason(maven):
    # the Maven export starts in October 2016 and its first wins close in March 2017
    sla, leads = maven
    bt = sp.backtest_sla(sla, leads, periods=14)
    frame = bt.frame
    # as of the last instant of 2017-12-31 December is closed: the 14 months are Nov 16 - Dec 17
    assert sorted(frame["period"].unique()) == list(pd.period_range("2016-11", "2017-12", freq="M"))
    insufficient = frame[frame["probability"].isna()]
    assert len(insufficient) and (insufficient["reason"].str.len() > 0).all()
    assert insufficient[["expected", "low", "high"]].isna().all().all()
    scores = bt.scores()
    assert scores.loc["all", "insufficient"] == len(insufficient)
    assert np.isfinite(scores.loc["all", "brier_kit"])


def test_the_review_section_and_chart_are_written_for_people(sample_backtest, sample_sla):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from slaplan.present import track_record

    review = SimpleNamespace(sla=sample_sla, track_record=sample_backtest, track_record_note="")
    page = track_record.track_record_html(review)
    assert UNREADABLE.findall(page) == []
    assert '<table class="sla-track-record"' in page and ">SQLs (events)<" in page
    assert "last 2 closed months (September 2026 – October 2026)" in page
    ax = track_record.plot_reliability(sample_backtest)
    assert ax.xaxis.get_major_formatter().__class__.__name__ == "PercentFormatter"
    assert ax.yaxis.get_major_formatter().__class__.__name__ == "PercentFormatter"
    legend = ax.get_legend()
    assert legend.get_bbox_to_anchor().x0 > ax.get_window_extent().x1  # outside the data
    plt.close(ax.figure)
    alt = track_record.reliability_alt(sample_backtest)
    assert alt.startswith("Reliability chart of the backtest. When the kit said")
    assert UNREADABLE.findall(alt) == []


def test_a_review_without_a_track_record_says_why(sample_sla):
    from slaplan.present import track_record

    note = "not computed: the SLA has no count commitment"
    review = SimpleNamespace(sla=sample_sla, track_record=None, track_record_note=note)
    assert track_record.track_record_html(review) == (
        "<p>Track record: not computed: the SLA has no count commitment.</p>"
    )


def test_a_segment_review_backtests_the_segments_own_commitments(sample_files, sample_leads):
    review = sp.build_review(
        sample_files / "sla.yaml", sample_leads, as_of="2026-11-15", segment="events",
        track_record_periods=1,
    )  # fmt: skip
    assert list(review.track_record.frame["question"]) == ["events_sql"]
    assert review.track_record_note == ""
    assert sp.build_review(sample_files / "sla.yaml", sample_leads, as_of="2026-11-15",
                           segment="events").track_record is None  # fmt: skip


def test_the_reviews_track_record_is_the_backtest_computed_in_line(sample_files, sample_leads):
    """The review computes it in a forked child beside the rest (slaplan._background)."""
    sla = sp.load_sla(sample_files / "sla.yaml")
    review = sp.build_review(sla, sample_leads, as_of="2026-11-15", track_record_periods=1)
    in_line = sp.backtest_sla(sla, sample_leads, periods=1, as_of="2026-11-15", seed=0)
    pd.testing.assert_frame_equal(review.track_record.frame, in_line.frame)
