"""``slaplan validate``: read a CRM export, print the import report, save the rejected rows.

Without FILE (or ``--leads``) it validates the bundled sample export at the samples' ``as_of``.
The rejected rows go to ``reports/<file stem>.rejected.csv`` (``reports/`` is ignored by git),
each with the line of the file it came from, as an editor shows it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from slaplan.cli._data_options import add_data_options, load_data

__all__ = ["EXIT_CODES", "register", "run"]

EXIT_CODES = """exit codes:
  0  the file is usable and every row was accepted
  1  the file is usable but rows were rejected (the report is printed, the rows written;
     the bundled samples carry a few dirty rows on purpose, so they exit 1)
  2  the file is unusable (missing, unreadable, required columns missing, dates whose order of
     day and month is ambiguous, no row accepted) or an argument is wrong"""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="read a CRM export, report and save rejected rows",
        description="Load a lead-level CRM export (CSV, Excel, Parquet) the way every slaplan "
        "analysis does, print rows read / accepted / rejected by reason, stage skips and "
        "warnings, and write the rejected rows (line in the file, reason, original values) to "
        "CSV under reports/.",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "file", nargs="?", help="export to check, same as --leads (default: samples)"
    )
    add_data_options(parser, as_of_help="'today' for the future-date check (default: now)")
    parser.add_argument(
        "--rejected-out",
        dest="rejected_out",
        type=Path,
        help="where to write rejected rows (default: reports/<file stem>.rejected.csv)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.file is not None and args.leads is not None and args.file != args.leads:
        print(
            f"slaplan validate: error: give the export once, as FILE or --leads, "
            f"got {args.file} and {args.leads}",
            file=sys.stderr,
        )
        return 2
    args.leads = args.leads or args.file
    loaded = load_data(args)
    table = loaded.leads
    report = table.report()
    print(report)
    if report.rejected:
        stem = loaded.options.stem
        out = Path(args.rejected_out or Path("reports") / f"{stem}.rejected.csv")
        out.parent.mkdir(parents=True, exist_ok=True)
        table.rejected.to_csv(out, index=False)
        print(f"  rejected rows written to {out}")
    if not report.usable:
        print("slaplan validate: no row could be used", file=sys.stderr)
        return 2
    return 1 if report.rejected else 0
