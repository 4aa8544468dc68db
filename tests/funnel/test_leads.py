"""load_leads: canonical columns, row-level rejections with reasons, presets, skip policy.

Expected values are counted by hand from the small exports written in each test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import slaplan as sp
from slaplan import DataError, Funnel

HEADER = "lead_id,created_at,segment,owner,lead_at,mql_at,sql_at,opportunity_at,customer_at"
DIRTY = f"""{HEADER}
L1,2025-01-03 10:00:00,web,ann,2025-01-03 10:00:00,2025-01-05 10:00:00,,,
L2,2025-01-03 10:00:00,web,ann,2025-01-03 10:00:00,,2025-01-09 10:00:00,,
L3,2025-01-03 10:00:00,,,2025-01-03 10:00:00,2025-02-30 10:00:00,,,
L1,2025-01-03 10:00:00,web,ann,2025-01-03 10:00:00,,,,
,2025-01-03 10:00:00,web,ann,2025-01-03 10:00:00,,,,
L5,2025-01-03 10:00:00,web,ann,2025-01-03 10:00:00,2025-01-02 10:00:00,,,
L6,2025-01-03 10:00:00,web,ann,2025-01-03 10:00:00,2027-01-02 10:00:00,,,
L7,2025-01-03 10:00:00,event,bob,2025-01-03 10:00:00,2025-01-03 09:30:00,,,
"""


@pytest.fixture
def dirty_csv(tmp_path):
    path = tmp_path / "dirty.csv"
    path.write_text(DIRTY)
    return path


def test_each_dirty_row_is_rejected_with_its_reason(dirty_csv):
    t = sp.load_leads(dirty_csv, as_of="2026-11-15")
    assert t.rejected[["row", "reason"]].values.tolist() == [
        [2, "unparseable date in mql_at"],
        [3, "duplicate lead_id"],
        [4, "empty lead_id"],
        [5, "mql_at before lead_at"],
        [6, "future date in mql_at"],
    ]
    # originals kept as text, exactly as written
    assert t.rejected.loc[0, "mql_at"] == "2025-02-30 10:00:00"
    assert t.frame["lead_id"].tolist() == ["L1", "L2", "L7"]  # L7 is 30 min early: within 1 h
    assert t.frame.index.tolist() == [0, 1, 7]
    assert len(t.frame) + len(t.rejected) == t.rows_read == 8


def test_canonical_frame_types_and_defaults(dirty_csv):
    frame = sp.load_leads(dirty_csv, as_of="2026-11-15").frame
    assert str(frame["created_at"].dtype) == "datetime64[ns]"
    assert str(frame["mql_at"].dtype) == "datetime64[ns]"
    assert frame["score"].dtype == float and frame["amount"].isna().all()
    assert frame["first_touch_at"].isna().all()
    assert frame.columns.tolist()[:4] == ["lead_id", "created_at", "segment", "owner"]


def test_zero_tolerance_rejects_the_half_hour_reversal(dirty_csv):
    t = sp.load_leads(dirty_csv, as_of="2026-11-15", order_tolerance_hours=0)
    assert t.rejected.set_index("row").loc[7, "reason"] == "mql_at before lead_at"


def test_default_skip_policy_backfills_and_records(dirty_csv):
    t = sp.load_leads(dirty_csv, as_of="2026-11-15")
    l2 = t.frame.loc[1]
    assert l2["mql_at"] == l2["sql_at"] == pd.Timestamp("2025-01-09 10:00")
    assert t.skipped.loc[1, "mql"] and not t.skipped.loc[0, "mql"]
    audit = t.skip_audit(by=None).set_index("stage")
    assert audit.loc["mql", "skipped"] == 1 and audit.loc["mql", "reached"] == 3


def test_keep_policy_leaves_the_gap(dirty_csv):
    funnel = sp.DEFAULT_FUNNEL.with_skip_policy("keep")
    t = sp.load_leads(dirty_csv, funnel=funnel, as_of="2026-11-15")
    assert pd.isna(t.frame.loc[1, "mql_at"]) and t.skipped.loc[1, "mql"]


def test_report_counts_add_up(dirty_csv):
    report = sp.load_leads(dirty_csv, as_of="2026-11-15").report()
    assert (report.rows_read, report.accepted, report.rejected) == (8, 3, 5)
    assert report.reasons["rows"].sum() == 5
    text = str(report)
    assert "duplicate lead_id" in text and "rows read" in text
    assert report.to_frame().iloc[0].tolist() == ["rows read", 8]


def test_missing_columns_raise_dataerror_naming_file_and_columns(tmp_path):
    path = tmp_path / "few.csv"
    path.write_text("lead_id,mql_at\nA,2025-01-01\n")
    with pytest.raises(DataError, match=r"few\.csv: missing .*: lead_at, sql_at.*present columns"):
        sp.load_leads(path, funnel=sp.DEFAULT_FUNNEL)


def test_funnel_may_start_at_any_stage_and_created_at_defaults(tmp_path):
    path = tmp_path / "mqls.csv"
    path.write_text("lead_id,mql_at,sql_at\nA,2025-01-01,2025-01-09\nB,2025-01-02,\n")
    t = sp.load_leads(path, funnel=Funnel(["mql", "sql"]), as_of="2026-01-01")
    assert t.frame["created_at"].tolist() == list(pd.to_datetime(["2025-01-01", "2025-01-02"]))
    assert (t.frame["segment"] == "(none)").all() and (t.frame["owner"] == "(none)").all()


def test_dataframe_source_and_dict_mapping():
    raw = pd.DataFrame(
        {
            "Id": ["a", "b"],
            "Became MQL": pd.to_datetime(["2025-01-01", "2025-01-03"]),
            "SQL on": ["1/5/2025", None],
            "Source": ["web", None],
        }
    )
    t = sp.load_leads(
        raw,
        mapping={"lead_id": "Id", "mql_at": "Became MQL", "sql_at": "SQL on", "segment": "Source"},
        funnel=Funnel(["mql", "sql"]),
        dayfirst=False,  # one slash date, 1/5/2025, reads both ways
        as_of="2026-01-01",
    )
    assert t.source_name == "<DataFrame>"
    assert t.frame["sql_at"].iloc[0] == pd.Timestamp("2025-01-05")
    assert t.frame["segment"].tolist() == ["web", "(none)"]


def test_hubspot_preset(tmp_path):
    path = tmp_path / "hubspot.csv"
    path.write_text(
        "Record ID,First Name,Create Date,Became a Lead Date,"
        "Became a Marketing Qualified Lead Date,Became a Sales Qualified Lead Date,"
        "Became an Opportunity Date,Became a Customer Date,Original Source,Contact owner\n"
        "101,Ann,2025-01-02 09:00,2025-01-02 09:00,2025-01-04 12:00,,,,Organic Search,Jo\n"
        "102,Bo,2025-01-03 10:00,2025-01-03 10:00,,,,,Paid Social,\n"
    )
    t = sp.load_leads(path, mapping="hubspot", as_of="2026-01-01")
    assert t.mapping_name == "hubspot" and t.frame["lead_id"].tolist() == ["101", "102"]
    assert t.frame["segment"].tolist() == ["Organic Search", "Paid Social"]
    assert t.frame["owner"].tolist() == ["Jo", "(none)"]  # issue 14: not "owned by all"


def test_salesforce_opportunity_report_is_a_status_export(tmp_path):
    path = tmp_path / "opps.csv"
    path.write_text(
        "Opportunity ID,Opportunity Name,Created Date,Stage,Close Date,Amount,Lead Source,"
        "Opportunity Owner\n"
        '006A,Acme,1/10/2025,Closed Won,2/20/2025,"$12,000.00",Web,Kim\n'
        "006B,Beta,1/12/2025,Closed Lost,3/1/2025,5000,Partner,Kim\n"
        "006C,Gamma,2/1/2025,Negotiation/Review,6/30/2026,7000,Web,Lee\n"
    )
    t = sp.load_leads(path, mapping="salesforce", as_of="2025-12-31")
    assert t.mapping_name == "salesforce_opportunity"
    assert t.funnel.stages == ("opportunity", "customer")
    f = t.frame.set_index("lead_id")
    assert f.loc["006A", "customer_at"] == pd.Timestamp("2025-02-20")
    assert f.loc["006A", "amount"] == 12000.0
    assert f.loc["006B", "lost_at"] == pd.Timestamp("2025-03-01")
    assert pd.isna(f.loc["006C", "customer_at"])  # expected close date of an open deal: unused
    assert f["status"].tolist() == ["customer", "lost", "opportunity"]


def test_salesforce_lead_report(tmp_path):
    path = tmp_path / "leads.csv"
    path.write_text(
        "Lead ID,Created Date,Lead Status,Converted Date,Lead Source,Lead Owner\n"
        "00Q1,1/10/2025,Closed - Converted,1/20/2025,Web,Kim\n"
        "00Q2,1/11/2025,Working - Contacted,,Web,Kim\n"
    )
    t = sp.load_leads(path, mapping="salesforce", as_of="2025-12-31")
    assert t.mapping_name == "salesforce_lead"
    assert t.frame["opportunity_at"].notna().tolist() == [True, False]


def test_unknown_status_is_rejected_when_no_wildcard():
    raw = pd.DataFrame({"id": ["a", "b"], "st": ["open", "weird"], "d": ["2025-01-01", None]})
    mapping = {"lead_id": "id", "status": "st", "status_date": "d", "status_values": {"open": "a"}}
    t = sp.load_leads(raw, mapping=mapping, funnel=Funnel(["a", "b"]), as_of="2026-01-01")
    assert t.rejected["reason"].tolist() == ["unknown status"]


def test_future_check_uses_the_whole_as_of_day():
    raw = pd.DataFrame({"lead_id": ["a"], "lead_at": ["2025-01-01 23:00"]})
    t = sp.load_leads(raw, funnel=Funnel(["lead"]), as_of="2025-01-01")
    assert len(t.frame) == 1


def test_bad_arguments():
    raw = pd.DataFrame({"lead_id": ["a"], "lead_at": ["2025-01-01"]})
    with pytest.raises(ValueError, match="mapping must be"):
        sp.load_leads(raw, mapping="pipedrive")
    with pytest.raises(ValueError, match="order_tolerance_hours must be >= 0"):
        sp.load_leads(raw, funnel=Funnel(["lead"]), order_tolerance_hours=-1)
    with pytest.raises(TypeError, match="source must be a path or a DataFrame"):
        sp.load_leads(42)
    with pytest.raises(ValueError, match="as_of must be a date"):
        sp.load_leads(raw, funnel=Funnel(["lead"]), as_of="not a date")


def test_excel_and_parquet_sources(tmp_path, dirty_csv):
    expected = sp.load_leads(dirty_csv, as_of="2026-11-15")
    raw = pd.read_csv(dirty_csv, dtype="str")
    raw.to_parquet(tmp_path / "x.parquet")
    raw.to_excel(tmp_path / "x.xlsx", index=False)
    for name in ("x.parquet", "x.xlsx"):
        t = sp.load_leads(tmp_path / name, as_of="2026-11-15")
        assert t.rejected[["row", "reason"]].equals(expected.rejected[["row", "reason"]]), name
        assert np.array_equal(t.frame["mql_at"].to_numpy(), expected.frame["mql_at"].to_numpy())


def test_latin1_bytes_after_the_sniffed_head_fall_back_to_latin1(tmp_path):
    # the first 64 KB are plain ASCII, so only the full read can find the Latin-1 byte
    rows = [f"L{i},2025-01-02,web" for i in range(5000)] + ["L9999,2025-01-02,Événements"]
    path = tmp_path / "late_latin1.csv"
    path.write_bytes(("lead_id,lead_at,segment\n" + "\n".join(rows) + "\n").encode("latin-1"))
    t = sp.load_leads(path, funnel=Funnel(["lead"]), as_of="2026-01-01")
    assert t.frame["segment"].iloc[-1] == "Événements" and len(t.frame) == 5001
    assert "latin-1" in str(t.report())


def test_crlf_line_endings(tmp_path):
    path = tmp_path / "crlf.csv"
    path.write_bytes(b"lead_id,lead_at\r\nA,2025-01-02\r\nB,2025-01-03\r\n")
    t = sp.load_leads(path, funnel=Funnel(["lead"]), as_of="2026-01-01")
    assert t.frame["lead_id"].tolist() == ["A", "B"]


def test_a_saved_canonical_table_reads_back_with_its_funnel(tmp_path):
    """issue 14: the canonical CSV the README tells users to save keeps a two-stage funnel."""
    export = tmp_path / "crm.csv"
    export.write_text(
        "Id;MQL Date;SQL Date;Source\n"
        "a;25/01/2025 09:00;30/01/2025 10:00;web\n"
        "b;26/01/2025 11:00;;\n"
    )
    mapping = {"lead_id": "Id", "mql_at": "MQL Date", "sql_at": "SQL Date", "segment": "Source"}
    leads = sp.load_leads(export, mapping=mapping, as_of="2026-01-01")
    assert leads.funnel.stages == ("mql", "sql")  # the mapping's stage columns
    saved = tmp_path / "canonical.csv"
    leads.frame.to_csv(saved, index=False)
    again = sp.load_leads(saved, as_of="2026-01-01")
    assert again.funnel.stages == ("mql", "sql")
    assert len(again.rejected) == 0
    pd.testing.assert_frame_equal(again.frame, leads.frame, check_dtype=False)


def test_rejected_rows_carry_the_row_a_spreadsheet_shows(tmp_path):
    """A title row and a blank row above, an empty row between: line = the sheet's row number."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet["A1"] = "Leads report"
    rows = [("lead_id", "mql_at"), ("a", "2025-01-02"), (None, None), ("b", "2025-01-03")]
    rows.append(("a", "2025-01-04"))  # sheet row 7, the 3rd data row once the empty one is gone
    for number, values in enumerate(rows, start=3):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=number, column=column, value=value)
    book.save(tmp_path / "leads.xlsx")
    t = sp.load_leads(tmp_path / "leads.xlsx", as_of="2026-01-01")
    assert t.rejected[["row", "line", "reason"]].values.tolist() == [[2, 7, "duplicate lead_id"]]


