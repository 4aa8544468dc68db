"""A data source file (``source.yaml``): where a team's leads live and how to read them.

A team's SLA repository (``slaplan init``) keeps one small YAML file beside its ``sla.yaml``
that says where the leads are — a file, a folder of Parquet files or a database URL with a
query or a table — and how to read them (mapping, order of day and month, funnel stages, the
analysis date). :func:`slaplan.load_leads` reads such a file as one more kind of source, so
every door that takes a lead export (``--leads`` of every command, the notebooks' ``leads_path``,
``build_review``) takes ``source.yaml`` too:

.. code-block:: yaml

    leads: exports/leads.csv            # or a Parquet folder, or a database URL
    # query: select * from crm.leads order by created_at   (a database: query or table)
    mapping: hubspot                    # a preset or {lead_id: Id, mql_at: MQL Date}
    dayfirst: null                      # true, false, or null to detect
    stages: [lead, mql, sql]            # the export's funnel (default: its stage columns)
    as_of: 2026-11-15                   # the analysis "today" (default: the latest date)

A relative ``leads`` path is relative to the source file's folder. A database password stays in
the environment (``${NAME}`` in the URL, see :mod:`slaplan.funnel.db_url`). How to read the
export is said once, in the file: an argument that the file also sets (``mapping``,
``dayfirst``, ``query``, ``table``, ``where``) is refused rather than silently preferred; the
analysis date and a funnel passed by the caller (an SLA's stages) take precedence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slaplan._yaml import parse_yaml
from slaplan.errors import DataError
from slaplan.funnel.db_url import is_database_url

__all__ = ["SOURCE_SUFFIXES", "SourceFile", "is_source_file", "load_source"]

SOURCE_SUFFIXES = (".yaml", ".yml")
_READING = ("mapping", "dayfirst", "query", "table", "where")
_KEYS = ("leads", *_READING, "stages", "as_of")


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """A parsed data source file.

    Attributes
    ----------
    path : Path
        The YAML file itself (named in messages).
    leads : str
        The export: a path (made absolute against the file's folder) or a database URL.
    mapping : None, str or dict
        ``load_leads(mapping=...)``.
    dayfirst : bool or None
        ``load_leads(dayfirst=...)``.
    query, table, where : str or None
        ``load_leads``'s selection for a database URL or a Parquet folder.
    stages : tuple of str or None
        The export's funnel (``None``: the export's own stage columns).
    as_of : str or None
        The analysis date (ISO text), ``None`` for the latest date in the data.
    """

    path: Path
    leads: str
    mapping: str | dict[str, str] | None = None
    dayfirst: bool | None = None
    query: str | None = None
    table: str | None = None
    where: str | None = None
    stages: tuple[str, ...] | None = None
    as_of: str | None = None

    def load_arguments(self, **given: Any) -> dict[str, Any]:
        """The keyword arguments of :func:`slaplan.load_leads` for this source.

        ``given`` are the caller's arguments: ``mapping``, ``dayfirst``, ``query``, ``table``
        and ``where`` must be ``None`` where the file sets them; ``funnel`` and ``as_of``, when
        not ``None``, take precedence over the file's ``stages`` and ``as_of``.

        Raises
        ------
        DataError
            An argument that the file sets too.
        """
        from slaplan.funnel.stages import Funnel

        arguments: dict[str, Any] = {"source": self.leads}
        for name in _READING:
            ours, theirs = getattr(self, name), given.get(name)
            if ours is not None and theirs is not None:
                raise DataError(
                    f"{self.path}: {name} is set in the source file ({ours!r}) and given as "
                    f"{theirs!r} too; say it in one place"
                )
            arguments[name] = theirs if ours is None else ours
        funnel = given.get("funnel")
        if funnel is None and self.stages:
            funnel = Funnel(list(self.stages))
        arguments["funnel"] = funnel
        arguments["as_of"] = given.get("as_of") or self.as_of
        return arguments


def is_source_file(source: object) -> bool:
    """Whether ``source`` names a data source file (a ``.yaml``/``.yml`` path).

    >>> is_source_file("source.yaml"), is_source_file("leads.csv"), is_source_file("duckdb://")
    (True, False, False)
    """
    return (
        isinstance(source, str | Path)
        and not is_database_url(source)
        and Path(source).suffix.lower() in SOURCE_SUFFIXES
    )


def load_source(path: str | Path) -> SourceFile:
    """Read and validate a data source file.

    Parameters
    ----------
    path : path
        The YAML file (read with PyYAML's safe loader).

    Returns
    -------
    SourceFile

    Raises
    ------
    DataError
        The file is missing or not YAML, or a field is wrong: one line naming the file, the
        field, the rule and the bad value.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "source.yaml").write_text("leads: leads.csv\\ndayfirst: true\\n")
    >>> source = load_source(folder / "source.yaml")
    >>> source.leads == str(folder / "leads.csv"), source.dayfirst
    (True, True)
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: source file not found")
    raw = parse_yaml(path.read_text(encoding="utf-8"), name=str(path), error=DataError)
    if not isinstance(raw, Mapping):
        raise DataError(f"{path}: a source file is a mapping of keys to values, got {raw!r}")
    unknown = [str(key) for key in raw if key not in _KEYS]
    if unknown:
        raise DataError(
            f"{path}: {unknown[0]} is not a known key (allowed keys: {', '.join(_KEYS)})"
        )
    if "leads" not in raw:
        raise DataError(f"{path}: leads is required (a file, a Parquet folder or a database URL)")
    return SourceFile(
        path=path,
        leads=_leads(path, raw["leads"]),
        mapping=_mapping(path, raw.get("mapping")),
        dayfirst=_dayfirst(path, raw.get("dayfirst")),
        query=_text(path, "query", raw.get("query")),
        table=_text(path, "table", raw.get("table")),
        where=_text(path, "where", raw.get("where")),
        stages=_stages(path, raw.get("stages")),
        as_of=_as_of(path, raw.get("as_of")),
    )


def _fail(path: Path, field: str, rule: str, value: Any) -> DataError:
    return DataError(f"{path}: {field} must {rule}, got {value!r}")


def _text(path: Path, field: str, value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, field, "be non-empty text", value)
    return value.strip()


def _leads(path: Path, value: Any) -> str:
    text = _text(path, "leads", value)
    if text is None:
        raise _fail(path, "leads", "name a file, a Parquet folder or a database URL", value)
    if is_database_url(text):
        return text
    if Path(text).suffix.lower() in SOURCE_SUFFIXES:
        raise _fail(path, "leads", "name the export itself, not another source file", value)
    return str((path.parent / text).resolve())


def _mapping(path: Path, value: Any) -> str | dict[str, str] | None:
    if value is None or isinstance(value, str):
        return _text(path, "mapping", value)
    if isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(value)
    raise _fail(path, "mapping", "be a preset name or {canonical_column: export_column}", value)


def _dayfirst(path: Path, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise _fail(path, "dayfirst", "be true, false or null (detect)", value)


def _stages(path: Path, value: Any) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(s, str) for s in value):
        raise _fail(path, "stages", "be a list of stage names such as [mql, sql]", value)
    return tuple(value)


def _as_of(path: Path, value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise _fail(path, "as_of", "be a date YYYY-MM-DD", value) from None
