"""Fixtures for the presentation tests: the system Chromium, a headless browser, Voilà servers.

The browser is Debian's ``/usr/bin/chromium`` (installed by ``.ci/run``), driven by Python
playwright without ever downloading a browser. Servers run on free loopback ports and are
stopped by their process id when the fixture ends.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_pages import CULL_IDLE_SECONDS
from playwright.sync_api import sync_playwright

from slaplan.present.pdf import find_chromium, launch_browser
from slaplan.present.voila import LocalServer, start_voila

ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """The system Chromium; the only reason a browser test may skip is its absence."""
    try:
        return find_chromium()
    except FileNotFoundError as exc:
        pytest.skip(f"no Chromium on this machine ({exc.filename}); .ci/run installs it")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture(scope="module")
def browser_context(chromium_path: Path) -> Iterator[object]:
    """A headless Chromium context (fresh profile) driven by playwright; closed at teardown."""
    with (
        tempfile.TemporaryDirectory(prefix="slaplan-profile-") as profile,
        sync_playwright() as playwright,
    ):
        context = launch_browser(playwright, profile)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def planner_notebook(project_root: Path) -> Path:
    """The target planner dashboard (notebooks/02_target_planner.ipynb)."""
    return project_root / "notebooks" / "02_target_planner.ipynb"


@pytest.fixture(scope="session")
def capacity_notebook(project_root: Path) -> Path:
    """The capacity what-if (notebooks/03_capacity_and_response.ipynb)."""
    return project_root / "notebooks" / "03_capacity_and_response.ipynb"


@pytest.fixture(scope="session")
def dashboards_server(project_root: Path) -> Iterator[LocalServer]:
    """Voilà serving notebooks/ as `make present` does (the project's settings), for the session.

    Only the culling clock is shorter (20 s idle without a connection, checked every 2 s instead
    of 120 s and 30 s), so that a test can watch a vanished page's kernel being culled.
    """
    options = (
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        "--MappingKernelManager.cull_interval=2",
    )
    with start_voila(project_root / "notebooks", options=options) as server:
        yield server
