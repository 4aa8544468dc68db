"""load_leads from a real PostgreSQL server gives the CSV's lead table; failures are one line.

The server is started for the session by the ``postgres`` fixture (``tests/_postgres.py``): a
temporary cluster with a password and the America/New_York time zone. The bundled samples are
copied into it from their CSV with column types (timestamps where the export is clean, text
where it holds ``#VALUE!``, integers, ``customer_at`` as ``timestamptz``), and so is the real
Maven export (dates as ``date``). No mocks: every read goes through SQLAlchemy and psycopg.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pandas as pd
import psycopg
import pytest

import slaplan as sp
from slaplan.errors import DataError

from ._export import AS_OF, assert_same_table

SAMPLES_COLUMNS = (
    "lead_id text, created_at text, segment text, owner text, lead_at text, mql_at text, "
    "sql_at timestamp, opportunity_at timestamp, customer_at timestamptz, "
    "first_touch_at timestamp, score integer, amount bigint"
)
MAVEN_COLUMNS = (
    "opportunity_id text, sales_agent text, product text, account text, deal_stage text, "
    "engage_date date, close_date date, close_value integer"
)


def _copy_csv(connection: psycopg.Connection, table: str, columns: str, path: Path) -> None:
    """Create ``table`` (a ``line`` serial, then ``columns``) and COPY the CSV into it."""
    names = ", ".join(column.split()[0] for column in columns.split(", "))
    connection.execute(f"create table {table} (line bigserial primary key, {columns})")
    with connection.cursor().copy(
        f"copy {table} ({names}) from stdin with (format csv, header true)"
    ) as copy:
        copy.write(path.read_bytes())


@pytest.fixture(scope="module")
def crm(postgres, samples_csv, maven_dir):
    """The server with ``leads`` (the samples) and ``pipeline`` (the Maven export) loaded."""
    with psycopg.connect(postgres.conninfo, password=postgres.password) as connection:
        connection.execute("set time zone 'UTC'")  # customer_at's text is UTC
        connection.execute("set datestyle = 'ISO, MDY'")  # Maven's 10/20/2016
        _copy_csv(connection, "leads", SAMPLES_COLUMNS, samples_csv)
        _copy_csv(connection, "pipeline", MAVEN_COLUMNS, maven_dir / "sales_pipeline.csv")
    return postgres


def _select(table: str, columns: str) -> str:
    names = ", ".join(column.split()[0] for column in columns.split(", "))
    return f"select {names} from {table} order by line"


def test_query_gives_the_csv_table(crm, samples_from_csv):
    got = sp.load_leads(crm.url, query=_select("leads", SAMPLES_COLUMNS), as_of=AS_OF)
    assert_same_table(got, samples_from_csv)
    assert got.source_name.startswith(f"postgresql://slaplan:***@127.0.0.1:{crm.port}/postgres")


def test_timestamptz_comes_to_tz_and_naive_timestamps_stay_as_written(crm, samples_from_csv):
    # the server hands timestamptz over in New York time: the instants are what count
    query = _select("leads", SAMPLES_COLUMNS)
    got = sp.load_leads(crm.url, query=query, as_of=AS_OF, tz="Asia/Tokyo").frame
    utc = samples_from_csv.frame
    tokyo = utc["customer_at"].dt.tz_localize("UTC").dt.tz_convert("Asia/Tokyo")
    pd.testing.assert_series_equal(got["customer_at"], tokyo.dt.tz_localize(None))
    pd.testing.assert_series_equal(got["first_touch_at"], utc["first_touch_at"])


def test_table_with_where_reads_the_mapped_columns_in_the_database(crm, samples_csv):
    got = sp.load_leads(crm.url, table="public.leads", where="segment = 'events'", as_of=AS_OF)
    raw = pd.read_csv(samples_csv, dtype="str", keep_default_na=False, na_values=[""])
    events = raw[raw["segment"] == "events"].reset_index(drop=True)
    # a freshly loaded small table is scanned in insertion order (no parallel or synced scan)
    assert_same_table(got, sp.load_leads(events, as_of=AS_OF))
    assert "source_line" not in got.rejected.columns  # its "line" column: not mapped, not read
    assert "read 12 of 13 columns (those the mapping uses)" in got.notes


def test_the_maven_export_with_its_preset(crm, maven_dir):
    expected = sp.load_leads(maven_dir / "sales_pipeline.csv", mapping="maven", as_of=AS_OF)
    query = _select("pipeline", MAVEN_COLUMNS)
    got = sp.load_leads(crm.url, query=query, mapping="maven", as_of=AS_OF)
    assert_same_table(got, expected)
    assert len(got.frame) == 8800 and got.mapping_name == "maven"


def test_libpq_environment_variables_work_and_stay_hidden(crm, monkeypatch):
    monkeypatch.setenv("PGPASSWORD", crm.password)
    url = f"postgresql://slaplan@127.0.0.1:{crm.port}/postgres"
    got = sp.load_leads(url, table="pipeline", mapping="maven", as_of=AS_OF)
    assert len(got.frame) == 8800
    with pytest.raises(DataError) as info:
        sp.load_leads(url, query=f"select '{crm.password}'::int", mapping="maven")
    assert crm.password not in str(info.value) and "***" in str(info.value)


def _refusal(crm, url: str, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        sp.load_leads(url, as_of=AS_OF, **kwargs)
    message = str(info.value)
    assert "\n" not in message, message
    assert crm.password not in message
    assert message.startswith("postgresql://slaplan:***@127.0.0.1:"), message
    return message


def test_bad_query_is_refused_in_one_line(crm):
    message = _refusal(crm, crm.url, query="select lead_id from nowhere")
    assert message.endswith('query failed: relation "nowhere" does not exist')


def test_missing_table_lists_the_tables(crm):
    message = _refusal(crm, crm.url, table="lead")
    assert message.endswith("table 'lead' not found; tables: leads, pipeline")


def test_wrong_host_or_port_is_refused_in_one_line(crm):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]  # nothing listens once the probe is closed
    message = _refusal(crm, crm.url.replace(str(crm.port), str(closed)), table="leads")
    assert f"127.0.0.1:{closed}/postgres, table leads: cannot connect:" in message
    assert "Connection refused" in message


def test_wrong_password_is_refused_without_either_password(crm, monkeypatch):
    monkeypatch.setenv("SLAPLAN_WRONG_PASSWORD", "not-" + crm.password)
    url = crm.url.replace("SLAPLAN_TEST_PGPASSWORD", "SLAPLAN_WRONG_PASSWORD")
    message = _refusal(crm, url, table="leads")
    assert 'password authentication failed for user "slaplan"' in message
    assert "not-" not in message


def test_the_password_is_in_no_repr_or_report(crm):
    got = sp.load_leads(crm.url, query=_select("leads", SAMPLES_COLUMNS), as_of=AS_OF)
    for text in (repr(got), str(got.report()), got.source_name, repr(got.report())):
        assert crm.password not in text
