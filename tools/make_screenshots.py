"""Produce the README's screenshots (docs/img/*.png) by script, with the system's headless Chromium.

Usage: .venv/bin/python tools/make_screenshots.py [--only review,planner,capacity,health]
                                                  [--out docs/img]

- review.png    the first screen of the HTML SLA review on the samples (as `slaplan review`)
- planner.png   the target planner dashboard (notebooks/02_target_planner.ipynb) in Voilà
- capacity.png  the capacity what-if (notebooks/03_capacity_and_response.ipynb) in Voilà
- health.png    the first funnel health charts (notebooks/01_funnel_health.ipynb) in Voilà

The dashboards are served as `make present` serves them (Voilà's tree of notebooks/ with the
settings in etc/voila.py). Beside each picture the script writes the fingerprint of what it was
drawn from (``<name>.png.inputs.json``, see tools/picture_inputs.py); a test fails when the
picture is older than its code, data or numbers. Needs Chromium (`apt-get install chromium`) and
the `test` extra (Python playwright); never downloads a browser. Everything runs on the bundled
samples, so the images are reproducible.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
from pathlib import Path

from picture_inputs import review_inputs, write_fingerprint
from PIL import Image
from playwright.sync_api import sync_playwright

from slaplan.present.pdf import launch_browser
from slaplan.present.report import render_review
from slaplan.present.voila import LocalServer, start_voila

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
RENDER_TIMEOUT_MS = 120_000
SHOTS = ("review", "planner", "capacity", "health")
HEALTH_CHARTS = 4  # funnel bars, cohort rates, maturity curves, lag histogram
DASHBOARDS = {"planner": ("02_target_planner.ipynb", ".slaplan-planner"),
              "capacity": ("03_capacity_and_response.ipynb", ".slaplan-capacity")}  # fmt: skip


def _open(context, server: LocalServer, notebook: str, ready: str):
    page = context.new_page()
    # Voilà scrolls inside its own container: a tall window keeps the dashboard in view
    page.set_viewport_size({"width": 1280, "height": 2400})
    page.goto(f"{server.url}voila/render/{notebook}", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector(ready, timeout=RENDER_TIMEOUT_MS)
    # the numbers show first; the charts are drawn before the busy line clears
    page.wait_for_selector(".slaplan-busy", state="detached", timeout=RENDER_TIMEOUT_MS)
    return page


def shoot_dashboard(context, server: LocalServer, name: str, out_dir: Path) -> Path:
    """A dashboard's widgets (controls, numbers, charts) as `make present` serves them."""
    notebook, ready = DASHBOARDS[name]
    page = _open(context, server, notebook, ready)
    page.wait_for_selector(".widget-image", timeout=RENDER_TIMEOUT_MS)
    dashboard = page.locator(".jp-OutputArea-output", has=page.locator(ready)).first
    target = out_dir / f"{name}.png"
    box = dashboard.bounding_box()
    margin = 16
    clip = {
        "x": max(0, box["x"] - margin),
        "y": max(0, box["y"] - margin),
        "width": box["width"] + 2 * margin,
        "height": box["height"] + 2 * margin,
    }
    page.screenshot(path=str(target), clip=clip)
    page.close(run_before_unload=True)
    return target


def shoot_health(context, server: LocalServer, out_dir: Path) -> Path:
    """The funnel health notebook rendered by Voilà: its first four charts in a 2 x 2 grid."""
    page = context.new_page()
    page.goto(f"{server.url}voila/render/01_funnel_health.ipynb", timeout=RENDER_TIMEOUT_MS)
    charts = page.locator(".jp-OutputArea-output img")
    charts.nth(HEALTH_CHARTS - 1).wait_for(timeout=RENDER_TIMEOUT_MS)
    images = [Image.open(io.BytesIO(charts.nth(i).screenshot())) for i in range(HEALTH_CHARTS)]
    page.close(run_before_unload=True)
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
    """The first screen of the HTML review on the samples (what `slaplan review` writes)."""
    with tempfile.TemporaryDirectory(prefix="slaplan-review-") as work:
        report = render_review(Path(work) / "sla_review.html", **review_inputs())
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 800})
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
    with (
        tempfile.TemporaryDirectory(prefix="slaplan-profile-") as profile,
        sync_playwright() as pw,
        start_voila(NOTEBOOKS) as server,
    ):
        context = launch_browser(pw, profile)
        shooters = {
            "review": lambda: shoot_review(context, args.out),
            "planner": lambda: shoot_dashboard(context, server, "planner", args.out),
            "capacity": lambda: shoot_dashboard(context, server, "capacity", args.out),
            "health": lambda: shoot_health(context, server, args.out),
        }
        try:
            for name in wanted:
                picture = shooters[name]()
                print(f"wrote {picture} and {write_fingerprint(name, picture).name}")
        finally:
            context.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
