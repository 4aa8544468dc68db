"""A data source file (``source.yaml``) reads the export it names exactly as the export read
with the same options, and a wrong field is refused in one line naming the file and field."""

from __future__ import annotations

import pytest

import slaplan as sp
from slaplan.errors import DataError

AS_OF = "2026-11-15"


def write(folder, text: str):
    path = folder / "source.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_source_file_gives_the_table_of_its_export(tmp_path, samples_dir):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "leads.csv").write_bytes((samples_dir / "leads.csv").read_bytes())
    path = write(tmp_path, f"leads: data/leads.csv\nstages: [lead, mql, sql]\nas_of: {AS_OF}\n")
    direct = sp.load_leads(
        samples_dir / "leads.csv", funnel=sp.Funnel(["lead", "mql", "sql"]), as_of=AS_OF
    )
    described = sp.load_leads(path)
    assert described.frame.equals(direct.frame)
    assert described.rejected.equals(direct.rejected)
    assert described.funnel.stages == ("lead", "mql", "sql")
    assert described.as_of == direct.as_of


def test_the_callers_funnel_and_date_come_before_the_files(tmp_path, samples_dir):
    path = write(tmp_path, f"leads: {samples_dir / 'leads.csv'}\nstages: [lead, mql]\n")
    table = sp.load_leads(path, funnel=sp.Funnel(["mql", "sql"]), as_of=AS_OF)
    assert table.funnel.stages == ("mql", "sql")
    assert str(table.as_of.date()) == AS_OF


def test_how_to_read_is_said_in_one_place(tmp_path, samples_dir):
    path = write(tmp_path, f"leads: {samples_dir / 'leads.csv'}\ndayfirst: false\n")
    with pytest.raises(DataError, match=r"dayfirst is set in the source file \(False\)"):
        sp.load_leads(path, dayfirst=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("leads: x.csv\ndayfirst: yes please\n", "dayfirst must be true, false or null"),
        ("leads: x.csv\nstages: mql\n", "stages must be a list of stage names"),
        ("leads: x.csv\nas_of: 2026-13-45\n", "as_of must be a date YYYY-MM-DD, got '2026-13-45'"),
        ("leads: x.csv\nmaping: hubspot\n", "maping is not a known key"),
        ("dayfirst: true\n", "leads is required"),
        ("leads: other.yaml\n", "leads must name the export itself"),
        ("leads: [x.csv\n", "not valid YAML (line 2)"),
    ],
)
def test_a_wrong_field_is_refused_in_one_line(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(DataError) as caught:
        sp.load_leads(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_database_url_stays_a_url(tmp_path, samples_dir):
    query = f"select * from read_csv('{samples_dir / 'leads.csv'}', all_varchar = true)"
    path = write(tmp_path, f'leads: "duckdb://"\nquery: "{query}"\nas_of: {AS_OF}\n')
    table = sp.load_leads(path)
    direct = sp.load_leads(samples_dir / "leads.csv", as_of=AS_OF)
    assert table.frame.equals(direct.frame)
