import numpy as np
import pandas as pd
import pytest

from fanxing.awards.config import NoveltyConfig
from fanxing.awards.novelty import novelty, tfidf, tokenize

TROPE = "霸道总裁爱上平凡女孩，豪门恩怨纠葛，真假千金身份互换，最终有情人终成眷属"
OTHER = "战神赘婿隐忍三年归来复仇，豪门岳父一家悔不当初"
UNIQUE = "考古学家在三星堆发现会说话的青铜面具，穿越古蜀文明寻找太阳神鸟的秘密"


def frame(rows):
    return pd.DataFrame([{"drama_id": i, "release_date": d, "synopsis": s, "genres": g} for i, d, s, g in rows])


def test_user_dictionary_keeps_cultural_terms_whole_and_drops_stopwords():
    toks = tokenize("他在宽窄巷子学习川剧变脸，用蜀锦蜀绣打动了霸总", [], NoveltyConfig(genre_weight=0))
    for word in ("宽窄巷子", "川剧变脸", "蜀锦蜀绣", "霸总"):
        assert word in toks
    assert "在" not in toks and "了" not in toks
    assert tokenize("", ["甜宠"], NoveltyConfig(genre_weight=3)) == ["甜宠"] * 3


def test_tfidf_rows_are_unit_length_and_vocabulary_sorted():
    x, vocab = tfidf([["a", "b", "b"], ["b", "c"], []])
    assert vocab == ["a", "b", "c"]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    assert norms == pytest.approx([1.0, 1.0, 0.0])


def test_a_copy_of_an_earlier_drama_scores_about_zero_and_a_unique_one_high():
    f = frame([("a", "2024-01-01", TROPE, ["都市", "甜宠"]),
               ("b", "2024-02-01", OTHER, ["战神", "逆袭"]),
               ("copy", "2024-03-01", TROPE, ["都市", "甜宠"]),
               ("uniq", "2024-04-01", UNIQUE, ["科幻"])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert nv.at["copy", "novelty_distance"] == pytest.approx(0.0, abs=1e-9)
    assert nv.at["copy", "nearest_earlier"] == "a"
    assert nv.at["uniq", "novelty_distance"] > 0.95
    assert nv.at["copy", "novelty"] < nv.at["b", "novelty"] < nv.at["uniq", "novelty"]


def test_first_release_has_no_novelty_and_later_releases_are_never_compared():
    f = frame([("first", "2024-01-01", TROPE, ["都市"]),
               ("later_copy", "2024-05-01", TROPE, ["都市"]),
               ("mid", "2024-03-01", UNIQUE, ["科幻"])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert np.isnan(nv.at["first", "novelty_distance"]) and nv.at["first", "n_earlier"] == 0
    # "mid" would be compared only with "first", never with the later copy
    assert nv.at["mid", "n_earlier"] == 1 and nv.at["mid", "nearest_earlier"] == "first"
    assert nv.at["later_copy", "nearest_earlier"] == "first"
    # adding a later copy of "mid" does not make "mid" look derivative
    more = pd.concat([f, frame([("copy_of_mid", "2024-06-01", UNIQUE, ["科幻"])])], ignore_index=True)
    nv2 = novelty(more, NoveltyConfig(scale="distance"))
    assert nv2.at["mid", "novelty_distance"] > 0.9
    assert nv2.at["copy_of_mid", "novelty_distance"] == pytest.approx(0.0, abs=1e-9)


def test_same_day_releases_are_not_earlier_than_each_other():
    f = frame([("x", "2024-01-01", OTHER, []), ("a", "2024-02-01", TROPE, []), ("b", "2024-02-01", TROPE, [])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert nv.at["a", "nearest_earlier"] == "x" and nv.at["b", "nearest_earlier"] == "x"
    assert nv.at["a", "novelty_distance"] == pytest.approx(nv.at["b", "novelty_distance"])


def test_missing_text_or_date_means_missing_novelty_and_no_comparison():
    f = frame([("a", "2024-01-01", TROPE, []), ("empty", "2024-02-01", "", []),
               ("nodate", None, TROPE, []), ("b", "2024-03-01", TROPE, [])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert np.isnan(nv.at["empty", "novelty"]) and np.isnan(nv.at["nodate", "novelty"])
    assert nv.at["b", "n_earlier"] == 1  # neither the empty nor the undated drama is a neighbour


def test_crowded_themes_are_less_novel_than_a_single_close_neighbour():
    # k nearest: a drama close to many earlier ones scores lower than one close to just one
    base = [("o1", "2024-01-01", OTHER, ["战神"]), ("o2", "2024-01-02", OTHER, ["战神"]),
            ("o3", "2024-01-03", OTHER, ["战神"]), ("t1", "2024-01-04", TROPE, ["都市"])]
    half_other = "战神赘婿隐忍三年归来，考古学家发现青铜面具"
    half_trope = "霸道总裁爱上平凡女孩，考古学家发现青铜面具"
    f = frame(base + [("crowded", "2024-02-01", half_other, []), ("lonely", "2024-02-02", half_trope, [])])
    nv = novelty(f, NoveltyConfig(scale="distance", k=3))
    assert nv.at["crowded", "novelty_distance"] < nv.at["lonely", "novelty_distance"]


def test_percentile_scale_and_determinism():
    rng = np.random.default_rng(1)
    words = ["甜宠", "复仇", "豪门", "战神", "三星堆", "火锅", "熊猫", "宫斗", "重生", "萌宝", "律师", "医生"]
    rows = [(f"d{i}", str(pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(i))),
             "，".join(rng.choice(words, 4)), []) for i in range(60)]
    a = novelty(frame(rows), NoveltyConfig(k=3))
    b = novelty(frame(rows), NoveltyConfig(k=3))
    pd.testing.assert_frame_equal(a, b)
    valid = a["novelty"].dropna()
    assert valid.min() == 0.0 and valid.max() == 100.0
    ok = a["novelty"].notna()
    assert (a.loc[ok, "novelty"].rank() == a.loc[ok, "novelty_distance"].rank()).all()
