"""The seeded generator of the bundled sample data (``data/samples``) with known truth.

A realistic lead-level CRM export (four segments, growth, seasonality, overdispersed monthly
arrivals, a short month, a paid campaign that lifts one segment's volume from a month on (the
visible change the kit must report), stage lags and skips, a predictive lead score, response
times in business hours that change conversion), a team roster with hires and departures, the
sample SLA file (its opening comment says what ``slaplan check`` finds on the samples), and
``truth.yaml`` holding the generating parameters and the realised truths that tests check
estimates against. ``slaplan sample`` writes the same files from the command line.

>>> from slaplan.samples import samples_dir
>>> sorted(p.name for p in samples_dir().iterdir())
['leads.csv', 'sla.yaml', 'team.csv', 'truth.yaml']
"""

from slaplan.samples.config import RosterEntry, SampleConfig, SegmentProfile
from slaplan.samples.generate import Samples, generate_samples, samples_dir, write_samples

__all__ = [
    "RosterEntry",
    "SampleConfig",
    "Samples",
    "SegmentProfile",
    "generate_samples",
    "samples_dir",
    "write_samples",
]
