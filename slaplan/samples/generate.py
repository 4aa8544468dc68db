"""Generate, hold and write the seeded sample data set (leads, team, SLA, truth).

``generate_samples`` simulates full lead lives with :mod:`slaplan.samples.simulate`, censors
them at ``as_of`` and mixes in dirty rows (:mod:`slaplan.samples.export`), and computes the
truths (:mod:`slaplan.samples.truth`). ``write_samples`` writes the four files byte for byte the
same for the same configuration.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from slaplan.capacity.calendar import BusinessCalendar
from slaplan.errors import DataError
from slaplan.samples.config import SampleConfig
from slaplan.samples.export import censor, insert_dirty_rows, to_strings
from slaplan.samples.simulate import month_starts, sdr_capacity_per_month, simulate_lives
from slaplan.samples.sla_text import SAMPLE_SLA_TEXT
from slaplan.samples.truth import DEFINITIONS, campaign_truth, compute_truth

__all__ = ["FILE_NAMES", "Samples", "generate_samples", "samples_dir", "write_samples"]

FILE_NAMES = ("leads.csv", "team.csv", "sla.yaml", "truth.yaml")
TEAM_COLUMNS = ("rep", "role", "start_date", "end_date", "hours_per_week", "leads_per_hour")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Samples:
    """The sample data set in memory.

    Attributes
    ----------
    config : SampleConfig
        The parameters that generated it.
    leads : DataFrame
        ``leads.csv`` exactly as written: every cell a string, dirty rows included.
    clean_leads : DataFrame
        The clean rows, typed (datetimes, float ``score``/``amount``): what a validator keeps.
    team : DataFrame
        ``team.csv`` as written (strings; ``end_date`` empty while the rep is still there).
    sla_text : str
        ``sla.yaml``, commented YAML.
    truth : dict
        The content of ``truth.yaml`` (a YAML document, hence a mapping).

    Examples
    --------
    >>> samples = generate_samples(SampleConfig(months=6))  # doctest: +SKIP
    >>> samples.clean_leads.columns[:3].tolist()  # doctest: +SKIP
    ['lead_id', 'created_at', 'segment']
    """

    config: SampleConfig
    leads: pd.DataFrame
    clean_leads: pd.DataFrame
    team: pd.DataFrame
    sla_text: str
    truth: dict

    @property
    def sla(self) -> dict:
        """The SLA file parsed with ``yaml.safe_load``."""
        return yaml.safe_load(self.sla_text)

    def truth_text(self) -> str:
        """``truth.yaml`` as text."""
        return yaml.dump(
            self.truth, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100
        )


class _PlainDumper(yaml.SafeDumper):
    """Safe YAML without anchors and aliases (a date used twice is written twice)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _plain(value: Any) -> Any:
    """Dataclasses, tuples, numpy scalars and dates as YAML-safe plain values."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, float):
        return round(value, 6)
    return value


def _team_frame(config: SampleConfig) -> pd.DataFrame:
    rows = [
        (r.rep, r.role, r.start_date.isoformat(), r.end_date.isoformat() if r.end_date else "",
         f"{r.hours_per_week:g}", f"{r.leads_per_hour:g}")
        for r in config.roster
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(TEAM_COLUMNS))


def _commitment(sla: dict, commitment_id: str) -> dict:
    return next(c for c in sla["commitments"] if c["id"] == commitment_id)


def _parameters(config: SampleConfig, months: list[str]) -> dict:
    parameters = _plain(config)
    capacity = sdr_capacity_per_month(config, month_starts(config))
    parameters["sdr_capacity_per_month"] = {
        m: round(float(c), 1) for m, c in zip(months, capacity, strict=True)
    }
    parameters["lags"] = {
        "lead_to_mql": "half at arrival (+ exponential, mean 10 min; all demo requests), half "
        "after ceil(gamma(shape 1.2, mean 6 days)) whole days (+ the same minutes)",
        "touch_to_sql": "gamma(shape 2, mean 30 days), moved into business hours",
        "lead_to_sql_sales_sourced": "gamma(shape 2, mean 14 days), moved into business hours",
        "sql_to_opportunity": "gamma(shape 2, mean 10 days), moved into business hours",
        "opportunity_to_customer": "gamma(shape 3, mean 30 days), moved into business hours",
    }
    parameters["response_model"] = (
        "business hours to first touch = exponential(mean = response_mean_hours_at_full_load x "
        "load^2, clipped to [0.1, 4]) + uniform(0, load) for MQLs arriving when closed; "
        "never touched with probability 0.015 + 0.05 x max(load - 1, 0); load = MQLs of the "
        "month / sdr_capacity_per_month"
    )
    parameters["mql_to_sql_model"] = (
        "P(sql | mql) = segment mql_to_sql x exp(score_effect_per_point x (score - 70)) x "
        "speed, speed = 1 within 1 business hour else 0.35 + 0.65 exp(-(hours - 1)/3) "
        "(0 if never touched), capped at 0.95"
    )
    return parameters


def _campaign(config: SampleConfig, export: pd.DataFrame, months: list[str]) -> dict | None:
    """The campaign's part of ``truth.yaml`` (None without a campaign)."""
    if config.campaign_segment is None:
        return None
    return campaign_truth(
        export, segment=config.campaign_segment, start=config.campaign_start,
        factor=config.campaign_factor, months=months, short_months=config.short_months,
    )  # fmt: skip


