"""Quiet runs (issue 14): no deprecation warning from installing the package or from ``make lab``.

The review report's kernel and nbconvert messages are checked where the report is built.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import time
import tomllib
from pathlib import Path

from slaplan.present.voila import free_port, start_server


def test_the_license_is_an_spdx_string_with_its_file(project_root: Path):
    """setuptools >= 77 warns on ``license = {text = ...}`` twice per install."""
    pyproject = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    project = pyproject["project"]
    assert project["license"] == "BSD-3-Clause"
    assert [(project_root / name).is_file() for name in project["license-files"]] == [True]
    assert "setuptools>=77" in pyproject["build-system"]["requires"]
    # a flat layout said explicitly: an editable install is a .pth entry, not a warned-about
    # meta path finder
    assert pyproject["tool"]["setuptools"]["package-dir"] == {"": "."}


def test_make_lab_starts_without_a_warning(project_root: Path):
    """The command ``make lab`` runs, on a free port, up to the moment it listens."""
    outer = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}  # under make test
    dry_run = subprocess.run(
        ["make", "--no-print-directory", "-n", "lab"],
        cwd=project_root, capture_output=True, text=True, check=True, env=outer,
    )  # fmt: skip
    lines = [line for line in dry_run.stdout.splitlines() if "/jupyter lab " in line]
    assert len(lines) == 1, dry_run.stdout
    command = shlex.split(lines[0])
    assert command[:2] == [".venv/bin/jupyter", "lab"]
    port = free_port()
    extra = ["--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1"]
    command = [str(project_root / command[0]), *command[1:], *extra]
    with start_server(command, port=port, cwd=project_root, name="make-lab") as server:
        deadline = time.monotonic() + 30
        while "is running at" not in server.log_tail(100_000) and time.monotonic() < deadline:
            time.sleep(0.2)  # listening comes a moment before the banner is written
        log = server.log_tail(100_000)
    assert "is running at" in log
    assert "Warning" not in log and "WARNING" not in log, log
