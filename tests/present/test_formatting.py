"""Numbers for people: formatters never write NaN, exponents or long decimals (issue 14, item 6)."""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from slaplan.present.formatting import (
    MISSING,
    chance_words,
    change_words,
    format_count,
    format_number,
    format_percent,
    format_signed,
    format_value,
    period_name,
)
from slaplan.present.tables import PeopleTable, frame_table

# what a person must never read: a NaN, an exponent, more than 3 decimals
UNREADABLE = re.compile(r"nan|NaN|\d[eE][+-]?\d|\d\.\d{4,}")
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True, width=64)


@given(ANY_FLOAT)
def test_counts_are_integers_with_separators_or_a_dash(value: float) -> None:
    text = format_count(value)
    assert not UNREADABLE.search(text)
    if math.isfinite(value):
        assert text.lstrip("-").replace(",", "").isdigit()
        assert int(text.replace(",", "")) == round(value)


@given(st.floats(min_value=0, max_value=1), st.integers(min_value=0, max_value=2))
def test_percentages_keep_their_decimals_and_never_round_to_certainty(share, decimals) -> None:
    text = format_percent(share, decimals=decimals)
    assert not UNREADABLE.search(text) and text.endswith("%")
    number = float(text.strip("<>%"))
    assert len(text.strip("<>%").partition(".")[2]) == decimals
    if text.startswith(">"):  # only a share below 1 that rounds to 100%
        assert share < 1 and round(100 * share, decimals) >= 100
    elif text.startswith("<"):
        assert share > 0 and round(100 * share, decimals) <= 0
    else:
        assert number == pytest.approx(100 * share, abs=0.5 * 10**-decimals + 1e-9)
        assert (number == 100) == (share == 1) and (number == 0) == (share == 0)


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda: format_count(1.13e3), "1,130"),  # check table's required_volume 1.13e+03
        (lambda: format_count(1.6e5), "160,000"),
        (lambda: format_number(88.39999999999999), "88.4"),  # the capacity page's repr
        (lambda: format_percent(0.918314738639717, decimals=1), "91.8%"),
        (lambda: format_value(0.576635, "rate"), "57.7%"),
        (lambda: format_value(393.75, "count"), "394"),
        (lambda: format_signed(-0.4), "0"),
        (lambda: format_count(None), MISSING),
        (lambda: format_percent(math.nan), MISSING),
        (lambda: format_value(pd.NA, "rate"), MISSING),
    ],
)
def test_the_values_the_issues_quote_are_written_for_people(call, expected) -> None:
    assert call() == expected


@pytest.mark.parametrize(
    ("p_value", "words"),
    [
        (8.4e-36, "very unlikely to be chance"),
        (0.004, "unlikely to be chance"),
        (0.049, "probably not chance"),
        (0.05, "could well be chance"),
        (1.0, "could well be chance"),
        (None, "not tested"),
    ],
)
def test_p_values_read_as_words(p_value, words) -> None:
    assert chance_words(p_value) == words


def test_changes_in_words_follow_the_kind_of_quantity() -> None:
    # counts relative, shares in points; the issue's example: "up 35%, very unlikely to be chance"
    assert change_words(300, 405, kind="count", p_value=8.4e-36) == (
        "up 35%, very unlikely to be chance"
    )
    assert change_words(0.84, 0.67, kind="share") == "down 17 points"
    assert change_words(0.0, 12, kind="count") == "from 0 to 12"
    assert change_words(math.nan, 3, kind="count") == "not measured"


def test_period_names() -> None:
    assert period_name(pd.Period("2026-12", "M")) == "December 2026"
    assert period_name("2027Q1") == "Q1 2027"


def test_frame_table_writes_every_cell_and_wraps_long_text() -> None:
    long = "lead volume 948 (nb_glm), " * 40  # assumptions of any length are shown whole
    frame = pd.DataFrame({"volume": [393.75, math.nan], "note": [long, "<b>x</b>"]})
    table = frame_table(frame, {"volume": format_count, "note": str}, wrap=("note",))
    page = table.to_html()
    assert table.rows[0] == ("394", long) and table.rows[1][0] == MISSING
    assert long in page and "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert "white-space:pre-line" in page and not UNREADABLE.search(page.replace(long, ""))


def test_people_table_rejects_a_row_of_the_wrong_width() -> None:
    with pytest.raises(ValueError):
        PeopleTable(columns=("a", "b"), rows=(("1",),)).to_html()
