"""The examples in the presentation helpers' docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "slaplan.present.voila",
    "slaplan.present.pdf",
    "slaplan.present.progress",
    "slaplan.present.capacity_widget",
    "slaplan.present.report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
