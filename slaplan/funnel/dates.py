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
* **Speed.** Columns the CSV reader typed as timestamps are rescaled from the Arrow buffers (a
  year outside the ``datetime64[ns]`` range is unparseable, not wrapped). In a text column,
  every ISO-shaped value goes through one Arrow C++ cast (about 20 ns a value), the others
  masked as null; what is left is read once per distinct value, format by format with
  ``pandas.to_datetime(format=...)``, each format applied only to what earlier ones left over.

The kernel is :func:`parse_datetimes`; it returns the parsed values and a mask of the values that
were present but could not be parsed, so the caller decides what a failure means.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ParsedDates", "arrow_strings", "parse_datetimes", "to_string_array"]

_ISO_NAIVE = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?$"
_HAS_OFFSET = r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})$"

_NAT = np.iinfo(np.int64).min
_NS_PER_DAY = 86_400 * 10**9
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
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
        Raw values as read; missing and blank values stay ``NaT`` and are not failures. A
        datetime Series (numpy or Arrow-backed) is taken as parsed already.
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
        if isinstance(values.dtype, pd.ArrowDtype):
            return _from_arrow_temporal(values.array.__arrow_array__(), tz=tz)
        return _from_datetime_series(values, tz=tz)
    raw = arrow_strings(values)
    chunks = raw.chunks if isinstance(raw, pa.ChunkedArray) else [raw]
    shapes = [_iso_shaped(chunk) for chunk in chunks]
    try:  # the usual case: one cast of every ISO-shaped value (the others masked as null)
        masked = [_only(chunk, iso) for chunk, (_, iso) in zip(chunks, shapes, strict=True)]
        parsed = pc.cast(pa.chunked_array(masked, type=raw.type), pa.timestamp("ns"))
        out = np.array(parsed.to_numpy(), dtype="datetime64[ns]", copy=None)
        if not out.flags.writeable:  # a zero-copy view of Arrow's buffer
            out = out.copy()
        present = np.concatenate([np.zeros(0, bool), *(valid for valid, _ in shapes)])
        left = np.flatnonzero(present & np.isnat(out))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out, left = _parse_chunks(chunks, len(raw))  # a value such as 2024-02-30 among them
    failed = np.zeros(len(raw), dtype=bool)
    if len(left):
        # what is left is usually a handful of values: trim and inspect only those
        out[left], failed[left] = _parse_leftovers(_take_sorted(raw, left), dayfirst, tz)
    return ParsedDates(values=out, failed=failed)


def _take_sorted(strings: pa.Array | pa.ChunkedArray, positions: np.ndarray) -> pa.Array:
    """The values at sorted ``positions``, chunk by chunk (Arrow's take on a chunked string
    column first concatenates all of it)."""
    if not isinstance(strings, pa.ChunkedArray):
        return strings.take(pa.array(positions))
    starts = np.cumsum([0] + [len(chunk) for chunk in strings.chunks])
    bounds = np.searchsorted(positions, starts)
    parts = [
        chunk.take(pa.array(positions[bounds[k] : bounds[k + 1]] - starts[k]))
        for k, chunk in enumerate(strings.chunks)
        if bounds[k + 1] > bounds[k]
    ]
    return pa.concat_arrays(parts) if parts else pa.array([], strings.type)


