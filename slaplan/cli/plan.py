"""``slaplan plan``: P(hit), the largest safe target and the volume needed, as a table.

``--target`` is required. Volume and rates come from a lead export (default: the bundled
samples) or are typed: ``--volume 300 --rate 40/300 --rate 30%``. Typed values override the
fitted ones; typed rates are named by ``--stages`` (or ``--from-stage``/``--to-stage``), else
by the default funnel from ``mql`` on (one rate: mql → sql). A stage without data is refused,
never planned with a made-up rate.
"""

from __future__ import annotations

import argparse
import itertools
import sys

from slaplan.cli import _format as fmt
from slaplan.cli._data_options import add_data_options, load_data

__all__ = ["parse_rate", "register", "run"]

_NO_TARGET = (
    "slaplan plan: error: --target is required: the count of {stage} wanted in a month (e.g. "
    "--target 40); the volume and rates come from --leads (default: the bundled samples) or "
    "from --volume and --rate"
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan",
        help="P(hit), largest safe target and volume needed for a target",
        description="Attainability of a monthly count target at the end of a chain of stages: "
        "probability, expected count and quantiles, the largest target attainable at the "
        "confidence, the volume it takes, and the reverse funnel. With --target only, volume "
        "and rates are fitted on the bundled samples (mql -> sql).",
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
        metavar="RATE",
        help="a stage rate: observed counts (40/300, a Beta posterior), a percentage (13%%) or "
        "a share (0.13), both fixed; repeat for a chain",
    )
    parser.add_argument("--capacity", type=float, help="leads workable per month")
    parser.add_argument("--from-stage", dest="from_stage", help="first stage (default: mql)")
    parser.add_argument("--to-stage", dest="to_stage", help="last stage (default: sql)")
    add_data_options(parser, as_of_help="the analysis date, YYYY-MM-DD")
    parser.add_argument("--seed", type=int, default=0)
    parser.set_defaults(handler=run)


def parse_rate(text: str):
    """``"40/300"`` → ``ConversionRate(40, 300)``; ``"13%"`` and ``"0.13"`` → a fixed rate.

    >>> parse_rate("13%").mean, parse_rate("0.13").mean, parse_rate("40/300").total
    (0.13, 0.13, 300)
    """
    from slaplan.plan.rates import ConversionRate

    value = text.strip()
    try:
        if "/" in value:
            converted, total = (int(part) for part in value.split("/", 1))
            return ConversionRate(converted, total)
        if value.endswith("%"):
            return ConversionRate.fixed(float(value[:-1]) / 100)
        return ConversionRate.fixed(float(value))
    except (TypeError, ValueError) as exc:
        message = (
            "rate must be CONV/TOTAL (40/300), a percentage (13%) or a share (0.13), "
            f"got {text!r}: {exc}"
        )
        raise argparse.ArgumentTypeError(message) from exc


