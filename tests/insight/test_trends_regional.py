"""Trends, IP share, industry tags, Sichuan/dialect groups on a constructed catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from fanxing.insight.regional import dialect_table, group_performance, sichuan_masks
from fanxing.insight.trends import industry_tags, ip_share, monthly_plays, monthly_releases
from fanxing.insight.verification import anomaly_counts, rank_shift_summary

CAT = pd.DataFrame({
    "drama_id": ["A", "B", "C", "D"],
    "title": ["甲", "乙", "丙", "丁"],
    "producer": ["成都川鲸影视有限公司", "北京某公司", "成都蜀杉文化传媒有限公司", "杭州某公司"],
    "release_date": ["2024-01-05", "2024-01-20", "2024-02-02", "2023-12-30"],
    "genres": ["甜宠|古装", "甜宠", "逆袭", None],
    "ip_source": ["original", "web_novel", None, "comic"],
    "industry_tags": ["culture_tourism|intangible_heritage", None, "culture_tourism", ""],
    "region": ["四川/成都", "北京", "四川/乐山", "浙江/杭州"],
    "dialect": ["四川话", None, "四川话", "吴语"],
})
ANNUAL = pd.DataFrame({"drama_id": ["A", "B", "C", "D"], "title": ["甲", "乙", "丙", "丁"], "rank": [1, 2, 3, 4],
                       "score": [90.0, 70.0, 50.0, 30.0], "reach": [1.0, 2, 3, 4],
                       "rank_unadjusted": [2, 1, 3, 4], "rank_shift_integrity": [1, -1, 0, 0],
                       "flagged": [False, True, False, False]})


def test_monthly_releases_and_plays() -> None:
    r = monthly_releases(CAT, "2024-01-01", "2024-12-31").set_index("month")
    assert r.loc["2024-01", "甜宠"] == 2 and r.loc["2024-01", "古装"] == 1 and r.loc["2024-01", "全部"] == 2
    assert r.loc["2024-02", "逆袭"] == 1 and "2023-12" not in r.index
    pp = pd.DataFrame({"period": ["2024-01", "2024-01", "2024-02"], "drama_id": ["A", "B", "A"], "plays": [10, 5, 7]})
    p = monthly_plays(pp, CAT).set_index("month")
    assert p.loc["2024-01", "甜宠"] == 15 and p.loc["2024-01", "古装"] == 10 and p.loc["2024-01", "全部"] == 15


def test_ip_and_tags() -> None:
    ip = ip_share(CAT, ANNUAL).set_index("ip_source")
    assert ip.loc["original", "n_dramas"] == 2  # a blank ip_source is original
    assert ip.loc["original", "mean_score"] == pytest.approx(70.0)
    assert ip.loc["web_novel", "share"] == pytest.approx(0.25) and ip.loc["web_novel", "label"] == "网络小说"
    t = industry_tags(CAT, ANNUAL).set_index("tag")
    assert t.loc["culture_tourism", "n_dramas"] == 2 and t.loc["culture_tourism", "label"] == "文旅"
    assert t.loc["culture_tourism", "mean_score"] == pytest.approx(70.0)
    assert t.loc["intangible_heritage", "n_dramas"] == 1


def test_sichuan_groups_and_dialects() -> None:
    g = group_performance(CAT, ANNUAL, sichuan_masks(CAT)).set_index("group")
    assert g.loc["四川取景/设定", "n_dramas"] == 2 and g.loc["其中：成都", "n_dramas"] == 1
    assert g.loc["成都创作机构出品", "n_dramas"] == 2
    sc = g.loc["四川话方言剧"]
    assert sc.n_dramas == 2 and sc.mean_score == pytest.approx(70.0) and sc.mean_score_rest == pytest.approx(50.0)
    assert sc["diff"] == pytest.approx(20.0) and sc.n_top20 == 2
    d = dialect_table(CAT, ANNUAL).set_index("dialect")
    assert d.loc["四川话", "best_title"] == "甲" and d.loc["吴语", "n_dramas"] == 1


def test_verification_summaries() -> None:
    s = rank_shift_summary(ANNUAL)
    assert s["n_moved"] == 2 and s["n_flagged"] == 1 and s["max_shift"] == 1
    an = pd.DataFrame({"drama_id": ["A", "A", "B"], "platform": ["douyin", "kuaishou", "douyin"],
                       "start": ["2024-01-01", "2024-01-03", "2024-01-01"], "end": ["2024-01-02", "2024-01-03", "2024-01-05"],
                       "shape": ["burst", "burst", "plateau"]})
    c = anomaly_counts(an, "shape").set_index("shape")
    assert c.loc["burst", "episodes"] == 2 and c.loc["burst", "dramas"] == 1 and c.loc["burst", "days"] == 3
    assert c.loc["plateau", "days"] == 5
