"""Cultural-element tagging with jieba and a user dictionary: hits, near misses, performance."""

from __future__ import annotations

import pandas as pd
import pytest

from fanxing.insight.culture import CultureTagger, element_performance, tag_dramas


@pytest.fixture(scope="module")
def tagger() -> CultureTagger:
    return CultureTagger()


@pytest.mark.parametrize(("text", "expected"), [
    ("剧中融入川剧变脸、蜀锦蜀绣等元素，以微短剧的方式讲述成都故事。", {"川剧变脸", "蜀锦蜀绣"}),
    ("她在熊猫基地当饲养员，周末去宽窄巷子的老茶馆喝盖碗茶。", {"大熊猫", "宽窄巷子", "茶馆/盖碗茶"}),
    ("考古队员在三星堆与金沙遗址之间奔走，太阳神鸟金光流转。", {"三星堆", "金沙/太阳神鸟"}),
    ("杜甫草堂旁开火锅店的老板，带着女儿去都江堰看水。", {"杜甫草堂", "火锅", "都江堰"}),
    ("一心守护祖传手艺的非遗传承人决定回到家乡。", {"非遗"}),
    ("我是大佬之我在成都织蜀锦", {"蜀锦蜀绣"}),
])
def test_elements_are_found(tagger: CultureTagger, text: str, expected: set[str]) -> None:
    found = {e for e, _, _ in tagger.find(text)}
    assert found == expected
    assert all(g == "巴蜀文化" for e, g, _ in tagger.find(text) if e != "非遗")


@pytest.mark.parametrize("text", [
    "金沙江畔的渔村少女冰雪聪明。",       # 金沙江 is a river, not the 金沙 site; 冰雪聪明 is not ice culture
    "总裁开了一瓶飞天茅台，说她是熊猫血。",  # a liquor and a blood type
    "他换了一部三星手机，在大学里当助教。",  # 三星 ≠ 三星堆
    "男主角当场变了脸色，转身离开了茶楼。",  # no 川剧, no 茶馆
])
def test_near_misses_are_not_hits(tagger: CultureTagger, text: str) -> None:
    assert tagger.find(text) == []


def test_user_dictionary_is_private(tagger: CultureTagger) -> None:
    import jieba

    tagger.find("金沙太阳神鸟")
    assert "金沙太阳神鸟" in tagger.tokenizer.FREQ
    assert jieba.dt.FREQ.get("金沙太阳神鸟") is None  # the global jieba dictionary is untouched
    lines = tagger.user_dict_lines()
    assert any(line.startswith("川剧变脸 ") for line in lines) and any(line.startswith("金沙江 ") for line in lines)


def test_tagging_and_performance_by_hand(tagger: CultureTagger) -> None:
    cat = pd.DataFrame({
        "drama_id": ["A", "B", "C", "D"],
        "title": ["那年我在成都织蜀锦", "霸总的契约", "火锅店的春天", "长安十二时辰"],
        "synopsis": ["剧中融入火锅等元素。", "冰雪聪明的她遇见了总裁。", "", "剧中融入秦腔、兵马俑等元素。"],
    })
    annual = pd.DataFrame({"drama_id": ["A", "B", "C", "D"], "rank": [1, 4, 2, 3], "score": [80.0, 20.0, 60.0, 40.0]})
    tags = tag_dramas(cat, tagger)
    got = {(r.drama_id, r.element) for r in tags.itertuples()}
    assert got == {("A", "蜀锦蜀绣"), ("A", "火锅"), ("C", "火锅"), ("D", "秦腔"), ("D", "兵马俑")}
    assert tags.set_index(["drama_id", "element"]).loc[("A", "蜀锦蜀绣"), "field"] == "title"
    perf = element_performance(cat, annual, tags).set_index("element")
    hot = perf.loc["火锅"]
    assert hot.n_dramas == 2 and hot.share == pytest.approx(0.5)
    assert hot.mean_score == pytest.approx(70.0) and hot.mean_score_rest == pytest.approx(30.0)
    assert hot["diff"] == pytest.approx(40.0) and hot.n_top20 == 2
    bashu = perf.loc["巴蜀文化（任一元素）"]
    assert bashu.level == "group" and bashu.n_dramas == 2
    qinlong = perf.loc["秦陇文化（任一元素）"]
    assert qinlong.mean_score == pytest.approx(40.0) and qinlong.mean_score_rest == pytest.approx(160 / 3)
