"""The business-hours clock: which instants are open, and how many open hours lie between two.

:class:`BusinessCalendar` owns the concept of *business time* used by response-time SLAs
("touched within 1 business hour"). Timestamps are **naive local wall-clock times** of the
calendar's time zone, as in the canonical lead table; tz-aware inputs are converted to the zone
and made naive first. Because opening hours are wall-clock hours, a daylight-saving change (which
happens at night, outside opening hours) does not alter the open hours of any day.

The kernel is one monotone function, the *business clock* ``B(t)``: open nanoseconds from a fixed
epoch to ``t``. Whole business days come from :func:`numpy.busday_count` (weekmask and holidays),
the partial day from the time of day clipped to ``[start, end]``. Everything else is arithmetic on
``B``, so ``business_hours_between`` is exactly additive and ``add_business_hours`` inverts it.
Vectorised: a million timestamps take a few tens of milliseconds.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from slaplan.errors import SpecError

__all__ = ["WEEKDAYS", "BusinessCalendar", "parse_date"]

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_NS_PER_MINUTE = 60 * 10**9
_NS_PER_HOUR = 3600 * 10**9
_NS_PER_DAY = 86400 * 10**9
_EPOCH = np.datetime64("1970-01-01", "D")
_CLOCK_PATTERN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_SPEC_KEYS = ("timezone", "days", "start", "end", "holidays")


def _parse_clock(name: str, value: Any) -> int:
    """Minutes after midnight of an ``"HH:MM"`` string (``"24:00"`` allowed as end of day)."""
    match = _CLOCK_PATTERN.match(value) if isinstance(value, str) else None
    minutes = int(match.group(1)) * 60 + int(match.group(2)) if match else -1
    if not match or minutes > 24 * 60:
        hint = ' (quote it in YAML: "17:00")' if isinstance(value, int) else ""
        raise SpecError(
            f'{name} must be a time "HH:MM" between 00:00 and 24:00, got {value!r}{hint}'
        )
    return minutes


def parse_date(value: Any) -> dt.date | None:
    """A calendar date from a ``date``/``datetime`` or an ISO ``YYYY-MM-DD`` string, else None.

    The one date reader of configuration files (holidays here, every date field of the SLA).

    >>> parse_date("2026-12-25"), parse_date("25/12/2026")
    (datetime.date(2026, 12, 25), None)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _parse_holiday(index: int, value: Any) -> dt.date:
    date = parse_date(value)
    if date is None:
        raise SpecError(f"holidays[{index}] must be a date YYYY-MM-DD, got {value!r}")
    return date


