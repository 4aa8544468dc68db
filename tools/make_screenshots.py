"""Produce the README's screenshots (docs/img/*.png) by script, with the system's headless Chromium.

Usage: .venv/bin/python tools/make_screenshots.py [--only planner,health,review] [--out docs/img]

- planner.png   the target planner (notebooks/02_target_planner.ipynb) served by Voilà
- health.png    the first funnel health charts (notebooks/01_funnel_health.ipynb) in Voilà
- review.png    the first page of the HTML SLA review written by `slaplan review`

Needs Chromium (`apt-get install chromium`) and the `test` extra (Python playwright); never
downloads a browser. Everything runs on the bundled samples, so the images are reproducible.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from slaplan.present.pdf import launch_browser
from slaplan.present.voila import start_voila

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RENDER_TIMEOUT_MS = 120_000
SHOTS = ("planner", "health", "review")
HEALTH_CHARTS = 4  # funnel bars, cohort rates, maturity curves, lag histogram


def shoot_planner(context, out_dir: Path) -> Path:
    """The planner dashboard (controls, numbers, charts) preset to the sample SLA's target."""
    with start_voila(NOTEBOOKS / "02_target_planner.ipynb") as server:
        page = context.new_page()
        page.goto(server.url, timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(".slaplan-planner", timeout=RENDER_TIMEOUT_MS)
        # the summary shows first; the charts are drawn before the busy line clears
        page.wait_for_selector(".slaplan-busy", state="detached", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(".jp-OutputArea-output img", timeout=RENDER_TIMEOUT_MS)
        dashboard = page.locator(".widget-vbox", has=page.locator(".slaplan-planner")).first
        # Voilà scrolls inside its own container: a tall window keeps the dashboard in view
        page.set_viewport_size({"width": 1280, "height": 2400})
        target = out_dir / "planner.png"
        box = dashboard.bounding_box()
        margin = 16
        clip = {
            "x": max(0, box["x"] - margin),
            "y": max(0, box["y"] - margin),
            "width": box["width"] + 2 * margin,
            "height": box["height"] + 2 * margin,
        }
        page.screenshot(path=str(target), clip=clip)
        page.close()
    return target


def shoot_health(context, out_dir: Path) -> Path:
    """The funnel health notebook rendered by Voilà: its first four charts in a 2 x 2 grid."""
    with start_voila(NOTEBOOKS / "01_funnel_health.ipynb") as server:
        page = context.new_page()
        page.goto(server.url, timeout=RENDER_TIMEOUT_MS)
        charts = page.locator(".jp-OutputArea-output img")
        charts.nth(HEALTH_CHARTS - 1).wait_for(timeout=RENDER_TIMEOUT_MS)
        images = [Image.open(io.BytesIO(charts.nth(i).screenshot())) for i in range(HEALTH_CHARTS)]
        page.close()
    target = out_dir / "health.png"
    _grid(images, columns=2).save(target)
    return target


def _grid(images: list[Image.Image], *, columns: int) -> Image.Image:
    """Paste images into a white grid, row by row, each in a cell as large as the largest."""
    cell_w = max(image.width for image in images)
    cell_h = max(image.height for image in images)
    rows = -(-len(images) // columns)
    sheet = Image.new("RGB", (columns * cell_w, rows * cell_h), "white")
    for index, image in enumerate(images):
        row, column = divmod(index, columns)
        sheet.paste(image, (column * cell_w, row * cell_h))
    return sheet


def shoot_review(context, out_dir: Path) -> Path:
    """The first screen of the HTML review written by `slaplan review` on the samples."""
    with tempfile.TemporaryDirectory(prefix="slaplan-review-") as work:
        report = Path(work) / "sla_review.html"
        command = [sys.executable, "-m", "slaplan", "review", "--out", str(report)]
        subprocess.run(command, check=True, cwd=ROOT)
        page = context.new_page()
        page.goto(report.as_uri(), timeout=RENDER_TIMEOUT_MS)
        target = out_dir / "review.png"
        page.screenshot(path=str(target), full_page=False)
        page.close()
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SHOTS), help="comma-separated subset")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = parser.parse_args(argv)
    wanted = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(wanted) - set(SHOTS))
    if unknown:
        parser.error(f"--only: unknown shot(s) {unknown}, choose from {list(SHOTS)}")
    args.out.mkdir(parents=True, exist_ok=True)
    shooters = {"planner": shoot_planner, "health": shoot_health, "review": shoot_review}
    with tempfile.TemporaryDirectory(prefix="slaplan-profile-") as profile, sync_playwright() as pw:
        context = launch_browser(pw, profile)
        try:
            for name in wanted:
                print(f"wrote {shooters[name](context, args.out)}")
        finally:
            context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
