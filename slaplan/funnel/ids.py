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

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slaplan.funnel.dates import arrow_strings, to_string_array

__all__ = ["id_codes"]

_WHITESPACE = np.array([9, 10, 11, 12, 13, 32], dtype=np.uint8)


def id_codes(values: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """Clean ids (Arrow, empty → null) and their first-appearance codes (``-1`` = empty)."""
    raw = arrow_strings(values)
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    packed = _packed(raw)
    if packed is not None:
        valid = np.asarray(raw.is_valid(), dtype=bool)
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


def _packed(strings: pa.Array) -> np.ndarray | None:
    """Each id's bytes as one ``uint64``, or ``None`` when an id is long, blank or padded."""
    if not pa.types.is_large_string(strings.type) or len(strings) == 0:
        return None
    _, offsets_buffer, data_buffer = strings.buffers()
    if data_buffer is None:
        return None
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    lengths = np.diff(offsets)
    valid = np.asarray(strings.is_valid())
    if lengths.max() > 8 or (valid & (lengths == 0)).any():
        return None
    data = np.frombuffer(data_buffer, dtype=np.uint8)
    if data.size == 0:
        return None
    last = data.size - 1
    first_byte = data[np.minimum(offsets[:-1], last)]
    last_byte = data[np.clip(offsets[1:] - 1, 0, last)]
    padded = valid & (np.isin(first_byte, _WHITESPACE) | np.isin(last_byte, _WHITESPACE))
    if padded.any():
        return None
    if not pc.all(pc.string_is_ascii(strings)).as_py():
        return None
    # pad every id to 8 bytes with NULs: the data buffer is then one uint64 per row
    padded = pc.ascii_rpad(pc.fill_null(strings, ""), width=8, padding="\x00")
    _, padded_offsets, padded_data = padded.buffers()
    start = int(np.frombuffer(padded_offsets, dtype=np.int64)[padded.offset])
    return np.frombuffer(padded_data, dtype=np.uint64, count=len(strings), offset=start)
