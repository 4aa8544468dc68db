"""Reading an export into a table of text exactly as written (CSV, Excel, Parquet, DataFrame).

Database URLs and folders of Parquet files are dispatched from :func:`read_source` to
:mod:`.sources`, which returns the same :class:`RawTable` (typed columns where the database
has types).

This module owns the file-level side of import: finding the header row under junk lines,
sniffing the delimiter (``,`` ``;`` tab ``|``), the encoding (UTF-8 with or without BOM, Latin-1
fallback), and rows with the wrong number of fields (returned separately so the caller can
reject them with their row number). Every cell is read as text so the rejected-rows report can
show the original values; typed sources (Parquet, DataFrame) keep datetime columns typed.

A file that cannot be read at all raises :class:`~slaplan.errors.DataError` naming the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from slaplan.errors import DataError
from slaplan.funnel._lines import breaks_before
from slaplan.funnel.db_url import is_database_url

__all__ = ["RawTable", "read_source"]

TypedColumns = Callable[[list[str]], set[str]] | None
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 65536
_HEADER_SCAN_LINES = 30


@dataclass(frozen=True, kw_only=True)
class RawTable:
    """An export as read: text cells, plus rows that could not be split into the header's fields.

    Attributes
    ----------
    frame : DataFrame
        Data rows that split into the header's fields; index = 0-based data-row position.
    bad_rows : DataFrame
        Rows with the wrong number of fields: ``row``, ``fields`` (count), ``raw`` (the line).
    name : str
        File name, or ``"<DataFrame>"``.
    notes : tuple of str
        What was detected (delimiter, encoding, skipped junk lines), for the report.
    first_line : int, optional
        Line of the file (1-based, as an editor shows it) of the first data row, for a file
        read in one piece (later rows move down by the line breaks inside quoted fields).
    row_lines : ndarray, optional
        Line of each data row (by position), for readers that count lines as they go.
    """

    frame: pd.DataFrame
    bad_rows: pd.DataFrame
    name: str
    notes: tuple[str, ...] = field(default=())
    first_line: int | None = None
    row_lines: np.ndarray | None = field(default=None, repr=False)

    @property
    def rows_read(self) -> int:
        """Data rows in the source (good and bad)."""
        return len(self.frame) + len(self.bad_rows)

    def rejected_rows(self, positions: np.ndarray, reasons: np.ndarray) -> pd.DataFrame:
        """The rejected-rows report: ``row``, ``reason`` and the original text of the rows at
        ``positions`` (sorted positions in ``frame``), with the wrong-width rows (their line in
        ``raw_line``), in source order."""
        body = self.originals(positions)
        body.columns = [
            c if c not in ("row", "line", "reason") else f"source_{c}" for c in body.columns
        ]
        body.insert(0, "reason", pd.array(reasons, dtype="str"))
        rows = np.asarray(self.frame.index[positions], dtype="int64")
        body.insert(0, "line", self.lines(rows))
        body.insert(0, "row", rows)
        if not len(self.bad_rows):
            return body
        bad_rows = self.bad_rows["row"].to_numpy(dtype="int64")
        bad = pd.DataFrame(
            {
                "row": bad_rows,
                "line": self.lines(bad_rows),
                "reason": pd.array(["wrong number of fields"] * len(self.bad_rows), dtype="str"),
                "raw_line": pd.array(self.bad_rows["raw"].to_numpy(), dtype="str"),
            }
        )
        body = pd.concat([body, bad], ignore_index=True)
        return body.sort_values("row", kind="stable").reset_index(drop=True)

    def lines(self, rows: np.ndarray) -> pd.api.extensions.ExtensionArray:
        """The line of the file (1-based, as an editor shows it) of data rows ``rows``
        (0-based positions in the source); missing for a source without lines (DataFrame,
        Parquet)."""
        if self.row_lines is not None:
            return pd.array(self.row_lines[rows], dtype="Int64")
        if self.first_line is None:
            return pd.array([pd.NA] * len(rows), dtype="Int64")
        breaks = breaks_before(self.frame)
        return pd.array(self.first_line + rows + (0 if breaks is None else breaks[rows]), "Int64")

    def originals(self, positions: np.ndarray) -> pd.DataFrame:
        """The rows at ``positions`` (sorted positions in ``frame``) as text, one column per
        source column: the original values for the rejected-rows report."""
        taken = _take(self.frame, positions)
        return pd.DataFrame(
            {column: _text(values) for column, values in taken.items()},
            index=pd.RangeIndex(len(positions)),
        )


def read_source(
    source: object,
    *,
    header_hints: Sequence[str] = (),
    typed_columns: TypedColumns = None,
    wanted_columns: Callable[[list[str]], list[str] | None] | None = None,
    query: str | None = None,
    table: str | None = None,
    where: str | None = None,
) -> RawTable:
    """Read ``source`` (path, folder, database URL or DataFrame) as text; ``header_hints`` help
    find the header row.

    ``typed_columns(header)`` may name date columns a CSV reader can leave as timestamps when
    they are clean ISO throughout (the rejected-rows report then shows them in ISO form).
    A database URL (with ``query`` or ``table``) or a folder of Parquet files (with an optional
    ``where``) is read by :mod:`.sources`; ``wanted_columns(header)`` names the columns to
    read from a table or a folder (``None``: a required one is missing, read no row).
    """
    kind = _kind(source)
    if kind in ("database", "folder"):
        from slaplan.funnel import sources  # here: SQLAlchemy and DuckDB load in ~0.5 s

        sources.check_selection(kind, query=query, table=table, where=where)
        selection = sources.Selection(query=query, table=table, where=where, wanted=wanted_columns)
        if kind == "database":
            return sources.read_database(source.strip(), selection)
        return sources.read_parquet_folder(Path(source), selection)
    if query is not None or table is not None or where is not None:
        from slaplan.funnel.sources import check_selection

        check_selection(kind, query=query, table=table, where=where)
    if isinstance(source, pd.DataFrame):
        return RawTable(frame=_as_text(source), bad_rows=_no_bad_rows(), name="<DataFrame>")
    if not isinstance(source, str | Path):
        raise TypeError(f"source must be a path or a DataFrame, got {type(source).__name__}")
    path = Path(source)
    if not path.exists():
        raise DataError(f"{path}: file not found")
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _read_excel(path, header_hints)
    if suffix in (".parquet", ".pq"):
        return _read_parquet(path)
    return _read_csv(path, header_hints, typed_columns)


def _kind(source: object) -> str:
    """``"database"``, ``"folder"``, ``"a DataFrame"`` or ``"a file"`` (for messages)."""
    if is_database_url(source):
        return "database"
    if isinstance(source, str | Path) and Path(source).is_dir():
        return "folder"
    return "a DataFrame" if isinstance(source, pd.DataFrame) else "a file"


def _no_bad_rows() -> pd.DataFrame:
    return pd.DataFrame({"row": pd.Series([], dtype="int64"), "fields": [], "raw": []})


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text copy of ``frame``; datetime columns stay typed (they need no parsing)."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values.dtype):
            out[str(column)] = values.reset_index(drop=True)
        else:
            text = values.astype("str").where(values.notna(), None)
            out[str(column)] = pd.Series(text.to_numpy(), dtype="str")
    return pd.DataFrame(out)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from exc
    return RawTable(frame=_as_text(frame), bad_rows=_no_bad_rows(), name=path.name)


def _read_excel(path: Path, header_hints: Sequence[str]) -> RawTable:
    try:
        grid = pd.read_excel(path, header=None, dtype=object)
    except Exception as exc:
        raise DataError(f"{path}: not a readable Excel file ({exc})") from exc
    if grid.empty:
        raise DataError(f"{path}: the workbook's first sheet is empty")
    lines = [[("" if pd.isna(v) else str(v)) for v in row] for row in grid.head(30).to_numpy()]
    header_at = _header_line(lines, header_hints)
    header = [_clean(v) for v in lines[header_at]]
    body = grid.iloc[header_at + 1 :]
    keep = [i for i, name in enumerate(header) if name]
    body = body.iloc[:, keep]
    body.columns = [header[i] for i in keep]
    body = body.dropna(how="all")
    lines = body.index.to_numpy(dtype=np.int64) + 1  # the sheet's row numbers
    notes = (f"skipped {header_at} line(s) above the header",) if header_at else ()
    frame = _excel_text(body.reset_index(drop=True))
    return RawTable(
        frame=frame, bad_rows=_no_bad_rows(), name=path.name, notes=notes, row_lines=lines
    )


def _excel_text(body: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for column in body.columns:
        values = body[column]
        text = [None if pd.isna(v) else _excel_cell(v) for v in values]
        out[column] = pd.Series(text, dtype="str")
    return pd.DataFrame(out)


def _excel_cell(value: object) -> str:
    if isinstance(value, pd.Timestamp | __import__("datetime").datetime):
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clean(name: str) -> str:
    return str(name).strip().lstrip("\ufeff").strip()


def _header_line(lines: list[list[str]], header_hints: Sequence[str]) -> int:
    """Index of the header line: the first naming a hint, else the first full-width one."""
    hints = {" ".join(h.split()).casefold() for h in header_hints}
    for i, fields in enumerate(lines):
        names = {" ".join(_clean(f).split()).casefold() for f in fields}
        if hints & names:
            return i
    widths = [sum(1 for f in fields if _clean(f)) for fields in lines]
    widest = max(widths) if widths else 0
    return next(i for i, w in enumerate(widths) if w == widest)


def _sniff(path: Path, header_hints: Sequence[str]) -> tuple[str, str, int, list[str]]:
    """(encoding, delimiter, junk lines above the header, header) from the file's first bytes."""
    with path.open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    if not head.strip():
        raise DataError(f"{path}: the file is empty (no header, no rows)")
    encoding = "utf-8"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the sniff boundary is still UTF-8
        if exc.start < len(head) - 4:
            encoding = "latin-1"
        text = head.decode(encoding, errors="ignore")
    text = text.lstrip("\ufeff")
    lines = text.splitlines()[:_HEADER_SCAN_LINES]
    delimiter = _delimiter(lines)
    parsed = list(csv.reader(lines, delimiter=delimiter))
    header_at = _header_line(parsed, header_hints)
    return encoding, delimiter, header_at, parsed[header_at]


