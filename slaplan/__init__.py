"""slaplan: plan, forecast and review the service level agreement between marketing and sales.

The public API is re-exported here and nowhere else. Names are resolved lazily on first use so
that ``import slaplan`` (and the command line) start fast; the heavy numerical stack is imported
only by the domain that needs it. ``__all__`` is the contract.

See ``ARCHITECTURE.md`` for the layers and the module that owns each concept.
"""

from __future__ import annotations

import importlib
from typing import Any

from slaplan.errors import (
    DataError,
    DataWarning,
    InfeasibleTargetError,
    SlaplanError,
    SlaplanWarning,
    SpecError,
)

__version__ = "0.1.0"

# public name -> module that owns it. Each domain keeps its own block.
_EXPORTS: dict[str, str] = {
    # --- samples --------------------------------------------------------------------------
    "generate_samples": "slaplan.samples",
    "write_samples": "slaplan.samples",
    "SampleConfig": "slaplan.samples",
    "samples_dir": "slaplan.samples",
    "Samples": "slaplan.samples",
    # --- funnel: stages, lead table, presets, aggregations --------------------------------
    "Funnel": "slaplan.funnel.stages",
    "DEFAULT_FUNNEL": "slaplan.funnel.stages",
    "LeadTable": "slaplan.funnel.leads",
    "LoadReport": "slaplan.funnel.leads",
    "load_leads": "slaplan.funnel.leads",
    "load_source": "slaplan.funnel.source_file",
    "SourceFile": "slaplan.funnel.source_file",
    "ColumnMapping": "slaplan.funnel.presets",
    "load_funnel_counts": "slaplan.funnel.counts",
    "FunnelCounts": "slaplan.funnel.counts",
    "event_counts": "slaplan.funnel.cohorts",
    "cohort_table": "slaplan.funnel.cohorts",
    "time_to_convert": "slaplan.funnel.cohorts",
    # --- funnel health: conversion, pooling, lags, response bands, handoff threshold ------
    "conversion_rates": "slaplan.estimate.tables",
    "segment_rates": "slaplan.estimate.tables",
    "lag_summary": "slaplan.funnel.lags",
    "conversion_by_lag": "slaplan.funnel.lags",
    "response_bands": "slaplan.funnel.response_bands",
    "handoff_threshold": "slaplan.funnel.threshold",
    "ThresholdCurve": "slaplan.funnel.threshold",
    "stage_rates": "slaplan.estimate.tables",
    "stage_pairs": "slaplan.funnel.pairs",
    # --- plan: rates, volumes, attainability ----------------------------------------------
    "ConversionRate": "slaplan.plan.rates",
    "VolumeModel": "slaplan.plan.volume",
    "attainability": "slaplan.plan.attainability",
    "Attainability": "slaplan.plan.attainability",
    "required_volume": "slaplan.plan.attainability",
    "FunnelPlan": "slaplan.plan.simulate",
    "FunnelSimulation": "slaplan.plan.simulate",
    "simulate_funnel": "slaplan.plan.simulate",
    "lag_pmf": "slaplan.plan.simulate",
    "reverse_funnel": "slaplan.plan.reverse",
    "ReverseFunnel": "slaplan.plan.reverse",
    "sla_consistency": "slaplan.plan.consistency",
    "SlaConsistency": "slaplan.plan.consistency",
    "sensitivity": "slaplan.plan.sensitivity",
    "Sensitivity": "slaplan.plan.sensitivity",
    "Planner": "slaplan.plan.planner",
    "PlannerResult": "slaplan.plan.planner",
    "calibration_study": "slaplan.plan.calibration",
    "CalibrationStudy": "slaplan.plan.calibration",
    # --- capacity: queues, business hours, team -------------------------------------------
    "erlang_c": "slaplan.capacity.erlang",
    "service_level": "slaplan.capacity.erlang",
    "required_agents": "slaplan.capacity.erlang",
    "StaffingResult": "slaplan.capacity.erlang",
    "average_wait_minutes": "slaplan.capacity.erlang",
    "occupancy": "slaplan.capacity.erlang",
    "erlang_b": "slaplan.capacity.erlang",
    "response_time_share": "slaplan.capacity.response",
    "required_reps_for_response": "slaplan.capacity.response",
    "ResponseTimeResult": "slaplan.capacity.response",
    "arrival_profile": "slaplan.capacity.response",
    "arrivals_by_hour_of_week": "slaplan.capacity.response",
    "simulate_response_times": "slaplan.capacity.des",
    "load_roster": "slaplan.capacity.team",
    "Roster": "slaplan.capacity.team",
    "TeamAssumptions": "slaplan.capacity.team",
    "TeamCapacity": "slaplan.capacity.team",
    "team_capacity": "slaplan.capacity.team",
    "leads_workable": "slaplan.capacity.team",
    "headcount_needed": "slaplan.capacity.team",
    "HeadcountResult": "slaplan.capacity.team",
    "response_compliance": "slaplan.capacity.compliance",
    "ResponseCompliance": "slaplan.capacity.compliance",
    "workload_by_owner": "slaplan.capacity.workload",
    "BusinessCalendar": "slaplan.capacity.calendar",
    # --- forecast -------------------------------------------------------------------------
    "forecast_volume": "slaplan.forecast.volume",
    "VolumeForecast": "slaplan.forecast.volume",
    "backtest_forecasts": "slaplan.forecast.backtest",
    "Backtest": "slaplan.forecast.backtest",
    "forecast_stage": "slaplan.forecast.funnel",
    "StageForecast": "slaplan.forecast.funnel",
    "funnel_inputs": "slaplan.estimate.planning",
    "forecast_by_segment": "slaplan.forecast.segments",
    "SegmentForecast": "slaplan.forecast.segments",
    "monthly_stage_counts": "slaplan.forecast.data",
    # --- the one estimate of the funnel ---------------------------------------------------
    "estimate_funnel": "slaplan.estimate.funnel_estimate",
    "FunnelEstimate": "slaplan.estimate.funnel_estimate",
    "backtest_counts": "slaplan.estimate.backtest",
    "KitBacktest": "slaplan.estimate.backtest",
    "backtest_sla": "slaplan.sla.backtest",
    # --- sla ------------------------------------------------------------------------------
    "SLA": "slaplan.sla.spec",
    "Commitment": "slaplan.sla.spec",
    "load_sla": "slaplan.sla.spec",
    "check_sla": "slaplan.sla.check",
    "check_consistency": "slaplan.sla.consistency",
    "track_sla": "slaplan.sla.tracking",
    "attribute_miss": "slaplan.sla.attribution",
    "detect_drift": "slaplan.sla.drift",
    "propose_targets": "slaplan.sla.drift",
    "build_review": "slaplan.sla.review",
    "Review": "slaplan.sla.review",
    "diff_sla": "slaplan.sla.diff",
    "SlaDiff": "slaplan.sla.diff",
    "render_review": "slaplan.present.report",
    # --- a team's SLA repository ----------------------------------------------------------
    "init_repository": "slaplan.repo.init",
}

__all__ = [
    "DataError",
    "DataWarning",
    "InfeasibleTargetError",
    "SlaplanError",
    "SlaplanWarning",
    "SpecError",
    "__version__",
    *sorted(_EXPORTS),
]


def __getattr__(name: str) -> Any:
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError(f"module 'slaplan' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # cache: the next access is a plain attribute lookup
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
