import json

import numpy as np
import pandas as pd
import pytest
from awards_factory import SEASON, make_season, small

from fanxing.awards import AwardsConfig, select_awards
from fanxing.awards.config import CATEGORIES, DIMENSIONS


def one(weights, **extra):
    """A config awarding only `influence` with the given weights."""
    return AwardsConfig.from_mapping({**extra, "categories": {"influence": {"weights": weights, "winners": 2,
                                                                            "shortlist": 8}}})


def jury_rows(drama_id, scores, category="influence", institution=""):
    return [{"drama_id": drama_id, "category": category, "juror": f"j{i}", "score": s, "institution": institution}
            for i, s in enumerate(scores)]


@pytest.fixture(scope="module")
def season():
    return make_season()


@pytest.fixture(scope="module")
def result(season):
    return select_awards(**season, season_start=SEASON[0], season_end=SEASON[1])


def test_all_seven_categories_with_winners_shortlist_and_evidence(result):
    assert list(result.categories) == list(CATEGORIES)
    for cid, cat in result.categories.items():
        rules = getattr(result.config.categories, cid)
        assert len(cat.winners) == rules.winners, cid
        assert len(cat.shortlist) == rules.shortlist, cid
        ranks = [c["category_rank"] for c in cat.winners + cat.shortlist]
        assert ranks == list(range(1, len(ranks) + 1))
        blended = [c["blended"] for c in cat.winners + cat.shortlist]
        assert all(np.isfinite(blended))
        for case in cat.winners + cat.shortlist:
            assert case["reason"] and case["components"] and sum(case["weights"].values()) == pytest.approx(1.0)
            if cat.kind == "drama":
                assert case["reason"].startswith("年度指数第")
                assert set(case["dimensions"]) == set(DIMENSIONS)
                assert {"rank", "rank_low", "rank_high", "score"} <= set(case["index"])
                assert {"n_jurors", "n_recused", "trimmed_mean", "sd"} <= set(case["jury"])
                assert {"anomalies", "max_severity", "flagged"} <= set(case["integrity"])
            else:
                assert case["top_works"]
        if cat.kind == "drama":
            assert cat.agreement["icc21"] is not None and 0.3 < cat.agreement["icc21"] <= 1
    inn = result.categories["innovation"].winners[0]
    assert "新颖度" in inn["reason"] and inn["novelty"]["nearest_id"]
    assert "改编自" in result.categories["ip_adaptation"].winners[0]["reason"]
    assert "合作品牌" in result.categories["brand_story"].winners[0]["reason"]
    assert "赋能" in result.categories["empowerment"].winners[0]["reason"]


def test_category_rules_hold_for_every_case(result, season):
    dramas = season["dramas"].set_index("drama_id")
    for cid in ("influence", "innovation", "ip_adaptation", "brand_story", "empowerment"):
        for case in result.categories[cid].winners + result.categories[cid].shortlist:
            d = dramas.loc[case["drama_id"]]
            assert SEASON[0] <= d["release_date"] <= SEASON[1]
            if cid == "ip_adaptation":
                assert d["ip_source"] != "original"
            if cid == "brand_story":
                assert d["brand_partner"]
            if cid == "empowerment":
                assert d["industry_tags"]
    excluded = result.categories["influence"].excluded
    assert list(excluded) == ["released_before_season"] and excluded["released_before_season"] > 10


def test_recused_juror_does_not_count(result):
    # juror J1 belongs to 精品工作室 (the boutique producer of D031–D035)
    case = next(c for c in result.categories["influence"].winners if c["drama_id"] == "D035")
    assert case["jury"]["n_recused"] == 1 and case["jury"]["n_jurors"] == 6
    assert "1位回避" in case["reason"]


def test_boutique_producer_beats_the_volume_house(result):
    prod = result.ranking("producer").set_index("producer")
    assert result.categories["producer"].winners[0]["unit_id"] == "精品工作室"
    assert prod.loc["量产影业", "n_works"] == 30 and prod.loc["精品工作室", "n_works"] == 4  # one excluded
    assert prod.loc["精品工作室", "score"] > prod.loc["量产影业", "score"]


def test_outputs_are_json_ready_and_flat(result):
    doc = result.to_json_dict()
    text = json.dumps(doc, ensure_ascii=False, allow_nan=False)
    assert "年度影响力微短剧案例" in text
    frame = result.to_frame()
    n_cases = sum(len(c.winners) + len(c.shortlist) for c in result.categories.values())
    assert len(frame) == n_cases
    assert set(frame["category"]) == set(CATEGORIES)
    assert frame["reason"].str.len().min() > 5
    assert frame.loc[frame["unit_kind"] == "drama", "rank"].notna().all()


