"""``slaplan review``: execute the SLA review notebook and write the HTML report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from slaplan.cli.check import default_paths

__all__ = ["register", "run"]

_SAMPLES_AS_OF = "2026-11-15"  # the bundled samples' "today"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="execute the SLA review notebook and write an HTML report",
        description="Run notebooks/05_sla_review.ipynb with papermill on the given SLA, lead "
        "export and roster, and export it to a self-contained HTML report (code hidden, opens "
        "offline). Without data arguments it reviews the bundled samples.",
    )
    parser.add_argument("--sla", type=Path, help="SLA YAML file (default: samples sla.yaml)")
    parser.add_argument("--leads", type=Path, help="lead export (default: samples leads.csv)")
    parser.add_argument("--team", type=Path, help="team roster CSV (default: samples team.csv)")
    parser.add_argument("--as-of", dest="as_of", help="the review date, YYYY-MM-DD")
    parser.add_argument("--segment", help="review one segment only")
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
    from slaplan.sla.spec import load_sla

    defaults = default_paths()
    sla_path = args.sla or defaults["sla"]
    load_sla(sla_path)  # a bad SLA file fails here with its SpecError, before the kernel starts
    on_samples = args.leads is None
    leads_path = args.leads or defaults["leads"]
    team_path = args.team or (defaults["team"] if on_samples else None)
    as_of = args.as_of or (_SAMPLES_AS_OF if on_samples else None)
    started = time.perf_counter()
    out = render_review(
        args.out,
        sla_path=sla_path,
        leads_path=leads_path,
        team_path=team_path,
        as_of=as_of,
        segment=args.segment,
    )
    seconds = time.perf_counter() - started
    print(f"review written to {out.resolve()} ({seconds:.0f} s); open it in a browser")
    if args.pdf:
        from slaplan.present.pdf import html_to_pdf

        print(f"PDF written to {html_to_pdf(out)}")
    return 0
