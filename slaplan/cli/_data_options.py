"""The data options every command shares, and the lead table they load.

One argument group for every command that reads lead data (``validate``, ``check``, ``plan``,
``forecast``, ``review``, and any later one): ``--leads``, ``--mapping`` (a preset name or a
JSON object), ``--dayfirst`` / ``--monthfirst`` (neither: detected from the values),
``--stages`` (comma list), ``--as-of``, and for a database URL in ``--leads`` its ``--query``
or ``--table`` (with ``--where``; ``--where`` also filters a Parquet folder).
:func:`add_data_options` adds them to a parser,
:func:`data_options` resolves them (the bundled samples and their "today" when no ``--leads``
is given) and :func:`load_data` loads the lead table, so a missing or bad file fails with one
line before any work starts. ``check`` and ``review`` also take ``--sla`` and ``--team``,
``backtest`` ``--sla`` only (:func:`add_sla_options`, :func:`sla_paths`).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "DataOptions",
    "LoadedData",
    "SlaPaths",
    "add_data_options",
    "add_period_option",
    "add_sla_options",
    "data_options",
    "load_data",
    "parse_stages",
    "sla_paths",
    "team_path",
]

_MAPPING_HELP = (
    "column mapping: a preset (hubspot, salesforce, salesforce_lead, salesforce_opportunity, "
    'maven) or a JSON object such as \'{"lead_id": "Id", "mql_at": "MQL Date"}\' '
    "(default: canonical columns)"
)


@dataclass(frozen=True, kw_only=True)
class DataOptions:
    """The lead data a command reads, with the defaults resolved.

    Attributes
    ----------
    leads_path : Path or str
        The export (the bundled samples' ``leads.csv`` when no ``--leads`` was given): a file or
        Parquet folder, or a database URL (a string, possibly with ``${ENV}`` credentials).
    mapping : None, str or dict
        ``load_leads(mapping=...)``: a preset name, a parsed JSON object, or ``None``.
    dayfirst : bool or None
        ``True`` for ``--dayfirst``, ``False`` for ``--monthfirst``, ``None`` to detect.
    stages : tuple of str or None
        The funnel's stages from ``--stages`` (``None``: the command's default funnel).
    as_of : str or None
        The analysis date (the samples' "today" on the samples, else ``--as-of`` or ``None``).
    query, table, where : str or None
        ``load_leads(query=..., table=..., where=...)`` for a database URL or a Parquet folder.
    """

    leads_path: Path | str
    mapping: str | dict | None
    dayfirst: bool | None
    stages: tuple[str, ...] | None
    as_of: str | None
    query: str | None = None
    table: str | None = None
    where: str | None = None

    @property
    def shown(self) -> str:
        """The source for messages: a database URL with its password masked, else the path."""
        from slaplan.funnel.db_url import is_database_url, parse_url

        if is_database_url(self.leads_path):
            return parse_url(str(self.leads_path)).shown
        return str(self.leads_path)

    @property
    def stem(self) -> str:
        """A short name for files written about the source (the table, or ``database``)."""
        from slaplan.funnel.db_url import is_database_url

        if is_database_url(self.leads_path):
            return self.table or "database"
        return Path(self.leads_path).stem

    def funnel(self, default: Any = None) -> Any:
        """The funnel to read with: ``--stages`` if given, else ``default``."""
        from slaplan.funnel.stages import Funnel

        return Funnel(list(self.stages)) if self.stages else default


@dataclass(frozen=True, kw_only=True)
class LoadedData:
    """A loaded lead table and the options it was loaded with."""

    leads: Any
    options: DataOptions


@dataclass(frozen=True, kw_only=True)
class SlaPaths:
    """The SLA file and the roster of ``check`` and ``review`` (samples' defaults resolved)."""

    sla_path: Path
    team_path: Path | None


def parse_stages(text: str) -> tuple[str, ...]:
    """``"mql, sql"`` → ``("mql", "sql")`` (an ``argparse`` type: bad text is a usage error).

    >>> parse_stages("mql, sql")
    ('mql', 'sql')
    """
    from slaplan.funnel.stages import Funnel

    stages = tuple(part.strip() for part in text.split(","))
    try:
        return Funnel(list(stages)).stages
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"must be comma-separated stage names such as mql,sql ({exc})"
        ) from exc


def add_data_options(parser: argparse.ArgumentParser, *, as_of_help: str) -> None:
    """Add ``--leads``, ``--mapping``, ``--dayfirst``/``--monthfirst``, ``--stages`` and
    ``--as-of`` to a subcommand's parser, as one argument group."""
    group = parser.add_argument_group(
        "lead data", "the CRM export and how to read it (default: the bundled samples)"
    )
    group.add_argument(
        "--leads",
        help="lead export: .csv, .xlsx, .parquet, a folder of Parquet files, a database URL "
        "such as postgresql://crm:${PGPASSWORD}@db/sales (with --query or --table), or a "
        "source.yaml naming one of them and how to read it (written by slaplan init)",
    )
    group.add_argument("--mapping", help=_MAPPING_HELP)
    order = group.add_mutually_exclusive_group()
    order.add_argument(
        "--dayfirst",
        dest="dayfirst",
        action="store_const",
        const=True,
        default=None,
        help="read 05/03/2024 as 5 March (default: detected from the dates)",
    )
    order.add_argument(
        "--monthfirst",
        dest="dayfirst",
        action="store_const",
        const=False,
        help="read 05/03/2024 as May 3",
    )
    group.add_argument(
        "--stages",
        type=parse_stages,
        metavar="STAGE,...",
        help="funnel stages in order, e.g. mql,sql (default: the stage columns of the file)",
    )
    group.add_argument("--as-of", dest="as_of", help=as_of_help)
    source = group.add_mutually_exclusive_group()
    source.add_argument("--query", help="SQL query that returns the leads (database URL only)")
    source.add_argument("--table", help="table or view of the leads (database URL only)")
    group.add_argument(
        "--where",
        help="SQL filter on the rows of --table or of a Parquet folder, "
        "e.g. \"created_at >= '2025-01-01'\"",
    )


def add_sla_options(
    parser: argparse.ArgumentParser, *, sla: bool = True, team: bool = True
) -> None:
    """Add ``--sla`` (unless ``sla`` is false: a command given its SLA files otherwise) and
    ``--team`` (unless ``team`` is false: a command that applies no roster); the defaults are
    the samples' files when on the samples."""
    group = parser.add_argument_group("SLA", "the SLA file" + " and the team roster" * team)
    if sla:
        group.add_argument("--sla", type=Path, help="SLA YAML file (default: samples sla.yaml)")
    if team:
        group.add_argument(
            "--team", type=Path, help="team roster CSV (default: samples team.csv on the samples)"
        )


def add_period_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--period``, the SLA period a check looks at (default: the next full one)."""
    parser.add_argument(
        "--period", help="the SLA period to check, YYYY-MM or YYYYQn (default: the next one)"
    )


def data_options(args: argparse.Namespace) -> DataOptions:
    """The parsed data options with the bundled samples (and their "today") as defaults."""
    from slaplan.funnel.db_url import is_database_url
    from slaplan.samples import SampleConfig, samples_dir

    on_samples = args.leads is None
    as_of = args.as_of or (SampleConfig().as_of.isoformat() if on_samples else None)
    leads = args.leads
    if leads is not None and not is_database_url(leads):
        leads = Path(leads)
    return DataOptions(
        leads_path=leads or Path(samples_dir()) / "leads.csv",
        query=getattr(args, "query", None),
        table=getattr(args, "table", None),
        where=getattr(args, "where", None),
        mapping=_mapping(args.mapping),
        dayfirst=args.dayfirst,
        stages=args.stages,
        as_of=as_of,
    )


def sla_paths(args: argparse.Namespace) -> SlaPaths:
    """``--sla`` and ``--team`` with the samples' files as defaults (the roster only on the
    samples: another company's leads are not worked by the samples' team)."""
    from slaplan.samples import samples_dir

    root = Path(samples_dir())
    return SlaPaths(sla_path=args.sla or root / "sla.yaml", team_path=team_path(args))


def team_path(args: argparse.Namespace) -> Path | None:
    """``--team``, or the samples' roster when on the samples (``None`` otherwise, and for a
    command without ``--team``)."""
    from slaplan.samples import samples_dir

    if "team" not in args:  # a command without --team (add_sla_options(team=False))
        return None
    return args.team or (Path(samples_dir()) / "team.csv" if args.leads is None else None)


def load_data(
    args: argparse.Namespace, *, funnel: Any = None, required: tuple[str, ...] = ()
) -> LoadedData:
    """Load the lead table the options name (``funnel``: the default when no ``--stages``;
    ``required``: stages ``--stages`` must keep, e.g. the SLA's).

    Raises
    ------
    DataError
        The file is missing, unreadable or unusable, or ``--stages`` leaves out a required
        stage (one line, before any other work).
    """
    from slaplan.errors import DataError
    from slaplan.funnel.leads import load_leads

    options = data_options(args)
    missing = [stage for stage in required if options.stages and stage not in options.stages]
    if missing:
        raise DataError(
            f"--stages must keep every stage of the SLA's funnel ({', '.join(required)}), "
            f"got {','.join(options.stages)}: {', '.join(missing)} missing; list the export's "
            "stages in the SLA file's funnel instead"
        )
    leads = load_leads(
        options.leads_path,
        mapping=options.mapping,
        funnel=options.funnel(funnel),
        dayfirst=options.dayfirst,
        as_of=options.as_of,
        query=options.query,
        table=options.table,
        where=options.where,
    )
    return LoadedData(leads=leads, options=options)


def _mapping(text: str | None) -> str | dict | None:
    if text is None or not text.strip().startswith("{"):
        return text
    try:
        mapping = json.loads(text)
    except json.JSONDecodeError as exc:
        from slaplan.errors import DataError

        raise DataError(f"--mapping is not a valid JSON object: {exc}; got {text!r}") from exc
    return mapping
