"""The corpus of broken SLA files: each must raise a SpecError with its expected message.

The expected messages live in ``tests/data/bad_sla/manifest.yaml`` (written by hand from the
schema in ``slaplan.sla.spec``): path of the field, the rule and the bad value.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import slaplan as sp

BAD_DIR = Path(__file__).resolve().parents[1] / "data" / "bad_sla"
MANIFEST = yaml.safe_load((BAD_DIR / "manifest.yaml").read_text(encoding="utf-8"))


def test_corpus_has_at_least_fifteen_files_all_listed():
    files = sorted(p.name for p in BAD_DIR.glob("*.yaml") if p.name != "manifest.yaml")
    assert len(files) >= 15
    assert files == sorted(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_bad_sla_raises_spec_error_with_expected_message(name):
    path = BAD_DIR / name
    with pytest.raises(sp.SpecError) as info:
        sp.load_sla(path)
    message = str(info.value)
    assert MANIFEST[name] in message
    assert message.startswith(str(path))  # the file is named first
    assert isinstance(info.value, ValueError)


def test_python_tag_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    text = f"name: x\nperiod: month\nowners: !!python/object/apply:os.system ['touch {marker}']\n"
    path = tmp_path / "sla.yaml"
    path.write_text(text)
    with pytest.raises(sp.SpecError, match="not valid YAML"):
        sp.load_sla(path)
    assert not marker.exists()
