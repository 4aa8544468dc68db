"""The capacity what-if in a real browser: first on its page, usable, every number from the model.

Opens the capacity page of `make present`'s server preset by the URL (3 reps on shift, a 2-hour
window, 20% shrinkage), checks that the controls show those values, that the what-if is the
first output of the page and the only computed one, that its sliders are wide enough to set
their values, and that the answer table is the library's answer for the inputs on the page,
before and after dragging the reps slider (time measured, never asserted).
"""

from __future__ import annotations

from pathlib import Path

import browser_pages as pages
import pandas as pd
import pytest
from playwright.sync_api import Page

import slaplan as sp
from slaplan.present.capacity_widget import result_html
from slaplan.present.voila import LocalServer
from slaplan.present.voila_page import notebook_defaults

pytestmark = pytest.mark.browser

RESULT = ".slaplan-capacity"
QUERY = "?reps_on_shift=3&window_business_hours=2&shrinkage=0.2"
MIN_TRACK_PX = 250  # the sliders were 54 px wide: a small drag jumped 3 hours


@pytest.fixture(scope="module")
def inputs(capacity_notebook: Path) -> dict[str, object]:
    """What the notebook loads, computed here from the same files (not read from the page)."""
    parameters = notebook_defaults(capacity_notebook)
    samples = capacity_notebook.parent / str(parameters["samples"])
    leads = sp.load_leads(samples / "leads.csv")
    month = pd.Period(str(parameters["as_of"]), "M")
    return {
        "parameters": parameters,
        "roster": sp.load_roster(samples / "team.csv"),
        "calendar": sp.BusinessCalendar.from_spec(sp.load_sla(samples / "sla.yaml").business_hours),
        "arrivals": sp.arrivals_by_hour_of_week(leads.frame["mql_at"]),
        "months": pd.period_range(month + 1, periods=9, freq="M"),
    }


def _model(inputs: dict, *, reps: int, window: float, shrinkage: float) -> list[str]:
    minutes = float(inputs["parameters"]["touch_minutes"])
    target = float(inputs["parameters"]["target_share"])
    arrivals, calendar = inputs["arrivals"], inputs["calendar"]
    response = sp.response_time_share(arrivals, reps_on_shift=reps, handle_minutes=minutes,
                                      within_business_hours=window, calendar=calendar)  # fmt: skip
    needed = sp.required_reps_for_response(
        arrivals, handle_minutes=minutes, within_business_hours=window, target_share=target,
        calendar=calendar,
    ).reps_on_shift  # fmt: skip
    capacity = sp.team_capacity(inputs["roster"], inputs["months"],
                                assumptions=sp.TeamAssumptions(shrinkage=shrinkage))  # fmt: skip
    values = {"window": window, "target": target}
    page = result_html(values, response=response, needed=needed, capacity=capacity,
                       leads_per_week=float(arrivals.sum()))  # fmt: skip
    return pages.words(page)


def _readout(page: Page, label: str) -> str:
    control = page.locator(".widget-slider", has=page.locator(".widget-label", has_text=label))
    return control.locator(".widget-readout").inner_text()


def test_capacity_what_if_comes_first_and_follows_the_model(
    dashboards_server: LocalServer, browser_context, capacity_notebook: Path, inputs,
    artifacts_dir: Path,
) -> None:  # fmt: skip
    url = pages.page_url(dashboards_server, capacity_notebook, QUERY)
    page = pages.open_page(browser_context, url, RESULT)
    try:
        readouts = [_readout(page, name) for name in ("reps on shift", "window", "shrinkage")]
        opened = pages.words(page.locator(RESULT).inner_html())
        text = page.inner_text("body")
        first_output = page.locator(".jp-OutputArea-output").first
        assert first_output.locator(RESULT).count() == 1, "the what-if is not the first output"
        assert pages.static_outputs(page) == [] and "Erlang C: " not in text
        tracks = page.evaluate(
            "() => [...document.querySelectorAll('.noUi-target')].map(e => e.clientWidth)"
        )
        page.screenshot(path=str(artifacts_dir / "capacity.png"), full_page=True)

        pages.watch_changes(page, RESULT)
        pages.drag_slider(page, ".widget-slider:has-text('reps on shift')", 40)
        elapsed = pages.change_ms(page)
        pages.record_timing(artifacts_dir, "capacity: slider released -> new share", elapsed)
        pages.settle(page)
        reps = int(_readout(page, "reps on shift"))
        after = pages.words(page.locator(RESULT).inner_html())
        problems = pages.unreadable(text + page.inner_text("body")), pages.clipped_labels(page)
    except Exception as exc:
        page.screenshot(path=str(artifacts_dir / "capacity-failure.png"), full_page=True)
        raise AssertionError(f"{exc}\n--- Voilà log ---\n{dashboards_server.log_tail()}") from exc
    finally:
        page.close(run_before_unload=True)

    assert readouts == ["3", "2.00", "20%"], "the URL did not preset the what-if"
    assert problems == ([], [])
    assert len(tracks) >= 6 and min(tracks) >= MIN_TRACK_PX, tracks
    assert opened == _model(inputs, reps=3, window=2.0, shrinkage=0.2)
    assert reps > 3, "the drag did not move the reps slider"
    assert after == _model(inputs, reps=reps, window=2.0, shrinkage=0.2)
