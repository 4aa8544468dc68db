"""Turning parsed source columns into the canonical lead table's columns.

This module owns the per-column rules of the canonical frame: ``created_at`` defaults to the
first stage a lead reached; ``segment`` and ``owner`` are trimmed text with missing as
``"(none)"`` (:data:`slaplan._labels.NO_LABEL`);
``score`` and ``amount`` are numbers (currency signs, thousands separators, ``%`` and spaces are
ignored; anything else becomes missing and is counted in a warning).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from slaplan._labels import NO_LABEL
from slaplan.funnel.dates import arrow_strings, to_string_array

__all__ = [
    "Labels",
    "Numbers",
    "created_at",
    "earliest",
    "encode_labels",
    "group_labels",
    "kept_label_counts",
    "numbers",
    "parse_numbers",
    "str_column",
]

_NUMBER_JUNK = r"[\s$€£,%]"


def str_column(array: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string array (chunked or not) as a pandas ``str`` column, no copy of the text."""
    if pa.types.is_string(array.type):
        array = pc.cast(array, pa.large_string())
    return pd.array(array, dtype="str")


def earliest(stages: list[np.ndarray]) -> np.ndarray:
    """Row-wise earliest stage time (``NaT`` when the row reached none)."""
    never = np.iinfo(np.int64).max
    stacked = np.stack([np.where(np.isnat(v), never, v.view("int64")) for v in stages])
    earliest = stacked.min(axis=0)
    return np.where(earliest == never, np.iinfo(np.int64).min, earliest).view("datetime64[ns]")


def created_at(created: np.ndarray, earliest: np.ndarray, warnings: list[str]) -> np.ndarray:
    """``created_at`` as given, else the earliest stage time (with a warning when partial)."""
    missing = np.isnat(created)
    if not missing.any():
        return created
    fill = missing & ~np.isnat(earliest)
    if fill.any() and not missing.all():
        warnings.append(f"{int(fill.sum()):,} lead(s) without created_at: set to their first stage")
    return np.where(fill, earliest, created)


@dataclass(frozen=True, kw_only=True)
class Labels:
    """Cleaned group labels of every source row.

    Either ``clean``: the source strings themselves, when none is missing, blank or padded
    (the usual export: nothing to clean); or dictionary-encoded: row ``i`` has label
    ``labels[indices[i]]``, the last label being ``"(none)"`` (missing or blank).
    """

    clean: pa.Array | pa.ChunkedArray | None = None
    labels: pa.Array | None = None
    indices: np.ndarray | None = None


def encode_labels(raw: pd.DataFrame, column: str | None) -> Labels | None:
    """Clean a group column (``None`` when the source has no such column).

    Labels have few distinct values, so when some need cleaning they are cleaned once per
    distinct value (dictionary encoding) rather than once per row.
    """
    if column is None:
        return None
    strings = arrow_strings(raw[column])
    pieces = strings.chunks if isinstance(strings, pa.ChunkedArray) else [strings]
    if all(_needs_no_cleaning(piece) for piece in pieces):
        return Labels(clean=strings)  # chunked as read: nothing to copy
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    encoded = pc.dictionary_encode(strings)
    labels = pc.fill_null(to_string_array(encoded.dictionary), NO_LABEL)
    labels = pa.concat_arrays([labels, pa.array([NO_LABEL], labels.type)])
    indices = pc.fill_null(encoded.indices, len(labels) - 1).to_numpy()
    return Labels(labels=labels, indices=indices)


def kept_label_counts(
    encoded: Labels | None, keep: np.ndarray, kept_labels: pd.api.extensions.ExtensionArray
) -> pd.Series:
    """Kept rows per label (``kept_labels``: from :func:`group_labels`), in order of first
    appearance (as ``value_counts`` breaks ties)."""
    if encoded is None:
        return pd.Series([len(kept_labels)], index=[NO_LABEL], dtype="int64")
    if encoded.clean is not None:
        return _value_counts(kept_labels.__arrow_array__())
    counts = _label_counts(encoded.labels, encoded.indices[keep])
    return counts[counts > 0]


def _value_counts(strings: pa.Array) -> pd.Series:
    counted = pc.value_counts(strings)
    return pd.Series(counted.field("counts").to_numpy(), index=counted.field("values").to_pylist())


def _label_counts(labels: pa.Array, indices: np.ndarray) -> pd.Series:
    """Rows per distinct label (labels that clean to the same text are added up)."""
    counts = pd.Series(np.bincount(indices, minlength=len(labels)), index=labels.to_pylist())
    return counts.groupby(level=0, sort=False).sum()


def _needs_no_cleaning(strings: pa.Array) -> bool:
    """No missing or empty value, and no whitespace byte anywhere (so none to trim)."""
    if strings.null_count or not pa.types.is_large_string(strings.type):
        return False
    _, offsets, data = strings.buffers()
    ends = np.frombuffer(offsets, dtype=np.int64)[
        strings.offset : strings.offset + len(strings) + 1
    ]
    if data is None or len(ends) < 2 or (np.diff(ends) == 0).any():
        return len(strings) == 0
    return not (np.frombuffer(data, dtype=np.uint8) <= 32).any()


def group_labels(encoded: Labels | None, keep: np.ndarray) -> pd.Series:
    """Group labels of the kept rows as text (``"(none)"`` for every row without the column)."""
    if encoded is None:
        return str_column(pa.array([NO_LABEL] * int(np.count_nonzero(keep)), pa.large_string()))
    if encoded.clean is not None:
        return str_column(encoded.clean.filter(pa.array(keep)))
    return str_column(encoded.labels.take(pa.array(encoded.indices[keep])))


@dataclass(frozen=True, kw_only=True)
class Numbers:
    """A numeric column of every source row: ``values`` (NaN where missing or not a number)
    and ``junk``, the rows whose text was present but not a number."""

    values: np.ndarray
    junk: np.ndarray | None


def parse_numbers(raw: pd.DataFrame, column: str | None) -> Numbers:
    """Read a numeric column (currency signs, thousands separators, ``%`` ignored)."""
    if column is None:
        return Numbers(values=np.full(len(raw), np.nan), junk=None)
    if isinstance(raw[column].dtype, pd.ArrowDtype) and _is_number(raw[column].dtype.pyarrow_dtype):
        typed = pc.cast(raw[column].array.__arrow_array__(), pa.float64())  # from a database
        return Numbers(values=np.array(typed.to_numpy(), dtype=float), junk=None)
    strings = arrow_strings(raw[column])
    for kind in (pa.int64(), pa.float64()):  # clean numeric text: one Arrow cast (ints faster)
        try:
            values = pc.cast(strings, kind).to_numpy(zero_copy_only=False)
            return Numbers(values=values.astype(float, copy=False), junk=None)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass
    text = pd.Series(pc.replace_substring_regex(strings, _NUMBER_JUNK, ""), dtype="str")
    text = text.where(text != "", None)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return Numbers(values=values, junk=np.isnan(values) & text.notna().to_numpy())


def _is_number(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)


def numbers(parsed: Numbers, keep: np.ndarray, name: str, warnings: list[str]) -> np.ndarray:
    """Values of the kept rows; a warning counts kept values that were not numbers."""
    bad = 0 if parsed.junk is None else int(np.count_nonzero(parsed.junk[keep]))
    if bad:
        warnings.append(f"{bad:,} value(s) in {name} are not numbers: set to missing")
    return parsed.values[keep]
