"""``slaplan review``: execute the SLA review notebook and write the HTML report.

Every input is read here first, the way the notebook will read it (the SLA, the segment, the
lead export with its mapping, order of day and month and stages), so a missing or bad file
fails with one line before any kernel starts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from slaplan.cli._data_options import add_data_options, add_sla_options, load_data, sla_paths

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="execute the SLA review notebook and write an HTML report",
        description="Run notebooks/05_sla_review.ipynb with papermill on the given SLA, lead "
        "export and roster, and export it to a self-contained HTML report (code hidden, opens "
        "offline). Without data arguments it reviews the bundled samples.",
    )
    add_sla_options(parser)
    add_data_options(parser, as_of_help="the review date, YYYY-MM-DD")
    parser.add_argument(
        "--segment",
        help="review one segment: its own commitments are judged, the commitments for all "
        "segments show the segment's contribution without a verdict",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("reports/review.html"), help="HTML file to write"
    )
    parser.add_argument(
        "--notebook",
        type=Path,
        help="the review notebook to run (default: the project's 05_sla_review.ipynb; a team "
        "repository made by slaplan init has its own copy)",
    )
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also print the report to PDF beside the HTML (needs Chromium)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    _without_iri_grammars()
    from slaplan.present.report import render_review
    from slaplan.sla.segment import scope_sla
    from slaplan.sla.spec import load_sla

    paths = sla_paths(args)
    sla = load_sla(paths.sla_path)  # a bad SLA file fails here (SpecError), before the kernel
    if args.segment is not None:
        scope_sla(sla, args.segment)  # so does a segment without commitments of its own
    if paths.team_path is not None:
        from slaplan.capacity.roster import load_roster

        load_roster(paths.team_path)  # and so does a bad roster
    data = load_data(args, funnel=sla.funnel(), required=sla.stage_names)  # and a bad export
    options = data.options
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="slaplan-review-") as scratch:
        leads_path = _notebook_source(data, Path(scratch))
        out = render_review(
            args.out,
            sla_path=paths.sla_path,
            leads_path=leads_path,
            team_path=paths.team_path,
            as_of=options.as_of,
            segment=args.segment,
            mapping=options.mapping if leads_path == options.leads_path else None,
            dayfirst=options.dayfirst,
            stages=list(options.stages) if options.stages else None,
            progress=sys.stderr.isatty(),  # a bar for a person at a terminal, none in logs or CI
            notebook=args.notebook,
            in_process=True,  # this process only makes the report: no kernel to start
        )
    seconds = time.perf_counter() - started
    print(f"review written to {out.resolve()} ({seconds:.0f} s); open it in a browser")
    if args.pdf:
        from slaplan.present.pdf import html_to_pdf

        print(f"PDF written to {html_to_pdf(out)}")
    return 0


def _notebook_source(data, scratch: Path) -> Path:
    """The export the review notebook reads: the file itself, or for a database URL or a
    filtered Parquet folder the validated rows in canonical columns, saved once as Parquet
    (the notebook then needs no query and no credentials)."""
    from slaplan.funnel.db_url import is_database_url

    options = data.options
    if not is_database_url(options.leads_path) and options.where is None:
        return Path(options.leads_path)
    snapshot = scratch / "leads.parquet"
    data.leads.frame.to_parquet(snapshot, index=False)
    return snapshot


def _without_iri_grammars() -> None:
    """Keep jsonschema from compiling rfc3987-syntax's IRI grammars in this process (≈ 3 s).

    papermill and nbconvert read notebooks with nbformat, which imports jsonschema; its format
    module imports rfc3987-syntax when installed (nbformat's ``jsonschema[format-nongpl]``), and
    that package builds some 40 Earley parsers at import (python-jsonschema/jsonschema#1428).
    They serve only the "iri" and "iri-reference" format checkers, which the notebook schema
    never names and nbformat never turns on. So the package is marked unimportable while
    jsonschema's format module loads, then unmarked: this command's process goes without those
    two checkers, nothing else changes. Done here, in the command's own process, not in the
    library (a notebook or an application calling :func:`slaplan.render_review` keeps its own
    jsonschema as it is).
    """
    if "jsonschema._format" in sys.modules or "rfc3987_syntax" in sys.modules:
        return  # already imported: nothing left to save
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import raises ImportError
    try:
        import jsonschema._format  # noqa: F401
    except ImportError:  # no jsonschema: nbformat will say so itself
        pass
    finally:
        if sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]
