"""The SLA file: :func:`load_sla` reads and validates it into a frozen :class:`SLA`.

The SLA is a YAML document (read with ``yaml.safe_load`` only, never a loader that can build
Python objects) describing the funnel, business hours, confidence, review cadence and the
commitments each side makes. Every field is validated; a bad value raises
:class:`~slaplan.errors.SpecError` naming the field path, the rule and the value, e.g.
``commitments[2].target must be a positive number, got -12``. Unknown keys are errors with a
"did you mean" suggestion. The schema is documented in ``docs`` and in :func:`load_sla`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import pandas as pd

from slaplan._yaml import parse_yaml
from slaplan.capacity.calendar import BusinessCalendar
from slaplan.errors import SpecError
from slaplan.sla import _fields as f
from slaplan.sla._commitments import parse_commitments

__all__ = ["SLA", "Commitment", "Goal", "ReviewPolicy", "Stage", "load_sla", "parse_sla"]

Metric = Literal["count", "rate", "response_time", "worked"]
Owner = Literal["marketing", "sales"]
Period = Literal["month", "quarter"]

PERIODS = ("month", "quarter")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_CADENCE_MONTHS = 6
MAX_CADENCE_MONTHS_HIGH_GROWTH = 2
DEFAULT_CONFIDENCE = 0.8
DEFAULT_STAGES = ("lead", "mql", "sql", "opportunity", "customer")

_TOP_REQUIRED = ("name", "period", "commitments")
_TOP_OPTIONAL = (
    "version", "effective", "confidence", "business_hours", "review", "owners", "funnel",
    "segments", "goal", "description",
)  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Commitment:
    """One line of the SLA: who promises what, measured how, per period.

    ``metric`` is ``"count"`` (leads entering ``stage`` in the period), ``"rate"`` (share of the
    ``from_stage`` cohort reaching ``to_stage`` within ``window_days``), ``"response_time"``
    (share of ``stage`` leads first touched within ``within_business_hours``) or ``"worked"``
    (``stage`` leads first touched in the period). ``segment`` restricts it to one segment.

    Examples
    --------
    >>> c = Commitment(id="events_sql", owner="sales", metric="count", stage="sql", target=12,
    ...                segment="events")
    >>> c.label, c.is_count
    ('sql count (events)', True)
    """

    id: str
    owner: Owner
    metric: Metric
    target: float
    stage: str | None = None
    from_stage: str | None = None
    to_stage: str | None = None
    window_days: int | None = None
    within_business_hours: float | None = None
    segment: str | None = None
    description: str = ""

    @property
    def is_count(self) -> bool:
        """Whether the target is a number of leads per period (``count`` or ``worked``)."""
        return self.metric in ("count", "worked")

    @property
    def label(self) -> str:
        """A short plain-language description (``"sql count (events)"``)."""
        if self.metric == "rate":
            what = f"{self.from_stage}→{self.to_stage} rate"
        elif self.metric == "response_time":
            hours = self.within_business_hours
            what = f"{self.stage} touched within {hours:g} business hour{'s' * (hours != 1)}"
        else:
            what = f"{self.stage} {'worked' if self.metric == 'worked' else 'count'}"
        return f"{what} ({self.segment})" if self.segment else what


@dataclass(frozen=True, kw_only=True)
class Stage:
    """A funnel stage and its agreed definition."""

    name: str
    definition: str = ""


@dataclass(frozen=True, kw_only=True)
class ReviewPolicy:
    """How often the SLA is reviewed (at most every 6 months, every 2 for high growth)."""

    cadence_months: int
    last_review: dt.date | None = None
    high_growth: bool = False

    @property
    def next_review(self) -> dt.date | None:
        """The date of the next review, ``cadence_months`` after the last one."""
        if self.last_review is None:
            return None
        stamp = pd.Timestamp(self.last_review) + pd.DateOffset(months=self.cadence_months)
        return stamp.date()


@dataclass(frozen=True, kw_only=True)
class Goal:
    """The business goal the commitments feed (the SMART 'relevant' anchor)."""

    stage: str
    target: float
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class SLA:
    """A validated marketing–sales SLA (build it with :func:`load_sla`).

    Examples
    --------
    >>> sla = load_sla({"name": "demo", "period": "month",
    ...                 "commitments": [{"id": "mqls", "owner": "marketing",
    ...                                  "metric": "count", "stage": "mql", "target": 300}]})
    >>> sla.commitments[0].target
    300.0
    """

    name: str
    commitments: tuple[Commitment, ...]
    period: Period = "month"
    version: int = 1
    effective_start: dt.date | None = None
    effective_end: dt.date | None = None
    confidence: float = DEFAULT_CONFIDENCE
    hours: BusinessCalendar = field(default_factory=lambda: BusinessCalendar(timezone="UTC"))
    review: ReviewPolicy | None = None
    owners: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    stages: tuple[Stage, ...] = tuple(Stage(name=s) for s in DEFAULT_STAGES)
    segments: tuple[str, ...] = ()
    goal: Goal | None = None
    description: str = ""
    source: str = "<mapping>"

    @property
    def business_hours(self) -> dict[str, Any]:
        """The business-hours block as the mapping ``BusinessCalendar.from_spec`` takes."""
        return self.hours.to_spec()

    @property
    def stage_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.stages)

    @property
    def period_months(self) -> int:
        """Length of one SLA period in months (1 or 3)."""
        return 3 if self.period == "quarter" else 1

    def commitment(self, commitment_id: str) -> Commitment:
        """The commitment with this id (``KeyError`` listing the ids if absent)."""
        for commitment in self.commitments:
            if commitment.id == commitment_id:
                return commitment
        raise KeyError(f"no commitment {commitment_id!r}; ids: {[c.id for c in self.commitments]}")

    def funnel(self):
        """The SLA's stages as a :class:`slaplan.Funnel`."""
        from slaplan.funnel.stages import Funnel

        return Funnel(list(self.stage_names))

    def to_frame(self) -> pd.DataFrame:
        """One row per commitment: id, owner, metric, what, segment, target, period."""
        rows = [
            {
                "id": c.id,
                "owner": c.owner,
                "metric": c.metric,
                "what": c.label,
                "segment": c.segment or "all",
                "target": c.target,
                "period": self.period,
            }
            for c in self.commitments
        ]
        return pd.DataFrame(rows).set_index("id")


