"""What changed since the last review, beyond chance, and what to commit to next.

:func:`detect_drift` compares, for every commitment, the quantity it is measured on before and
after the last review (the ``cadence_months`` before it against the complete months since):

* **volumes** (count and worked commitments) — monthly counts, quasi-Poisson rate-ratio test:
  ``log(r2/r1)`` with standard error ``sqrt(phi (1/n1 + 1/n2))``, ``phi`` the Pearson
  overdispersion of the monthly counts around their window means (at least 1), referred to a
  Student t with the months' degrees of freedom, so ordinary month-to-month noise is not
  called drift (size 5% checked on simulated negative binomial months). The posterior
  probability of a decrease uses ``Gamma(1/2 + n/phi, m/phi)`` intensities:
  ``P(l2 < l1) = I_{b2/(b1+b2)}(a2, a1)``.
* **shares** (rate and response-time commitments) — settled monthly cohorts pooled per window,
  Fisher's exact test of the 2x2 table; posterior probability of a decrease from Beta(1 + c,
  1 + n - c) posteriors by quadrature.

p-values are Holm-adjusted over the table (``p_adjusted``). Beside the tests, the monthly series
of both windows goes through the change finder of the one estimate
(:func:`slaplan.forecast.level.fit_level` for counts, :func:`slaplan.estimate.cohort_rates
.rate_changes` for shares): a window test on monthly means misses a jump inside the later
window (its overdispersion absorbs it), the change finder does not. A row is ``changed`` when the
adjusted p-value is below 0.05 or a change of regime is found (``regime_change`` says when and by
how much). Months before the data began are left out of the windows (a partial first month is
not a slump). :func:`propose_targets` turns the attainability check into next period's
proposals: the largest target met with the SLA's confidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from slaplan.estimate.cohort_rates import rate_changes
from slaplan.forecast.level import fit_level
from slaplan.sla._data import censored_frame, event_column, segment_frame
from slaplan.sla.shares import share_counts
from slaplan.sla.spec import SLA, Commitment

__all__ = [
    "detect_drift",
    "fisher_exact_p",
    "holm_adjust",
    "propose_targets",
    "rate_ratio_test",
    "share_change_test",
]

SIGNIFICANCE = 0.05
_DEFAULT_WINDOW_MONTHS = 6


def rate_ratio_test(before: Any, after: Any) -> tuple[float, float, float]:
    """(ratio, two-sided p, P(decrease)) of monthly counts, quasi-Poisson.

    >>> ratio, p, down = rate_ratio_test([100, 104, 96, 100], [100, 98, 102, 100])
    >>> round(ratio, 3), p > 0.5
    (1.0, True)
    """
    before, after = np.asarray(before, float), np.asarray(after, float)
    n1, n2, m1, m2 = before.sum(), after.sum(), before.size, after.size
    if n1 == 0 or n2 == 0:
        return (np.inf if n1 == 0 else 0.0), float("nan"), float("nan")
    phi, dof = _overdispersion(before, after)
    ratio = (n2 / m2) / (n1 / m1)
    z = np.log(ratio) / np.sqrt(phi * (1 / n1 + 1 / n2))
    # phi is estimated from few months: Student t with its degrees of freedom, not the normal
    p_value = float(2 * (special.stdtr(dof, -abs(z)) if dof else special.ndtr(-abs(z))))
    a1, b1, a2, b2 = 0.5 + n1 / phi, m1 / phi, 0.5 + n2 / phi, m2 / phi
    decrease = float(special.betainc(a2, a1, b2 / (b1 + b2)))
    return float(ratio), p_value, decrease


def _overdispersion(*windows: np.ndarray) -> tuple[float, int]:
    """Pearson overdispersion (at least 1) of counts around their window means, and its dof."""
    chi2, dof = 0.0, 0
    for counts in windows:
        mean = counts.mean()
        if counts.size > 1 and mean > 0:
            chi2 += float(np.sum((counts - mean) ** 2) / mean)
            dof += counts.size - 1
    return (max(1.0, chi2 / dof), dof) if dof else (1.0, 0)


def share_change_test(
    success_before: int, total_before: int, success_after: int, total_after: int
) -> tuple[float, float, float]:
    """(difference, Fisher exact two-sided p, P(decrease)) of two pooled shares.

    >>> diff, p, down = share_change_test(30, 100, 10, 100)
    >>> round(diff, 2), p < 0.01, down > 0.99
    (-0.2, True, True)
    """
    if total_before == 0 or total_after == 0:
        return float("nan"), float("nan"), float("nan")
    table = [
        [success_before, total_before - success_before],
        [success_after, total_after - success_after],
    ]
    p_value = fisher_exact_p(table)
    grid = np.linspace(0.0, 1.0, 4001)
    a1, b1 = 1 + success_before, 1 + total_before - success_before
    a2, b2 = 1 + success_after, 1 + total_after - success_after
    density_after = _beta_pdf(grid, a2, b2)
    above_before = special.betaincc(a1, b1, grid)  # P(p1 > x)
    decrease = float(np.trapezoid(density_after * above_before, grid))
    difference = success_after / total_after - success_before / total_before
    return difference, p_value, float(np.clip(decrease, 0.0, 1.0))


# Fisher's test and the Beta density come from scipy.special, not scipy.stats: importing
# scipy.stats costs about a second, the largest import of a review, for these two uses.


def fisher_exact_p(table: Any) -> float:
    """Two-sided p-value of Fisher's exact test of a 2x2 table of counts.

    The probability, under the hypergeometric distribution of the first cell given the
    margins, of the tables at most as likely as the observed one (ties within a relative
    1e-7, as R's ``fisher.test``); the same test as ``scipy.stats.fisher_exact``.

    >>> round(fisher_exact_p([[8, 2], [1, 5]]), 4)  # scipy.stats.fisher_exact: 0.0350
    0.035
    """
    (a, b), (c, d) = np.asarray(table, dtype=np.int64)
    row1, row2, column1 = a + b, c + d, a + c
    if min(row1, row2, column1, b + d) == 0:
        return 1.0  # a margin of zero: every table is the observed one
    first = np.arange(max(0, column1 - row2), min(row1, column1) + 1)
    log_pmf = (
        _log_choose(row1, first)
        + _log_choose(row2, column1 - first)
        - _log_choose(row1 + row2, column1)
    )
    observed = log_pmf[a - first[0]]
    p_value = np.exp(log_pmf[log_pmf <= observed + np.log1p(1e-7)]).sum()
    return float(min(p_value, 1.0))


def _log_choose(n: Any, k: Any) -> Any:
    return special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)


def _beta_pdf(x: np.ndarray, a: float, b: float) -> np.ndarray:
    """Beta(a, b) density on [0, 1] (a, b >= 1): the kernel ``scipy.stats.beta.pdf`` calls.

    The same function, not a formula of the same density: P(decrease) is an integral that can
    sit a rounding error below 1 (">99%") or reach it ("100%"), so every bit is kept.
    """
    try:
        from scipy.special._ufuncs import _beta_pdf as kernel  # Boost's, as scipy.stats.beta
    except ImportError:  # a scipy that moved it: the public door, at its import cost
        from scipy import stats

        return stats.beta.pdf(x, a, b)
    with np.errstate(over="ignore"):
        return kernel(x, a, b)


def holm_adjust(p_values: Any) -> np.ndarray:
    """Holm step-down adjusted p-values (NaN stays NaN).

    >>> holm_adjust([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, float)
    out = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    order = valid[np.argsort(p[valid])]
    m = order.size
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[index]))
        out[index] = running
    return out


