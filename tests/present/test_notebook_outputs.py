"""The planner and capacity notebooks, run whole as in JupyterLab, print nothing unreadable.

Every text a person reads in their outputs (printed lines, tables, HTML) is free of NaN,
exponents and long decimals, and shows no dataclass repr (issue 14, item 6). The notebooks run
with papermill on the kernel the review uses (IPC); the planner's calibration study is cut to
2,000 worlds, which changes its numbers, not how they are written. The review notebook's output
is checked in the browser (``test_browser_review.py``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from browser_pages import unreadable

from slaplan.present.report import IPCKernelManager

_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_REPR = re.compile(r"\b[A-Z]\w+\((?:\w+=)")  # e.g. HeadcountResult(needed=6, ...


def _visible_texts(notebook: nbformat.NotebookNode) -> list[str]:
    texts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _WIDGET_MIME in data:
                continue  # a live widget: its numbers are checked in the browser tests
            text = output.get("text") or data.get("text/html") or data.get("text/plain") or ""
            text = re.sub(r'src="data:[^"]*"', "", text)
            texts.append(html.unescape(re.sub(r"<[^>]+>", " ", text)))
    return texts


@pytest.mark.parametrize(
    ("name", "parameters"),
    [("02_target_planner.ipynb", {"calibration_worlds": 2000}),
     ("03_capacity_and_response.ipynb", {})],
)  # fmt: skip
def test_notebook_outputs_are_written_for_people(
    project_root: Path, tmp_path: Path, name: str, parameters: dict
) -> None:
    notebooks = project_root / "notebooks"
    executed = tmp_path / name
    papermill.execute_notebook(
        str(notebooks / name), str(executed), parameters=parameters, cwd=str(notebooks),
        kernel_name="python3", kernel_manager_class=IPCKernelManager, progress_bar=False,
    )  # fmt: skip
    texts = _visible_texts(nbformat.read(executed, as_version=4))
    assert len(texts) >= 6
    assert [bad for text in texts for bad in unreadable(text)] == []
    assert [text for text in texts if _REPR.search(text)] == []
