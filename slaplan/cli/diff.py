"""``slaplan diff OLD NEW``: what an SLA change does, commitment by commitment.

Both versions are checked on the same data with the same seed (:func:`slaplan.sla.diff.diff_sla`,
whose numbers are :func:`slaplan.check_sla`'s); only the commitments the change touches are
listed (``--all``: every one), as a text table for a terminal or a Markdown table for a
pull-request comment. ``OLD`` and ``NEW`` are YAML files or ``REV:path`` (a git revision of a
file, the path relative to the current folder).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

import pandas as pd

from slaplan.cli import _format as fmt
from slaplan.cli._data_options import (
    add_data_options,
    add_period_option,
    add_sla_options,
    load_data,
    team_path,
)

__all__ = ["register", "run"]

_SPEC_HELP = (
    "a YAML file, or REV:path for the file as it was in a git revision (e.g. HEAD~1:sla.yaml)"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "diff",
        help="what an SLA change does to each commitment (text or Markdown)",
        description="Check two versions of an SLA on the same lead data with the same seed and "
        "list, for each commitment the change touches: target, P(met), verdict and whether "
        "marketing's and sales' promises fit together, before → after, and the SMART notes "
        "that appear (+) or disappear (−). A git revision of a file is read with git show, "
        "its path relative to the current folder.",
    )
    parser.add_argument("old", metavar="OLD", help=f"the SLA before the change: {_SPEC_HELP}")
    parser.add_argument("new", metavar="NEW", help=f"the SLA after the change: {_SPEC_HELP}")
    add_sla_options(parser, sla=False)
    add_data_options(
        parser, as_of_help="the analysis date, YYYY-MM-DD (default: the latest date in the data)"
    )
    add_period_option(parser)
    parser.add_argument(
        "--format",
        choices=("text", "markdown"),
        default="text",
        help="text for a terminal (default) or Markdown for a pull-request comment",
    )
    parser.add_argument(
        "--all", action="store_true", help="list the commitments the change leaves as they were"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slaplan.present.formatting import period_name
    from slaplan.sla.diff import diff_sla

    old, new = _read_sla(args.old), _read_sla(args.new)
    data = load_data(args, funnel=new.funnel(), required=new.stage_names)
    diff = diff_sla(
        old,
        new,
        data.leads,
        team=team_path(args),
        as_of=data.options.as_of,
        period=args.period,
    )
    changes = diff.changes if args.all else diff.changed
    table = _table(changes, diff)
    unchanged = f"{diff.unchanged:,} commitment{'s' if diff.unchanged != 1 else ''}"
    checked = (
        f"checked for {period_name(diff.period)} on the same data (as of "
        f"{diff.as_of:%Y-%m-%d}) with the same seed"
    )
    if old.confidence != new.confidence:
        checked += f"; confidence {old.confidence:.0%} → {new.confidence:.0%}"
    if args.format == "markdown":
        print(f"### SLA change: `{args.old}` → `{args.new}`\n")
        print(f"{new.name}, {checked}.\n")
        print(fmt.markdown_table(table.reset_index()) if len(table) else "No commitment changes.")
        print(f"\nUnchanged: {unchanged}.")
    else:
        print(f"{args.old} → {args.new}: {new.name}, {checked}\n")
        print(fmt.table(table, {}) if len(table) else "no commitment changes")
        print(f"\nunchanged: {unchanged}")
    return 0


def _read_sla(spec: str) -> Any:
    """An SLA from a file or from ``REV:path`` in the current folder's git repository."""
    from slaplan.repo.git import is_revision, read_revision
    from slaplan.sla.spec import load_sla, parse_sla

    if is_revision(spec):
        return parse_sla(read_revision(spec), name=spec)
    return load_sla(spec)


def _table(changes: tuple, diff: Any) -> pd.DataFrame:
    """One row of text per commitment: each column ``before → after`` where they differ."""
    confidence = (diff.old.confidence, diff.new.confidence)
    rows = []
    for c in changes:
        rows.append(
            {
                "commitment": c.commitment,
                "what": c.what,
                "target": _pair(c, "target", _target(c.metric)),
                "P(met)": _pair(c, "probability", _probability(confidence)),
                "verdict": _pair(c, "verdict", _words),
                "consistent": _pair(c, "consistent", _yes_no),
                "SMART notes": "; ".join(
                    [f"+ {n}" for n in c.notes_added] + [f"− {n}" for n in c.notes_removed]
                ),
            }
        )
    columns = ["commitment", "what", "target", "P(met)", "verdict", "consistent", "SMART notes"]
    return pd.DataFrame(rows, columns=columns).set_index("commitment")


def _pair(change: Any, field: str, show: Callable[[Any, int], str]) -> str:
    """``before → after`` (one value when both read the same; "new"/"removed" for one side)."""
    before = show(getattr(change, f"{field}_before"), 0)
    after = show(getattr(change, f"{field}_after"), 1)
    if change.status == "added":
        return f"(new) {after}"
    if change.status == "removed":
        return f"{before} (removed)"
    return before if before == after else f"{before} → {after}"


def _target(metric: str) -> Callable[[Any, int], str]:
    show = fmt.value(metric)
    return lambda value, _side: show(value)


def _probability(confidence: tuple[float, float]) -> Callable[[Any, int], str]:
    return lambda p, side: fmt.percent(p, beside=confidence[side])


def _words(value: Any, _side: int) -> str:
    return "–" if value is None else str(value)


def _yes_no(value: Any, _side: int) -> str:
    return "–" if value is None else ("yes" if value else "no")
