"""Lead ids: trimming, empties, and integer codes for the duplicate check, fast on short ids.

This module owns how ``lead_id`` values are compared: surrounding whitespace is ignored, an
empty or blank id is "empty", and otherwise ids compare as exact text. Codes number distinct ids
in order of first appearance (``-1`` = empty), which is what the duplicate rule needs.

Ids of up to 8 bytes with no surrounding whitespace (most CRM ids: ``L000123``, Maven's
``1C1I7A6R``) are packed into one ``uint64`` each straight from the Arrow buffers and hashed as
integers, several times faster than hashing strings (and when a sort shows them all distinct,
not hashed at all); anything else takes the general path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slaplan.funnel._date_kernels import validity
from slaplan.funnel.dates import arrow_strings, to_string_array
from slaplan.funnel.validate import duplicate_mask

__all__ = ["IdChecks", "check_ids", "id_codes"]

_WHITESPACE = np.isin(np.arange(256), [9, 10, 11, 12, 13, 32])  # by byte value
_FIBONACCI = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: multiplicative hashing
_KEEP_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(9)], dtype=np.uint64)  # by length


@dataclass(frozen=True, kw_only=True)
class IdChecks:
    """Clean ids (Arrow, empty → null) and the rows breaking the id rules."""

    ids: pa.Array
    empty: np.ndarray
    duplicate: np.ndarray  # the id was seen on an earlier row (never set on an empty id)


def check_ids(values: pd.Series) -> IdChecks:
    """Empty and duplicate ids; with packed ids nothing is hashed into a table of all ids: a
    sort shows which ids repeat (usually none, or a handful), and only their rows are ordered
    to find the later ones (factorising a million distinct ids to find ten repeats cost three
    times as much)."""
    raw, packed = _strings_and_packed(values)
    if packed is not None:
        valid = validity(raw)
        ordered = np.sort(packed[valid] if raw.null_count else packed)
        repeats = ordered[1:] == ordered[:-1]
        duplicate = np.zeros(len(raw), dtype=bool)
        if repeats.any():
            duplicate = _later_repeats(packed, valid, np.unique(ordered[1:][repeats]))
        return IdChecks(ids=raw, empty=~valid, duplicate=duplicate)
    ids, codes = id_codes(raw)
    empty = codes < 0
    return IdChecks(ids=ids, empty=empty, duplicate=duplicate_mask(codes) & ~empty)


def _later_repeats(packed: np.ndarray, valid: np.ndarray, repeated: np.ndarray) -> np.ndarray:
    """Rows holding one of the ``repeated`` packed ids (sorted, unique) after its first row.

    A bit table of the repeated ids' Fibonacci hashes lets about one row in 256 through to the
    exact binary search (searching every row cost 9 times as much on 10M ids).
    """
    bits = np.uint64(min(24, max(10, len(repeated).bit_length() + 8)))
    table = np.zeros(1 << int(bits), dtype=bool)
    table[(repeated * _FIBONACCI) >> (np.uint64(64) - bits)] = True
    rows = np.flatnonzero(table[(packed * _FIBONACCI) >> (np.uint64(64) - bits)] & valid)
    at = np.minimum(np.searchsorted(repeated, packed[rows]), len(repeated) - 1)
    rows = rows[repeated[at] == packed[rows]]
    rows = rows[np.argsort(packed[rows], kind="stable")]  # same id together, in row order
    later = np.zeros(len(packed), dtype=bool)
    later[rows[1:][packed[rows[1:]] == packed[rows[:-1]]]] = True
    return later


def id_codes(values: pd.Series | pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Clean ids (Arrow, empty → null) and their first-appearance codes (``-1`` = empty)."""
    raw, packed = _strings_and_packed(values)
    if packed is not None:
        valid = validity(raw)
        ordered = np.sort(packed[valid])
        if (ordered[1:] == ordered[:-1]).any():
            codes = pd.factorize(packed)[0].astype(np.int64)
        else:  # all distinct (the usual case): row order is first-appearance order
            codes = np.arange(len(packed), dtype=np.int64)
        codes[~valid] = -1
        return raw, codes
    ids = to_string_array(raw)
    encoded = pc.dictionary_encode(ids).indices
    return ids, pc.fill_null(encoded, -1).to_numpy().astype(np.int64, copy=False)


def _strings_and_packed(values: pd.Series | pa.Array) -> tuple[pa.Array, np.ndarray | None]:
    """The ids as one Arrow string array, and their packed ``uint64`` form where ids allow it."""
    raw = arrow_strings(values)
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    return raw, _packed(raw)


def _packed(strings: pa.Array) -> np.ndarray | None:
    """Each id's bytes as one ``uint64``, or ``None`` when an id is long, blank, padded or not
    ASCII (those ids take the general path)."""
    if not pa.types.is_large_string(strings.type) or len(strings) == 0:
        return None
    _, offsets_buffer, data_buffer = strings.buffers()
    if data_buffer is None or data_buffer.size < 8:
        return None
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    lengths = np.diff(offsets)
    valid = validity(strings)
    if lengths.max() > 8 or (valid & (lengths == 0)).any():
        return None
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    if not _clean_bytes(data, offsets, valid):
        return None
    # the 8 bytes from each id's start, read as one little-endian word through an unaligned
    # view with a stride of one byte; the last few ids, too near the end, one by one
    words_at = np.ndarray((data.size - 7,), dtype="<u8", buffer=data, strides=(1,))
    near_end = int(np.searchsorted(offsets[:-1], data.size - 8, side="right"))
    words = np.empty(len(strings), dtype=np.uint64)
    words[:near_end] = words_at[offsets[:near_end]]
    for row in range(near_end, len(strings)):
        text = data[offsets[row] : offsets[row + 1]].tobytes()
        words[row] = int.from_bytes(text, "little")
    np.bitwise_and(words, _KEEP_BYTES[lengths], out=words)  # drop the next ids' bytes
    return words


def _clean_bytes(data: np.ndarray, offsets: np.ndarray, valid: np.ndarray) -> bool:
    """No id starts or ends with whitespace, and every byte is ASCII."""
    if data.min() > 32 and data.max() < 128:
        return True  # no whitespace, control or non-ASCII byte anywhere
    if data.max() >= 128:
        return False
    first_byte = data[np.minimum(offsets[:-1], data.size - 1)]
    last_byte = data[np.maximum(offsets[1:] - 1, 0)]
    return not (valid & (_WHITESPACE[first_byte] | _WHITESPACE[last_byte])).any()
