"""Unit tests of the local-server helpers, URL parameters and the dashboard page (no browser)."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given
from hypothesis import strategies as st
from traitlets.config import PyFileConfigLoader

from slaplan.errors import SpecError
from slaplan.present.voila import free_port, start_server, voila_config_dir
from slaplan.present.voila_page import (
    DASHBOARD_TAG,
    dashboard_notebook,
    prelaunch_hook,
    query_parameters,
    url_parameters,
)

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


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


def test_url_parameters_keep_what_they_cannot_read_as_messages() -> None:
    got = url_parameters("target=abc&confidence=0.9&headcount=4", target=50, confidence=0.8,
                         headcount=0.0)  # fmt: skip
    assert got.values == {"target": 50, "confidence": 0.9, "headcount": 4.0}
    assert got.given == {"confidence": 0.9, "headcount": 4.0}
    assert got.problems == ("URL parameter target must be a finite int, got 'abc'",)


@pytest.mark.parametrize("name", ["02_target_planner.ipynb", "03_capacity_and_response.ipynb"])
def test_a_dashboard_page_runs_only_its_dashboard_cells(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    page = dashboard_notebook(notebook)
    kept = [
        c for c in notebook.cells if {DASHBOARD_TAG, "parameters"} & set(c.metadata.get("tags", []))
    ]
    assert [c.source for c in page.cells] == [c.source for c in kept]
    assert 3 <= len(page.cells) < len(notebook.cells)  # intro, parameters, setup, dashboard
    widget_cells = [c for c in page.cells if "nbval-ignore-output" in c.metadata.get("tags", [])]
    assert len(widget_cells) == 1 and page.cells[-1] is widget_cells[0]  # the dashboard ends it


def test_a_notebook_without_dashboard_cells_runs_whole() -> None:
    notebook = nbformat.read(NOTEBOOKS / "05_sla_review.ipynb", as_version=4)
    assert len(dashboard_notebook(notebook).cells) == len(notebook.cells)


def test_the_prelaunch_hook_sets_the_xsrf_cookie_and_keeps_the_dashboard() -> None:
    class Handler:  # tornado sets the _xsrf cookie when a handler reads xsrf_token
        read = False

        @property
        def xsrf_token(self) -> bytes:
            Handler.read = True
            return b"token"

    notebook = nbformat.read(NOTEBOOKS / "02_target_planner.ipynb", as_version=4)
    page = prelaunch_hook(Handler(), notebook, str(NOTEBOOKS))
    assert Handler.read and len(page.cells) == len(dashboard_notebook(notebook).cells)


def test_the_voila_settings_file_culls_idle_kernels_and_installs_the_hook() -> None:
    config = PyFileConfigLoader("voila.py", path=str(voila_config_dir())).load_config()
    culler = config.MappingKernelManager
    assert culler.cull_idle_timeout > 0 and culler.cull_interval > 0
    assert culler.cull_connected is False  # a page still open keeps its kernel
    assert config.VoilaConfiguration.prelaunch_hook is prelaunch_hook
    assert config.KernelManager.transport == "ipc" and config.Voila.port_retries == 0
    assert config.VoilaConfiguration.classic_tree is True  # a landing page listing the notebooks
