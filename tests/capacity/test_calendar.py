"""Tests of the business-hours clock. Expected hours are counted by hand on a 2026 wall calendar."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slaplan.capacity.calendar import BusinessCalendar
from slaplan.errors import SpecError

T = pd.Timestamp
# Thanksgiving 2026 is Thursday 26 November; 2026-03-08 (Sunday) is the US spring-forward day.
CAL = BusinessCalendar(holidays=("2026-11-26", dt.date(2026, 12, 25)))


@pytest.mark.parametrize(
    ("start", "end", "hours"),
    [
        ("2026-11-16 10:00", "2026-11-16 12:30", 2.5),  # same day, hand count
        ("2026-11-16 07:00", "2026-11-16 20:00", 8.0),  # whole day, clipped to 9-17
        ("2026-11-16 16:00", "2026-11-17 10:00", 2.0),  # overnight: 1 h Mon + 1 h Tue
        ("2026-11-13 16:00", "2026-11-16 10:00", 2.0),  # weekend: Fri 1 h + Mon 1 h
        ("2026-11-14 08:00", "2026-11-15 23:00", 0.0),  # entirely inside a weekend
        ("2026-11-25 16:00", "2026-11-27 10:00", 2.0),  # Thanksgiving holiday skipped
        ("2026-03-06 16:00", "2026-03-09 10:00", 2.0),  # across the DST change, wall clock
        ("2026-11-02 09:00", "2026-11-09 09:00", 40.0),  # one week = open_hours_per_week
        ("2026-11-17 10:00", "2026-11-16 16:00", -2.0),  # reversed interval: negative
    ],
)
def test_business_hours_between_hand_counted(start, end, hours):
    assert CAL.business_hours_between(T(start), T(end)) == pytest.approx(hours)


def test_vectorised_series_keeps_index_and_nat_gives_nan():
    starts = pd.Series([T("2026-11-16 16:00"), pd.NaT, T("2026-11-13 16:00")], index=[5, 6, 7])
    ends = pd.Series([T("2026-11-17 10:00"), T("2026-11-17"), pd.NaT], index=[5, 6, 7])
    result = CAL.business_hours_between(starts, ends)
    assert list(result.index) == [5, 6, 7]
    assert result.iloc[0] == 2.0 and np.isnan(result.iloc[1]) and np.isnan(result.iloc[2])


def test_tz_aware_inputs_are_converted_to_the_zone():
    # 21:00 UTC on 6 March 2026 is 16:00 in New York (EST, UTC-5): 1 h Friday + 1 h Monday
    start = pd.Series(pd.to_datetime(["2026-03-06 21:00"]).tz_localize("UTC"))
    assert CAL.business_hours_between(start, T("2026-03-09 10:00")).iloc[0] == 2.0


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        ("2026-11-16 09:00", 8, "2026-11-16 17:00"),  # earliest instant: close of the same day
        ("2026-11-14 12:00", 1, "2026-11-16 10:00"),  # Saturday lead waits for Monday morning
        ("2026-11-25 16:30", 1, "2026-11-27 09:30"),  # holiday skipped
        ("2026-11-16 12:00", 0, "2026-11-16 12:00"),  # zero is the identity
        ("2026-11-16 10:00", -2, "2026-11-13 16:00"),  # negative goes back over the weekend
    ],
)
def test_add_business_hours_hand_counted(start, hours, expected):
    assert CAL.add_business_hours(T(start), hours) == T(expected)


@pytest.mark.parametrize(
    ("ts", "is_open", "next_open"),
    [
        ("2026-11-16 08:59", False, "2026-11-16 09:00"),
        ("2026-11-16 09:00", True, "2026-11-16 09:00"),
        ("2026-11-16 16:59", True, "2026-11-16 16:59"),
        ("2026-11-16 17:00", False, "2026-11-17 09:00"),
        ("2026-11-14 12:00", False, "2026-11-16 09:00"),
        ("2026-11-25 18:00", False, "2026-11-27 09:00"),  # evening before Thanksgiving
    ],
)
def test_is_open_and_next_open(ts, is_open, next_open):
    assert CAL.is_open(T(ts)) is is_open
    assert CAL.next_open(T(ts)) == T(next_open)


def test_open_hours_per_week_default_is_forty():
    assert BusinessCalendar().open_hours_per_week == 40.0
    assert BusinessCalendar(days=("sat",), start="10:00", end="12:30").open_hours_per_week == 2.5


def test_from_spec_reads_the_sla_block():
    spec = {
        "timezone": "America/New_York",
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "09:00",
        "end": "17:00",
        "holidays": [dt.date(2026, 1, 1), "2026-05-25"],
    }
    cal = BusinessCalendar.from_spec(spec)
    assert cal.holidays == (dt.date(2026, 1, 1), dt.date(2026, 5, 25))
    assert cal == BusinessCalendar(holidays=("2026-05-25", "2026-01-01"))


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"timezone": "Mars/Olympus"}, "business_hours.timezone must be an IANA"),
        ({"days": ["mon", "funday"]}, "business_hours.days must be"),
        ({"days": []}, "business_hours.days must be"),
        ({"start": "9am"}, "business_hours.start must be a time"),
        ({"end": 1020}, "quote it in YAML"),
        ({"start": "17:00", "end": "09:00"}, "start must be before end"),
        ({"holidays": ["2026-13-01"]}, r"holidays\[0\] must be a date"),
        ({"open": "09:00"}, "unknown keys"),
    ],
)
def test_from_spec_errors_name_the_field(spec, message):
    with pytest.raises(SpecError, match=message):
        BusinessCalendar.from_spec(spec)


_times = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31))


@given(_times, _times, _times)
def test_between_is_additive(a, b, c):
    between = CAL.business_hours_between
    total = between(T(a), T(b)) + between(T(b), T(c))
    assert total == pytest.approx(between(T(a), T(c)), abs=1e-9)


@given(_times, st.floats(min_value=-500, max_value=500))
def test_add_then_between_round_trips(start, hours):
    hours = round(hours, 6)
    end = CAL.add_business_hours(T(start), hours)
    assert CAL.business_hours_between(T(start), end) == pytest.approx(hours, abs=1e-9)


@given(_times)
def test_next_open_is_open_and_not_before(ts):
    opening = CAL.next_open(T(ts))
    assert opening >= T(ts) and CAL.is_open(opening)
    assert CAL.business_hours_between(T(ts), opening) == 0.0
