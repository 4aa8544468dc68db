"""The review's brief and tables on the samples, and on the verdicts still to come.

The sentences are checked against the review's own tables (no number is made up here), and the
page pieces are checked on a review whose next-period check says "insufficient data" with a NaN
probability and an assumptions text of any length: the reason shows, "nan" never does.
"""

from __future__ import annotations

import dataclasses
import math
import re

import pandas as pd
import pytest

import slaplan as sp
from slaplan.present import review_charts, review_html
from slaplan.present.brief import (
    Basis,
    CommitmentBrief,
    assumptions_in_words,
    attainability_note,
    commitment_briefs,
    commitment_sentence,
    numbers_basis,
)
from slaplan.present.formatting import (
    change_words,
    format_count,
    format_percent,
    format_value,
    period_name,
)
from slaplan.present.names import commitment_title

AS_OF = "2026-11-15"
UNREADABLE = re.compile(r"nan|NaN|\d[eE][+-]?\d|\d\.\d{4,}")
REASON = "only 2 settled months of data (at least 6 needed)"


@pytest.fixture(scope="module")
def review(samples_dir):
    return sp.build_review(samples_dir / "sla.yaml", samples_dir / "leads.csv",
                           team=samples_dir / "team.csv", as_of=AS_OF, seed=0)  # fmt: skip


@pytest.fixture(scope="module")
def insufficient(review):
    """The review with one check that has no estimate: NaN numbers, a reason, long assumptions."""
    checked = review.checked.copy()
    checked["reason"] = None
    target = "sql_volume"
    for column in ("probability", "expected", "max_target", "required_volume"):
        checked.loc[target, column] = math.nan
    checked.loc[target, "verdict"] = "insufficient data"
    checked.loc[target, "reason"] = REASON
    checked.loc["mql_volume", "assumptions"] = "months used 2025-11 to 2026-10; " * 60
    summary = review.summary()
    assert summary.loc["sql_volume", "verdict"] != "insufficient data"
    return dataclasses.replace(review, checked=checked)


def test_one_sentence_per_commitment_in_the_sla_order(review):
    briefs = commitment_briefs(review)
    assert [b.id for b in briefs] == [c.id for c in review.sla.commitments]
    for brief, commitment in zip(briefs, review.sla.commitments, strict=True):
        sentence = commitment_sentence(brief)
        assert sentence.startswith(commitment_title(commitment) + ": ")
        assert sentence.endswith(".") and not re.search(r"\.\s", sentence)  # one sentence
        assert not UNREADABLE.search(sentence)


def _of(review, commitment_id):
    return next(b for b in commitment_briefs(review) if b.id == commitment_id)


SQLS = CommitmentBrief(
    id="sql", title="SQLs", metric="count", target=50, confidence=0.8, period_word="month",
    open_period=pd.Period("2026-11", "M"), pacing=0.64, so_far=20,
    next_period=pd.Period("2026-12", "M"), probability=0.22, verdict="stretch", max_target=35,
    required_volume=472, required_stage="mql",
    basis=Basis(text="", expected=43, recent=60, upstream_stage="mql", upstream_expected=321,
                capacity=438, recent_periods=tuple(pd.period_range("2026-08", "2026-10", freq="M")),
    ),
)  # fmt: skip


def test_the_sentence_carries_the_reviews_numbers(review):
    sentence = commitment_sentence(_of(review, "sql_volume"))
    checked = review.checked.loc["sql_volume"]
    month = period_name(checked["period"]).split()[0]
    chance = format_percent(checked["probability"])
    assert f"next month ({month}) {chance} likely" in sentence
    assert format_count(checked["max_target"]) in sentence
    pacing = review.tracked.loc[(review.open_period, "sql_volume"), "pacing_probability"]
    running = period_name(review.open_period).split()[0]
    assert f"this month ({running}, P {format_percent(pacing)})" in sentence


@pytest.mark.parametrize(
    ("expected", "recent", "pacing", "words"),
    [
        (43, 60, 0.64, "at risk this month (November, P 64%); next month (December) 22% likely: "
                       "43 expected against a target of 50, fewer than the 60 a month over "
                       "August–October"),
        (43, 45, 0.9, "on pace this month (November, P 90%); next month (December) 22% likely: "
                      "43 expected against a target of 50;"),  # within 10% of recent months
        (55, 45, 0.1, "behind pace this month (November, P 10%); next month (December) 22% "
                      "likely: 55 expected against a target of 50, more than the 45 a month"),
    ],
)  # fmt: skip
def test_the_next_period_is_explained_against_recent_months(expected, recent, pacing, words):
    basis = dataclasses.replace(SQLS.basis, expected=expected, recent=recent)
    brief = dataclasses.replace(SQLS, basis=basis, pacing=pacing)
    assert words in commitment_sentence(brief)


def test_an_attainable_commitment_says_so_and_how_far_it_could_go():
    brief = dataclasses.replace(SQLS, probability=0.9, max_target=57, verdict="attainable")
    assert commitment_sentence(brief).endswith(
        "next month (December) 90% likely; the target of 50 is keepable at 80% (up to 57)."
    )
    assert attainability_note(brief) == "attainable as it stands (P 90% ≥ 80%)"


