import pandas as pd
import pytest
from awards_factory import small

from fanxing.awards import AwardsConfig, select_awards


def producers_case(n_filler=60):
    """30 mediocre works of a volume house, 5 excellent ones of a boutique, and filler producers."""
    rows = [{"drama_id": f"v{i:02d}", "score": 50 + (i % 5), "producer": "量产", "genres": ["都市", "古装", "悬疑",
                                                                                            "甜宠", "逆袭"][(i // 5) % 5]}
            for i in range(30)]
    rows += [{"drama_id": f"b{i}", "score": 88 + i, "producer": "精品", "genres": "都市|甜宠"} for i in range(5)]
    rows += [{"drama_id": f"f{i:02d}", "score": 40 + (i % 40), "producer": f"F{i % 12}", "genres": "家庭"}
             for i in range(n_filler)]
    return small(rows)


def cfg(cid, **rules):
    weights = {"producer": {"quality": 0.6, "excellence": 0.25, "breadth": 0.15},
               "platform": {"quality": 0.5, "hits": 0.25, "exclusives": 0.15, "reach": 0.1}}[cid]
    return AwardsConfig.from_mapping({"categories": {cid: {"weights": weights, "winners": 1, "shortlist": 20,
                                                           **rules}}})


def test_five_excellent_works_beat_thirty_mediocre_ones():
    annual, dramas = producers_case()
    res = select_awards(annual, dramas, cfg("producer"))
    rank = res.ranking("producer").set_index("producer")
    assert res.categories["producer"].winners[0]["unit_id"] == "精品"
    assert rank.loc["量产", "n_works"] == 30 and rank.loc["量产", "excellence"] == 0
    assert rank.loc["精品", "excellence"] == 100.0
    # breadth is counted over the best works only: 30 works in 5 genres buy no more than 5 works could
    assert rank.loc["量产", "n_genres"] == 5
    assert rank.loc["精品", "score"] > rank.loc["量产", "score"] + 20
    assert "5部作品" in res.categories["producer"].winners[0]["reason"]


def test_breadth_rewards_range_at_equal_quality():
    rows = [{"drama_id": f"a{i}", "score": 80, "producer": "单一", "genres": "都市"} for i in range(5)]
    rows += [{"drama_id": f"b{i}", "score": 80, "producer": "多元", "genres": ["都市", "古装", "悬疑", "喜剧", "科幻"][i]}
             for i in range(5)]
    annual, dramas = small(rows)
    rank = select_awards(annual, dramas, cfg("producer")).ranking("producer").set_index("producer")
    assert rank.loc["多元", "breadth"] == 100.0 and rank.loc["单一", "breadth"] == 20.0
    assert rank.loc["多元", "score"] > rank.loc["单一", "score"]


def test_producers_below_min_works_are_not_ranked():
    annual, dramas = producers_case()
    res = select_awards(annual, dramas, cfg("producer", min_works=6))
    assert "精品" not in set(res.ranking("producer")["producer"])


def platforms_case():
    """`mass` carries 80 mediocre dramas with huge plays; `quality` carries 12 excellent exclusive hits."""
    rows, pp = [], []
    for i in range(80):
        rows.append({"drama_id": f"m{i:02d}", "score": 40 + (i % 20)})
        pp.append({"platform": "mass", "drama_id": f"m{i:02d}", "plays": 5e7, "eq_plays": 50.0})
    for i in range(12):
        rows.append({"drama_id": f"q{i:02d}", "score": 85 + i / 2})
        pp.append({"platform": "quality", "drama_id": f"q{i:02d}", "plays": 9e6, "eq_plays": 9.0})
        pp.append({"platform": "mass", "drama_id": f"q{i:02d}", "plays": 1e5, "eq_plays": 0.1})  # < 5%: not carried
    for i in range(3):  # a tiny platform below min_works
        pp.append({"platform": "tiny", "drama_id": f"q{i:02d}", "plays": 1e6, "eq_plays": 1.0})
    annual, dramas = small(rows)
    return annual, dramas, pd.DataFrame(pp)


def test_platform_quality_and_exclusive_hits_beat_volume():
    annual, dramas, pp = platforms_case()
    res = select_awards(annual, dramas, cfg("platform", hits_top_n=20, top_k=10, min_works=4), per_platform=pp)
    rank = res.ranking("platform").set_index("platform")
    assert list(rank.index) == ["quality", "mass"]  # tiny carries 3 < min_works 4
    q, m = rank.loc["quality"], rank.loc["mass"]
    assert q["n_works"] == 12 and m["n_works"] == 80  # the 12 q-dramas are not carried by mass (< 5% of plays)
    assert q["n_hits"] == 12 and q["n_exclusives"] == 12 and m["n_hits"] == 8
    assert m["reach"] > q["reach"]
    assert q["score"] > m["score"]
    w = res.categories["platform"].winners[0]
    assert w["unit_id"] == "quality" and "独家12部" in w["reason"]


def test_platform_quality_is_play_weighted():
    rows = [{"drama_id": "hit", "score": 90}, {"drama_id": "flop", "score": 30}]
    rows += [{"drama_id": f"x{i}", "score": 50} for i in range(3)]
    annual, dramas = small(rows)
    pp = pd.DataFrame([{"platform": "p", "drama_id": "hit", "plays": 900.0},
                       {"platform": "p", "drama_id": "flop", "plays": 100.0}]
                      + [{"platform": "p", "drama_id": f"x{i}", "plays": 0.0} for i in range(3)]
                      + [{"platform": "r", "drama_id": f"x{i}", "plays": 10.0} for i in range(3)])
    res = select_awards(annual, dramas, cfg("platform", min_works=2, top_k=2), per_platform=pp)
    rank = res.ranking("platform").set_index("platform")
    assert rank.loc["p", "quality"] == pytest.approx(0.9 * 90 + 0.1 * 30)
    assert rank.loc["p", "n_works"] == 2  # zero plays: not carried
