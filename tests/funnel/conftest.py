"""Fixtures of the funnel tests: the bundled samples as CSV, as read from it, and typed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import slaplan as sp

from ._export import AS_OF, typed_export


@pytest.fixture(scope="session")
def samples_csv(samples_dir: Path) -> Path:
    return samples_dir / "leads.csv"


@pytest.fixture(scope="session")
def samples_from_csv(samples_csv: Path) -> sp.LeadTable:
    """The bundled samples read from their CSV: what every other source must give."""
    return sp.load_leads(samples_csv, as_of=AS_OF)


@pytest.fixture(scope="session")
def typed_samples(samples_csv: Path) -> pd.DataFrame:
    return typed_export(samples_csv)
