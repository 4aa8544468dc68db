"""The benchmark scripts still run (on tiny inputs) and print their ratios: no timing is asserted.

`bench/` holds the scripts behind the numbers in `bench/README.md` (PRODUCT.md §7). They are not
part of the package, so nothing else would notice when a change to slaplan breaks one of them.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


def _script(project_root: Path, name: str) -> Path:
    return project_root / "bench" / f"{name}.py"


def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_attainability_benchmarks_run_and_print_their_ratios(project_root, capsys):
    bench = _load(_script(project_root, "attainability"))
    bench.bench_exact()
    bench.bench_monte_carlo(n_paths=2000, repeats=1)
    bench.bench_floor(n_paths=2000)
    bench.bench_planner(moves=2)
    printed = capsys.readouterr().out
    assert printed.count("Beta(") >= 4 and "x" in printed  # the exact cases and their ratios
    assert printed.count("M path-months/s") == 2 and "target 3 M" in printed
    assert "floor of the exact model" in printed and "at most" in printed
    assert printed.count("planner full recompute") == 2


@pytest.mark.parametrize(
    ("name", "arguments", "expected"),
    [
        ("ingest", ["--rows", "3000", "--repeat", "1"], "ratio:"),
        ("erlang", [], "required_agents"),
        ("sources", ["--rows", "3000", "--repeat", "1", "--steps"], "ratio vs"),
        ("estimate", ["--rows", "3000", "--repeat", "1"], "ratio estimate / read_csv"),
        ("commands", ["--repeat", "1", "--skip-review"], "best / target"),
    ],
)
def test_script_runs_from_the_command_line(project_root, name, arguments, expected):
    done = subprocess.run(
        [sys.executable, str(_script(project_root, name)), *arguments],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=project_root,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert expected in done.stdout


def test_calibration_study_runs_from_the_command_line(project_root, tmp_path):
    out = tmp_path / "worlds.csv"
    arguments = ["--worlds", "1", "--kinds", "short,young", "--jobs", "1", "--diagnose"]
    done = subprocess.run(
        [sys.executable, str(_script(project_root, "calibration_study")), *arguments,
         "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=project_root,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| short | mql | 1 |" in done.stdout and "| young | sql | 1 |" in done.stdout
    assert "Diagnosis" in done.stdout and "Time per world" in done.stdout
    assert len(pd.read_csv(out)) == 4  # two worlds, two commitments each
