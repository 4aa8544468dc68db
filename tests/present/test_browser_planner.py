"""The target planner in a real browser: Voilà + headless Chromium, driven like a user would.

Opens ``notebooks/02_target_planner.ipynb`` served by Voilà with a target preselected in the URL
query, types a new monthly MQL volume into the slider's readout and a new SQL target, and checks
that the P(target met) shown on the page moves the way the model says: at every step it is the
library's own ``attainability`` for the inputs now on the page (volume model and rate fitted on
the samples as the notebook does, same seed), to the 0.1% the page displays, and it rises with
volume and falls with the target; the chart picture loads and is redrawn. Saves
``test-artifacts/planner.png``; then types a negative target and finds the error in the
dashboard's status line, not a traceback.
"""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

import slaplan as sp
from slaplan.plan.planner import Planner
from slaplan.present.voila import LocalServer

pytestmark = pytest.mark.browser

RENDER_TIMEOUT_MS = 90_000  # first render: kernel start, data load, first computation
UPDATE_TIMEOUT_MS = 30_000
SHOWN_PRECISION = 0.0005 + 1e-9  # the page shows P(target met) as a percentage with 1 decimal


def _probability_cell(page: Page):
    return page.locator(".slaplan-planner .slaplan-probability")


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
    return page.locator(".slaplan-target input")  # the class the dashboard puts on the field


def _volume_readout(page: Page):
    return page.locator(".slaplan-volume .widget-readout")


def _set_target(page: Page, target: int) -> int:
    field = _target_field(page)
    before = _probability_cell(page).inner_text()
    field.fill(str(target))
    field.press("Enter")
    _settle(page, before)
    return int(field.input_value())


def _model(base: Planner, *, volume_per_month: float, target: int) -> sp.Attainability:
    """The library's answer for the inputs on the page (independent of the widget code)."""
    planner = base.with_(volume_per_month=volume_per_month)
    return sp.attainability(
        target,
        volume=planner.volume,
        rates=list(planner.rates),
        confidence=planner.confidence,
        seed=planner.seed,
    )


def _notebook_parameters(notebook: Path) -> dict[str, object]:
    """The literal defaults of the notebook's ``parameters`` cell (what Voilà runs with)."""
    cells = nbformat.read(notebook, as_version=4).cells
    cell = next(c for c in cells if "parameters" in c.metadata.get("tags", []))
    return {
        name.id: ast.literal_eval(statement.value)
        for statement in ast.parse(cell.source).body
        if isinstance(statement, ast.Assign)
        for name in statement.targets
    }


def _open(page: Page, url: str) -> None:
    """Load the dashboard; one reload (a new kernel) after the known Voilà render stall.

    Voilà 0.5 intermittently stops streaming a page after a cell finished
    (voila-dashboards/voila#1428, open upstream); a page that stalls twice fails the test.
    """
    for attempt in (1, 2):
        try:
            page.goto(url, timeout=RENDER_TIMEOUT_MS)
            _probability_cell(page).wait_for(timeout=RENDER_TIMEOUT_MS)
            return
        except PlaywrightTimeout:
            if attempt == 2:
                raise


@pytest.fixture(scope="module")
def sample_planner(planner_notebook: Path) -> Planner:
    """The planner the notebook builds with its default parameters (fitted on the samples)."""
    parameters = _notebook_parameters(planner_notebook)
    leads = sp.load_leads(planner_notebook.parent / str(parameters["leads_path"]))
    stages = (str(parameters["from_stage"]), str(parameters["to_stage"]))
    return Planner.from_leads(leads, stages=stages, seed=parameters["seed"]).with_(
        confidence=parameters["confidence"]
    )


def test_planner_follows_the_model_in_chromium(
    planner_server: LocalServer, browser_context, sample_planner: Planner, artifacts_dir: Path
) -> None:
    # a target just above the largest safe one puts P(target met) mid-range, where both
    # directions show; it is preselected through the URL query, as a presenter would
    fitted_volume = sample_planner.volume.mean
    start_target = _model(sample_planner, volume_per_month=fitted_volume, target=1).max_target + 2
    page = browser_context.new_page()
    try:
        _open(page, f"{planner_server.url}?target={start_target}")
        expect(page.locator(".slaplan-busy")).to_have_count(0, timeout=UPDATE_TIMEOUT_MS)
        shown_target = int(_target_field(page).input_value())
        opened = _shown_probability(page)
        chart = page.locator(".widget-image")  # the dashboard's fan chart and tornado
        expect(chart).to_have_count(1)
        chart_width = chart.evaluate("picture => picture.naturalWidth")
        chart_source = chart.get_attribute("src")
        volume = _set_volume(page, round(fitted_volume * 1.1))
        after_volume = _shown_probability(page)
        higher_target = _set_target(page, start_target + 5)
        after_target = _shown_probability(page)
        expect(chart).not_to_have_attribute("src", chart_source, timeout=UPDATE_TIMEOUT_MS)
        page.screenshot(path=str(artifacts_dir / "planner.png"), full_page=True)
        # a bad input is answered in the dashboard's status line, not by a traceback
        _target_field(page).fill("-3")
        _target_field(page).press("Enter")
        error = page.locator(".slaplan-error")
        expect(error).to_contain_text("target", timeout=UPDATE_TIMEOUT_MS)
        error_text = error.inner_text()
        page_text = page.inner_text("body")
    except Exception as exc:  # keep what CI needs to see: the page and the server's log
        page.screenshot(path=str(artifacts_dir / "planner-failure.png"), full_page=True)
        raise AssertionError(f"{exc}\n--- Voilà log ---\n{planner_server.log_tail()}") from exc
    finally:
        page.close()

    assert "-3" in error_text and "Traceback" not in page_text
    assert chart_width > 500, "the chart picture did not load"  # 12 in at 96 dpi: ~1,100 px

    assert shown_target == start_target, "the URL query did not preselect the target"
    assert after_volume > opened, "more volume must raise P(target met)"
    assert after_target < after_volume, "a higher target must lower P(target met)"
    model = {
        "opened": _model(sample_planner, volume_per_month=fitted_volume, target=start_target),
        "after_volume": _model(sample_planner, volume_per_month=volume, target=start_target),
        "after_target": _model(sample_planner, volume_per_month=volume, target=higher_target),
    }
    shown = {"opened": opened, "after_volume": after_volume, "after_target": after_target}
    expected = {name: result.probability for name, result in model.items()}
    assert shown == pytest.approx(expected, abs=SHOWN_PRECISION)
