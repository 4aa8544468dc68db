"""``slaplan init DIR``: a team's SLA repository, ready to commit, working on the samples."""

from __future__ import annotations

import argparse
from pathlib import Path

from slaplan.cli import _format as fmt

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "init",
        help="write a team's SLA repository (SLA, data source, notebooks, CI) into a folder",
        description="Write the SLA as code into DIR: sla.yaml (the samples' SLA, each target "
        "the starting data keeps at its confidence), source.yaml (where the leads are: a file, "
        "a Parquet folder or a database URL with a query, and how to read them), the starting "
        "data (the bundled samples), notebooks/review.ipynb and notebooks/planner.ipynb "
        "reading them, ci.sh and a Makefile (check, notebooks, review, backtest, diff) and a "
        "GitHub Actions workflow that runs them on every change. DIR must be empty or new.",
    )
    parser.add_argument("folder", type=Path, metavar="DIR", help="the repository's folder")
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a folder that is not empty (files of the same name are overwritten)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slaplan.repo.init import init_repository

    result = init_repository(args.folder, force=args.force)
    print(f"SLA repository written to {result.folder}:")
    for path in sorted(result.files, key=lambda p: (len(p.parts), str(p))):
        print(f"  {path}")
    changed = [t for t in result.targets if t.why]
    if changed:
        print("\nstarting targets (the samples' SLA shows every verdict; a first CI run passes):")
    for target in changed:
        shown = fmt.value(target.metric)
        print(
            f"  {target.commitment}: {shown(target.sample)} → {shown(target.starting)}, "
            f"{target.why}"
        )
    print(
        f"\nnext: cd {result.folder} && git init && git add -A && git commit -m 'SLA as code' "
        "&& make check"
    )
    return 0
