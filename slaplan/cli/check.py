"""``slaplan check``: the attainability check of an SLA on lead data (default: the samples).

With ``--fail-under`` it is a gate for CI: exit code 3 when a commitment's P(met) is below the
threshold (default: the SLA's confidence), its data are insufficient, or a sales count cannot be
kept when marketing delivers exactly its own promise; one line per failing commitment on stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from slaplan.cli import _format as fmt
from slaplan.cli._data_options import (
    LoadedData,
    add_data_options,
    add_period_option,
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
    add_period_option(parser)
    parser.add_argument(
        "--spec-only", action="store_true", help="only validate the SLA and list its commitments"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with code 1 when a commitment is not attainable at the SLA's confidence",
    )
    parser.add_argument(
        "--fail-under",
        nargs="?",
        const="sla",
        type=_threshold,
        metavar="P",
        help="a gate for CI: exit with code 3 when a commitment's P(met) is below P (0.8 or "
        "80%%; default: the SLA's confidence), its data are insufficient, or marketing's and "
        "sales' counts are inconsistent; one line per failing commitment on stderr",
    )
    parser.set_defaults(handler=run)


EXIT_GATE = 3
"""``--fail-under``: a commitment is below the threshold, unjudgeable or inconsistent."""


def _threshold(text: str) -> float | str:
    """``--fail-under``'s value: a probability as ``0.8`` or ``80%`` (``"sla"``: none given)."""
    if text == "sla":
        return text
    try:
        value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be a probability such as 0.8 or 80%, got {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from slaplan.sla.spec import load_sla

    paths = sla_paths(args)
    sla = load_sla(paths.sla_path)
    print(f"{sla.name} (version {sla.version}, per {sla.period}, confidence {sla.confidence:.0%})")
    if args.spec_only:
        print(fmt.table(sla.to_frame(), {}, rows={"target": _target_format}))
        return 0
    data = load_data(args, funnel=sla.funnel(), required=sla.stage_names)
    return _check(
        sla,
        data,
        paths.team_path,
        period=args.period,
        strict=args.strict,
        fail_under=args.fail_under,
    )


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


def _check(
    sla, data: LoadedData, team_path, *, period: str | None, strict: bool, fail_under=None
) -> int:
    from slaplan.sla._data import censored_frame
    from slaplan.sla.check import check_sla, sla_estimates

    leads, as_of = data.leads, data.options.as_of
    if period is not None and (problem := _period_problem(sla, leads, as_of, period)):
        print(f"slaplan check: error: --{problem}", file=sys.stderr)
        return 2
    # one estimate of the funnel for the table and the consistency lines below it
    as_of_ts = censored_frame(leads, as_of)[1]
    estimates = sla_estimates(sla, leads, as_of_ts, period, seed=0, estimates=None)
    table = check_sla(sla, leads, team=team_path, as_of=as_of, period=period, estimates=estimates)
    period = table["period"].iloc[0]
    print(
        f"leads: {_leads_name(data)} ({len(leads.frame):,} accepted, "
        f"{len(leads.rejected):,} rejected)"
    )
    print(f"attainability in {period} at {sla.confidence:.0%} confidence "
          f"(data as of {table.attrs['as_of']:%Y-%m-%d}):\n")  # fmt: skip
    print(_check_table(table, sla.confidence))
    consistency = _print_consistency(sla, leads, as_of=as_of, period=period, estimates=estimates)
    unmet = table.index[table["verdict"] != "attainable"].tolist()
    if fail_under is not None:
        threshold = sla.confidence if fail_under == "sla" else fail_under
        failures = gate_failures(sla, table, consistency, threshold)
        for line in failures:
            print(f"FAILED {line}", file=sys.stderr)
        if failures:
            return EXIT_GATE
        print(f"\nevery commitment at or above {threshold:.0%}, both sides consistent")
        return 0
    if unmet:
        print(f"\nnot attainable at {sla.confidence:.0%}: {', '.join(unmet)}", file=sys.stderr)
    return 1 if unmet and strict else 0


def _leads_name(data: LoadedData) -> str:
    """The export read: its path, or a source file and the export it names."""
    from slaplan.funnel.source_file import is_source_file

    path = data.options.leads_path
    return f"{path} → {data.leads.source_name}" if is_source_file(path) else data.options.shown


def gate_failures(sla, table, consistency, threshold: float) -> list[str]:
    """One line per commitment that fails ``--fail-under``: P(met) below ``threshold``, data
    insufficient, or a sales count inconsistent with marketing's promise at ``threshold``."""
    from slaplan.sla.check import INSUFFICIENT

    stages = {c.id: c.stage for c in sla.commitments}
    lines = []
    for cid, row in table.iterrows():
        target = _target_format(row)(row["target"])
        if row["verdict"] == INSUFFICIENT:
            lines.append(f"{cid}: insufficient data to judge {row['what']} ({row['reason']})")
        elif row["probability"] < threshold:
            largest = _target_format(row)(row["max_target"])
            lines.append(
                f"{cid}: P(met) {fmt.percent(row['probability'], beside=threshold)} is below "
                f"{threshold:.0%} for {row['what']} {target} (largest target at "
                f"{sla.confidence:.0%}: {largest})"
            )
    for row in consistency.itertuples():
        if not row.probability < threshold:  # NaN: not judged (the commitment says why)
            continue
        mql, sql = stages[row.marketing], stages[row.sales]
        lines.append(
            f"{row.sales}: inconsistent with {row.marketing}: if marketing delivers exactly "
            f"{fmt.count(row.marketing_target)} {mql}, P({fmt.count(row.sales_target)} {sql}) is "
            f"{fmt.percent(row.probability, beside=threshold)}, below {threshold:.0%}"
        )
    return lines


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


def _print_consistency(sla, leads, *, as_of, period, estimates) -> Any:
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
    return consistency
