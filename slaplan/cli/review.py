"""``slaplan review``: execute the SLA review notebook and write the HTML report."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from slaplan.cli._sla_data import add_data_arguments, sla_data

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="execute the SLA review notebook and write an HTML report",
        description="Run notebooks/05_sla_review.ipynb with papermill on the given SLA, lead "
        "export and roster, and export it to a self-contained HTML report (code hidden, opens "
        "offline). Without data arguments it reviews the bundled samples.",
    )
    add_data_arguments(parser, as_of_help="the review date, YYYY-MM-DD")
    parser.add_argument(
        "--segment",
        help="review one segment: its own commitments are judged, the commitments for all "
        "segments show the segment's contribution without a verdict",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("reports/review.html"), help="HTML file to write"
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print the report to PDF beside the HTML (needs Chromium)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slaplan.present.report import render_review
    from slaplan.sla.segment import scope_sla
    from slaplan.sla.spec import load_sla

    data = sla_data(args)
    sla = load_sla(data.sla_path)  # a bad SLA file fails here with its SpecError, before the kernel
    if args.segment is not None:
        scope_sla(sla, args.segment)  # so does a segment without commitments of its own
    started = time.perf_counter()
    out = render_review(
        args.out,
        sla_path=data.sla_path,
        leads_path=data.leads_path,
        team_path=data.team_path,
        as_of=data.as_of,
        segment=args.segment,
        progress=sys.stderr.isatty(),  # a bar for a person at a terminal, none in logs or CI
    )
    seconds = time.perf_counter() - started
    print(f"review written to {out.resolve()} ({seconds:.0f} s); open it in a browser")
    if args.pdf:
        from slaplan.present.pdf import html_to_pdf

        print(f"PDF written to {html_to_pdf(out)}")
    return 0
