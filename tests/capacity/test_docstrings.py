"""The examples in the docstrings run and give what they say.

One list for the capacity, funnel-health, SLA and sample-generator modules (one runner, not one
copy per test folder).
"""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    # capacity
    "slaplan.capacity.erlang",
    "slaplan.capacity.response",
    "slaplan.capacity.des",
    "slaplan.capacity.team",
    "slaplan.capacity.compliance",
    "slaplan.capacity.ramp",
    "slaplan.capacity.calendar",
    "slaplan.capacity.roster",
    "slaplan.capacity.workload",
    # funnel health
    "slaplan.funnel._mature",
    "slaplan.funnel.conversion",
    "slaplan.funnel.pooling",
    "slaplan.funnel.lags",
    "slaplan.funnel.pairs",
    "slaplan.funnel.response_bands",
    "slaplan.funnel.threshold",
    "slaplan.plan.rates",
    # the SLA and its report
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
    # the sample generator
    "slaplan.samples.config",
    "slaplan.samples.generate",
    "slaplan.samples.truth",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    failures, tried = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert tried > 0
    assert failures == 0