def test_deterministic_and_independent_of_row_order(season, result):
    shuffled = {k: v.sample(frac=1.0, random_state=3).reset_index(drop=True) for k, v in season.items()}
    again = select_awards(**shuffled, season_start=SEASON[0], season_end=SEASON[1])
    assert json.dumps(again.to_json_dict(), ensure_ascii=False) == json.dumps(result.to_json_dict(), ensure_ascii=False)
    pd.testing.assert_frame_equal(again.to_frame(), result.to_frame())


def test_genre_rankings(result, season):
    g = result.genre_rankings
    assert len(g) and (g.groupby("genre")["genre_rank"].max() <= 10).all()
    for _, grp in g.groupby("genre"):
        assert grp["score"].is_monotonic_decreasing
    top = g.loc[g["genre_rank"] == 1].set_index("genre")
    annual = season["annual"].set_index("drama_id")
    dramas = season["dramas"].set_index("drama_id")
    for genre, row in top.iterrows():
        members = [d for d in annual.index if genre in dramas.at[d, "genres"].split("|")]
        assert annual.loc[members, "score"].max() == pytest.approx(row["score"])


def test_missing_jury_renormalises_over_the_other_components():
    annual, dramas = small([{"drama_id": "a", "score": 80}, {"drama_id": "b", "score": 70}])
    jury = pd.DataFrame(jury_rows("b", [100, 100, 100]))
    res = select_awards(annual, dramas, one({"score": 0.5, "jury": 0.5}), jury=jury)
    by = {c["drama_id"]: c for c in res.categories["influence"].winners}
    assert by["a"]["blended"] == pytest.approx(80.0) and by["a"]["weights"]["jury"] == 0.0
    assert by["b"]["blended"] == pytest.approx(85.0)


def test_too_few_jurors_missing_or_ineligible():
    annual, dramas = small([{"drama_id": "a", "score": 80}, {"drama_id": "b", "score": 70}])
    jury = pd.DataFrame(jury_rows("a", [10, 10]) + jury_rows("b", [90, 90, 90]))
    res = select_awards(annual, dramas, one({"score": 0.5, "jury": 0.5}), jury=jury)
    a = next(c for c in res.categories["influence"].winners if c["drama_id"] == "a")
    assert a["jury"]["n_jurors"] == 2 and not a["jury"]["used"] and a["blended"] == pytest.approx(80.0)
    assert "评委仅2位" in a["reason"]
    strict = one({"score": 0.5, "jury": 0.5}, jury={"on_too_few": "ineligible"})
    res2 = select_awards(annual, dramas, strict, jury=jury)
    cat = res2.categories["influence"]
    assert [c["drama_id"] for c in cat.winners] == ["b"] and cat.excluded == {"too_few_jurors": 1}
    lenient = one({"score": 0.5, "jury": 0.5}, jury={"min_jurors": 2})
    a3 = next(c for c in select_awards(annual, dramas, lenient, jury=jury).categories["influence"].winners
              if c["drama_id"] == "a")
    assert a3["jury"]["used"] and a3["blended"] == pytest.approx(45.0)


def test_recusal_through_selection():
    annual, dramas = small([{"drama_id": "a", "score": 60, "producer": "星河影业"}])
    rows = jury_rows("a", [60, 60, 60]) + [{"drama_id": "a", "category": "influence", "juror": "insider",
                                            "score": 100, "institution": "星河影业"}]
    cfg = one({"jury": 1.0}, jury={"trim": 0.0})
    case = select_awards(annual, dramas, cfg, jury=pd.DataFrame(rows)).categories["influence"].winners[0]
    assert case["jury"]["trimmed_mean"] == pytest.approx(60.0) and case["jury"]["n_recused"] == 1
    off = one({"jury": 1.0}, jury={"trim": 0.0, "recusal": False})
    case2 = select_awards(annual, dramas, off, jury=pd.DataFrame(rows)).categories["influence"].winners[0]
    assert case2["jury"]["trimmed_mean"] == pytest.approx(70.0)


def test_ties_blended_then_index_score_then_earlier_release_then_id():
    rows = [
        {"drama_id": "z_early", "score": 50, "reach": 70, "release_date": "2024-02-01"},
        {"drama_id": "a_late", "score": 50, "reach": 70, "release_date": "2024-03-01"},
        {"drama_id": "b_same", "score": 50, "reach": 70, "release_date": "2024-03-01"},
        {"drama_id": "hi_score", "score": 60, "reach": 60, "release_date": "2024-05-01"},
        {"drama_id": "top", "score": 50, "reach": 80, "release_date": "2024-06-01"},
    ]
    annual, dramas = small(rows)
    # blended = (score + reach)/2: top 65, others 60 → then score (hi_score), release, id
    res = select_awards(annual, dramas, one({"score": 1, "reach": 1}))
    order = [c["drama_id"] for c in res.categories["influence"].winners + res.categories["influence"].shortlist]
    assert order == ["top", "hi_score", "z_early", "a_late", "b_same"]


