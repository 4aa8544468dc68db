"""``slaplan forecast``: a stage's monthly volume forecast, printed with its backtest table.

Without ``--leads`` it runs on the bundled samples at their ``as_of``. The month of ``as_of``
(still running) is left out of the history. ``--to-stage`` carries the forecast down the funnel
(e.g. MQLs → SQLs) through the planning engine; ``--by-segment`` forecasts each segment and adds
them up; ``--segment`` restricts the data to one segment.
"""

from __future__ import annotations

import argparse
import sys

from slaplan.cli import _format as fmt
from slaplan.cli._data_options import add_data_options, load_data

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "forecast",
        help="forecast monthly volume with intervals and a backtest",
        description="Forecast the monthly count of leads entering a stage, with intervals from "
        "simulated count paths, and print the rolling-origin backtest of every method "
        "(MASE, sMAPE beside the Poisson noise floor, interval coverage, Winkler score).",
    )
    add_data_options(parser, as_of_help="the data's 'today' (default: samples' as_of / now)")
    parser.add_argument(
        "--stage", default=None, help="stage to forecast (default: mql, or the first)"
    )
    parser.add_argument("--to-stage", dest="to_stage", help="carry the forecast down to this stage")
    parser.add_argument("--horizon", type=int, default=6, help="months to forecast (default 6)")
    parser.add_argument(
        "--method", default="auto", help="auto, seasonal_naive, ets, ets_damped, nb_glm"
    )
    parser.add_argument("--segment", help="forecast only the leads of this segment")
    parser.add_argument(
        "--by-segment", dest="by_segment", action="store_true", help="per segment + total"
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.set_defaults(handler=run)


def _load(args: argparse.Namespace):
    data = load_data(args)
    path, table = data.options.shown, data.leads
    if args.segment is not None:
        from dataclasses import replace

        from slaplan.errors import DataError

        chosen = table.frame[table.frame["segment"] == args.segment]
        if chosen.empty:
            segments = ", ".join(sorted(table.frame["segment"].unique()))
            raise DataError(f"--segment must be one of {segments}, got {args.segment!r}")
        table = replace(table, frame=chosen, skipped=table.skipped.loc[chosen.index])
    return path, table


# the backtest's columns that are not counts: error scores, percentages, coverage shares
_BACKTEST = {
    "mase": lambda v: fmt.number(v, 2),
    "mase_floor": lambda v: fmt.number(v, 2),
    "smape_pct": lambda v: fmt.percent(v / 100, decimals=1),
    "noise_floor_pct": lambda v: fmt.percent(v / 100, decimals=1),
    "interval_score": lambda v: fmt.number(v, 1),
    "coverage_80": fmt.percent,
    "coverage_95": fmt.percent,
    "winkler_80": lambda v: fmt.number(v, 0),
    "winkler_95": lambda v: fmt.number(v, 0),
}


def _print_table(title: str, frame, formats: dict | None = None) -> None:
    """A table of counts (forecasts and their intervals), or of the ``formats`` given."""
    import pandas as pd

    formats = dict(formats or {})
    for column in frame.columns:
        if column not in formats and pd.api.types.is_numeric_dtype(frame[column]):
            formats[column] = fmt.count
    print(f"\n{title}")
    print(fmt.table(frame, formats))


def run(args: argparse.Namespace) -> int:
    from slaplan.forecast.data import monthly_stage_counts
    from slaplan.forecast.volume import forecast_volume

    path, table = _load(args)
    stages = table.funnel.stages
    stage = args.stage or ("mql" if "mql" in stages else stages[0])
    if args.by_segment:
        return _run_segments(table, stage, args)
    history = monthly_stage_counts(table, stage)
    forecast = forecast_volume(
        history,
        args.horizon,
        method=args.method,
        seed=args.seed,
        show_progress=sys.stderr.isatty(),  # a bar for a person at a terminal, none in logs
    )
    print(
        f"{stage} per month from {path}: {len(history)} complete months "
        f"{history.index[0]}..{history.index[-1]}"
    )
    print(f"method: {forecast.method} ({forecast.note})")
    if forecast.interval_scale > 1:
        print(
            f"intervals widened x{forecast.interval_scale:.2f}: backtest errors exceeded the paths"
        )
    for fallback in forecast.fallbacks:
        print(f"fallback: {fallback}")
    _print_table(
        "forecast (counts per month; intervals from simulated count paths)", forecast.frame
    )
    _print_table(
        "rolling-origin backtest, best first (mase_floor / noise_floor_pct: the Poisson "
        "noise floor no forecast can beat)",
        forecast.backtest,
        _BACKTEST,
    )
    if args.to_stage:
        _print_stage(table, forecast, stage, args)
    return 0


def _print_stage(table, forecast, stage: str, args: argparse.Namespace) -> None:
    from slaplan.errors import DataError
    from slaplan.estimate.planning import funnel_inputs
    from slaplan.forecast.funnel import forecast_stage

    stages = table.funnel.stages
    if args.to_stage not in stages or stages.index(args.to_stage) <= stages.index(stage):
        raise DataError(
            f"--to-stage must be a stage after {stage!r} in {', '.join(stages)}, "
            f"got {args.to_stage!r}"
        )
    chain = stages[stages.index(stage) : stages.index(args.to_stage) + 1]
    rates, lags = funnel_inputs(table, chain)
    result = forecast_stage(forecast, rates, stages=chain, lags=lags, seed=args.seed)
    _print_table(
        f"{args.to_stage} per month through the funnel ({' -> '.join(chain)})", result.frame
    )


def _run_segments(table, stage: str, args: argparse.Namespace) -> int:
    from slaplan.forecast.data import monthly_stage_counts
    from slaplan.forecast.segments import forecast_by_segment

    wide = monthly_stage_counts(table, stage, by="segment")
    result = forecast_by_segment(wide, args.horizon, method=args.method, seed=args.seed)
    print(f"{stage} per month by segment: {', '.join(result.segments)}")
    _print_table("method per segment", result.methods().to_frame())
    for name, forecast in zip(result.segments, result.forecasts, strict=True):
        _print_table(f"segment {name}", forecast.frame)
    _print_table("total (bottom-up: sum of the segments' paths)", result.total)
    return 0
