"""Static exports printed by the system's headless Chromium: the review report as PDF.

Owns the *local browser* concept: where Chromium is (:func:`find_chromium`), the flags it runs
with here (headless, no sandbox for root in containers, no network chatter, a throw-away
profile) and printing an HTML file to PDF with ``--print-to-pdf``. nbconvert's ``webpdf``
exporter is not used because it downloads its own browser; this module never downloads one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["CHROMIUM_FLAGS", "chromium_args", "find_chromium", "html_to_pdf", "launch_browser"]

# headless, as root in a container, with no background traffic (updates, sync, metrics)
CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)
_PRINT_STYLE = """<style media="print">
@page { size: {orientation}; margin: 10mm; }
html { zoom: 0.8; }
img { max-width: 100%; height: auto; }
tr, img, figure { break-inside: avoid; }
h1, h2, h3 { break-after: avoid; }
</style>
"""
_CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> Path:
    """Return the Chromium executable: ``$SLAPLAN_CHROMIUM``, else the first on ``PATH``.

    Raises
    ------
    FileNotFoundError
        No Chromium found; the message says how to install one (``apt-get install chromium``).

    Examples
    --------
    >>> find_chromium()  # doctest: +SKIP
    PosixPath('/usr/bin/chromium')
    """
    override = os.environ.get("SLAPLAN_CHROMIUM")
    if override:
        if not Path(override).is_file():
            raise FileNotFoundError(2, "SLAPLAN_CHROMIUM is not a file", override)
        return Path(override)
    for name in _CANDIDATES:
        found = shutil.which(name)
        if found:
            return Path(found)
    raise FileNotFoundError(
        2,
        "no Chromium found",
        "chromium (install it with `apt-get install chromium` or set SLAPLAN_CHROMIUM)",
    )


def chromium_args(*, user_data_dir: str | os.PathLike[str] | None = None) -> list[str]:
    """Return the command-line flags Chromium runs with here, plus a profile dir if given.

    Examples
    --------
    >>> chromium_args(user_data_dir="/tmp/profile")[-1]
    '--user-data-dir=/tmp/profile'
    >>> "--no-sandbox" in chromium_args()
    True
    """
    args = list(CHROMIUM_FLAGS)
    if user_data_dir is not None:
        args.append(f"--user-data-dir={user_data_dir}")
    return args


def html_to_pdf(
    html_path: str | os.PathLike[str],
    pdf_path: str | os.PathLike[str] | None = None,
    *,
    chromium: str | os.PathLike[str] | None = None,
    landscape: bool = True,
    timeout_s: float = 120.0,
) -> Path:
    """Print an HTML file to PDF with headless Chromium; return the PDF's path.

    A print style sheet is added to a temporary copy of the page (beside it, so relative links
    still resolve): landscape pages, narrow margins, content scaled to fit the wide commitment
    table, and no table row or chart split across pages.

    Parameters
    ----------
    html_path : path
        The HTML file (self-contained: the review report needs no network and no kernel).
    pdf_path : path, optional
        Where to write; default: beside the HTML with the suffix ``.pdf``.
    chromium : path, optional
        The browser executable; default :func:`find_chromium`.
    landscape : bool, default True
        Landscape pages (the report's tables are wide); portrait otherwise.
    timeout_s : float
        Seconds to wait for the browser before giving up.

    Raises
    ------
    FileNotFoundError
        The HTML file or the browser is missing.
    RuntimeError
        Chromium failed or wrote no PDF (its output is in the message).

    Examples
    --------
    >>> html_to_pdf("reports/sla_review.html")  # doctest: +SKIP
    PosixPath('reports/sla_review.pdf')
    """
    source = Path(html_path).resolve()
    if not source.is_file():
        raise FileNotFoundError(2, "HTML file not found", str(source))
    target = source.with_suffix(".pdf") if pdf_path is None else Path(pdf_path).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    browser = find_chromium() if chromium is None else Path(chromium)
    target.unlink(missing_ok=True)
    printable = source.with_name(f".{source.stem}.print.html")
    printable.write_text(_with_print_style(source, landscape=landscape), encoding="utf-8")
    try:
        done = _print(browser, printable, target, timeout_s=timeout_s)
    finally:
        printable.unlink(missing_ok=True)
    if done.returncode != 0 or not target.is_file() or target.stat().st_size == 0:
        raise RuntimeError(
            f"chromium could not print {source} to PDF (exit {done.returncode}):\n"
            f"{done.stderr[-2000:]}"
        )
    return target


def _with_print_style(source: Path, *, landscape: bool) -> str:
    """The page's HTML with the print style sheet appended to its head (last rule wins)."""
    page = source.read_text(encoding="utf-8", errors="replace")
    style = _PRINT_STYLE.replace("{orientation}", "landscape" if landscape else "portrait")
    head_end = page.lower().find("</head>")
    if head_end < 0:
        return style + page
    return page[:head_end] + style + page[head_end:]


def _print(
    browser: Path, page: Path, target: Path, *, timeout_s: float
) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="slaplan-chromium-") as profile:
        command = [
            str(browser),
            *chromium_args(user_data_dir=profile),
            "--no-pdf-header-footer",
            "--run-all-compositor-stages-before-draw",
            f"--print-to-pdf={target}",
            page.as_uri(),
        ]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, check=False
        )


def launch_browser(
    playwright: Any,
    user_data_dir: str | os.PathLike[str],
    *,
    width_px: int = 1280,
    height_px: int = 900,
) -> Any:
    """Open the system Chromium headless through Python playwright; return the browser context.

    For the browser tests and ``tools/make_screenshots.py`` (playwright comes with the ``test``
    extra). Uses :func:`find_chromium` and :data:`CHROMIUM_FLAGS`; never downloads a browser.

    Examples
    --------
    >>> from playwright.sync_api import sync_playwright  # doctest: +SKIP
    >>> with sync_playwright() as playwright:  # doctest: +SKIP
    ...     context = launch_browser(playwright, "/tmp/profile")
    ...     context.new_page().goto("http://127.0.0.1:8866/")
    """
    return playwright.chromium.launch_persistent_context(
        str(user_data_dir),
        executable_path=str(find_chromium()),
        headless=True,
        args=chromium_args(),
        viewport={"width": width_px, "height": height_px},
    )
