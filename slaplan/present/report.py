"""The SLA review report: execute the review notebook with papermill, export it to HTML.

:func:`render_review` runs ``notebooks/05_sla_review.ipynb`` with its ``parameters`` cell
overridden (papermill), then exports the executed notebook with nbconvert's ``HTMLExporter``:
code cells and prompts hidden, widget outputs and widget state removed, images embedded as data
URIs and every script removed (the template's load MathJax and mermaid from a CDN), so the file
opens in any browser offline, without a kernel. :func:`summary_html`, :func:`header_html` and
:func:`context_html` build the report's HTML pieces from the review tables; every string that
comes from the data (segment names, owners, ids) is escaped.
"""

from __future__ import annotations

import html
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "context_html",
    "header_html",
    "notebook_path",
    "render_review",
    "strip_interactive",
    "summary_html",
]

REVIEW_NOTEBOOK = "05_sla_review.ipynb"
_WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
_LIGHTS = {"attainable": "#c8e6c9", "stretch": "#fff59d", "out of reach": "#ffcdd2"}
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)


def notebook_path() -> Path:
    """The review notebook template (the repository's ``notebooks/`` beside the package)."""
    import slaplan

    package = Path(slaplan.__file__).resolve().parent
    for candidate in (package.parent / "notebooks", package / "notebooks"):
        if (candidate / REVIEW_NOTEBOOK).exists():
            return candidate / REVIEW_NOTEBOOK
    raise FileNotFoundError(package.parent / "notebooks" / REVIEW_NOTEBOOK)


def _light(probability: float, confidence: float) -> str:
    if np.isnan(probability):
        return ""
    if probability >= confidence:
        return _LIGHTS["attainable"]
    return _LIGHTS["stretch"] if probability >= 0.2 else _LIGHTS["out of reach"]


def _number(value: Any, *, share: bool = False) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    if share:
        return f"{value:.0%}"
    return f"{value:,.3g}" if isinstance(value, float) and value < 1 else f"{value:,.0f}"


def summary_html(review: Any) -> str:
    """The one-page traffic-light table of commitments (escaped HTML)."""
    table = review.summary()
    confidence = review.sla.confidence
    head = ("commitment", "owner", "what", "segment", "target", "periods met", "last closed",
            f"pacing {review.open_period or ''}", "P(met) next period", "verdict")  # fmt: skip
    rows = []
    for commitment_id, row in table.iterrows():
        share = row["target"] <= 1
        rows.append([
            (commitment_id, ""), (row["owner"], ""), (row["what"], ""), (row["segment"], ""),
            (_number(row["target"], share=share), ""), (row["periods_met"], ""),
            (_number(row["last_closed"], share=share), ""),
            (_number(row["pacing"], share=True), _light(row["pacing"], confidence)),
            (_number(row["next_period"], share=True), _light(row["next_period"], confidence)),
            (row["verdict"], _LIGHTS.get(row["verdict"], "")),
        ])  # fmt: skip
    return "\n".join(_table(head, rows, "sla-summary"))


def _table(head: tuple[str, ...], rows: list[list[Any]], css_class: str) -> list[str]:
    """An HTML table with every cell escaped; ``rows`` hold (text, background) pairs."""
    cell_style = "padding:4px 8px;border-top:1px solid #ddd"
    lines = [f'<table class="{css_class}" style="border-collapse:collapse">', "<thead><tr>"]
    lines += [
        f'<th style="padding:4px 8px;text-align:left">{html.escape(str(h))}</th>' for h in head
    ]
    lines.append("</tr></thead><tbody>")
    for cells in rows:
        lines.append("<tr>")
        for text, colour in cells:
            style = f"{cell_style};background:{colour or 'none'}"
            lines.append(f'<td style="{style}">{html.escape(str(text))}</td>')
        lines.append("</tr>")
    lines.append("</tbody></table>")
    return lines


def header_html(review: Any) -> str:
    """Title block: SLA name and version, data source, as-of date, segment (escaped HTML)."""
    sla = review.sla
    segment = review.segment if review.segment is not None else "all segments"
    parts = [
        f"<h2>{html.escape(sla.name)} — review as of {review.as_of:%Y-%m-%d}</h2>",
        "<p>",
        f"SLA version {sla.version}, per {html.escape(sla.period)}, confidence "
        f"{sla.confidence:.0%}. Segment: <b>{html.escape(str(segment))}</b>. ",
        f"Data: {html.escape(Path(review.leads_source).name)} ({review.rows_accepted:,} leads "
        f"used, {review.rows_rejected:,} rows rejected on load).",
        "</p>",
    ]
    if review.segment is not None:
        parts.append(f"<p>{html.escape(_scope_sentence(review))}</p>")
    return "".join(parts)


