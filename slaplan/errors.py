"""The exception and warning tree of slaplan.

Every error the kit raises on purpose is a :class:`SlaplanError`. Bad input data and bad SLA files
are also :class:`ValueError`, so generic ``except ValueError`` handlers keep working.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "DataWarning",
    "InfeasibleTargetError",
    "SlaplanError",
    "SlaplanWarning",
    "SpecError",
]


class SlaplanError(Exception):
    """Base class of every error raised on purpose by slaplan."""


class DataError(SlaplanError, ValueError):
    """A data source (lead export, funnel counts, roster) cannot be used at all.

    The message names the file (or ``<DataFrame>``) and what is wrong, listing missing and present
    columns where columns are the problem.
    """


class SpecError(SlaplanError, ValueError):
    """An SLA specification is invalid; the message names the field path, the rule and the value."""


class InfeasibleTargetError(SlaplanError, ValueError):
    """A target cannot be reached at the requested confidence with any allowed input.

    Parameters
    ----------
    message : str
        What was asked and why it cannot be met.
    target : float
        The target that was asked for.
    best_achievable : float
        The best value attainable under the constraints.
    """

    def __init__(self, message: str, *, target: float, best_achievable: float) -> None:
        super().__init__(message)
        self.target = target
        self.best_achievable = best_achievable


class SlaplanWarning(UserWarning):
    """Base class of the warnings slaplan emits (always with ``stacklevel=2``)."""


class DataWarning(SlaplanWarning):
    """Usable but suspicious data: a skipped stage, a tiny segment, an empty month."""