def _delimiter(lines: list[str]) -> str:
    """The candidate splitting the most lines into the same number (> 1) of fields."""
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        score = counts.count(modal) * (modal > 1) * modal
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _read_csv(path: Path, header_hints: Sequence[str], typed_columns: TypedColumns) -> RawTable:
    encoding, delimiter, skip, header = _sniff(path, header_hints)
    notes = [f"delimiter {delimiter!r}", f"encoding {encoding}"]
    if skip:
        notes.append(f"skipped {skip} line(s) above the header")
    typed = typed_columns(header) if typed_columns else set()
    frame = None
    for attempt in dict.fromkeys((encoding, "latin-1")):
        try:
            frame = _pyarrow_csv(path, attempt, delimiter, skip, header, typed)
        except _NotUtf8:
            continue
        except (pa.ArrowInvalid, ValueError):
            break  # ragged rows or odd quoting: the careful reader below sorts them out
        if attempt != encoding:
            encoding, notes[1] = attempt, "encoding latin-1 (not valid UTF-8)"
        break
    lines = {"first_line": skip + 2}  # junk lines, then the header, then the first row
    if frame is None:
        frame, bad, row_lines = _careful_csv(path, encoding, delimiter, skip)
        lines = {"row_lines": row_lines}
    else:
        bad = _no_bad_rows()
    frame.columns = [_clean(c) for c in frame.columns]
    return RawTable(frame=frame, bad_rows=bad, name=path.name, notes=tuple(notes), **lines)


