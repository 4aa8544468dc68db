"""The README's track-record tables (``tools/readme_backtest.py``) are the code's own numbers.

The fast test checks that the script rewrites only the part of a README between its markers;
the slow one recomputes both tables (``slaplan backtest`` on the samples and on the Maven export,
12 months each, about 20 s) and fails, naming the command, when the README shows numbers the
code no longer gives (after the samples or the estimate change).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _script() -> ModuleType:
    path = ROOT / "tools" / "readme_backtest.py"
    spec = importlib.util.spec_from_file_location("readme_backtest", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("readme_backtest", module)
    spec.loader.exec_module(module)
    return module


def test_the_script_rewrites_only_its_part_of_the_readme(tmp_path):
    script = _script()
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{script.BEGIN}\nold numbers\n{script.END}\nafter\n")
    script.write_readme(f"{script.BEGIN}\nnew numbers\n{script.END}", readme)
    assert readme.read_text() == f"before\n{script.BEGIN}\nnew numbers\n{script.END}\nafter\n"


@pytest.mark.slow
def test_the_readme_shows_the_backtest_the_code_gives_now():
    script = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start, end = readme.index(script.BEGIN), readme.index(script.END) + len(script.END)
    assert readme[start:end] == script.section(), (
        "the README's track-record tables are stale; run "
        ".venv/bin/python tools/readme_backtest.py --write"
    )
