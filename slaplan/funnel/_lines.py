"""Where rows sit in the file: line breaks inside quoted fields.

A CSV read in one piece (Arrow) numbers its data rows, not the lines of the file; a quoted
field with a line break in it (a note, an address) moves every later row one line down. This
module counts those breaks so :meth:`slaplan.funnel.readers.RawTable.lines` can give each
rejected row the line an editor shows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["breaks_before"]


def breaks_before(frame: pd.DataFrame) -> np.ndarray | None:
    """Line breaks inside the quoted fields of the rows before each row (``None``: none at
    all, the usual case, found by one byte scan of each text column's buffers)."""
    per_row = None
    for column in frame.columns:
        array = frame[column].array
        if not hasattr(array, "__arrow_array__") or not pa.types.is_large_string(
            array.__arrow_array__().type
        ):
            continue
        chunks = array.__arrow_array__().chunks
        if not any(_has_newline(chunk) for chunk in chunks):
            continue
        counts = pc.count_substring(pa.chunked_array(chunks), "\n").to_numpy(zero_copy_only=False)
        counts = np.nan_to_num(counts.astype(float)).astype(np.int64)
        per_row = counts if per_row is None else per_row + counts
    if per_row is None:
        return None
    return np.concatenate([[0], np.cumsum(per_row)[:-1]])


def _has_newline(chunk: pa.Array) -> bool:
    data = chunk.buffers()[2]
    return data is not None and bool((np.frombuffer(data, dtype=np.uint8) == 10).any())
