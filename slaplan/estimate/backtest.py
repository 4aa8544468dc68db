"""The kit's own track record on a user's data: :func:`backtest_counts` → :class:`KitBacktest`.

No planning tool shows how its probabilities did; this one does. As of the end of each of the
last ``periods`` closed months, the one estimate of the funnel is made again from what was known
then (later events censored), and asked the question of the month that followed — "P(at least T
events of this stage)" — then compared with what happened. Beside it stands the naive rule a team
would otherwise use, "last month's count": P = 1 if last month reached T, else 0.

Reported (:meth:`KitBacktest.scores`): per question and overall, the Brier score of the kit and of
the naive rule (lower is better; 0.25 is a coin flip at 50%), the expected calibration error and
the reliability table (:meth:`KitBacktest.reliability`: when the kit said 70–80%, how often did
it happen?), and how often the data were insufficient. A handful of origins is a small sample:
the table says how many stand behind each number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from slaplan._checks import check_count
from slaplan._progress import progress
from slaplan.estimate.funnel_estimate import FIRST_TOUCH, Insufficient, estimate_funnel
from slaplan.funnel.pairs import lead_frame, resolve_as_of

__all__ = ["KitBacktest", "Question", "backtest_counts", "reliability_table"]

RELATIVE_TARGETS = (0.8, 1.0, 1.2)
"""Targets of a backtest without an SLA: these multiples of the month before's count."""


@dataclass(frozen=True, kw_only=True)
class Question:
    """One count question: events of ``stage`` in a month, at a target.

    ``target`` is a count, or None with ``relative`` set: the target is then ``relative`` times
    the count of the month before the one asked about.
    """

    id: str
    stage: str
    source: str | None = None
    segment: str | None = None
    target: float | None = None
    relative: float | None = None


@dataclass(frozen=True, kw_only=True)
class KitBacktest:
    """What the kit said as of each origin, and what happened (see the module docstring).

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per origin x question: ``origin`` (the "today" of that estimate), ``period``,
        ``question``, ``stage``, ``segment``, ``target``, ``probability``, ``expected``,
        ``low``/``high`` (80% interval), ``actual``, ``met``, ``previous`` (the count of the
        month before, the naive rule's basis), ``naive_probability`` (1 if ``previous`` reached
        the target, else 0) and ``reason`` (why the data were insufficient, else ""; the kit's
        numbers are then NaN).
    """

    frame: pd.DataFrame = field(repr=False)

    def reliability(self, bins: int = 10, *, rule: Literal["kit", "naive"] = "kit") -> pd.DataFrame:
        """Predicted vs observed frequency per probability bin (see :func:`reliability_table`).

        ``rule="kit"`` bins the kit's probabilities, ``"naive"`` those of "last month's count"
        (0 or 1), on the same scored rows (where the kit had enough data), so the two compare.
        """
        scored = self._scored()
        if rule == "naive":
            scored = scored.assign(probability=scored["naive_probability"])
        elif rule != "kit":
            raise ValueError(f"rule must be one of 'kit', 'naive', got {rule!r}")
        return reliability_table(scored, bins=bins)

    def scores(self) -> pd.DataFrame:
        """Per question and overall: n, insufficient, Brier (kit, naive), ECE, interval cover."""
        by_question = self.frame.groupby("question", sort=False)  # in the order asked
        rows = [self._score(name, part) for name, part in by_question]
        rows.append(self._score("all", self.frame))
        return pd.DataFrame(rows).set_index("question")

    def to_frame(self) -> pd.DataFrame:
        """The per-origin table."""
        return self.frame

    def _scored(self) -> pd.DataFrame:
        return self.frame[np.isfinite(self.frame["probability"])]

    @staticmethod
    def _score(name: str, part: pd.DataFrame) -> dict[str, Any]:
        scored = part[np.isfinite(part["probability"])]
        met = scored["met"].astype(float)
        covered = (scored["actual"] >= scored["low"]) & (scored["actual"] <= scored["high"])
        table = reliability_table(scored)
        ece = (
            float((table["n"] * table["gap"].abs()).sum() / table["n"].sum())
            if len(table)
            else np.nan
        )
        return {
            "question": name,
            "n": len(part),
            "insufficient": int(len(part) - len(scored)),
            "brier_kit": float(((scored["probability"] - met) ** 2).mean()),
            "brier_naive": float(((scored["naive_probability"] - met) ** 2).mean()),
            "ece": ece,
            "mean_predicted": float(scored["probability"].mean()),
            "share_met": float(met.mean()),
            "interval_80_coverage": float(covered.mean()),
        }


