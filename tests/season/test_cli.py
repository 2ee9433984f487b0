"""``fanxing ingest`` and ``fanxing validate`` through the Typer app."""

from __future__ import annotations

from season_helpers import HEADER, write_season
from typer.testing import CliRunner

from fanxing.cli import app
from fanxing.warehouse import Warehouse

runner = CliRunner()


def test_ingest_and_validate(tmp_path):
    season = write_season(tmp_path / "s2024", metrics={"m.csv": HEADER + "2024-03-01,douyin,d1,1,1,0.1\nx,douyin,d1,1,1,0.1\n"})
    r = runner.invoke(app, ["validate", str(season)])
    assert r.exit_code == 0, r.output
    assert "bad_date" in r.output and "usable" in r.output
    assert not (tmp_path / "s2024.duckdb").exists()
    r = runner.invoke(app, ["ingest", str(season)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "s2024.duckdb").exists()
    with Warehouse.connect(tmp_path / "s2024.duckdb") as wh:
        assert wh.table("facts").count().execute() == 1
    r = runner.invoke(app, ["ingest", str(season), "--db", str(tmp_path / "other.duckdb")])
    assert r.exit_code == 0 and (tmp_path / "other.duckdb").exists()


def test_validate_unusable_exits_1(tmp_path):
    season = write_season(tmp_path / "s", dramas=None, metrics={"m.csv": HEADER})
    r = runner.invoke(app, ["validate", str(season)])
    assert r.exit_code == 1
    assert "no catalogue" in r.output
