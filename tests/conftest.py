"""Shared fixtures: where the project, its samples and the shared real export live."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = PROJECT_ROOT / "data" / "samples"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
MAVEN_DIR = SHARED_DIR / "data" / "maven_crm"
REFERENCE_DIR = SHARED_DIR / "reference"

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
    """The real Maven CRM export beside the project (``../shared``); skip only if it is absent."""
    if not (MAVEN_DIR / "sales_pipeline.csv").exists():
        pytest.skip(f"real export not found at {MAVEN_DIR} (needs ../shared beside the project)")
    return MAVEN_DIR


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE_DIR.exists():
        pytest.skip(f"reference values not found at {REFERENCE_DIR}")
    return REFERENCE_DIR