class _NotUtf8(Exception):
    """The file is not valid UTF-8 (retry as Latin-1)."""


def _pyarrow_csv(
    path: Path, encoding: str, delimiter: str, skip: int, header: list[str], typed: set[str]
) -> pd.DataFrame:
    """Multithreaded Arrow read: text everywhere except ``typed`` columns, which Arrow may type
    as timestamps when every value is clean ISO (so they need no parsing later)."""
    text_types = {name: pa.large_string() for name in header if name not in typed}
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(skip_rows=skip, encoding=encoding),
            parse_options=pacsv.ParseOptions(delimiter=delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=text_types,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                timestamp_parsers=[pacsv.ISO8601],
            ),
        )
    except pa.ArrowInvalid as exc:
        if "utf8" in str(exc).lower():
            raise _NotUtf8(str(exc)) from exc
        raise
    columns = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_timestamp(kind) or pa.types.is_date(kind):
            # Arrow-backed: no copy here; parse_datetimes reads the Arrow buffers directly
            columns[name] = pd.Series(pd.arrays.ArrowExtensionArray(column))
        else:
            if not pa.types.is_large_string(kind):
                column = column.cast(pa.large_string())
            columns[name] = pd.Series(pd.array(column, dtype="str"))
    return pd.DataFrame(columns)


