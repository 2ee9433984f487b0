"""Regional cultural elements (地域文化元素) in titles and synopses, found with jieba.

A private jieba tokenizer gets a user dictionary of elements (with their aliases) and of
"blockers": ordinary words that contain an element's characters but are not the element
(金沙江 is a river, not the 金沙 site; 冰雪聪明 is not ice-and-snow culture; 飞天茅台 is a liquor).
Matching whole tokens, never substrings, is what keeps those near misses out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

# (element, group, aliases) — the first alias is the element itself
ELEMENTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("川剧变脸", "巴蜀文化", ("川剧变脸", "川剧", "学变脸", "变脸绝活")),
    ("蜀锦蜀绣", "巴蜀文化", ("蜀锦蜀绣", "蜀锦", "蜀绣", "织蜀锦")),
    ("大熊猫", "巴蜀文化", ("大熊猫", "熊猫", "熊猫基地", "养熊猫")),
    ("火锅", "巴蜀文化", ("火锅", "火锅店", "开火锅店", "火锅店老板")),
    ("川菜", "巴蜀文化", ("川菜", "麻辣烫", "豆花", "卖豆花", "卖麻辣烫")),
    ("金沙/太阳神鸟", "巴蜀文化", ("金沙太阳神鸟", "太阳神鸟", "金沙遗址", "金沙")),
    ("三星堆", "巴蜀文化", ("三星堆", "青铜神树", "青铜面具")),
    ("宽窄巷子", "巴蜀文化", ("宽窄巷子",)),
    ("锦里", "巴蜀文化", ("锦里",)),
    ("杜甫草堂", "巴蜀文化", ("杜甫草堂",)),
    ("都江堰", "巴蜀文化", ("都江堰",)),
    ("青城山", "巴蜀文化", ("青城山",)),
    ("茶馆/盖碗茶", "巴蜀文化", ("茶馆", "盖碗茶", "开茶馆", "老茶馆")),
    ("川江号子", "巴蜀文化", ("川江号子",)),
    ("山城夜景", "巴蜀文化", ("山城夜景",)),
    ("秦腔", "秦陇文化", ("秦腔",)),
    ("兵马俑", "秦陇文化", ("兵马俑",)),
    ("大唐不夜城", "秦陇文化", ("大唐不夜城",)),
    ("皮影戏", "秦陇文化", ("皮影戏", "皮影")),
    ("莫高窟/飞天", "秦陇文化", ("莫高窟", "飞天", "敦煌壁画")),
    ("丝路", "秦陇文化", ("丝路", "丝绸之路")),
    ("少林功夫", "中原文化", ("少林功夫", "少林")),
    ("豫剧", "中原文化", ("豫剧",)),
    ("龙门石窟", "中原文化", ("龙门石窟",)),
    ("汴绣", "中原文化", ("汴绣",)),
    ("越剧", "江南文化", ("越剧",)),
    ("西湖", "江南文化", ("西湖",)),
    ("龙井茶", "江南文化", ("龙井茶", "龙井")),
    ("青瓷", "江南文化", ("青瓷",)),
    ("昆曲", "江南文化", ("昆曲",)),
    ("苏绣", "江南文化", ("苏绣",)),
    ("园林", "江南文化", ("园林", "苏州园林")),
    ("粤剧", "岭南文化", ("粤剧",)),
    ("早茶", "岭南文化", ("早茶",)),
    ("醒狮", "岭南文化", ("醒狮",)),
    ("广绣", "岭南文化", ("广绣",)),
    ("二人转", "东北文化", ("二人转",)),
    ("冰雪", "东北文化", ("冰雪",)),
    ("中央大街", "东北文化", ("中央大街",)),
    ("京剧", "京津文化", ("京剧",)),
    ("胡同", "京津文化", ("胡同",)),
    ("景泰蓝", "京津文化", ("景泰蓝",)),
    ("海派旗袍", "海派文化", ("海派旗袍", "旗袍")),
    ("石库门", "海派文化", ("石库门",)),
    ("沪剧", "海派文化", ("沪剧",)),
    ("湘绣", "湖湘文化", ("湘绣",)),
    ("花鼓戏", "湖湘文化", ("花鼓戏",)),
    ("湘菜", "湖湘文化", ("湘菜",)),
    ("楚剧", "荆楚文化", ("楚剧",)),
    ("热干面", "荆楚文化", ("热干面",)),
    ("编钟", "荆楚文化", ("编钟",)),
    ("扎染", "滇文化", ("扎染",)),
    ("茶马古道", "滇文化", ("茶马古道",)),
    ("洱海", "滇文化", ("洱海",)),
    ("南音", "闽南文化", ("南音",)),
    ("土楼", "闽南文化", ("土楼",)),
    ("工夫茶", "闽南文化", ("工夫茶",)),
    ("吕剧", "齐鲁文化", ("吕剧",)),
    ("崂山", "齐鲁文化", ("崂山",)),
    ("剪纸", "齐鲁文化", ("剪纸",)),
    ("黎锦", "海南文化", ("黎锦",)),
    ("非遗", "非遗（通用）", ("非遗", "非遗传承人", "非物质文化遗产", "传承人", "祖传手艺")),
]

#: words that contain an element's characters but mean something else
BLOCKERS: tuple[str, ...] = ("金沙江", "金沙滩", "金沙湾", "冰雪聪明", "冰雪节", "飞天茅台", "飞天梦",
                             "熊猫血", "熊猫眼", "熊猫优选", "三星手机", "胡同口儿", "西湖醋鱼", "园林局")

GROUP_ORDER = ["巴蜀文化", "秦陇文化", "中原文化", "江南文化", "岭南文化", "东北文化", "京津文化", "海派文化",
               "湖湘文化", "荆楚文化", "滇文化", "闽南文化", "齐鲁文化", "海南文化", "非遗（通用）"]


@dataclass
class CultureTagger:
    """Finds cultural elements in Chinese text with a private jieba tokenizer and a user dictionary."""

    elements: tuple[tuple[str, str, tuple[str, ...]], ...] = tuple(ELEMENTS)
    blockers: tuple[str, ...] = BLOCKERS

    @cached_property
    def alias_map(self) -> dict[str, tuple[str, str]]:
        return {a: (name, group) for name, group, aliases in self.elements for a in aliases}

    @cached_property
    def tokenizer(self):
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        for word in [*self.alias_map, *self.blockers]:
            tk.add_word(word, tag="nz")
            tk.suggest_freq(word, tune=True)
        return tk

    def user_dict_lines(self) -> list[str]:
        """The user dictionary in jieba's text format (word freq tag), for inspection and docs."""
        tk = self.tokenizer
        return [f"{w} {tk.FREQ.get(w, 1)} nz" for w in [*self.alias_map, *self.blockers]]

    def tokens(self, text: str) -> list[str]:
        return [t for t in self.tokenizer.lcut(str(text or ""), HMM=False) if t.strip()]

    def find(self, text: str) -> list[tuple[str, str, str]]:
        """(element, group, matched word) for each distinct element in the text, in order of appearance."""
        seen: dict[str, tuple[str, str, str]] = {}
        for tok in self.tokens(text):
            hit = self.alias_map.get(tok)
            if hit and hit[0] not in seen:
                seen[hit[0]] = (hit[0], hit[1], tok)
        return list(seen.values())


