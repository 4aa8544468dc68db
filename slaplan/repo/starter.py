"""The first SLA of a team's repository: the samples' SLA with targets its data can keep.

``slaplan init`` starts a team from slaplan's sample SLA (its structure and comments) and
sample leads, so that the repository works before anything is replaced. The samples' SLA is
written to show every verdict (one commitment comfortably attainable, one a stretch, one out of
reach), which would make the team's first CI run fail; :func:`starter_sla` lowers each target
the data cannot keep to the largest it keeps at the SLA's confidence, then each sales count
that marketing's (lowered) promise cannot feed to the largest it supports — both numbers from
:func:`slaplan.check_sla` and :func:`slaplan.sla.consistency.check_consistency`, nothing
re-estimated — and says so in a comment above each changed target.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["StarterTarget", "set_targets", "starter_sla"]

_TARGET = re.compile(r"^(?P<indent>\s+)target:\s*(?P<value>[^\s#]+)(?P<rest>.*)$", re.M)
_SHARE_STEP = 1000  # shares are floored to a tenth of a percent


@dataclass(frozen=True, kw_only=True)
class StarterTarget:
    """One commitment's target in the samples' SLA and in the starting SLA."""

    commitment: str
    metric: str
    sample: float
    starting: float
    why: str  # "" when the target was kept


def starter_sla(
    text: str, leads: Any, *, team: Any = None, as_of: Any = None, seed: int = 0
) -> tuple[str, tuple[StarterTarget, ...]]:
    """The SLA text with every target lowered to what ``leads`` supports at its confidence.

    Parameters
    ----------
    text : str
        The SLA file's text (one ``target:`` line per commitment, in order, as the samples').
    leads : LeadTable
        The starting data.
    team, as_of, seed
        As in :func:`slaplan.check_sla`.

    Returns
    -------
    text : str
        The same YAML, comments kept, with the changed targets and a comment above each.
    targets : tuple of StarterTarget
        Every commitment's sample and starting target.

    Examples
    --------
    >>> import slaplan as sp
    >>> text = (sp.samples_dir() / "sla.yaml").read_text(encoding="utf-8")
    >>> leads = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
    >>> new, targets = starter_sla(text, leads)  # doctest: +SKIP
    >>> [t.commitment for t in targets if t.why]  # doctest: +SKIP
    ['sql_volume', 'mql_to_sql', 'mql_response']
    """
    from slaplan.sla._data import censored_frame
    from slaplan.sla.check import check_sla, sla_estimates
    from slaplan.sla.consistency import check_consistency
    from slaplan.sla.spec import parse_sla

    sla = parse_sla(text, name="sla.yaml")
    _check_target_lines(text, sla)
    _, as_of_ts = censored_frame(leads, as_of)
    estimates = sla_estimates(sla, leads, as_of_ts, None, seed, None)
    table = check_sla(sla, leads, team=team, as_of=as_of_ts, estimates=estimates)
    confidence = f"{sla.confidence:.0%}"
    targets: dict[str, tuple[float, str]] = {}
    for cid, row in table.iterrows():
        if row["probability"] < sla.confidence:  # NaN (insufficient data): kept, CI says why
            largest = _floor(row["max_target"], row["metric"])
            targets[cid] = (largest, f"the largest the starting data keeps at {confidence}")
    lowered = _with_targets(text, sla, targets)
    consistency = check_consistency(
        parse_sla(lowered, name="sla.yaml"), leads, as_of=as_of_ts, estimates=estimates
    )
    for row in consistency.itertuples():
        supported = _floor(row.sales_target_supported, "count")
        if row.probability < sla.confidence and supported < row.sales_target:
            why = f"the most {row.marketing}'s promise supports at {confidence}"
            targets[row.sales] = (supported, why)
    starting = tuple(
        StarterTarget(
            commitment=c.id,
            metric=c.metric,
            sample=c.target,
            starting=targets.get(c.id, (c.target, ""))[0],
            why=targets.get(c.id, (0, ""))[1],
        )
        for c in sla.commitments
    )
    return _with_targets(text, sla, targets), starting


def _floor(value: float, metric: str) -> float:
    if metric in ("count", "worked"):
        return float(math.floor(value))
    return math.floor(value * _SHARE_STEP + 1e-9) / _SHARE_STEP


def _with_targets(text: str, sla: Any, targets: dict[str, tuple[float, str]]) -> str:
    """``text`` with each commitment in ``targets`` lowered, a comment above saying why."""
    by_id = {c.id: c for c in sla.commitments}
    return set_targets(
        text,
        sla,
        {cid: value for cid, (value, _) in targets.items()},
        notes={
            cid: f"slaplan init: {why} (the samples' SLA says {by_id[cid].target:g})"
            for cid, (_, why) in targets.items()
        },
    )


def _check_target_lines(text: str, sla: Any) -> None:
    if len(_TARGET.findall(text)) != len(sla.commitments):
        raise ValueError("the SLA text must have one 'target:' line per commitment")


def set_targets(
    text: str, sla: Any, targets: dict[str, float], *, notes: dict[str, str] | None = None
) -> str:
    """SLA ``text`` with the target of each commitment in ``targets`` replaced, the rest of the
    file (layout, comments) as it was; ``notes`` puts a comment line above a replaced target.

    ``sla`` is ``text`` parsed (:func:`slaplan.sla.spec.parse_sla`): its commitments, in order,
    own the text's ``target:`` lines, one each (``ValueError`` otherwise).

    Examples
    --------
    >>> import slaplan as sp
    >>> text = (sp.samples_dir() / "sla.yaml").read_text(encoding="utf-8")
    >>> raised = set_targets(text, sp.load_sla(sp.samples_dir() / "sla.yaml"), {"sql_volume": 90})
    >>> from slaplan.sla.spec import parse_sla
    >>> sla = parse_sla(raised, name="raised.yaml")
    >>> [c.target for c in sla.commitments if c.id == "sql_volume"]
    [90.0]
    """
    _check_target_lines(text, sla)
    commitments = iter(sla.commitments)
    notes = notes or {}

    def replace(match: re.Match) -> str:
        commitment = next(commitments)
        if commitment.id not in targets:
            return match.group(0)
        value = targets[commitment.id]
        shown = f"{value:g}" if commitment.is_count else f"{value:.3g}"
        indent = match.group("indent")
        note = f"{indent}# {notes[commitment.id]}\n" if commitment.id in notes else ""
        return f"{note.lstrip(chr(10))}{indent}target: {shown}{match.group('rest')}"

    return _TARGET.sub(replace, text)
