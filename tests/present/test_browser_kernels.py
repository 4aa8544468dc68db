"""Pages in a real browser: a bad URL parameter is said on the page; kernels end with their page.

Each Voilà page runs a kernel of its own (a few hundred MB). The server's kernels are counted as
its child processes before, while and after pages are open: closing a tab (the browser's
``beforeunload``) ends its kernel at once, and a page that vanished without closing (crash,
sleep, lost network) has its kernel culled by the project's Voilà settings (here with a 20 s
idle clock instead of 120 s).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_pages import (
    CULL_IDLE_SECONDS,
    kernel_count,
    open_page,
    page_url,
    unreadable,
    wait_for_kernels,
)

from slaplan.present.voila import LocalServer

pytestmark = pytest.mark.browser

CLOSE_TIMEOUT_S = 20


def _kernel_id(page) -> str:
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


def test_an_invalid_url_parameter_shows_its_message_and_closed_pages_end_their_kernels(
    dashboards_server: LocalServer, browser_context, planner_notebook: Path,
    capacity_notebook: Path,
) -> None:  # fmt: skip
    before = kernel_count(dashboards_server)
    pages = {
        "planner": open_page(browser_context, page_url(
            dashboards_server, planner_notebook, "?target=-5&confidence=high"), ".slaplan-planner"),
        "capacity": open_page(browser_context, page_url(
            dashboards_server, capacity_notebook, "?reps_on_shift=0"), ".slaplan-capacity"),
    }  # fmt: skip
    try:
        messages = {name: page.locator(".slaplan-url-error").inner_text()
                    for name, page in pages.items()}  # fmt: skip
        texts = [page.inner_text("body") for page in pages.values()]
        open_count = len(dashboards_server.kernel_pids())
    finally:
        for page in pages.values():
            page.close(run_before_unload=True)  # what a browser does when a tab is closed
    after = wait_for_kernels(dashboards_server, before, timeout_s=CLOSE_TIMEOUT_S)

    assert "URL parameter target=-5 not used: target must be >= 0, got -5" in messages["planner"]
    assert "URL parameter confidence must be a finite float, got 'high'" in messages["planner"]
    assert (
        "URL parameter reps_on_shift=0 not used: reps on shift must be in [1, 12]"
        in (messages["capacity"])
    )
    for text in texts:  # the page still works with the notebook's values, and says nothing odd
        assert "Traceback" not in text and "show_tracebacks" not in text and unreadable(text) == []
    assert open_count == before + 2
    assert after == before, f"{after - before} kernel(s) outlived their closed page"


def test_a_page_that_vanished_has_its_kernel_culled(
    dashboards_server: LocalServer, browser_context, planner_notebook: Path
) -> None:
    before = kernel_count(dashboards_server)
    page = open_page(browser_context, page_url(dashboards_server, planner_notebook),
                     ".slaplan-planner")  # fmt: skip
    kernel = _kernel_id(page)
    opened = len(dashboards_server.kernel_pids())
    page.close(run_before_unload=False)  # no beforeunload: as if the tab crashed
    after = wait_for_kernels(dashboards_server, before, timeout_s=CULL_IDLE_SECONDS + 30)

    assert opened == before + 1
    assert after == before, f"kernel {kernel} of a vanished page was not culled"
    assert f"Culling 'idle' kernel 'python3' ({kernel})" in dashboards_server.log_tail(20_000)
