"""Parsing of the dates CRM exports write: one vectorised pass per column, nothing per row.

This module owns the date rules of the lead table:

* **Formats.** ISO (``2024-03-05``, ``2024-03-05 14:30:00``, ``2024-03-05T14:30``, fractional
  seconds), US ``M/D/YYYY`` (with ``H:MM`` or ``H:MM:SS``), and with ``dayfirst=True`` the European
  ``D/M/YYYY``, ``D-M-YYYY`` and ``D.M.YYYY`` (with or without time). ``dayfirst`` decides the
  slash and dash forms with the year last; ISO is never ambiguous. Impossible calendar dates
  (``2024-02-30``) are unparseable, never rolled over.
* **Time zones.** The result is always *naive* ``datetime64[ns]``. A value carrying an offset
  (``Z``, ``+02:00``) is converted to the time zone ``tz`` (default UTC) and the zone dropped;
  a naive value is taken to be in ``tz`` already. So a column mixing both is consistent, and a
  whole file of naive local times (the usual CRM export) is left exactly as written.
* **Speed.** Naive ISO values go through Arrow's C++ cast (about 40 ns a value); the remaining
  values are tried format by format with ``pandas.to_datetime(format=...)``, each format applied
  only to what earlier formats left over.

The kernel is :func:`parse_datetimes`; it returns the parsed values and a mask of the values that
were present but could not be parsed, so the caller decides what a failure means.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ParsedDates", "arrow_strings", "parse_datetimes", "to_string_array"]

_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_HAS_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"

_ISO_BY_LENGTH = {10: "%Y-%m-%d", 16: "%Y-%m-%d %H:%M", 19: "%Y-%m-%d %H:%M:%S"}
_MONTH_FIRST = ("%m/%d/%Y", "%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m-%d-%Y", "%m-%d-%Y %H:%M")
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
class ParsedDates:
    """Result of :func:`parse_datetimes`.

    Attributes
    ----------
    values : numpy.ndarray
        ``datetime64[ns]``, naive, ``NaT`` where the input was missing or unparseable.
    failed : numpy.ndarray
        Boolean mask: the input held a non-empty value that could not be parsed.
    """

    values: np.ndarray
    failed: np.ndarray


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
    values: pd.Series | pa.Array | pa.ChunkedArray, *, dayfirst: bool = False, tz: str = "UTC"
) -> ParsedDates:
    """Parse export date strings to naive ``datetime64[ns]`` (see the module rules).

    Parameters
    ----------
    values : Series or Arrow array of str
        Raw values as read; missing and blank values stay ``NaT`` and are not failures.
    dayfirst : bool
        Read ``05/03/2024`` and ``05-03-2024`` as 5 March (default: May 3).
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
        return _from_datetime_series(values, tz=tz)
    raw = arrow_strings(values)
    fast = _clean_iso_column(raw)
    if fast is not None:
        return ParsedDates(values=fast, failed=np.zeros(len(fast), dtype=bool))
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    out = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    _parse_iso_by_length(raw, out)
    # what is left is usually a handful of values: trim and inspect only those
    left = np.flatnonzero(np.asarray(raw.is_valid(), dtype=bool) & np.isnat(out))
    subset = to_string_array(raw.take(pa.array(left)))
    present = np.asarray(subset.is_valid(), dtype=bool)
    sub_out = np.full(len(subset), np.datetime64("NaT"), dtype="datetime64[ns]")
    iso = np.asarray(pc.fill_null(pc.match_substring_regex(subset, _ISO_NAIVE), False), bool)
    if iso.any():
        sub_out[iso] = _parse_iso_naive(subset.filter(pa.array(iso)))
    rest = present & ~iso
    if rest.any():
        _parse_other(subset, rest, sub_out, dayfirst=dayfirst, tz=tz)
    out[left] = sub_out
    failed = np.zeros(len(raw), dtype=bool)
    failed[left] = present & np.isnat(sub_out)
    return ParsedDates(values=out, failed=failed)


def _clean_iso_column(strings: pa.Array | pa.ChunkedArray) -> np.ndarray | None:
    """The whole column through Arrow's ISO cast, or ``None`` if any value needs a closer look."""
    try:
        parsed = pc.cast(strings, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return parsed.to_numpy().astype("datetime64[ns]", copy=False)


def _parse_iso_by_length(strings: pa.Array, out: np.ndarray) -> None:
    """Fill ``out`` with the clean naive ISO values, one Arrow cast per value length.

    A dirty column usually holds a few odd values among clean ISO ones; grouping by length lets
    the clean groups go through the fast cast. A group that fails (say one ``2024-02-30``) is read
    with its strict format and kept only where formatting the result back gives the same text.
    Anything not filled here is left for the caller's closer look.
    """
    lengths = pc.fill_null(pc.utf8_length(strings), 0).to_numpy(zero_copy_only=False)
    for length in np.flatnonzero(np.bincount(lengths)):
        if not 10 <= length <= 29:  # "2024-03-05" up to nanosecond fractions
            continue
        rows = lengths == length
        group = strings.filter(pa.array(rows))
        try:
            out[rows] = pc.cast(group, pa.timestamp("ns")).to_numpy(zero_copy_only=False)
            continue
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
        fmt = _ISO_BY_LENGTH.get(int(length))
        if fmt is None:
            continue
        parsed = pc.strptime(group, format=fmt, unit="ns", error_is_null=True)
        same = pc.fill_null(pc.equal(pc.strftime(parsed, format=fmt), group), False)
        keep = np.asarray(same, dtype=bool)
        out[np.flatnonzero(rows)[keep]] = parsed.filter(same).to_numpy(zero_copy_only=False)


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