def load_sla(source: str | PathLike[str] | Mapping[str, Any]) -> SLA:
    """Read and validate an SLA file (YAML) or an already parsed mapping.

    Parameters
    ----------
    source : path or mapping
        A ``.yaml``/``.yml`` file, read with PyYAML's safe loader (no Python tags, nothing
        executed); or the parsed mapping itself.

    Returns
    -------
    SLA
        Frozen; ``sla.commitments`` is a tuple of :class:`Commitment`.

    Raises
    ------
    SpecError
        On any invalid field, naming its path, the rule and the bad value; unknown keys come
        with a "did you mean" suggestion. ``FileNotFoundError`` if the file does not exist.

    Examples
    --------
    >>> sla = load_sla({"name": "x", "period": "quarter", "commitments": [
    ...     {"id": "rate", "owner": "sales", "metric": "rate", "from_stage": "mql",
    ...      "to_stage": "sql", "target": 0.12}]})
    >>> sla.period_months
    3
    """
    if isinstance(source, Mapping):
        return _parse(source, source_name="<mapping>")
    path = Path(source)
    return parse_sla(path.read_text(encoding="utf-8"), name=str(path))


def parse_sla(text: str, *, name: str) -> SLA:
    """Validate the text of an SLA file; ``name`` (a path, ``HEAD~1:sla.yaml``) begins every
    error message.

    Raises
    ------
    SpecError
        As :func:`load_sla`.

    Examples
    --------
    >>> parse_sla("name: x\\nperiod: month\\ncommitments: []", name="sla.yaml")
    Traceback (most recent call last):
    ...
    slaplan.errors.SpecError: sla.yaml: commitments must ...
    """
    raw = parse_yaml(text, name=name, error=SpecError)
    if not isinstance(raw, Mapping):
        raise SpecError(f"{name}: the SLA file must be a mapping of keys to values, got {raw!r}")
    try:
        return _parse(raw, source_name=name)
    except SpecError as exc:
        raise SpecError(f"{name}: {exc}") from None


def _parse(raw: Mapping[str, Any], *, source_name: str) -> SLA:
    f.check_keys("", raw, required=_TOP_REQUIRED, optional=_TOP_OPTIONAL)
    stages = _stages(raw.get("funnel"))
    names = tuple(s.name for s in stages)
    segments = _segments(raw.get("segments", []))
    start, end = _effective(raw.get("effective"))
    confidence = raw.get("confidence", DEFAULT_CONFIDENCE)
    confidence = f.field_number(
        "confidence", confidence, high=1.0, rule="be a probability in (0, 1)"
    )
    return SLA(
        name=f.field_string("name", raw["name"]),
        version=f.field_whole("version", raw.get("version", 1), minimum=1),
        effective_start=start,
        effective_end=end,
        period=f.field_option("period", raw["period"], PERIODS),
        confidence=confidence,
        hours=_business_hours(raw.get("business_hours")),
        review=_review(raw.get("review")),
        owners=_owners(raw.get("owners", {})),
        stages=stages,
        segments=segments,
        goal=_goal(raw.get("goal"), names),
        commitments=parse_commitments(raw["commitments"], Commitment, names, segments),
        description=str(raw.get("description", "") or ""),
        source=source_name,
    )