@dataclass(frozen=True, kw_only=True)
class BusinessCalendar:
    """Opening hours of a team: time zone, working days, daily start and end, holidays.

    Parameters
    ----------
    timezone : str
        IANA zone name (``"America/New_York"``): the zone of the naive timestamps.
    days : tuple of str
        Working days among ``mon tue wed thu fri sat sun``.
    start, end : str
        Daily opening and closing wall-clock times ``"HH:MM"``, ``start < end`` (no overnight
        shifts; ``end`` may be ``"24:00"``).
    holidays : tuple of date or ISO str
        Closed dates; normalised to a sorted tuple of :class:`datetime.date`.

    Examples
    --------
    >>> cal = BusinessCalendar()
    >>> friday, monday = pd.Timestamp("2026-11-13 16:00"), pd.Timestamp("2026-11-16 10:00")
    >>> cal.business_hours_between(friday, monday)
    2.0
    """

    timezone: str = "America/New_York"
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    start: str = "09:00"
    end: str = "17:00"
    holidays: tuple[dt.date, ...] = ()
    _weekmask: str = field(init=False, repr=False, compare=False)
    _holidays: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.timezone, str):
            raise SpecError(f"timezone must be an IANA time zone name, got {self.timezone!r}")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise SpecError(
                f"timezone must be an IANA time zone name, got {self.timezone!r}"
            ) from exc
        days = tuple(self.days) if isinstance(self.days, list | tuple) else None
        if not days or any(d not in WEEKDAYS for d in days) or len(set(days)) != len(days):
            raise SpecError(
                f"days must be a non-empty list of distinct days among {', '.join(WEEKDAYS)}, "
                f"got {self.days!r}"
            )
        start, end = _parse_clock("start", self.start), _parse_clock("end", self.end)
        if start >= end:
            raise SpecError(f"start must be before end, got start={self.start!r}, end={self.end!r}")
        if not isinstance(self.holidays, list | tuple):
            raise SpecError(f"holidays must be a list of dates, got {self.holidays!r}")
        holidays = tuple(sorted({_parse_holiday(i, h) for i, h in enumerate(self.holidays)}))
        object.__setattr__(self, "days", tuple(d for d in WEEKDAYS if d in days))
        object.__setattr__(self, "holidays", holidays)
        object.__setattr__(self, "_weekmask", "".join("1" if d in days else "0" for d in WEEKDAYS))
        object.__setattr__(self, "_holidays", np.array(holidays, dtype="datetime64[D]"))

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> BusinessCalendar:
        """Build from the ``business_hours`` block of an SLA file; errors name the field path.

        >>> BusinessCalendar.from_spec({"timezone": "Europe/Paris", "start": "08:30"}).start
        '08:30'
        """
        if not isinstance(spec, Mapping):
            raise SpecError(f"business_hours must be a mapping, got {spec!r}")
        unknown = sorted(set(spec) - set(_SPEC_KEYS))
        if unknown:
            raise SpecError(
                f"business_hours has unknown keys {unknown}; allowed: {', '.join(_SPEC_KEYS)}"
            )
        try:
            return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in spec.items()})
        except SpecError as exc:
            raise SpecError(f"business_hours.{exc}") from None

    def to_spec(self) -> dict[str, Any]:
        """The ``business_hours`` mapping of an SLA file (the inverse of :meth:`from_spec`).

        >>> BusinessCalendar(timezone="UTC", days=("mon",)).to_spec()["days"]
        ['mon']
        """
        return {
            "timezone": self.timezone,
            "days": list(self.days),
            "start": self.start,
            "end": self.end,
            "holidays": list(self.holidays),
        }

    # ---- derived quantities ------------------------------------------------------------------
    @property
    def open_hours_per_day(self) -> float:
        """Open hours of one working day."""
        return (self._end_ns - self._start_ns) / _NS_PER_HOUR

    @property
    def open_hours_per_week(self) -> float:
        """Open hours of a week without holidays (``len(days) × open_hours_per_day``)."""
        return len(self.days) * self.open_hours_per_day

    @property
    def _start_ns(self) -> int:
        return _parse_clock("start", self.start) * _NS_PER_MINUTE

    @property
    def _end_ns(self) -> int:
        return _parse_clock("end", self.end) * _NS_PER_MINUTE

    # ---- public vectorised methods -------------------------------------------------------------
    def business_hours_between(self, start: Any, end: Any) -> Any:
        """Open hours in ``[start, end)``; negative when ``end`` is before ``start``.

        Works element-wise on scalars, Series, DatetimeIndex or arrays of naive local timestamps
        (tz-aware ones are converted to the calendar's zone). NaT on either side gives NaN. The
        result is exactly additive: ``between(a, b) + between(b, c) == between(a, c)``.
        A Series input gives a Series on its index; a scalar pair gives a float.
        """
        start_ns, shape_start, index = self._to_local_ns(start)
        end_ns, shape_end, index_end = self._to_local_ns(end)
        shape = None if shape_start is None and shape_end is None else ()
        missing = (start_ns == _NAT) | (end_ns == _NAT)
        clock_diff = self._clock(end_ns) - self._clock(start_ns)
        hours = np.where(missing, np.nan, clock_diff / _NS_PER_HOUR)
        return _wrap(hours, shape, index if index is not None else index_end)

    def add_business_hours(self, start: Any, hours: Any) -> Any:
        """The earliest instant ``t`` with ``business_hours_between(start, t) == hours``.

        ``hours`` may be a scalar or an array matching ``start`` (negative values go back).
        Adding ``0`` returns ``start`` unchanged; adding 8 to Monday 09:00 on a 9–17 calendar
        gives Monday 17:00, and adding 1 to Saturday noon gives Monday 10:00. NaT/NaN give NaT.
        """
        start_ns, shape, index = self._to_local_ns(start)
        hours_array = np.broadcast_to(np.asarray(hours, dtype=float), start_ns.shape)
        missing = (start_ns == _NAT) | ~np.isfinite(hours_array)
        delta_ns = np.round(np.where(missing, 0.0, hours_array) * _NS_PER_HOUR).astype(np.int64)
        target = self._clock(np.where(missing, 0, start_ns)) + delta_ns
        result = np.where(delta_ns == 0, start_ns, self._inverse_clock(target))
        return _wrap_times(np.where(missing, _NAT, result), shape, index)

    def is_open(self, ts: Any) -> Any:
        """Whether each timestamp is in opening hours (``start <= time < end``, working day)."""
        ns, shape, index = self._to_local_ns(ts)
        day, time_of_day = _split_day(ns)
        open_ = (
            self._is_workday(day) & (time_of_day >= self._start_ns) & (time_of_day < self._end_ns)
        )
        return _wrap(open_ & (ns != _NAT), shape, index)

    def next_open(self, ts: Any) -> Any:
        """The opening instant at or after each timestamp (the timestamp itself when open)."""
        ns, shape, index = self._to_local_ns(ts)
        safe = np.where(ns == _NAT, 0, ns)
        day, time_of_day = _split_day(safe)
        workday = self._is_workday(day)
        before = workday & (time_of_day < self._start_ns)
        during = workday & ~before & (time_of_day < self._end_ns)
        next_day = np.busday_offset(
            day, np.where(workday, 1, 0), roll="forward", **self._busday_kwargs
        )
        opening = np.where(before, day, next_day).astype("datetime64[ns]").astype(np.int64)
        result = np.where(during, safe, opening + self._start_ns)
        return _wrap_times(np.where(ns == _NAT, _NAT, result), shape, index)

    # ---- kernel --------------------------------------------------------------------------
    @property
    def _busday_kwargs(self) -> dict[str, Any]:
        return {"weekmask": self._weekmask, "holidays": self._holidays}

    def _is_workday(self, day: np.ndarray) -> np.ndarray:
        return np.is_busday(day, **self._busday_kwargs)

    def _clock(self, ns: np.ndarray) -> np.ndarray:
        """B(t): open nanoseconds from the epoch to ``t`` (monotone, constant when closed)."""
        day, time_of_day = _split_day(np.where(ns == _NAT, 0, ns))
        whole_days = np.busday_count(_EPOCH, day, **self._busday_kwargs).astype(np.int64)
        into_day = np.clip(time_of_day - self._start_ns, 0, self._end_ns - self._start_ns)
        return whole_days * (self._end_ns - self._start_ns) + np.where(
            self._is_workday(day), into_day, 0
        )

    def _inverse_clock(self, clock_ns: np.ndarray) -> np.ndarray:
        """The earliest instant whose business clock equals ``clock_ns``."""
        day_ns = self._end_ns - self._start_ns
        # k-th business day (0-based from the epoch) holding the instant; remainder in (0, day]
        k = -((-clock_ns) // day_ns) - 1
        remainder = clock_ns - k * day_ns
        day = np.busday_offset(_EPOCH, k, roll="forward", **self._busday_kwargs)
        return day.astype("datetime64[ns]").astype(np.int64) + self._start_ns + remainder

    def _to_local_ns(self, values: Any) -> tuple[np.ndarray, tuple[int, ...] | None, Any]:
        """Naive local int64 nanoseconds (NaT as int64 min), shape (None: scalar), index."""
        index = values.index if isinstance(values, pd.Series) else None
        scalar = np.ndim(values) == 0 and not isinstance(values, pd.Series | pd.Index)
        times = pd.DatetimeIndex(pd.to_datetime([values] if scalar else values))
        if times.tz is not None:
            times = times.tz_convert(self.timezone).tz_localize(None)
        ns = times.as_unit("ns").asi8
        return ns, (None if scalar else ns.shape), index


_NAT = np.iinfo(np.int64).min


def _split_day(ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Calendar day (datetime64[D]) and nanoseconds since midnight of naive timestamps."""
    days = ns // _NS_PER_DAY
    return days.astype("datetime64[D]"), ns - days * _NS_PER_DAY


def _wrap(values: np.ndarray, shape: tuple[int, ...] | None, index: Any) -> Any:
    if shape is None:
        item = values[0]
        return bool(item) if values.dtype == bool else float(item)
    return pd.Series(values, index=index) if index is not None else values


def _wrap_times(ns: np.ndarray, shape: tuple[int, ...] | None, index: Any) -> Any:
    times = pd.DatetimeIndex(ns.astype("datetime64[ns]"))
    if shape is None:
        return times[0]
    return pd.Series(times, index=index) if index is not None else times
