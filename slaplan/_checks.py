"""Argument validation shared by every public function (the ``_iv`` step of the kit).

Each helper checks one raw argument *before* any coercion and returns a clean value; messages
name the argument, the rule and the bad value (``"confidence must be in (0, 1), got 1.5"``).
Booleans, NaN and infinities are rejected explicitly: ``True`` is not a count.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection
from typing import Any

import numpy as np

__all__ = [
    "check_count",
    "check_counts_array",
    "check_finite",
    "check_option",
    "check_positive",
    "check_probability",
    "check_rng",
]


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def check_finite(name: str, value: Any) -> float:
    """Return ``value`` as a float after checking it is a finite real number (not a bool)."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return result


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float after checking it is finite and > 0 (or >= 0)."""
    result = check_finite(name, value)
    if result < 0 or (result == 0 and not allow_zero):
        rule = ">= 0" if allow_zero else "> 0"
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return result


def check_probability(
    name: str, value: Any, *, open_low: bool = True, open_high: bool = True
) -> float:
    """Return ``value`` as a float after checking it lies in the stated interval within [0, 1]."""
    result = check_finite(name, value)
    low_ok = result > 0 if open_low else result >= 0
    high_ok = result < 1 if open_high else result <= 1
    if not (low_ok and high_ok):
        interval = ("(" if open_low else "[") + "0, 1" + (")" if open_high else "]")
        raise ValueError(f"{name} must be in {interval}, got {value!r}")
    return result


def check_count(name: str, value: Any, *, minimum: int = 0) -> int:
    """Return ``value`` as an int after checking it is an integer (or integral float) >= minimum."""
    if _is_bool(value) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if not math.isfinite(float(value)) or float(value) != math.floor(float(value)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    result = int(value)
    if result < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return result


def check_counts_array(name: str, values: Any, *, min_length: int = 1) -> np.ndarray:
    """Return a 1-D int64 array after checking every entry is a finite, whole number >= 0."""
    array = np.asarray(values)
    if array.dtype == bool:
        raise TypeError(f"{name} must hold counts, got booleans")
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size < min_length:
        raise ValueError(f"{name} must have at least {min_length} values, got {array.size}")
    try:
        floats = array.astype(float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must hold numbers, got dtype {array.dtype}") from exc
    bad = ~np.isfinite(floats) | (floats < 0) | (floats != np.floor(floats))
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} must hold whole numbers >= 0; position {position} is {array[position]!r}"
        )
    return floats.astype(np.int64)


def check_option(name: str, value: Any, allowed: Collection[str]) -> str:
    """Return ``value`` after checking it is one of ``allowed`` (the message lists them)."""
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}, got {value!r}")
    return value


def spawn_streams(seed: Any, n: int) -> list[np.random.Generator]:
    """``n`` independent child Generators of ``seed`` (None, a non-negative int, a SeedSequence or
    a Generator, whose ``spawn`` is used: the Generator's own stream is left untouched).

    The same int seed always gives the same streams; so does a fresh Generator made from it.
    """
    if isinstance(seed, np.random.Generator):
        return seed.spawn(n)
    root = (
        seed
        if isinstance(seed, np.random.SeedSequence)
        else np.random.SeedSequence(_int_seed(seed, "a numpy SeedSequence, "))
    )
    return [np.random.default_rng(child) for child in root.spawn(n)]


def _int_seed(seed: Any, also: str = "") -> int | None:
    if seed is None:
        return None
    if _is_bool(seed) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(
            f"seed must be None, a non-negative int, {also}or a numpy Generator, got {seed!r}"
        )
    return int(seed)


def check_rng(seed: Any) -> np.random.Generator:
    """Return a numpy Generator from ``None``, an int seed or a Generator (never the global RNG)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(_int_seed(seed))
