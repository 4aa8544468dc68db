"""A segment review judges the segment's own commitments and shows its part of the others."""

from __future__ import annotations

import dataclasses
import html
import re

import numpy as np
import pytest

import slaplan as sp
from slaplan.cli import main
from slaplan.errors import SpecError
from slaplan.present.review_html import context_html, header_html, summary_html
from slaplan.sla.review import build_review
from slaplan.sla.segment import scope_sla, segment_context

AS_OF = "2026-11-15"
XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def events_review(sample_sla, sample_leads, sample_files):
    return build_review(sample_sla, sample_leads, team=sample_files / "team.csv", as_of=AS_OF,
                        segment="events")  # fmt: skip


def test_segment_review_judges_only_the_segments_own_commitments(events_review, sample_sla):
    own = [c.id for c in sample_sla.commitments if c.segment == "events"]
    assert own == ["events_sql"]  # the sample SLA's one events commitment
    assert list(events_review.summary().index) == own
    assert list(events_review.checked.index) == own
    assert set(events_review.tracked.index.get_level_values("commitment")) == set(own)
    assert events_review.left_out == ()  # the sample SLA has no other segment's commitment


def test_own_commitment_is_measured_as_in_the_whole_review(events_review, sample_sla, sample_leads):
    # reference: tracking the commitment on every lead (its own segment filter selects events)
    alone = dataclasses.replace(sample_sla, commitments=(sample_sla.commitment("events_sql"),))
    whole = sp.track_sla(alone, sample_leads, as_of=AS_OF)
    np.testing.assert_array_equal(events_review.tracked["actual"], whole["actual"])


def test_all_segment_commitments_are_context_without_a_verdict(events_review, sample_sla):
    context = events_review.context
    shared = {c.id for c in sample_sla.commitments if c.segment is None}
    assert set(context["commitment"]) == shared
    assert not {"target", "met", "verdict"} & set(context.columns)
    assert list(context["period"].astype(str).unique()) == ["2026-10", "2026-11"]
    counts = context.dropna(subset="share_of_all")
    assert (counts["segment_actual"] <= counts["all_segments_actual"]).all()
    assert counts["share_of_all"].between(0, 1).all()


def test_segment_contributions_add_up_to_the_total(sample_sla, sample_leads):
    # independent check: a count's contributions over every segment in the data sum to the total
    segments = sample_leads.frame["segment"].unique()
    parts = [segment_context(sample_sla, sample_leads, s, as_of=AS_OF) for s in segments]
    count_ids = [c.id for c in sample_sla.commitments if c.segment is None and c.is_count]
    counts = [p[p["commitment"].isin(count_ids)] for p in parts]
    assert len(counts[0]) == 2 * len(count_ids)
    summed = sum(p["segment_actual"].to_numpy() for p in counts)
    np.testing.assert_array_equal(summed, counts[0]["all_segments_actual"].to_numpy())
    np.testing.assert_allclose(sum(p["share_of_all"].to_numpy() for p in counts), 1.0)


def test_segment_without_its_own_commitment_is_refused(sample_sla):
    message = "segment has no commitment of its own in the SLA, got 'web_inbound'; segments "
    with pytest.raises(SpecError, match=re.escape(message + "with commitments: events")):
        scope_sla(sample_sla, "web_inbound")


def test_cli_refuses_a_segment_without_commitments_before_running(tmp_path, capsys):
    out = tmp_path / "review.html"
    assert main(["review", "--segment", "paid_social", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "got 'paid_social'" in err and "Traceback" not in err
    assert not out.exists()


def test_segment_report_states_its_scope_and_escapes_the_name(sample_sla, sample_leads):
    renamed = sample_leads.frame.assign(
        segment=sample_leads.frame["segment"].replace("events", XSS)
    )
    commitments = tuple(
        dataclasses.replace(c, segment=XSS) if c.segment == "events" else c
        for c in sample_sla.commitments
    )
    sla = dataclasses.replace(sample_sla, commitments=commitments)
    review = build_review(sla, renamed, as_of=AS_OF, segment=XSS)
    pieces = header_html(review) + summary_html(review) + context_html(review)
    assert XSS not in pieces and html.escape(XSS) in pieces
    assert "judges only the commitments written for" in pieces
    context = re.search(r'<table class="sla-context".*?</table>', pieces, re.S).group(0)
    assert ">mql_volume<" in context and "background:#" not in context  # no traffic light


def test_review_of_all_segments_has_no_context(sample_sla, sample_leads):
    small = dataclasses.replace(sample_sla, commitments=(sample_sla.commitment("mql_volume"),))
    review = build_review(small, sample_leads, as_of=AS_OF)
    assert review.context is None and context_html(review) == ""
