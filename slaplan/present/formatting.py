"""Numbers written for people: counts, percentages, changes and test results in words.

Owns the *text of a number* concept shared by the review report, the dashboards and the
notebooks: a count is an integer with thousands separators (``1,130``), a rate or probability a
percentage (``53%``, ``12.3%``), a statistical test a phrase (``up 35%, very unlikely to be
chance``), and a missing value a dash or the reason it is missing — never ``nan``, ``1.13e+03``
or ``0.576635``. Every function is pure (numbers in, ``str`` out) and safe on NaN, None and
infinity.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import pandas as pd

__all__ = [
    "MISSING",
    "chance_words",
    "change_words",
    "format_count",
    "format_number",
    "format_percent",
    "format_signed",
    "format_value",
    "is_missing",
    "period_name",
]

MISSING = "–"  # an en dash: the value does not exist (or is not known)
Kind = Literal["count", "share"]
_SHARE_METRICS = frozenset({"rate", "response_time", "share"})
# Holm-adjusted p-values in words: the thresholds of the usual reporting scale
_CHANCE = ((0.001, "very unlikely to be chance"), (0.01, "unlikely to be chance"),
           (0.05, "probably not chance"))  # fmt: skip


def is_missing(value: Any) -> bool:
    """True for None, NaN, ``pd.NA`` and ``pd.NaT`` (not for infinity).

    Examples
    --------
    >>> is_missing(float("nan")), is_missing(None), is_missing(0.0), is_missing(float("inf"))
    (True, True, False, False)
    """
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array is not one missing value
        return False


def format_count(value: Any, *, missing: str = MISSING) -> str:
    """A count as an integer with thousands separators (rounded half to even).

    Examples
    --------
    >>> format_count(1130.0), format_count(42.6), format_count(float("nan"))
    ('1,130', '43', '–')
    >>> format_count(float("inf"))
    'unbounded'
    """
    if is_missing(value):
        return missing
    number = float(value)
    if math.isinf(number):
        return "unbounded"
    return f"{round(number):,}"


def format_percent(value: Any, *, decimals: int = 0, missing: str = MISSING) -> str:
    """A share in [0, 1] as a percentage with ``decimals`` decimals.

    A share that rounds to 0% or 100% without being exactly 0 or 1 is written ``<1%`` or
    ``>99%`` (``<0.1%``/``>99.9%`` with one decimal), so that "100%" always means certain.

    Examples
    --------
    >>> format_percent(0.529), format_percent(0.12, decimals=1), format_percent(1.0)
    ('53%', '12.0%', '100%')
    >>> format_percent(0.998), format_percent(0.002), format_percent(None)
    ('>99%', '<1%', '–')
    """
    if is_missing(value):
        return missing
    share = float(value)
    step = 10.0**-decimals
    shown = round(100 * share, decimals)
    if 0 < share < 1 and shown >= 100:
        return f">{100 - step:.{decimals}f}%"
    if 0 < share < 1 and shown <= 0:
        return f"<{step:.{decimals}f}%"
    return f"{shown:.{decimals}f}%"


def format_number(value: Any, *, decimals: int | None = 1, missing: str = MISSING) -> str:
    """A measurement with thousands separators and ``decimals`` decimals.

    With ``decimals=None`` the precision follows the size, never more than 3 decimals and
    without trailing zeros: 0 decimals from 100, 1 from 10, 2 from 1, else 3.

    Examples
    --------
    >>> format_number(88.39999999999999), format_number(4727.2554, decimals=0)
    ('88.4', '4,727')
    >>> [format_number(x, decimals=None) for x in (0.85, 1 / 3, 53.94, 365.35, 2.5)]
    ['0.85', '0.333', '53.9', '365', '2.5']
    """
    if is_missing(value):
        return missing
    number = float(value)
    if math.isinf(number):
        return "unbounded"
    if decimals is not None:
        return f"{number:,.{decimals}f}"
    size = abs(number)
    places = 0 if size >= 100 else 1 if size >= 10 else 2 if size >= 1 else 3
    text = f"{number:,.{places}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_signed(value: Any, *, missing: str = MISSING) -> str:
    """A count that can be negative, with its sign (a minus sign, not a hyphen).

    Examples
    --------
    >>> format_signed(97.1), format_signed(-177.1), format_signed(0.2)
    ('+97', '−177', '0')
    """
    if is_missing(value):
        return missing
    rounded = round(float(value))
    if rounded == 0:
        return "0"
    return f"{rounded:+,}".replace("-", "−")


def format_value(value: Any, metric: str, *, missing: str = MISSING) -> str:
    """A commitment's value in its own unit: a count, or a share as a percentage.

    ``metric`` is a commitment metric (``count``, ``worked``: counts; ``rate``,
    ``response_time``: shares shown with one decimal).

    Examples
    --------
    >>> format_value(553.0, "count"), format_value(0.122857, "rate")
    ('553', '12.3%')
    """
    if metric in _SHARE_METRICS:
        return format_percent(value, decimals=1, missing=missing)
    return format_count(value, missing=missing)


def chance_words(p_value: Any) -> str:
    """How a (multiplicity-adjusted) p-value reads in words.

    Examples
    --------
    >>> chance_words(8.4e-36), chance_words(0.03), chance_words(0.69)
    ('very unlikely to be chance', 'probably not chance', 'could well be chance')
    >>> chance_words(float("nan"))
    'not tested'
    """
    if is_missing(p_value):
        return "not tested"
    for threshold, words in _CHANCE:
        if float(p_value) < threshold:
            return words
    return "could well be chance"


def change_words(before: Any, after: Any, *, kind: Kind, p_value: Any = None) -> str:
    """A change between two values in words: direction, size and, if tested, chance.

    Counts change by a relative amount (``up 35%``), shares by percentage points
    (``down 17 points``).

    Examples
    --------
    >>> change_words(300, 405, kind="count", p_value=8.4e-36)
    'up 35%, very unlikely to be chance'
    >>> change_words(0.8385, 0.6671, kind="share", p_value=0.0)
    'down 17 points, very unlikely to be chance'
    >>> change_words(0.12, 0.12, kind="share")
    'no change'
    """
    if is_missing(before) or is_missing(after):
        return "not measured"
    before, after = float(before), float(after)
    if kind == "share":
        size = round(100 * abs(after - before))
        amount = f"{size} point" + ("" if size == 1 else "s")
    elif before == 0:
        size = round(after)
        amount = f"from 0 to {format_count(after)}"
    else:
        size = round(100 * abs(after / before - 1))
        amount = f"{size}%"
    if size == 0:
        words = "no change"
    else:
        direction = "up" if after > before else "down"
        words = amount if amount.startswith("from") else f"{direction} {amount}"
    return words if p_value is None else f"{words}, {chance_words(p_value)}"


def period_name(period: Any) -> str:
    """A period as people say it: ``December 2026`` for a month, ``Q1 2027`` for a quarter.

    Examples
    --------
    >>> import pandas as pd
    >>> period_name(pd.Period("2026-12", "M")), period_name(pd.Period("2027Q1", "Q"))
    ('December 2026', 'Q1 2027')
    >>> period_name(None)
    '–'
    """
    if is_missing(period):
        return MISSING
    period = pd.Period(period)
    if period.freqstr.startswith("Q"):
        return f"Q{period.quarter} {period.year}"
    if period.freqstr.startswith("M"):
        return f"{period.start_time:%B %Y}"
    return str(period)
