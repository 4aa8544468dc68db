"""Benchmark of the two commands a meeting waits for, on the samples (PRODUCT.md §7).

Targets: ``slaplan check`` ≤ 3 s and ``slaplan review`` ≤ 10 s, wall clock, as a person runs
them. Each command runs as a subprocess with the project's interpreter, interleaved with the
baseline a Python process cannot avoid (starting Python and importing pandas, the first thing
every command does), so the ratio printed shows how much of the time is the command's own work.

Run: ``.venv/bin/python bench/commands.py [--repeat 3] [--skip-review]``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _machine

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"slaplan check": 3.0, "slaplan review": 10.0}


def _timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--skip-review", action="store_true")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as folder:
        commands = {
            "python + import pandas": [python, "-c", "import pandas"],
            "slaplan check": [python, "-m", "slaplan", "check"],
        }
        if not args.skip_review:
            out = str(Path(folder) / "review.html")
            commands["slaplan review"] = [python, "-m", "slaplan", "review", "--out", out]
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                times[name].append(_timed(command))
    print(f"the samples; {_machine()}")
    baseline = min(times["python + import pandas"])
    for name, values in times.items():
        line = f"  {name:<24} best {min(values):6.2f} s   median {statistics.median(values):6.2f} s"
        if name in TARGETS:
            line += (
                f"   {min(values) / baseline:5.1f}x the baseline; "
                f"target <= {TARGETS[name]:.0f} s: best / target {min(values) / TARGETS[name]:.2f}"
            )
        print(line)


if __name__ == "__main__":
    main()
