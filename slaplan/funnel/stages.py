"""The funnel: ordered lifecycle stages, their definitions, and the policy for skipped stages.

This module owns :class:`Funnel` and :data:`DEFAULT_FUNNEL` (lead → mql → sql → opportunity →
customer). A lead's stage timestamps live in columns named ``<stage>_at``.

**Skip policy.** Real CRMs let a lead jump stages: a lead with ``sql_at`` but no ``mql_at``.

* ``"backfill"`` (default): the lead counts as having passed every skipped earlier stage at the
  time of the next stage it did reach (``mql_at := sql_at``). Rates along the chain then multiply
  up correctly, and the skip is recorded (``LeadTable.skipped``, ``LeadTable.skip_audit()``).
* ``"keep"``: the missing timestamps stay missing; the skip is still recorded. Stage-to-stage
  rates then undercount leads that went round a stage.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import Literal

import numpy as np

from slaplan._checks import check_option

__all__ = ["DEFAULT_FUNNEL", "SKIP_POLICIES", "Funnel", "SkipPolicy", "skip_kernel"]

SkipPolicy = Literal["backfill", "keep"]
SKIP_POLICIES: tuple[str, ...] = ("backfill", "keep")
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Funnel:
    """Ordered funnel stages, with optional definitions and a skip policy.

    Parameters
    ----------
    stages : iterable of str
        Stage names in funnel order, unique, lower-case identifiers (``"mql"``); at least one.
    definitions : mapping of str to str, optional
        Plain-language definition of each stage (the SLA's agreed wording).
    skip_policy : {"backfill", "keep"}
        What a skipped stage means (see the module docstring).

    Examples
    --------
    >>> f = Funnel(["mql", "sql", "opportunity"])
    >>> f.columns
    ['mql_at', 'sql_at', 'opportunity_at']
    >>> f.previous("sql"), f.index("opportunity")
    ('mql', 2)
    """

    stages: tuple[str, ...]
    _: KW_ONLY
    definitions: Mapping[str, str] = field(default_factory=dict, hash=False)
    skip_policy: SkipPolicy = "backfill"

    def __post_init__(self) -> None:
        if isinstance(self.stages, str) or not isinstance(self.stages, Iterable):
            raise TypeError(f"stages must be a list of stage names, got {self.stages!r}")
        stages = tuple(self.stages)
        if not stages:
            raise ValueError("stages must name at least one stage, got []")
        for stage in stages:
            if not isinstance(stage, str) or not _STAGE_NAME.match(stage):
                raise ValueError(f"stages must be lower-case identifiers like 'mql', got {stage!r}")
        duplicated = sorted({s for s in stages if stages.count(s) > 1})
        if duplicated:
            raise ValueError(f"stages must be unique, got {duplicated} more than once")
        unknown = sorted(set(self.definitions) - set(stages))
        if unknown:
            raise ValueError(f"definitions name stages not in the funnel: {unknown}")
        check_option("skip_policy", self.skip_policy, SKIP_POLICIES)
        object.__setattr__(self, "stages", stages)
        object.__setattr__(self, "definitions", dict(self.definitions))

    @property
    def columns(self) -> list[str]:
        """Stage timestamp columns in funnel order (``["lead_at", "mql_at", ...]``)."""
        return [f"{stage}_at" for stage in self.stages]

    @property
    def first(self) -> str:
        """The first stage."""
        return self.stages[0]

    @property
    def last(self) -> str:
        """The last stage."""
        return self.stages[-1]

    def column(self, stage: str) -> str:
        """Timestamp column of ``stage`` (``"mql"`` → ``"mql_at"``), checking it exists."""
        return self.columns[self.index(stage)]

    def index(self, stage: str) -> int:
        """0-based position of ``stage``; ``ValueError`` listing the stages if it is unknown."""
        if stage not in self.stages:
            raise ValueError(f"stage must be one of {list(self.stages)}, got {stage!r}")
        return self.stages.index(stage)

    def previous(self, stage: str) -> str | None:
        """The stage before ``stage``, or ``None`` for the first."""
        position = self.index(stage)
        return self.stages[position - 1] if position > 0 else None

    def next(self, stage: str) -> str | None:
        """The stage after ``stage``, or ``None`` for the last."""
        position = self.index(stage)
        return self.stages[position + 1] if position + 1 < len(self.stages) else None

    def between(self, from_stage: str, to_stage: str) -> tuple[str, ...]:
        """Stages from ``from_stage`` to ``to_stage`` inclusive; ``to_stage`` must come later."""
        start, stop = self.index(from_stage), self.index(to_stage)
        if stop <= start:
            raise ValueError(f"to_stage must come after {from_stage!r}, got {to_stage!r}")
        return self.stages[start : stop + 1]

    def with_skip_policy(self, skip_policy: SkipPolicy) -> Funnel:
        """A copy of this funnel with another skip policy."""
        return Funnel(self.stages, definitions=self.definitions, skip_policy=skip_policy)

    def __len__(self) -> int:
        return len(self.stages)

    def __iter__(self):
        return iter(self.stages)

    def __contains__(self, stage: object) -> bool:
        return stage in self.stages


DEFAULT_FUNNEL = Funnel(
    ["lead", "mql", "sql", "opportunity", "customer"],
    definitions={
        "lead": "a contact known to marketing (form fill, import, event)",
        "mql": "marketing qualified: meets the agreed fit and engagement threshold",
        "sql": "sales qualified: accepted by sales after a first conversation",
        "opportunity": "a deal is open in the CRM",
        "customer": "the deal is won",
    },
)


def skip_kernel(
    stage_values: list[np.ndarray], *, backfill: bool
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Skip flags per stage and the (backfilled) stage times.

    A stage is skipped when it has no time but a later stage has one; with ``backfill`` it takes
    the time of the next stage the lead reached.
    """
    nat = np.iinfo(np.int64).min  # NaT
    n_stages = len(stage_values)
    ints = [v.view(np.int64) for v in stage_values]
    reached = [v != nat for v in ints]
    skipped: list[np.ndarray] = [np.zeros(len(ints[0]), dtype=bool)] * n_stages
    out: list[np.ndarray] = list(stage_values)
    any_later = np.zeros(len(ints[0]), dtype=bool)
    for j in range(n_stages - 2, -1, -1):
        any_later |= reached[j + 1]
        skipped[j] = np.greater(any_later, reached[j])  # later stage reached, this one not
        if backfill and skipped[j].any():
            rows = np.flatnonzero(skipped[j])
            # the next stage each skipping lead reached (stages after j were filled already)
            filled = ints[j].copy()
            filled[rows] = out[j + 1].view(np.int64)[rows]
            out[j] = filled.view("datetime64[ns]")
    return skipped, out
