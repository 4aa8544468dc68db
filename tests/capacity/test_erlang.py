"""Erlang B/C kernels and the staffing contract of PRODUCT.md §5."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import slaplan as sp
from slaplan.capacity.erlang import (
    average_wait_minutes,
    erlang_b,
    erlang_c_service_level,
    erlang_c_wait_probability,
    occupancy,
    required_agents,
)

TOLERANCE = 1e-9


def _golden_rows(reference_dir):
    with open(reference_dir / "erlang_c.csv", newline="") as handle:
        return [
            {k: (v if k == "source" else float(v)) for k, v in row.items()}
            for row in csv.DictReader(handle)
        ]


def _erlang_b_recursion(load: float, agents: int) -> float:
    """Independent closed form: B(0)=1, B(n)=A·B(n-1)/(n + A·B(n-1)) (Cooper §3.4)."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def test_golden_erlang_c_reference_csv_pyworkforce_callcentertools_closed_form(reference_dir):
    """Every row of tests/data/reference/erlang_c.csv (pyworkforce README / R ErlangC vignette,
    call-center-tools README, closed-form Erlang B recursion rows) to 1e-9."""
    rows = _golden_rows(reference_dir)
    assert len(rows) >= 6
    for row in rows:
        rate, handle, agents = row["arrivals_per_hour"], row["handle_minutes"], row["agents"]
        within = row["answer_within_minutes"]
        got = {
            "wait_probability": sp.erlang_c(rate, handle, agents),
            "service_level": sp.service_level(rate, handle, agents, within),
            "average_wait_minutes": average_wait_minutes(rate, handle, agents),
            "occupancy": occupancy(rate, handle, agents),
            "load_erlangs": rate * handle / 60,
        }
        for name, value in got.items():
            assert value == pytest.approx(row[name], abs=TOLERANCE), (row["source"], name)


def test_required_agents_pyworkforce_readme_14_raw_20_scheduled():
    """PRODUCT.md §6 / pyworkforce README: 80% in 20 s, occupancy ≤ 0.85, shrinkage 0.3."""
    result = sp.required_agents(
        arrivals_per_hour=200,
        handle_minutes=3,
        target_service_level=0.8,
        answer_within_minutes=1 / 3,
        max_occupancy=0.85,
        shrinkage=0.3,
    )
    assert isinstance(result, sp.StaffingResult)
    assert (result.agents, result.scheduled_agents) == (14, 20)
    assert result.wait_probability == pytest.approx(0.1741319336, abs=TOLERANCE)
    assert result.service_level == pytest.approx(0.8883500192, abs=TOLERANCE)
    assert result.occupancy == pytest.approx(0.7142857143, abs=TOLERANCE)
    assert result.average_wait_minutes * 60 == pytest.approx(7.836, abs=1e-3)
    frame = result.to_frame()
    assert frame.loc[0, "scheduled_agents"] == 20


def test_required_agents_call_center_tools_readme_40_raw_58_scheduled():
    """call-center-tools README: 1000/h, 120 s, 80% in 20 s → 40 agents, 58 scheduled."""
    result = required_agents(1000, 2, 0.8, 1 / 3, max_occupancy=0.85, shrinkage=0.3)
    assert (result.agents, result.scheduled_agents) == (40, 58)
    assert result.wait_probability == pytest.approx(0.1907372904, abs=TOLERANCE)
    assert result.service_level == pytest.approx(0.9372106215, abs=TOLERANCE)
    assert result.average_wait_minutes * 60 == pytest.approx(3.43, abs=5e-3)


def test_required_agents_occupancy_cap_binds():
    """With an easy service target, the occupancy cap decides: ceil(A / 0.85) = ceil(117.6)."""
    result = required_agents(100 * 60, 1, 0.01, 60, max_occupancy=0.85)
    assert result.agents == 118
    assert result.occupancy <= 0.85


def test_required_agents_is_the_smallest_meeting_the_target():
    """The search answer meets the target and one agent fewer does not (brute force check)."""
    for load in (0.5, 3.0, 10.0, 97.3, 1000.0):
        result = required_agents(load * 60, 1, 0.9, 0.2)
        assert result.service_level >= 0.9
        if result.agents - 1 > load:
            assert erlang_c_service_level(load, result.agents - 1, 0.2) < 0.9


