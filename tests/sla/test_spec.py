"""load_sla on valid files: the schema example of the brief and the bundled sample SLA."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
import yaml

import slaplan as sp

GOOD = Path(__file__).with_name("good_sla.yaml")


def _raw() -> dict:
    return yaml.safe_load(GOOD.read_text(encoding="utf-8"))


def test_schema_example_loads_into_frozen_commitments():
    sla = sp.load_sla(GOOD)
    assert isinstance(sla.commitments, tuple)
    assert [c.id for c in sla.commitments][:2] == ["mql_volume", "sql_volume"]
    assert sla.confidence == 0.8 and sla.period == "month" and sla.period_months == 1
    assert sla.commitment("events_sql").segment == "events"
    assert sla.commitment("mql_to_sql").window_days == 60
    with pytest.raises(dataclasses.FrozenInstanceError):
        sla.name = "other"  # type: ignore[misc]


def test_to_frame_has_one_row_per_commitment():
    sla = sp.load_sla(GOOD)
    frame = sla.to_frame()
    assert list(frame.index) == [c.id for c in sla.commitments]
    assert {"owner", "metric", "target", "segment"} <= set(frame.columns)


def test_business_hours_mapping_and_next_review():
    sla = sp.load_sla(GOOD)
    hours = sla.business_hours
    assert hours["timezone"] == "America/New_York" and hours["start"] == "09:00"
    assert dt.date(2026, 12, 25) in hours["holidays"]
    assert sla.review.next_review == dt.date(2027, 1, 1)  # 2026-07-01 + 6 months


def test_mapping_and_path_give_the_same_sla():
    from_path = sp.load_sla(GOOD)
    from_mapping = sp.load_sla(_raw())
    assert from_path.commitments == from_mapping.commitments
    assert from_mapping.source == "<mapping>"


def test_defaults_when_optional_blocks_are_absent():
    sla = sp.load_sla(
        {"name": "n", "period": "quarter",
         "commitments": [{"id": "a", "owner": "sales", "metric": "worked", "stage": "mql",
                          "target": 10}]}
    )  # fmt: skip
    assert sla.confidence == 0.8 and sla.review is None and sla.goal is None
    assert sla.stage_names == ("lead", "mql", "sql", "opportunity", "customer")
    assert sla.period_months == 3


def test_unquoted_clock_time_is_read_as_hh_mm():
    # YAML 1.1 reads unquoted 17:00 as the sexagesimal integer 1020
    raw = _raw()
    raw["business_hours"]["end"] = 1020
    assert sp.load_sla(raw).business_hours["end"] == "17:00"


def test_spec_error_from_a_mapping_names_the_path_without_a_file():
    raw = _raw()
    raw["commitments"][2]["target"] = -12
    with pytest.raises(
        sp.SpecError, match=r"^commitments\[2\]\.target must be a positive number, got -12$"
    ):
        sp.load_sla(raw)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        sp.load_sla(tmp_path / "absent.yaml")


def test_bundled_sample_sla_loads(samples_dir):
    path = samples_dir / "sla.yaml"
    if not path.exists():
        pytest.skip("data/samples/sla.yaml not written yet")
    sla = sp.load_sla(path)
    assert len(sla.commitments) >= 3