def reliability_table(frame: pd.DataFrame, *, bins: int = 10) -> pd.DataFrame:
    """Bins of predicted probability: ``n``, mean predicted, observed share, gap.

    >>> f = pd.DataFrame({"probability": [0.05, 0.15, 0.95, 0.92],
    ...                   "met": [False, False, True, True]})
    >>> reliability_table(f)["n"].tolist()
    [1, 1, 2]
    """
    if frame.empty:
        return pd.DataFrame(columns=["bin", "n", "predicted", "observed", "gap"])
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(frame["probability"], edges[1:-1]), 0, bins - 1)
    grouped = frame.assign(bin=which, met=frame["met"].astype(float)).groupby("bin")
    table = grouped.agg(
        n=("probability", "size"), predicted=("probability", "mean"), observed=("met", "mean")
    )
    table["gap"] = table["observed"] - table["predicted"]
    table.index = [f"{edges[i]:.1f}–{edges[i + 1]:.1f}" for i in table.index]
    return table.rename_axis("bin").reset_index()


def _month_counts(frame: pd.DataFrame, stage: str, source: str | None) -> pd.Series:
    times = frame[f"{stage}_at"]
    if stage == FIRST_TOUCH and source is not None:
        times = times[frame[f"{source}_at"].notna()]
    return times.dropna().dt.to_period("M").value_counts()


def backtest_counts(
    leads: Any,
    questions: Sequence[Question] | None = None,
    *,
    stages: Sequence[str] | None = None,
    periods: int = 6,
    as_of: Any = None,
    seed: int = 0,
    show_progress: bool = False,
) -> KitBacktest:
    """Ask the kit, as of each of the last ``periods`` closed months, about the month after.

    Parameters
    ----------
    leads : LeadTable or DataFrame
        The full history (what happened after each origin is read from it).
    questions : sequence of Question, optional
        Default: for every stage after the first, targets at 0.8, 1.0 and 1.2 times the month
        before's count.
    stages : sequence of str, optional
        The funnel (default: the table's).
    periods : int
        Closed months asked about: the latest months that have ended by ``as_of`` (the month
        holding ``as_of`` counts only when ``as_of`` is its last instant).
    as_of : date-like, optional
        The data's "today" (default: the table's).
    seed : int
        Seed of every estimate.
    show_progress : bool
        A ``tqdm.auto`` bar over the origins.

    Returns
    -------
    KitBacktest

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> bt = sp.backtest_counts(t, stages=["mql", "sql"], periods=2)  # doctest: +SKIP
    >>> bt.scores()[["n", "brier_kit", "brier_naive"]]  # doctest: +SKIP
    """
    periods = check_count("periods", periods, minimum=1)
    frame = lead_frame(leads)
    today = resolve_as_of(leads, as_of)
    names = list(stages) if stages is not None else list(leads.funnel.stages)
    if questions is None:
        questions = [
            Question(id=f"{stage} x{factor:g}", stage=stage, relative=factor)
            for stage in names[1:]
            for factor in RELATIVE_TARGETS
        ]
    # a month is closed once it has ended: an as_of at the end of its last day closes it
    last_closed = pd.Period(today + pd.Timedelta(1, "ns"), freq="M") - 1
    asked = pd.period_range(end=last_closed, periods=periods, freq="M")
    rows = []
    for period in progress(list(asked), desc="backtest origins", enabled=show_progress):
        origin = period.start_time - pd.Timedelta(1, "ns")
        rows += _ask(leads, frame, names, questions, period, origin, seed)
    table = pd.DataFrame(rows)
    return KitBacktest(frame=table)


def _ask(leads, frame, names, questions, period, origin, seed) -> list[dict[str, Any]]:
    rows = []
    estimates: dict[str | None, Any] = {}
    for question in questions:
        if question.segment not in estimates:
            estimates[question.segment] = _estimate(leads, names, question.segment, origin, seed)
        rows.append(_answer(frame, estimates[question.segment], question, period, origin))
    return rows


def _estimate(leads, names, segment, origin, seed):
    try:
        return estimate_funnel(leads, names, segment=segment, as_of=origin, seed=seed)
    except ValueError as exc:  # no data yet at this origin (a DataError names why)
        return Insufficient(reason=str(exc))


def _answer(frame, estimate, question: Question, period, origin) -> dict[str, Any]:
    part = frame if question.segment is None else frame[frame["segment"] == question.segment]
    counts = _month_counts(part, question.stage, question.source)
    actual, before = int(counts.get(period, 0)), int(counts.get(period - 1, 0))
    target = question.target if question.target is not None else round(question.relative * before)
    target = max(float(target), 1.0)
    row = {
        "origin": origin,
        "period": period,
        "question": question.id,
        "stage": question.stage,
        "segment": question.segment or "all",
        "target": target,
        "actual": actual,
        "met": actual >= target,
        "previous": before,
        "naive_probability": float(before >= target),
    }
    outlook = (
        estimate
        if isinstance(estimate, Insufficient)
        else estimate.outlook(question.stage, period, source=question.source)
    )
    if isinstance(outlook, Insufficient):
        nan = float("nan")
        return row | {"probability": nan, "expected": nan, "low": nan, "high": nan,
                      "reason": outlook.reason}  # fmt: skip
    low, high = outlook.interval
    return row | {
        "probability": outlook.probability(target),
        "expected": outlook.expected,
        "low": low,
        "high": high,
        "reason": "",
    }