def test_the_note_names_volume_capacity_and_target_with_their_numbers(review):
    assert attainability_note(SQLS) == (
        "attainable at 80% with 472 MQLs a month (321 expected) and capacity to work them "
        "(438 a month now), or with a target of at most 35"
    )
    no_volume = dataclasses.replace(SQLS, required_volume=math.inf)  # the rate limits it
    assert attainability_note(no_volume) == "attainable at 80% with a target of at most 35"
    for brief in commitment_briefs(review):
        row = review.checked.loc[brief.id]
        note = attainability_note(brief)
        if row["probability"] < review.sla.confidence:
            assert f"a target of at most {format_value(row['max_target'], brief.metric)}" in note
        attainable = row["probability"] >= review.sla.confidence
        if brief.is_count and math.isfinite(row["required_volume"]) and not attainable:
            assert f"with {format_count(row['required_volume'])} " in note
    notes = {attainability_note(b) for b in commitment_briefs(review)}
    assert len(notes) == len(review.sla.commitments)  # specific to each row, never generic


def test_a_share_commitment_is_written_in_percent(review):
    sentence = commitment_sentence(_of(review, "mql_to_sql"))
    max_target = review.checked.loc["mql_to_sql", "max_target"]
    assert f"keep at 80% is {format_value(max_target, 'rate')}" in sentence
    target = format_value(review.checked.loc["mql_to_sql", "target"], "rate")
    assert f"target of {target}" in sentence or f"target of {target} is keepable" in sentence


def test_insufficient_data_shows_its_reason_never_nan(insufficient):
    brief = _of(insufficient, "sql_volume")
    assert brief.basis.reason == REASON
    sentence = commitment_sentence(brief)
    assert f"next month (December): insufficient data — {REASON}" in sentence
    assert attainability_note(brief) == f"no verdict: {REASON}"
    pieces = [review_html.brief_html(insufficient), review_html.summary_html(insufficient)]
    for table in (review_html.proposals_table, review_html.assumptions_table):
        pieces.append(table(insufficient).to_html())
    page = "\n".join(pieces)
    assert REASON in page and not re.search(r"\bnan\b|NaN", page)


def test_assumptions_of_any_length_are_shown_whole(insufficient):
    text = insufficient.checked.loc["mql_volume", "assumptions"]
    assert len(text) > 1000
    assert text in review_html.assumptions_table(insufficient).to_html()
    assert numbers_basis(insufficient, "mql_volume").text == text


def test_assumptions_are_written_without_statistical_notation():
    words = assumptions_in_words("monthly share Beta(549.0, 4019.0) from 12 settled months, "
                                 "321 mql leads; mql→sql 13.3% (n=4569)")  # fmt: skip
    assert "Beta(" not in words and "n=" not in words
    assert words.startswith("monthly share about 12% (8 months in 10 between 11% and 13%)")
    assert "(from 4,569 leads)" in words


def test_every_review_table_is_written_for_people(review):
    tables = [
        review_html.summary_table,
        review_html.pacing_table,
        review_html.attribution_table,
        review_html.drift_table,
        review_html.proposals_table,
        review_html.assumptions_table,
    ]
    for build in tables:
        table = build(review)
        assert len(table) > 0, build.__name__
        for row in table.rows:
            for cell in row:
                text = cell if isinstance(cell, str) else cell[0]
                assert not UNREADABLE.search(text), (build.__name__, text)
    drift = review_html.drift_table(review)
    assert "quasi-Poisson" not in drift.to_html() and "p=" not in drift.to_html()
    for (cid, row), cells in zip(review.drift.iterrows(), drift.rows, strict=True):
        kind = "count" if review.sla.commitment(cid).metric in ("count", "worked") else "share"
        words = change_words(row["before"], row["after"], kind=kind, p_value=row["p_adjusted"])
        assert cells[2] == words


def test_chart_alt_texts_describe_each_chart(review):
    titles = {c.id: commitment_title(c) for c in review.sla.commitments}
    missed = set(review.attribution.index.get_level_values("commitment"))
    texts = {
        review_charts.commitments_alt(review.tracked, titles): set(titles),
        review_charts.pacing_alt(review.tracked, titles): set(titles),
        review_charts.attribution_alt(review.attribution, titles): missed,
        review_charts.drift_alt(review.drift, titles): set(review.drift.index),
    }
    for text, shown in texts.items():
        assert shown and all(titles[c] in text for c in shown), text
        assert not UNREADABLE.search(text)
    closed = review.tracked.xs("mql_volume", level="commitment").query("status == 'closed'")
    met = f"MQLs met {int(closed['met'].astype(bool).sum())} of {len(closed)} closed periods"
    assert met in next(iter(texts))


def test_docstring_examples_run():
    import doctest

    from slaplan.present import brief, chart_pane, formatting, names, tables

    for module in (brief, chart_pane, formatting, names, review_charts, review_html, tables):
        failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        assert tried > 0 and failures == 0, module.__name__


def test_brief_html_is_the_first_thing_the_review_shows(review):
    page = review_html.brief_html(review)
    assert page.startswith(f"<h1>{review.sla.name}</h1>")
    assert page.count("<li>") == len(review.sla.commitments)
    assert "15 November 2026" in page
    assert pd.Timestamp(AS_OF) == review.as_of.normalize()
