"""The review report's HTML pieces, built from a :class:`~slaplan.sla.review.Review`.

Owns the *page of the review*: the first screen (:func:`brief_html`: the SLA, the date and one
sentence per commitment), the traffic-light table (:func:`summary_html`), a segment's
contribution (:func:`context_html`), the detail tables written for people (pacing, miss
attribution, drift in words, proposals, consistency, assumptions) and the "how it was made"
footer. Every number goes through :mod:`slaplan.present.formatting`; every string from the
data is escaped; no text is cut.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from slaplan.present.brief import (
    assumptions_in_words,
    attainability_note,
    commitment_briefs,
    commitment_sentence,
)
from slaplan.present.formatting import (
    change_words,
    format_count,
    format_percent,
    format_signed,
    format_value,
    is_missing,
    period_name,
)
from slaplan.present.names import commitment_title
from slaplan.present.tables import PeopleTable, text

__all__ = [
    "LIGHTS",
    "assumptions_table",
    "attribution_table",
    "brief_html",
    "consistency_html",
    "context_html",
    "drift_table",
    "footer_html",
    "header_html",
    "pacing_table",
    "proposals_table",
    "summary_html",
    "summary_table",
]

LIGHTS = {"attainable": "#c8e6c9", "stretch": "#fff59d", "out of reach": "#ffcdd2"}
_DOTS = {"attainable": "#2e7d32", "stretch": "#f9a825", "out of reach": "#c62828"}
_STRETCH = 0.2


def _light(probability: float, confidence: float) -> str:
    if is_missing(probability):
        return ""
    if probability >= confidence:
        return LIGHTS["attainable"]
    return LIGHTS["stretch"] if probability >= _STRETCH else LIGHTS["out of reach"]


def _commitments(review: Any) -> dict[str, Any]:
    return {c.id: c for c in review.sla.commitments}


def header_html(review: Any) -> str:
    """Title, date and scope of the review (escaped HTML)."""
    sla = review.sla
    segment = "all segments" if review.segment is None else f"segment {review.segment}"
    parts = [
        f"<h1>{html.escape(sla.name)}</h1>",
        f'<p class="slaplan-date"><b>Review of {_date(review.as_of)}</b> · SLA version '
        f"{html.escape(str(sla.version))} · targets per {html.escape(sla.period)} · "
        f"attainable means at least {format_percent(sla.confidence)} likely · "
        f"{html.escape(segment)}</p>",
    ]
    if review.segment is not None:
        parts.append(f"<p>{html.escape(_scope_sentence(review))}</p>")
    return "".join(parts)


def _scope_sentence(review: Any) -> str:
    judged = ", ".join(c.id for c in review.sla.commitments)
    sentence = (
        f"This review judges only the commitments written for {review.segment} ({judged}). "
        "A commitment for all segments is a promise about the total, so it gets no verdict "
        "here: the segment's contribution to it is shown as context."
    )
    if review.left_out:
        sentence += f" Commitments of other segments are left out ({', '.join(review.left_out)})."
    return sentence


def brief_html(review: Any) -> str:
    """The first screen: title and date, then one sentence per commitment (escaped HTML)."""
    items = []
    for brief in commitment_briefs(review):
        colour = _DOTS.get(brief.verdict, "#9e9e9e")
        dot = f'<span style="color:{colour}" aria-hidden="true">●</span> '
        items.append(f"<li>{dot}{html.escape(commitment_sentence(brief))}</li>")
    data = (
        f"Data: {html.escape(Path(review.leads_source).name)}, {review.rows_accepted:,} leads "
        f"used, {review.rows_rejected:,} rows rejected on load."
    )
    return (
        header_html(review)
        + '<ul class="slaplan-brief" style="line-height:1.5">'
        + "".join(items)
        + f'</ul><p style="color:#555">{data}</p>'
    )


def summary_table(review: Any) -> PeopleTable:
    """The traffic-light table: one row per commitment, with what would make it attainable."""
    confidence = review.sla.confidence
    running = period_name(review.open_period) if review.open_period is not None else "none"
    briefs = {b.id: b for b in commitment_briefs(review)}
    rows = []
    for commitment_id, row in review.summary().iterrows():
        brief = briefs[commitment_id]
        rows.append((
            brief.title, text(row["owner"]), format_value(row["target"], brief.metric),
            text(row["periods_met"]), format_value(row["last_closed"], brief.metric),
            (format_percent(row["pacing"]), _light(row["pacing"], confidence)),
            (format_percent(row["next_period"]), _light(row["next_period"], confidence)),
            (text(row["verdict"]), LIGHTS.get(row["verdict"], "")),
            attainability_note(brief),
        ))  # fmt: skip
    next_name = period_name(next(iter(briefs.values())).next_period) if briefs else "–"
    columns = ("commitment", "owner", "target", "periods met", "last closed",
               f"P(met) {running} (running)", f"P(met) {next_name}", "verdict",
               "what would make it attainable")  # fmt: skip
    return PeopleTable(
        columns=columns, rows=tuple(rows), css_class="sla-summary",
        wrap=("what would make it attainable",),
    )  # fmt: skip


def summary_html(review: Any) -> str:
    """The traffic-light table as escaped HTML (see :func:`summary_table`)."""
    return summary_table(review).to_html()


def context_html(review: Any) -> str:
    """A segment review's contribution to the all-segment commitments ("" for all segments).

    One row per all-segment commitment and period (the last closed one and the open one so
    far): the segment's value, the value over all segments and, for counts, the segment's
    share. No target and no traffic light: the target belongs to the total.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> context_html(SimpleNamespace(context=None))
    ''
    """
    table = review.context
    if table is None:
        return ""
    intro = (
        f"<h3>Contribution of {html.escape(str(review.segment))} to the commitments for all "
        "segments</h3><p>Context, not a verdict: each commitment's target is for all segments "
        "together.</p>"
    )
    if table.empty:
        return intro + "<p>The SLA has no commitment for all segments.</p>"
    rows = []
    for row in table.itertuples(index=False):
        metric = "count" if not is_missing(row.share_of_all) else "rate"
        period = f"{period_name(row.period)} ({'so far' if row.status == 'open' else row.status})"
        rows.append((
            text(row.commitment), text(row.what), period,
            format_value(row.segment_actual, metric), format_value(row.all_segments_actual, metric),
            format_percent(row.share_of_all),
        ))  # fmt: skip
    head = ("commitment", "what", "period", "this segment", "all segments", "share of all")
    return intro + PeopleTable(columns=head, rows=tuple(rows), css_class="sla-context").to_html()


def pacing_table(review: Any) -> PeopleTable:
    """The running period per commitment: so far, expected by its end, P(met), pro-rating."""
    commitments = _commitments(review)
    rows = []
    for (_, cid), row in review.tracked[review.tracked["status"] == "open"].iterrows():
        c = commitments[cid]
        on_track = row["pro_rated_on_track"]
        rows.append((
            commitment_title(c), format_value(row["target"], c.metric),
            format_value(row["actual"], c.metric), format_value(row["expected"], c.metric),
            format_percent(row["pacing_probability"]), format_value(row["pro_rated"], c.metric),
            "–" if is_missing(on_track) else ("yes" if on_track else "no"),
        ))  # fmt: skip
    head = ("commitment", "target", "so far", "expected by the end", "P(met)",
            "linear pro-rating", "pro-rating on track")  # fmt: skip
    return PeopleTable(columns=head, rows=tuple(rows), css_class="sla-pacing")


def attribution_table(review: Any) -> PeopleTable:
    """Each missed period's gap split into its causes, as signed counts."""
    commitments = _commitments(review)
    parts = ("volume", "capacity", "speed", "quality", "timing")
    rows = []
    for (period, cid), row in review.attribution.iterrows():
        rows.append((
            commitment_title(commitments[cid]), period_name(period), format_count(row["target"]),
            format_count(row["actual"]), format_signed(row["gap"]),
            *(format_signed(row[name]) for name in parts),
        ))  # fmt: skip
    head = ("commitment", "period", "target", "actual", "gap", *parts)
    return PeopleTable(columns=head, rows=tuple(rows), css_class="sla-attribution")


