"""Parsing of the dates CRM exports write: one vectorised pass per column, nothing per row.

This module owns the date rules of the lead table:

* **Formats.** ISO (``2024-03-05``, ``2024-03-05 14:30:00``, ``2024-03-05T14:30``, fractional
  seconds), ``YYYY/MM/DD``, ``YYYYMMDD``; month first ``M/D/YYYY`` and ``M-D-YYYY``, or day first
  ``D/M/YYYY``, ``D-M-YYYY`` and ``D.M.YYYY`` (each with ``H:MM`` or ``H:MM:SS`` or no time).
  ``dayfirst`` decides the slash and dash forms with the year last (the dotted form is only ever
  day first); ISO is never ambiguous. Impossible calendar dates (``2024-02-30``) are
  unparseable, never rolled over.
* **Day or month first.** With ``dayfirst=None`` every such value is read both ways, and
  :class:`ParsedDates` carries the evidence (:class:`DateOrder`: values that read only one way,
  values that read both ways as different dates) for the caller to decide the order of a whole
  file (:mod:`slaplan.funnel.date_order`) and pick that reading with :meth:`ParsedDates.read`.
* **Time zones.** The result is always *naive* ``datetime64[ns]``. A value carrying an offset
  (``Z``, ``+02:00``) is converted to the time zone ``tz`` (default UTC) and the zone dropped;
  a naive value is taken to be in ``tz`` already. So a column mixing both is consistent, and a
  whole file of naive local times (the usual CRM export) is left exactly as written.
* **Speed.** Columns the CSV reader typed as timestamps are rescaled from the Arrow buffers (a
  year outside the ``datetime64[ns]`` range is unparseable, not wrapped). In a text column,
  every ISO-shaped value goes through one Arrow C++ cast (about 20 ns a value), the others
  masked as null; what is left is read once per distinct value, format by format with
  ``pandas.to_datetime(format=...)``, each format applied only to what earlier ones left over.

The kernel is :func:`parse_datetimes`; it returns the parsed values and a mask of the values that
were present but could not be parsed, so the caller decides what a failure means.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slaplan.funnel._date_kernels import (
    arrow_temporal_ns,
    iso_shaped,
    only,
    parse_chunks,
    take_sorted,
)

__all__ = ["DateOrder", "ParsedDates", "arrow_strings", "parse_datetimes", "to_string_array"]

_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_HAS_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"

_MONTH_FIRST = (
    "%m/%d/%Y",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m-%d-%Y",
    "%m-%d-%Y %H:%M",
    "%m-%d-%Y %H:%M:%S",
)
_DAY_FIRST = (
    "%d/%m/%Y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d-%m-%Y",
    "%d-%m-%Y %H:%M",
    "%d-%m-%Y %H:%M:%S",
    "%d.%m.%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
)
_ALWAYS = ("%Y/%m/%d", "%Y/%m/%d %H:%M:%S", "%Y%m%d")


@dataclass(frozen=True, kw_only=True)
class DateOrder:
    """What one column's values say about day/month order (up to two examples of each kind).

    Attributes
    ----------
    month_only : tuple of str
        Values that read only month first (``01/25/2025``).
    day_only : tuple of str
        Values that read only day first (``25/01/2025``, ``25.01.2025``).
    ambiguous : tuple of str
        Values that read both ways as different dates (``01/02/2025``).
    """

    month_only: tuple[str, ...] = ()
    day_only: tuple[str, ...] = ()
    ambiguous: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class _Reading:
    """The day-first reading where it differs from the month-first one (positions, values)."""

    positions: np.ndarray
    values: np.ndarray
    failed: np.ndarray


@dataclass(frozen=True, kw_only=True)
class ParsedDates:
    """Result of :func:`parse_datetimes`.

    Attributes
    ----------
    values : numpy.ndarray
        ``datetime64[ns]``, naive, ``NaT`` where the input was missing or unparseable (with
        ``dayfirst=None``: the month-first reading until :meth:`read` decides).
    failed : numpy.ndarray
        Boolean mask: the input held a non-empty value that could not be parsed.
    order : DateOrder
        The evidence on day/month order (empty unless parsed with ``dayfirst=None``).
    """

    values: np.ndarray
    failed: np.ndarray
    order: DateOrder = field(default_factory=DateOrder)
    day_first: _Reading | None = field(default=None, repr=False)

    def read(self, dayfirst: bool) -> ParsedDates:
        """These dates read day first (``True``) or month first (``False``).

        Examples
        --------
        >>> p = parse_datetimes(pd.Series(["01/02/2025", "2025-03-05"]), dayfirst=None)
        >>> p.order.ambiguous
        ('01/02/2025',)
        >>> p.read(True).values.astype("datetime64[D]").tolist()[0]
        datetime.date(2025, 2, 1)
        """
        reading = self.day_first
        if reading is None or not dayfirst:
            return ParsedDates(values=self.values, failed=self.failed, order=self.order)
        values, failed = self.values.copy(), self.failed.copy()
        values[reading.positions] = reading.values
        failed[reading.positions] = reading.failed
        return ParsedDates(values=values, failed=failed, order=self.order)


def arrow_strings(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The Arrow string data behind ``values``, without copying when it is Arrow-backed already."""
    if isinstance(values, pd.Series):
        array = values.array
        if hasattr(array, "__arrow_array__"):
            values = array.__arrow_array__()
        else:
            values = pa.array(values.astype("str").array)
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pc.cast(values, pa.large_string())
    return values


