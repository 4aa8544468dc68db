"""``slaplan check``: the attainability check of an SLA on lead data (default: the samples)."""

from __future__ import annotations

import argparse
import sys

from slaplan.cli._sla_data import SlaData, add_data_arguments, sla_data

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="attainability check of an SLA on lead data (default: samples)",
        description="Validate the SLA file and check every commitment against the lead data: "
        "probability of meeting it, largest target attainable at the SLA's confidence, volume "
        "needed upstream, and SMART notes. Without arguments it runs on the bundled samples.",
    )
    add_data_arguments(parser, as_of_help="the analysis date, YYYY-MM-DD")
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
    import pandas as pd

    from slaplan.sla.spec import load_sla

    data = sla_data(args)
    sla = load_sla(data.sla_path)
    with pd.option_context("display.width", 140, "display.max_columns", 20):
        print(
            f"{sla.name} (version {sla.version}, per {sla.period}, confidence {sla.confidence:g})"
        )
        if args.spec_only:
            print(sla.to_frame().to_string())
            return 0
        return _check(sla, data, period=args.period, strict=args.strict)


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


_SHOWN = ["owner", "what", "target", "probability", "max_target", "required_volume",
          "required_stage", "verdict"]  # fmt: skip


def _check(sla, data: SlaData, *, period: str | None, strict: bool) -> int:
    from slaplan.funnel.leads import load_leads
    from slaplan.sla.check import check_sla
    from slaplan.sla.consistency import check_consistency

    as_of = data.as_of
    leads = load_leads(data.leads_path, funnel=sla.funnel(), as_of=as_of)
    if period is not None and (problem := _period_problem(sla, leads, as_of, period)):
        print(f"slaplan check: error: --{problem}", file=sys.stderr)
        return 2
    table = check_sla(sla, leads, team=data.team_path, as_of=as_of, period=period)
    period = table["period"].iloc[0]
    print(f"leads: {data.leads_path} ({len(leads.frame)} accepted, {len(leads.rejected)} rejected)")
    print(f"attainability in {period} at {sla.confidence:.0%} confidence "
          f"(data as of {table.attrs['as_of']:%Y-%m-%d}):\n")  # fmt: skip
    shown = table[_SHOWN].copy()
    shown["probability"] = shown["probability"].map("{:.0%}".format)
    print(shown.to_string(float_format=lambda x: f"{x:,.3g}"))
    consistency = check_consistency(sla, leads, as_of=as_of, period=period)
    for row in consistency.itertuples():
        word = "consistent" if row.consistent else "NOT consistent"
        print(f"\n{row.sales} vs {row.marketing}: {word} — with {row.marketing_target:g} from "
              f"marketing, P(sales target {row.sales_target:g}) = {row.probability:.0%}; "
              f"supported: {row.sales_target_supported}")  # fmt: skip
    unmet = table.index[table["verdict"] != "attainable"].tolist()
    if unmet:
        print(f"\nnot attainable at {sla.confidence:.0%}: {', '.join(unmet)}", file=sys.stderr)
    return 1 if unmet and strict else 0