def _careful_csv(
    path: Path, encoding: str, delimiter: str, skip: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Row-by-row reader for files pyarrow refuses: split good rows from wrong-width rows;
    the line each data row starts on (blank lines and quoted line breaks counted)."""
    try:
        text = path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        text = path.read_text(encoding="latin-1")
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    records, previous = [], 0
    for fields in reader:
        records.append((previous + 1, fields))
        previous = reader.line_num
    records = [(line, r) for line, r in records[skip:] if any(f.strip() for f in r)]
    if not records:
        raise DataError(f"{path}: the file is empty (no header, no rows)")
    header, body = records[0][1], [fields for _, fields in records[1:]]
    row_lines = np.array([line for line, _ in records[1:]], dtype=np.int64)
    good, bad = [], []
    for position, fields in enumerate(body):
        if len(fields) == len(header):
            good.append((position, fields))
        else:
            bad.append((position, len(fields), delimiter.join(fields)))
    frame = pd.DataFrame(
        [[f if f != "" else None for f in fields] for _, fields in good],
        columns=header,
        index=pd.Index([p for p, _ in good], dtype="int64"),
        dtype="str",
    )
    bad_rows = pd.DataFrame(bad, columns=["row", "fields", "raw"]).astype({"row": "int64"})
    return frame, bad_rows, row_lines


def _take(frame: pd.DataFrame, positions: np.ndarray) -> dict[str, pd.Series]:
    """Columns of ``frame`` at ``positions`` (sorted). Arrow-backed frames (CSV reads) are taken
    one record batch at a time: Arrow's take on a chunked string column first concatenates all
    of it, which costs more than the few rows taken."""
    arrays = [frame[c].array for c in frame.columns]
    if not all(hasattr(a, "__arrow_array__") for a in arrays):
        return {c: frame[c].iloc[positions] for c in frame.columns}
    names = [str(i) for i in range(len(arrays))]
    table = pa.table(dict(zip(names, (a.__arrow_array__() for a in arrays), strict=True)))
    batches = table.to_batches()  # common chunk boundaries, no copy
    starts = np.cumsum([0] + [b.num_rows for b in batches])
    bounds = np.searchsorted(positions, starts)
    parts = [
        batch.take(pa.array(positions[bounds[k] : bounds[k + 1]] - starts[k]))
        for k, batch in enumerate(batches)
        if bounds[k + 1] > bounds[k]
    ]
    taken = pa.Table.from_batches(parts, schema=table.schema)
    return {
        c: pd.Series(pd.array(taken.column(name), dtype=frame[c].dtype))
        for c, name in zip(frame.columns, names, strict=True)
    }


def _text(values: pd.Series) -> pd.api.extensions.ExtensionArray:
    if isinstance(values.dtype, pd.ArrowDtype) and pd.api.types.is_datetime64_any_dtype(
        values.dtype
    ):
        text = _arrow_dates_text(values.array.__arrow_array__())
        if text is not None:
            return text
        values = pd.Series(values.array.__arrow_array__().to_pandas())  # numpy datetimes
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return pd.array(values.astype("str").where(values.notna(), None).to_numpy(), dtype="str")
    if isinstance(values.dtype, pd.ArrowDtype):  # numbers from a database, as Arrow writes them
        return pd.array(pc.cast(values.array.__arrow_array__(), pa.large_string()), dtype="str")
    return pd.array(values.to_numpy(), dtype="str")


def _arrow_dates_text(values: pa.ChunkedArray) -> pd.api.extensions.ExtensionArray | None:
    """Whole-second Arrow dates as pandas writes them (dates only when every value is at
    midnight), formatted by numpy; ``None`` for zoned or fractional values (pandas does those)."""
    if not (pa.types.is_timestamp(values.type) and values.type.tz is None) and not (
        pa.types.is_date32(values.type)
    ):
        return None
    stamps = values.to_numpy()  # datetime64 in the column's own unit (no overflow)
    if np.datetime_data(stamps.dtype)[0] not in ("s", "ms", "us", "ns"):
        stamps = stamps.astype("datetime64[s]")  # days: whole seconds
    per_second = int(np.timedelta64(1, "s") / np.timedelta64(1, np.datetime_data(stamps.dtype)[0]))
    present = ~np.isnat(stamps)
    ticks = stamps[present].view(np.int64)
    if (ticks % per_second).any():
        return None
    midnight = not (ticks % (86_400 * per_second)).any()
    text = np.datetime_as_string(stamps, unit="D" if midnight else "s").astype(object)
    if not midnight:
        text = np.array([t.replace("T", " ") for t in text], dtype=object)
    text[~present] = None
    return pd.array(text, dtype="str")
