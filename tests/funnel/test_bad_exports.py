"""The malformed-export corpus: each file in tests/data/bad_exports/ gives the DataError or the
rejections that tests/data/bad_exports/cases.yaml states for it (written by hand per case)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

import slaplan as sp
from slaplan import DataError

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_exports"
CASES = yaml.safe_load((CORPUS / "cases.yaml").read_text(encoding="utf-8"))


def test_corpus_is_complete():
    files = {p.name for p in CORPUS.iterdir() if p.name != "cases.yaml"}
    assert files == {case["file"] for case in CASES}
    assert len(files) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_bad_export(case):
    kwargs = dict(case.get("kwargs", {}))
    kwargs.setdefault("as_of", "2026-11-15")
    if "funnel" in kwargs:
        kwargs["funnel"] = sp.Funnel(kwargs["funnel"])
    expect = case["expect"]
    path = CORPUS / case["file"]
    if "error" in expect:
        with pytest.raises(DataError, match=expect["error"]) as info:
            sp.load_leads(path, **kwargs)
        assert case["file"] in str(info.value)  # the message names the file
        return
    table = sp.load_leads(path, **kwargs)
    assert table.rejected[["row", "reason"]].values.tolist() == expect["rejected"]
    assert len(table.frame) == expect["accepted"]
    if "lines" in expect:
        assert table.rejected["line"].tolist() == expect["lines"]
    assert len(table.frame) + len(table.rejected) == table.rows_read
    report = str(table.report())
    for text in expect.get("notes", []) + expect.get("warnings", []):
        assert text in report, text
    if "stages" in expect:
        assert list(table.funnel.stages) == expect["stages"]
    if "segments" in expect:
        assert table.frame["segment"].tolist() == expect["segments"]
    for key, value in expect.get("frame", {}).items():
        position, column = key.split(".", 1)
        got = table.frame[column].iloc[int(position)]
        assert (str(got) if isinstance(got, pd.Timestamp) else got) == value, key


def test_originals_of_rejected_rows_are_kept_verbatim():
    table = sp.load_leads(CORPUS / "unparseable_dates.csv", as_of="2026-11-15")
    assert table.rejected.loc[0, "mql_at"] == "#VALUE!"
    assert table.rejected.loc[1, "lead_at"] == "yesterday"
    ragged = sp.load_leads(CORPUS / "ragged_rows.csv", as_of="2026-11-15").rejected
    assert re.match(r"L2,.*,extra,fields$", ragged.loc[0, "raw_line"])