def test_a_dataframe_has_rows_but_no_lines():
    raw = pd.DataFrame({"lead_id": ["a", "a"], "mql_at": ["2025-01-02", "2025-01-03"]})
    table = sp.load_leads(raw, as_of="2026-01-01")
    rejected = table.rejected
    assert rejected["row"].tolist() == [1] and rejected["line"].isna().all()
    assert "first rejected rows (1 of 1):\n    row 1        duplicate lead_id" in str(
        table.report()
    )


def test_a_missing_owner_or_segment_reads_none_everywhere_it_is_grouped():
    """issue 14: 7,158 leads were "owned by all"; "all" is kept for every segment together."""
    from slaplan.capacity.compliance import response_compliance

    raw = pd.DataFrame(
        {
            "lead_id": ["a", "b", "c"],
            "segment": ["web", None, " "],
            "owner": ["Jo", None, "Jo"],
            "mql_at": ["2025-01-02 09:00", "2025-01-03 09:00", "2025-01-04 09:00"],
            "sql_at": [None, "2025-01-10 09:00", None],
            "first_touch_at": ["2025-01-02 09:30", None, None],
        }
    )
    t = sp.load_leads(raw, funnel=Funnel(["mql", "sql"]), as_of="2025-06-30")
    assert t.frame["owner"].tolist() == ["Jo", "(none)", "Jo"]
    assert t.frame["segment"].tolist() == ["web", "(none)", "(none)"]
    assert sorted(sp.conversion_rates(t, "mql", "sql", by="owner")["owner"].unique()) == [
        "(none)",
        "Jo",
    ]
    compliance = response_compliance(t.frame.drop(columns="owner"), as_of="2025-06-30", by="owner")
    assert set(compliance.per_lead["owner"]) == {"(none)"}