def drift_table(review: Any) -> PeopleTable:
    """What changed since the last review, in words (no p-values, no test names)."""
    commitments = _commitments(review)
    rows = []
    for cid, row in review.drift.iterrows():
        c = commitments[cid]
        kind = "count" if c.metric in ("count", "worked") else "share"
        per = f" a {review.sla.period}" if kind == "count" else ""
        before = format_value(row["before"], c.metric)
        after = format_value(row["after"], c.metric)
        rows.append((
            commitment_title(c), f"{before} → {after}{per}",
            change_words(row["before"], row["after"], kind=kind, p_value=row["p_adjusted"]),
            format_percent(row["prob_decrease"]),
            f"{int(row['months_before'])} before, {int(row['months_after'])} since",
        ))  # fmt: skip
    head = ("commitment", "before → since the last review", "change", "chance it went down",
            "months compared")  # fmt: skip
    return PeopleTable(columns=head, rows=tuple(rows), css_class="sla-drift", wrap=("change",))


def proposals_table(review: Any) -> PeopleTable:
    """Next period's proposed targets, with the specific reason for each."""
    briefs = {b.id: b for b in commitment_briefs(review)}
    rows = []
    for cid, row in review.proposals.iterrows():
        brief = briefs[cid]
        rows.append((
            brief.title, format_value(row["current"], brief.metric),
            format_percent(row["probability_current"]), format_value(row["proposed"], brief.metric),
            attainability_note(brief),
        ))  # fmt: skip
    head = ("commitment", "target now", "P(met) at that target", "proposed", "why")
    return PeopleTable(columns=head, rows=tuple(rows), css_class="sla-proposals", wrap=("why",))


