"""The examples in the SLA docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "slaplan.sla._inputs",
    "slaplan.sla.share_pacing",
    "slaplan.sla.pacing",
    "slaplan.sla.capacity",
    "slaplan.sla.spec",
    "slaplan.sla._yaml",
    "slaplan.sla.check",
    "slaplan.sla.drift",
    "slaplan.sla.review",
    "slaplan.present.report",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
