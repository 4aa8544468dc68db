"""The review report: `slaplan review` on the samples, and escaping of strings from the data."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pytest

import slaplan as sp
from slaplan.cli import main
from slaplan.present.names import commitment_title
from slaplan.sla.review import build_review

XSS = "<script>alert(1)</script>"


def _rename_segment(samples: Path, directory: Path, old: str, new: str) -> tuple[Path, Path]:
    """Copies of the sample leads and SLA with segment ``old`` renamed ``new`` everywhere."""
    rows = (samples / "leads.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    renamed = []
    for row in rows:
        fields = row.split(",")
        if fields[2] == old:  # the segment column
            fields[2] = new
        renamed.append(",".join(fields))
    leads = directory / "leads.csv"
    leads.write_text("".join(renamed), encoding="utf-8")
    text = (samples / "sla.yaml").read_text(encoding="utf-8")
    text = text.replace(f"segment: {old}", f'segment: "{new}"')
    text = text.replace(f"{old}, partner_referral]", f'"{new}", partner_referral]')
    sla = directory / "sla.yaml"
    sla.write_text(text, encoding="utf-8")
    return sla, leads


@pytest.fixture(scope="module")
def report_html(sample_files, tmp_path_factory) -> str:
    """`slaplan review` on the samples with the "events" segment renamed to a script tag.

    One render serves every report test (it is the slow step, ~20 s): the report must be whole
    and correct *and* show the hostile name only as text.
    """
    directory = tmp_path_factory.mktemp("report")
    sla, leads = _rename_segment(sample_files, directory, "events", XSS)
    assert XSS in sp.load_sla(sla).segments  # the rename reached the SLA file
    out = directory / "review.html"
    team = sample_files / "team.csv"
    args = ["review", "--sla", str(sla), "--leads", str(leads), "--team", str(team),
            "--as-of", "2026-11-15", "--out", str(out)]  # fmt: skip
    assert main(args) == 0
    return out.read_text(encoding="utf-8")


def test_review_report_has_the_commitments_table(report_html, sample_sla):
    table = re.search(r'<table class="sla-summary".*?</table>', report_html, re.S)
    assert table is not None
    for commitment in sample_sla.commitments:  # the report's SLA has the renamed segment
        renamed = dataclasses.replace(commitment, segment=commitment.segment and XSS)
        assert f">{html.escape(commitment_title(renamed))}<" in table.group(0)
    for section in ("Actual against target", "The month still running", "Why targets were missed",
                    "What changed since the last review", "Proposed targets",
                    "Track record: has the kit been right on this data?",
                    "How this review was made"):  # fmt: skip
        assert section in report_html


def test_review_report_shows_the_kits_track_record(report_html):
    table = re.search(r'<table class="sla-track-record".*?</table>', report_html, re.S)
    assert table is not None and "Brier: last month" in table.group(0)
    assert "As of the end of each of the last 6 closed months" in report_html
    assert '<img alt="Reliability chart of the backtest. When the kit said' in report_html


def test_review_report_has_no_python_source_and_no_scripts(report_html):
    for source in ("import slaplan", "sp.build_review", "charts.plot_", "display(",
                   "sla_path ="):  # fmt: skip
        assert source not in report_html
    assert "<script" not in report_html.lower()  # nothing runs, nothing is fetched
    assert not re.search(r'src="https?://', report_html)


def test_review_report_embeds_its_charts(report_html):
    assert report_html.count('src="data:image/png;base64,') >= 4


def test_segment_name_from_the_data_appears_only_escaped_in_the_report(report_html):
    assert XSS not in report_html
    assert "<script" not in report_html.lower()
    escaped = html.escape(XSS)  # &lt;script&gt;alert(1)&lt;/script&gt;
    assert escaped in report_html
    # the renamed segment shows up in the summary table (the events_sql commitment's row)
    table = re.search(r'<table class="sla-summary".*?</table>', report_html, re.S)
    assert escaped in table.group(0)


def test_public_names():
    assert sp.build_review is build_review
