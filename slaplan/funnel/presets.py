"""Column mappings from CRM exports to the canonical lead table, and the named presets.

This module owns :class:`ColumnMapping` and the presets accepted as ``load_leads(mapping=...)``:

``None``
    Canonical columns (``lead_id``, ``created_at``, ``segment``, ``owner``, ``<stage>_at``,
    ``first_touch_at``, ``score``, ``amount``).
``"hubspot"``
    HubSpot contact export: "Record ID", "Create Date", "Became a Lead Date", "Became a
    Marketing Qualified Lead Date", "Became a Sales Qualified Lead Date", "Became an Opportunity
    Date", "Became a Customer Date", "Original Source" (segment), "Contact owner", "HubSpot
    Score", "Date of first engagement". Default funnel.
``"salesforce"``
    Picks ``"salesforce_opportunity"`` when the export has an "Opportunity ID" column, else
    ``"salesforce_lead"``.
``"salesforce_lead"``
    Lead report: "Lead ID", "Created Date" (lead), "Converted Date" (opportunity), "Lead Status"
    (status; "… Not Converted", "Unqualified", "Disqualified" leave the funnel), "Lead Source"
    (segment), "Lead Owner". Funnel lead → opportunity.
``"salesforce_opportunity"``
    Opportunity report: "Opportunity ID", "Created Date" (opportunity), "Stage" + "Close Date"
    ("Closed Won" → customer at the close date, "Closed Lost" leaves the funnel at the close
    date, any other stage is an open opportunity), "Amount", "Lead Source", "Opportunity Owner".
    Funnel opportunity → customer.
``"maven"``
    Maven Analytics "CRM Sales Opportunities" ``sales_pipeline.csv``, a pipeline funnel
    prospecting → engaging → won. The export has no creation date, so **the prospecting
    timestamp is unknown**: engaged deals are backfilled by the skip policy to their
    ``engage_date`` (recorded as a skip: read the prospecting skip rate as "date not exported",
    not as behaviour) and the 500 deals still in Prospecting keep no date at all; they are kept,
    with ``status == "prospecting"``, and count in status tables but in no event count or cohort.
    ``engaging_at`` ← ``engage_date``; ``deal_stage`` Won → ``won_at`` ← ``close_date``;
    Lost → the deal leaves the funnel, ``lost_at`` ← ``close_date``. ``owner`` ← ``sales_agent``,
    ``segment`` ← ``product``, ``amount`` ← ``close_value``, extra column ``account``.
``dict``
    ``{canonical_name: source_column}``; canonical names already present in the source are
    used as they are. Keys ``"status"``, ``"status_date"`` and ``"status_values"``
    (``{source value: stage or "lost"}``, ``"*"`` for any other value) express a status-column
    export; ``"funnel"`` (list of stages) sets the funnel; any other key is copied as an extra
    text column.

**The funnel of a canonical file** (no mapping, or a dict without ``"funnel"``) is the stages
whose ``<stage>_at`` columns it has (:func:`reading_funnel`), so a table saved with
``LeadTable.frame.to_csv`` reads back with its own funnel: stages of :data:`DEFAULT_FUNNEL` in
its order (any other ``_at`` column is then not a stage), else every ``<stage>_at`` column in
the order of the file (``created_at``, ``first_touch_at`` and ``lost_at`` are never stages).
A file with no stage column at all is read against :data:`DEFAULT_FUNNEL`, and the error
lists its columns; if the file's columns are those of a preset's export, the error names the
preset to pass (:func:`preset_hint`).

**Status columns.** With a status mapping, a row whose status maps to stage ``s`` gets
``<s>_at := status_date`` when it has no other date for ``s``; ``"lost"`` sets ``lost_at``.
The canonical ``status`` column holds the mapped stage (or ``"lost"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from slaplan.funnel.dates import to_string_array
from slaplan.funnel.stages import DEFAULT_FUNNEL, Funnel

__all__ = [
    "BASE_COLUMNS",
    "PRESETS",
    "ColumnMapping",
    "apply_status_dates",
    "date_sources",
    "header_hints",
    "map_status",
    "preset_hint",
    "reading_funnel",
    "resolve_mapping",
    "source_columns",
]

#: canonical non-stage columns, in frame order (stage columns go after ``owner``)
BASE_COLUMNS: tuple[str, ...] = ("lead_id", "created_at", "segment", "owner")
TAIL_COLUMNS: tuple[str, ...] = ("first_touch_at", "score", "amount")
STATUS_COLUMNS: tuple[str, ...] = ("status", "lost_at")
LOST = "lost"
_NOT_STAGES = ("created_at", "first_touch_at", "lost_at")
_STAGE_COLUMN = re.compile(r"^([a-z][a-z0-9_]*)_at$")

Source = str | tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ColumnMapping:
    """How one export's columns become the canonical lead table.

    Parameters
    ----------
    name : str
        Preset name (or ``"custom"``), shown in reports.
    columns : mapping of str to str or tuple of str
        Canonical name → source column (a tuple lists alternatives, first present wins).
    status_column, status_date_column : str, optional
        Current-status column and the date the row entered that status.
    status_values : mapping of str to str
        Source status (case-insensitive) → stage name or ``"lost"``; ``"*"`` matches the rest.
    funnel : Funnel, optional
        The funnel this export describes (``load_leads(funnel=...)`` wins over it).
    extra : mapping of str to str
        Further source columns copied as text under the given names.
    """

    name: str = "custom"
    columns: Mapping[str, Source] = field(default_factory=dict, hash=False)
    status_column: str | None = None
    status_date_column: str | None = None
    status_values: Mapping[str, str] = field(default_factory=dict, hash=False)
    funnel: Funnel | None = None
    extra: Mapping[str, str] = field(default_factory=dict, hash=False)

    @property
    def has_status(self) -> bool:
        """Whether the export carries a current-status column."""
        return self.status_column is not None


_HUBSPOT = ColumnMapping(
    name="hubspot",
    columns={
        "lead_id": ("Record ID", "Contact ID", "Record ID - Contact"),
        "created_at": ("Create Date", "Create date"),
        "lead_at": "Became a Lead Date",
        "mql_at": "Became a Marketing Qualified Lead Date",
        "sql_at": "Became a Sales Qualified Lead Date",
        "opportunity_at": "Became an Opportunity Date",
        "customer_at": "Became a Customer Date",
        "segment": ("Original Source", "Original source"),
        "owner": ("Contact owner", "Contact Owner", "HubSpot Owner"),
        "score": ("HubSpot Score", "Lead Score"),
        "first_touch_at": ("Date of first engagement", "First Engagement Date"),
    },
    funnel=DEFAULT_FUNNEL,
)

_SALESFORCE_LEAD = ColumnMapping(
    name="salesforce_lead",
    columns={
        "lead_id": ("Lead ID", "Id"),
        "created_at": "Created Date",
        "lead_at": "Created Date",
        "opportunity_at": "Converted Date",
        "segment": "Lead Source",
        "owner": ("Lead Owner", "Owner"),
        "score": "Rating",
        "first_touch_at": ("First Activity Date", "First Call Date"),
    },
    status_column="Lead Status",
    status_values={
        "closed - not converted": LOST,
        "unqualified": LOST,
        "disqualified": LOST,
        "closed - converted": "opportunity",
        "converted": "opportunity",
        "*": "lead",
    },
    funnel=Funnel(["lead", "opportunity"]),
)

_SALESFORCE_OPPORTUNITY = ColumnMapping(
    name="salesforce_opportunity",
    columns={
        "lead_id": ("Opportunity ID", "Id"),
        "created_at": "Created Date",
        "opportunity_at": "Created Date",
        "segment": ("Lead Source", "Type"),
        "owner": "Opportunity Owner",
        "amount": "Amount",
    },
    status_column="Stage",
    status_date_column="Close Date",
    status_values={"closed won": "customer", "closed lost": LOST, "*": "opportunity"},
    funnel=Funnel(["opportunity", "customer"]),
)

_MAVEN = ColumnMapping(
    name="maven",
    columns={
        "lead_id": "opportunity_id",
        "engaging_at": "engage_date",
        "segment": "product",
        "owner": "sales_agent",
        "amount": "close_value",
    },
    status_column="deal_stage",
    status_date_column="close_date",
    status_values={
        "prospecting": "prospecting",
        "engaging": "engaging",
        "won": "won",
        "lost": LOST,
    },
    funnel=Funnel(
        ["prospecting", "engaging", "won"],
        definitions={
            "prospecting": "an opportunity exists (its creation date is not in the export)",
            "engaging": "the agent engaged the account (engage_date)",
            "won": "the deal closed won (close_date); lost deals leave at close_date",
        },
    ),
    extra={"account": "account"},
)

PRESETS: dict[str, ColumnMapping] = {
    m.name: m for m in (_HUBSPOT, _SALESFORCE_LEAD, _SALESFORCE_OPPORTUNITY, _MAVEN)
}
_PRESET_NAMES = ("hubspot", "salesforce", "salesforce_lead", "salesforce_opportunity", "maven")


def resolve_mapping(mapping: Any, header: list[str]) -> ColumnMapping:
    """Turn ``load_leads(mapping=...)`` into a :class:`ColumnMapping` for this ``header``."""
    if mapping is None:
        return ColumnMapping(name="canonical")
    if isinstance(mapping, ColumnMapping):
        return mapping
    if isinstance(mapping, str):
        if mapping == "salesforce":
            has_opportunity = any(_norm(c) == "opportunity id" for c in header)
            return PRESETS["salesforce_opportunity" if has_opportunity else "salesforce_lead"]
        if mapping not in PRESETS:
            raise ValueError(
                f"mapping must be None, a dict or one of {list(_PRESET_NAMES)}, got {mapping!r}"
            )
        return PRESETS[mapping]
    if isinstance(mapping, Mapping):
        return _from_dict(mapping)
    raise TypeError(f"mapping must be None, a preset name or a dict, got {type(mapping).__name__}")


def _from_dict(mapping: Mapping[str, Any]) -> ColumnMapping:
    columns: dict[str, Source] = {}
    extra: dict[str, str] = {}
    known = set(BASE_COLUMNS) | set(TAIL_COLUMNS) | {"lost_at"}
    for key, value in mapping.items():
        if key in ("status", "status_date", "status_values", "funnel"):
            continue
        if not isinstance(key, str) or not isinstance(value, str | tuple | list):
            raise TypeError(f"mapping entries must be str -> column name, got {key!r}: {value!r}")
        value = value if isinstance(value, str) else tuple(value)
        if key in known or key.endswith("_at"):
            columns[key] = value
        else:
            extra[key] = value
    funnel = mapping.get("funnel")
    status_values = {
        str(k).strip().casefold(): v for k, v in mapping.get("status_values", {}).items()
    }
    return ColumnMapping(
        columns=columns,
        status_column=mapping.get("status"),
        status_date_column=mapping.get("status_date"),
        status_values=status_values,
        funnel=Funnel(funnel) if funnel is not None else None,
        extra=extra,
    )


def _norm(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def find_column(header: list[str], wanted: Source) -> str | None:
    """The header entry matching ``wanted`` (exact first, then ignoring case and spacing)."""
    options = (wanted,) if isinstance(wanted, str) else wanted
    for option in options:
        if option in header:
            return option
    normalised = {_norm(c): c for c in header}
    for option in options:
        if _norm(option) in normalised:
            return normalised[_norm(option)]
    return None


def reading_funnel(cmap: ColumnMapping, funnel: Funnel | None, header: list[str]) -> Funnel:
    """The funnel a file is read with: the one given, the mapping's, else the stage columns of
    a canonical file (see the module docstring), else :data:`DEFAULT_FUNNEL`.

    Examples
    --------
    >>> header = ["lead_id", "created_at", "sql_at", "mql_at", "first_touch_at"]
    >>> reading_funnel(resolve_mapping(None, header), None, header).stages
    ('mql', 'sql')
    >>> header = ["lead_id", "engaging_at", "won_at", "lost_at"]
    >>> reading_funnel(resolve_mapping(None, header), None, header).stages
    ('engaging', 'won')
    """
    if funnel is not None:
        return funnel
    if cmap.funnel is not None:
        return cmap.funnel
    if cmap.has_status:
        return DEFAULT_FUNNEL
    names = [*header, *(name for name in cmap.columns if name not in header)]
    stages = [
        match.group(1)
        for name in names
        if name not in _NOT_STAGES and (match := _STAGE_COLUMN.match(name))
    ]
    default = [stage for stage in DEFAULT_FUNNEL.stages if stage in stages]
    if default:
        return Funnel(default)
    return Funnel(list(dict.fromkeys(stages))) if stages else DEFAULT_FUNNEL


def preset_hint(header: list[str]) -> str | None:
    """``"hubspot"`` or ``"salesforce"`` when ``header`` has the id column and a date column of
    that preset's export (the name to suggest for ``mapping``), else ``None``.

    >>> preset_hint(["Record ID", "Create Date", "Became a Lead Date", "Contact owner"])
    'hubspot'
    >>> preset_hint(["lead_id", "mql_at"]) is None
    True
    """
    for name, preset in PRESETS.items():
        dated = [c for c in preset.columns if c.endswith("_at") and c != "first_touch_at"]
        if find_column(header, preset.columns["lead_id"]) is not None and any(
            find_column(header, preset.columns[c]) is not None for c in dated
        ):
            return "salesforce" if name.startswith("salesforce") else name
    return None


def date_sources(mapping: object, funnel: Funnel | None, header: list[str]) -> set[str]:
    """Source columns holding only dates (a reader may type them as timestamps)."""
    cmap = resolve_mapping(mapping, header)
    funnel = reading_funnel(cmap, funnel, header)
    dates = ("created_at", *funnel.columns, "first_touch_at", "lost_at")
    found = {find_column(header, cmap.columns.get(name, name)) for name in dates}
    if cmap.status_date_column:
        found.add(find_column(header, cmap.status_date_column))
    others = {find_column(header, src) for name, src in cmap.columns.items() if name not in dates}
    others |= {find_column(header, src) for src in cmap.extra.values()}
    return found - others - {None}


def source_columns(mapping: object, funnel: Funnel | None, header: list[str]) -> list[str] | None:
    """The columns of ``header`` that the mapping reads (in header order), for sources that can
    read only those; ``None`` when a required one is missing (``load_leads`` names it).

    Examples
    --------
    >>> source_columns(None, Funnel(["mql", "sql"]), ["lead_id", "mql_at", "sql_at", "notes"])
    ['lead_id', 'mql_at', 'sql_at']
    >>> source_columns(None, Funnel(["mql", "sql"]), ["lead_id", "mql_at"]) is None
    True
    """
    cmap = resolve_mapping(mapping, header)
    funnel = reading_funnel(cmap, funnel, header)
    optional = ("created_at", "segment", "owner", *TAIL_COLUMNS, "lost_at")
    names = ("lead_id", *funnel.columns, *optional)
    found = {name: find_column(header, cmap.columns.get(name, name)) for name in names}
    required = ["lead_id"] if cmap.has_status else ["lead_id", *funnel.columns]
    status = [find_column(header, c) for c in (cmap.status_column, cmap.status_date_column) if c]
    if None in status or any(found[name] is None for name in required):
        return None
    extra = [find_column(header, source) for source in cmap.extra.values()]
    used = {*found.values(), *status, *extra} - {None}
    return [column for column in header if column in used]


def header_hints(mapping: object) -> list[str]:
    """Header names that identify the header row under junk lines (the id columns)."""
    hints = ["lead_id"]
    for preset in PRESETS.values():
        wanted = preset.columns.get("lead_id")
        hints += [wanted] if isinstance(wanted, str) else list(wanted or ())
    if isinstance(mapping, dict) and isinstance(mapping.get("lead_id"), str):
        hints.append(mapping["lead_id"])
    return hints


def map_status(values: pd.Series, cmap: ColumnMapping) -> tuple[np.ndarray, np.ndarray]:
    """Mapped status per row (stage name, ``"lost"`` or ``None``) and a mask of unknown values."""
    table = {str(k).strip().casefold(): v for k, v in cmap.status_values.items()}
    codes, uniques = pd.factorize(pd.Series(to_string_array(values), dtype="str"))
    mapped_uniques = np.array(
        [table.get(str(u).casefold(), table.get("*")) for u in uniques] + [None], dtype=object
    )
    mapped = mapped_uniques[codes]  # code -1 (missing status) picks the trailing None
    unknown = (codes >= 0) & pd.isna(mapped)
    return mapped, unknown


def apply_status_dates(
    dates: dict[str, np.ndarray], status: np.ndarray, status_dates: np.ndarray, funnel: Funnel
) -> None:
    """Fill ``<stage>_at`` (or ``lost_at``) from the status date where the row has none."""
    for stage, column in [*zip(funnel.stages, funnel.columns, strict=True), (LOST, "lost_at")]:
        rows = (status == stage) & np.isnat(dates[column])
        dates[column] = np.where(rows, status_dates, dates[column])
