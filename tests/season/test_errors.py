"""Unreadable files name themselves; other files still load; unusable seasons are reported."""

from __future__ import annotations

import pytest
from season_helpers import HEADER, write_season

from fanxing.errors import UnreadableFileError
from fanxing.season import readers, validate_season
from fanxing.warehouse import Warehouse


def test_unreadable_file_names_the_file(tmp_path):
    p = tmp_path / "metrics" / "broken.xlsx"
    p.parent.mkdir()
    p.write_bytes(b"PK\x03\x04 not really a workbook")
    with Warehouse.connect(None) as wh, pytest.raises(UnreadableFileError, match="metrics/broken.xlsx"):
        readers.read(wh, readers.open_source(p, "metrics/broken.xlsx"), tmp_path, lambda e: e)
    b = tmp_path / "bin.csv"
    b.write_bytes(b"\x00\x01\x02\xff" * 100)
    with pytest.raises(UnreadableFileError, match="bin.csv") as e, Warehouse.connect(None) as wh:
        readers.read(wh, readers.open_source(b, "bin.csv"), tmp_path, lambda e: e)
    assert e.value.code == "unreadable_file"


def test_season_goes_on_past_bad_files(tmp_path):
    season = write_season(tmp_path / "s", metrics={
        "good.csv": HEADER + "2024-03-01,douyin,d1,1,1,0.1\n",
        "binary.csv": b"\x00\x00\x00binary",
        "notes.md": "# not a table",
        "nocols.csv": "a,b\n1,2\n",
    })
    report = validate_season(season)
    status = {f.file: (f.status, f.error_code) for f in report.files}
    assert status["metrics/good.csv"] == ("loaded", None)
    assert status["metrics/binary.csv"] == ("error", "unreadable_file")
    assert status["metrics/notes.md"] == ("error", "unreadable_file")
    assert status["metrics/nocols.csv"] == ("error", "missing_column")
    assert any("metrics/nocols.csv" in e and "plays" in e for e in report.errors)
    assert report.usable


def test_unusable_seasons(tmp_path):
    no_catalogue = write_season(tmp_path / "a", dramas=None, metrics={"m.csv": HEADER + "2024-03-01,douyin,d1,1,1,0.1\n"})
    r = validate_season(no_catalogue)
    assert not r.usable and "no catalogue" in r.problems[0]
    assert r.files[0].rows_quarantined == 1  # unknown drama: the catalogue is empty
    no_metrics = write_season(tmp_path / "b", metrics={"x.csv": b"\x00"})
    r = validate_season(no_metrics)
    assert not r.usable and r.problems == ["no readable metrics file"]