def tag_dramas(catalogue: pd.DataFrame, tagger: CultureTagger | None = None,
               fields: tuple[str, ...] = ("title", "synopsis")) -> pd.DataFrame:
    """drama_id, element, group, matched, field — one row per drama × element (first field wins)."""
    tagger = tagger or CultureTagger()
    rows = []
    for r in catalogue.itertuples(index=False):
        found: set[str] = set()
        for f in fields:
            for element, group, word in tagger.find(getattr(r, f, "") if isinstance(getattr(r, f, ""), str) else ""):
                if element not in found:
                    found.add(element)
                    rows.append({"drama_id": r.drama_id, "element": element, "group": group,
                                 "matched": word, "field": f})
    return pd.DataFrame(rows, columns=["drama_id", "element", "group", "matched", "field"])


def _perf(ids: set[str], scores: pd.Series, ranks: pd.Series, n_catalogue: int) -> dict:
    ranked = scores.index.intersection(list(ids))
    rest = scores.index.difference(list(ids))
    with_s, rest_s = scores.loc[ranked], scores.loc[rest]
    return {"n_dramas": len(ids), "share": len(ids) / n_catalogue if n_catalogue else np.nan,
            "n_ranked": len(ranked),
            "mean_score": float(with_s.mean()) if len(with_s) else np.nan,
            "mean_score_rest": float(rest_s.mean()) if len(rest_s) else np.nan,
            "median_rank": float(ranks.loc[ranked].median()) if len(ranked) else np.nan,
            "n_top20": int((ranks.loc[ranked] <= 20).sum())}


def element_performance(catalogue: pd.DataFrame, annual: pd.DataFrame, tags: pd.DataFrame) -> pd.DataFrame:
    """Per element and per group: dramas mentioning it, share of the catalogue, mean annual index
    score of those ranked vs all other ranked dramas (``diff``), median rank, how many in the top 20."""
    scores = annual.set_index("drama_id")["score"].astype(float)
    ranks = annual.set_index("drama_id")["rank"].astype(float)
    n = len(catalogue)
    rows = []
    for (element, group), g in tags.groupby(["element", "group"]):
        rows.append({"level": "element", "element": element, "group": group, **_perf(set(g.drama_id), scores, ranks, n)})
    for group, g in tags.groupby("group"):
        rows.append({"level": "group", "element": f"{group}（任一元素）", "group": group,
                     **_perf(set(g.drama_id), scores, ranks, n)})
    out = pd.DataFrame(rows, columns=["level", "element", "group", "n_dramas", "share", "n_ranked", "mean_score",
                                      "mean_score_rest", "median_rank", "n_top20"])
    out["diff"] = out["mean_score"] - out["mean_score_rest"]
    order = {g: i for i, g in enumerate(GROUP_ORDER)}
    out["_g"] = out["group"].map(order).fillna(len(order))
    out = out.sort_values(["level", "_g", "n_dramas"], ascending=[False, True, False]).drop(columns="_g")
    return out.reset_index(drop=True)
