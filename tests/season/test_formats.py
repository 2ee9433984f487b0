"""Every metrics format, encoding, Chinese header and number/date style, with exact line numbers."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
from season_helpers import HEADER, quarantine, rows, write_season


def _xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["日期", "平台", "剧名", "播放量", "点赞量", "完播率"])
    ws.append([dt.datetime(2024, 6, 1), "kuaishou", "《霸道总裁爱上我》", 100, "1.2万", 0.5])
    ws.append([None, None, None, None, None, None])  # an empty sheet row: skipped, but counted in lines
    ws.append(["2024/6/2", "kuaishou", "霸道总裁爱上我", -3, 1, "40%"])
    ws.append([dt.date(2024, 6, 3), "kuaishou", "逆袭人生", 7.0, 2, 0.25])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _parquet() -> bytes:
    t = pa.table({
        "date": pa.array([dt.date(2024, 7, 1), dt.date(2024, 7, 2), dt.date(2024, 7, 3)], pa.date32()),
        "platform": ["iqiyi"] * 3,
        "drama_id": ["d1", "d1", "d2"],
        "plays": pa.array([10, 20, -1], pa.int64()),
        "completion_rate": [0.1, None, 0.3],
    })
    buf = io.BytesIO()
    pq.write_table(t, buf)
    return buf.getvalue()


def _jsonl() -> str:
    recs = [
        {"date": "2024-08-01", "platform": "bilibili", "drama_id": "d1", "plays": 5, "rating": 8.5},
        {"date": "2024-08-02", "platform": "bilibili", "drama_id": "d1", "plays": "1.2万", "rating": 11},
        {"date": "2024年8月3日", "platform": "bilibili", "title": "逆袭人生", "plays": "12,345", "rating": None},
    ]
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in recs) + "\n"


def test_every_format(tmp_path, load):
    csv = HEADER + "2024-05-01,douyin,d1,100,5,0.5\n2024-05-02,douyin,d1,oops,5,0.5\n"
    tsv = "date\tplatform\tdrama_id\tplays\n2024-05-01\tyouku\td2\t3\n2024-05-02\tyouku\td2\t\n"
    gz = gzip.compress((HEADER + "2024-05-01,mgtv,d1,1,1,0.1\n2024-05-01,mgtv,dX,1,1,0.1\n").encode())
    season = write_season(tmp_path / "s", metrics={
        "a.csv": csv, "b.tsv": tsv, "c.csv.gz": gz, "d.parquet": _parquet(), "e.jsonl": _jsonl(), "f.xlsx": _xlsx(),
    })
    report, wh = load(season)
    assert not report.errors, report.errors
    fmt = {f.file: (f.format, f.rows_read, f.rows_loaded, f.rows_quarantined) for f in report.files}
    assert fmt["metrics/a.csv"] == ("csv", 2, 1, 1)
    assert fmt["metrics/b.tsv"] == ("tsv", 2, 1, 1)
    assert fmt["metrics/c.csv.gz"] == ("csv.gz", 2, 1, 1)
    assert fmt["metrics/d.parquet"] == ("parquet", 3, 2, 1)
    assert fmt["metrics/e.jsonl"] == ("jsonl", 3, 2, 1)
    assert fmt["metrics/f.xlsx"] == ("xlsx", 3, 2, 1)
    q = [x for x in quarantine(wh) if x[0].startswith("metrics/")]
    assert q == [
        ("metrics/a.csv", 3, "plays", "oops", "unparsable_number"),
        ("metrics/b.tsv", 3, "plays", None, "missing_value"),
        ("metrics/c.csv.gz", 3, "drama_id", "dX", "unknown_drama"),
        ("metrics/d.parquet", 3, "plays", "-1", "negative_count"),
        ("metrics/e.jsonl", 2, "rating", "11", "rating_out_of_range"),
        ("metrics/f.xlsx", 4, "plays", "-3", "negative_count"),
    ]
    facts = rows(wh, "facts", ["source_file", "source_line"])
    got = {(r.source_file, r.source_line): (r.date.date() if hasattr(r.date, "date") else r.date, r.drama_id, r.plays)
           for r in facts.itertuples()}
    assert got[("metrics/f.xlsx", 2)] == (dt.date(2024, 6, 1), "d1", 100)
    assert got[("metrics/f.xlsx", 5)] == (dt.date(2024, 6, 3), "d2", 7)
    assert got[("metrics/e.jsonl", 3)] == (dt.date(2024, 8, 3), "d2", 12345)
    assert got[("metrics/d.parquet", 2)] == (dt.date(2024, 7, 2), "d1", 20)
    xl = facts[facts.source_file == "metrics/f.xlsx"].sort_values("source_line")
    assert xl.likes.tolist() == [12000, 2] and xl.completion_rate.tolist() == [0.5, 0.25]


CHINESE = "日期,平台,剧名,播放量,点赞,评论,分享,收藏,完播率,观看时长(分钟),充值金额(元),评分\n"


def test_encodings_and_chinese_headers(tmp_path, load):
    rows_ = "2024-01-0{d},douyin,{t},1.2万,12,3,4,5,37.5%,1.5万,12.5,8.8\n"
    body = CHINESE + "".join(rows_.format(d=d, t=t) for d, t in ((1, "《霸道总裁爱上我》(全集)"), (2, "逆袭人生")))
    alt = ("日期,平台,剧目ID,播放量,点赞量,评论量,分享量,收藏量,完播率,观看时长（分钟）,收入(元),评分\n"
           "2024/2/1,kuaishou,d1,\"12,345\",1,1,1,1,0.5,10,3.4亿,7\n")
    alt2 = "日期,平台,剧名,播放量,点赞数,评论数,转发,收藏量\n2024年3月1日,hongguo,Ｌｏｖｅ在深夜（上）,3.4亿,1,2,3,4\n"
    # GB18030 whose first megabyte is plain ASCII: found non-UTF-8 while reading, re-read as GB18030
    late = HEADER.replace("drama_id", "title") + "".join(
        f"2024-04-{1 + i % 28:02d},p{i // 28},x,1,1,0.1\n" for i in range(40000)) + "2024-04-01,douyin,逆袭人生,9,9,0.9\n"
    season = write_season(tmp_path / "s", metrics={
        "utf8.csv": body.replace("douyin", "wechat_channels").encode("utf-8"),
        "bom.csv": body.replace("douyin", "tencent_video").encode("utf-8-sig"),
        "gb18030.csv": body.encode("gb18030"),
        "gbk.csv": alt.encode("gbk"),
        "gbk2.csv": alt2.encode("gbk"),
        "late.csv": late.encode("gb18030"),
    })
    report, wh = load(season)
    enc = {f.file: (f.encoding, f.rows_read, f.rows_loaded) for f in report.files}
    assert enc["metrics/utf8.csv"] == ("utf-8", 2, 2)
    assert enc["metrics/bom.csv"] == ("utf-8", 2, 2)
    assert enc["metrics/gb18030.csv"] == ("gb18030", 2, 2)
    assert enc["metrics/gbk.csv"] == ("gb18030", 1, 1)
    assert enc["metrics/gbk2.csv"] == ("gb18030", 1, 1)
    assert enc["metrics/late.csv"][0] == "gb18030"
    facts = rows(wh, "facts")
    g = facts[facts.source_file == "metrics/gb18030.csv"].sort_values("source_line")
    assert g.drama_id.tolist() == ["d1", "d2"]
    r = g.iloc[0]
    assert (r.plays, r.likes, r.comments, r.shares, r.favorites) == (12000, 12, 3, 4, 5)
    assert r.completion_rate == 0.375 and r.watch_minutes == 15000 and r.revenue_cny == 12.5 and r.rating == 8.8
    k = facts[facts.source_file == "metrics/gbk.csv"].iloc[0]
    assert (k.plays, k.revenue_cny, str(k.date)[:10]) == (12345, 3.4e8, "2024-02-01")
    h = facts[facts.source_file == "metrics/gbk2.csv"].iloc[0]
    assert (h.drama_id, h.plays, h.shares, str(h.date)[:10]) == ("d3", 340000000, 3, "2024-03-01")
    bad = [x for x in quarantine(wh) if x[0] == "metrics/late.csv"]
    assert len(bad) == 40000 and bad[0][1:] == (2, "title", "x", "unknown_drama")
    late_row = facts[facts.source_file == "metrics/late.csv"].iloc[0]
    assert (late_row.drama_id, late_row.source_line) == ("d2", 40002)


def test_line_numbers_with_blank_lines_and_malformed_rows(tmp_path, load):
    text = (HEADER + "2024-05-01,douyin,d1,1,1,0.1\n\n\n2024-05-02,douyin,d1,x,1,0.1\n"
            "2024-05-03,douyin,d1,1,1,0.1,extra\n2024-05-04,douyin\n2024-05-05,douyin,d1,-1,1,0.1\n")
    crlf = (HEADER + "2024-05-01,kuaishou,d1,1,1,0.1\n2024-05-02,kuaishou,d1,1,1,2\n").replace("\n", "\r\n")
    season = write_season(tmp_path / "s", metrics={"m.csv": text, "w.csv": crlf})
    report, wh = load(season)
    f = {x.file: x for x in report.files}["metrics/m.csv"]
    assert (f.rows_read, f.rows_loaded, f.rows_quarantined) == (5, 1, 4)
    assert [x[1:] for x in quarantine(wh) if x[0] == "metrics/m.csv"] == [
        (5, "plays", "x", "unparsable_number"), (6, None, "2024-05-03,douyin,d1,1,1,0.1,extra", "malformed_row"),
        (7, None, "2024-05-04,douyin", "malformed_row"), (8, "plays", "-1", "negative_count")]
    assert [x[1:] for x in quarantine(wh) if x[0] == "metrics/w.csv"] == [(3, "completion_rate", "2", "rate_out_of_range")]
    assert sorted(rows(wh, "facts").source_line.tolist()) == [2, 2]
