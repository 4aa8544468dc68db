"""Unit tests of the local-server helpers and of URL parameters (no browser, no Voilà)."""

from __future__ import annotations

import os
import socket
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from slaplan.errors import SpecError
from slaplan.present.voila import free_port, query_parameters, start_server


def test_query_parameters_without_query_returns_defaults(monkeypatch) -> None:
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert query_parameters(target=12, confidence=0.8) == {"target": 12, "confidence": 0.8}


def test_query_parameters_reads_voila_environment(monkeypatch) -> None:
    # Voilà sets QUERY_STRING in the kernel's environment (voila/handler.py, request_info)
    monkeypatch.setenv("QUERY_STRING", "target=15&volume_per_month=320.5&voila-theme=dark")
    got = query_parameters(target=12, volume_per_month=300.0, segment="all")
    assert got == {"target": 15, "volume_per_month": 320.5, "segment": "all"}


@pytest.mark.parametrize(
    ("text", "expected"), [("1", True), ("yes", True), ("FALSE", False), ("off", False)]
)
def test_query_parameters_booleans(text: str, expected: bool) -> None:
    assert query_parameters(f"pooled={text}", pooled=not expected) == {"pooled": expected}


def test_query_parameters_keeps_strings_and_last_value() -> None:
    got = query_parameters("segment=Paid%20search&segment=Events", segment="all")
    assert got == {"segment": "Events"}


@pytest.mark.parametrize(
    ("query", "defaults", "rule"),
    [
        ("target=abc", {"target": 12}, "a finite int"),
        ("target=1.5", {"target": 12}, "a finite int"),
        ("confidence=nan", {"confidence": 0.8}, "a finite float"),
        ("confidence=inf", {"confidence": 0.8}, "a finite float"),
        ("pooled=maybe", {"pooled": True}, "one of 1/0/true/false"),
    ],
)
def test_query_parameters_bad_value_names_parameter_rule_and_value(query, defaults, rule) -> None:
    name, value = query.split("=")
    with pytest.raises(SpecError, match=rf"URL parameter {name} must be {rule}.*got '{value}'"):
        query_parameters(query, **defaults)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_query_parameters_integers_round_trip(number: int) -> None:
    assert query_parameters(f"target={number}", target=0) == {"target": number}


def test_free_port_can_be_bound() -> None:
    port = free_port()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", port))


def test_start_server_serves_then_stops_by_pid(tmp_path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with start_server(command, port=port, cwd=tmp_path, name="http.server") as server:
        assert server.url == f"http://127.0.0.1:{port}/"
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    assert server.process.poll() is not None
    with pytest.raises(ProcessLookupError):
        os.kill(server.pid, 0)


def test_start_server_reports_early_exit_with_its_log(tmp_path) -> None:
    command = [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]
    with pytest.raises(RuntimeError, match=r"(?s)crasher exited.*boom"):
        start_server(command, port=free_port(), cwd=tmp_path, name="crasher")