def _stages(raw: Any) -> tuple[Stage, ...]:
    if raw is None:
        return tuple(Stage(name=s) for s in DEFAULT_STAGES)
    f.check_keys("funnel", f.field_mapping("funnel", raw), required=("stages",))
    items = f.field_sequence("funnel.stages", raw["stages"], min_length=2)
    stages: list[Stage] = []
    for i, item in enumerate(items):
        path = f"funnel.stages[{i}]"
        if isinstance(item, str):
            item = {"name": item}
        f.check_keys(
            path, f.field_mapping(path, item), required=("name",), optional=("definition",)
        )
        name = f.field_string(f"{path}.name", item["name"], identifier=True)
        if name in [s.name for s in stages]:
            raise f.fail(f"{path}.name", "be unique among the funnel stages", name)
        stages.append(Stage(name=name, definition=str(item.get("definition", "") or "")))
    return tuple(stages)


def _segments(raw: Any) -> tuple[str, ...]:
    items = f.field_sequence("segments", raw)
    names: list[str] = []
    for i, item in enumerate(items):
        name = f.field_string(f"segments[{i}]", item)
        if name in names:
            raise f.fail(f"segments[{i}]", "be unique among the segments", name)
        names.append(name)
    return tuple(names)


def _effective(raw: Any) -> tuple[dt.date | None, dt.date | None]:
    if raw is None:
        return None, None
    f.check_keys("effective", f.field_mapping("effective", raw), required=("start",),
                 optional=("end",))  # fmt: skip
    start = f.field_date("effective.start", raw["start"])
    end = f.field_date("effective.end", raw["end"]) if raw.get("end") is not None else None
    if end is not None and end <= start:
        raise f.fail("effective.end", f"be after effective.start ({start})", end.isoformat())
    return start, end


def _business_hours(raw: Any) -> BusinessCalendar:
    """The SLA's clock; checked field by field first so that errors name the field path."""
    defaults = BusinessCalendar(timezone="UTC")
    if raw is None:
        return defaults
    path = "business_hours"
    keys = ("timezone", "days", "start", "end", "holidays")
    f.check_keys(path, f.field_mapping(path, raw), optional=keys)
    timezone = f.field_string(f"{path}.timezone", raw.get("timezone", defaults.timezone))
    _check_timezone(f"{path}.timezone", timezone)
    days = f.field_sequence(f"{path}.days", raw.get("days", list(defaults.days)), min_length=1)
    for i, day in enumerate(days):
        f.field_option(f"{path}.days[{i}]", day, WEEKDAYS)
    start = f.field_time(f"{path}.start", raw.get("start", defaults.start))
    end = f.field_time(f"{path}.end", raw.get("end", defaults.end))
    if end <= start:
        raise f.fail(f"{path}.end", f"be later than {path}.start ({start})", end)
    holidays = f.field_sequence(f"{path}.holidays", raw.get("holidays", []))
    dates = tuple(f.field_date(f"{path}.holidays[{i}]", d) for i, d in enumerate(holidays))
    return BusinessCalendar(
        timezone=timezone, days=tuple(dict.fromkeys(days)), start=start, end=end, holidays=dates
    )


def _check_timezone(path: str, name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise f.fail(path, "be an IANA time zone such as 'America/New_York'", name) from None


def _review(raw: Any) -> ReviewPolicy | None:
    if raw is None:
        return None
    path = "review"
    f.check_keys(path, f.field_mapping(path, raw), required=("cadence_months",),
                 optional=("last_review", "high_growth"))  # fmt: skip
    high_growth = f.field_bool(f"{path}.high_growth", raw.get("high_growth", False))
    limit = MAX_CADENCE_MONTHS_HIGH_GROWTH if high_growth else MAX_CADENCE_MONTHS
    cadence = f.field_whole(f"{path}.cadence_months", raw["cadence_months"], minimum=1)
    if cadence > limit:
        why = " because review.high_growth is true" if high_growth else ""
        raise f.fail(f"{path}.cadence_months", f"be at most {limit} months{why}", cadence)
    last = raw.get("last_review")
    last_review = f.field_date(f"{path}.last_review", last) if last is not None else None
    return ReviewPolicy(cadence_months=cadence, last_review=last_review, high_growth=high_growth)


def _owners(raw: Any) -> Mapping[str, str]:
    f.check_keys("owners", f.field_mapping("owners", raw), optional=("marketing", "sales"))
    return MappingProxyType({k: f.field_string(f"owners.{k}", v) for k, v in raw.items()})


def _goal(raw: Any, stage_names: tuple[str, ...]) -> Goal | None:
    if raw is None:
        return None
    f.check_keys("goal", f.field_mapping("goal", raw), required=("stage", "target"),
                 optional=("description",))  # fmt: skip
    stage = f.field_option("goal.stage", raw["stage"], stage_names)
    target = f.field_number("goal.target", raw["target"], high=math.inf)
    return Goal(stage=stage, target=target, description=str(raw.get("description", "") or ""))
