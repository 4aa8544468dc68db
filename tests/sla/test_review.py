"""The review report: `slaplan review` on the samples, and escaping of strings from the data."""

from __future__ import annotations

import dataclasses
import re

import pytest

import slaplan as sp
from slaplan.cli import main
from slaplan.present.report import header_html, summary_html
from slaplan.sla.review import build_review

XSS = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("report") / "review.html"
    assert main(["review", "--out", str(out)]) == 0
    return out.read_text(encoding="utf-8")


def test_review_report_has_the_commitments_table(report_html, sample_sla):
    table = re.search(r'<table class="sla-summary".*?</table>', report_html, re.S)
    assert table is not None
    for commitment in sample_sla.commitments:
        assert f">{commitment.id}<" in table.group(0)
    for section in ("Actual vs commitment", "Pacing of the open period", "Why targets were missed",
                    "What changed since the last review", "Proposed targets"):  # fmt: skip
        assert section in report_html


def test_review_report_has_no_python_source_and_no_scripts(report_html):
    for source in ("import slaplan", "sp.build_review", "review_charts.plot", "plt.show()",
                   "sla_path ="):  # fmt: skip
        assert source not in report_html
    assert "<script" not in report_html.lower()  # nothing runs, nothing is fetched
    assert not re.search(r'src="https?://', report_html)


def test_review_report_embeds_its_charts(report_html):
    assert report_html.count('src="data:image/png;base64,') >= 4


@pytest.fixture(scope="module")
def hostile_review(sample_sla, sample_leads):
    frame = sample_leads.frame.copy()
    frame["segment"] = frame["segment"].replace("events", XSS)
    commitments = tuple(
        dataclasses.replace(c, segment=XSS) if c.segment == "events" else c
        for c in sample_sla.commitments
    )
    sla = dataclasses.replace(sample_sla, commitments=commitments, segments=())
    return build_review(sla, frame, as_of="2026-11-15", segment=XSS)


def test_segment_names_from_the_data_are_escaped(hostile_review):
    pieces = [header_html(hostile_review), summary_html(hostile_review),
              hostile_review.tracked.to_html(), hostile_review.checked.to_html()]  # fmt: skip
    for piece in pieces:
        assert XSS not in piece
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pieces[0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pieces[1]


def test_public_names():
    assert sp.build_review is build_review
