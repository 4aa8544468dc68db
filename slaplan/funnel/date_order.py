"""Day first or month first, decided for a whole export from its values; dates that fail.

This module owns two judgements :func:`slaplan.load_leads` makes on parsed date columns
(PRODUCT.md §3):

* **The order of day and month** (:func:`decide_dayfirst`). A value that reads only one way
  decides: ``25/01/2025`` (no 25th month) is day first, ``01/25/2025`` month first, and the
  dotted ``25.01.2025`` form is day first by convention. The decision is per file: every date
  column must agree, else the file is refused, naming a column and a value of each side. A
  file whose values all read both ways as different dates (every day ≤ 12: ``01/02/2025`` is
  1 February or 2 January) is refused too, naming the column, two example values, and the way
  out (``dayfirst=True`` / ``--dayfirst``, ``dayfirst=False`` / ``--monthfirst``). ISO dates
  and values that read the same both ways (``03/03/2025``) need no decision.
* **A column that is mostly not dates** (:func:`unreadable_dates`): when more than half of a
  date column's non-empty values cannot be read (and at least ten, so a stray value in a small
  file is still one rejected row), the file's format is not one slaplan reads; the message
  names the column, the shapes of the values seen with an example of each, and the formats that
  are read.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from slaplan.errors import DataError
from slaplan.funnel.dates import DateOrder, ParsedDates, parse_datetimes, to_string_array

__all__ = ["FORMATS_READ", "decide_dayfirst", "unreadable_dates"]

FORMATS_READ = (
    "ISO YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD, M/D/YYYY or M-D-YYYY (month first), D/M/YYYY, "
    "D-M-YYYY or D.M.YYYY (day first), each with an optional time H:MM[:SS] and offset "
    "(Z, +02:00)"
)
_WAY_OUT = "pass dayfirst=True (--dayfirst) or dayfirst=False (--monthfirst)"
_MOSTLY_MIN_VALUES = 10


def decide_dayfirst(orders: Mapping[str, DateOrder], *, source: str) -> bool:
    """Whether the dates of one file are day first, from each column's evidence.

    Parameters
    ----------
    orders : mapping of str to DateOrder
        Source column name → what its values say (:attr:`ParsedDates.order`).
    source : str
        File name, for the messages.

    Returns
    -------
    bool
        ``True`` for day first; ``False`` for month first, or when no value needs a decision.

    Raises
    ------
    DataError
        Columns disagree, or every value that needs a decision reads both ways.

    Examples
    --------
    >>> decide_dayfirst({"mql_at": DateOrder(day_only=("25/01/2025",))}, source="x.csv")
    True
    >>> decide_dayfirst({"mql_at": DateOrder()}, source="x.csv")
    False
    """
    day = {column: o.day_only[0] for column, o in orders.items() if o.day_only}
    month = {column: o.month_only[0] for column, o in orders.items() if o.month_only}
    if day and month:
        (day_column, day_value), (month_column, month_value) = (
            next(iter(day.items())),
            next(iter(month.items())),
        )
        raise DataError(
            f"{source}: dates disagree on the order of day and month: {day_column!r} has "
            f"{day_value!r} (reads only day first), {month_column!r} has {month_value!r} (reads "
            f"only month first); fix the export, or {_WAY_OUT} to reject the dates that do not "
            "fit as unparseable rows"
        )
    if day or month:
        return bool(day)
    for column, order in orders.items():
        if order.ambiguous:
            examples = " and ".join(repr(v) for v in order.ambiguous)
            raise DataError(
                f"{source}: cannot tell whether dates are day first or month first: every date "
                f"in {column!r} reads both ways as different dates (e.g. {examples}); {_WAY_OUT}"
            )
    return False


def unreadable_dates(
    column: str, values: pd.Series, parsed: ParsedDates, *, dayfirst: bool
) -> str | None:
    """Why ``column`` is mostly not dates (``None`` when at most half fail, or fewer than ten).

    Parameters
    ----------
    column : str
        The source column's name.
    values : Series
        Its raw values as read.
    parsed : ParsedDates
        Its parsed values, with the order of day and month decided.
    dayfirst : bool
        The order used (the message says when the failures read the other way).

    Examples
    --------
    >>> raw = pd.Series(["13/25/2018"] * 10 + ["2018-13-45", "2018-01-02"])
    >>> message = unreadable_dates("mql_at", raw, parse_datetimes(raw), dayfirst=False)
    >>> import textwrap
    >>> print(textwrap.fill(message, 90))  # doctest: +ELLIPSIS
    column 'mql_at' is mostly not dates: 11 of 12 values cannot be read; values look like
    NN/NN/YYYY (e.g. '13/25/2018', 10 values), YYYY-NN-NN (e.g. '2018-13-45', 1 value);
    formats read: ISO YYYY-MM-DD, ...
    """
    failed = int(np.count_nonzero(parsed.failed))
    if failed < _MOSTLY_MIN_VALUES:
        return None
    present = failed + int(np.count_nonzero(~np.isnat(parsed.values)))
    if 2 * failed <= present:
        return None
    bad = pd.Series(to_string_array(values.iloc[np.flatnonzero(parsed.failed)]), dtype="str")
    message = (
        f"column {column!r} is mostly not dates: {failed:,} of {present:,} values cannot be "
        f"read; values look like {_shapes(bad)}"
    )
    other = parse_datetimes(bad, dayfirst=not dayfirst)
    if 2 * np.count_nonzero(~other.failed) > len(bad):
        flag = "dayfirst=False (--monthfirst)" if dayfirst else "dayfirst=True (--dayfirst)"
        order = "month" if dayfirst else "day"
        message += f"; most of them read {order} first: pass {flag}"
    return f"{message}; formats read: {FORMATS_READ}"


def _shapes(bad: pd.Series, top: int = 3) -> str:
    """The commonest shapes of ``bad`` values (digits as ``N``, four-digit runs as ``YYYY``),
    each with an example and its count."""
    shapes = bad.str.replace(r"\d{4}", "YYYY", regex=True).str.replace(r"\d", "N", regex=True)
    counts = shapes.value_counts(sort=True)
    parts = []
    for shape, count in counts.head(top).items():
        example = bad[shapes == shape].iloc[0]
        values = f"{count:,} value{'s' if count != 1 else ''}"
        same = shape == example  # no digit: the value itself is its shape
        parts.append(f"{example!r} ({values})" if same else f"{shape} (e.g. {example!r}, {values})")
    if len(counts) > top:
        parts.append(f"{len(counts) - top:,} other shape(s)")
    return ", ".join(parts)
