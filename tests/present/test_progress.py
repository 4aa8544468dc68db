"""The shared feedback helpers: progress bars and busy widgets that show errors as text."""

from __future__ import annotations

import ipywidgets as widgets
import pytest

from slaplan.errors import InfeasibleTargetError
from slaplan.present.progress import busy, progress


@pytest.mark.parametrize("enabled", [True, False])
def test_progress_yields_every_item_in_order(enabled: bool) -> None:
    assert list(progress(iter(range(5)), desc="months", total=5, enabled=enabled)) == [
        0,
        1,
        2,
        3,
        4,
    ]


def test_busy_disables_controls_during_the_block_and_restores_them() -> None:
    button, slider = widgets.Button(), widgets.IntSlider(disabled=True)
    status = widgets.HTML()
    with busy(button, slider, message=status):
        assert button.disabled and slider.disabled
        assert "Computing" in status.value
    assert (button.disabled, slider.disabled) == (False, True)
    assert status.value == ""


def test_busy_shows_the_error_escaped_in_the_widget_instead_of_raising() -> None:
    button, status = widgets.Button(), widgets.HTML()
    with busy(button, message=status):
        raise InfeasibleTargetError(
            "target <script>alert(1)</script> cannot be reached", target=99, best_achievable=40
        )
    assert "InfeasibleTargetError" in status.value
    assert "&lt;script&gt;" in status.value and "<script>" not in status.value
    assert button.disabled is False


def test_busy_without_a_message_widget_re_raises() -> None:
    button = widgets.Button()
    with pytest.raises(ValueError, match="bad"), busy(button):
        raise ValueError("bad")
    assert button.disabled is False


def test_busy_shows_a_bug_in_the_widget_and_raises_it() -> None:
    # a TypeError is not a bad input: the status line says so, the traceback reaches the log
    button, status = widgets.Button(), widgets.HTML()
    with pytest.raises(TypeError, match="unsupported"), busy(button, message=status):
        raise TypeError("unsupported operand")
    assert "internal error (TypeError)" in status.value
    assert button.disabled is False
