"""The SLA's commitments asked of the kit's past selves: :func:`backtest_sla`.

:func:`slaplan.backtest_counts` (:mod:`slaplan.estimate.backtest`) asks, as of the end of each of
the last closed months, what the one estimate would have said about the month after; here the
questions are the SLA's own count commitments (``count`` and ``worked``) with their targets, so a
team sees how its own "80% likely" fared on its own history before trusting it.
"""

from __future__ import annotations

from typing import Any

from slaplan.estimate.backtest import KitBacktest, Question, backtest_counts
from slaplan.estimate.funnel_estimate import FIRST_TOUCH
from slaplan.sla.spec import SLA

__all__ = ["backtest_sla", "sla_questions"]


def sla_questions(sla: SLA) -> list[Question]:
    """One :class:`~slaplan.estimate.backtest.Question` per count commitment of a monthly SLA."""
    names = sla.stage_names
    questions = []
    for c in sla.commitments:
        if c.metric == "count":
            source = names[max(names.index(c.stage) - 1, 0)]
            questions.append(
                Question(id=c.id, stage=c.stage, source=source, segment=c.segment, target=c.target)
            )
        elif c.metric == "worked":
            questions.append(
                Question(
                    id=c.id, stage=FIRST_TOUCH, source=c.stage, segment=c.segment, target=c.target
                )
            )
    return questions


def backtest_sla(
    sla: SLA,
    leads: Any,
    *,
    periods: int = 6,
    as_of: Any = None,
    seed: int = 0,
    show_progress: bool = False,
) -> KitBacktest:
    """The kit's track record on the SLA's count commitments over the last ``periods`` months.

    Each row is what :func:`slaplan.check_sla` says (same seed, no roster) when run as of the
    last instant of the month before — P(met), expected count, 80% interval — beside what then
    happened and the naive rule "last month's count" (P(met) = 1 if the month before reached
    the target, else 0). ``rate`` and ``response_time`` commitments are not asked.

    Parameters
    ----------
    sla : SLA
        A monthly SLA (a quarterly SLA has too few closed periods to score: refused).
    leads : LeadTable or DataFrame
    periods, as_of, seed, show_progress
        As in :func:`slaplan.backtest_counts`.

    Returns
    -------
    KitBacktest

    Raises
    ------
    ValueError
        A quarterly SLA, or one without count commitments.

    Examples
    --------
    >>> import slaplan as sp
    >>> sla = sp.load_sla(sp.samples_dir() / "sla.yaml")
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> bt = sp.backtest_sla(sla, t, periods=2)  # doctest: +SKIP
    >>> bt.scores()[["n", "brier_kit", "brier_naive"]]  # doctest: +SKIP
    """
    if sla.period_months != 1:
        raise ValueError(f"backtest_sla needs a monthly SLA, got period {sla.period!r}")
    questions = sla_questions(sla)
    if not questions:
        raise ValueError("the SLA has no count or worked commitment to backtest")
    frame = getattr(leads, "frame", leads)
    stages = [s for s in sla.stage_names if f"{s}_at" in frame.columns]
    return backtest_counts(
        leads,
        questions,
        stages=stages,
        periods=periods,
        as_of=as_of,
        seed=seed,
        show_progress=show_progress,
    )
