"""``slaplan sample``: write the seeded sample data set (leads, team, SLA, truth) to a folder."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

__all__ = ["register", "run"]

DEFAULT_OUT = Path("slaplan-samples")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "sample",
        help="write the seeded sample data set (leads, team, SLA, truth)",
        description="Generate the sample CRM export with known truth: leads.csv, team.csv, "
        "sla.yaml and truth.yaml. The default seed reproduces the bundled data/samples byte "
        "for byte. Existing sample files in the folder are only replaced with --force.",
    )
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help=f"output folder (default: ./{DEFAULT_OUT})"
    )
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: 20261115)")
    parser.add_argument(
        "--force", action="store_true", help="replace sample files already in the folder"
    )
    parser.set_defaults(handler=run)


def _is_bundled(out: Path) -> bool:
    from slaplan.errors import DataError
    from slaplan.samples import samples_dir

    try:
        return out.resolve() == samples_dir().resolve()
    except DataError:
        return False


def run(args: argparse.Namespace) -> int:
    from slaplan.samples import SampleConfig, write_samples
    from slaplan.samples.generate import FILE_NAMES

    out: Path = args.out
    existing = [name for name in FILE_NAMES if (out / name).exists()]
    if existing and not args.force:
        where = "the bundled samples" if _is_bundled(out) else str(out)
        print(
            f"slaplan sample: {where} already hold {', '.join(existing)}; "
            "choose another --out or pass --force to replace them",
            file=sys.stderr,
        )
        return 2
    if args.seed is not None and args.seed < 0:
        print(f"slaplan sample: --seed must be >= 0, got {args.seed}", file=sys.stderr)
        return 2
    config = SampleConfig() if args.seed is None else SampleConfig(seed=args.seed)
    paths = write_samples(out, config)
    for path in paths:
        print(f"wrote {path} ({path.stat().st_size:,} bytes)")
    return 0
