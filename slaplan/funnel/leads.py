"""``load_leads``: a CRM export in, a validated canonical lead table out, nothing lost.

This module owns the import pipeline: read the source as text (:mod:`.readers`), map its columns
(:mod:`.presets`), parse dates (:mod:`.dates`), validate rows (:mod:`.validate`), apply the
funnel's skip policy (:mod:`.stages`) and return a :class:`~slaplan.funnel.table.LeadTable`.
Every step is vectorised and independent columns are parsed side by side in a thread pool
(Arrow and numpy release the GIL): a million-row CSV loads in under twice the time of a bare
pyarrow read (``bench/ingest.py``).

Policy (PRODUCT.md §3): a file that cannot be used raises :class:`~slaplan.errors.DataError`
naming the file and listing missing and present columns; a row that cannot be used goes to
``rejected`` with its 0-based row, its line in the file, a reason and its original text;
``len(frame) + len(rejected) == rows read``, always.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from slaplan._checks import check_positive
from slaplan.errors import DataError
from slaplan.funnel import columns as cols
from slaplan.funnel._parse import Columns, parse_columns, row_reasons
from slaplan.funnel.dates import arrow_strings
from slaplan.funnel.pairs import as_of_timestamp, latest_as_of
from slaplan.funnel.presets import (
    ColumnMapping,
    date_sources,
    find_column,
    header_hints,
    preset_hint,
    reading_funnel,
    resolve_mapping,
    source_columns,
)
from slaplan.funnel.readers import RawTable, read_source
from slaplan.funnel.source_file import is_source_file, load_source
from slaplan.funnel.stages import Funnel
from slaplan.funnel.table import LeadTable, LoadReport

__all__ = ["FUTURE_GRACE", "LeadTable", "LoadReport", "load_leads"]

FUTURE_GRACE = pd.Timedelta(days=1)
"""How far past the real clock a timestamp may be before its row is rejected as "future"."""


def load_leads(
    source: str | Path | pd.DataFrame,
    *,
    mapping: str | dict | ColumnMapping | None = None,
    funnel: Funnel | None = None,
    dayfirst: bool | None = None,
    as_of: str | pd.Timestamp | None = None,
    tz: str = "UTC",
    order_tolerance_hours: float = 1.0,
    query: str | None = None,
    table: str | None = None,
    where: str | None = None,
) -> LeadTable:
    """Load a lead-level CRM export into a validated :class:`LeadTable`.

    Parameters
    ----------
    source : path, folder, database URL, source file or DataFrame
        ``.csv`` (any of ``, ; tab |``, UTF-8 with or without BOM, Latin-1 fallback, junk lines
        above the header), ``.xlsx``, ``.parquet``, a folder of Parquet files (hive
        partitions allowed), a database URL such as ``"postgresql://user:${PGPASSWORD}@host/crm"``
        (SQLAlchemy syntax; PostgreSQL, SQLite, DuckDB, ...), or a DataFrame. Folders and
        URLs: see :mod:`slaplan.funnel.sources` (types, row numbers, credentials). A ``.yaml``
        data source file names one of these and how to read it (:mod:`.source_file`): its
        ``mapping``, ``dayfirst``, ``query``, ``table`` and ``where`` must then not be passed
        here too; ``funnel`` and ``as_of`` passed here take precedence over its own.
    mapping : None, str, dict or ColumnMapping
        ``None`` for canonical columns, a preset (``"hubspot"``, ``"salesforce"``,
        ``"salesforce_lead"``, ``"salesforce_opportunity"``, ``"maven"``) or
        ``{canonical_name: source_column}`` (see :mod:`slaplan.funnel.presets`).
    funnel : Funnel, optional
        Stages to read; default: the preset's funnel, else the ``<stage>_at`` columns of a
        canonical file (:func:`~slaplan.funnel.presets.reading_funnel`), else
        :data:`DEFAULT_FUNNEL`. Only ``lead_id`` and the funnel's stage columns are required.
    dayfirst : bool or None
        The order of day and month in dates such as ``05/03/2024``: ``True`` reads 5 March,
        ``False`` May 3 (month first), ``None`` (default) detects it from the values of the
        whole file (:mod:`slaplan.funnel.date_order`: a value such as ``25/01/2024`` decides;
        a file whose every such date reads both ways is refused with a ``DataError``).
    as_of : str or Timestamp, optional
        The "today" of the analyses run on the table (``LeadTable.as_of``): events after it are
        *censored* — treated as not yet happened — by every analysis, never rejected. A date
        without a time means the end of that day. Default: the latest timestamp in the data.
        Rows are rejected as "future" only for timestamps after the real clock (plus a day).
    tz : str
        Zone that timestamps carrying an offset (or ``timestamptz``) are converted to (then
        made naive).
    order_tolerance_hours : float
        A stage may precede an earlier stage by up to this much before the row is rejected.
    query, table : str, optional
        For a database URL, exactly one: SQL text run as written, or a table (``schema.name``)
        of which only the mapped columns are read.
    where : str, optional
        SQL condition filtering a ``table`` or a Parquet folder before it is read.

    Returns
    -------
    LeadTable

    Raises
    ------
    DataError
        The source cannot be used: unreadable, empty, required columns missing, dates whose
        order of day and month is ambiguous or contradictory, or a date column that is mostly
        not dates; for a database, one line naming it with the password masked.
    ValueError
        ``query``, ``table`` or ``where`` do not fit the source.

    Examples
    --------
    >>> import slaplan as sp
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> len(t.frame) + len(t.rejected) == t.rows_read
    True

    The same export queried through a database (DuckDB in memory, reading the CSV as text):

    >>> path = sp.samples_dir() / "leads.csv"
    >>> sql = f"select * from read_csv('{path}', all_varchar = true)"
    >>> d = sp.load_leads("duckdb://", query=sql, as_of="2026-11-15")
    >>> d.frame.equals(t.frame), len(d.rejected) == len(t.rejected)
    (True, True)
    """
    if is_source_file(source):
        arguments = load_source(source).load_arguments(
            mapping=mapping,
            dayfirst=dayfirst,
            query=query,
            table=table,
            where=where,
            funnel=funnel,
            as_of=as_of,
        )
        return load_leads(**arguments, tz=tz, order_tolerance_hours=order_tolerance_hours)
    tolerance_ns = int(
        check_positive("order_tolerance_hours", order_tolerance_hours, allow_zero=True) * 3.6e12
    )
    as_of_ts = None if as_of is None else as_of_timestamp(as_of, tz=tz)
    # a stamp later than the real clock cannot be right (time zones: a day's grace)
    future_limit = pd.Timestamp.now(tz).tz_localize(None) + FUTURE_GRACE
    if funnel is not None and not isinstance(funnel, Funnel):
        raise TypeError(f"funnel must be a Funnel or None, got {type(funnel).__name__}")
    if dayfirst is not None and not isinstance(dayfirst, bool | np.bool_):
        raise TypeError(f"dayfirst must be True, False or None, got {dayfirst!r}")
    raw = read_source(
        source,
        header_hints=header_hints(mapping),
        typed_columns=lambda header: date_sources(mapping, funnel, header),
        wanted_columns=lambda header: source_columns(mapping, funnel, header),
        query=query,
        table=table,
        where=where,
    )
    header = list(raw.frame.columns)
    cmap = resolve_mapping(mapping, header)
    funnel = reading_funnel(cmap, funnel, header)
    sources = _locate(raw, cmap, funnel)
    frame, skipped, warnings, rejected, notes = _validate(
        raw,
        sources,
        cmap,
        funnel,
        dayfirst=dayfirst,
        tz=tz,
        latest_allowed=future_limit,
        tolerance_ns=tolerance_ns,
    )
    if len(frame) + len(rejected) != raw.rows_read:  # pragma: no cover - invariant
        raise AssertionError("rows lost during import")
    if raw.rows_read == 0:
        raise DataError(f"{raw.name}: no data rows under the header; columns: {header}")
    return LeadTable(
        frame=frame,
        rejected=rejected,
        funnel=funnel,
        skipped=skipped,
        source_name=raw.name,
        mapping_name=cmap.name,
        as_of=as_of_ts if as_of_ts is not None else _latest(frame),
        warnings=tuple(warnings),
        notes=raw.notes + notes,
    )


def _validate(
    raw: RawTable,
    sources: dict[str, str],
    cmap: ColumnMapping,
    funnel: Funnel,
    *,
    dayfirst: bool | None,
    tz: str,
    latest_allowed: pd.Timestamp,
    tolerance_ns: int,
) -> tuple[pd.DataFrame, pd.DataFrame, list[str], pd.DataFrame, tuple[str, ...]]:
    """Accepted frame, skip flags, warnings, rejected rows of ``raw``, and notes on what was
    detected.

    Arrow and numpy release the GIL, so independent columns and steps run side by side in one
    thread pool.
    """
    with ThreadPoolExecutor(max_workers=_workers(len(raw.frame))) as pool:
        options = {
            "dayfirst": dayfirst,
            "tz": tz,
            "latest_allowed": latest_allowed,
            "tolerance_ns": tolerance_ns,
        }
        columns = parse_columns(raw.frame, sources, cmap, funnel, pool, name=raw.name, **options)
        reasons = row_reasons(columns, len(raw.frame))
        keep = reasons.ok
        counts, text = _text_columns(raw.frame, cmap, columns, keep, pool)
        dropped = np.flatnonzero(~keep)
        # queued after the text columns: needed last
        rejected_job = pool.submit(raw.rejected_rows, dropped, reasons.text(dropped))
        frame, skipped, warnings = _accepted(raw.frame, funnel, columns, keep, counts, text)
        notes = () if columns.date_note is None else (columns.date_note,)
        return frame, skipped, warnings, rejected_job.result(), notes


def _latest(frame: pd.DataFrame) -> pd.Timestamp | None:
    """The latest timestamp of the accepted leads (the default "today" of an analysis)."""
    stamps = [frame[c].max() for c in frame.columns if str(c).endswith("_at")]
    stamps = [s for s in stamps if pd.notna(s)]
    return latest_as_of(pd.Timestamp(max(stamps))) if stamps else None


def _locate(raw: RawTable, cmap: ColumnMapping, funnel: Funnel) -> dict[str, str]:
    """Canonical name → source column; ``DataError`` if ``lead_id`` or a stage is missing."""
    header = list(raw.frame.columns)
    optional = ("created_at", "segment", "owner", "first_touch_at", "score", "amount", "lost_at")
    wanted = {
        name: cmap.columns.get(name, name) for name in ("lead_id", *funnel.columns, *optional)
    }
    found = {name: find_column(header, src) for name, src in wanted.items()}
    missing = [
        name + ("" if wanted[name] == name else f" (as {_alternatives(wanted[name])})")
        for name in ("lead_id", *funnel.columns)
        if found[name] is None and not (cmap.has_status and name != "lead_id")
    ]
    for attribute in ("status_column", "status_date_column"):
        column = getattr(cmap, attribute)
        if column is not None and find_column(header, column) is None:
            missing.append(f"{attribute.replace('_column', '')} (as {column!r})")
    if missing:
        hint = preset_hint(header) if cmap.name == "canonical" else None
        advice = (
            f"; the columns look like a {hint!r} export: pass mapping={hint!r} (--mapping {hint})"
        )
        raise DataError(
            f"{raw.name}: missing required column(s): {', '.join(missing)} (mapping "
            f"{cmap.name!r}, funnel {list(funnel.stages)}); present columns: {header}"
            + (advice if hint else "")
        )
    located = {name: column for name, column in found.items() if column is not None}
    for attribute in ("status_column", "status_date_column"):
        if getattr(cmap, attribute) is not None:
            located[attribute] = find_column(header, getattr(cmap, attribute))
    return located


def _alternatives(source: str | tuple[str, ...]) -> str:
    options = (source,) if isinstance(source, str) else source
    return " or ".join(repr(o) for o in options)


def _workers(rows: int) -> int:
    return 1 if rows < 100_000 else min(4, os.cpu_count() or 1)


def _accepted(
    raw: pd.DataFrame,
    funnel: Funnel,
    columns: Columns,
    keep: np.ndarray,
    segment_counts: Future,
    text: dict[str, Future],
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Canonical frame of the accepted rows, their skip flags, and warnings (the jobs counting
    segments and building the text columns come from :func:`_text_columns`)."""
    positions = np.flatnonzero(keep)
    plain = isinstance(raw.index, pd.RangeIndex) and raw.index.start == 0 and raw.index.step == 1
    index = pd.Index(positions if plain else raw.index.to_numpy()[positions], name="row")
    stage_values = [values[keep] for values in columns.checks.stages]
    skipped = [flags[keep] for flags in columns.checks.skipped]
    warnings: list[str] = []
    backfill = funnel.skip_policy == "backfill"
    earliest = stage_values[0] if backfill else cols.earliest(stage_values)
    created = cols.created_at(columns.dates["created_at"][keep], earliest, warnings)
    data: dict[str, object] = {
        "lead_id": text["lead_id"].result(),
        "created_at": created,
        "segment": text["segment"].result(),
        "owner": text["owner"].result(),
        **dict(zip(funnel.columns, stage_values, strict=True)),
        "first_touch_at": columns.dates["first_touch_at"][keep],
    }
    for name in ("score", "amount"):
        data[name] = cols.numbers(columns.numbers[name], keep, name, warnings)
    if columns.status is not None:
        data["status"] = pd.array(columns.status[keep], dtype="str")
        data["lost_at"] = columns.dates["lost_at"][keep]
    data.update({name: job.result() for name, job in text.items() if name not in data})
    # every column is a fresh array: no copy, and no consolidation into 2-D blocks
    frame = pd.DataFrame(data, index=index, copy=False)
    skipped_frame = pd.DataFrame(
        dict(zip(funnel.stages, skipped, strict=True)), index=index, copy=False
    )
    for stage, flags in zip(funnel.stages, skipped, strict=True):
        if count := int(np.count_nonzero(flags)):
            warnings.append(f"{count:,} lead(s) skipped stage {stage!r} ({funnel.skip_policy})")
    for stage, values in zip(funnel.stages, stage_values, strict=True):
        if len(values) and np.isnat(values).all():
            warnings.append(f"stage {stage!r} has no timestamp in any accepted row: no rate or "
                            "volume can be estimated for it")  # fmt: skip
    warnings += _small_segments(segment_counts.result())
    return frame, skipped_frame, warnings


