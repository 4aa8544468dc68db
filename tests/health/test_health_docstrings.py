"""The examples in the funnel-health docstrings run and give what they say."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "slaplan.funnel._mature",
    "slaplan.funnel.conversion",
    "slaplan.funnel.pooling",
    "slaplan.funnel.lags",
    "slaplan.funnel.pairs",
    "slaplan.funnel.response_bands",
    "slaplan.funnel.threshold",
    "slaplan.plan.rates",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
