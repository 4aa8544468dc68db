"""``slaplan check``: the attainability check of an SLA on lead data (default: the samples)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="attainability check of an SLA on lead data (default: samples)",
        description="Validate the SLA file and check every commitment against the lead data: "
        "probability of meeting it, largest target attainable at the SLA's confidence, volume "
        "needed upstream, and SMART notes. Without arguments it runs on the bundled samples.",
    )
    parser.add_argument("--sla", type=Path, help="SLA YAML file (default: samples sla.yaml)")
    parser.add_argument("--leads", type=Path, help="lead export (default: samples leads.csv)")
    parser.add_argument("--team", type=Path, help="team roster CSV (default: samples team.csv)")
    parser.add_argument("--as-of", dest="as_of", help="the analysis date, YYYY-MM-DD")
    parser.add_argument(
        "--spec-only", action="store_true", help="only validate the SLA and list its commitments"
    )
    parser.set_defaults(handler=run)


def default_paths() -> dict[str, Path]:
    """The bundled sample files used when no data arguments are given."""
    try:
        from slaplan.samples import samples_dir
    except ModuleNotFoundError:  # samples module not installed yet: the repository's copy
        root = Path(__file__).resolve().parents[2] / "data" / "samples"
    else:
        root = Path(samples_dir())
    return {"sla": root / "sla.yaml", "leads": root / "leads.csv", "team": root / "team.csv"}


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from slaplan.sla.spec import load_sla

    defaults = default_paths()
    sla = load_sla(args.sla or defaults["sla"])
    with pd.option_context("display.width", 120, "display.max_columns", 20):
        print(
            f"{sla.name} (version {sla.version}, per {sla.period}, confidence {sla.confidence:g})"
        )
        print(sla.to_frame().to_string())
        if args.spec_only:
            return 0
        try:
            return _check(sla, args, defaults)
        except ModuleNotFoundError as exc:  # a domain this command needs is not installed yet
            print(f"\nattainability check not available yet ({exc.name})", file=sys.stderr)
            return 0


def _check(sla, args: argparse.Namespace, defaults: dict[str, Path]) -> int:
    from slaplan.funnel.leads import load_leads
    from slaplan.sla.check import check_sla

    leads = load_leads(args.leads or defaults["leads"], funnel=sla.funnel())
    team_path = args.team or (defaults["team"] if args.leads is None else None)
    table = check_sla(sla, leads, team=team_path, as_of=args.as_of)
    print(table.to_string())
    missed = (table["verdict"] != "attainable").any()
    if missed:
        print("\nsome commitments are not attainable at the SLA's confidence", file=sys.stderr)
    return 1 if missed else 0
