"""Each quarantine reason, with file, line, column and value; dramas.csv rows too."""

from __future__ import annotations

from season_helpers import DRAMAS, quarantine, rows, write_season

METRICS = """date,platform,drama_id,title,plays,likes,completion_rate,watch_minutes,rating
2024-03-01,douyin,d1,,100,5,0.5,10,8
,douyin,d1,,100,5,0.5,10,8
2024-03-32,douyin,d1,,100,5,0.5,10,8
2024-03-03,,d1,,100,5,0.5,10,8
2024-03-04,douyin,,,100,5,0.5,10,8
2024-03-05,douyin,d9,,100,5,0.5,10,8
2024-03-06,douyin,,不存在的剧,100,5,0.5,10,8
2024-03-07,douyin,d1,,,5,0.5,10,8
2024-03-08,douyin,d1,,12x,5,0.5,10,8
2024-03-09,douyin,d1,,100,-5,0.5,10,8
2024-03-10,douyin,d1,,100,5,1.5,10,8
2024-03-11,douyin,d1,,100,5,0.5,-1,8
2024-03-12,douyin,d1,,100,5,0.5,10,10.5
2024-03-13,douyin,,双生,100,5,0.5,10,8
2024-03-14,douyin,d1,,100,5,37.5%,10,
"""


def test_every_reason(tmp_path, load):
    dramas = DRAMAS + "d4,双生,,丁,2024-01-01,10,,,\nd5,双生,,戊,2024-01-01,10,,,\n"
    season = write_season(tmp_path / "s", dramas=dramas, metrics={"m.csv": METRICS})
    report, wh = load(season)
    q = [x for x in quarantine(wh) if x[0] == "metrics/m.csv"]
    assert q == [
        ("metrics/m.csv", 3, "date", None, "missing_value"),
        ("metrics/m.csv", 4, "date", "2024-03-32", "bad_date"),
        ("metrics/m.csv", 5, "platform", None, "missing_value"),
        ("metrics/m.csv", 6, "drama_id", None, "missing_value"),
        ("metrics/m.csv", 7, "drama_id", "d9", "unknown_drama"),
        ("metrics/m.csv", 8, "title", "不存在的剧", "unknown_drama"),
        ("metrics/m.csv", 9, "plays", None, "missing_value"),
        ("metrics/m.csv", 10, "plays", "12x", "unparsable_number"),
        ("metrics/m.csv", 11, "likes", "-5", "negative_count"),
        ("metrics/m.csv", 12, "completion_rate", "1.5", "rate_out_of_range"),
        ("metrics/m.csv", 13, "watch_minutes", "-1", "negative_value"),
        ("metrics/m.csv", 14, "rating", "10.5", "rating_out_of_range"),
        ("metrics/m.csv", 15, "title", "双生", "ambiguous_title"),
    ]
    f = report.files[-1]
    assert (f.rows_read, f.rows_loaded, f.rows_merged, f.rows_quarantined) == (15, 2, 0, 13)
    details = dict(zip(wh.table("quarantine").execute().line, wh.table("quarantine").execute().detail, strict=False))
    assert "closest catalogue titles" in details[8]
    assert "d9" in details[7]
    assert report.quarantine_by_reason["missing_value"] == 4
    facts = rows(wh, "facts", "source_line")
    assert facts.completion_rate.tolist() == [0.5, 0.375]


def test_dramas_rows_and_unknown_platform(tmp_path, load):
    dramas = DRAMAS + (
        "d4,坏集数,,丁,2024-01-01,0,,,\n"
        "d5,坏日期,,丁,2024-13-01,10,,,\n"
        "d6,坏来源,,丁,2024-01-01,10,,,cartoon\n"
        "d1,霸道总裁爱上我,总裁的爱|霸总,甲影业,2024-01-05,80,2,甜宠|逆袭,original\n"
        "d1,别的剧,,甲影业,2024-01-05,80,2,,\n"
        ",无ID,,丁,2024-01-01,10,,,\n"
        "d7,坏时长,,丁,2024-01-01,10,0,,\n"
    )
    platforms = "platform,name,owner\ndouyin,抖音,字节跳动\nkuaishou,快手,快手科技\n"
    metrics = ("date,platform,drama_id,plays\n2024-03-01,抖音,d1,1\n2024-03-01,Kuaishou ,d1,1\n"
               "2024-03-01,weibo,d1,1\n")
    season = write_season(tmp_path / "s", dramas=dramas, metrics={"m.csv": metrics},
                          files={"platforms.csv": platforms})
    report, wh = load(season)
    q = quarantine(wh)
    assert [x for x in q if x[0] == "dramas.csv"] == [
        ("dramas.csv", 5, "episodes", "0", "out_of_range"),
        ("dramas.csv", 6, "release_date", "2024-13-01", "bad_date"),
        ("dramas.csv", 7, "ip_source", "cartoon", "bad_choice"),
        ("dramas.csv", 9, "title", "别的剧", "duplicate_id"),
        ("dramas.csv", 10, "drama_id", None, "missing_value"),
        ("dramas.csv", 11, "episode_minutes", "0", "out_of_range"),
    ]
    d = {f.file: f for f in report.files}["dramas.csv"]
    assert (d.rows_read, d.rows_loaded, d.rows_merged, d.rows_quarantined) == (10, 3, 1, 6)
    assert [x for x in q if x[0] == "metrics/m.csv"] == [("metrics/m.csv", 4, "platform", "weibo", "unknown_platform")]
    assert sorted(rows(wh, "facts").platform) == ["douyin", "kuaishou"]
    plat = rows(wh, "platforms", "platform")
    assert plat.owner.tolist() == ["字节跳动", "快手科技"]
    cat = rows(wh, "dramas", "drama_id").set_index("drama_id")
    assert list(cat.loc["d1", "aliases"]) == ["总裁的爱", "霸总"] and cat.loc["d2", "ip_source"] == "web_novel"
    assert str(cat.loc["d2", "release_date"])[:10] == "2024-02-01" and cat.loc["d1", "episodes"] == 80