@pytest.mark.parametrize("rule", ["exclude", "demote", "flag"])
def test_anomaly_rule(rule):
    annual, dramas = small([{"drama_id": "cheat", "score": 95}, {"drama_id": "b", "score": 80},
                            {"drama_id": "c", "score": 70}, {"drama_id": "low", "score": 90}])
    anomalies = pd.DataFrame([
        {"drama_id": "cheat", "platform": "douyin", "start": "2024-03-01", "end": "2024-03-05",
         "indicator": "plays", "reason": "burst", "severity": "high"},
        {"drama_id": "cheat", "platform": "douyin", "start": "2024-04-01", "end": "2024-04-02",
         "indicator": "likes", "reason": "likes_only", "severity": "medium"},
        {"drama_id": "low", "platform": "kuaishou", "start": "2024-03-01", "end": "2024-03-02",
         "indicator": "likes", "reason": "x", "severity": "low"},
        {"drama_id": "b", "platform": "kuaishou", "start": "2024-03-01", "end": "2024-03-02",
         "indicator": "plays", "reason": "x", "severity": "high", "resolved": True},
    ])
    res = select_awards(annual, dramas, one({"score": 1}, anomaly_rule=rule), anomalies=anomalies)
    cat = res.categories["influence"]
    cases = cat.winners + cat.shortlist
    order = [c["drama_id"] for c in cases]
    if rule == "exclude":
        assert order == ["low", "b", "c"] and cat.excluded == {"anomaly_excluded": 1}
    elif rule == "demote":
        assert order == ["low", "b", "c", "cheat"]
        assert "已降级" in cases[-1]["reason"] and cases[-1]["integrity"]["rule_applied"] == "demote"
    else:
        assert order == ["cheat", "low", "b", "c"]
        assert cases[0]["integrity"] == {"anomalies": 2, "max_severity": "high", "flagged": False,
                                         "rule_applied": "flag"}
    low = next(c for c in cases if c["drama_id"] == "low")
    assert low["integrity"]["anomalies"] == 1 and low["integrity"]["rule_applied"] is None
    b = next(c for c in cases if c["drama_id"] == "b")
    assert b["integrity"]["anomalies"] == 0  # resolved anomalies do not count


def test_category_can_override_the_anomaly_rule_and_severity_threshold():
    annual, dramas = small([{"drama_id": "a", "score": 90}, {"drama_id": "b", "score": 80}])
    anomalies = pd.DataFrame([{"drama_id": "a", "severity": "medium"}])
    cfg = AwardsConfig.from_mapping({"anomaly_severity": "medium", "categories": {
        "influence": {"weights": {"score": 1}, "anomaly_rule": "exclude"},
        "innovation": {"weights": {"score": 1}}}})
    res = select_awards(annual, dramas, cfg, anomalies=anomalies)
    assert [c["drama_id"] for c in res.categories["influence"].winners] == ["b"]
    assert [c["drama_id"] for c in res.categories["innovation"].winners] == ["b", "a"]  # demoted


def test_required_novelty_and_indicator_components():
    rows = [{"drama_id": "first", "score": 90, "release_date": "2024-01-01", "synopsis": "霸道总裁爱上灰姑娘"},
            {"drama_id": "copy", "score": 80, "release_date": "2024-02-01", "synopsis": "霸道总裁爱上灰姑娘"},
            {"drama_id": "new", "score": 60, "release_date": "2024-03-01", "synopsis": "三星堆考古学家穿越古蜀"}]
    annual, dramas = small(rows)
    cfg = AwardsConfig.from_mapping({"categories": {
        "innovation": {"weights": {"novelty": 0.8, "score": 0.2}, "require": ["novelty"]},
        "influence": {"weights": {"completion": 1.0}}}})
    ind = pd.DataFrame({"drama_id": ["first", "copy", "new"], "completion": [0.2, 0.5, 0.4]})
    res = select_awards(annual, dramas, cfg, indicators=ind)
    inn = res.categories["innovation"]
    assert inn.excluded == {"missing_component": 1}
    assert [c["drama_id"] for c in inn.winners] == ["new", "copy"]
    inf = res.categories["influence"]
    assert [(c["drama_id"], c["components"]["completion"]) for c in inf.winners] == [
        ("copy", 100.0), ("new", 50.0), ("first", 0.0)]


def test_missing_columns_are_clear_errors():
    from fanxing.awards import AwardsInputError

    annual, dramas = small([{"drama_id": "a", "score": 1}])
    with pytest.raises(AwardsInputError, match="annual.*score"):
        select_awards(annual.drop(columns="score"), dramas)
    with pytest.raises(AwardsInputError, match="jury.*juror"):
        select_awards(annual, dramas, jury=pd.DataFrame({"drama_id": ["a"], "category": ["influence"], "score": [1]}))
