"""One set of data options on every command (issue 14): a two-stage, day-first export with a
JSON mapping reads the same through ``validate``, ``plan`` and ``forecast``; every command
fails on a missing file or a preset's export read without mapping in one line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import slaplan as sp
from slaplan.cli import main

MAPPING = json.dumps({"lead_id": "Id", "mql_at": "MQL Date", "sql_at": "SQL Date"})
COMMANDS = [
    ["validate"],
    ["check"],
    ["plan", "--target", "5"],
    ["forecast"],
    ["review"],
    ["backtest"],
]


@pytest.fixture(scope="module")
def crm_export(samples_dir, tmp_path_factory):
    """The samples' MQLs as another CRM writes them: own column names, day-first dates."""
    leads = pd.read_csv(samples_dir / "leads.csv", usecols=["lead_id", "mql_at", "sql_at"])
    leads = leads.dropna(subset=["mql_at"]).drop_duplicates("lead_id")
    dates = {c: pd.to_datetime(leads[c], errors="coerce") for c in ("mql_at", "sql_at")}
    export = pd.DataFrame(
        {
            "Id": leads["lead_id"],
            "MQL Date": dates["mql_at"].dt.strftime("%d/%m/%Y %H:%M"),
            "SQL Date": dates["sql_at"].dt.strftime("%d/%m/%Y %H:%M"),
        }
    ).dropna(subset=["Id", "MQL Date"])
    path = tmp_path_factory.mktemp("crm") / "crm.csv"
    export.to_csv(path, index=False, sep=";")
    return path


def _data(path) -> list[str]:
    return ["--leads", str(path), "--mapping", MAPPING, "--as-of", "2026-11-15"]


def test_validate_reads_the_export_with_a_json_mapping(crm_export, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", *_data(crm_export)]) in (0, 1)
    out = capsys.readouterr().out
    assert "mapping: custom" in out and "dates read day first" in out


def test_plan_reads_the_same_export_and_names_its_stages(crm_export, capsys):
    assert main(["plan", "--target", "30", *_data(crm_export)]) == 0
    out = capsys.readouterr().out
    assert "rate mql → sql" in out and "as sure as" in out  # the one estimate of the rate


def test_forecast_reads_the_same_export_with_its_json_mapping(crm_export, capsys):
    """issue 14: forecast refused the JSON mapping that validate accepted."""
    assert main(["forecast", "--horizon", "2", "--monthfirst", *_data(crm_export)]) == 2
    assert "mostly not dates" in capsys.readouterr().err  # read month first on purpose
    assert main(["forecast", "--horizon", "2", "--dayfirst", *_data(crm_export)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("mql per month from") and "nan" not in out.lower()


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_missing_file_is_one_line(command, tmp_path, capsys):
    missing = tmp_path / "missing.csv"
    assert main([*command, "--leads", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{missing}: file not found" in err


@pytest.mark.parametrize("command", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_hubspot_export_without_mapping_suggests_it(command, tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    path.write_text(
        "Record ID,Create Date,Became a Marketing Qualified Lead Date,Contact owner\n"
        "1,2025-01-02 09:00,2025-01-05 10:00,Kim\n"
    )
    assert main([*command, "--leads", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pass mapping='hubspot' (--mapping hubspot)" in err


def test_dayfirst_and_monthfirst_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate", "--dayfirst", "--monthfirst"])
    assert info.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize("command", [["check"], ["review"]], ids=["check", "review"])
def test_stages_that_drop_an_sla_stage_are_refused_in_one_line(command, capsys):
    assert main([*command, "--stages", "mql,sql"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--stages must keep every stage of the SLA's funnel" in err


@pytest.fixture(scope="module")
def crm_database(samples_dir, tmp_path_factory):
    """The samples' export as a table of a SQLite database file (the URL every command takes)."""
    import sqlite3

    path = tmp_path_factory.mktemp("db") / "crm.db"
    with sqlite3.connect(path) as connection:
        pd.read_csv(samples_dir / "leads.csv").to_sql("leads", connection, index=False)
    return f"sqlite:///{path}"


def test_check_reads_a_database_url_with_a_table(crm_database, samples_dir, capsys):
    """issue 16: every --leads option takes a database URL (with --query or --table)."""
    args = ["--leads", crm_database, "--as-of", "2026-11-15"]
    assert main(["check", *args, "--table", "leads"]) == 0
    from_table = capsys.readouterr().out
    from_csv = sp.load_leads(samples_dir / "leads.csv")
    accepted, rejected = len(from_csv.frame), len(from_csv.rejected)
    assert f"{accepted:,} accepted, {rejected:,} rejected" in from_table
    assert main(["check", *args, "--query", "SELECT * FROM leads"]) == 0
    from_query = capsys.readouterr().out
    assert from_query.split("attainability")[1] == from_table.split("attainability")[1]


def test_validate_names_the_rejected_rows_file_after_the_table(
    crm_database, capsys, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--leads", crm_database, "--table", "leads"]) == 1
    assert (tmp_path / "reports" / "leads.rejected.csv").exists()


@pytest.mark.parametrize("command", [["check"], ["plan", "--target", "5"], ["review"]])
def test_a_wrong_database_is_one_line_without_its_password(command, capsys):
    url = "postgresql://crm:hunter2-secret@127.0.0.1:9/sales"
    assert main([*command, "--leads", url, "--table", "leads"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "hunter2-secret" not in err and "***" in err
