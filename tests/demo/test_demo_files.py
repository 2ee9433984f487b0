"""Every file of the demo season follows the season-format spec."""

from __future__ import annotations

import gzip
from datetime import date

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from demo_reading import read_table

from fanxing.demo.catalogue import dramas_frame, sample_catalogue

DRAMA_COLUMNS = ["drama_id", "title", "aliases", "producer", "release_date", "episodes", "episode_minutes",
                 "genres", "ip_source", "brand_partner", "industry_tags", "region", "dialect", "synopsis"]
IP = {"original", "web_novel", "novel", "comic", "game", "film_tv", "other"}
TAGS = {"culture_tourism", "intangible_heritage", "agriculture", "legal", "science", "health", "sports", "other"}
PLATFORMS = {"douyin", "kuaishou", "hongguo", "wechat_channels", "tencent_video", "iqiyi", "youku", "mgtv",
             "bilibili"}
CONTRACT = {"date", "platform", "drama_id", "title", "plays", "likes", "comments", "shares", "favorites",
            "completion_rate", "watch_minutes", "revenue_cny", "rating"}


def read_csv(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_season_yaml(small_season):
    out, summary = small_season
    meta = yaml.safe_load((out / "season.yaml").read_text(encoding="utf-8"))
    assert meta["start"] == date(2024, 1, 1) and meta["end"] == date(2024, 2, 29)
    assert meta["name"]


def test_dramas_csv(small_season):
    out, _ = small_season
    d = read_csv(out / "dramas.csv")
    assert list(d.columns) == DRAMA_COLUMNS
    assert d.drama_id.is_unique and d.title.is_unique and len(d) == 60
    assert (d[["drama_id", "title", "producer", "release_date", "episodes"]] != "").all().all()
    assert not d.title.str.contains("《|》").any()
    assert d.episodes.astype(int).between(1, 200).all()
    assert (d.episode_minutes.astype(float) > 0).all()
    assert set(d.ip_source) <= IP
    assert {t for tags in d.industry_tags for t in tags.split("|") if t} <= TAGS
    assert pd.to_datetime(d.release_date).between("2024-01-01", "2024-02-29").all()
    names = list(d.title) + [a for al in d.aliases for a in al.split("|") if a]
    assert all("|" not in n for n in d.title)
    assert len(names) > len(d)


def test_catalogue_realism_at_default_size():
    cat = sample_catalogue(2024, 1500, 366)
    d, alternate = dramas_frame(cat, 2024, pd.Timestamp("2024-01-01").to_datetime64().astype("datetime64[D]"))
    sichuan = d.region.str.startswith("四川")
    assert 0.08 <= sichuan.mean() <= 0.12
    assert (d[sichuan].dialect == "四川话").mean() > 0.4
    assert d.title.is_unique
    assert 100 <= d.producer.nunique() <= 130
    assert d.producer.str.startswith("成都").sum() > 0
    assert 0.01 < (d.brand_partner != "").mean() < 0.06
    assert 0.05 < (d.industry_tags != "").mean() < 0.35
    assert (d.ip_source == "original").mean() > 0.6
    episodes = d.episodes.astype(int)
    assert ((episodes >= 60) & (episodes <= 100)).mean() > 0.75
    assert d[sichuan].synopsis.str.contains("川剧变脸|蜀锦蜀绣|大熊猫|火锅|三星堆|茶馆").mean() > 0.5
    assert (alternate != "").sum() > 50
    from demo_reading import norm_title

    names = [norm_title(t) for t in list(d.title) + [a for a in alternate if a]]
    assert len(set(names)) == len(names)  # every title and alternate title resolves to one drama


def test_platforms_csv(small_season):
    out, _ = small_season
    p = read_csv(out / "platforms.csv")
    assert set(p.platform) == PLATFORMS and p.platform.is_unique
    assert {"platform", "name", "kind", "relative_reach", "relative_reach_note"} <= set(p.columns)
    assert p.relative_reach_note.str.contains("demo assumption").all()
    assert p.set_index("platform").loc["hongguo", "name"] == "红果短剧"


def test_every_metrics_format_is_present_and_readable(small_season):
    out, summary = small_season
    files = sorted(p for p in (out / "metrics").rglob("*") if p.is_file())
    suffixes = {p.name.split(".", 1)[1] for p in files}
    assert {"csv", "csv.gz", "tsv", "parquet", "jsonl", "xlsx"} <= suffixes
    encodings = {}
    for path in files:
        header, rows, encoding = read_table(path)
        encodings[path.name] = encoding
        assert rows, path
        assert "plays" in header or "播放量" in header or "累计播放" in header
        if path.name.endswith(".csv") and encoding == "utf-8":
            assert set(header) <= CONTRACT, path
    # pandas / pyarrow / openpyxl read them natively too.
    for path in files:
        if path.suffix == ".parquet":
            assert pq.read_table(path).num_rows > 0
            assert {"date", "platform", "drama_id", "plays"} <= set(pq.read_table(path).column_names)
        elif path.suffix == ".xlsx":
            assert len(pd.read_excel(path)) > 0
        elif path.suffix == ".jsonl":
            assert len(pd.read_json(path, lines=True, dtype=False)) > 0
        elif path.name.endswith(".csv.gz"):
            assert len(pd.read_csv(path, compression="gzip", dtype=str)) > 0
            assert gzip.decompress(path.read_bytes())[:6] == b'"date"'
        elif path.suffix == ".tsv":
            assert len(pd.read_csv(path, sep="\t", dtype=str)) > 0
    listed = {f["path"]: f for f in summary.files}
    assert set(listed) == {p.relative_to(out).as_posix() for p in files}


def test_gbk_exports_are_really_gb18030_with_chinese_headers(small_season):
    out, _ = small_season
    exports = sorted((out / "metrics").glob("kuaishou_export_*.csv"))
    assert exports
    for path in exports:
        data = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        text = data.decode("gb18030")
        header = text.splitlines()[0].replace('"', "").split(",")
        assert header[:4] == ["日期", "平台", "剧名", "播放量"] and "完播率" in header
        assert "万" in text or "," in text
        assert "%" in text
        assert "年" in text.splitlines()[1] or "/" in text.splitlines()[1]
    body = "".join(p.read_bytes().decode("gb18030") for p in exports)
    assert "《" in body


def test_cumulative_export_needs_and_has_a_mapping(small_season):
    out, _ = small_season
    maps = sorted((out / "mappings").glob("*.yaml"))
    assert len(maps) == 1
    m = yaml.safe_load(maps[0].read_text(encoding="utf-8"))
    assert set(m) >= {"files", "encoding", "platform", "columns", "cumulative"}
    matched = [p for g in m["files"] for p in out.glob(g)]
    assert matched
    header, rows, encoding = read_table(matched[0])
    assert encoding == "gb18030" and m["encoding"] == "gb18030"
    assert set(header) <= set(m["columns"])
    assert {"作品名称", "累计播放"} <= set(header)
    assert set(m["columns"].values()) <= CONTRACT and "plays" in m["cumulative"]


def test_jury_csv(small_season):
    out, _ = small_season
    j = pd.read_csv(out / "jury.csv", keep_default_na=False)
    assert list(j.columns) == ["drama_id", "category", "juror", "score", "institution"]
    assert set(j.category) <= {"influence", "innovation", "ip_adaptation", "brand_story", "empowerment"}
    assert j.score.between(0, 100).all() and j.juror.nunique() == 9
    ids = set(read_csv(out / "dramas.csv").drama_id)
    assert set(j.drama_id) <= ids
    d = read_csv(out / "dramas.csv").set_index("drama_id")
    own = j[(j.institution != "") & (j.institution == d.loc[j.drama_id, "producer"].to_numpy())]
    assert len(own) > 0  # a conflict of interest the awards stage must recuse
    assert not j.duplicated(["drama_id", "category", "juror"]).any()


def test_survey_and_questions(small_season):
    out, _ = small_season
    s = pd.read_csv(out / "surveys" / "audience_2024.csv", keep_default_na=False)
    q = yaml.safe_load((out / "surveys" / "questions.yaml").read_text(encoding="utf-8"))
    assert len(s) == 3000 and s.respondent_id.is_unique
    assert list(s.columns[:6]) == ["respondent_id", "weight", "gender", "age_group", "city_tier", "province"]
    assert [x["id"] for x in q] == list(s.columns[6:])
    assert {x["type"] for x in q} <= {"single", "multi", "scale", "numeric"}
    assert all(x["text"] for x in q)
    cities = s.live_city.str.split("|").explode().value_counts()
    assert set(cities.index[:2]) == {"上海", "成都"}
    watched = s[s.watched_chengdu_drama == "是"]
    assert 0.85 <= (watched.pay_chengdu_experience == "愿意").mean() <= 0.93
    assert (s[s.watched_chengdu_drama == "否"].pay_chengdu_experience == "").all()
    elements = s.cultural_elements.str.split("|").explode().value_counts()
    assert set(elements.index[:2]) == {"川剧变脸", "蜀锦蜀绣"}
    assert s.dialect_interest.str.split("|").explode().value_counts().index[0] == "四川话"
    assert s.sichuan_dialect_score.between(1, 5).all()
    assert abs(s.weight.mean() - 1) < 0.01


def test_market_csv_is_the_real_series():
    from fanxing.demo.market import market_frame

    expected = [(2020, 9.4, "actual"), (2021, 36.8, "actual"), (2022, 101.7, "actual"), (2023, 373.9, "actual"),
                (2024, 504.4, "estimate"), (2025, 677.9, "forecast"), (2025, 634.0, "estimate"),
                (2026, 793.3, "forecast"), (2026, 856.5, "forecast"), (2027, 1006.8, "forecast")]
    m = market_frame()
    assert list(m.columns) == ["year", "market_size_cny_100m", "kind", "source"]
    assert list(zip(m.year, m.market_size_cny_100m, m.kind, strict=True)) == expected
    assert m.source.str.contains("艾媒").sum() == 7 and m.source.str.contains("国泰海通").sum() == 2
    assert m.source.str.contains("白皮书").sum() >= 1


def test_market_csv_written(small_season):
    out, _ = small_season
    m = pd.read_csv(out / "market.csv")
    assert m.loc[m.year == 2023, "market_size_cny_100m"].item() == 373.9
    assert len(m[m.year == 2025]) == 2


def test_readme_and_truth_beside_not_inside(small_season):
    out, summary = small_season
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "fictional" in readme and "market.csv" in readme and "real" in readme
    truth = out.parent / (out.name + "-truth")
    assert summary.truth_dir == truth
    assert (truth / "fake_traffic.csv").exists() and (truth / "malformed.csv").exists()
    inside = {p.name for p in out.rglob("*")}
    assert not inside & {"fake_traffic.csv", "malformed.csv", "latent.csv", "exact_duplicates.csv"}
    fake = pd.read_csv(truth / "fake_traffic.csv")
    assert list(fake.columns) == ["drama_id", "platform", "start", "end", "shape", "indicator", "factor"]
    bad = pd.read_csv(truth / "malformed.csv")
    assert list(bad.columns) == ["file", "line", "column", "reason"]
    assert 10 <= len(bad) <= 30
    assert {"unparsable_number", "negative_count", "rate_out_of_range", "bad_date", "unknown_drama",
            "conflicting_duplicate"} <= set(bad.reason)
