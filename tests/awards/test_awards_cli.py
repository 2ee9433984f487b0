import json

from awards_factory import SEASON, make_season
from typer.testing import CliRunner

import fanxing.cli.awards_cmds  # noqa: F401  (registers the command)
from fanxing.awards import select_awards
from fanxing.cli.app import app


def test_cli_prints_published_awards_json(tmp_path):
    res = select_awards(**make_season(80, seed=2), season_start=SEASON[0], season_end=SEASON[1])
    (tmp_path / "awards.json").write_text(res.to_json(), encoding="utf-8")
    out = CliRunner().invoke(app, ["awards", str(tmp_path), "--genres"], terminal_width=200)
    assert out.exit_code == 0, out.output
    assert "年度影响力微短剧案例" in out.output and "年度微短剧创作机构" in out.output
    assert "winner" in out.output and "题材榜" in out.output
    one = CliRunner().invoke(app, ["awards", str(tmp_path), "-c", "producer", "--json"])
    assert list(json.loads(one.output)["categories"]) == ["producer"]


def test_cli_computes_from_build_rankings_when_no_awards_json(tmp_path):
    s = make_season(80, seed=2)
    (tmp_path / "rankings").mkdir()
    s["annual"].to_csv(tmp_path / "rankings" / "annual.csv", index=False)
    s["dramas"].to_csv(tmp_path / "catalogue.csv", index=False)
    s["anomalies"].to_csv(tmp_path / "anomalies.csv", index=False)
    (tmp_path / "manifest.json").write_text(json.dumps({"season": {"start": SEASON[0], "end": SEASON[1]}}))
    out = CliRunner().invoke(app, ["awards", str(tmp_path), "--json"])
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["season"] == {"start": SEASON[0], "end": SEASON[1]}
    assert doc["categories"]["influence"]["winners"]


def test_cli_on_a_season_dir_says_to_build_first(tmp_path):
    (tmp_path / "dramas.csv").write_text("drama_id,title\n", encoding="utf-8")
    out = CliRunner().invoke(app, ["awards", str(tmp_path)])
    assert out.exit_code != 0
    assert "fanxing build" in str(out.exception)