def detect_drift(
    sla: SLA, leads: Any, *, as_of: Any = None, since: Any = None, window_months: int | None = None
) -> pd.DataFrame:
    """Which commitment quantities changed between before and after the last review.

    Parameters
    ----------
    sla : SLA
    leads : LeadTable or DataFrame
    as_of : date-like, optional
        The "today" of the review; default the latest timestamp.
    since : date-like, optional
        The split point; default the SLA's ``review.last_review`` (else 6 months before the
        month of ``as_of``).
    window_months : int, optional
        Months compared before ``since``; default the review cadence (6 without one).

    Returns
    -------
    DataFrame
        Index ``commitment``: ``quantity``, ``test``, ``before``, ``after`` (monthly mean count,
        or pooled share), ``change`` (ratio for volumes, difference for shares), ``p_value``,
        ``p_adjusted`` (Holm), ``prob_decrease`` (posterior), ``regime_change`` (the month a
        change of regime began and the ratio, "" if none), ``changed`` (p_adjusted < 0.05 or a
        regime change), ``months_before``, ``months_after``.

    Examples
    --------
    >>> import slaplan as sp
    >>> sla = sp.load_sla(sp.samples_dir() / "sla.yaml")  # doctest: +SKIP
    >>> t = sp.load_leads(sp.samples_dir() / "leads.csv", as_of="2026-11-15")  # doctest: +SKIP
    >>> sp.detect_drift(sla, t)[["before", "after", "p_adjusted", "changed"]]  # doctest: +SKIP
    """
    frame, as_of_ts = censored_frame(leads, as_of)
    split = _split(sla, since, as_of_ts)
    months = window_months or (sla.review.cadence_months if sla.review else _DEFAULT_WINDOW_MONTHS)
    before = pd.period_range(end=split - 1, periods=months, freq="M")
    before = before[before.start_time >= _first_complete_month(frame)]
    after = pd.period_range(split, pd.Period(as_of_ts, freq="M") - 1, freq="M")
    calendar = sla.hours
    rows = []
    for commitment in sla.commitments:
        part = segment_frame(frame, commitment.segment)
        if commitment.is_count:
            rows.append(_volume_row(commitment, part, before, after))
        else:
            rows.append(_share_row(commitment, part, before, after, as_of_ts, calendar))
    table = pd.DataFrame(rows).set_index("commitment")
    table["p_adjusted"] = holm_adjust(table["p_value"].to_numpy())
    table["changed"] = (table["p_adjusted"] < SIGNIFICANCE) | (table["regime_change"] != "")
    table.attrs |= {"since": split, "as_of": as_of_ts}
    return table[_COLUMNS]


