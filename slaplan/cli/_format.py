"""Numbers as the command line prints them: for people, never ``NaN`` or ``1.13e+03``.

The text of a number is :mod:`slaplan.present.formatting`'s (counts with thousands separators,
percentages, a dash for a value that does not exist); this module adds what the command line
needs around it: a probability printed beside the confidence it is judged against gets the
decimals that keep it on its side of the line (``79.98%`` beside 80%, never a contradicting
``80%``), rates and volumes in words, and :func:`table`, which renders a DataFrame with one
formatter per column (or per row, for a column such as a target that is a count in one row and
a share in the next).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from slaplan.present.formatting import (
    MISSING,
    format_count,
    format_number,
    format_percent,
    format_value,
    is_missing,
)

__all__ = [
    "count",
    "markdown_table",
    "number",
    "percent",
    "rate_text",
    "table",
    "value",
    "volume_text",
]

Formatter = Callable[[Any], str]


def count(value: Any) -> str:
    """A count (see :func:`slaplan.present.formatting.format_count`).

    >>> count(1130.4), count(float("nan"))
    ('1,130', '–')
    """
    return format_count(value)


def number(value: Any, decimals: int = 1) -> str:
    """A measurement that is not a count (an error score), with ``decimals`` decimals.

    >>> number(1234.5678, 2), number(None)
    ('1,234.57', '–')
    """
    return format_number(value, decimals=decimals)


def value(metric: str) -> Formatter:
    """The formatter of a commitment's values: a count, or a share as a percentage.

    >>> value("rate")(0.103), value("count")(251.0)
    ('10.3%', '251')
    """
    return lambda x: format_value(x, metric)


def percent(value: Any, *, beside: float | None = None, decimals: int = 0) -> str:
    """A share or probability as a percentage; ``beside`` a threshold it gets the decimals that
    keep it on the same side (so a 79.98% never prints as 80% next to an 80% confidence).

    >>> percent(0.529), percent(0.7998, beside=0.8), percent(0.8, beside=0.8), percent(None)
    ('53%', '79.98%', '80%', '–')
    """
    if is_missing(value) or beside is None:
        return format_percent(value, decimals=decimals)
    below = value < beside
    for more in range(decimals, decimals + 7):
        shown = f"{value:.{more}%}"
        if (float(shown[:-1]) / 100 < beside) == below:
            return shown
    return shown


def rate_text(rate: Any) -> str:
    """A :class:`~slaplan.plan.rates.ConversionRate` in words: mean, 90% interval, and what it
    rests on (counts, or the number of leads its certainty is worth).

    >>> from slaplan.plan.rates import ConversionRate
    >>> rate_text(ConversionRate(1269, 9278))
    '13.7% (90% interval 13.1%–14.3%; 1,269 of 9,278 converted)'
    >>> rate_text(ConversionRate.from_mean(0.138, sample_size=1206.5))
    '13.8% (90% interval 12.2%–15.5%; as sure as 1,206 leads)'
    >>> rate_text(ConversionRate.fixed(0.13))
    '13.0% (fixed)'
    """
    if rate.is_fixed:
        return f"{rate.mean:.1%} (fixed)"
    low, high = rate.interval(0.9)
    if rate.total:
        basis = f"{rate.converted:,} of {rate.total:,} converted"
    else:
        basis = f"as sure as {format_count(rate.alpha + rate.beta)} leads"
    return f"{rate.mean:.1%} (90% interval {low:.1%}–{high:.1%}; {basis})"


def volume_text(volume: Any, stage: str) -> str:
    """A :class:`~slaplan.plan.volume.VolumeModel` per month in words.

    >>> from slaplan.plan.volume import VolumeModel
    >>> volume_text(VolumeModel.negative_binomial(393.8, 14.7), "mql")
    '394 mql a month (negative binomial, dispersion 14.7, sd 105)'
    """
    shape = (
        "Poisson" if volume.is_poisson else f"negative binomial, dispersion {volume.dispersion:.3g}"
    )
    return f"{count(volume.mean)} {stage} a month ({shape}, sd {count(volume.std)})"


def table(
    frame: pd.DataFrame,
    formats: Mapping[str, Formatter],
    *,
    rows: Mapping[str, Callable[[pd.Series], Formatter]] | None = None,
    columns: list[str] | None = None,
    index: bool = True,
) -> str:
    """``frame`` as text with each column through its formatter (``str`` for the others, ``–``
    for missing values); ``rows[column](row)`` picks a formatter per row instead (from the
    whole row, so a column left out of ``columns``, the ones printed, may still decide).

    >>> frame = pd.DataFrame({"n": [1200.0, float("nan")], "p": [0.5, 0.25]})
    >>> print(table(frame, {"n": count, "p": percent}, index=False))
        n   p
    1,200 50%
        – 25%
    """
    shown = {}
    for column in columns or frame.columns:
        if rows and column in rows:
            pick = rows[column]
            text = [pick(row)(row[column]) for _, row in frame.iterrows()]
        else:
            formatter = formats.get(column, _text)
            text = [formatter(value) for value in frame[column]]
        shown[column] = text
    out = pd.DataFrame(shown, index=frame.index)
    return out.to_string(index=index)


def _text(value: Any) -> str:
    if is_missing(value) or (isinstance(value, str) and not value):
        return MISSING
    return str(value)


def markdown_table(frame: pd.DataFrame) -> str:
    """A frame of text as a Markdown table (index left out; ``|`` and line breaks escaped),
    e.g. for a pull-request comment.

    >>> print(markdown_table(pd.DataFrame({"what": ["sql count"], "target": ["50 → 60"]})))
    | what | target |
    |---|---|
    | sql count | 50 → 60 |
    """

    def cell(value: Any) -> str:
        return _text(value).replace("|", "\\|").replace("\n", " ")

    lines = [
        "| " + " | ".join(cell(c) for c in frame.columns) + " |",
        "|" + "---|" * len(frame.columns),
    ]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join(lines)