def _chain(args: argparse.Namespace, stages: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The stages from ``--from-stage`` to ``--to-stage`` in ``stages`` (the data's funnel, else
    ``--stages``, else the default funnel); without either flag: all of ``--stages``, else mql
    → sql."""
    from slaplan.errors import DataError
    from slaplan.funnel.stages import DEFAULT_FUNNEL

    if args.from_stage is None and args.to_stage is None and args.stages:
        return tuple(args.stages)
    funnel = list(stages or args.stages or DEFAULT_FUNNEL.stages)
    first, last = args.from_stage or "mql", args.to_stage or "sql"
    for flag, name in (("--from-stage", first), ("--to-stage", last)):
        if name not in funnel:
            raise DataError(f"{flag} must be one of {', '.join(funnel)}, got {name!r}")
    if funnel.index(last) <= funnel.index(first):
        raise DataError(f"--to-stage {last!r} must come after --from-stage {first!r}")
    return tuple(funnel[funnel.index(first) : funnel.index(last) + 1])


def _typed_chain(args: argparse.Namespace, count: int) -> tuple[str, ...]:
    """Names for ``count`` typed rates: the chain of the flags, which must fit."""
    from slaplan.errors import DataError
    from slaplan.funnel.stages import DEFAULT_FUNNEL

    if args.stages or args.from_stage or args.to_stage:
        chain = _chain(args)
    else:
        start = DEFAULT_FUNNEL.stages.index("mql" if count < 4 else "lead")
        chain = DEFAULT_FUNNEL.stages[start : start + count + 1]
    if len(chain) != count + 1:
        raise DataError(
            f"{count} --rate value(s) need {count + 1} stages, got {len(chain)}: "
            f"{', '.join(chain)} (name them with --stages)"
        )
    return tuple(chain)


def _fitted(args: argparse.Namespace, chain: tuple[str, ...] | None = None):
    """A planner on the one estimate of the lead data (over ``chain``, default the flags'),
    refusing a chain with a stage that has no timestamp at all."""
    from slaplan.errors import DataError
    from slaplan.plan.planner import Planner

    data = load_data(args)
    table, path = data.leads, data.options.shown
    chain = chain or _chain(args, table.funnel.stages)
    for stage in chain:
        if stage not in table.funnel.stages:
            raise DataError(f"{path}: no stage {stage!r} in its funnel {list(table.funnel.stages)}")
        if table.frame[f"{stage}_at"].notna().sum() == 0:
            raise DataError(f"{path}: stage {stage!r} has no timestamp: nothing to plan from")
    # the estimate refuses, naming what is missing, when the data cannot support a plan
    return Planner.from_leads(table, stages=chain, as_of=data.options.as_of)


def _planner(args: argparse.Namespace):
    from slaplan.plan.planner import Planner
    from slaplan.plan.volume import VolumeModel

    if args.volume is not None and args.rate:
        stages = _typed_chain(args, len(args.rate))
        planner = Planner(
            volume=VolumeModel.poisson(args.volume), rates=tuple(args.rate), stages=stages, target=0
        )
    else:
        # typed rates replace the data's on the same chain (its lags and volume stay the data's)
        stages = _typed_chain(args, len(args.rate)) if args.rate else None
        planner = _fitted(args, stages)
        if args.rate:
            planner = planner.with_(rates=tuple(args.rate))
    mean = planner.volume.mean if args.volume is None else args.volume
    if args.volume is not None or args.dispersion:
        volume = (
            VolumeModel.negative_binomial(mean, args.dispersion)
            if args.dispersion
            else VolumeModel.poisson(mean)
        )
        planner = planner.with_(volume=volume)
    return planner.with_(
        target=args.target,
        confidence=args.confidence,
        capacity_per_month=args.capacity,
        seed=args.seed,
    )


def run(args: argparse.Namespace) -> int:
    if args.target is None:
        print(_NO_TARGET.format(stage=args.to_stage or "sql"), file=sys.stderr)
        return 2
    planner = _planner(args)
    a = planner.compute().attainability
    _print_attainability(planner, a)
    _print_reverse(planner, a, seed=args.seed)
    if args.volume is not None and len(planner.rates) == 1:
        _print_consistency(planner, a)
    return 0


def _print_attainability(planner, a) -> None:
    first, last = planner.stages[0], planner.stages[-1]
    probability = fmt.percent(a.probability, beside=a.confidence, decimals=1)
    if a.method == "monte carlo":
        probability += f" ± {a.standard_error:.1%}"
    rows = [
        ("volume", fmt.volume_text(planner.volume, first)),
        *[
            (f"rate {s} → {t}", fmt.rate_text(r))
            for (s, t), r in zip(itertools.pairwise(planner.stages), planner.rates, strict=True)
        ],
        (
            "capacity",
            "none" if planner.capacity is None else f"{fmt.count(planner.capacity)} a month",
        ),
        ("target", f"{fmt.count(a.target)} {last} a month"),
        ("P(target met)", probability),
        ("verdict", a.verdict),
        ("expected", f"{fmt.count(a.expected)} {last}"),
        ("p10 / p50 / p90", " / ".join(fmt.count(q) for q in (a.p10, a.p50, a.p90))),
        (f"largest target at {a.confidence:.0%}", f"{fmt.count(a.max_target)} {last}"),
        (f"volume needed at {a.confidence:.0%}", f"{fmt.count(a.required_volume)} {first} a month"),
        ("method", a.method),
    ]
    width = max(len(k) for k, _ in rows)
    print("\n".join(f"{k:<{width}}  {v}" for k, v in rows))


def _print_reverse(planner, a, *, seed: int) -> None:
    from slaplan.plan.reverse import reverse_funnel

    reverse = reverse_funnel(
        a.target,
        rates=list(planner.rates),
        stages=planner.stages,
        confidence=a.confidence,
        volume=planner.volume,
        seed=seed,
    )
    frame = reverse.to_frame().rename(
        columns={"point": "expected", "at_confidence": f"at {a.confidence:.0%}"}
    )
    print("\nreverse funnel (volume a month needed at each stage)")
    print(fmt.table(frame, {}, rows={c: lambda _: fmt.count for c in frame.columns[1:3]},
                    columns=list(frame.columns[:3]), index=False))  # fmt: skip


def _print_consistency(planner, a) -> None:
    """Marketing's typed volume against sales' target, said in counts: the only probability
    printed for the target is the one above."""
    from slaplan.plan.consistency import sla_consistency

    first, last = planner.stages[0], planner.stages[-1]
    delivered = round(planner.volume.mean)
    result = sla_consistency(delivered, a.target, rates=planner.rates[0], confidence=a.confidence)
    word = "consistent" if result.consistent else "INCONSISTENT"
    print(
        f"\nmarketing's {fmt.count(delivered)} {first} vs sales' {fmt.count(a.target)} {last} a "
        f"month: {word} at {a.confidence:.0%} — if exactly {fmt.count(delivered)} {first} "
        f"arrive, sales can promise at most {fmt.count(result.consistent_target)} {last}; "
        f"{fmt.count(a.target)} {last} need {fmt.count(result.required_delivered)} {first}"
    )