_COLUMNS = ["quantity", "test", "before", "after", "change", "p_value", "p_adjusted",
            "prob_decrease", "regime_change", "changed", "months_before",
            "months_after"]  # fmt: skip


def _first_complete_month(frame: pd.DataFrame) -> pd.Timestamp:
    """Start of the first month fully covered by the data (months before are not data)."""
    stamps = [frame[c].min() for c in frame.columns if str(c).endswith("_at")]
    stamps = [s for s in stamps if pd.notna(s)]
    if not stamps:
        return pd.Timestamp.min
    first = pd.Timestamp(min(stamps))
    month = pd.Period(first, freq="M")
    partial = first > month.start_time + pd.Timedelta(days=1)
    return (month + 1 if partial else month).start_time


def _regime_text(months: pd.PeriodIndex, values: np.ndarray, changes, ratio_of) -> str:
    """ "since 2026-06: x3.50 (P 0.99)" for the last change found, "" without one."""
    if not changes:
        return ""
    last = changes[-1]
    return f"since {months[last.index]}: x{ratio_of(last.index):.2f} (P {last.probability:.2f})"


def _split(sla: SLA, since: Any, as_of: pd.Timestamp) -> pd.Period:
    if since is not None:
        return pd.Period(pd.Timestamp(since), freq="M")
    if sla.review is not None and sla.review.last_review is not None:
        return pd.Period(sla.review.last_review, freq="M")
    return pd.Period(as_of, freq="M") - _DEFAULT_WINDOW_MONTHS


def _monthly(times: pd.Series, months: pd.PeriodIndex) -> np.ndarray:
    counts = times.dropna().dt.to_period("M").value_counts()
    return counts.reindex(months, fill_value=0).to_numpy(dtype=float)


def _volume_row(commitment: Commitment, frame, before, after) -> dict[str, Any]:
    times = frame[event_column(commitment)]
    if commitment.metric == "worked":
        times = times[frame[f"{commitment.stage}_at"].notna()]
    counts_before, counts_after = _monthly(times, before), _monthly(times, after)
    ratio, p_value, decrease = rate_ratio_test(counts_before, counts_after)
    counts = np.concatenate([counts_before, counts_after]).astype(int)
    regime = ""
    if counts.size >= 4:
        found = fit_level(counts).changes
        months = before.append(after)

        def ratio_of(k: int) -> float:
            return counts[k:].mean() / max(counts[:k].mean(), 1e-9)

        regime = _regime_text(months, counts, found, ratio_of)
    return {
        "commitment": commitment.id,
        "quantity": f"{commitment.label} per month",
        "test": "quasi-Poisson rate ratio (t)",
        "before": counts_before.mean() if counts_before.size else np.nan,
        "after": counts_after.mean() if counts_after.size else np.nan,
        "change": ratio,
        "p_value": p_value,
        "prob_decrease": decrease,
        "regime_change": regime,
        "months_before": len(before),
        "months_after": len(after),
    }


