"""Do the two halves of an SLA fit together? :func:`check_consistency`.

For every pair of a marketing count on stage U and a sales count on the next stage S (same
segment), the arrivals of U still to come are scaled so that U's monthly volume is marketing's
target, and P(S >= sales target) comes from the same outlook as :func:`slaplan.check_sla` (the
pipeline already there counts as it is).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from slaplan.estimate.funnel_estimate import Insufficient
from slaplan.sla._data import censored_frame
from slaplan.sla._inputs import SlaEstimates
from slaplan.sla.check import sla_estimates
from slaplan.sla.spec import SLA

__all__ = ["check_consistency"]

_NAN = float("nan")


def check_consistency(
    sla: SLA,
    leads: Any,
    *,
    as_of: Any = None,
    period: Any = None,
    seed: int = 0,
    estimates: SlaEstimates | None = None,
) -> pd.DataFrame:
    """Is each sales count promise attainable if marketing delivers exactly its promise?

    For every pair (marketing count on stage U, sales count on the next stage S, same segment),
    the arrivals of U still to come are scaled so that U's monthly volume is marketing's target,
    and P(S >= sales target) comes from the same outlook as :func:`check_sla` (the pipeline
    already there counts as it is). Pairs whose stages are not adjacent are not judged.

    Parameters
    ----------
    sla, leads, as_of, period, seed, estimates
        As in :func:`check_sla`.

    Returns
    -------
    DataFrame
        One row per pair: ``marketing``, ``sales`` (commitment ids), ``marketing_target``,
        ``sales_target``, ``rate`` (the data's rate U→S), ``expected``, ``probability``,
        ``consistent``, ``sales_target_supported`` (largest sales target at the confidence);
        NaN and ``consistent`` NA where the data are insufficient.

    Examples
    --------
    >>> import slaplan as sp
    >>> sla = sp.load_sla(sp.samples_dir() / "sla.yaml")  # doctest: +SKIP
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")  # doctest: +SKIP
    >>> check_consistency(sla, t)[["sales", "marketing", "probability"]]  # doctest: +SKIP
    """
    _, as_of_ts = censored_frame(leads, as_of)
    estimates = sla_estimates(sla, leads, as_of_ts, period, seed, estimates)
    names = sla.stage_names
    rows = []
    for m in (c for c in sla.commitments if c.owner == "marketing" and c.metric == "count"):
        for s in sla.commitments:
            if s.owner != "sales" or s.metric != "count" or s.segment != m.segment:
                continue
            if names.index(s.stage) != names.index(m.stage) + 1:
                continue
            rows.append(_pair(sla, m, s, estimates))
    columns = ["marketing", "sales", "marketing_target", "sales_target", "rate", "expected",
               "probability", "consistent", "sales_target_supported"]  # fmt: skip
    table = pd.DataFrame(rows, columns=columns)
    table["consistent"] = table["consistent"].astype("boolean")
    return table


def _pair(sla, marketing, sales, estimates: SlaEstimates) -> dict[str, Any]:
    row = {
        "marketing": marketing.id,
        "sales": sales.id,
        "marketing_target": marketing.target,
        "sales_target": sales.target,
    }
    estimate = estimates.segment(marketing.segment)
    outlook = (
        estimate
        if isinstance(estimate, Insufficient)
        else estimate.outlook(sales.stage, estimates.period, source=marketing.stage)
    )
    if isinstance(outlook, Insufficient):
        return row | {"rate": _NAN, "expected": _NAN, "probability": _NAN, "consistent": pd.NA,
                      "sales_target_supported": _NAN}  # fmt: skip
    scale = marketing.target / max(outlook.source_volume, 1e-9)
    probability = outlook.probability(sales.target, volume_scale=scale)
    supported = outlook.max_target(sla.confidence, volume_scale=scale)
    rate = estimate.transition(marketing.stage, sales.stage).posterior.mean
    expected = float((outlook.base + outlook.future * scale).mean())
    return row | {
        "rate": rate,
        "expected": expected,
        "probability": probability,
        "consistent": probability >= sla.confidence,
        "sales_target_supported": supported,
    }
