"""The data arguments shared by ``slaplan check`` and ``slaplan review``, and their defaults.

Both commands take ``--sla``, ``--leads``, ``--team`` and ``--as-of``. Given no ``--leads`` they
run on the bundled samples: the samples' SLA, roster and "today". Given a lead export, the
roster is only used when passed and ``as_of`` defaults to the latest timestamp in the data.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

__all__ = ["SlaData", "add_data_arguments", "sla_data"]


@dataclass(frozen=True, kw_only=True)
class SlaData:
    """The files and date one SLA command works on (defaults resolved)."""

    sla_path: Path
    leads_path: Path
    team_path: Path | None
    as_of: str | None
    on_samples: bool


def add_data_arguments(parser: argparse.ArgumentParser, *, as_of_help: str) -> None:
    """Add ``--sla``, ``--leads``, ``--team`` and ``--as-of`` to a subcommand's parser."""
    parser.add_argument("--sla", type=Path, help="SLA YAML file (default: samples sla.yaml)")
    parser.add_argument("--leads", type=Path, help="lead export (default: samples leads.csv)")
    parser.add_argument("--team", type=Path, help="team roster CSV (default: samples team.csv)")
    parser.add_argument("--as-of", dest="as_of", help=as_of_help)


def sla_data(args: argparse.Namespace) -> SlaData:
    """The paths and ``as_of`` of parsed arguments, with the bundled samples as defaults."""
    from slaplan.samples import SampleConfig, samples_dir

    root = Path(samples_dir())
    on_samples = args.leads is None
    samples_today = SampleConfig().as_of.isoformat()
    return SlaData(
        sla_path=args.sla or root / "sla.yaml",
        leads_path=args.leads or root / "leads.csv",
        team_path=args.team or (root / "team.csv" if on_samples else None),
        as_of=args.as_of or (samples_today if on_samples else None),
        on_samples=on_samples,
    )
