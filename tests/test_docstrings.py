"""Every example in every docstring of the package runs and gives what it says (STYLE 18).

One runner walks the whole package: a new module's examples are tested without being listed.
Examples that need a server or a browser are marked ``+SKIP`` where they stand.
"""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import slaplan

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(slaplan.__path__, prefix="slaplan.")
    if not info.name.endswith("__main__")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name: str) -> None:
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert failures == 0


def test_the_public_door_has_examples_on_its_main_entry_points():
    documented = [
        name
        for name in ("estimate_funnel", "check_sla", "load_leads", "attainability", "erlang_c")
        if ">>>" in (getattr(slaplan, name).__doc__ or "")
    ]
    assert len(documented) == 5
