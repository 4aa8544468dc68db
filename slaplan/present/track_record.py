"""The kit's track record written for people: tables, sentences and the reliability chart.

Owns the *track record as people read it*: a :class:`~slaplan.estimate.backtest.KitBacktest`
(from :func:`slaplan.backtest_sla` or :func:`slaplan.backtest_counts`) turned into text rows,
one per month asked about (:func:`period_rows`, :func:`period_table`), per commitment
(:func:`score_rows`, :func:`track_record_table`) and per probability band
(:func:`reliability_rows`); sentences (:func:`score_sentence`, :func:`calibration_sentence`);
the review's section (:func:`track_record_html`); and the reliability chart with its alt text
(:func:`plot_reliability`, :func:`reliability_alt`). The command line, the review, the notebooks
and ``tools/readme_backtest.py`` all write the numbers here, so they read alike. Nothing is
computed beyond what :class:`KitBacktest` reports; a month without enough data is written
"insufficient data" with its reason, never dropped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from slaplan.present._axes import axes_or_new, percent_axis
from slaplan.present.formatting import (
    MISSING,
    format_count,
    format_number,
    format_percent,
    is_missing,
    period_name,
)
from slaplan.present.names import commitment_title
from slaplan.present.tables import PeopleTable

__all__ = [
    "INSUFFICIENT",
    "PERIOD_COLUMNS",
    "RELIABILITY_COLUMNS",
    "SCORE_COLUMNS",
    "calibration_sentence",
    "insufficient_reasons",
    "period_rows",
    "period_table",
    "plot_reliability",
    "reliability_alt",
    "reliability_rows",
    "score_rows",
    "score_sentence",
    "track_record_html",
    "track_record_table",
]

INSUFFICIENT = "insufficient data"
NAIVE = "last month's count"
PERIOD_COLUMNS = ("period", "P(met)", "expected", "80% interval", "actual", "met",
                  "last month")  # fmt: skip
SCORE_COLUMNS = ("commitment", "months scored", "insufficient data", "Brier: kit",
                 f"Brier: {NAIVE}", "better", "80% interval held")  # fmt: skip
RELIABILITY_COLUMNS = ("kit said", "forecasts", "said on average", "met")
_KIT_COLOUR, _NAIVE_COLOUR = "tab:blue", "tab:gray"
Titles = Mapping[str, str] | None


def _title(titles: Titles, question: str) -> str:
    return (titles or {}).get(question, question)


def _brier(value: Any) -> str:
    return format_number(value, decimals=3)


def _scored(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[np.isfinite(frame["probability"].astype(float))]


def period_rows(frame: pd.DataFrame, question: str) -> tuple[tuple[str, ...], ...]:
    """One row of text per month asked about ``question`` (columns :data:`PERIOD_COLUMNS`).

    A month without enough data says "insufficient data" in the P(met) column (its reason is
    in :func:`insufficient_reasons`); what then happened is still shown.

    Examples
    --------
    >>> frame = pd.DataFrame({"question": ["q", "q"], "period": pd.period_range("2026-09",
    ...     periods=2, freq="M"), "probability": [0.8123, float("nan")], "expected": [1234.4,
    ...     float("nan")], "low": [1100.0, float("nan")], "high": [1390.0, float("nan")],
    ...     "actual": [1301, 990], "met": [True, False], "previous": [1250, 1301]})
    >>> period_rows(frame, "q")[0]
    ('September 2026', '81%', '1,234', '1,100–1,390', '1,301', 'yes', '1,250')
    >>> period_rows(frame, "q")[1][:3]
    ('October 2026', 'insufficient data', '–')
    """
    rows = []
    for row in frame[frame["question"] == question].itertuples(index=False):
        known = not is_missing(row.probability)
        interval = f"{format_count(row.low)}–{format_count(row.high)}" if known else MISSING
        rows.append((
            period_name(row.period),
            format_percent(row.probability) if known else INSUFFICIENT,
            format_count(row.expected), interval, format_count(row.actual),
            "yes" if row.met else "no", format_count(getattr(row, "previous", None)),
        ))  # fmt: skip
    return tuple(rows)


def insufficient_reasons(frame: pd.DataFrame, question: str) -> tuple[tuple[str, str], ...]:
    """``(month, reason)`` for every month of ``question`` the kit could not answer.

    Examples
    --------
    >>> frame = pd.DataFrame({"question": ["q"], "period": [pd.Period("2017-01", "M")],
    ...                       "probability": [float("nan")], "reason": ["only 2 months"]})
    >>> insufficient_reasons(frame, "q")
    (('January 2017', 'only 2 months'),)
    """
    mine = frame[(frame["question"] == question) & frame["probability"].isna()]
    return tuple(
        (period_name(p), str(r)) for p, r in zip(mine["period"], mine["reason"], strict=True)
    )


def _better(kit: Any, naive: Any) -> str:
    if is_missing(kit) or is_missing(naive):
        return MISSING
    if round(kit, 3) == round(naive, 3):
        return "tie"
    return "kit" if kit < naive else NAIVE


def score_rows(scores: pd.DataFrame, titles: Titles = None) -> tuple[tuple[str, ...], ...]:
    """One row of text per question of ``KitBacktest.scores()`` (columns :data:`SCORE_COLUMNS`).

    The Brier score is the mean squared gap between the probability said and what happened
    (1 met, 0 missed): 0 is perfect, 0.25 is always saying 50%; lower is better. Both rules are
    scored on the same months, those where the kit had enough data.

    Examples
    --------
    >>> scores = pd.DataFrame({"n": [12], "insufficient": [2], "brier_kit": [0.1234],
    ...     "brier_naive": [0.3], "interval_80_coverage": [0.8]}, index=["mqls"])
    >>> score_rows(scores, {"mqls": "MQLs"})
    (('MQLs', '10 of 12', '2', '0.123', '0.300', 'kit', '80%'),)
    """
    rows = []
    for question, row in scores.iterrows():
        scored = int(row["n"] - row["insufficient"])
        rows.append((
            "all of them" if question == "all" else _title(titles, str(question)),
            f"{scored} of {int(row['n'])}", format_count(row["insufficient"]),
            _brier(row["brier_kit"]) if scored else MISSING,
            _brier(row["brier_naive"]) if scored else MISSING,
            _better(row["brier_kit"], row["brier_naive"]) if scored else MISSING,
            format_percent(row["interval_80_coverage"]) if scored else MISSING,
        ))  # fmt: skip
    return tuple(rows)


def score_sentence(scores: pd.DataFrame, question: str) -> str:
    """A question's scores in one sentence (months scored, both Brier scores, which is better).

    Examples
    --------
    >>> import textwrap
    >>> scores = pd.DataFrame({"n": [12], "insufficient": [0], "brier_kit": [0.15],
    ...     "brier_naive": [0.25], "interval_80_coverage": [0.75]}, index=["q"])
    >>> print(textwrap.fill(score_sentence(scores, "q"), 90))
    12 of 12 months scored; Brier score 0.150 for the kit, 0.250 for last month's count (lower
    is better): the kit did better; its 80% interval held the actual count in 75% of them.
    """
    row = scores.loc[question]
    scored, asked = int(row["n"] - row["insufficient"]), int(row["n"])
    head = f"{scored} of {asked} month{'s' * (asked != 1)} scored"
    if row["insufficient"]:
        head += f" ({format_count(row['insufficient'])} with insufficient data)"
    if not scored:
        return head + ": no month to score yet."
    better = _better(row["brier_kit"], row["brier_naive"])
    verdict = {"kit": "the kit did better", NAIVE: f"{NAIVE} did better", "tie": "a tie"}[better]
    return (
        f"{head}; Brier score {_brier(row['brier_kit'])} for the kit, "
        f"{_brier(row['brier_naive'])} for {NAIVE} (lower is better): {verdict}; its 80% "
        f"interval held the actual count in {format_percent(row['interval_80_coverage'])} of them."
    )


def reliability_rows(table: pd.DataFrame) -> tuple[tuple[str, ...], ...]:
    """``KitBacktest.reliability()`` as text (columns :data:`RELIABILITY_COLUMNS`).

    Examples
    --------
    >>> table = pd.DataFrame({"bin": ["0.8–0.9"], "n": [10], "predicted": [0.847],
    ...                       "observed": [0.9], "gap": [0.053]})
    >>> reliability_rows(table)
    (('80–90%', '10', '85%', '90%'),)
    """
    rows = []
    for row in table.itertuples(index=False):
        low, high = (float(edge) for edge in str(row.bin).split("–"))
        rows.append((f"{low:.0%}–{high:.0%}".replace("%–", "–"), format_count(row.n),
                     format_percent(row.predicted), format_percent(row.observed)))  # fmt: skip
    return tuple(rows)


def calibration_sentence(scores: pd.DataFrame) -> str:
    """How well calibrated the kit was, over every forecast scored, in one sentence.

    Examples
    --------
    >>> import textwrap
    >>> scores = pd.DataFrame({"n": [48], "insufficient": [0], "mean_predicted": [0.66],
    ...     "share_met": [0.69], "ece": [0.11], "interval_80_coverage": [0.81]}, index=["all"])
    >>> print(textwrap.fill(calibration_sentence(scores), 90))
    Over 48 forecasts the kit said 66% on average and 69% of the targets were met; a forecast
    was 11 points off what happened in its probability band, on average, and its 80% intervals
    held the actual count 81% of the time.
    """
    row = scores.loc["all"]
    scored = int(row["n"] - row["insufficient"])
    if not scored:
        return f"No forecast could be scored: the data were insufficient in all {int(row['n'])}."
    points = round(100 * float(row["ece"]))
    return (
        f"Over {scored} forecasts the kit said {format_percent(row['mean_predicted'])} on average "
        f"and {format_percent(row['share_met'])} of the targets were met; a forecast was "
        f"{points} point{'s' * (points != 1)} off what happened in its probability band, on "
        f"average, and its 80% intervals held the actual count "
        f"{format_percent(row['interval_80_coverage'])} of the time."
    )


def track_record_table(backtest: Any, titles: Titles = None) -> PeopleTable:
    """The review's compact table: per commitment, months scored and Brier kit vs naive."""
    return PeopleTable(
        columns=SCORE_COLUMNS,
        rows=score_rows(backtest.scores(), titles),
        css_class="sla-track-record",
    )


