"""``slaplan validate``: read a CRM export, print the import report, save the rejected rows.

Exit codes: 0 the file is usable and every row was accepted; 1 rows were rejected (the report is
still printed and the rows written); 2 the file is unusable (unreadable, columns missing, no
row accepted). Without FILE it validates the bundled sample export at the samples' ``as_of``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "validate",
        help="read a CRM export, report and save rejected rows",
        description="Load a lead-level CRM export (CSV, Excel, Parquet) the way every slaplan "
        "analysis does, print rows read / accepted / rejected by reason, stage skips and "
        "warnings, and write the rejected rows (row, reason, original values) to CSV. "
        "Exit 0: all rows usable; 1: some rows rejected; 2: file unusable.",
    )
    parser.add_argument("file", nargs="?", type=Path, help="export to check (default: samples)")
    parser.add_argument(
        "--mapping",
        help="column mapping: hubspot, salesforce, salesforce_lead, salesforce_opportunity, "
        'maven, or a JSON object such as \'{"lead_id": "Id", "mql_at": "MQL Date"}\'',
    )
    parser.add_argument("--stages", help="funnel stages, comma-separated (e.g. mql,sql)")
    parser.add_argument("--dayfirst", action="store_true", help="read 05/03/2024 as 5 March")
    parser.add_argument("--as-of", dest="as_of", help="'today' for the future-date check")
    parser.add_argument(
        "--rejected-out",
        dest="rejected_out",
        type=Path,
        help="where to write rejected rows (default: <file stem>.rejected.csv here)",
    )
    parser.set_defaults(handler=run)


def _mapping(text: str | None) -> object:
    if text is None or not text.strip().startswith("{"):
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        from slaplan.errors import DataError

        raise DataError(f"--mapping is not valid JSON: {exc}") from exc


def _sample_defaults() -> tuple[Path, str | None]:
    import yaml

    from slaplan.samples import samples_dir

    root = Path(samples_dir())
    truth = root / "truth.yaml"
    as_of = yaml.safe_load(truth.read_text()).get("as_of") if truth.exists() else None
    return root / "leads.csv", None if as_of is None else str(as_of)


def run(args: argparse.Namespace) -> int:
    from slaplan.funnel.leads import load_leads
    from slaplan.funnel.stages import Funnel

    path, as_of = (args.file, None) if args.file else _sample_defaults()
    funnel = Funnel([s.strip() for s in args.stages.split(",")]) if args.stages else None
    table = load_leads(
        path,
        mapping=_mapping(args.mapping),
        funnel=funnel,
        dayfirst=args.dayfirst,
        as_of=args.as_of or as_of,
    )
    report = table.report()
    print(report)
    if report.rejected:
        out = Path(args.rejected_out or f"{Path(path).stem}.rejected.csv")
        out.parent.mkdir(parents=True, exist_ok=True)
        table.rejected.to_csv(out, index=False)
        print(f"  rejected rows written to {out}")
    if not report.usable:
        print("slaplan validate: no row could be used", file=sys.stderr)
        return 2
    return 1 if report.rejected else 0
