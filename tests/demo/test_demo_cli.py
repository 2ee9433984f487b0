"""``fanxing demo`` on the command line."""

from __future__ import annotations

from typer.testing import CliRunner

from fanxing.cli import app

runner = CliRunner()


def test_cli_writes_refuses_and_forces(tmp_path):
    out = tmp_path / "cli"
    first = runner.invoke(app, ["demo", str(out), "--dramas", "30", "--days", "30"])
    assert first.exit_code == 0, first.output
    assert (out / "dramas.csv").exists() and (tmp_path / "cli-truth" / "fake_traffic.csv").exists()
    assert "metric rows" in first.output
    again = runner.invoke(app, ["demo", str(out), "--dramas", "30", "--days", "30"])
    assert again.exit_code != 0
    forced = runner.invoke(app, ["demo", str(out), "--dramas", "30", "--days", "30", "--force"])
    assert forced.exit_code == 0, forced.output


def test_cli_refuses_to_delete_a_foreign_directory(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    result = runner.invoke(app, ["demo", str(foreign), "--force", "--dramas", "10", "--days", "10"])
    assert result.exit_code != 0
    assert (foreign / "notes.txt").read_text() == "keep me"


def test_cli_scale_mode(tmp_path):
    result = runner.invoke(app, ["demo", str(tmp_path / "s"), "--rows", "50000", "--format", "parquet",
                                 "--partitioned"])
    assert result.exit_code == 0, result.output
    assert any((tmp_path / "s" / "metrics").rglob("part-0.parquet"))
