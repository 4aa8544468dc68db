"""``slaplan validate``: report, rejected rows on disk, exit codes 0 / 1 / 2."""

from __future__ import annotations

import pandas as pd

from slaplan.cli import main


def test_clean_file_exits_0(tmp_path, capsys):
    path = tmp_path / "ok.csv"
    path.write_text("lead_id,lead_at\na,2025-01-01\nb,2025-01-02\n")
    assert main(["validate", str(path), "--stages", "lead", "--as-of", "2026-01-01"]) == 0
    assert "accepted          2" in capsys.readouterr().out


def test_rejected_rows_exit_1_and_are_written(tmp_path, capsys):
    path = tmp_path / "dirty.csv"
    path.write_text("lead_id,lead_at\na,2025-01-01\na,2025-01-02\n,2025-01-03\n")
    out = tmp_path / "reports" / "rej.csv"  # a folder that does not exist yet
    code = main(["validate", str(path), "--stages", "lead", "--rejected-out", str(out)])
    assert code == 1
    rejected = pd.read_csv(out)
    assert rejected["reason"].tolist() == ["duplicate lead_id", "empty lead_id"]
    assert rejected["row"].tolist() == [1, 2]
    assert rejected["line"].tolist() == [3, 4]  # the header is line 1 of the file
    out = capsys.readouterr().out
    assert "line 3       duplicate lead_id" in out and "line 4       empty lead_id" in out


def test_unusable_file_exits_2_without_traceback(tmp_path, capsys):
    path = tmp_path / "wrong.csv"
    path.write_text("name,city\nann,Oslo\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "missing required column" in err and "Traceback" not in err


def test_json_mapping(tmp_path):
    path = tmp_path / "custom.csv"
    path.write_text("Id;MQL Date\nx;05/03/2025\n")
    mapping = '{"lead_id": "Id", "mql_at": "MQL Date"}'
    args = ["validate", str(path), "--mapping", mapping, "--stages", "mql", "--dayfirst"]
    assert main(args) == 0


def test_no_file_validates_the_samples(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["validate"]) == 1  # the samples carry dirty rows on purpose
    assert "leads.csv" in capsys.readouterr().out
    assert (tmp_path / "reports" / "leads.rejected.csv").exists()  # under reports/, ignored
    assert not (tmp_path / "leads.rejected.csv").exists()


def test_help_documents_the_exit_codes(capsys):
    """issue 14: validate exited 1 on the samples with nothing saying why that is normal."""
    import pytest

    with pytest.raises(SystemExit):
        main(["validate", "--help"])
    out = capsys.readouterr().out
    assert "exit codes:" in out
    for code in ("0  the file is usable and every row was accepted",
                 "1  the file is usable but rows were rejected",
                 "2  the file is unusable"):  # fmt: skip
        assert code in out
