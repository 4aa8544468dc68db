"""Field-by-field validation of a raw SLA mapping (the ``_iv`` step of :mod:`slaplan.sla.spec`).

Every helper takes the dotted path of the field (``commitments[2].target``) and the raw value
parsed by ``yaml.safe_load``, and either returns a clean value or raises :class:`SpecError` whose
message names the path, the rule and the bad value. Unknown keys are errors with a "did you mean"
suggestion from :mod:`difflib`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import numbers
import re
from collections.abc import Collection, Mapping
from typing import Any

from slaplan.errors import SpecError

__all__ = [
    "check_keys",
    "field_bool",
    "field_date",
    "field_mapping",
    "field_number",
    "field_option",
    "field_sequence",
    "field_string",
    "field_time",
    "field_whole",
]

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def fail(path: str, rule: str, value: Any) -> SpecError:
    """Build the error ``"<path> must <rule>, got <value!r>"`` (raise it at the call site)."""
    return SpecError(f"{path} must {rule}, got {value!r}")


def child(path: str, key: str | int) -> str:
    """The path of a mapping key (``a.b``) or a list item (``a[2]``)."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def check_keys(
    path: str,
    mapping: Mapping[str, Any],
    *,
    required: Collection[str] = (),
    optional: Collection[str] = (),
) -> None:
    """Reject unknown keys (with a suggestion) and report the first missing required key."""
    allowed = [*required, *optional]
    for key in mapping:
        if key not in allowed:
            where = child(path, str(key))
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            listing = ", ".join(sorted(allowed))
            raise SpecError(f"{where} is not a known key{hint} (allowed keys: {listing})")
    for key in required:
        if key not in mapping:
            raise SpecError(f"{child(path, key)} is required but missing")


def field_mapping(path: str, value: Any) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise fail(path, "be a mapping of keys to values", value)
    return value


def field_sequence(path: str, value: Any, *, min_length: int = 0) -> list[Any]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, list | tuple):
        raise fail(path, "be a list", value)
    if len(value) < min_length:
        raise fail(path, f"have at least {min_length} item(s)", value)
    return list(value)


def field_string(path: str, value: Any, *, identifier: bool = False) -> str:
    if not isinstance(value, str) or not value.strip():
        raise fail(path, "be a non-empty string", value)
    if identifier and not _IDENTIFIER.match(value):
        raise fail(
            path, "be an identifier (letters, digits, '_' or '-', not starting with a digit)", value
        )
    return value.strip()


def field_option(path: str, value: Any, allowed: Collection[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        listing = ", ".join(repr(a) for a in allowed)
        close = difflib.get_close_matches(str(value), list(allowed), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise SpecError(f"{path} must be one of {listing}, got {value!r}{hint}")
    return value


def field_bool(path: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise fail(path, "be true or false", value)
    return value


def _real(path: str, value: Any, rule: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise fail(path, rule, value)
    number = float(value)
    if not math.isfinite(number):
        raise fail(path, rule, value)
    return number


def field_number(
    path: str,
    value: Any,
    *,
    low: float = 0.0,
    high: float = math.inf,
    closed_high: bool = False,
    rule: str = "be a positive number",
) -> float:
    """A finite real in ``(low, high)`` (``(low, high]`` when ``closed_high``)."""
    number = _real(path, value, rule)
    high_ok = number <= high if closed_high else number < high
    if not (number > low and high_ok):
        raise fail(path, rule, value)
    return number


def field_whole(path: str, value: Any, *, minimum: int = 1, maximum: int | None = None) -> int:
    """A whole number in ``[minimum, maximum]``."""
    rule = f"be a whole number >= {minimum}"
    if maximum is not None:
        rule = f"be a whole number from {minimum} to {maximum}"
    number = _real(path, value, rule)
    if number != math.floor(number) or number < minimum or (maximum and number > maximum):
        raise fail(path, rule, value)
    return int(number)


def field_date(path: str, value: Any) -> dt.date:
    """A calendar date: an unquoted YAML date or an ISO ``YYYY-MM-DD`` string."""
    from slaplan.capacity.calendar import parse_date

    date = parse_date(value)
    if date is None:
        raise fail(path, "be a date written YYYY-MM-DD", value)
    return date


def field_time(path: str, value: Any) -> str:
    """A wall-clock time ``"HH:MM"`` (24 h). YAML 1.1 reads unquoted 09:00 as 540 minutes."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return f"{value // 60:02d}:{value % 60:02d}"  # sexagesimal YAML 1.1 integer
    if isinstance(value, str) and _CLOCK.match(value.strip()):
        return value.strip()
    raise fail(path, 'be a time of day written "HH:MM" (24 h)', value)
