"""The sample data for the SLA tests: the bundled files, else a freshly generated copy."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import slaplan as sp


@pytest.fixture(scope="session")
def sample_files(samples_dir, tmp_path_factory) -> Path:
    if (samples_dir / "leads.csv").exists() and (samples_dir / "truth.yaml").exists():
        return samples_dir
    from slaplan.samples import write_samples

    directory = tmp_path_factory.mktemp("samples")
    write_samples(directory)
    return directory


@pytest.fixture(scope="session")
def sample_sla(sample_files):
    return sp.load_sla(sample_files / "sla.yaml")


@pytest.fixture(scope="session")
def sample_leads(sample_files, sample_sla):
    return sp.load_leads(sample_files / "leads.csv", funnel=sample_sla.funnel(), as_of="2026-11-15")


@pytest.fixture(scope="session")
def sample_truth(sample_files) -> dict:
    return yaml.safe_load((sample_files / "truth.yaml").read_text(encoding="utf-8"))