def consistency_html(review: Any) -> str:
    """One sentence per marketing/sales pair: can both promises be kept together?"""
    commitments = _commitments(review)
    confidence = format_percent(review.sla.confidence)
    items = []
    for row in review.consistency.itertuples(index=False):
        marketing, sales = commitments[row.marketing], commitments[row.sales]
        verdict = "consistent" if row.consistent else f"not consistent at {confidence}"
        sentence = (
            f"If marketing delivers {format_count(row.marketing_target)} "
            f"{commitment_title(marketing)}, sales' {format_count(row.sales_target)} "
            f"{commitment_title(sales)} are {format_percent(row.probability)} likely "
            f"({format_count(row.expected)} expected at a {format_percent(row.rate, decimals=1)} "
            f"rate): {verdict}; {format_count(row.sales_target_supported)} would be."
        )
        items.append(f"<li>{html.escape(sentence)}</li>")
    if not items:
        return "<p>The SLA has no pair of marketing and sales count commitments to compare.</p>"
    return '<ul class="sla-consistency">' + "".join(items) + "</ul>"


def assumptions_table(review: Any) -> PeopleTable:
    """What each check assumed, in words, and its SMART notes (long text wraps)."""
    commitments = _commitments(review)
    rows = []
    for cid, row in review.checked.iterrows():
        assumptions = "" if is_missing(row["assumptions"]) else str(row["assumptions"])
        notes = "" if is_missing(row["notes"]) else str(row["notes"])
        rows.append((commitment_title(commitments[cid]), assumptions_in_words(assumptions),
                     notes.replace("; ", "\n")))  # fmt: skip
    head = ("commitment", "what the numbers assume", "SMART notes")
    return PeopleTable(
        columns=head, rows=tuple(rows), css_class="sla-assumptions",
        wrap=("what the numbers assume", "SMART notes"),
    )  # fmt: skip


def footer_html(review: Any, parameters: dict[str, Any]) -> str:
    """The footer's facts: slaplan's version, the as-of date and the inputs (escaped HTML).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import pandas as pd
    >>> review = SimpleNamespace(as_of=pd.Timestamp("2026-11-15"))
    >>> footer = footer_html(review, {"as of": "2026-11-15", "segment": None})
    >>> "as of 15 November 2026" in footer, "<li>segment: all segments</li>" in footer
    (True, True)
    """
    from slaplan import __version__

    inputs = "".join(
        f"<li>{html.escape(name)}: {html.escape(_input_text(name, value))}</li>"
        for name, value in parameters.items()
    )
    return (
        '<div class="slaplan-footer" style="color:#555;font-size:90%"><p>'
        f"slaplan {html.escape(__version__)} computed this review as of {_date(review.as_of)}, "
        f"from these inputs:</p><ul>{inputs}</ul></div>"
    )


def _input_text(name: str, value: Any) -> str:
    if is_missing(value):
        return "all segments" if name == "segment" else "none"
    return str(value)


def _date(timestamp: Any) -> str:
    """``15 November 2026`` (no leading zero, on every platform)."""
    return f"{timestamp.day} {timestamp:%B %Y}"
