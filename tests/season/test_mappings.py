"""Mapping files: renames, constant platform, cumulative series, encoding override, bad mappings."""

from __future__ import annotations

import pytest
from season_helpers import quarantine, rows, write_season

from fanxing.errors import SeasonError
from fanxing.season import validate_season

MAPPING = """files: ["metrics/kuaishou_*.csv"]
encoding: gbk
platform: kuaishou
columns:
  作品名称: title
  累计播放: plays
  累计点赞: likes
  日期: date
cumulative: [plays, likes]
"""


def test_cumulative_mapping(tmp_path, load):
    jan = ("日期,作品名称,累计播放,累计点赞\n2024-01-01,霸道总裁爱上我,100,10\n2024-01-02,霸道总裁爱上我,250,10\n"
           "2024-01-03,霸道总裁爱上我,200,12\n2024-01-04,霸道总裁爱上我,300,15\n2024-01-01,逆袭人生,5,1\n"
           "2024-01-02,逆袭人生,5,1\n")
    feb = "日期,作品名称,累计播放,累计点赞\n2024-02-01,霸道总裁爱上我,1000,20\n"
    season = write_season(tmp_path / "s", metrics={"kuaishou_01.csv": jan.encode("gbk"),
                                                   "kuaishou_02.csv": feb.encode("gbk")},
                          files={"mappings/kuaishou.yaml": MAPPING})
    report, wh = load(season)
    assert not report.errors
    acct = {f.file: (f.encoding, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files}
    assert acct["metrics/kuaishou_01.csv"] == ("gb18030", 6, 5, 1)
    facts = rows(wh, "facts", ["drama_id", "date"])
    d1 = facts[facts.drama_id == "d1"]
    assert d1.platform.unique().tolist() == ["kuaishou"]
    # daily = total - highest earlier kept total: 250 → 200 falls (quarantined); then 300 - 250;
    # February continues from what January loaded (300 plays, 15 likes)
    assert d1.plays.tolist() == [100, 150, 50, 700]
    assert d1.likes.tolist() == [10, 0, 5, 5]
    assert facts[facts.drama_id == "d2"].plays.tolist() == [5, 0]
    q = [x for x in quarantine(wh) if x[0] == "metrics/kuaishou_01.csv"]
    assert q == [("metrics/kuaishou_01.csv", 4, "plays", "200", "negative_count")]


def test_bad_mapping_names_key(tmp_path):
    season = write_season(tmp_path / "s", metrics={}, files={
        "mappings/x.yaml": "files: ['metrics/*.csv']\ncolumn: {a: plays}\n"})
    with pytest.raises(SeasonError) as e:
        validate_season(season)
    assert "mappings/x.yaml" in str(e.value) and "columns" in str(e.value)
    (season / "mappings" / "x.yaml").write_text("files: ['metrics/*.csv']\ncolumns: {a: plays2}\n", encoding="utf-8")
    with pytest.raises(SeasonError, match="plays"):
        validate_season(season)
