"""load_leads from where the data lives: SQLite, DuckDB and Parquet folders give the CSV's table.

Every source here is a real database file or a real folder of Parquet files (no mocks); the
reference is always the bundled samples read from their CSV. PostgreSQL, with a real server,
is in ``test_postgres.py``.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

import slaplan as sp
from slaplan.errors import DataError

from ._export import AS_OF, assert_same_table

CANONICAL = [
    "lead_id", "created_at", "segment", "owner", "lead_at", "mql_at", "sql_at",
    "opportunity_at", "customer_at", "first_touch_at", "score", "amount",
]  # fmt: skip


@pytest.fixture(scope="module")
def sqlite_url(tmp_path_factory, samples_csv: Path) -> str:
    """The samples in SQLite as its users store them: dates as the text of the export (SQLite
    has no date type), score and amount as integers, plus the export's line number."""
    raw = pd.read_csv(samples_csv, dtype="str", keep_default_na=False, na_values=[""])
    raw = raw.astype({"score": "Int64", "amount": "Int64"})
    path = tmp_path_factory.mktemp("sqlite") / "crm.sqlite"
    engine = sa.create_engine(f"sqlite:///{path}")
    raw.to_sql("leads", engine, index_label="line")
    engine.dispose()
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def duckdb_url(tmp_path_factory, typed_samples: pd.DataFrame) -> str:
    """The samples in a DuckDB file with types: timestamps, integers, text where the export
    is dirty, and ``customer_at`` as TIMESTAMPTZ (the instants of the export's UTC values)."""
    path = tmp_path_factory.mktemp("duckdb") / "crm.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'UTC'")
        con.register("typed", typed_samples.reset_index(names="line"))
        con.execute("create table leads as select * from typed")
        con.execute("alter table leads alter customer_at type timestamptz")
    return f"duckdb:///{path}"


def _write_parts(frame: pd.DataFrame, folder: Path, key: str) -> Path:
    """``frame`` as a hive-partitioned folder: one file per value of ``key``, rows in order."""
    for value, part in frame.groupby(key, sort=True):
        where = folder / f"{key}={value}"
        where.mkdir(parents=True)
        table = pa.Table.from_pandas(part.drop(columns=key), preserve_index=False)
        pq.write_table(table, where / "leads.parquet")
    return folder


@pytest.fixture(scope="module")
def parts_folder(tmp_path_factory, typed_samples: pd.DataFrame) -> Path:
    """The samples as typed Parquet in ``part=00`` … ``part=06`` folders of 5,000 rows, with an
    extra column no mapping reads."""
    frame = typed_samples.assign(notes="free text", part=[f"{i // 5000:02d}" for i in
                                                          range(len(typed_samples))])  # fmt: skip
    return _write_parts(frame, tmp_path_factory.mktemp("parts"), "part")


def test_sqlite_query_gives_the_csv_table(sqlite_url, samples_from_csv):
    columns = ", ".join(CANONICAL)
    got = sp.load_leads(sqlite_url, query=f"select {columns} from leads order by line", as_of=AS_OF)
    assert_same_table(got, samples_from_csv)
    assert got.source_name.startswith("sqlite:///") and "query" in got.source_name


def test_sqlite_table_with_where_reads_the_mapped_columns_of_the_rows_asked(
    sqlite_url, samples_csv
):
    got = sp.load_leads(sqlite_url, table="leads", where="segment = 'events'", as_of=AS_OF)
    raw = pd.read_csv(samples_csv, dtype="str", keep_default_na=False, na_values=[""])
    events = raw[raw["segment"] == "events"].reset_index(drop=True)
    assert_same_table(got, sp.load_leads(events, as_of=AS_OF))
    assert "source_line" not in got.rejected.columns  # its "line" column: not mapped, not read
    assert "where segment = 'events'" in got.notes
    assert "read 12 of 13 columns (those the mapping uses)" in got.notes


def test_duckdb_file_with_types_gives_the_csv_table(duckdb_url, samples_from_csv):
    columns = ", ".join(CANONICAL)
    got = sp.load_leads(duckdb_url, query=f"select {columns} from leads order by line", as_of=AS_OF)
    assert_same_table(got, samples_from_csv)


def test_duckdb_table_reads_in_table_order(duckdb_url, samples_from_csv):
    got = sp.load_leads(duckdb_url, table="main.leads", as_of=AS_OF)
    assert_same_table(got, samples_from_csv)


