"""Long computations can show a ``tqdm.auto`` bar (issue 9): the backtest loop over origins."""

from __future__ import annotations

import numpy as np
import pytest

import slaplan as sp
from slaplan._progress import progress


def test_progress_disabled_yields_the_items_unchanged() -> None:
    assert list(progress(range(4), desc="x", enabled=False)) == [0, 1, 2, 3]


def test_backtest_shows_a_bar_over_its_origins_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    counts = np.random.default_rng(0).poisson(100, size=24)
    quiet = sp.backtest_forecasts(counts, start="2024-01", horizon=2, n_origins=3, seed=0)
    assert capsys.readouterr().err == ""
    shown = sp.backtest_forecasts(
        counts, start="2024-01", horizon=2, n_origins=3, seed=0, show_progress=True
    )
    assert "backtest origins" in capsys.readouterr().err
    # the bar changes nothing in the numbers
    assert quiet.summary.equals(shown.summary)