def plot_reliability(backtest: Any, *, ax: Any = None):
    """Reliability chart: how often targets were met against the probability said, per band.

    The kit's bands are dots sized by their number of forecasts; "last month's count" says
    0% or 100% and sits at the two ends; the diagonal is perfect calibration. Both axes are
    percentages and the legend sits to the right, outside the data.
    """
    ax = axes_or_new(ax, (6, 4))
    ax.plot([0, 1], [0, 1], color="black", linewidth=0.8, label="perfectly calibrated")
    for rule, colour, label in (("naive", _NAIVE_COLOUR, NAIVE), ("kit", _KIT_COLOUR, "the kit")):
        table = backtest.reliability(rule=rule)
        if table.empty:
            continue
        sizes = 20 + 12 * table["n"].to_numpy(dtype=float)
        ax.scatter(table["predicted"], table["observed"], s=sizes, color=colour, alpha=0.75,
                   edgecolor="white", label=label, zorder=3)  # fmt: skip
    ax.set_xlim(-0.03, 1.03)
    ax.set_ylim(-0.03, 1.03)
    percent_axis(ax.xaxis)
    percent_axis(ax.yaxis)
    ax.set_xlabel("P(met) said beforehand")
    ax.set_ylabel("share of those targets met")
    ax.set_title("Track record: said vs happened (dot size: forecasts)", fontsize=10)
    legend = ax.legend(
        fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False
    )
    for handle in legend.legend_handles:  # one marker size in the legend, whatever the counts
        if hasattr(handle, "set_sizes"):
            handle.set_sizes([40])
    return ax