def _text_columns(
    raw: pd.DataFrame,
    cmap: ColumnMapping,
    columns: Columns,
    keep: np.ndarray,
    pool: ThreadPoolExecutor,
) -> tuple[Future, dict[str, Future]]:
    """Jobs counting the kept rows per segment and building the text columns (Arrow filters
    release the GIL, so they run beside the numpy work on the date columns)."""
    kept = pa.array(keep)
    segments = columns.labels["segment"]
    segment = pool.submit(cols.group_labels, segments, keep)
    # counted on the kept labels (the job before it in the queue: waiting on it is safe)
    counts = pool.submit(lambda: cols.kept_label_counts(segments, keep, segment.result()))
    text = {
        "segment": segment,
        "lead_id": pool.submit(lambda: cols.str_column(columns.ids.ids.filter(kept))),
        "owner": pool.submit(cols.group_labels, columns.labels["owner"], keep),
    }
    for name, source in cmap.extra.items():
        column = find_column(list(raw.columns), source)
        if column is not None:
            strings = arrow_strings(raw[column])
            text[name] = pool.submit(lambda s=strings: cols.str_column(s.filter(kept)))
    return counts, text


def _small_segments(counts: pd.Series, minimum: int = 30) -> list[str]:
    small = counts[counts < minimum].sort_values(ascending=False, kind="stable")
    return [f"segment {s!r} has only {n} lead(s)" for s, n in small.items() if len(counts) > 1]
