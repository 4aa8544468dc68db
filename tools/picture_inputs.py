"""What each README picture is drawn from, and the fingerprint that says whether it is current.

A picture in ``docs/img`` is current when nothing it is drawn from has changed since it was
made: the code that draws it (the notebook, the presentation modules, the screenshot script,
the Voilà settings), the sample data, and the numbers it shows. The numbers are recomputed here
through the public API and written as the page writes them (so a change in the estimation code
that moves a shown number stales the picture, and a refactor that moves none does not).
``tools/make_screenshots.py`` stores the fingerprint beside each picture
(``docs/img/<name>.png.inputs.json``); ``tests/present/test_pictures.py`` recomputes it and
fails, naming the command to run, when a picture is older than what draws it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_FILES = ("data/samples/leads.csv", "data/samples/sla.yaml", "data/samples/team.csv")
# the drawing code; this file is not in the list (what it computes is in the fingerprint)
COMMON_FILES = ("tools/make_screenshots.py", "slaplan/present/formatting.py",
                "slaplan/present/_axes.py")  # fmt: skip
DASHBOARD_FILES = ("etc/voila.py", "slaplan/present/voila_page.py", "slaplan/present/chart_pane.py",
                   "slaplan/present/progress.py", "slaplan/present/names.py")  # fmt: skip


def review_inputs() -> dict[str, object]:
    """The review the picture shows: the samples as `slaplan review` reads them by default."""
    from slaplan.samples import SampleConfig

    samples = ROOT / "data" / "samples"
    return {
        "sla_path": samples / "sla.yaml",
        "leads_path": samples / "leads.csv",
        "team_path": samples / "team.csv",
        "as_of": SampleConfig().as_of.isoformat(),
    }


def _review_numbers() -> str:
    import slaplan as sp
    from slaplan.present.review_html import brief_html, summary_html

    inputs = review_inputs()
    review = sp.build_review(inputs["sla_path"], inputs["leads_path"], team=inputs["team_path"],
                             as_of=inputs["as_of"], seed=0)  # fmt: skip
    return brief_html(review) + summary_html(review)


def _planner_numbers() -> str:
    import slaplan as sp
    from slaplan.present.planner_widget import PlannerDashboard, summary_html

    notebook = _parameters("notebooks/02_target_planner.ipynb")
    leads = sp.load_leads(ROOT / "notebooks" / notebook["leads_path"])
    stages = (notebook["from_stage"], notebook["to_stage"])
    planner = sp.Planner.from_leads(leads, stages=stages, seed=notebook["seed"]).with_(
        target=notebook["target"], confidence=notebook["confidence"]
    )
    result = PlannerDashboard(planner, draw_charts=False).result
    return summary_html(result) + _frame_text(result.fan) + _frame_text(result.tornado)


def _capacity_numbers() -> str:
    import slaplan as sp
    from slaplan.present.capacity_widget import CapacityDashboard

    notebook = _parameters("notebooks/03_capacity_and_response.ipynb")
    samples = ROOT / "notebooks" / notebook["samples"]
    leads = sp.load_leads(samples / "leads.csv")
    sla = sp.load_sla(samples / "sla.yaml")
    months = pd.period_range(pd.Period(notebook["as_of"], "M") + 1, periods=9, freq="M")
    board = CapacityDashboard(
        sp.load_roster(samples / "team.csv"), months,
        sp.arrivals_by_hour_of_week(leads.frame["mql_at"]),
        handle_minutes=notebook["touch_minutes"], reps_on_shift=notebook["reps_on_shift"],
        window_business_hours=notebook["window_business_hours"], shrinkage=notebook["shrinkage"],
        target_share=notebook["target_share"],
        calendar=sp.BusinessCalendar.from_spec(sla.business_hours), draw_charts=False,
    )  # fmt: skip
    return board.result.value


def _health_numbers() -> str:
    import slaplan as sp

    notebook = _parameters("notebooks/01_funnel_health.ipynb")
    leads = sp.load_leads(ROOT / "notebooks" / notebook["samples"] / "leads.csv")
    as_of, level = notebook["as_of"], notebook["level"]
    tables = (
        sp.stage_rates(leads, level=level, as_of=as_of),
        sp.conversion_rates(leads, "mql", "sql", level=level, as_of=as_of),
        sp.conversion_by_lag(leads, "mql", "sql", max_days=120, as_of=as_of),
    )
    return "".join(_frame_text(table) for table in tables)


def _frame_text(frame: pd.DataFrame) -> str:
    """A table as the picture can show it: numbers to 3 significant digits."""
    return frame.to_csv(float_format="%.3g")


def _parameters(notebook: str) -> dict[str, object]:
    """The literal defaults of a notebook's ``parameters`` cell."""
    from slaplan.present.voila_page import notebook_defaults

    return notebook_defaults(ROOT / notebook)


@dataclass(frozen=True)
class Picture:
    """A README picture: the files it is drawn from and the numbers it shows."""

    files: tuple[str, ...]
    numbers: Callable[[], str]


PICTURES = {
    "review": Picture(
        (*COMMON_FILES, *SAMPLE_FILES, "notebooks/05_sla_review.ipynb", "slaplan/present/brief.py",
         "slaplan/present/names.py",
         "slaplan/present/report.py", "slaplan/present/review_html.py",
         "slaplan/present/review_charts.py", "slaplan/present/tables.py"),
        _review_numbers,
    ),
    "planner": Picture(
        (*COMMON_FILES, *SAMPLE_FILES, *DASHBOARD_FILES, "notebooks/02_target_planner.ipynb",
         "slaplan/present/planner_widget.py", "slaplan/present/plan_charts.py"),
        _planner_numbers,
    ),
    "capacity": Picture(
        (*COMMON_FILES, *SAMPLE_FILES, *DASHBOARD_FILES, "notebooks/03_capacity_and_response.ipynb",
         "slaplan/present/capacity_widget.py", "slaplan/present/capacity_charts.py"),
        _capacity_numbers,
    ),
    "health": Picture(
        (*COMMON_FILES, *SAMPLE_FILES, "notebooks/01_funnel_health.ipynb",
         "slaplan/present/funnel_charts.py"),
        _health_numbers,
    ),
}  # fmt: skip


def fingerprint(name: str) -> str:
    """SHA-256 of what picture ``name`` is drawn from (files, then the numbers it shows)."""
    picture = PICTURES[name]
    digest = hashlib.sha256()
    for path in sorted(set(picture.files)):
        digest.update(path.encode() + b"\0" + (ROOT / path).read_bytes() + b"\0")
    digest.update(picture.numbers().encode())
    return digest.hexdigest()


def inputs_path(picture: Path) -> Path:
    """Where the fingerprint of ``picture`` is kept (beside it)."""
    return picture.with_name(picture.name + ".inputs.json")


def write_fingerprint(name: str, picture: Path) -> Path:
    """Store the fingerprint of ``name`` beside ``picture`` (with the files, for people)."""
    record = {"sha256": fingerprint(name), "drawn_from": sorted(set(PICTURES[name].files))}
    path = inputs_path(picture)
    path.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return path


def stored_fingerprint(picture: Path) -> str | None:
    """The fingerprint kept beside ``picture`` (None if there is none)."""
    path = inputs_path(picture)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))["sha256"]
