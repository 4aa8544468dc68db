"""`slaplan review` shows papermill's tqdm bar only to a person at a terminal."""

from __future__ import annotations

import io
import sys

import pytest

from slaplan.cli import main
from slaplan.present import report


class _Stop(Exception):
    """Raised by the stand-in papermill so no kernel starts."""


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("progress", "expected"), [(False, False), (True, {"desc": "review", "leave": False})]
)
def test_render_review_passes_the_progress_option_to_papermill(
    monkeypatch, samples_dir, tmp_path, progress, expected
):
    import papermill

    seen = {}

    def execute_notebook(*args, **kwargs):
        seen.update(kwargs)
        raise _Stop

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    with pytest.raises(_Stop):
        report.render_review(tmp_path / "r.html", sla_path=samples_dir / "sla.yaml",
                             leads_path=samples_dir / "leads.csv", progress=progress)  # fmt: skip
    assert seen["progress_bar"] == expected


@pytest.mark.parametrize(("stderr", "expected"), [(io.StringIO(), False), (_Terminal(), True)])
def test_cli_review_turns_progress_on_only_when_stderr_is_a_terminal(
    monkeypatch, tmp_path, stderr, expected
):
    calls = []

    def render_review(out, **kwargs):
        calls.append(kwargs["progress"])
        return out

    monkeypatch.setattr(report, "render_review", render_review)
    monkeypatch.setattr(sys, "stderr", stderr)
    assert main(["review", "--out", str(tmp_path / "review.html")]) == 0
    assert calls == [expected]
