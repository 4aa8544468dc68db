"""A source that cannot be read is refused in one line naming it, never with its password.

Database URLs and Parquet folders (PRODUCT.md §3): a bad URL, an unset variable, a missing
driver, table or file, and a failing query or condition each raise one ``DataError`` line; the
arguments that select what to read are validated before anything is opened.
"""

from __future__ import annotations

import sqlite3

import duckdb
import pandas as pd
import pytest

import slaplan as sp
from slaplan.errors import DataError
from slaplan.funnel.db_url import is_database_url, parse_url

SECRET = "Tr0ub4dor&3-never-shown"


@pytest.fixture
def secret_env(monkeypatch):
    monkeypatch.setenv("CRM_TEST_PASSWORD", SECRET)
    return SECRET


@pytest.fixture(scope="module")
def duckdb_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("errors") / "crm.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table leads as select 'L1' as lead_id, DATE '2024-01-02' as lead_at")
        con.execute("create table accounts as select 1 as id")
    return path


def _refusal(source, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        sp.load_leads(source, funnel=sp.Funnel(["lead"]), **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    assert SECRET not in message
    return message


def test_the_password_is_masked_in_the_shown_url_and_secret_options(secret_env):
    db = parse_url("postgresql://crm:${CRM_TEST_PASSWORD}@db:5432/sales?sslpassword=xyz&app=s")
    assert db.url.password == SECRET
    assert db.shown == "postgresql://crm:***@db:5432/sales?app=s&sslpassword=***"
    assert SECRET not in repr(db) and db.scrub(f"failed for {SECRET}") == "failed for ***"


def test_url_or_path():
    assert is_database_url("sqlite:///crm.db") and is_database_url("postgresql+psycopg://h/db")
    assert not is_database_url("C:\\exports\\leads.csv") and not is_database_url("leads.csv")


def test_unset_environment_variable_is_named_not_guessed():
    message = _refusal("postgresql://crm:${CRM_UNSET_VARIABLE}@db/sales", table="leads")
    assert message == (
        "postgresql://crm:***@db/sales: environment variable CRM_UNSET_VARIABLE is not set "
        "(the URL refers to ${CRM_UNSET_VARIABLE}); set it before loading"
    )


def test_unparseable_url_is_refused_without_its_password():
    message = _refusal(f"postgresql://crm:{SECRET}@db:notaport/sales", table="leads")
    assert message.startswith("postgresql://crm:***@db:notaport/sales: not a database URL")


def test_missing_driver_names_what_to_install(secret_env):
    message = _refusal("postgresql+pg8000://crm:${CRM_TEST_PASSWORD}@db/sales", table="leads")
    assert message == (
        "postgresql+pg8000://crm:***@db/sales, table leads: the database driver is not "
        "installed: no module 'pg8000' (pip install 'slaplan[postgresql]')"
    )
    other = _refusal(f"mysql+pymysql://crm:{SECRET}@db/sales", table="leads")
    assert "no module 'pymysql'" in other and "slaplan[postgresql]" not in other


def test_unknown_dialect_is_refused(secret_env):
    message = _refusal(f"nosuchdb://crm:{SECRET}@db/sales", query="select 1")
    assert "no SQLAlchemy dialect 'nosuchdb' is installed" in message


def test_missing_table_lists_the_tables_there_are(duckdb_file):
    message = _refusal(f"duckdb:///{duckdb_file}", table="lead")
    assert message == f"duckdb:///{duckdb_file}, table lead: table 'lead' not found; " + (
        "tables: accounts, leads"
    )


def test_missing_sqlite_table_lists_the_tables(tmp_path):
    sqlite3.connect(tmp_path / "empty.sqlite").close()
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    assert _refusal(url, table="leads").endswith("table 'leads' not found; tables: none")


def test_bad_query_is_one_line_with_the_database_s_reason(duckdb_file):
    message = _refusal(f"duckdb:///{duckdb_file}", query="selec lead_id from leads")
    assert message.startswith(f"duckdb:///{duckdb_file}, query 'selec lead_id from leads'")
    assert 'query failed: Parser Error: syntax error at or near "selec"' in message


def test_bad_where_is_one_line(duckdb_file):
    message = _refusal(f"duckdb:///{duckdb_file}", table="leads", where="nope > 1")
    assert "where 'nope > 1' failed:" in message and "nope" in message


@pytest.mark.parametrize("dialect", ["duckdb", "sqlite"])
def test_missing_database_file_is_not_created(tmp_path, dialect):
    path = tmp_path / f"nowhere.{dialect}"
    assert _refusal(f"{dialect}:///{path}", table="leads").endswith(
        f"database file {path} not found"
    )
    assert not path.exists()


def test_a_statement_that_returns_no_rows_is_refused(tmp_path):
    sqlite3.connect(tmp_path / "x.sqlite").close()
    message = _refusal(f"sqlite:///{tmp_path / 'x.sqlite'}", query="create table t (a int)")
    assert message.endswith("the query returns no rows (is it a SELECT?)")


def test_columns_twice_in_a_query_are_refused(duckdb_file):
    query = "select lead_id, lead_at, lead_id from leads"
    message = _refusal(f"duckdb:///{duckdb_file}", query=query)
    assert message.endswith("column(s) ['lead_id'] appear more than once; alias them apart")


def test_a_database_url_needs_one_of_query_and_table(duckdb_file):
    url = f"duckdb:///{duckdb_file}"
    with pytest.raises(ValueError, match=r"exactly one of query= .* got neither"):
        sp.load_leads(url)
    with pytest.raises(ValueError, match="got both"):
        sp.load_leads(url, query="select * from leads", table="leads")
    with pytest.raises(ValueError, match="with query= put the condition in the query"):
        sp.load_leads(url, query="select * from leads", where="true")
    with pytest.raises(TypeError, match="query must be SQL text"):
        sp.load_leads(url, query=1)
    with pytest.raises(ValueError, match="table must not be empty"):
        sp.load_leads(url, table=" ")


def test_selection_arguments_do_not_apply_to_files_and_frames(tmp_path, samples_dir):
    with pytest.raises(ValueError, match="where= apply to a database URL or a Parquet folder"):
        sp.load_leads(samples_dir / "leads.csv", where="true")
    with pytest.raises(ValueError, match=r"query= apply to .* not to a DataFrame"):
        sp.load_leads(pd.DataFrame({"lead_id": ["a"]}), query="select 1")
    with pytest.raises(ValueError, match="a Parquet folder takes where= only"):
        sp.load_leads(tmp_path, table="leads")
