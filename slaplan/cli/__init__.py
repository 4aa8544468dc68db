"""The ``slaplan`` command line: parse, call the library, print.

Each subcommand lives in its own module of this package, exposing ``register(subparsers)`` (adds
its parser and sets ``handler``) and is imported only when the command line starts. A subcommand
whose module is not installed answers clearly with exit code 2. Exit codes: 0 success, 1 the job
ran but found a problem the user must see (rejected rows, a missed commitment), 2 unusable input,
3 a gate failed (``check --fail-under``: a commitment below the threshold or inconsistent).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from slaplan import __version__
from slaplan.errors import SlaplanError

__all__ = ["SUBCOMMANDS", "main"]

# subcommand -> (module, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "check": ("slaplan.cli.check", "attainability check of an SLA on lead data (default: samples)"),
    "validate": ("slaplan.cli.validate", "read a CRM export, report and save rejected rows"),
    "plan": ("slaplan.cli.plan", "P(hit), largest safe target and volume needed for a target"),
    "forecast": ("slaplan.cli.forecast", "forecast monthly volume with intervals and a backtest"),
    "backtest": (
        "slaplan.cli.backtest",
        "the kit's track record: what it would have said each past month, and what happened",
    ),
    "review": ("slaplan.cli.review", "execute the SLA review notebook and write an HTML report"),
    "sample": ("slaplan.cli.sample", "write the seeded sample data set (leads, team, SLA, truth)"),
    "init": ("slaplan.cli.init", "write a team's SLA repository (SLA, data source, notebooks, CI)"),
    "diff": ("slaplan.cli.diff", "what an SLA change does to each commitment (text or Markdown)"),
}


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="slaplan",
        description="Plan, forecast and review the marketing-sales SLA. "
        "Every command runs on the bundled samples when given no data.",
    )
    parser.add_argument("--version", action="version", version=f"slaplan {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in SUBCOMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            sub = subparsers.add_parser(name, help=f"{help_text} (not available yet)")
            sub.set_defaults(handler=_not_available(name))
            continue
        module.register(subparsers)
    return parser


def _not_available(name: str):
    def handler(_args: argparse.Namespace) -> int:
        print(f"slaplan {name}: not available yet in this version", file=sys.stderr)
        return 2

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.handler(args))
    except (SlaplanError, ValueError) as exc:  # bad input or argument: a message, no traceback
        print(f"slaplan {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except FileNotFoundError as exc:
        print(f"slaplan {args.command}: error: file not found: {exc.filename}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
