"""Funnel: ordered unique stages, definitions, skip policy (rules in slaplan.funnel.stages)."""

from __future__ import annotations

import pytest

from slaplan import DEFAULT_FUNNEL, Funnel


def test_default_funnel_is_lead_to_customer():
    assert DEFAULT_FUNNEL.stages == ("lead", "mql", "sql", "opportunity", "customer")
    assert DEFAULT_FUNNEL.columns[:2] == ["lead_at", "mql_at"]
    assert DEFAULT_FUNNEL.skip_policy == "backfill"


def test_navigation():
    f = Funnel(["mql", "sql", "opportunity"])
    assert f.index("sql") == 1
    assert f.previous("mql") is None and f.previous("sql") == "mql"
    assert f.next("opportunity") is None and f.next("mql") == "sql"
    assert f.between("mql", "opportunity") == ("mql", "sql", "opportunity")
    assert f.column("sql") == "sql_at" and len(f) == 3 and "sql" in f


def test_funnel_is_frozen_and_hashable():
    f = Funnel(["a", "b"], definitions={"a": "first"})
    with pytest.raises(AttributeError):
        f.stages = ("x",)  # type: ignore[misc]
    assert hash(f) == hash(Funnel(["a", "b"]))


@pytest.mark.parametrize(
    ("stages", "kwargs", "message"),
    [
        ([], {}, "at least one"),
        (["a", "a"], {}, "unique"),
        (["Bad Name"], {}, "lower-case"),
        ("lead", {}, "list of stage names"),
        (["a"], {"definitions": {"b": "x"}}, "not in the funnel"),
        (["a"], {"skip_policy": "drop"}, "skip_policy must be one of"),
    ],
)
def test_bad_funnels_say_what_is_wrong(stages, kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        Funnel(stages, **kwargs)


def test_unknown_stage_lists_the_stages():
    with pytest.raises(ValueError, match=r"stage must be one of \['lead'"):
        DEFAULT_FUNNEL.index("won")
    with pytest.raises(ValueError, match="must come after"):
        DEFAULT_FUNNEL.between("sql", "mql")
