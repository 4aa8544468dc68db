"""The examples in the capacity docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "slaplan.capacity.erlang",
    "slaplan.capacity.response",
    "slaplan.capacity.des",
    "slaplan.capacity.team",
    "slaplan.capacity.compliance",
    "slaplan.capacity.ramp",
    "slaplan.capacity.calendar",
    "slaplan.capacity.roster",
    "slaplan.capacity.workload",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
