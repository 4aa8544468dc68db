"""Helpers of the browser tests: open a Voilà page, read it as a person would, time an update.

Not a test module: the browser tests import it (``tests/present`` is on ``sys.path``).
"""

from __future__ import annotations

import html
import json
import re
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from slaplan.present.voila import LocalServer

RENDER_TIMEOUT_MS = 120_000  # first render: kernel start, data load, first computation
UPDATE_TIMEOUT_MS = 30_000
VIEWPORT = {"width": 1280, "height": 900}
# what a person must never read: a NaN, an exponent, more than 3 decimals
UNREADABLE = re.compile(r"\bnan\b|NaN|\b\d+(?:\.\d+)?[eE][+-]?\d+\b|\d\.\d{4,}")
TIMINGS_FILE = "browser-timings.json"
CULL_IDLE_SECONDS = 20  # the test server's culling clock (the project's settings: 120 s)


def unreadable(text: str) -> list[str]:
    """Each unreadable number in ``text`` with a little context."""
    return [text[max(0, m.start() - 30) : m.end() + 10] for m in UNREADABLE.finditer(text)]


def page_url(server: LocalServer, notebook: Path, query: str = "") -> str:
    """The Voilà page of ``notebook`` on a server of the notebooks' folder (Voilà's tree)."""
    return f"{server.url}voila/render/{notebook.name}{query}"


def open_page(context: Any, url: str, ready: str) -> Page:
    """A new tab on ``url``, rendered and idle (``ready`` shown, no "Computing…" left).

    One reload on a new kernel after Voilà 0.5's known render stall (voila-dashboards/voila#1428,
    open upstream); a page that stalls twice fails the test.
    """
    page = context.new_page()
    page.set_viewport_size(VIEWPORT)
    for attempt in (1, 2):
        try:
            page.goto(url, timeout=RENDER_TIMEOUT_MS)
            page.locator(ready).first.wait_for(timeout=RENDER_TIMEOUT_MS)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    settle(page)
    return page


def settle(page: Page) -> None:
    """Wait until no widget says "Computing…"."""
    page.locator(".slaplan-busy").first.wait_for(state="detached", timeout=UPDATE_TIMEOUT_MS)


def words(text: str) -> list[str]:
    """Text reduced to its words (tags removed, entities decoded, whitespace ignored)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", text)).split()


def watch_changes(page: Page, selector: str) -> None:
    """Start timing: the next pointer release or Enter, and the next change inside ``selector``."""
    page.evaluate(
        """(selector) => {
            window.__slaplanInput = null; window.__slaplanChanged = null;
            const mark = () => { window.__slaplanInput = performance.now(); };
            document.addEventListener('pointerup', mark, {capture: true, once: true});
            document.addEventListener('keydown', mark, {capture: true, once: true});
            // a widget replaces its HTML whole: watch the widget's box, not the old table
            const found = document.querySelector(selector);
            const target = found.closest('.widget-html') || found.parentElement;
            new MutationObserver(() => {
                if (window.__slaplanInput !== null && window.__slaplanChanged === null) {
                    window.__slaplanChanged = performance.now();
                }
            }).observe(target, {subtree: true, childList: true, characterData: true});
        }""",
        selector,
    )


def change_ms(page: Page) -> float:
    """Milliseconds from the input to the first change seen by :func:`watch_changes`."""
    page.wait_for_function("() => window.__slaplanChanged !== null", timeout=UPDATE_TIMEOUT_MS)
    return float(page.evaluate("() => window.__slaplanChanged - window.__slaplanInput"))


def drag_slider(page: Page, slider: str, dx: float) -> None:
    """Drag the handle of the slider inside ``slider`` by ``dx`` pixels and release it."""
    box = page.locator(f"{slider} .noUi-handle").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y, steps=6)
    page.mouse.up()


def record_timing(artifacts_dir: Path, name: str, milliseconds: float) -> None:
    """Keep a measured time in test-artifacts (measured, reported, never asserted)."""
    path = artifacts_dir / TIMINGS_FILE
    timings = json.loads(path.read_text()) if path.exists() else {}
    timings.setdefault(name, []).append(round(milliseconds, 1))
    path.write_text(json.dumps(timings, indent=2) + "\n")
    print(f"{name}: {milliseconds:.0f} ms")


def kernel_count(server: LocalServer, *, settle_s: float = 1.0, timeout_s: float = 30.0) -> int:
    """The number of kernels the server runs, once it has stopped changing for ``settle_s``."""
    deadline = time.monotonic() + timeout_s
    count = len(server.kernel_pids())
    while time.monotonic() < deadline:
        time.sleep(settle_s)
        now = len(server.kernel_pids())
        if now == count:
            return count
        count = now
    return count


def wait_for_kernels(server: LocalServer, expected: int, *, timeout_s: float) -> int:
    """Poll the server's kernels until there are ``expected`` of them (or the time is up)."""
    deadline = time.monotonic() + timeout_s
    while (count := len(server.kernel_pids())) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    return count


def static_outputs(page: Page) -> list[str]:
    """Texts of code-cell outputs that are not live widgets (numbers a widget never updates)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.jp-OutputArea-output')]
            .filter(out => !out.querySelector('.jupyter-widgets, .widget-box, .lm-Widget'))
            .map(out => out.innerText.trim()).filter(text => text.length > 0)"""
    )


def clipped_labels(page: Page) -> list[str]:
    """Widget labels and table cells whose text does not fit their box (cut or ellipsized)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.widget-label, td, th')]
            .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)"""
    )
