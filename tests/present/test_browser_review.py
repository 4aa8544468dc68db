"""The review report in a real browser: a brief on the first screen, nothing unreadable or cut.

Renders the review on the samples as `slaplan review` does, opens the HTML file in headless
Chromium at a laptop's window size and reads it as a person would: the first screen holds the
SLA's name, the date and one sentence per commitment; no visible text has a NaN, an exponent or
more than 3 decimals; every chart has alternative text; no table cell is cut; "how it was made"
comes last. Saves ``test-artifacts/review.png`` (the first screen).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from browser_pages import VIEWPORT, clipped_labels, record_timing, unreadable

import slaplan as sp
from slaplan.present.names import commitment_title
from slaplan.present.report import render_review

pytestmark = pytest.mark.browser

AS_OF = "2026-11-15"
NBCONVERT_DEFAULT_ALT = "No description has been provided for this image"


@pytest.fixture(scope="module")
def review_file(samples_dir: Path, tmp_path_factory, artifacts_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("review") / "review.html"
    started = time.perf_counter()
    render_review(out, sla_path=samples_dir / "sla.yaml", leads_path=samples_dir / "leads.csv",
                  team_path=samples_dir / "team.csv", as_of=AS_OF)  # fmt: skip
    elapsed_ms = 1000 * (time.perf_counter() - started)
    record_timing(artifacts_dir, "review: render_review on the samples", elapsed_ms)
    return out


def test_the_first_screen_is_a_brief_and_nothing_is_unreadable(
    review_file: Path, browser_context, samples_dir: Path, artifacts_dir: Path
) -> None:
    sla = sp.load_sla(samples_dir / "sla.yaml")
    page = browser_context.new_page()
    page.set_viewport_size({"width": VIEWPORT["width"], "height": 800})
    try:
        page.goto(review_file.as_uri())
        page.screenshot(path=str(artifacts_dir / "review.png"))
        heading = page.locator("h1").first.inner_text()
        items = page.locator("ul.slaplan-brief > li")
        sentences = items.all_inner_texts()
        bottoms = [items.nth(i).bounding_box()["y"] + items.nth(i).bounding_box()["height"]
                   for i in range(items.count())]  # fmt: skip
        date = page.locator(".slaplan-date").inner_text()
        text = page.inner_text("body")
        alts = page.evaluate("() => [...document.images].map(image => image.alt)")
        clipped = clipped_labels(page)
    finally:
        page.close()

    assert heading == sla.name and text.lstrip().startswith(sla.name)
    assert "15 November 2026" in date
    assert len(sentences) == len(sla.commitments)
    for sentence, commitment in zip(sentences, sla.commitments, strict=True):
        assert sentence.lstrip("● ").startswith(commitment_title(commitment) + ":")
        assert "likely" in sentence or "insufficient data" in sentence
    assert max(bottoms) <= 800, "the brief does not fit the first screen"
    assert unreadable(text) == []
    assert len(alts) >= 4 and all(alt.strip() and alt != NBCONVERT_DEFAULT_ALT for alt in alts)
    assert clipped == []
    assert text.index("How this review was made") > text.index("What the numbers assume")