def _parse_chunks(chunks: list[pa.Array], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Clean ISO values chunk by chunk, a spoiling value costing only its chunk a closer look
    (Arrow's cast releases the GIL: two threads share the chunks); values and the positions
    left unparsed."""
    out = np.empty(n, dtype=np.int64)
    starts = np.cumsum([0] + [len(chunk) for chunk in chunks])
    with ThreadPoolExecutor(max_workers=_workers(n)) as pool:
        lefts = pool.map(
            lambda k: starts[k] + _parse_iso_chunk(chunks[k], out[starts[k] : starts[k + 1]]),
            range(len(chunks)),
        )
        left = np.concatenate([np.zeros(0, np.int64), *lefts])
    return out.view("datetime64[ns]"), left


def _iso_shaped(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Present values, and those shaped like ISO dates: 10 to 29 characters (``2024-03-05`` up
    to ns fractions) with dashes at the 5th and 8th; padded or odd values are left for the
    closer look."""
    valid = _validity(strings)
    data = strings.buffers()[2]
    if data is None or data.size == 0:
        return valid, np.zeros(len(strings), dtype=bool)
    offsets_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets = np.frombuffer(strings.buffers()[1], dtype=offsets_type)
    offsets = offsets[strings.offset : strings.offset + len(strings) + 1]
    lengths = np.diff(offsets) * valid
    shaped = (lengths >= 10) & (lengths <= 29)
    text = np.frombuffer(data, dtype=np.uint8)
    for at in (4, 7):
        shaped &= text[np.minimum(offsets[:-1] + at, text.size - 1)] == ord("-")
    return valid, shaped


def _workers(rows: int) -> int:
    return 1 if rows < 200_000 else min(2, os.cpu_count() or 1)


def _parse_leftovers(
    strings: pa.Array | pa.ChunkedArray, dayfirst: bool, tz: str
) -> tuple[np.ndarray, np.ndarray]:
    """Values the ISO cast left (odd formats, offsets, junk): parsed values and failure mask.

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
    if rest.any():
        _parse_other(distinct, rest, values, dayfirst=dayfirst, tz=tz)
    if not len(distinct):
        return np.full(len(indices), np.datetime64("NaT"), dtype="datetime64[ns]"), present
    out = np.where(present, values[indices], np.datetime64("NaT"))
    return out, present & np.isnat(out)


def _validity(array: pa.Array) -> np.ndarray:
    """Boolean mask of the non-null slots of one Arrow array (no Python per value)."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    bitmap = np.frombuffer(array.buffers()[0], dtype=np.uint8)
    bits = np.unpackbits(bitmap, bitorder="little", count=array.offset + len(array))
    return bits[array.offset :].view(bool)


def _parse_iso_chunk(strings: pa.Array, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` (int64 ns) with the clean naive ISO values of one chunk, ``NaT`` elsewhere;
    return the positions of present values left unparsed.

    A dirty column usually holds a few odd values among clean ISO ones. Values of an ISO length
    (10 to 29 characters) go through Arrow's fast cast together, the others masked as null;
    if one of them spoils the cast (say ``2024-02-30``), the chunk is cast one length at a time
    and a failing length is read with its strict format, kept only where formatting the result
    back gives the same text.
    """
    valid = _validity(strings)
    offsets_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets = np.frombuffer(strings.buffers()[1], dtype=offsets_type)
    lengths = np.diff(offsets[strings.offset : strings.offset + len(strings) + 1]) * valid
    plausible = (lengths >= 10) & (lengths <= 29)  # "2024-03-05" up to ns fractions
    try:
        parsed = pc.cast(_only(strings, plausible), pa.timestamp("ns"))
        values = np.frombuffer(parsed.buffers()[1], dtype=np.int64, count=len(parsed))
        np.copyto(out, values)
        out[np.flatnonzero(~plausible)] = _NAT  # a scatter: a select on a random mask is slower
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out[:] = _NAT
        for length in np.unique(lengths[plausible]):
            _parse_iso_length(strings, lengths == length, int(length), out)
    return np.flatnonzero(valid & (out == _NAT))


def _parse_iso_length(strings: pa.Array, rows: np.ndarray, length: int, out: np.ndarray) -> None:
    """Fill ``out`` where ``rows`` (values of one ``length``) with those that read as ISO."""
    group = _only(strings, rows)
    try:
        parsed = pc.cast(group, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = _strict_iso(group, length)
        if parsed is None:
            return
    values = np.frombuffer(parsed.buffers()[1], dtype=np.int64, count=len(parsed))
    np.copyto(out, values, where=_validity(parsed))


def _only(strings: pa.Array, rows: np.ndarray) -> pa.Array:
    """``strings`` with every slot outside ``rows`` null (same data buffers, no copy)."""
    bits = np.concatenate([np.zeros(strings.offset, dtype=bool), rows])
    bitmap = pa.py_buffer(np.packbits(bits, bitorder="little"))
    _, offsets, data = strings.buffers()
    return pa.Array.from_buffers(
        strings.type, len(strings), [bitmap, offsets, data], offset=strings.offset
    )


def _strict_iso(group: pa.Array, length: int) -> pa.Array | None:
    """Values of one length read with their strict ISO format, null where formatting the result
    back does not give the same text (``2024-02-30`` is not rolled over to March)."""
    fmt = _ISO_BY_LENGTH.get(length)
    if fmt is None:
        return None
    parsed = pc.strptime(group, format=fmt, unit="ns", error_is_null=True)
    same = pc.fill_null(pc.equal(pc.strftime(parsed, format=fmt), group), False)
    return pc.if_else(same, parsed, pa.scalar(None, parsed.type))


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


def _from_arrow_temporal(values: pa.ChunkedArray, *, tz: str) -> ParsedDates:
    """Naive ns values of an Arrow timestamp/date column (as typed by the CSV reader).

    Naive timestamps and dates are rescaled straight from the Arrow buffers; a value outside
    the ``datetime64[ns]`` range (years before 1678 or after 2261) is a failure, not an
    overflow. Zoned columns take the pandas route.
    """
    kind = values.type
    if pa.types.is_timestamp(kind) and kind.tz is None:
        step_ns, item = _UNIT_NS[kind.unit], np.int64
    elif pa.types.is_date32(kind):
        step_ns, item = _NS_PER_DAY, np.int32
    else:
        return _from_datetime_series(pd.Series(values.to_pandas()), tz=tz)
    out = np.empty(len(values), dtype=np.int64)
    failed = np.zeros(len(values), dtype=bool)
    bound = np.iinfo(np.int64).max // step_ns
    start = 0
    for chunk in values.chunks:
        stop = start + len(chunk)
        raw = np.frombuffer(
            chunk.buffers()[1], dtype=item, count=len(chunk), offset=chunk.offset * item().itemsize
        )
        usable = _validity(chunk)
        if step_ns > 1 and (raw.max(initial=0) > bound or raw.min(initial=0) < -bound):
            failed[start:stop] = usable & ((raw > bound) | (raw < -bound))
            usable &= ~failed[start:stop]
        part = out[start:stop]
        if 2 * chunk.null_count > len(chunk):  # mostly missing: NaT, then the few values
            part[:] = _NAT
            rows = np.flatnonzero(usable)
            part[rows] = raw[rows].astype(np.int64) * step_ns
        else:  # scatters, not a select: the missing slots are random, a select is slower
            np.multiply(raw, step_ns, out=part, dtype=np.int64)
            if chunk.null_count or failed[start:stop].any():
                part[np.flatnonzero(~usable)] = _NAT
        start = stop
    return ParsedDates(values=out.view("datetime64[ns]"), failed=failed)


def _from_datetime_series(values: pd.Series, *, tz: str) -> ParsedDates:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_convert(tz).dt.tz_localize(None)
    out = values.to_numpy(dtype="datetime64[ns]")
    return ParsedDates(values=out, failed=np.zeros(len(out), dtype=bool))
