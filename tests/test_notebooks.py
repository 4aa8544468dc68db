"""Notebooks are thin narratives (STYLE.md habit 13): checked statically here, executed by nbval.

Each notebook starts with a ``parameters`` code cell (papermill), imports slaplan, carries prose,
defines no library logic (no ``def``/``class``), is committed without outputs, and tags every cell
that displays widgets with ``nbval-ignore-output``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def _cells(path: Path, kind: str) -> list[dict]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == kind]


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_first_code_cell_is_tagged_parameters(path: Path) -> None:
    first = _cells(path, "code")[0]
    assert "parameters" in first.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_imports_slaplan_and_defines_no_library_logic(path: Path) -> None:
    code = "\n".join(_source(cell) for cell in _cells(path, "code"))
    assert "import slaplan" in code or "from slaplan" in code
    offending = [line for line in code.splitlines() if line.lstrip().startswith(("def ", "class "))]
    assert offending == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_has_prose_for_the_reader(path: Path) -> None:
    prose = " ".join(_source(cell) for cell in _cells(path, "markdown"))
    assert len(prose.split()) >= 40


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_widget_cells_ignore_output(path: Path) -> None:
    for cell in _cells(path, "code"):
        source = _source(cell)
        if "display(" in source and "widget" in source.lower():
            assert "nbval-ignore-output" in cell.get("metadata", {}).get("tags", []), source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path: Path) -> None:
    for cell in _cells(path, "code"):
        assert not cell.get("outputs") and not cell.get("execution_count")
