"""Shared fixtures: where the project, its samples, the real Maven export and references live,
and a real PostgreSQL server for the database tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import _postgres
import pytest
from hypothesis import HealthCheck, settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
MAVEN_DIR = PROJECT_ROOT / "data" / "examples" / "maven_crm"
REFERENCE_DIR = Path(__file__).resolve().parent / "data" / "reference"

# CI: more examples, no deadline (2 shared cores make timings noisy); dev: quick.
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=50, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def maven_dir() -> Path:
    """The real Maven CRM export, kept in the repository (``data/examples/maven_crm``)."""
    return MAVEN_DIR


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Published and closed-form reference values (``tests/data/reference``, sources in README)."""
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def postgres() -> Iterator[_postgres.Server]:
    """A real PostgreSQL server for the session (see ``tests/_postgres.py``), stopped at the end;
    its password is in ``$SLAPLAN_TEST_PGPASSWORD`` meanwhile. Skipped, with the reason, only
    where the server cannot start (no binaries, no ``postgres`` user)."""
    try:
        server = _postgres.start()
    except _postgres.Unavailable as exc:
        pytest.skip(f"PostgreSQL cannot start here ({exc}); .ci/run installs it")
    previous = os.environ.get(_postgres.PASSWORD_VARIABLE)
    os.environ[_postgres.PASSWORD_VARIABLE] = server.password
    try:
        yield server
    finally:
        server.stop()
        if previous is None:
            os.environ.pop(_postgres.PASSWORD_VARIABLE, None)
        else:
            os.environ[_postgres.PASSWORD_VARIABLE] = previous
