"""Cells run without a kernel give a kernel's outputs; a forked child's export is the same."""

from __future__ import annotations

import matplotlib
import nbformat
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from slaplan.present import report
from slaplan.present.in_process import execute_in_process
from slaplan.present.report import IPCKernelManager

CELLS = [
    "%matplotlib inline\nfrom IPython.display import HTML, display\n"
    'display(HTML("<b>bold</b>"))\nprint("one")\nprint("two")',
    "21 * 2",
    "import matplotlib.pyplot as plt\nfigure, ax = plt.subplots(figsize=(2, 1))\n"
    "_ = ax.plot([0, 1], [1, 0])",
    "import sys\nprint('to stderr', file=sys.stderr)\nNone",
]


def _outputs(notebook) -> list[list[dict]]:
    return [
        [{key: value for key, value in output.items() if key != "execution_count"}
         for output in cell.outputs]
        for cell in notebook.cells
    ]  # fmt: skip


def test_the_outputs_are_those_of_a_kernel(tmp_path):
    path = tmp_path / "cells.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(source) for source in CELLS]), path)
    by_kernel = papermill.execute_notebook(
        str(path), None, kernel_name="python3", kernel_manager_class=IPCKernelManager,
        progress_bar=False, cwd=str(tmp_path),
    )  # fmt: skip
    backend = matplotlib.get_backend()
    here = execute_in_process(nbformat.read(path, as_version=4), cwd=tmp_path)
    assert _outputs(here) == _outputs(by_kernel)
    assert [o["output_type"] for o in here.cells[2].outputs] == ["display_data"]  # the figure
    assert here.cells[1].outputs[0]["data"]["text/plain"] == "42"
    assert matplotlib.get_backend() == backend  # put back after %matplotlib inline


def test_a_failing_cell_stops_the_run_as_papermill_does(tmp_path):
    from papermill.exceptions import PapermillExecutionError

    cells = ["x = 1", "raise ValueError('confidence must be in (0, 1), got 1.5')", "x = 2"]
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells])
    with pytest.raises(PapermillExecutionError, match=r"confidence must be in \(0, 1\)") as error:
        execute_in_process(notebook, cwd=tmp_path)
    assert error.value.ename == "ValueError" and error.value.cell_index == 1
    assert notebook.cells[1].outputs[0]["output_type"] == "error"
    assert notebook.cells[2].outputs == []  # not run


def test_a_second_run_in_the_same_process_gets_a_fresh_shell(tmp_path):
    cells = ['from IPython.display import HTML, display\ndisplay(HTML("<b>x</b>"))', "y = 1"]
    cells += ["%matplotlib inline\nimport matplotlib.pyplot as plt\n_ = plt.plot([0, 1])"]
    for _ in range(2):
        notebook = new_notebook(cells=[new_code_cell(source) for source in cells])
        execute_in_process(notebook, cwd=tmp_path)
        assert notebook.cells[0].outputs[0]["data"]["text/html"] == "<b>x</b>"
        assert "image/png" in notebook.cells[2].outputs[0]["data"]  # the open figure, drawn


def _small_notebook():
    cells = ['from IPython.display import HTML, display\ndisplay(HTML("<p>page</p>"))']
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells])
    notebook.cells[0].outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": "<p>page</p>", "text/plain": ""})
    ]
    return notebook


def test_the_forked_export_is_the_export_made_here():
    notebook = _small_notebook()
    here = report._export_html(notebook, report._html_exporter())
    with report._ForkedExport() as export:
        assert export.html(notebook) == here
    assert "<p>page</p>" in here


def test_a_failed_child_leaves_the_export_to_this_process(monkeypatch):
    made_here = report._html_exporter

    def broken():
        raise RuntimeError("no templates")

    monkeypatch.setattr(report, "_html_exporter", broken)
    with report._ForkedExport() as export:  # the child inherits the broken exporter
        monkeypatch.setattr(report, "_html_exporter", made_here)
        assert "<p>page</p>" in export.html(_small_notebook())


def test_the_export_child_ends_when_no_notebook_comes():
    """A cell failed: leaving the block ends the child waiting for the notebook."""
    with report._ForkedExport() as export:
        child = export._child
    assert child.exitcode == 0
