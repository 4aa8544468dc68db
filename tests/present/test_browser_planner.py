"""The target planner in a real browser: Voilà + headless Chromium, driven like a user would.

Opens the planner page of `make present`'s server (Voilà's tree of notebooks/, the project's
settings) with a target preselected in the URL, drags the volume slider, types a new SQL target,
and checks after each step that every number on the page is the library's answer for the inputs
now on the page (the volume model and rate fitted on the samples as the notebook does, same
seed, written by the same formatter): nothing stale, nothing else computed on the page, no NaN,
exponent or long decimal, no label cut. The time from releasing the slider to the new number is
measured and kept in ``test-artifacts/browser-timings.json`` (reported in bench/README.md, never
asserted). Saves ``test-artifacts/planner.png``; then types a negative target and finds the
error in the dashboard's status line, not a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_pages import (
    UPDATE_TIMEOUT_MS,
    change_ms,
    clipped_labels,
    drag_slider,
    open_page,
    page_url,
    record_timing,
    settle,
    static_outputs,
    unreadable,
    watch_changes,
    words,
)
from playwright.sync_api import Page, expect

import slaplan as sp
from slaplan.plan.planner import Planner
from slaplan.present.planner_widget import summary_html
from slaplan.present.voila import LocalServer
from slaplan.present.voila_page import notebook_defaults

pytestmark = pytest.mark.browser

SUMMARY = ".slaplan-planner"


@pytest.fixture(scope="module")
def sample_planner(planner_notebook: Path) -> Planner:
    """The planner the notebook builds with its default parameters (fitted on the samples)."""
    parameters = notebook_defaults(planner_notebook)
    leads = sp.load_leads(planner_notebook.parent / str(parameters["leads_path"]))
    stages = (str(parameters["from_stage"]), str(parameters["to_stage"]))
    return Planner.from_leads(leads, stages=stages, seed=parameters["seed"]).with_(
        confidence=parameters["confidence"]
    )


def _model_summary(base: Planner, *, volume_per_month: float, target: int) -> list[str]:
    """The summary the library gives for the inputs on the page (not read from the widgets)."""
    planner = base.with_(volume_per_month=float(volume_per_month), target=target)
    return words(summary_html(planner.compute()))


def _shown(page: Page) -> list[str]:
    return words(page.locator(SUMMARY).inner_html())


def _volume(page: Page) -> int:
    return int(page.locator(".slaplan-volume .widget-readout").inner_text().replace(",", ""))


def _target_field(page: Page):
    return page.locator(".slaplan-target input")


def _assert_readable(page: Page) -> None:
    text = page.inner_text("body")
    assert unreadable(text) == [] and "Traceback" not in text
    assert clipped_labels(page) == []


def test_planner_page_is_the_dashboard_and_every_number_follows_the_model(
    dashboards_server: LocalServer,
    browser_context,
    sample_planner: Planner,
    planner_notebook: Path,
    artifacts_dir: Path,
) -> None:
    # a target just above the largest safe one puts P(target met) mid-range
    fitted = round(sample_planner.volume.mean)
    start_target = sample_planner.with_(volume_per_month=float(fitted)).compute()
    start_target = start_target.attainability.max_target + 2
    url = page_url(dashboards_server, planner_notebook, f"?target={start_target}")
    page = open_page(browser_context, url, SUMMARY)
    try:
        assert int(_target_field(page).input_value()) == start_target, "URL preset not applied"
        opened = _shown(page)
        _assert_readable(page)
        assert static_outputs(page) == [], "the page shows outputs the widgets do not update"
        assert "Reverse funnel" not in page.inner_text("body")  # the analysis stays in the notebook
        chart = page.locator(".widget-image")
        expect(chart).to_have_count(1)
        chart_source = chart.get_attribute("src")

        watch_changes(page, SUMMARY)
        drag_slider(page, ".slaplan-volume", 40)
        slider_ms = change_ms(page)
        settle(page)
        volume = _volume(page)
        after_volume = _shown(page)
        record_timing(artifacts_dir, "planner: slider released -> new P(target met)", slider_ms)

        field = _target_field(page)
        field.fill(str(start_target + 5))
        watch_changes(page, SUMMARY)
        field.press("Enter")
        record_timing(artifacts_dir, "planner: target typed -> new P(target met)", change_ms(page))
        settle(page)
        after_target = _shown(page)
        expect(chart).not_to_have_attribute("src", chart_source, timeout=UPDATE_TIMEOUT_MS)
        _assert_readable(page)
        page.screenshot(path=str(artifacts_dir / "planner.png"), full_page=True)

        field.fill("-3")  # a bad input is answered in the status line, not by a traceback
        field.press("Enter")
        expect(page.locator(".slaplan-error")).to_contain_text("target", timeout=UPDATE_TIMEOUT_MS)
        error_text = page.locator(".slaplan-error").inner_text()
        assert "Traceback" not in page.inner_text("body")
    except Exception as exc:  # keep what CI needs to see: the page and the server's log
        page.screenshot(path=str(artifacts_dir / "planner-failure.png"), full_page=True)
        raise AssertionError(f"{exc}\n--- Voilà log ---\n{dashboards_server.log_tail()}") from exc
    finally:
        page.close(run_before_unload=True)

    assert "-3" in error_text
    assert volume > fitted, "the drag did not move the volume"
    base = sample_planner
    assert opened == _model_summary(base, volume_per_month=fitted, target=start_target)
    assert after_volume == _model_summary(base, volume_per_month=volume, target=start_target)
    assert after_target == _model_summary(base, volume_per_month=volume, target=start_target + 5)
    assert opened != after_volume != after_target  # each change moved the numbers
