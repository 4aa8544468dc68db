"""What a change to an SLA does, commitment by commitment: :func:`diff_sla`.

An SLA is changed by pull request; the reviewer wants to know what the change does before it is
merged. :func:`diff_sla` checks both versions on the same data with the same seed —
:func:`slaplan.check_sla` and :func:`slaplan.sla.consistency.check_consistency`, sharing one
estimate of the funnel when both versions have the same stages and period length, so a
commitment the change does not touch gets the very same P(met) — and pairs their commitments by
id: target, P(met), verdict and consistency before and after, and the SMART notes that appear
or disappear.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from slaplan.sla.spec import SLA

__all__ = ["CommitmentChange", "SlaDiff", "diff_sla"]

Status = Literal["changed", "added", "removed", "unchanged"]
_NAN = float("nan")
_NOTE = re.compile(r"(?:^|; )(specific|measurable|attainable|relevant|timely): ")


@dataclass(frozen=True, kw_only=True)
class CommitmentChange:
    """One commitment before and after the change (NaN / ``None`` where it does not exist).

    Attributes
    ----------
    commitment : str
        Its id.
    what : str
        What it counts, in words (the newer version's label).
    metric : str
        ``count``, ``worked``, ``rate`` or ``response_time`` (for formatting the target).
    status : {"changed", "added", "removed", "unchanged"}
        ``changed``: its definition, P(met), verdict, consistency or SMART notes differ.
    target_before, target_after, probability_before, probability_after : float
        Target and P(met) in the checked period.
    verdict_before, verdict_after : str or None
    consistent_before, consistent_after : bool or None
        For a sales count paired with a marketing count: can both be kept (``None``: not in a
        pair, or not judged).
    notes_added, notes_removed : tuple of str
        SMART notes of failed criteria (``"relevant: ..."``) that appear or disappear.
    """

    commitment: str
    what: str
    metric: str
    status: Status
    target_before: float = _NAN
    target_after: float = _NAN
    probability_before: float = _NAN
    probability_after: float = _NAN
    verdict_before: str | None = None
    verdict_after: str | None = None
    consistent_before: bool | None = None
    consistent_after: bool | None = None
    notes_added: tuple[str, ...] = ()
    notes_removed: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class SlaDiff:
    """Both versions of an SLA checked on the same data (see :func:`diff_sla`)."""

    old: SLA
    new: SLA
    period: pd.Period
    as_of: pd.Timestamp
    changes: tuple[CommitmentChange, ...]

    @property
    def changed(self) -> tuple[CommitmentChange, ...]:
        """The commitments added, removed or changed."""
        return tuple(c for c in self.changes if c.status != "unchanged")

    @property
    def unchanged(self) -> int:
        """How many commitments the change leaves as they were."""
        return sum(c.status == "unchanged" for c in self.changes)

    def to_frame(self) -> pd.DataFrame:
        """One row per commitment (index ``commitment``), the fields of
        :class:`CommitmentChange`."""
        rows = [vars(change) for change in self.changes]
        return pd.DataFrame(rows).set_index("commitment")


def diff_sla(
    old: SLA,
    new: SLA,
    leads: Any,
    *,
    team: Any = None,
    as_of: Any = None,
    period: Any = None,
    seed: int = 0,
) -> SlaDiff:
    """Check two versions of an SLA on the same data and pair their commitments by id.

    Parameters
    ----------
    old, new : SLA
        The SLA before and after the change.
    leads, team, as_of, period, seed
        As in :func:`slaplan.check_sla` (the same for both versions).

    Returns
    -------
    SlaDiff
        ``changes``: every commitment of either version, the new version's order first.

    Examples
    --------
    >>> import dataclasses
    >>> import slaplan as sp
    >>> old = sp.load_sla(sp.samples_dir() / "sla.yaml")
    >>> raised = dataclasses.replace(old.commitments[1], target=60)
    >>> new = dataclasses.replace(old, commitments=(old.commitments[0], raised,
    ...                                             *old.commitments[2:]))
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> diff = diff_sla(old, new, t)  # doctest: +SKIP
    >>> [c.commitment for c in diff.changed], diff.unchanged  # doctest: +SKIP
    (['sql_volume'], 5)
    """
    from slaplan.sla._data import censored_frame
    from slaplan.sla.check import sla_estimates

    _, as_of_ts = censored_frame(leads, as_of)
    before_estimates = sla_estimates(old, leads, as_of_ts, period, seed, None)
    shared = old.stage_names == new.stage_names and old.period_months == new.period_months
    after_estimates = before_estimates if shared else None
    after_estimates = sla_estimates(new, leads, as_of_ts, period, seed, after_estimates)
    before = _checked(old, leads, team, as_of_ts, before_estimates)
    after = _checked(new, leads, team, as_of_ts, after_estimates)
    ids = [c.id for c in new.commitments] + [c.id for c in old.commitments]
    changes = tuple(
        _change(cid, old, new, before, after) for cid in dict.fromkeys(ids)
    )  # new order first, then the removed ones
    return SlaDiff(old=old, new=new, period=after_estimates.period, as_of=as_of_ts, changes=changes)


@dataclass(frozen=True)
class _Checked:
    table: pd.DataFrame
    consistent: dict[str, bool | None]  # sales commitment id -> consistent with marketing


def _checked(sla: SLA, leads, team, as_of, estimates) -> _Checked:
    from slaplan.sla.check import check_sla
    from slaplan.sla.consistency import check_consistency

    table = check_sla(sla, leads, team=team, as_of=as_of, estimates=estimates)
    pairs = check_consistency(sla, leads, as_of=as_of, estimates=estimates)
    consistent = {
        row.sales: None if pd.isna(row.consistent) else bool(row.consistent)
        for row in pairs.itertuples()
    }
    return _Checked(table=table, consistent=consistent)


def _change(cid: str, old: SLA, new: SLA, before: _Checked, after: _Checked) -> CommitmentChange:
    was = {c.id: c for c in old.commitments}.get(cid)
    now = {c.id: c for c in new.commitments}.get(cid)
    shown = now or was
    sides = {}
    for name, commitment, checked in (("before", was, before), ("after", now, after)):
        if commitment is None:
            continue
        row = checked.table.loc[cid]
        sides |= {
            f"target_{name}": float(commitment.target),
            f"probability_{name}": float(row["probability"]),
            f"verdict_{name}": str(row["verdict"]),
            f"consistent_{name}": checked.consistent.get(cid),
        }
    notes_before = _failed_notes(before.table, cid) if was else set()
    notes_after = _failed_notes(after.table, cid) if now else set()
    fields = {
        **sides,
        "notes_added": tuple(sorted(notes_after - notes_before)),
        "notes_removed": tuple(sorted(notes_before - notes_after)),
    }
    if was is None or now is None:
        status: Status = "added" if was is None else "removed"
    else:
        same = was == now and not fields["notes_added"] and not fields["notes_removed"]
        same = same and all(
            _same(sides[f"{key}_before"], sides[f"{key}_after"])
            for key in ("probability", "verdict", "consistent")
        )
        status = "unchanged" if same else "changed"
    return CommitmentChange(
        commitment=cid, what=shown.label, metric=shown.metric, status=status, **fields
    )


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or abs(a - b) < 1e-12
    return a == b


def _failed_notes(table: pd.DataFrame, cid: str) -> set[str]:
    """The notes of the SMART criteria a commitment fails (attainable left out: P(met) says
    it), as ``"criterion: note"``."""
    row = table.loc[cid]
    text = str(row["notes"])
    starts = [(m.start(1), m.group(1)) for m in _NOTE.finditer(text)]
    notes = set()
    for i, (start, criterion) in enumerate(starts):
        end = starts[i + 1][0] - 2 if i + 1 < len(starts) else len(text)
        if criterion != "attainable" and not bool(row[criterion]):
            notes.add(text[start:end])
    return notes
