"""``slaplan review`` reads every input before a kernel starts, passes the data options on to
the notebook, and a review dated before the SLA's start says so (issue 14, "What went wrong")."""

from __future__ import annotations

import matplotlib.pyplot as plt
import papermill
import pytest

from slaplan.cli import main
from slaplan.present import report, review_charts, review_html
from slaplan.sla.review import build_review


@pytest.fixture
def no_kernel(monkeypatch):
    """papermill must not be reached: a kernel would start."""

    def execute_notebook(*args, **kwargs):
        raise AssertionError("papermill started on inputs that should have been refused")

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--leads", "missing.csv"], "missing.csv: file not found"),
        (["--team", "nowhere.csv"], "nowhere.csv: roster file not found"),
        (["--leads", "{wrong}"], "wrong.csv: missing required column(s): lead_id"),
        (["--mapping", "{not json"], "--mapping is not a valid JSON object"),
    ],
)
def test_a_missing_or_bad_input_fails_in_one_line_before_any_kernel(
    no_kernel, tmp_path, capsys, flags, message
):
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("name,city\nann,Oslo\n")
    flags = [flag.replace("{wrong}", str(wrong)) for flag in flags]
    assert main(["review", *flags, "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_the_data_options_reach_the_notebook(monkeypatch, tmp_path, samples_dir):
    seen = {}

    def render_review(out, **kwargs):
        seen.update(kwargs)
        return out

    monkeypatch.setattr(report, "render_review", render_review)
    leads = tmp_path / "leads.csv"
    leads.write_text((samples_dir / "leads.csv").read_text(encoding="utf-8"), encoding="utf-8")
    args = ["review", "--leads", str(leads), "--mapping", '{"lead_id": "lead_id"}',
            "--dayfirst", "--stages", "lead,mql,sql,opportunity,customer",
            "--as-of", "2026-11-15", "--out", str(tmp_path / "r.html")]  # fmt: skip
    assert main(args) == 0
    assert seen["leads_path"] == leads and seen["as_of"] == "2026-11-15"
    assert seen["mapping"] == {"lead_id": "lead_id"} and seen["dayfirst"] is True
    assert seen["stages"] == ["lead", "mql", "sql", "opportunity", "customer"]


def test_a_review_before_the_sla_starts_says_no_period_has_closed(sample_files):
    """The sample SLA starts on 2026-01-01; a review on 2025-09-15 has nothing closed yet."""
    review = build_review(sample_files / "sla.yaml", sample_files / "leads.csv", as_of="2025-09-15")
    summary = review.summary()
    assert summary["periods_met"].eq("none yet: the SLA starts 2026-01-01, after 2025-09-15").all()
    assert summary["last_closed"].isna().all() and summary["pacing"].isna().all()
    assert "none yet" in review_html.summary_html(review)
    figure = review_charts.plot_commitments(review.tracked)
    assert "no period yet" in [text.get_text() for text in figure.axes[0].texts]
    plt.close(figure)


def test_render_review_hands_the_data_options_to_the_notebook(monkeypatch, tmp_path, samples_dir):
    seen = {}

    def execute_notebook(template, out, *, parameters, **kwargs):
        seen.update(parameters)
        raise RuntimeError("stop before a kernel")

    monkeypatch.setattr(papermill, "execute_notebook", execute_notebook)
    with pytest.raises(RuntimeError, match="stop before a kernel"):
        report.render_review(
            tmp_path / "r.html",
            sla_path=samples_dir / "sla.yaml",
            leads_path=samples_dir / "leads.csv",
            mapping="hubspot",
            dayfirst=False,
            stages=["mql", "sql"],
        )
    assert (seen["mapping"], seen["dayfirst"], seen["stages"]) == ("hubspot", False, ["mql", "sql"])
