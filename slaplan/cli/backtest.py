"""``slaplan backtest``: the kit's track record on the SLA's count commitments, on the user's data.

As of the end of each of the last ``--periods`` closed months, the one estimate of the funnel
is made again from what was known then (:func:`slaplan.backtest_sla`, the engine of
``slaplan check``) and asked about the month that followed; printed per commitment beside what
happened, with the Brier score of the kit and of "last month's count", and the reliability
table over every commitment. A month without enough data says so, with the reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from slaplan.cli._data_options import add_data_options, add_sla_options, load_data, sla_paths

__all__ = ["register", "run"]

DEFAULT_PERIODS = 12


def _positive_int(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of months >= 1, got {text!r}")
    return number


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="the kit's track record: what it would have said each past month, and what happened",
        description="As of the end of each of the last N closed months, ask the kit (the same "
        "estimate as `slaplan check`, from the data known then) for P(met), the expected count "
        "and its 80%% interval for each count commitment of the SLA in the month that followed, "
        "and compare with what happened: Brier score of the kit and of the naive rule 'last "
        "month's count' (P(met) = 100%% if the month before reached the target, else 0%%), and "
        "a reliability table. Runs on the bundled samples without arguments. Rate and "
        "response-time commitments are not backtested; no team roster caps the counts.",
    )
    add_sla_options(parser, team=False)
    add_data_options(
        parser, as_of_help="the data's 'today', YYYY-MM-DD (default: the latest date in the data)"
    )
    parser.add_argument(
        "--periods",
        type=_positive_int,
        default=DEFAULT_PERIODS,
        help=f"closed months to score, the latest ones (default: {DEFAULT_PERIODS})",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every estimate (default: 0)")
    parser.add_argument("--csv", type=Path, help="also write the per-month rows to this CSV file")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from slaplan.funnel.pairs import resolve_as_of
    from slaplan.sla.backtest import backtest_sla
    from slaplan.sla.spec import load_sla

    sla = load_sla(sla_paths(args).sla_path)
    data = load_data(args, funnel=sla.funnel(), required=sla.stage_names)
    if args.csv is not None:
        _csv_folder(args.csv)  # an unwritable --csv fails now, in one line, not after the work
    leads = data.leads
    as_of = resolve_as_of(leads, data.options.as_of)
    backtest = backtest_sla(
        sla,
        leads,
        periods=args.periods,
        as_of=as_of,
        seed=args.seed,
        show_progress=sys.stderr.isatty(),  # a bar for a person at a terminal, none in logs
    )
    print(_header(sla, data, as_of, backtest.frame, args.seed))
    titles = {c.id: c for c in sla.commitments}
    for question in dict.fromkeys(backtest.frame["question"]):
        print(_commitment_block(backtest, titles[question]))
    print(_summary(backtest, titles))
    left_out = [f"{c.id} ({c.metric})" for c in sla.commitments if not c.is_count]
    if left_out:
        print(f"\nnot backtested (only count commitments are): {', '.join(left_out)}")
    if args.csv is not None:
        _write_csv(backtest.frame, args.csv)
        print(f"per-month rows written to {args.csv}")
    return 0


def _header(sla: Any, data: Any, as_of: pd.Timestamp, frame: pd.DataFrame, seed: int) -> str:
    from slaplan.present.formatting import period_name
    from slaplan.present.track_record import NAIVE

    leads = data.leads
    periods = frame["period"]
    first, last, n = periods.min(), periods.max(), periods.nunique()
    span = period_name(first) if n == 1 else f"{period_name(first)} – {period_name(last)}"
    months = "1 closed month" if n == 1 else f"{n} closed months"
    return (
        f"{sla.name}: what the kit would have said, month by month\n"
        f"leads: {data.options.leads_path} ({len(leads.frame):,} accepted, "
        f"{len(leads.rejected):,} rejected); data as of {as_of:%Y-%m-%d}\n"
        f"{months}, {span}, each asked as of the end of the month before (seed {seed}).\n"
        f"The kit: P(met), expected count and 80% interval from the data known then. "
        f"{NAIVE.capitalize()}: P(met) = 100% if the month before reached the target, else 0%."
    )


def _text_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    return pd.DataFrame(list(rows), columns=list(columns)).to_string(index=False)


def _commitment_block(backtest: Any, commitment: Any) -> str:
    from slaplan.present.formatting import format_value
    from slaplan.present.track_record import (
        PERIOD_COLUMNS,
        insufficient_reasons,
        period_rows,
        score_sentence,
    )

    frame = backtest.frame
    target = format_value(commitment.target, commitment.metric)
    lines = [
        "",
        f"{commitment.id}: {commitment.label} — {commitment.owner}, target {target} a month",
        score_sentence(backtest.scores(), commitment.id),
        _text_table(PERIOD_COLUMNS, period_rows(frame, commitment.id)),
    ]
    reasons = insufficient_reasons(frame, commitment.id)
    if reasons:
        lines.append("insufficient data:")
        lines += [f"  {month}: {reason}" for month, reason in reasons]
    return "\n".join(lines)


def _summary(backtest: Any, commitments: dict[str, Any]) -> str:
    from slaplan.present.track_record import (
        RELIABILITY_COLUMNS,
        SCORE_COLUMNS,
        calibration_sentence,
        reliability_rows,
        score_rows,
    )

    scores = backtest.scores()
    titles = {cid: f"{cid} ({c.label})" for cid, c in commitments.items()}
    lines = ["", "Every commitment (Brier score: 0 is perfect, 0.25 is always saying 50%):",
             _text_table(SCORE_COLUMNS, score_rows(scores, titles))]  # fmt: skip
    reliability = backtest.reliability()
    if len(reliability):
        lines += ["", "Reliability: when the kit said …, how often was the target met?",
                  _text_table(RELIABILITY_COLUMNS, reliability_rows(reliability))]  # fmt: skip
    lines += ["", calibration_sentence(scores)]
    return "\n".join(lines)


def _csv_folder(path: Path) -> None:
    from slaplan.errors import DataError

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"--csv {path}: cannot create its folder ({exc.strerror})") from exc
    if path.is_dir():
        raise DataError(f"--csv {path}: is a folder, not a file")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    from slaplan.errors import DataError

    rows = frame.rename(columns={"question": "commitment", "low": "low_80", "high": "high_80"})
    rows = rows.assign(period=rows["period"].astype(str))
    try:
        rows.to_csv(path, index=False)
    except OSError as exc:
        raise DataError(f"--csv {path}: cannot write it ({exc.strerror})") from exc