def test_timestamptz_is_converted_to_tz_naive_columns_are_not(duckdb_url, samples_from_csv):
    columns = ", ".join(CANONICAL)
    query = f"select {columns} from leads order by line"
    paris = sp.load_leads(duckdb_url, query=query, as_of=AS_OF, tz="Europe/Paris")
    utc = samples_from_csv.frame
    expected = utc["customer_at"].dt.tz_localize("UTC").dt.tz_convert("Europe/Paris")
    pd.testing.assert_series_equal(paris.frame["customer_at"], expected.dt.tz_localize(None))
    pd.testing.assert_series_equal(paris.frame["sql_at"], utc["sql_at"])  # naive: as written


def test_partitioned_parquet_folder_gives_the_csv_table(parts_folder, samples_from_csv):
    got = sp.load_leads(parts_folder, as_of=AS_OF)
    assert_same_table(got, samples_from_csv)
    assert list(got.rejected.columns) == ["row", "line", "reason", *CANONICAL]  # no notes, part
    assert got.source_name == f"{parts_folder.name}/"
    assert "7 Parquet file(s)" in got.notes


def test_parquet_folder_where_prunes_partitions_before_pandas(tmp_path, typed_samples):
    month = (
        typed_samples["created_at"]
        .str.slice(0, 7)
        .where(typed_samples["created_at"].str.match(r"\d{4}-\d\d"), "unknown")
    )
    folder = _write_parts(typed_samples.assign(month=month), tmp_path / "by_month", "month")
    got = sp.load_leads(folder, where="month between '2025-01' and '2025-06'", as_of=AS_OF)
    chosen = typed_samples[month.between("2025-01", "2025-06")]
    in_scan_order = chosen.iloc[month[chosen.index].argsort(kind="stable")]
    expected = sp.load_leads(in_scan_order.reset_index(drop=True), as_of=AS_OF)
    assert_same_table(got, expected)
    assert got.rows_read == len(chosen) > 0


def test_parquet_folder_missing_a_required_column_names_it_and_every_column(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    frame = pd.DataFrame({"lead_id": ["a"], "mql_at": ["2024-01-01"], "notes": ["x"]})
    frame.to_parquet(folder / "leads.parquet")
    with pytest.raises(DataError, match=r"missing required column\(s\): sql_at") as info:
        sp.load_leads(folder, funnel=sp.Funnel(["mql", "sql"]))
    assert "present columns: ['lead_id', 'mql_at', 'notes']" in str(info.value)


def test_folder_without_parquet_files_is_refused(tmp_path):
    (tmp_path / "leads.csv").write_text("lead_id\n1\n")
    with pytest.raises(DataError, match=r"a folder with no \.parquet file under it"):
        sp.load_leads(tmp_path)


def test_the_maven_export_through_duckdb_with_its_preset(maven_dir):
    path = maven_dir / "sales_pipeline.csv"
    expected = sp.load_leads(path, mapping="maven", as_of=AS_OF)
    # DuckDB types the dates (DATE) and close_value (BIGINT) itself
    query = f"select * from read_csv('{path}', dateformat = '%m/%d/%Y')"
    got = sp.load_leads("duckdb://", query=query, mapping="maven", as_of=AS_OF)
    assert_same_table(got, expected)
    assert got.mapping_name == "maven"


def test_mixed_types_in_a_sqlite_column_are_read_as_text(tmp_path):
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'mixed.sqlite'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("create table leads (lead_id, lead_at, score)")
        connection.exec_driver_sql(
            "insert into leads values (1, '2024-01-02', 40), (2, '2024-01-03', 'n/a'), "
            "(3, 'TBD', 7.5)"
        )
    engine.dispose()
    got = sp.load_leads(
        f"sqlite:///{tmp_path / 'mixed.sqlite'}", table="leads", funnel=sp.Funnel(["lead"])
    )
    assert got.frame["lead_id"].tolist() == ["1", "2"]
    assert got.frame["score"].tolist()[0] == 40 and pd.isna(got.frame["score"].tolist()[1])
    assert got.rejected["reason"].tolist() == ["unparseable date in lead_at"]
    assert got.rejected["score"].tolist() == ["7.5"]
    assert "1 value(s) in score are not numbers: set to missing" in got.warnings