@pytest.mark.parametrize(
    ("load", "agents"), [(10.0, 14), (150.0, 160), (1000.0, 999), (50.0, 3), (5.0, 100)]
)
def test_erlang_b_matches_recursion_closed_form(load, agents):
    expected = _erlang_b_recursion(load, agents)
    assert erlang_b(load, agents) == pytest.approx(expected, rel=1e-9, abs=1e-300)


def test_no_overflow_or_nan_at_10000_agents():
    """Factorials overflow near 170 agents; the kernels stay finite at 10,000 and beyond."""
    loads = np.array([100.0, 5000.0, 9990.0, 9999.9, 20000.0])
    agents = np.full_like(loads, 10_000.0)
    blocking = erlang_b(loads, agents)
    assert np.all(np.isfinite(blocking)) and np.all((blocking >= 0) & (blocking <= 1))
    wait = erlang_c_wait_probability(loads[:4], agents[:4])
    assert np.all(np.isfinite(wait)) and np.all((wait >= 0) & (wait <= 1))
    assert erlang_b(10_000.0, 10_100) == pytest.approx(
        _erlang_b_recursion(10_000.0, 10_100), rel=1e-9
    )


def test_non_integer_agents_interpolate_between_integers():
    """Real staffing (Jagerman's incomplete-gamma form) lies between its integer neighbours."""
    for load in (4.0, 37.5):
        below, above = math.floor(load) + 2, math.floor(load) + 3
        middle = erlang_c_wait_probability(load, below + 0.5)
        assert (
            erlang_c_wait_probability(load, above) < middle < erlang_c_wait_probability(load, below)
        )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sp.erlang_c(200, 3, 10), "agents must exceed the offered load"),
        (lambda: sp.erlang_c(200, 3, 9.5), "10 Erlangs"),
        (lambda: sp.erlang_c(-1, 3, 10), "arrivals_per_hour must be > 0"),
        (lambda: sp.erlang_c(200, float("nan"), 10), "handle_minutes must be finite"),
        (lambda: sp.service_level(200, 3, 14, -1), "answer_within_minutes must be >= 0"),
        (lambda: required_agents(200, 3, 1.0, 1), "target_service_level must be in (0, 1)"),
        (lambda: required_agents(200, 3, 0.8, 1, shrinkage=1), "shrinkage must be in [0, 1)"),
        (lambda: required_agents(200, 3, 0.8, 1, max_occupancy=0), "max_occupancy must be in"),
    ],
)
def test_clear_errors(call, message):
    with pytest.raises(
        ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        call()


def test_bool_is_not_a_number():
    with pytest.raises(TypeError, match="agents must be a real number"):
        sp.erlang_c(10, 3, True)


loads = st.floats(min_value=0.01, max_value=2000.0)
gaps = st.floats(min_value=0.01, max_value=200.0)
windows = st.floats(min_value=0.0, max_value=20.0)


@given(load=loads, gap=gaps, extra=st.floats(min_value=0.0, max_value=50.0), window=windows)
def test_service_level_never_falls_as_agents_rise(load, gap, extra, window):
    fewer = erlang_c_service_level(load, load + gap, window)
    more = erlang_c_service_level(load, load + gap + extra, window)
    assert more >= fewer - 1e-12


@given(load=loads, gap=gaps, window=windows, wider=st.floats(min_value=0.0, max_value=20.0))
def test_service_level_never_falls_as_window_widens(load, gap, window, wider):
    narrow = erlang_c_service_level(load, load + gap, window)
    wide = erlang_c_service_level(load, load + gap, window + wider)
    assert wide >= narrow - 1e-12


@given(load=st.floats(min_value=1e-3, max_value=20000.0), gap=st.floats(1e-6, 5000.0))
def test_wait_probability_is_a_probability(load, gap):
    wait = erlang_c_wait_probability(load, load + gap)
    assert 0.0 <= wait <= 1.0
    assert 0.0 <= erlang_b(load, load + gap) <= wait + 1e-12
