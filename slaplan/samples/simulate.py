"""Full lives of the sample leads, before the export is censored at ``as_of``.

Every lead is simulated to the end of its life (its eventual stages), so the truths written to
``truth.yaml`` (eventual conversion of young cohorts, response times) are known exactly; the
export then shows only what had happened by ``as_of``. One numpy ``Generator`` drives every draw,
in a fixed order, so a seed gives the same data on every machine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from slaplan.capacity.calendar import BusinessCalendar
from slaplan.samples.config import SampleConfig

__all__ = ["month_starts", "simulate_lives", "speed_factor"]

# Hour-of-day weights of lead arrivals (local time): an office-hours hump and a long evening tail.
_HOURLY_WEIGHTS = np.array(
    [0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.8, 2.4, 2.6, 2.5,
     2.2, 2.4, 2.5, 2.3, 2.0, 1.5, 1.1, 0.9, 0.8, 0.7, 0.6, 0.45]
)  # fmt: skip
_WEEKEND_WEIGHT = 0.3
_SECONDS = np.timedelta64(1, "s")


def month_starts(config: SampleConfig) -> pd.DatetimeIndex:
    """First day of each simulated month, the last one being the month of ``as_of``."""
    last = pd.Timestamp(config.as_of).to_period("M")
    return pd.period_range(end=last, periods=config.months, freq="M").to_timestamp()


def speed_factor(response_hours: np.ndarray) -> np.ndarray:
    """Relative MQL->SQL acceptance by business hours to first touch (1 within the hour).

    Oldroyd, McElheran & Elkington, "The Short Life of Online Sales Leads", Harvard Business
    Review, March 2011: firms that contacted a lead within an hour were about seven times as likely
    to qualify it as those that waited longer. We use a gentler decay, to 35% for day-old leads.
    """
    late = np.maximum(np.nan_to_num(response_hours, nan=np.inf) - 1.0, 0.0)
    return np.where(np.isnan(response_hours), 0.0, 0.35 + 0.65 * np.exp(-late / 3.0))


def _monthly_arrivals(config: SampleConfig, rng: np.random.Generator) -> np.ndarray:
    """Leads per (segment, month): negative binomial around a growing, seasonal mean (× the
    campaign's lift from its first month on, × the pause factor in the short months)."""
    starts = month_starts(config)
    campaign = starts.strftime("%Y-%m") >= config.campaign_start
    years = np.arange(config.months) / 12.0
    counts = np.empty((len(config.segments), config.months), dtype=np.int64)
    short = np.isin(starts.strftime("%Y-%m"), config.short_months)
    for i, segment in enumerate(config.segments):
        season = np.asarray(segment.seasonality or config.seasonality)[starts.month - 1]
        mean = config.leads_per_month * segment.volume_share * season
        mean = mean * (1 + config.growth_per_year) ** years
        if segment.name == config.campaign_segment:
            mean = np.where(campaign, mean * config.campaign_factor, mean)
        if segment.name in config.paused_segments:
            mean = np.where(short, mean * config.pause_factor, mean)
        r = config.dispersion
        counts[i] = rng.negative_binomial(r, r / (r + mean))
    return counts


def _arrival_times(
    starts: pd.DatetimeIndex, counts: np.ndarray, cal: BusinessCalendar, rng: np.random.Generator
) -> np.ndarray:
    """Arrival instants: a day of the month (weekends and holidays quieter), then an hour."""
    pieces = []
    for m, start in enumerate(starts):
        days = pd.date_range(start, start + pd.offsets.MonthEnd(0), freq="D")
        weights = np.where(np.is_busday(days.values.astype("datetime64[D]"), weekmask="1111100"),
                           1.0, _WEEKEND_WEIGHT)  # fmt: skip
        weights = np.where(np.isin(days.date, cal.holidays), _WEEKEND_WEIGHT, weights)
        day = rng.choice(days.values, size=counts[:, m].sum(), p=weights / weights.sum())
        pieces.append(day)
    days = np.concatenate(pieces)
    hours = rng.choice(24, size=days.size, p=_HOURLY_WEIGHTS / _HOURLY_WEIGHTS.sum())
    seconds = hours * 3600 + rng.integers(0, 3600, size=days.size)
    return days + seconds * _SECONDS


def _gamma_days(rng: np.random.Generator, mean_days: float, shape: float, n: int) -> np.ndarray:
    seconds = rng.gamma(shape, mean_days * 86400.0 / shape, size=n)
    return np.round(seconds).astype(np.int64) * _SECONDS


def _at_business_time(cal: BusinessCalendar, times: np.ndarray, rng) -> np.ndarray:
    """Move people's actions that fall when closed into the first hours of the next opening."""
    times = pd.DatetimeIndex(times)
    closed = ~np.asarray(cal.is_open(times))
    later = cal.add_business_hours(cal.next_open(times), rng.uniform(0.05, 3.0, size=len(times)))
    return np.where(closed, later.values, times.values).astype("datetime64[s]")


def _active_reps(config: SampleConfig, role: str, times: np.ndarray) -> tuple[np.ndarray, list]:
    """Boolean matrix (time × rep) of reps of ``role`` on the team at each instant."""
    reps = [r for r in config.roster if r.role == role]
    days = times.astype("datetime64[D]")
    start = np.array([r.start_date for r in reps], dtype="datetime64[D]")
    end = np.array([r.end_date or "2200-01-01" for r in reps], dtype="datetime64[D]")
    return (days[:, None] >= start) & (days[:, None] <= end), [r.rep for r in reps]


def _pick_owner(config, role: str, times: np.ndarray, rng) -> np.ndarray:
    """A rep of ``role`` drawn uniformly among those on the team at each instant."""
    active, names = _active_reps(config, role, times)
    choice = np.argmax(rng.random(active.shape) * active, axis=1)
    return np.asarray(names, dtype=object)[choice]


def sdr_capacity_per_month(config: SampleConfig, starts: pd.DatetimeIndex) -> np.ndarray:
    """MQLs the SDR team can work per month: days on the team × linear ramp × hours × rate."""
    mid_month = (starts + pd.Timedelta(days=14)).values.astype("datetime64[D]")
    capacity = np.zeros(len(starts))
    for rep in (r for r in config.roster if r.role == "SDR"):
        start = np.datetime64(rep.start_date, "D")
        end = np.datetime64(rep.end_date or "2200-01-01", "D")
        tenure_months = (mid_month - start).astype(float) / 30.4
        ramp = np.clip(tenure_months / config.sdr_ramp_months, 0.0, 1.0)
        on_team = (mid_month >= start) & (mid_month <= end)
        capacity += on_team * ramp * rep.hours_per_week * 52 / 12 * rep.leads_per_hour
    return capacity


def _month_index(times: np.ndarray, starts: pd.DatetimeIndex, extra: int) -> np.ndarray:
    """Index of each instant's month in ``starts`` (later months clipped to ``len + extra - 1``)."""
    periods = pd.DatetimeIndex(times).to_period("M")
    first = starts[0].to_period("M")
    index = np.asarray((periods.year - first.year) * 12 + (periods.month - first.month))
    return np.clip(np.nan_to_num(index, nan=0).astype(np.int64), 0, len(starts) + extra - 1)


def _response(config, cal, mql_at, is_mql, starts, rng):
    """Business hours from MQL to first touch (NaN: never touched) and the month loads."""
    n = len(mql_at)
    month = _month_index(mql_at, starts, extra=1)
    mqls = np.bincount(month[is_mql], minlength=len(starts) + 1)
    capacity = sdr_capacity_per_month(config, starts)
    capacity = np.append(capacity, capacity[-1])
    load = mqls / capacity
    mean_hours = np.clip(config.response_mean_hours_at_full_load * load**2, 0.1, 4.0)[month]
    in_hours = np.asarray(cal.is_open(pd.DatetimeIndex(mql_at)))
    # the opening-hour backlog: leads that arrived when closed queue for the morning
    backlog = np.where(in_hours, 0.0, rng.uniform(0.0, load[month], size=n))
    # some leads are forgotten for a day or more (a long tail, longer when the team is busy)
    forgotten = rng.random(n) < 0.03 + 0.04 * load[month]
    tail_hours = np.where(forgotten, rng.gamma(1.5, 12.0 / 1.5, size=n), 0.0)
    delay = rng.exponential(1.0, size=n) * mean_hours + backlog + tail_hours
    never = rng.random(n) < 0.015 + 0.05 * np.maximum(load[month] - 1.0, 0.0)
    touch = cal.add_business_hours(pd.DatetimeIndex(mql_at), delay).values.astype("datetime64[s]")
    touch = np.where(is_mql & ~never, touch, np.datetime64("NaT"))
    hours = np.asarray(
        cal.business_hours_between(pd.DatetimeIndex(mql_at), pd.DatetimeIndex(touch))
    )
    return touch, hours, load[: len(starts)]


def _profile_array(config: SampleConfig, seg: np.ndarray, name: str) -> np.ndarray:
    return np.array([getattr(s, name) for s in config.segments])[seg]


def _later_stage(prev_at, reached, mean_days, shape, cal, rng) -> np.ndarray:
    """Time of the next stage (NaT where not reached): a gamma lag, then business hours."""
    lag = _gamma_days(rng, mean_days, shape, len(prev_at))
    times = _at_business_time(cal, prev_at + lag, rng)
    return np.where(reached, times, np.datetime64("NaT"))


def _arrivals(config: SampleConfig, cal: BusinessCalendar, rng) -> tuple[np.ndarray, np.ndarray]:
    """Segment index and arrival instant of every lead, month by month."""
    counts = _monthly_arrivals(config, rng)
    seg = np.concatenate([np.repeat(np.arange(len(config.segments)), counts[:, m])
                          for m in range(config.months)])  # fmt: skip
    lead_at = _arrival_times(month_starts(config), counts, cal, rng).astype("datetime64[s]")
    return seg, lead_at


def _qualify(config: SampleConfig, seg: np.ndarray, lead_at: np.ndarray, rng):
    """Lead score, demo requests and MQL instants (NaT: never qualifies)."""
    n = len(seg)
    score_mean = _profile_array(config, seg, "score_mean")
    score = np.clip(np.round(score_mean + config.score_sd * rng.standard_normal(n)), 0, 100)
    demo = rng.random(n) < _profile_array(config, seg, "demo_request_probability")
    is_mql = (score >= config.mql_score_threshold) | demo
    immediate = demo | (rng.random(n) < 0.5)  # scored on arrival, or after weeks of nurturing
    # nurtured leads qualify on a later visit, at about the hour of day they first came
    whole_days = np.ceil(rng.gamma(1.2, 6.0 / 1.2, n)).astype(np.int64) * np.timedelta64(1, "D")
    minutes = rng.exponential(600.0, n).astype(np.int64) * _SECONDS
    mql_lag = np.where(immediate, minutes, whole_days + minutes)
    mql_at = np.where(is_mql, lead_at + mql_lag, np.datetime64("NaT"))
    return score, demo, is_mql, mql_at


def _accept(config, seg, score, is_mql, response_hours, rng) -> tuple[np.ndarray, np.ndarray]:
    """P(sql | mql) from segment, score and speed to lead; whether each MQL is accepted."""
    p_sql = _profile_array(config, seg, "mql_to_sql") * speed_factor(response_hours)
    p_sql = np.clip(p_sql * np.exp(config.score_effect_per_point * (score - 70)), 0.0, 0.95)
    return p_sql, is_mql & (rng.random(len(seg)) < p_sql)


def simulate_lives(config: SampleConfig, cal: BusinessCalendar, rng) -> pd.DataFrame:
    """Every lead's full life (uncensored), sorted by arrival; one row per lead."""
    seg, lead_at = _arrivals(config, cal, rng)
    n = len(seg)
    score, demo, is_mql, mql_at = _qualify(config, seg, lead_at, rng)
    touch, response_hours, _ = _response(config, cal, mql_at, is_mql, month_starts(config), rng)
    owner = np.where(is_mql, _pick_owner(config, "SDR", np.where(is_mql, mql_at, lead_at), rng), "")
    p_sql, sql = _accept(config, seg, score, is_mql, response_hours, rng)
    sales_sourced = ~is_mql & (
        rng.random(n) < _profile_array(config, seg, "sales_sourced_probability")
    )
    sql_from_mql = _later_stage(touch, sql, 30.0, 2.0, cal, rng)
    sql_direct = _later_stage(lead_at, sales_sourced, 14.0, 2.0, cal, rng)
    sql_at = np.where(sales_sourced, sql_direct, sql_from_mql)
    touch = np.where(sales_sourced, sql_direct, touch)
    ae = _pick_owner(config, "AE", np.where(sales_sourced, sql_direct, lead_at), rng)
    owner = np.where(sales_sourced, ae, owner)
    opp = (sql | sales_sourced) & (
        rng.random(n) < _profile_array(config, seg, "sql_to_opportunity")
    )
    opportunity_at = _later_stage(sql_at, opp, 10.0, 2.0, cal, rng)
    won = opp & (rng.random(n) < _profile_array(config, seg, "opportunity_to_customer"))
    customer_at = _later_stage(opportunity_at, won, 30.0, 3.0, cal, rng)
    median = _profile_array(config, seg, "median_amount")
    amount = np.round(median * np.exp(0.6 * rng.standard_normal(n)), -2)
    lives = pd.DataFrame({
        "segment": np.array([s.name for s in config.segments])[seg],
        "lead_at": lead_at, "score": score, "demo_request": demo,
        "mql_at": mql_at, "first_touch_at": touch, "owner": owner,
        "response_hours": np.where(sales_sourced, np.nan, response_hours),
        "sales_sourced": sales_sourced, "p_sql": np.where(is_mql, p_sql, np.nan),
        "sql_at": sql_at, "opportunity_at": opportunity_at, "customer_at": customer_at,
        "amount": np.where(opp, amount, np.nan),
    })  # fmt: skip
    return lives.sort_values("lead_at", kind="stable", ignore_index=True)
