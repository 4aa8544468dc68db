"""Every README picture is current: not older than the code, data and numbers it is drawn from.

``tools/make_screenshots.py`` keeps beside each picture the fingerprint of what drew it
(``docs/img/<name>.png.inputs.json``: the notebook, presentation modules, screenshot script,
Voilà settings and sample data, then the numbers the picture shows, recomputed through the
public API). Here the fingerprint is computed again; a picture whose inputs moved fails with the
command that redraws it.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest
from _tools import load_tool

ROOT = Path(__file__).resolve().parents[2]
README_PICTURES = sorted(
    set(re.findall(r"!\[[^\]]+\]\((docs/img/[\w.-]+\.png)\)", (ROOT / "README.md").read_text()))
)


def _picture_inputs() -> ModuleType:
    return load_tool("picture_inputs")


def test_the_readme_shows_the_four_pictures_the_script_makes() -> None:
    names = {Path(path).stem for path in README_PICTURES}
    assert names == set(_picture_inputs().PICTURES) == {"review", "planner", "capacity", "health"}


@pytest.mark.parametrize("path", README_PICTURES)
def test_the_picture_is_not_older_than_what_draws_it(path: str) -> None:
    inputs = _picture_inputs()
    picture = ROOT / path
    name = picture.stem
    redraw = f".venv/bin/python tools/make_screenshots.py --only {name}"
    stored = inputs.stored_fingerprint(picture)
    assert stored is not None, f"{path} has no fingerprint beside it; run {redraw}"
    assert stored == inputs.fingerprint(name), (
        f"{path} is older than the code, data or numbers it shows; run {redraw}"
    )


def test_the_fingerprint_moves_with_a_shown_number_and_with_the_drawing_code(monkeypatch) -> None:
    inputs = _picture_inputs()
    before = inputs.fingerprint("capacity")
    picture = inputs.PICTURES["capacity"]
    monkeypatch.setitem(inputs.PICTURES, "capacity",
                        inputs.Picture(picture.files, lambda: picture.numbers() + "1"))  # fmt: skip
    assert inputs.fingerprint("capacity") != before
    monkeypatch.setitem(inputs.PICTURES, "capacity",
                        inputs.Picture(picture.files[1:], picture.numbers))  # fmt: skip
    assert inputs.fingerprint("capacity") != before
