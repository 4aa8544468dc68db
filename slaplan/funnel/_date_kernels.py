"""The fast paths of date parsing: Arrow buffers and casts, no Python per value.

This module owns the vectorised kernels behind :func:`slaplan.funnel.dates.parse_datetimes`:
the ISO shape test on a string column's raw bytes, the one Arrow cast of every ISO-shaped value
(and its chunk-by-chunk fallback when a value such as ``2024-02-30`` spoils it), and the rescale
of columns the CSV reader typed as timestamps. Values these kernels leave unparsed go back to
:mod:`slaplan.funnel.dates` for the format-by-format look. Beside them, the counting kernels of
parsed times: month codes (:func:`month_codes`) and counts per day (:func:`day_counts`).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "NO_PERIOD",
    "arrow_temporal_ns",
    "day_counts",
    "iso_shaped",
    "month_codes",
    "only",
    "parse_chunks",
    "take_sorted",
    "validity",
]

_NAT = np.iinfo(np.int64).min
NO_PERIOD = _NAT
"""Period code of a missing timestamp (the int64 of ``NaT``)."""
_NS_PER_DAY = 86_400 * 10**9
_UNIT_NS = {"s": 10**9, "ms": 10**6, "us": 10**3, "ns": 1}
_ISO_BY_LENGTH = {10: "%Y-%m-%d", 16: "%Y-%m-%d %H:%M", 19: "%Y-%m-%d %H:%M:%S"}


def take_sorted(strings: pa.Array | pa.ChunkedArray, positions: np.ndarray) -> pa.Array:
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


def parse_chunks(chunks: list[pa.Array], n: int) -> tuple[np.ndarray, np.ndarray]:
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


def iso_shaped(strings: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Present values, and those shaped like ISO dates: 10 to 29 characters (``2024-03-05`` up
    to ns fractions) with dashes at the 5th and 8th; padded or odd values are left for the
    closer look."""
    valid = validity(strings)
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


def validity(array: pa.Array) -> np.ndarray:
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
    valid = validity(strings)
    offsets_type = np.int64 if pa.types.is_large_string(strings.type) else np.int32
    offsets = np.frombuffer(strings.buffers()[1], dtype=offsets_type)
    lengths = np.diff(offsets[strings.offset : strings.offset + len(strings) + 1]) * valid
    plausible = (lengths >= 10) & (lengths <= 29)  # "2024-03-05" up to ns fractions
    try:
        parsed = pc.cast(only(strings, plausible), pa.timestamp("ns"))
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
    group = only(strings, rows)
    try:
        parsed = pc.cast(group, pa.timestamp("ns"))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        parsed = _strict_iso(group, length)
        if parsed is None:
            return
    values = np.frombuffer(parsed.buffers()[1], dtype=np.int64, count=len(parsed))
    np.copyto(out, values, where=validity(parsed))


def only(strings: pa.Array, rows: np.ndarray) -> pa.Array:
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


def arrow_temporal_ns(values: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray] | None:
    """Naive ns values and failure mask of an Arrow timestamp/date column (as typed by the CSV
    reader); ``None`` for a zoned column (the caller takes the pandas route).

    Naive timestamps and dates are rescaled straight from the Arrow buffers; a value outside
    the ``datetime64[ns]`` range (years before 1678 or after 2261) is a failure, not an
    overflow.
    """
    kind = values.type
    if pa.types.is_timestamp(kind) and kind.tz is None:
        step_ns, item = _UNIT_NS[kind.unit], np.int64
    elif pa.types.is_date32(kind):
        step_ns, item = _NS_PER_DAY, np.int32
    else:
        return None
    out = np.empty(len(values), dtype=np.int64)
    failed = np.zeros(len(values), dtype=bool)
    bound = np.iinfo(np.int64).max // step_ns
    start = 0
    for chunk in values.chunks:
        stop = start + len(chunk)
        raw = np.frombuffer(
            chunk.buffers()[1], dtype=item, count=len(chunk), offset=chunk.offset * item().itemsize
        )
        usable = validity(chunk)
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
    return out.view("datetime64[ns]"), failed


def month_codes(ns: np.ndarray, *, complete: bool = False) -> np.ndarray:
    """Month ordinals of int64 nanosecond times (NaT → ``NO_PERIOD``): days by integer
    division, then a lookup table of the month of each day in the data's range (numpy's own
    ``datetime64[M]`` conversion does the calendar arithmetic per value, several times slower).
    Branch-free passes only: missing values are scattered at random, which makes masked
    selections slow. ``complete``: the caller knows that no time is missing (the passes that
    set NaT apart are skipped)."""
    if not len(ns) or (not complete and ns.max() == NO_PERIOD):  # NaT: the smallest int64
        return np.full(len(ns), NO_PERIOD, dtype=np.int64)
    if complete:
        first = int(ns.min()) // _NS_PER_DAY
        last = int(ns.max()) // _NS_PER_DAY
    else:  # NaT is the smallest int64: ns - 1 wraps it round to the largest, out of the way
        first = (int((ns - 1).min()) + 1) // _NS_PER_DAY
        last = int(ns.max()) // _NS_PER_DAY
    months = np.arange(first, last + 1).astype("datetime64[D]").astype("datetime64[M]")
    table = np.append(months.astype("int64"), NO_PERIOD)  # the last entry for missing values
    days = ns // _NS_PER_DAY
    days -= first
    if not complete:
        np.maximum(days, -1, out=days)  # NaT is hugely negative: index -1 picks NO_PERIOD
    return table[days]


def day_counts(ns: np.ndarray, low: int, high: int) -> np.ndarray:
    """Int64 nanosecond times in ``[low, high]`` (both included) counted per day, the first
    count being the day holding ``low``; ``NaT`` and times outside are not counted.

    Branch-free like :func:`month_codes`: one subtraction, clip and division per value and a
    bincount, no masked selection. Times outside the range (``NaT`` and those before ``low``
    wrap round to huge unsigned offsets) are clipped to the nanosecond after ``high``: counted
    past the last day and dropped when ``high`` ends its day, else taken back out of the last
    day's count (one more pass, only then).

    >>> day = _NS_PER_DAY
    >>> day_counts(np.array([0, day // 2, day + 1, 3 * day, _NAT]), day // 2, 2 * day).tolist()
    [1, 1, 0]
    >>> day_counts(np.array([day + 5, day + 9, day + 10]), day, day + 9).tolist()  # (mid-day)
    [2]
    """
    start = low - low % _NS_PER_DAY  # midnight of the first day
    days = (high - start) // _NS_PER_DAY + 1
    offsets = (np.asarray(ns, dtype=np.int64) - low).view(np.uint64)
    after = np.uint64(high - low + 1)  # every time outside: the nanosecond after high
    np.minimum(offsets, after, out=offsets)
    outside = 0
    if (high + 1) % _NS_PER_DAY:  # high is not the last nanosecond of its day
        outside = int(np.count_nonzero(offsets == after))
    if low != start:  # (a range from midnight, the usual one, needs no shift)
        offsets += np.uint64(low - start)
    offsets //= np.uint64(_NS_PER_DAY)
    counts = np.bincount(offsets.view(np.int64), minlength=days + 1)[:days]
    if outside:  # (the nanosecond after a mid-day high falls on its day)
        counts[-1] -= outside
    return counts
