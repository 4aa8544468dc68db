"""Fail when a committed notebook carries outputs or execution counts (notebooks are stripped).

Usage: python tools/check_notebooks_clean.py notebooks [--fix]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def dirty_cells(notebook: dict) -> list[int]:
    return [
        index
        for index, cell in enumerate(notebook.get("cells", []))
        if cell.get("cell_type") == "code" and (cell.get("outputs") or cell.get("execution_count"))
    ]


def strip(notebook: dict) -> dict:
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    notebook.get("metadata", {}).pop("widgets", None)
    return notebook


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else Path("notebooks")
    fix = "--fix" in argv
    paths = sorted(folder.glob("*.ipynb"))
    if not paths:
        print(f"no notebooks under {folder}", file=sys.stderr)
        return 1
    problems = 0
    for path in paths:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        cells = dirty_cells(notebook)
        if not cells and "widgets" not in notebook.get("metadata", {}):
            continue
        if fix:
            text = json.dumps(strip(notebook), indent=1, ensure_ascii=False) + "\n"
            path.write_text(text, encoding="utf-8")
            print(f"stripped {path}")
        else:
            problems += 1
            print(f"{path}: outputs or execution counts in code cells {cells}", file=sys.stderr)
    if problems:
        print(
            "strip them with: python tools/check_notebooks_clean.py notebooks --fix",
            file=sys.stderr,
        )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
