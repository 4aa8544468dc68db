"""The README's track-record tables: ``slaplan backtest`` on the samples and on the Maven export.

Prints the Markdown of the README section "Does it know what it doesn't know?" (between the
markers ``<!-- readme_backtest: begin -->`` and ``<!-- readme_backtest: end -->``); with
``--write`` it replaces that part of README.md instead. Rerun it whenever the samples or the
estimate change, so the README never shows numbers the code no longer gives:

    .venv/bin/python tools/readme_backtest.py --write

Every number comes from :func:`slaplan.backtest_sla` (the engine of ``slaplan backtest``) and is
written by :mod:`slaplan.present.track_record`, as the command line writes it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BEGIN = "<!-- readme_backtest: begin (tools/readme_backtest.py writes this part) -->"
END = "<!-- readme_backtest: end -->"
PERIODS = 12


@dataclass(frozen=True, kw_only=True)
class Case:
    """One data set of the README: its files, how it is read and its "today"."""

    title: str
    sla: str
    leads: str
    mapping: str | None
    as_of: str
    command: str


def cases() -> tuple[Case, ...]:
    """The samples (their "today") and the Maven export (its last close date)."""
    from slaplan.samples import SampleConfig

    maven = "data/examples/maven_crm"
    return (
        Case(title="The bundled samples", sla="data/samples/sla.yaml",
             leads="data/samples/leads.csv", mapping=None,
             as_of=SampleConfig().as_of.isoformat(),
             command=f".venv/bin/slaplan backtest --periods {PERIODS}"),
        Case(title="The Maven export", sla=f"{maven}/sla.yaml",
             leads=f"{maven}/sales_pipeline.csv", mapping="maven", as_of="2017-12-31",
             command=f".venv/bin/slaplan backtest --leads {maven}/sales_pipeline.csv "
             f"--mapping maven --sla {maven}/sla.yaml --periods {PERIODS}"),
    )  # fmt: skip


def _markdown_table(columns: tuple[str, ...], rows: tuple[tuple[str, ...], ...]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def case_markdown(case: Case, *, periods: int = PERIODS) -> str:
    """The Markdown of one data set: what was asked, the scores table, calibration in words."""
    import slaplan as sp
    from slaplan.present.formatting import period_name
    from slaplan.present.track_record import SCORE_COLUMNS, calibration_sentence, score_rows

    sla = sp.load_sla(ROOT / case.sla)
    leads = sp.load_leads(
        ROOT / case.leads, mapping=case.mapping, funnel=sla.funnel(), as_of=case.as_of
    )
    backtest = sp.backtest_sla(sla, leads, periods=periods, seed=0)
    months = sorted(backtest.frame["period"].unique())
    titles = {c.id: f"{c.label} (`{c.id}`)" for c in sla.commitments}
    scores = backtest.scores()
    return "\n".join([
        f"**{case.title}** (`{case.leads}`, as of {case.as_of}: the {len(months)} closed months "
        f"{period_name(months[0])} – {period_name(months[-1])}; `{case.command}`)",
        "",
        _markdown_table(SCORE_COLUMNS, score_rows(scores, titles)),
        "",
        f"{_comparison(scores)} {calibration_sentence(scores)}",
    ])  # fmt: skip


def _comparison(scores) -> str:
    """Which rule had the lower Brier score, counted over the commitments with a score."""
    each = scores.drop(index="all")
    scored = each[each["n"] > each["insufficient"]]
    kit = int((scored["brier_kit"].round(3) < scored["brier_naive"].round(3)).sum())
    naive = int((scored["brier_kit"].round(3) > scored["brier_naive"].round(3)).sum())
    return (
        f"The kit's Brier score is lower than last month's count's on {kit} of the "
        f"{len(scored)} commitments scored (higher on {naive})."
    )


def section(*, periods: int = PERIODS) -> str:
    """The whole generated part of the README, markers included."""
    parts = [case_markdown(case, periods=periods) for case in cases()]
    return "\n".join([BEGIN, "", "\n\n".join(parts), "", END])


def write_readme(text: str, readme: Path = README) -> None:
    """Replace the part of ``readme`` between the markers by ``text`` (markers included)."""
    current = readme.read_text(encoding="utf-8")
    start, end = current.find(BEGIN), current.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme}: the markers {BEGIN!r} … {END!r} are missing")
    readme.write_text(current[:start] + text + current[end + len(END) :], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="replace the section in README.md")
    parser.add_argument("--periods", type=int, default=PERIODS, help="closed months to score")
    args = parser.parse_args(argv)
    text = section(periods=args.periods)
    if args.write:
        write_readme(text)
        print(f"README.md: track-record tables rewritten ({args.periods} months)")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
