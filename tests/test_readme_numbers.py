"""The numbers README.md quotes from the samples are those a fresh run gives.

README.md's ``slaplan check`` output and change warnings on the bundled samples sit between
marker comments, written by ``tools/readme_numbers.py``; here they are recomputed (the runs are
seeded, so the same on every machine) and compared with what the README holds.
"""

from __future__ import annotations

import re
from types import ModuleType

import pytest
from _tools import load_tool

REFRESH = ".venv/bin/python tools/readme_numbers.py"


@pytest.fixture(scope="module")
def tool() -> ModuleType:
    return load_tool("readme_numbers")


@pytest.fixture(scope="module")
def readme(tool) -> dict[str, str]:
    return tool.readme_blocks(tool.README.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def fresh(tool) -> dict[str, str]:
    return tool.blocks()


def test_readme_holds_every_block(tool, readme) -> None:
    assert sorted(readme) == sorted(tool.BLOCKS)


@pytest.mark.parametrize("name", ["slaplan check", "change warnings"])
def test_readme_block_matches_a_fresh_run(readme, fresh, name: str) -> None:
    assert readme[name] == fresh[name], f"README.md's {name!r} block is stale: run {REFRESH}"


def test_check_block_quotes_every_commitment_of_the_sample_sla(readme) -> None:
    import slaplan as sp

    sla = sp.load_sla(sp.samples_dir() / "sla.yaml")
    rows = re.findall(r"^(\w+) +(?:marketing|sales) ", readme["slaplan check"], re.M)
    assert rows == [c.id for c in sla.commitments]


def test_readme_prose_quotes_no_number_outside_the_blocks(tool) -> None:
    """A P(met) or a warning's count in the prose would not be checked: keep them in blocks."""
    text = tool.README.read_text(encoding="utf-8")
    for name in tool.BLOCKS:
        text = tool._pattern(name).sub("", text)
    assert not re.search(r"\d+% *(?:likely|chance)|P\(met\)[ =:]{0,3}\d", text)
    assert "a month, before" not in text
