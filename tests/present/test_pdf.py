"""Printing the HTML review to PDF with the system's headless Chromium (no browser download)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from slaplan.present.pdf import chromium_args, find_chromium, html_to_pdf

REPORT = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>SLA review</title></head>
<body><h1>SLA review</h1><table class="commitments"><tr><th>commitment</th><th>verdict</th></tr>
<tr><td>300 MQLs a month</td><td>met</td></tr>
<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>missed</td></tr></table></body></html>"""


def test_html_to_pdf_writes_a_pdf_beside_the_html(tmp_path: Path, chromium_path: Path) -> None:
    html_path = tmp_path / "sla_review.html"
    html_path.write_text(REPORT, encoding="utf-8")
    pdf_path = html_to_pdf(html_path)
    assert pdf_path == tmp_path / "sla_review.pdf"
    data = pdf_path.read_bytes()
    assert data.startswith(b"%PDF-") and b"/Type /Page" in data
    assert data.rstrip().endswith(b"%%EOF")


@pytest.mark.parametrize(("landscape", "wider"), [(True, True), (False, False)])
def test_html_to_pdf_page_orientation(tmp_path: Path, chromium_path: Path, landscape, wider):
    html_path = tmp_path / "r.html"
    html_path.write_text(REPORT, encoding="utf-8")
    data = html_to_pdf(html_path, landscape=landscape).read_bytes()
    # /MediaBox [0 0 width height] in PDF points; Letter is 612 x 792
    width, height = map(float, re.search(rb"/MediaBox\s*\[0 0 ([\d.]+) ([\d.]+)\]", data).groups())
    assert (width > height) is wider
    assert sorted(tmp_path.iterdir()) == [html_path, tmp_path / "r.pdf"]  # no temporary copy left


def test_html_to_pdf_to_an_explicit_path(tmp_path: Path, chromium_path: Path) -> None:
    html_path = tmp_path / "r.html"
    html_path.write_text(REPORT, encoding="utf-8")
    target = html_to_pdf(html_path, tmp_path / "out" / "review.pdf", chromium=chromium_path)
    assert target.is_file() and target.parent.name == "out"


def test_html_to_pdf_missing_html_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="HTML file not found"):
        html_to_pdf(tmp_path / "nothing.html")


def test_find_chromium_honours_and_checks_the_override(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SLAPLAN_CHROMIUM", str(tmp_path / "no-such-browser"))
    with pytest.raises(FileNotFoundError, match="SLAPLAN_CHROMIUM"):
        find_chromium()


def test_find_chromium_explains_how_to_install(monkeypatch) -> None:
    monkeypatch.delenv("SLAPLAN_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", "")
    with pytest.raises(FileNotFoundError) as caught:
        find_chromium()
    assert "apt-get install chromium" in caught.value.filename


def test_chromium_args_run_headless_without_sandbox_or_network_chatter() -> None:
    args = chromium_args(user_data_dir="/tmp/profile")
    for flag in ("--headless", "--no-sandbox", "--disable-background-networking", "--no-first-run"):
        assert flag in args
    assert args[-1] == "--user-data-dir=/tmp/profile"


def test_slaplan_review_pdf_prints_the_report(tmp_path: Path, chromium_path: Path, monkeypatch):
    # the notebook run itself is tested with the review; here only the --pdf wiring, on a stub
    from slaplan import cli
    from slaplan.present import report

    def fake_render_review(out, **_inputs):
        Path(out).write_text(REPORT, encoding="utf-8")
        return Path(out)

    monkeypatch.setattr(report, "render_review", fake_render_review)
    out = tmp_path / "review.html"
    assert cli.main(["review", "--out", str(out), "--pdf"]) == 0
    assert (tmp_path / "review.pdf").read_bytes().startswith(b"%PDF-")
