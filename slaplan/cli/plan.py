"""``slaplan plan``: P(hit), the largest safe target and the volume needed, as a table.

Volume and rates come from a lead export (default: the bundled samples) or are typed:
``--volume 300 --rate 40/300 --rate 0.3``. Typed values override the fitted ones.
"""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["parse_rate", "register", "run"]


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="P(hit), largest safe target and volume needed for a target",
        description="Attainability of a monthly count target at the end of a chain of stages: "
        "probability, expected count and quantiles, the largest target attainable at the "
        "confidence, the volume it takes, and the reverse funnel. Without arguments it fits "
        "the bundled samples (MQL -> SQL).",
    )
    parser.add_argument("--target", type=int, help="count wanted at the last stage in a month")
    parser.add_argument("--confidence", type=float, default=0.8, help="default 0.8")
    parser.add_argument("--volume", type=float, help="mean monthly volume at the first stage")
    parser.add_argument(
        "--dispersion",
        type=float,
        help="negative binomial dispersion of the volume (default Poisson)",
    )
    parser.add_argument(
        "--rate",
        action="append",
        type=parse_rate,
        metavar="CONV/TOTAL|P",
        help="a stage rate: observed counts (40/300, a Beta posterior) or a fixed share (0.12); "
        "repeat for a chain",
    )
    parser.add_argument("--capacity", type=float, help="leads workable per month")
    parser.add_argument("--leads", type=Path, help="lead export (default: samples leads.csv)")
    parser.add_argument("--from-stage", dest="from_stage", default="mql")
    parser.add_argument("--to-stage", dest="to_stage", default="sql")
    parser.add_argument("--as-of", dest="as_of", help="the analysis date, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(handler=run)


def parse_rate(text: str):
    """``"40/300"`` → ``ConversionRate(40, 300)``; ``"0.12"`` → a fixed rate."""
    from slaplan.plan.rates import ConversionRate

    try:
        if "/" in text:
            converted, total = (int(part) for part in text.split("/", 1))
            return ConversionRate(converted, total)
        return ConversionRate.fixed(float(text))
    except (TypeError, ValueError) as exc:
        message = f"rate must be CONV/TOTAL or a share, got {text!r}: {exc}"
        raise argparse.ArgumentTypeError(message) from exc


def _planner(args: argparse.Namespace):
    from slaplan.plan.planner import Planner
    from slaplan.plan.volume import VolumeModel

    typed = args.volume is not None and args.rate
    if typed:
        stages = tuple(f"stage_{i}" for i in range(len(args.rate) + 1))
        volume = VolumeModel.poisson(args.volume)
        planner = Planner(volume=volume, rates=tuple(args.rate), stages=stages, target=0)
    else:
        import slaplan

        path = args.leads or Path(slaplan.samples_dir()) / "leads.csv"
        table = slaplan.load_leads(path)
        stages = _stages_between(table, args.from_stage, args.to_stage)
        planner = Planner.from_leads(table, stages=stages, as_of=args.as_of)
        if args.rate:
            planner = planner.with_(
                rates=tuple(args.rate),
                stages=tuple(f"stage_{i}" for i in range(len(args.rate) + 1)),
            )
    if args.volume is not None:
        mean = args.volume
        volume = (
            VolumeModel.negative_binomial(mean, args.dispersion)
            if args.dispersion
            else VolumeModel.poisson(mean)
        )
        planner = planner.with_(volume=volume)
    elif args.dispersion:
        planner = planner.with_(
            volume=VolumeModel.negative_binomial(planner.volume.mean, args.dispersion)
        )
    target = (
        args.target
        if args.target is not None
        else round(planner.volume.mean * _mean_product(planner.rates))
    )
    return planner.with_(
        target=target, confidence=args.confidence, capacity_per_month=args.capacity, seed=args.seed
    )


def _mean_product(rates) -> float:
    result = 1.0
    for rate in rates:
        result *= rate.mean
    return result


def _stages_between(table, from_stage: str, to_stage: str) -> tuple[str, ...]:
    from slaplan.errors import DataError

    stages = list(table.funnel.stages) if hasattr(table, "funnel") else [from_stage, to_stage]
    stages = [getattr(s, "name", s) for s in stages]
    for name in (from_stage, to_stage):
        if name not in stages:
            raise DataError(f"stage {name!r} is not in the funnel {stages}")
    start, end = stages.index(from_stage), stages.index(to_stage)
    if end <= start:
        raise DataError(f"--to-stage {to_stage!r} must come after --from-stage {from_stage!r}")
    return tuple(stages[start : end + 1])


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from slaplan.plan.consistency import sla_consistency
    from slaplan.plan.reverse import reverse_funnel

    planner = _planner(args)
    a = planner.compute().attainability
    rows = [
        ("volume / month", str(planner.volume)),
        *[
            (f"rate {s} → {t}", str(r))
            for (s, t), r in zip(
                zip(planner.stages, planner.stages[1:], strict=False), planner.rates, strict=True
            )
        ],
        ("capacity / month", "none" if planner.capacity is None else f"{planner.capacity:g}"),
        (f"target ({planner.stages[-1]} / month)", str(a.target)),
        (
            "P(outcome >= target)",
            f"{a.probability:.1%}"
            + (f" ± {a.standard_error:.1%}" if a.method == "monte carlo" else ""),
        ),
        ("verdict", a.verdict),
        ("expected", f"{a.expected:.1f}"),
        ("p10 / p50 / p90", f"{a.p10} / {a.p50} / {a.p90}"),
        (f"largest target at {a.confidence:.0%}", str(a.max_target)),
        (f"volume needed at {a.confidence:.0%}", f"{a.required_volume:g}"),
        ("method", a.method),
    ]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))
    reverse = reverse_funnel(
        a.target,
        rates=list(planner.rates),
        stages=planner.stages,
        confidence=a.confidence,
        volume=planner.volume,
        seed=args.seed,
    )
    print("\nreverse funnel (volume per month needed)")
    with pd.option_context("display.width", 120, "display.float_format", "{:.1f}".format):
        print(reverse.to_frame().drop(columns="margin").to_string(index=False))
    if len(planner.rates) == 1:
        consistency = sla_consistency(
            round(planner.volume.mean), a.target, rates=planner.rates[0], confidence=a.confidence
        )
        print(f"\nif exactly {consistency.delivered} {planner.stages[0]} arrive: {consistency}")
    return 0
