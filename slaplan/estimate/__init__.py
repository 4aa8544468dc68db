"""The one estimate of the funnel: volumes, rates, spread, lags and counts, as of a date.

Public door: :func:`slaplan.estimate_funnel` → :class:`slaplan.FunnelEstimate`
(:mod:`slaplan.estimate.funnel_estimate`). Modules: ``volumes`` (a stage's arrivals),
``transitions`` and ``cohort_rates`` (a stage-to-stage rate from all cohorts), ``outlook`` (a
period's count from the pipeline and the arrivals to come), ``calendar_shares`` (shares of a
month in time).
"""
