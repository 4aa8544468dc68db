"""The label a lead gets for a group value it does not have.

A lead with no ``segment`` or ``owner`` (the cell is empty, or the export has no such column) is
labelled :data:`NO_LABEL`, ``"(none)"``: "owned by (none)" reads as what it is. It is not
``"all"``, which tables use for every segment together (a commitment for all segments, a
row of totals).
"""

from __future__ import annotations

__all__ = ["NO_LABEL"]

NO_LABEL = "(none)"
