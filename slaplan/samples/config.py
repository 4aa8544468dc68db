"""The parameters that generate the bundled samples: segments, the team roster, the calendar.

Everything random in :mod:`slaplan.samples` is driven by a :class:`SampleConfig`; the defaults
produce the committed ``data/samples`` files and are written back into ``truth.yaml``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from slaplan._checks import check_count, check_positive, check_probability

__all__ = ["DEFAULT_ROSTER", "DEFAULT_SEGMENTS", "RosterEntry", "SampleConfig", "SegmentProfile"]


@dataclass(frozen=True, kw_only=True)
class SegmentProfile:
    """How one lead source behaves: its share of volume, score, rates, lags and deal size.

    ``mql_to_sql`` is the acceptance probability of an MQL with score 70 touched within one
    business hour; the realised rate is lower (slower touches, lower scores).
    """

    name: str
    volume_share: float
    score_mean: float
    demo_request_probability: float
    mql_to_sql: float
    sql_to_opportunity: float
    opportunity_to_customer: float
    sales_sourced_probability: float
    median_amount: float
    seasonality: tuple[float, ...] = ()  # 12 monthly factors Jan..Dec; empty: the common one

    def __post_init__(self) -> None:
        for name in ("volume_share", "demo_request_probability", "mql_to_sql"):
            check_probability(name, getattr(self, name))
        for name in ("sql_to_opportunity", "opportunity_to_customer", "sales_sourced_probability"):
            check_probability(name, getattr(self, name))
        check_positive("median_amount", self.median_amount)
        if self.seasonality and len(self.seasonality) != 12:
            raise ValueError(f"seasonality must have 12 factors, got {len(self.seasonality)}")


@dataclass(frozen=True, kw_only=True)
class RosterEntry:
    """One rep of the sample team (``end_date`` None: still there)."""

    rep: str
    role: str
    start_date: dt.date
    end_date: dt.date | None = None
    hours_per_week: float = 40.0
    leads_per_hour: float = 0.6


DEFAULT_SEGMENTS: tuple[SegmentProfile, ...] = (
    SegmentProfile(
        name="web_inbound", volume_share=0.46, score_mean=50.0, demo_request_probability=0.03,
        mql_to_sql=0.13, sql_to_opportunity=0.60, opportunity_to_customer=0.30,
        sales_sourced_probability=0.002, median_amount=12_000.0,
    ),
    SegmentProfile(
        name="paid_social", volume_share=0.30, score_mean=44.0, demo_request_probability=0.02,
        mql_to_sql=0.075, sql_to_opportunity=0.50, opportunity_to_customer=0.22,
        sales_sourced_probability=0.001, median_amount=8_000.0,
    ),
    SegmentProfile(
        name="events", volume_share=0.15, score_mean=55.0, demo_request_probability=0.05,
        mql_to_sql=0.15, sql_to_opportunity=0.55, opportunity_to_customer=0.28,
        sales_sourced_probability=0.006, median_amount=20_000.0,
        # conference seasons: spring and autumn, nothing in summer and December
        seasonality=(0.7, 0.9, 1.3, 1.4, 1.2, 0.8, 0.5, 0.5, 1.3, 1.5, 1.3, 0.5),
    ),
    SegmentProfile(
        name="partner_referral", volume_share=0.09, score_mean=60.0, demo_request_probability=0.08,
        mql_to_sql=0.22, sql_to_opportunity=0.70, opportunity_to_customer=0.40,
        sales_sourced_probability=0.010, median_amount=30_000.0,
    ),
)  # fmt: skip

_D = dt.date
DEFAULT_ROSTER: tuple[RosterEntry, ...] = (
    RosterEntry(rep="Ava Chen", role="SDR", start_date=_D(2022, 3, 1)),
    RosterEntry(rep="Ben Ortiz", role="SDR", start_date=_D(2023, 9, 11), end_date=_D(2025, 4, 30)),
    RosterEntry(rep="Chloe Park", role="SDR", start_date=_D(2024, 1, 8)),
    RosterEntry(rep="Diego Silva", role="SDR", start_date=_D(2024, 10, 7)),
    RosterEntry(rep="Emma Novak", role="SDR", start_date=_D(2025, 7, 14), end_date=_D(2026, 8, 14)),
    RosterEntry(rep="Farah Khan", role="SDR", start_date=_D(2025, 11, 3), hours_per_week=30.0),
    RosterEntry(rep="Gus Lindqvist", role="SDR", start_date=_D(2026, 10, 5)),
    RosterEntry(rep="Hana Ito", role="AE", start_date=_D(2021, 6, 1), leads_per_hour=0.25),
    RosterEntry(
        rep="Ivan Petrov", role="AE", start_date=_D(2023, 2, 6), end_date=_D(2025, 12, 19),
        leads_per_hour=0.25,
    ),
    RosterEntry(rep="Jade Morgan", role="AE", start_date=_D(2024, 8, 12), leads_per_hour=0.25),
    RosterEntry(rep="Kofi Mensah", role="AE", start_date=_D(2026, 2, 2), leads_per_hour=0.25),
)  # fmt: skip

# Common monthly seasonality Jan..Dec: summer and December dips, Q1/Q3 pushes.
_SEASONALITY = (1.00, 1.04, 1.08, 1.04, 1.00, 0.97, 0.93, 0.90, 1.05, 1.08, 1.00, 0.80)


@dataclass(frozen=True, kw_only=True)
class SampleConfig:
    """The generating parameters of the sample data set (defaults: the bundled files).

    Parameters
    ----------
    seed : int
        Seed of the one random generator behind every draw.
    as_of : date
        The data's "today": the export is censored here (a partial last month).
    months : int
        Months of history ending with the month of ``as_of``.
    leads_per_month : float
        Mean leads per month (all segments) in the first month, before seasonality.
    growth_per_year : float
        Relative yearly growth of lead volume.
    dispersion : float
        Negative binomial dispersion of monthly arrivals per segment
        (variance = mean + mean²/dispersion).
    short_months : tuple of str
        Months ``YYYY-MM`` of a campaign pause: ``paused_segments`` volume × ``pause_factor``.
    campaign_segment : str or None
        The segment whose lead volume a paid campaign lifts (None: no campaign).
    campaign_start : str
        First month ``YYYY-MM`` of the campaign: from it on, ``campaign_segment``'s mean volume
        is × ``campaign_factor`` (a level shift the kit's change warnings should report).
    campaign_factor : float
        The campaign's lift of the segment's lead volume (and so of its MQLs).

    Examples
    --------
    >>> SampleConfig().as_of.isoformat(), SampleConfig(seed=7).seed
    ('2026-11-15', 7)
    """

    seed: int = 20261115
    as_of: dt.date = dt.date(2026, 11, 15)
    months: int = 30
    leads_per_month: float = 910.0
    growth_per_year: float = 0.15
    dispersion: float = 80.0
    seasonality: tuple[float, ...] = _SEASONALITY
    short_months: tuple[str, ...] = ("2026-06",)
    paused_segments: tuple[str, ...] = ("web_inbound", "paid_social")
    pause_factor: float = 0.3
    campaign_segment: str | None = "paid_social"
    campaign_start: str = "2026-07"
    campaign_factor: float = 3.0
    mql_score_threshold: int = 60
    score_sd: float = 18.0
    score_effect_per_point: float = 0.03  # log-odds-like slope of MQL->SQL on score
    segments: tuple[SegmentProfile, ...] = DEFAULT_SEGMENTS
    roster: tuple[RosterEntry, ...] = DEFAULT_ROSTER
    sdr_ramp_months: float = 3.0
    response_mean_hours_at_full_load: float = 0.7
    dirty_rows_per_kind: int = 8

    def __post_init__(self) -> None:
        check_count("seed", self.seed)
        check_count("months", self.months, minimum=6)
        check_positive("leads_per_month", self.leads_per_month)
        check_positive("dispersion", self.dispersion)
        check_probability("pause_factor", self.pause_factor, open_high=False)
        check_positive("campaign_factor", self.campaign_factor)
        check_count("dirty_rows_per_kind", self.dirty_rows_per_kind)
        if not isinstance(self.as_of, dt.date) or isinstance(self.as_of, dt.datetime):
            raise TypeError(f"as_of must be a datetime.date, got {self.as_of!r}")
        if len(self.seasonality) != 12:
            raise ValueError(f"seasonality must have 12 factors, got {len(self.seasonality)}")
