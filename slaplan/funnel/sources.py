"""Where the leads live: a database URL with a query or a table, or a folder of Parquet files.

This module owns reading the sources that are not one file into the same
:class:`~slaplan.funnel.readers.RawTable` the file readers give, so that column mapping, date
parsing, validation and the rejected-rows report are one code path for every source.

* **A database URL** (SQLAlchemy's syntax; credentials from the environment, see
  :mod:`.db_url`) with ``query=`` (SQL text, run as written, in a transaction that is rolled
  back) or ``table=`` (``name`` or ``schema.name``: only the columns the mapping reads are
  selected, and ``where=`` filters in the database). PostgreSQL, SQLite and any database with
  a SQLAlchemy dialect are read through SQLAlchemy; ``duckdb:///path/file.duckdb`` (opened
  read-only) and ``duckdb://`` (in memory, e.g. to query files with ``read_parquet``) through
  DuckDB's own client, which hands over Arrow columns without a Python object per value.
* **A folder of Parquet files** (every ``*.parquet`` under it; hive partition folders such as
  ``month=2024-03/`` become columns; files with different columns are unioned by name),
  scanned by DuckDB: only the mapped columns are read and ``where=`` is applied (partitions
  pruned) before pandas sees a row, so an export larger than memory can be read in part.

**Types.** Database columns keep their type. Timestamps and dates need no parsing: naive
ones are taken as written (like naive text in a CSV), zoned ones (``timestamptz``) are
converted to ``load_leads(tz=...)`` and made naive; numbers stay numbers; the rest is text.

**Row numbers.** ``row`` (lead table index, rejected rows) is the 0-based position in the
query result (add ``ORDER BY`` for a numbering independent of the database's plan) or in the
scan of the folder (files in path order, rows in file order). For a table or a folder only
the mapped columns are read, so the rejected rows show those columns.

**Errors.** A source that cannot be read raises :class:`~slaplan.errors.DataError` in one
line that names the source with its password masked and says what failed (cannot connect,
table not found with the tables that exist, query failed with the database's first line).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from slaplan.errors import DataError
from slaplan.funnel.db_url import DatabaseURL, parse_url
from slaplan.funnel.readers import RawTable, _no_bad_rows

__all__ = [
    "Selection",
    "check_selection",
    "raw_from_arrow",
    "read_database",
    "read_parquet_folder",
]

#: header -> the columns to read, or ``None`` when a required column is missing
Wanted = Callable[[list[str]], list[str] | None] | None
_CONNECT_TIMEOUT_S = 10
#: text as Arrow large strings, as the CSV reader gives it (the id and label fast paths read
#: 64-bit offsets), with no cast afterwards
_DUCKDB_CONFIG = {"arrow_large_buffer_size": "true"}


@dataclass(frozen=True, kw_only=True)
class Selection:
    """What to read from a database or a folder: ``query`` or ``table`` (databases), a
    ``where`` condition (tables and folders), and ``wanted``, the projection callback."""

    query: str | None = None
    table: str | None = None
    where: str | None = None
    wanted: Wanted = None

    def describe(self) -> str:
        """How the source is named after its URL or folder (``table leads``, ``query '…'``)."""
        if self.table is not None:
            return f", table {self.table}"
        if self.query is not None:
            text = " ".join(self.query.split())
            return f", query {(text if len(text) <= 60 else text[:59] + '…')!r}"
        return ""


def check_selection(kind: str, *, query: object, table: object, where: object) -> None:
    """Validate ``query``, ``table`` and ``where`` for a source of ``kind`` (``"database"``,
    ``"folder"`` or anything else), before anything is read.

    Examples
    --------
    >>> check_selection("database", query="select * from leads", table=None, where=None)
    >>> check_selection("folder", query="select 1", table=None, where=None)
    Traceback (most recent call last):
    ...
    ValueError: a Parquet folder takes where= only; query= and table= are for database URLs ...
    """
    given = {"query": query, "table": table, "where": where}
    for argument, value in given.items():
        if value is not None and not isinstance(value, str):
            raise TypeError(f"{argument} must be SQL text (str), got {type(value).__name__}")
        if isinstance(value, str) and not value.strip():
            raise ValueError(f"{argument} must not be empty, got {value!r}")
    if kind == "database":
        if (query is None) == (table is None):
            raise ValueError(
                "a database URL needs exactly one of query= (SQL text) or table= (a table "
                f"name), got {'both' if query is not None else 'neither'}"
            )
        if query is not None and where is not None:
            raise ValueError(
                "where= filters a table= or a Parquet folder; with query= put "
                "the condition in the query"
            )
    elif kind == "folder":
        if query is not None or table is not None:
            raise ValueError(
                "a Parquet folder takes where= only; query= and table= are for database URLs "
                '(or read the folder with load_leads("duckdb://", query="... from '
                "read_parquet('folder/**/*.parquet')\"))"
            )
    elif any(value is not None for value in given.values()):
        named = ", ".join(f"{k}=" for k, v in given.items() if v is not None)
        raise ValueError(f"{named} apply to a database URL or a Parquet folder, not to {kind}")


def read_database(url: str, selection: Selection) -> RawTable:
    """Read ``selection`` from the database at ``url`` (see the module rules)."""
    db = parse_url(url)
    name = db.scrub(db.shown + selection.describe())  # a query may quote a secret too
    if db.dialect == "duckdb":
        table, notes = _read_duckdb(db, name, selection)
    else:
        table, notes = _read_sqlalchemy(db, name, selection)
    return raw_from_arrow(table, name=name, notes=notes)


def read_parquet_folder(path: Path, selection: Selection) -> RawTable:
    """Scan the Parquet files under ``path`` with DuckDB (see the module rules)."""
    import duckdb

    files = sum(1 for _ in path.rglob("*.parquet"))
    if not files:
        raise DataError(f"{path}: a folder with no .parquet file under it")
    name = f"{path.name}/"
    pattern = str(path / "**" / "*.parquet")
    with duckdb.connect(config=_DUCKDB_CONFIG) as con:
        with _refused(None, str(path), "cannot read the Parquet files"):
            scan = con.read_parquet(pattern, hive_partitioning=True, union_by_name=True)
        relation, notes = _select(scan, selection, str(path))
        with _refused(None, str(path), "cannot read the Parquet files"):
            table = relation.to_arrow_table()
    return raw_from_arrow(table, name=name, notes=(f"{files} Parquet file(s)", *notes))


def raw_from_arrow(table: pa.Table, *, name: str, notes: Sequence[str] = ()) -> RawTable:
    """A :class:`RawTable` of ``table``: text columns as text, timestamps, dates and numbers
    typed (Arrow-backed, no copy), anything else (time, binary, JSON, ...) as text."""
    names = [str(c) for c in table.column_names]
    _check_unique(name, names)
    columns = {c: _column(table.column(i)) for i, c in enumerate(names)}
    frame = pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)
    return RawTable(frame=frame, bad_rows=_no_bad_rows(), name=name, notes=tuple(notes))


def _check_unique(name: str, columns: list[str]) -> None:
    twice = sorted({c for c in columns if columns.count(c) > 1})
    if twice:
        raise DataError(f"{name}: column(s) {twice} appear more than once; alias them apart")


def _column(values: pa.ChunkedArray) -> pd.Series:
    kind = values.type
    if pa.types.is_dictionary(kind):
        values, kind = values.cast(kind.value_type), kind.value_type
    if pa.types.is_date64(kind):
        values, kind = values.cast(pa.date32()), pa.date32()
    typed = (pa.types.is_timestamp, pa.types.is_date32, pa.types.is_integer, pa.types.is_floating)
    if any(test(kind) for test in typed) or pa.types.is_decimal(kind):
        return pd.Series(pd.arrays.ArrowExtensionArray(values), copy=False)
    try:
        text = values.cast(pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        cells = [None if value is None else str(value) for value in values.to_pylist()]
        text = pa.chunked_array([pa.array(cells, pa.large_string())])
    return pd.Series(pd.array(text, dtype="str"), copy=False)


def _select(relation: Any, selection: Selection, name: str) -> tuple[Any, tuple[str, ...]]:
    """A DuckDB relation filtered by ``where`` and cut to the wanted columns (or to no row at
    all when a required column is missing: ``load_leads`` then names it)."""
    header = list(relation.columns)
    wanted = selection.wanted(header) if selection.wanted else header
    if wanted is None:
        return relation.limit(0), ()
    notes = []
    if selection.where is not None:
        with _refused(None, name, f"where {selection.where!r} failed"):
            relation = relation.filter(selection.where)
        notes.append(f"where {selection.where}")
    if len(wanted) < len(header):
        notes.append(f"read {len(wanted)} of {len(header)} columns (those the mapping uses)")
    return relation.project(", ".join(_quoted(c) for c in wanted)), tuple(notes)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _read_duckdb(db: DatabaseURL, name: str, selection: Selection) -> tuple[pa.Table, tuple]:
    import duckdb

    _check_file(db, name)
    database = db.url.database or ":memory:"
    in_memory = database == ":memory:"
    config = _DUCKDB_CONFIG | {key: str(value) for key, value in db.url.query.items()}
    with _refused(db, name, "cannot open the database"):
        con = duckdb.connect(database, read_only=not in_memory, config=config)
    with con:
        if selection.table is not None:
            relation, notes = _duckdb_table(con, db, name, selection)
        else:
            with _refused(db, name, "query failed"):
                relation = con.sql(selection.query)
            if relation is None:
                raise DataError(f"{name}: the query returns no rows (is it a SELECT?)")
            notes = ()
        with _refused(db, name, "query failed"):
            return relation.to_arrow_table(), notes


def _duckdb_table(con: Any, db: DatabaseURL, name: str, selection: Selection) -> tuple[Any, tuple]:
    import duckdb

    try:
        relation = con.table(selection.table)
    except duckdb.CatalogException:
        listing = con.sql(
            "select table_schema || '.' || table_name from information_schema.tables order by 1"
        ).fetchall()
        raise DataError(
            f"{name}: table {selection.table!r} not found; tables: "
            f"{_listing([row[0].removeprefix('main.') for row in listing])}"
        ) from None
    except duckdb.Error as exc:
        raise DataError(f"{name}: cannot read the table: {_message(db, exc)}") from None
    return _select(relation, selection, name)


def _read_sqlalchemy(db: DatabaseURL, name: str, selection: Selection) -> tuple[pa.Table, tuple]:
    _check_file(db, name)
    engine = _engine(db, name)
    try:
        with _refused(db, name, "cannot connect"):
            connection = engine.connect()
        with connection:  # never committed: rolled back when it closes
            statement, notes = _statement(connection, db, name, selection)
            with _refused(db, name, "query failed"):
                result = connection.execute(statement)
                if not result.returns_rows:
                    raise DataError(f"{name}: the query returns no rows (is it a SELECT?)")
                columns, rows = list(result.keys()), result.fetchall()
    finally:
        engine.dispose()
    return _from_rows(name, [str(c) for c in columns], rows), notes


def _check_file(db: DatabaseURL, name: str) -> None:
    """A SQLite or DuckDB file must exist: opening it would create an empty one."""
    database = db.url.database or ":memory:"
    local = db.dialect in ("sqlite", "duckdb") and not database.startswith("file:")
    if local and database != ":memory:" and not Path(database).exists():
        raise DataError(f"{name}: database file {database} not found")


def _engine(db: DatabaseURL, name: str) -> Any:
    """A SQLAlchemy engine without a pool; a missing dialect or driver is a one-line error
    naming what to install."""
    import sqlalchemy as sa

    url = db.url
    if url.drivername == "postgresql" and importlib.util.find_spec("psycopg2") is None:
        url = url.set(drivername="postgresql+psycopg")  # SQLAlchemy 2.0 defaults to psycopg2
    try:
        driver = url.get_dialect().driver
        timeout = driver in ("psycopg", "psycopg2") and "connect_timeout" not in url.query
        connect_args = {"connect_timeout": _CONNECT_TIMEOUT_S} if timeout else {}
        return sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except sa.exc.NoSuchModuleError:
        raise DataError(
            f"{name}: no SQLAlchemy dialect {url.drivername!r} is installed; install the "
            "package that provides it"
        ) from None
    except ImportError as exc:
        extra = " (pip install 'slaplan[postgresql]')" if db.dialect == "postgresql" else ""
        raise DataError(
            f"{name}: the database driver is not installed: no module {exc.name!r}{extra}"
        ) from None


def _statement(
    connection: Any, db: DatabaseURL, name: str, selection: Selection
) -> tuple[Any, tuple[str, ...]]:
    """The SQL to run: the query as written, or a select of the wanted columns of the table
    (a ``where`` condition in the database)."""
    import sqlalchemy as sa

    if selection.table is None:
        return sa.text(selection.query), ()
    schema, _, table = selection.table.rpartition(".")
    schema = schema or None
    with _refused(db, name, "cannot list the tables"):
        inspector = sa.inspect(connection)
        if not inspector.has_table(table, schema=schema):
            tables = inspector.get_table_names(schema) + inspector.get_view_names(schema)
            raise DataError(
                f"{name}: table {selection.table!r} not found; tables: {_listing(sorted(tables))}"
            )
        header = [str(column["name"]) for column in inspector.get_columns(table, schema)]
    source = sa.table(table, schema=schema)
    wanted = selection.wanted(header) if selection.wanted else header
    if wanted is None:  # a required column is missing: the header is enough to say which
        return sa.select(*(sa.column(c) for c in header)).select_from(source).limit(0), ()
    statement = sa.select(*(sa.column(c) for c in wanted)).select_from(source)
    notes = []
    if selection.where is not None:
        statement = statement.where(sa.text(selection.where))
        notes.append(f"where {selection.where}")
    if len(wanted) < len(header):
        notes.append(f"read {len(wanted)} of {len(header)} columns (those the mapping uses)")
    return statement, tuple(notes)


def _from_rows(name: str, columns: list[str], rows: Sequence[Sequence[object]]) -> pa.Table:
    """Rows of Python values as an Arrow table, each column typed by Arrow's inference
    (datetimes keep their zone); a column Arrow cannot type (mixed values, as SQLite allows)
    becomes text."""
    _check_unique(name, columns)
    values = list(zip(*rows, strict=True)) if rows else [()] * len(columns)
    arrays = {}
    for column, cells in zip(columns, values, strict=True):
        try:
            arrays[column] = pa.array(cells) if cells else pa.array([], pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            text = [None if cell is None else str(cell) for cell in cells]
            arrays[column] = pa.array(text, pa.large_string())
    return pa.table(arrays)


@contextmanager
def _refused(db: DatabaseURL | None, name: str, what: str) -> Iterator[None]:
    """Turn a driver's failure into a one-line :class:`DataError` naming the source, with the
    secrets scrubbed and the driver's exception not chained (its text may quote them)."""
    try:
        yield
    except DataError:
        raise
    except Exception as exc:  # any driver's error class: all end here, as one line
        raise DataError(f"{name}: {what}: {_message(db, exc)}") from None


def _message(db: DatabaseURL | None, exc: BaseException) -> str:
    """The first line of the driver's own message (SQLAlchemy's wrapper adds the SQL and a
    link), secrets scrubbed."""
    original = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(original).splitlines() if line.strip()]
    text = re.sub(r"\s+", " ", lines[0]) if lines else type(original).__name__
    return db.scrub(text) if db is not None else text


def _listing(names: list[str], limit: int = 20) -> str:
    if not names:
        return "none"
    shown = ", ".join(names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")
