"""Date parsing rules of slaplan.funnel.dates (formats, dayfirst, offsets, impossible dates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from slaplan.funnel.dates import parse_datetimes


def _parse(values, **kwargs):
    parsed = parse_datetimes(pd.Series(values, dtype="str"), **kwargs)
    return [None if np.isnat(v) else str(pd.Timestamp(v)) for v in parsed.values], list(
        parsed.failed
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", "2024-03-05 00:00:00"),
        ("2024-03-05 14:30:00", "2024-03-05 14:30:00"),
        ("2024-03-05T14:30", "2024-03-05 14:30:00"),
        ("2024-03-05 14:30:00.250", "2024-03-05 14:30:00.250000"),
        ("3/5/2024", "2024-03-05 00:00:00"),
        ("03/05/2024 14:30", "2024-03-05 14:30:00"),
        ("2024/03/05", "2024-03-05 00:00:00"),
        ("  2024-03-05  ", "2024-03-05 00:00:00"),
    ],
)
def test_month_first_formats(text, expected):
    assert _parse([text]) == ([expected], [False])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/3/2024", "2024-03-05 00:00:00"),
        ("05-03-2024", "2024-03-05 00:00:00"),
        ("05.03.2024 14:30", "2024-03-05 14:30:00"),
        ("2024-03-05", "2024-03-05 00:00:00"),  # ISO is never ambiguous
    ],
)
def test_dayfirst_formats(text, expected):
    assert _parse([text], dayfirst=True) == ([expected], [False])


def test_offsets_are_converted_to_tz_then_dropped():
    values, _ = _parse(["2024-03-05T14:30:00+02:00", "2024-03-05 12:30:00Z", "2024-03-05"])
    assert values == ["2024-03-05 12:30:00", "2024-03-05 12:30:00", "2024-03-05 00:00:00"]
    values, _ = _parse(["2024-03-05T14:30:00+02:00"], tz="Europe/Berlin")
    assert values == ["2024-03-05 13:30:00"]  # 12:30 UTC is 13:30 CET


def test_impossible_and_junk_dates_fail_but_blanks_do_not():
    values, failed = _parse(["2024-02-30", "13/45/2024", "soon", None, "", "2024-02-29"])
    assert failed == [True, True, True, False, False, False]
    assert values[-1] == "2024-02-29 00:00:00"


def test_typed_datetimes_pass_through_and_aware_ones_become_naive():
    aware = pd.Series(pd.to_datetime(["2024-03-05 12:00"]).tz_localize("UTC"))
    parsed = parse_datetimes(aware, tz="America/New_York")
    assert str(pd.Timestamp(parsed.values[0])) == "2024-03-05 07:00:00"
