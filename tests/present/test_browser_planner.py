"""The target planner in a real browser: Voilà + headless Chromium, driven like a user would.

Opens ``notebooks/02_target_planner.ipynb`` served by Voilà, types a new monthly MQL volume into
the slider's readout and a new SQL target, and checks that the P(target met) shown on the page
moves the way the model says: it is the library's own ``attainability`` for the inputs now on
the page (same fitted volume model and rates, same seed), to the 0.1% the page displays, and
it rises with volume and falls with the target. Saves ``test-artifacts/planner.png``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import slaplan as sp
from slaplan.plan.planner import Planner
from slaplan.present.voila import LocalServer

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 120_000  # first render: kernel start, data load, first computation
UPDATE_TIMEOUT_MS = 30_000
SHOWN_PRECISION = 0.0005 + 1e-9  # the page shows P(target met) as a percentage with 1 decimal


def _probability_cell(page: Page):
    return page.locator(".slaplan-planner tr").first.locator("td").nth(1)


def _shown_probability(page: Page) -> float:
    return float(_probability_cell(page).inner_text().split("%")[0]) / 100


def _settle(page: Page, before: str) -> float:
    """Wait until the shown probability differs from ``before`` and the dashboard is idle."""
    expect(_probability_cell(page)).not_to_have_text(before, timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".slaplan-busy")).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
    expect(page.locator(".slaplan-error")).to_have_count(0)
    return _shown_probability(page)


def _set_volume(page: Page, volume_per_month: float) -> float:
    readout = _volume_readout(page)
    before = _probability_cell(page).inner_text()
    readout.click()
    readout.fill(f"{volume_per_month:g}")
    readout.press("Enter")
    _settle(page, before)
    return float(readout.inner_text().replace(",", ""))


def _target_field(page: Page):
    return page.locator(".widget-text", has_text="target sql").locator("input")


def _volume_readout(page: Page):
    return page.locator(".widget-slider", has_text="mql / month").locator(".widget-readout")


def _set_target(page: Page, target: int) -> int:
    field = _target_field(page)
    before = _probability_cell(page).inner_text()
    field.fill(str(target))
    field.press("Enter")
    _settle(page, before)
    return int(field.input_value())


def _model_probability(base: Planner, *, volume_per_month: float, target: int) -> float:
    planner = base.with_(volume_per_month=volume_per_month)
    result = sp.attainability(
        target,
        volume=planner.volume,
        rates=list(planner.rates),
        confidence=planner.confidence,
        seed=planner.seed,
    )
    return result.probability


@pytest.fixture(scope="module")
def sample_planner(samples_dir: Path) -> Planner:
    """The planner the notebook builds on the samples (volume model and rates fitted to data)."""
    return Planner.from_leads(sp.load_leads(samples_dir / "leads.csv"), stages=("mql", "sql"))


def _cell(page: Page, row: int):
    return page.locator(".slaplan-planner tr").nth(row).locator("td").nth(1)


def test_planner_follows_the_model_in_chromium(
    planner_server: LocalServer, browser_context, sample_planner: Planner, artifacts_dir: Path
) -> None:
    page = browser_context.new_page()
    try:
        page.goto(planner_server.url, timeout=RENDER_TIMEOUT_MS)
        _probability_cell(page).wait_for(timeout=RENDER_TIMEOUT_MS)
        expect(page.locator(".slaplan-busy")).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
        # a target just above the largest safe one (row 3 of the summary) puts P(target met)
        # mid-range, where both directions show; then more volume, then a higher target
        safe_target = int(_cell(page, 2).inner_text().replace(",", ""))
        target = _set_target(page, safe_target + 2)
        at_target = _shown_probability(page)
        volume = _set_volume(page, round(float(_volume_readout(page).inner_text()) * 1.1))
        after_volume = _shown_probability(page)
        higher_target = _set_target(page, target + 5)
        after_target = _shown_probability(page)
        page.screenshot(path=str(artifacts_dir / "planner.png"), full_page=True)
    finally:
        page.close()

    assert after_volume > at_target, "more volume must raise P(target met)"
    assert after_target < after_volume, "a higher target must lower P(target met)"
    model = {
        "after_volume": _model_probability(sample_planner, volume_per_month=volume, target=target),
        "after_target": _model_probability(
            sample_planner, volume_per_month=volume, target=higher_target
        ),
    }
    shown = {"after_volume": after_volume, "after_target": after_target}
    assert shown == pytest.approx(model, abs=SHOWN_PRECISION)