def _share_row(commitment: Commitment, frame, before, after, as_of, calendar) -> dict[str, Any]:
    monthly = []

    def pooled(months) -> tuple[int, int, int]:
        success = total = used = 0
        for month in months:
            s, n, settled = share_counts(
                commitment, frame, month.start_time, (month + 1).start_time, as_of, calendar
            )
            if settled and n > 0:
                success, total, used = success + s, total + n, used + 1
                monthly.append((month, s, n))
        return success, total, used

    s1, n1, used1 = pooled(before)
    s2, n2, used2 = pooled(after)
    difference, p_value, decrease = share_change_test(s1, n1, s2, n2)
    regime = ""
    if len(monthly) >= 4:
        months = pd.PeriodIndex([m for m, _, _ in monthly], freq="M")
        hits = np.array([s for _, s, _ in monthly])
        sizes = np.array([n for _, _, n in monthly], float)
        found = rate_changes(hits, sizes)

        def ratio_of(k: int) -> float:
            return (hits[k:].sum() / sizes[k:].sum()) / max(hits[:k].sum() / sizes[:k].sum(), 1e-9)

        regime = _regime_text(months, hits, found, ratio_of)
    return {
        "commitment": commitment.id,
        "quantity": commitment.label,
        "test": "Fisher exact (pooled settled cohorts)",
        "before": s1 / n1 if n1 else np.nan,
        "after": s2 / n2 if n2 else np.nan,
        "change": difference,
        "p_value": p_value,
        "prob_decrease": decrease,
        "regime_change": regime,
        "months_before": used1,
        "months_after": used2,
    }


def propose_targets(sla: SLA, checked: pd.DataFrame) -> pd.DataFrame:
    """Proposed targets for the next period: the largest met with the SLA's confidence.

    Parameters
    ----------
    sla : SLA
    checked : DataFrame
        The output of :func:`slaplan.check_sla` for the same SLA (one row per commitment).

    Returns
    -------
    DataFrame
        Index ``commitment``: ``current``, ``probability_current``, ``proposed`` (whole leads
        for counts, shares rounded down to 0.01), ``change`` and ``note``.

    Examples
    --------
    >>> import slaplan as sp
    >>> checked = sp.check_sla(sla, t)  # doctest: +SKIP
    >>> sp.propose_targets(sla, checked)[["current", "proposed", "note"]]  # doctest: +SKIP
    """
    rows = []
    for commitment in sla.commitments:
        row = checked.loc[commitment.id]
        safe = float(row["max_target"])
        if np.isnan(safe):
            proposed, note = np.nan, f"no proposal: insufficient data — {row.get('reason', '')}"
        else:
            proposed = np.floor(safe) if commitment.is_count else np.floor(safe * 100) / 100
            note = _proposal_note(commitment, row, proposed)
        rows.append({
            "commitment": commitment.id, "owner": commitment.owner, "what": commitment.label,
            "current": commitment.target, "probability_current": float(row["probability"]),
            "proposed": float(proposed), "change": float(proposed - commitment.target),
            "note": note,
        })  # fmt: skip
    table = pd.DataFrame(rows).set_index("commitment")
    table.attrs["confidence"] = sla.confidence
    return table


def _proposal_note(commitment: Commitment, row: pd.Series, proposed: float) -> str:
    """What the proposal means, and what would make the current target attainable."""
    if proposed > commitment.target:
        return f"could be raised to {_amount(commitment, proposed)}"
    if proposed == commitment.target:
        return "keep: attainable as it is"
    lower = f"lower to {_amount(commitment, proposed)}"
    if commitment.is_count:
        needed, now = (
            float(row.get("required_volume", np.nan)),
            float(row.get("current_volume", np.nan)),
        )
        stage = row.get("required_stage", "")
        if np.isfinite(needed) and needed > 0 and np.isfinite(now):
            return f"{lower}, or bring {stage} volume to {needed:,.0f} a month (now {now:,.0f})"
        return f"{lower}; more {stage} volume alone would not make it attainable"
    if commitment.metric == "rate":
        return f"{lower}, or lift {commitment.from_stage}→{commitment.to_stage} conversion"
    return f"{lower}, or add reps on shift (see the capacity notebook)"


def _amount(commitment: Commitment, value: float) -> str:
    return f"{value:,.0f}" if commitment.is_count else f"{value:.0%}"