def _scope_sentence(review: Any) -> str:
    judged = ", ".join(c.id for c in review.sla.commitments)
    sentence = (
        f"This review judges only the commitments written for {review.segment} ({judged}). "
        "A commitment for all segments is a promise about the total, so it gets no verdict "
        "here: the segment's contribution to it is shown as context."
    )
    if review.left_out:
        sentence += f" Commitments of other segments are left out ({', '.join(review.left_out)})."
    return sentence


def context_html(review: Any) -> str:
    """A segment review's contribution to the all-segment commitments ("" for all segments).

    One row per all-segment commitment and period (the last closed one and the open one so
    far): the segment's value, the value over all segments and, for counts, the segment's
    share. No target and no traffic light: the target belongs to the total.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> context_html(SimpleNamespace(context=None))
    ''
    """
    table = review.context
    if table is None:
        return ""
    intro = (
        f"<h3>Contribution of {html.escape(str(review.segment))} to the commitments for all "
        "segments</h3><p>Context, not a verdict: each commitment's target is for all segments "
        "together.</p>"
    )
    if table.empty:
        return intro + "<p>The SLA has no commitment for all segments.</p>"
    head = ("commitment", "what", "period", "this segment", "all segments", "share of all")
    rows = []
    for row in table.itertuples(index=False):
        share = bool(np.isnan(row.share_of_all))  # no share of a total: a rate or response share
        period = f"{row.period} ({'so far' if row.status == 'open' else row.status})"
        rows.append([
            (row.commitment, ""), (row.what, ""), (period, ""),
            (_number(row.segment_actual, share=share), ""),
            (_number(row.all_segments_actual, share=share), ""),
            (_number(row.share_of_all, share=True), ""),
        ])  # fmt: skip
    return intro + "\n".join(_table(head, rows, "sla-context"))


def strip_interactive(notebook: Any) -> Any:
    """Remove widget outputs and saved widget state from an executed notebook (in place)."""
    notebook.metadata.pop("widgets", None)
    for cell in notebook.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if _WIDGET_MIME in data:
                data.pop(_WIDGET_MIME)
                if not any(k for k in data if k != "text/plain"):
                    continue
            kept.append(output)
        cell["outputs"] = kept
    return notebook


def _export_html(notebook: Any) -> str:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(notebook)
    # the template's scripts (MathJax, mermaid) load from a CDN; the report is static tables and
    # embedded images, needs no script, and must open offline without touching the network
    return _SCRIPT.sub("", body)


def render_review(
    out: str | Path = "reports/review.html",
    *,
    sla_path: str | Path,
    leads_path: str | Path,
    team_path: str | Path | None = None,
    as_of: str | None = None,
    segment: str | None = None,
    timeout_seconds: int = 600,
    progress: bool = False,
) -> Path:
    """Execute the review notebook on the given files and write the HTML report.

    Parameters
    ----------
    out : path
        The HTML file to write (its folder is created).
    sla_path, leads_path, team_path : path
        The SLA YAML, the lead export and (optionally) the roster.
    as_of : str, optional
        The review's "today" (``YYYY-MM-DD``); default the latest timestamp in the data.
    segment : str, optional
        Review one segment only.
    timeout_seconds : int
        Per-cell execution timeout.
    progress : bool
        Show a ``tqdm.auto`` bar of the executed cells (on stderr in a terminal); off by
        default so that tests and scripts stay quiet.

    Returns
    -------
    Path
        The written HTML file.

    Examples
    --------
    >>> import slaplan as sp
    >>> sp.render_review("reports/review.html", sla_path=sp.samples_dir() / "sla.yaml",
    ...                  leads_path=sp.samples_dir() / "leads.csv",
    ...                  as_of="2026-11-15")  # doctest: +SKIP
    PosixPath('reports/review.html')
    """
    import nbformat
    import papermill

    template = notebook_path()
    parameters = {
        "sla_path": str(Path(sla_path).resolve()),
        "leads_path": str(Path(leads_path).resolve()),
        "team_path": str(Path(team_path).resolve()) if team_path else None,
        "as_of": as_of,
        "segment": segment,
    }
    out = Path(out)
    with tempfile.TemporaryDirectory() as scratch:
        executed = Path(scratch) / REVIEW_NOTEBOOK
        papermill.execute_notebook(
            str(template),
            str(executed),
            parameters=parameters,
            cwd=str(template.parent),
            progress_bar={"desc": "review", "leave": False} if progress else False,
            kernel_name="python3",
            execution_timeout=timeout_seconds,
        )
        notebook = nbformat.read(executed, as_version=4)
    body = _export_html(strip_interactive(notebook))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")
    return out