def reliability_alt(backtest: Any) -> str:
    """The reliability chart in words, for the image's alternative text.

    Examples
    --------
    >>> import textwrap
    >>> from types import SimpleNamespace
    >>> table = pd.DataFrame({"bin": ["0.8–0.9"], "n": [10], "predicted": [0.847],
    ...                       "observed": [0.9], "gap": [0.053]})
    >>> print(textwrap.fill(reliability_alt(SimpleNamespace(reliability=lambda: table)), 90))
    Reliability chart of the backtest. When the kit said 80–90% (10 forecasts, 85% on
    average), 90% of the targets were met.
    """
    table = backtest.reliability()
    if table.empty:
        return "Reliability chart of the backtest: no forecast could be scored."
    parts = [
        f"When the kit said {band} ({n} forecast{'s' * (n != '1')}, {said} on average), "
        f"{met} of the targets were met."
        for band, n, said, met in reliability_rows(table)
    ]
    return "Reliability chart of the backtest. " + " ".join(parts)


def track_record_html(review: Any) -> str:
    """The review's track record section: what was asked, the calibration sentence, the table
    of Brier scores per commitment and the months the kit could not answer (escaped HTML).

    ``review`` is a :class:`~slaplan.sla.review.Review`; without a track record the section is
    the reason there is none.
    """
    backtest = review.track_record
    if backtest is None:
        return f"<p>Track record: {html.escape(review.track_record_note)}.</p>"
    titles = {c.id: commitment_title(c) for c in review.sla.commitments}
    frame = backtest.frame
    months = sorted(frame["period"].unique())
    asked = (
        f"As of the end of each of the last {len(months)} closed months "
        f"({period_name(months[0])} – {period_name(months[-1])}), the kit was asked, from the "
        f"data known then, for each count commitment's P(met) in the month after."
    )
    parts = [
        f"<p>{html.escape(asked)} {html.escape(calibration_sentence(backtest.scores()))}</p>",
        track_record_table(backtest, titles).to_html(),
    ]
    missing = [
        f"<li>{html.escape(titles.get(q, q))}, {html.escape(month)}: {html.escape(reason)}</li>"
        for q in dict.fromkeys(frame["question"])
        for month, reason in insufficient_reasons(frame, q)
    ]
    if missing:
        parts.append(
            "<p>Insufficient data (no P(met) said, not scored):</p>"
            f'<ul class="sla-track-record-insufficient">{"".join(missing)}</ul>'
        )
    return "\n".join(parts)


def period_table(backtest: Any, question: str) -> PeopleTable:
    """The months asked about ``question`` as a table (:func:`period_rows`), with the reason
    beside each month the kit could not answer."""
    frame = backtest.frame
    reasons = dict(insufficient_reasons(frame, question))
    rows = tuple((*row, reasons.get(row[0], "")) for row in period_rows(frame, question))
    return PeopleTable(
        columns=(*PERIOD_COLUMNS, "why no P(met)"),
        rows=rows,
        css_class="sla-track-record-months",
        wrap=("why no P(met)",),
    )
