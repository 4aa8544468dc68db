"""Miss attribution: the Shapley split is exact; the short sample month is blamed on volume."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import slaplan as sp
from slaplan.sla.attribution import COMPONENTS, attribute_miss, shapley_product

factor = st.floats(min_value=0.01, max_value=500, allow_nan=False)


@given(st.lists(st.tuples(factor, factor), min_size=1, max_size=5))
def test_shapley_parts_add_up_to_the_change_of_the_product(pairs):
    base, actual = np.array(pairs).T
    parts = shapley_product(base, actual)
    # exact up to rounding: the Shapley terms are differences of mixed products as large as
    # prod(max(base, actual)), so round-off scales with that, not with the (possibly tiny) change
    scale = np.prod(np.maximum(base, actual))
    assert parts.sum() == pytest.approx(np.prod(actual) - np.prod(base), abs=1e-12 * scale)


@given(factor, factor, factor)
def test_a_factor_that_did_not_move_gets_nothing(volume0, volume1, rate):
    parts = shapley_product([volume0, rate], [volume1, rate])
    assert parts[1] == pytest.approx(0.0, abs=1e-9)
    assert parts[0] == pytest.approx((volume1 - volume0) * rate)


def test_two_factor_shapley_is_the_midpoint_rule():
    # closed form for two factors: dV * (q0 + q1) / 2 and dq * (V0 + V1) / 2
    parts = shapley_product([300, 0.15], [240, 0.10])
    np.testing.assert_allclose(parts, [-60 * 0.125, -0.05 * 270])


@pytest.fixture(scope="module")
def attribution(sample_sla, sample_leads):
    return attribute_miss(sample_sla, sample_leads, as_of="2026-11-15")


def test_components_add_up_to_each_miss_exactly(attribution):
    assert len(attribution) > 0
    total = attribution[[*COMPONENTS, "timing"]].sum(axis=1)
    np.testing.assert_allclose(total, attribution["gap"], atol=1e-9)
    assert (attribution["gap"] < 0).all()  # only misses by default


def test_short_mql_month_is_attributed_to_volume(attribution, sample_truth):
    # the generator made these months short of leads: volume is the largest negative part
    for month in sample_truth["months_below_mql_target"]["in_effective_period"]:
        row = attribution.loc[(month, "mql_volume")]
        parts = row[list(COMPONENTS)]
        assert parts.idxmin() == "volume"


def test_public_name():
    assert sp.attribute_miss is attribute_miss


def test_without_first_touches_the_parts_still_add_up_and_say_what_was_not_measured(
    sample_sla, sample_files
):
    """issue 14: an export without first_touch_at gave parts summing to +73 for a gap of -27."""
    import pandas as pd

    raw = pd.read_csv(sample_files / "leads.csv").drop(columns="first_touch_at")
    leads = sp.load_leads(raw, funnel=sample_sla.funnel(), as_of="2026-11-15")
    table = attribute_miss(sample_sla, leads, as_of="2026-11-15")
    total = table[[*COMPONENTS, "timing"]].sum(axis=1)
    np.testing.assert_allclose(total, table["gap"], atol=1e-9)
    assert (table[["capacity", "speed"]] == 0).all().all()
    assert table["note"].str.startswith("capacity and speed not measured").all()


def test_a_plan_without_source_volume_puts_the_move_in_volume():
    """No source lead before the period and no marketing promise: no quality can be implied."""
    import pandas as pd

    sla = sp.load_sla(
        {
            "name": "new funnel",
            "version": 1,
            "period": "month",
            "funnel": {"stages": [{"name": "mql"}, {"name": "sql"}]},
            "commitments": [
                {"id": "sqls", "owner": "sales", "metric": "count", "stage": "sql", "target": 5}
            ],
        }
    )
    mql = pd.to_datetime(["2026-03-02"] * 4)
    frame = pd.DataFrame(
        {
            "lead_id": list("abcd"),
            "mql_at": mql,
            "sql_at": [mql[0] + pd.Timedelta(days=3)] * 2 + [pd.NaT] * 2,
        }
    )
    table = attribute_miss(sla, frame, as_of="2026-04-15")
    row = table.loc[(pd.Period("2026-03", "M"), "sqls")]
    assert row["gap"] == -3 and row["volume"] == -3 and row["quality"] == 0
    assert row["note"].endswith("the whole move from the target is volume")
