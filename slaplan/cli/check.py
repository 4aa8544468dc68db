"""``slaplan check``: the attainability check of an SLA on lead data (default: the samples)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from slaplan.cli import _format as fmt
from slaplan.cli._data_options import (
    LoadedData,
    add_data_options,
    add_sla_options,
    load_data,
    sla_paths,
)

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="attainability check of an SLA on lead data (default: samples)",
        description="Validate the SLA file and check every commitment against the lead data: "
        "probability of meeting it, largest target attainable at the SLA's confidence, volume "
        "needed upstream, and SMART notes. Without arguments it runs on the bundled samples.",
    )
    add_sla_options(parser)
    add_data_options(
        parser, as_of_help="the analysis date, YYYY-MM-DD (default: the latest date in the data)"
    )
    parser.add_argument(
        "--period", help="the SLA period to check, YYYY-MM or YYYYQn (default: the next one)"
    )
    parser.add_argument(
        "--spec-only", action="store_true", help="only validate the SLA and list its commitments"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with code 1 when a commitment is not attainable at the SLA's confidence",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slaplan.sla.spec import load_sla

    paths = sla_paths(args)
    sla = load_sla(paths.sla_path)
    print(f"{sla.name} (version {sla.version}, per {sla.period}, confidence {sla.confidence:.0%})")
    if args.spec_only:
        print(fmt.table(sla.to_frame(), {}, rows={"target": _target_format}))
        return 0
    data = load_data(args, funnel=sla.funnel(), required=sla.stage_names)
    return _check(sla, data, paths.team_path, period=args.period, strict=args.strict)


def _period_problem(sla, leads, as_of: str | None, period: str) -> str | None:
    """Why ``--period`` cannot be checked (not the SLA's period length, not after as_of)."""
    from slaplan.sla._data import censored_frame
    from slaplan.sla._inputs import check_period

    _, as_of_ts = censored_frame(leads, as_of)
    try:
        check_period(period, as_of=as_of_ts, period_months=sla.period_months)
    except ValueError as exc:
        return str(exc)
    return None


def _target_format(row: Any) -> fmt.Formatter:
    """A commitment's targets in its own unit: shares as percentages, counts whole."""
    return fmt.value(row["metric"])


def _check(sla, data: LoadedData, team_path, *, period: str | None, strict: bool) -> int:
    from slaplan.sla._data import censored_frame
    from slaplan.sla.check import check_sla, sla_estimates

    leads, as_of = data.leads, data.options.as_of
    if period is not None and (problem := _period_problem(sla, leads, as_of, period)):
        print(f"slaplan check: error: --{problem}", file=sys.stderr)
        return 2
    # one estimate of the funnel for the table and the consistency lines below it
    estimates = sla_estimates(sla, leads, censored_frame(leads, as_of)[1], period, 0, None)
    table = check_sla(sla, leads, team=team_path, as_of=as_of, period=period, estimates=estimates)
    period = table["period"].iloc[0]
    print(
        f"leads: {data.options.shown} ({len(leads.frame):,} accepted, "
        f"{len(leads.rejected):,} rejected)"
    )
    print(f"attainability in {period} at {sla.confidence:.0%} confidence "
          f"(data as of {table.attrs['as_of']:%Y-%m-%d}):\n")  # fmt: skip
    print(_check_table(table, sla.confidence))
    _print_consistency(sla, leads, as_of=as_of, period=period, estimates=estimates)
    unmet = table.index[table["verdict"] != "attainable"].tolist()
    if unmet:
        print(f"\nnot attainable at {sla.confidence:.0%}: {', '.join(unmet)}", file=sys.stderr)
    return 1 if unmet and strict else 0


def _check_table(table, confidence: float) -> str:
    largest = f"largest at {confidence:.0%}"
    shown = table.rename(
        columns={
            "probability": "P(met)",
            "max_target": largest,
            "required_volume": "volume needed",
            "required_stage": "of stage",
        }
    )
    columns = ["owner", "what", "target", "P(met)", largest, "volume needed", "of stage"]
    return fmt.table(
        shown,
        {"P(met)": lambda p: fmt.percent(p, beside=confidence), "volume needed": fmt.count},
        rows={"target": _target_format, largest: _target_format},
        columns=[*columns, "verdict"],
    )


def _print_consistency(sla, leads, *, as_of, period, estimates) -> None:
    """For each pair of a marketing count and a later sales count: can both be kept? Said in
    counts (the largest sales target marketing's promise supports), so the only probability
    printed for a commitment is the one in the table."""
    from slaplan.sla.consistency import check_consistency

    stages = {c.id: c.stage for c in sla.commitments}
    consistency = check_consistency(sla, leads, as_of=as_of, period=period, estimates=estimates)
    for row in consistency.itertuples():
        word = "consistent" if row.consistent else "INCONSISTENT"
        mql, sql = stages[row.marketing], stages[row.sales]
        print(
            f"\n{row.sales} ({fmt.count(row.sales_target)} {sql}) vs {row.marketing} "
            f"({fmt.count(row.marketing_target)} {mql}): {word} — if marketing delivers exactly "
            f"{fmt.count(row.marketing_target)} {mql}, sales can promise at most "
            f"{fmt.count(row.sales_target_supported)} {sql} at {sla.confidence:.0%} confidence"
        )
