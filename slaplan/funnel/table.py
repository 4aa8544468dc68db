"""The loaded lead table (:class:`LeadTable`) and its import report (:class:`LoadReport`).

This module owns what :func:`slaplan.load_leads` returns: the accepted leads in canonical
columns, the rejected rows with their reasons and original values, the funnel, which stages each
lead skipped, and the summary of the import (rows read / accepted / rejected by reason, skips,
warnings). The invariant ``len(frame) + len(rejected) == rows_read`` holds by construction and
is checked when the table is built.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from slaplan.funnel.stages import Funnel

__all__ = ["LeadTable", "LoadReport"]

_FIRST_REJECTED = 10


@dataclass(frozen=True, kw_only=True)
class LoadReport:
    """Summary of one import; ``str(report)`` is the text ``slaplan validate`` prints.

    Attributes
    ----------
    source_name : str
        File name or ``"<DataFrame>"``.
    mapping_name : str
        The column mapping used (``"canonical"``, ``"hubspot"``, ``"maven"``, ...).
    rows_read, accepted, rejected : int
        Data rows in the source, rows kept, rows rejected (``accepted + rejected == rows_read``).
    reasons : DataFrame
        ``reason``, ``rows``: rejected rows per reason, most frequent first.
    skips : DataFrame
        ``stage``, ``skipped``, ``reached``, ``skip_rate`` over all accepted leads.
    warnings : tuple of str
        Suspicious but usable data (kept, not dropped).
    notes : tuple of str
        What the reader detected (delimiter, encoding, junk lines skipped, order of day and
        month).
    first_rejected : DataFrame
        ``row``, ``line``, ``reason`` of the first rejected rows (at most ten), shown by line
        of the file (by row for a source without lines).
    """

    source_name: str
    mapping_name: str
    rows_read: int
    accepted: int
    rejected: int
    reasons: pd.DataFrame
    skips: pd.DataFrame
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    first_rejected: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    @property
    def usable(self) -> bool:
        """At least one row was accepted."""
        return self.accepted > 0

    def to_frame(self) -> pd.DataFrame:
        """One row per rejection reason (``rows``), with totals first."""
        totals = pd.DataFrame(
            {
                "reason": ["rows read", "accepted", "rejected"],
                "rows": [self.rows_read, self.accepted, self.rejected],
            }
        )
        return pd.concat([totals, self.reasons], ignore_index=True)

    def __str__(self) -> str:
        lines = [
            f"{self.source_name} (mapping: {self.mapping_name})",
            f"  rows read {self.rows_read:>9,}",
            f"  accepted  {self.accepted:>9,}",
            f"  rejected  {self.rejected:>9,}",
        ]
        for reason, rows in zip(self.reasons["reason"], self.reasons["rows"], strict=True):
            lines.append(f"    {rows:>9,}  {reason}")
        if len(self.skips) and self.skips["skipped"].sum():
            lines.append("  skipped stages (backfilled or kept per the funnel's skip policy):")
            for row in self.skips.itertuples(index=False):
                if row.skipped:
                    lines.append(f"    {row.stage:<14} {row.skipped:>8,} ({row.skip_rate:.1%})")
        lines += [f"  note: {n}" for n in self.notes]
        lines += [f"  warning: {w}" for w in self.warnings]
        return "\n".join(lines + self._first_rejected_lines())

    def _first_rejected_lines(self) -> list[str]:
        if self.first_rejected.empty:
            return []
        shown = self.first_rejected
        lines = [f"  first rejected rows ({len(shown)} of {self.rejected:,}):"]
        for line, row, reason in zip(shown["line"], shown["row"], shown["reason"], strict=True):
            where = f"row {row:,}" if pd.isna(line) else f"line {line:,}"
            lines.append(f"    {where:<12} {reason}")
        return lines


@dataclass(frozen=True, kw_only=True)
class LeadTable:
    """Leads loaded from a CRM export (see :func:`slaplan.load_leads`).

    Attributes
    ----------
    frame : DataFrame
        Accepted leads, canonical columns: ``lead_id``, ``created_at``, ``segment``, ``owner``,
        ``<stage>_at`` per funnel stage, ``first_touch_at``, ``score``, ``amount`` (then
        ``status``, ``lost_at`` for status-column exports, then extra columns). Datetimes are
        naive ``datetime64[ns]``; ``segment`` and ``owner`` are text (missing → ``"(none)"``).
        The index (``row``) is each lead's 0-based row in the source.
    rejected : DataFrame
        ``row`` (0-based data row in the source), ``line`` (the line of the file as an editor
        or spreadsheet shows it, counting junk lines above the header and line breaks inside
        quoted fields; missing for a DataFrame or Parquet source), ``reason``, then the
        original values as text.
    funnel : Funnel
        The stages of ``frame``.
    skipped : DataFrame
        Boolean, one column per stage, aligned with ``frame``: the lead reached a later stage
        without a timestamp for this one (see :class:`~slaplan.funnel.stages.Funnel`).
    source_name, mapping_name : str
        Where the data came from and how its columns were mapped.
    as_of : Timestamp or None
        The "today" of analyses on this table (events after it are censored): ``load_leads``'s
        ``as_of``, else the latest timestamp in the data (None for a table without dates).
    warnings, notes : tuple of str
        Suspicious-but-kept findings and what the reader detected.
    """

    frame: pd.DataFrame
    rejected: pd.DataFrame
    funnel: Funnel
    skipped: pd.DataFrame
    source_name: str
    mapping_name: str = "canonical"
    as_of: pd.Timestamp | None
    warnings: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def rows_read(self) -> int:
        """Data rows in the source: ``len(frame) + len(rejected)``."""
        return len(self.frame) + len(self.rejected)

    def report(self) -> LoadReport:
        """Rows read / accepted / rejected by reason, stage skips, warnings."""
        reasons = (
            self.rejected["reason"].value_counts().rename_axis("reason").reset_index(name="rows")
            if len(self.rejected)
            else pd.DataFrame({"reason": pd.Series([], dtype="str"), "rows": []})
        )
        return LoadReport(
            source_name=self.source_name,
            mapping_name=self.mapping_name,
            rows_read=self.rows_read,
            accepted=len(self.frame),
            rejected=len(self.rejected),
            reasons=reasons.astype({"rows": "int64"}),
            skips=self.skip_audit(by=None),
            warnings=self.warnings,
            notes=self.notes,
            first_rejected=self.rejected[["row", "line", "reason"]].head(_FIRST_REJECTED),
        )

    def skip_audit(self, by: str | None = "segment") -> pd.DataFrame:
        """Skip rate per stage (and per ``by`` group).

        Returns
        -------
        DataFrame
            ``[by,] stage, reached, skipped, skip_rate``: ``reached`` counts leads with the stage
            (after backfill, or with a later stage), ``skipped`` those of them that had no
            timestamp of their own for it.

        Examples
        --------
        >>> import slaplan as sp
        >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")
        >>> t.skip_audit().columns.tolist()
        ['segment', 'stage', 'reached', 'skipped', 'skip_rate']
        """
        parts = []
        for stage, column in zip(self.funnel.stages, self.funnel.columns, strict=True):
            skipped = self.skipped[stage]
            part = pd.DataFrame(
                {"reached": self.frame[column].notna() | skipped, "skipped": skipped},
                index=self.frame.index,
            )
            keys = [] if by is None else [self.frame[by]]
            totals = part.groupby(keys).sum() if keys else part.sum().to_frame().T
            parts.append(totals.assign(stage=stage))
        out = pd.concat(parts).reset_index(drop=by is None)
        out["skip_rate"] = out["skipped"] / out["reached"].where(out["reached"] > 0)
        columns = ([] if by is None else [by]) + ["stage", "reached", "skipped", "skip_rate"]
        return out[columns].astype({"reached": "int64", "skipped": "int64"})