def _truth(config: SampleConfig, sla: dict, lives, export, *, leads, dirty) -> dict:
    """The content of ``truth.yaml``: header, realised truths, dirty rows, parameters."""
    cutoff = pd.Timestamp(config.as_of)
    months = list(month_starts(config).strftime("%Y-%m"))
    truth = {
        "seed": config.seed,
        "as_of": config.as_of,
        "cutoff": f"{config.as_of.isoformat()} 00:00:00 (events strictly before are in the export)",
        "generated_by": "slaplan.samples.write_samples",
        "definitions": DEFINITIONS,
        "rows": {"total": len(leads), "clean": len(leads) - len(dirty), "dirty": len(dirty)},
        "short_mql_months": list(config.short_months),
        "campaign": _campaign(config, export, months),
        **compute_truth(
            lives, export, cutoff=cutoff, months=months,
            mql_target=_commitment(sla, "mql_volume")["target"],
            effective_year=sla["effective"]["start"].year,
            within_hours=_commitment(sla, "mql_response")["within_business_hours"],
        ),
        "dirty_rows": dirty,
        "parameters": _parameters(config, months),
    }  # fmt: skip
    return _plain(truth)


def generate_samples(config: SampleConfig | None = None) -> Samples:
    """Simulate the sample CRM export with known truth.

    Parameters
    ----------
    config : SampleConfig, optional
        Generating parameters; the default reproduces the bundled ``data/samples``.

    Returns
    -------
    Samples

    Examples
    --------
    >>> samples = generate_samples(SampleConfig(seed=1, months=6))
    >>> list(samples.leads.columns)[:3]
    ['lead_id', 'created_at', 'segment']
    """
    config = SampleConfig() if config is None else config
    if not isinstance(config, SampleConfig):
        raise TypeError(f"config must be a SampleConfig, got {type(config).__name__}")
    sla = yaml.safe_load(SAMPLE_SLA_TEXT)
    calendar = BusinessCalendar.from_spec(sla["business_hours"])
    rng = np.random.default_rng(config.seed)
    cutoff = pd.Timestamp(config.as_of)
    lives = simulate_lives(config, calendar, rng)
    export = censor(lives, cutoff)
    leads, dirty = insert_dirty_rows(to_strings(export), config.dirty_rows_per_kind, cutoff, rng)
    dirty_rows = {d["row"] for d in dirty}
    clean_ids = leads["lead_id"][~leads.index.isin(dirty_rows)].to_numpy()
    clean_leads = export.assign(lead_id=clean_ids)[list(leads.columns)]
    truth = _truth(config, sla, lives, export, leads=leads, dirty=dirty)
    return Samples(config=config, leads=leads, clean_leads=clean_leads, team=_team_frame(config),
                   sla_text=SAMPLE_SLA_TEXT, truth=truth)  # fmt: skip


def write_samples(directory: str | Path, config: SampleConfig | None = None) -> tuple[Path, ...]:
    """Generate the samples and write ``leads.csv``, ``team.csv``, ``sla.yaml``, ``truth.yaml``.

    Existing files of those names in ``directory`` are replaced; the directory is created.
    Returns the paths written. Same configuration, same bytes.

    Parameters
    ----------
    directory : path
        Where to write (created if needed).
    config : SampleConfig, optional
        The generating parameters; default those of the bundled samples.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:  # doctest: +SKIP
    ...     [p.name for p in write_samples(folder)]
    ['leads.csv', 'team.csv', 'sla.yaml', 'truth.yaml']
    """
    samples = generate_samples(config)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    texts = {
        "leads.csv": samples.leads.to_csv(index=False, lineterminator="\n"),
        "team.csv": samples.team.to_csv(index=False, lineterminator="\n"),
        "sla.yaml": samples.sla_text,
        "truth.yaml": samples.truth_text(),
    }
    for name, text in texts.items():
        (directory / name).write_text(text, encoding="utf-8", newline="\n")
    return tuple(directory / name for name in FILE_NAMES)


def samples_dir() -> Path:
    """The folder of the bundled samples (``data/samples`` at the project root).

    Returns
    -------
    Path
        The folder holding ``leads.csv``, ``team.csv``, ``sla.yaml`` and ``truth.yaml``.

    Raises
    ------
    DataError
        If the folder (or its ``leads.csv``) is not there, e.g. in a wheel install without data;
        ``write_samples(path)`` or ``slaplan sample`` writes a copy anywhere.

    Examples
    --------
    >>> (samples_dir() / "sla.yaml").exists()
    True
    """
    path = Path(__file__).resolve().parents[2] / "data" / "samples"
    if not (path / "leads.csv").is_file():
        raise DataError(
            f"bundled samples not found at {path}; write a copy with `slaplan sample --out DIR`"
        )
    return path
