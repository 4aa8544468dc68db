"""Numbers as the command line prints them: for people, never ``NaN`` or ``1.13e+03``.

Counts are whole numbers with thousands separators (``1,130``), rates and probabilities are
percentages (``53%``), a value that does not exist is a dash (``–``). A probability printed
beside the confidence it is judged against gets the decimals that keep it on its side of the
line (``79.98%`` beside 80%, never a contradicting ``80%``). :func:`table` renders a
DataFrame with one formatter per column (or per row, for mixed columns such as a target that
is a count in one row and a share in the next).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

__all__ = ["MISSING", "count", "number", "percent", "rate_text", "table", "volume_text"]

MISSING = "–"


def _absent(value: Any) -> bool:
    return value is None or (isinstance(value, float | int) and math.isnan(value))


def count(value: Any) -> str:
    """A count: rounded, thousands separated; ``–`` when missing, ``none`` when infinite.

    >>> count(1130.4), count(float("nan")), count(float("inf"))
    ('1,130', '–', 'none')
    """
    if _absent(value):
        return MISSING
    if math.isinf(value):
        return "none"
    return f"{round(value):,}"


def number(value: Any, decimals: int = 1) -> str:
    """A measurement that is not a count (an error score): fixed decimals, separators.

    >>> number(1234.5678, 2), number(None)
    ('1,234.57', '–')
    """
    return MISSING if _absent(value) else f"{value:,.{decimals}f}"


def percent(value: Any, *, beside: float | None = None, decimals: int = 0) -> str:
    """A share or probability as a percentage; ``beside`` a threshold it gets the decimals that
    keep it on the same side (so a 79.98% never prints as 80% next to an 80% confidence).

    >>> percent(0.529), percent(0.7998, beside=0.8), percent(0.8, beside=0.8), percent(None)
    ('53%', '79.98%', '80%', '–')
    """
    if _absent(value):
        return MISSING
    shown = f"{value:.{decimals}%}"
    if beside is None:
        return shown
    below = value < beside
    for more in range(decimals, decimals + 7):
        shown = f"{value:.{more}%}"
        if (float(shown[:-1]) / 100 < beside) == below:
            return shown
    return shown


def rate_text(rate: Any) -> str:
    """A :class:`~slaplan.plan.rates.ConversionRate` in words: mean, 90% interval, counts.

    >>> from slaplan.plan.rates import ConversionRate
    >>> rate_text(ConversionRate(1269, 9278))
    '13.7% (90% interval 13.1%–14.3%; 1,269 of 9,278 converted)'
    >>> rate_text(ConversionRate.fixed(0.13))
    '13.0% (typed, fixed)'
    """
    if rate.is_fixed:
        return f"{rate.mean:.1%} (typed, fixed)"
    low, high = rate.interval(0.9)
    return (
        f"{rate.mean:.1%} (90% interval {low:.1%}–{high:.1%}; "
        f"{rate.converted:,} of {rate.total:,} converted)"
    )


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


Formatter = Callable[[Any], str]


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
    if _absent(value) or (isinstance(value, str) and not value):
        return MISSING
    return str(value)
