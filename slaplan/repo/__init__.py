"""A team's SLA repository: the SLA as code, checked by CI on every change.

:func:`slaplan.repo.init.init_repository` writes the folder (``slaplan init``): the SLA, the data
source file, the team's notebooks, a ``Makefile`` and ``ci.sh`` and a GitHub Actions workflow;
:mod:`slaplan.repo.starter` writes its first SLA; :mod:`slaplan.repo.git` reads an SLA file as
it was in a git revision (``slaplan diff HEAD~1:sla.yaml sla.yaml``).
"""
