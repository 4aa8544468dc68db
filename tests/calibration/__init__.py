"""End-to-end calibration of ``check_sla`` on simulated worlds with known truth (issue 13).

``worlds`` (with ``params``) generates the worlds, ``harness`` runs them through the kit,
``scoring`` scores them; ``bench/calibration_study.py`` is the full study, ``test_end_to_end.py``
its slow, smaller version.
"""