def to_string_array(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Return ``values`` as one Arrow string array, whitespace trimmed, empty strings as null."""
    values = arrow_strings(values)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    trimmed = pc.utf8_trim_whitespace(values)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)


def parse_datetimes(
    values: pd.Series | pa.Array | pa.ChunkedArray,
    *,
    dayfirst: bool | None = False,
    tz: str = "UTC",
) -> ParsedDates:
    """Parse export date strings to naive ``datetime64[ns]`` (see the module rules).

    Parameters
    ----------
    values : Series or Arrow array of str
        Raw values as read; missing and blank values stay ``NaT`` and are not failures. A
        datetime Series (numpy or Arrow-backed) is taken as parsed already.
    dayfirst : bool or None
        ``True`` reads ``05/03/2024`` and ``05-03-2024`` as 5 March, ``False`` (default) as May 3;
        ``None`` reads them both ways and leaves the choice to :meth:`ParsedDates.read`.
    tz : str
        Time zone that values carrying an offset are converted to before the zone is dropped.

    Returns
    -------
    ParsedDates

    Examples
    --------
    >>> p = parse_datetimes(pd.Series(["2024-03-05", "3/6/2024", "junk", None]))
    >>> p.values.astype("datetime64[D]").tolist()[:2], p.failed.tolist()
    ([datetime.date(2024, 3, 5), datetime.date(2024, 3, 6)], [False, False, True, False])
    """
    if isinstance(values, pd.Series) and pd.api.types.is_datetime64_any_dtype(values.dtype):
        if isinstance(values.dtype, pd.ArrowDtype):
            typed = arrow_temporal_ns(values.array.__arrow_array__())
            if typed is not None:
                return ParsedDates(values=typed[0], failed=typed[1])
            values = pd.Series(values.array.__arrow_array__().to_pandas())
        return _from_datetime_series(values, tz=tz)
    raw = arrow_strings(values)
    chunks = raw.chunks if isinstance(raw, pa.ChunkedArray) else [raw]
    shapes = [iso_shaped(chunk) for chunk in chunks]
    try:  # the usual case: one cast of every ISO-shaped value (the others masked as null)
        masked = [only(chunk, iso) for chunk, (_, iso) in zip(chunks, shapes, strict=True)]
        parsed = pc.cast(pa.chunked_array(masked, type=raw.type), pa.timestamp("ns"))
        out = np.array(parsed.to_numpy(), dtype="datetime64[ns]", copy=None)
        if not out.flags.writeable:  # a zero-copy view of Arrow's buffer
            out = out.copy()
        present = np.concatenate([np.zeros(0, bool), *(valid for valid, _ in shapes)])
        left = np.flatnonzero(present & np.isnat(out))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out, left = parse_chunks(chunks, len(raw))  # a value such as 2024-02-30 among them
    failed = np.zeros(len(raw), dtype=bool)
    if not len(left):
        return ParsedDates(values=out, failed=failed)
    # what is left is usually a handful of values: trim and inspect only those
    leftovers = _parse_leftovers(take_sorted(raw, left), dayfirst, tz)
    out[left], failed[left] = leftovers.values, leftovers.failed
    reading = leftovers.day_first
    if reading is not None:
        reading = _Reading(
            positions=left[reading.positions], values=reading.values, failed=reading.failed
        )
    return ParsedDates(values=out, failed=failed, order=leftovers.order, day_first=reading)


@dataclass(frozen=True, kw_only=True)
class _Leftovers:
    values: np.ndarray
    failed: np.ndarray
    order: DateOrder
    day_first: _Reading | None


def _parse_leftovers(
    strings: pa.Array | pa.ChunkedArray, dayfirst: bool | None, tz: str
) -> _Leftovers:
    """Values the ISO cast left (odd formats, offsets, junk): parsed values, failure mask and,
    with ``dayfirst=None``, the day-first reading where it differs and the order evidence.

    Each distinct value is read once (junk such as ``#VALUE!`` repeats), and a value with no
    digit is a failure without trying the formats.
    """
    encoded = pc.dictionary_encode(to_string_array(strings))
    distinct = encoded.dictionary
    present = np.asarray(pc.is_valid(encoded.indices), dtype=bool)
    indices = pc.fill_null(encoded.indices, 0).to_numpy()
    values = np.full(len(distinct), np.datetime64("NaT"), dtype="datetime64[ns]")
    iso = np.asarray(pc.fill_null(pc.match_substring_regex(distinct, _ISO_NAIVE), False), bool)
    if iso.any():
        values[iso] = _parse_iso_naive(distinct.filter(pa.array(iso)))
    rest = ~iso & np.asarray(pc.match_substring_regex(distinct, r"\d"), dtype=bool)
    day = values.copy() if dayfirst is None else values
    if rest.any():
        _parse_other(distinct, rest, values, dayfirst=bool(dayfirst), tz=tz)
        if dayfirst is None:
            _parse_other(distinct, rest, day, dayfirst=True, tz=tz)
    if not len(distinct):
        empty = np.full(len(indices), np.datetime64("NaT"), dtype="datetime64[ns]")
        return _Leftovers(values=empty, failed=present, order=DateOrder(), day_first=None)
    out = np.where(present, values[indices], np.datetime64("NaT"))
    if dayfirst is not None:
        return _Leftovers(values=out, failed=present & np.isnat(out), order=DateOrder(),
                          day_first=None)  # fmt: skip
    differs = present & (values.view(np.int64) != day.view(np.int64))[indices]
    rows = np.flatnonzero(differs)
    day_values = day[indices[rows]]
    reading = _Reading(positions=rows, values=day_values, failed=np.isnat(day_values))
    return _Leftovers(
        values=out,
        failed=present & np.isnat(out),
        order=_order_evidence(distinct, values, day),
        day_first=reading if len(rows) else None,
    )


def _order_evidence(distinct: pa.Array, month: np.ndarray, day: np.ndarray) -> DateOrder:
    """Examples of the distinct values that read one way only, or both ways differently."""
    month_ok, day_ok = ~np.isnat(month), ~np.isnat(day)
    differ = month_ok & day_ok & (month.view(np.int64) != day.view(np.int64))

    def examples(mask: np.ndarray) -> tuple[str, ...]:
        return tuple(distinct.take(pa.array(np.flatnonzero(mask)[:2])).to_pylist())

    return DateOrder(
        month_only=examples(month_ok & ~day_ok),
        day_only=examples(day_ok & ~month_ok),
        ambiguous=examples(differ),
    )


def _parse_iso_naive(strings: pa.Array) -> np.ndarray:
    try:
        parsed = pc.cast(strings, pa.timestamp("ns"))
        return parsed.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # an impossible date such as 2024-02-30 somewhere in the column: validate per value
        series = pd.Series(strings.to_pandas(), dtype="str")
        parsed = pd.to_datetime(series, format="ISO8601", errors="coerce")
        return parsed.to_numpy(dtype="datetime64[ns]")


def _parse_other(
    strings: pa.Array, left: np.ndarray, out: np.ndarray, *, dayfirst: bool, tz: str
) -> None:
    """Fill ``out`` where ``left`` by trying each format on what is still unparsed."""
    positions = np.flatnonzero(left)
    series = pd.Series(strings.filter(pa.array(left)).to_pandas(), dtype="str")
    offset = series.str.contains(_HAS_OFFSET, regex=True).to_numpy(dtype=bool)
    if offset.any():
        aware = pd.to_datetime(series[offset], format="ISO8601", errors="coerce", utc=True)
        out[positions[offset]] = (
            aware.dt.tz_convert(tz).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
        )
    todo = ~offset
    for fmt in (_DAY_FIRST if dayfirst else _MONTH_FIRST) + _ALWAYS:
        if not todo.any():
            return
        parsed = pd.to_datetime(series[todo], format=fmt, errors="coerce")
        ok = parsed.notna().to_numpy()
        if ok.any():
            idx = np.flatnonzero(todo)[ok]
            out[positions[idx]] = parsed[ok].to_numpy(dtype="datetime64[ns]")
            todo[idx] = False


def _from_datetime_series(values: pd.Series, *, tz: str) -> ParsedDates:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(tz).dt.tz_localize(None)
    out = values.to_numpy(dtype="datetime64[ns]")
    return ParsedDates(values=out, failed=np.zeros(len(out), dtype=bool))
