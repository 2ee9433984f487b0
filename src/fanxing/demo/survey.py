"""surveys/: a respondent-level audience survey (~3,000 respondents) and its questions.yaml.

Shares follow the seed article's findings (Shanghai and Chengdu the most wanted cities to live in,
nearly 90% of Chengdu-drama viewers willing to pay for Chengdu culture and tourism, strong interest
in Sichuan dialect, 川剧变脸 and 蜀锦蜀绣 popular); the respondents themselves are generated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.demo.rng import stream

PROVINCES = [("四川", 15), ("广东", 10), ("浙江", 7), ("江苏", 7), ("河南", 7), ("山东", 6), ("湖北", 5),
             ("湖南", 5), ("北京", 4), ("上海", 4), ("重庆", 4), ("陕西", 4), ("福建", 4), ("安徽", 4),
             ("河北", 4), ("辽宁", 3), ("云南", 2), ("广西", 2), ("黑龙江", 2), ("江西", 1)]
CITIES = [("上海", 0.41), ("成都", 0.40), ("杭州", 0.24), ("北京", 0.22), ("深圳", 0.17), ("重庆", 0.15),
          ("广州", 0.14), ("西安", 0.12), ("厦门", 0.11), ("长沙", 0.10), ("大理", 0.09), ("三亚", 0.08)]
APPEAL = [("美食", 0.78), ("气候", 0.52), ("生活气息", 0.58), ("休闲氛围", 0.61), ("文化底蕴", 0.35),
          ("生活成本", 0.27), ("交通便利", 0.14)]
DIALECTS = [("四川话", 0.61), ("粤语", 0.36), ("东北话", 0.33), ("陕西话", 0.14), ("上海话", 0.12),
            ("河南话", 0.10), ("闽南语", 0.08)]
ELEMENTS = [("川剧变脸", 0.63), ("蜀锦蜀绣", 0.55), ("大熊猫", 0.50), ("火锅", 0.47), ("三星堆", 0.36),
            ("宽窄巷子", 0.30), ("茶馆", 0.27), ("金沙太阳神鸟", 0.25), ("都江堰", 0.22), ("杜甫草堂", 0.18)]
GENRES = [("甜宠", 0.38), ("逆袭", 0.36), ("古装", 0.33), ("家庭", 0.25), ("悬疑", 0.22), ("都市", 0.22),
          ("喜剧", 0.20), ("重生", 0.18), ("年代", 0.12), ("奇幻", 0.10)]
PLATFORMS = [("抖音", 0.72), ("红果短剧", 0.55), ("快手", 0.44), ("微信视频号", 0.30), ("腾讯视频", 0.18),
             ("爱奇艺", 0.15), ("优酷", 0.10), ("芒果TV", 0.09), ("哔哩哔哩", 0.12)]

QUESTIONS = [
    {"id": "live_city", "text": "看完微短剧后，您最想去旅居的城市是？（可多选）", "type": "multi",
     "options": [c for c, _ in CITIES]},
    {"id": "chengdu_appeal", "text": "成都吸引您的地方有哪些？（选择成都者回答，可多选）", "type": "multi",
     "options": [c for c, _ in APPEAL]},
    {"id": "watched_chengdu_drama", "text": "您是否看过以成都为题材或在成都拍摄的微短剧？", "type": "single",
     "options": ["是", "否"]},
    {"id": "pay_chengdu_experience", "text": "看完这类微短剧后，您是否愿意花钱体验成都文旅特色？（看过者回答）",
     "type": "single", "options": ["愿意", "不确定", "不愿意"]},
    {"id": "dialect_interest", "text": "您对哪些方言的微短剧感兴趣？（可多选）", "type": "multi",
     "options": [c for c, _ in DIALECTS]},
    {"id": "sichuan_dialect_score", "text": "您对四川话微短剧的兴趣程度（1=完全没兴趣，5=非常感兴趣）",
     "type": "scale", "min": 1, "max": 5},
    {"id": "cultural_elements", "text": "您喜欢微短剧中出现的哪些成都/四川文化元素？（可多选）", "type": "multi",
     "options": [c for c, _ in ELEMENTS]},
    {"id": "favourite_genres", "text": "您喜欢的微短剧题材（可多选）", "type": "multi",
     "options": [c for c, _ in GENRES]},
    {"id": "platforms_used", "text": "您常用哪些平台看微短剧？（可多选）", "type": "multi",
     "options": [c for c, _ in PLATFORMS]},
    {"id": "weekly_watch_hours", "text": "您平均每周观看微短剧的时长（小时）", "type": "numeric"},
    {"id": "paid_for_micro_drama", "text": "您是否曾为微短剧付费（充值解锁或会员）？", "type": "single",
     "options": ["是", "否"]},
]


def _multi(rng: np.random.Generator, options: list[tuple[str, float]], n: int, lift: np.ndarray | None = None,
           at_least_one: bool = True) -> np.ndarray:
    """'|'-joined multi-choice answers; ``lift`` (n, options) multiplies the base probabilities."""
    p = np.array([w for _, w in options])[None, :] * (1.0 if lift is None else lift)
    chosen = rng.random((n, len(options))) < np.clip(p, 0, 0.97)
    if at_least_one:
        none = ~chosen.any(axis=1)
        keys = np.log(np.broadcast_to(p, chosen.shape)) + rng.gumbel(size=chosen.shape)
        chosen[none, np.argmax(keys[none], axis=1)] = True
    out = np.full(n, "", dtype=object)
    for j, (name, _) in enumerate(options):
        col = chosen[:, j]
        out[col] = np.where(out[col] == "", name, out[col] + "|" + name)
    return out


def survey_frame(seed: int, n: int = 3000) -> pd.DataFrame:
    rng = stream(seed, "survey", n)
    prov_w = np.array([w for _, w in PROVINCES], dtype=float)
    province = np.array([p for p, _ in PROVINCES], dtype=object)[rng.choice(len(PROVINCES), n, p=prov_w / prov_w.sum())]
    sichuan = province == "四川"
    age = rng.choice(["18-24", "25-30", "31-40", "41-50", "51-60", "60+"], n, p=[0.2, 0.22, 0.26, 0.16, 0.1, 0.06])
    tier = rng.choice(["一线", "新一线", "二线", "三线及以下"], n, p=[0.18, 0.27, 0.22, 0.33])
    weight = rng.lognormal(0, 0.35, n)
    weight = np.round(weight / weight.mean(), 4)

    city_lift = np.ones((n, len(CITIES)))
    city_lift[sichuan, 1] = 1.3
    live = _multi(rng, CITIES, n, city_lift)
    chose_cd = pd.Series(live).str.contains("成都").to_numpy()
    appeal = np.where(chose_cd, _multi(rng, APPEAL, n), "")
    watched = rng.random(n) < np.where(sichuan, 0.65, 0.42)
    pay = np.where(watched, rng.choice(["愿意", "不确定", "不愿意"], n, p=[0.885, 0.075, 0.04]), "")
    dialect_lift = np.ones((n, len(DIALECTS)))
    dialect_lift[sichuan, 0] = 1.35
    sichuan_score = np.clip(np.rint(rng.normal(np.where(sichuan, 4.3, 3.8), 0.9)), 1, 5).astype(int)
    young = np.isin(age, ["18-24", "25-30"])
    hours = np.round(rng.lognormal(np.log(6.5), 0.7, n), 1)
    paid = rng.random(n) < np.where(young, 0.36, 0.30)
    return pd.DataFrame({
        "respondent_id": np.char.add("R", np.char.zfill(np.arange(1, n + 1).astype(str), 5)),
        "weight": weight, "gender": rng.choice(["女", "男"], n, p=[0.53, 0.47]), "age_group": age,
        "city_tier": tier, "province": province,
        "live_city": live, "chengdu_appeal": appeal, "watched_chengdu_drama": np.where(watched, "是", "否"),
        "pay_chengdu_experience": pay, "dialect_interest": _multi(rng, DIALECTS, n, dialect_lift, False),
        "sichuan_dialect_score": sichuan_score, "cultural_elements": _multi(rng, ELEMENTS, n),
        "favourite_genres": _multi(rng, GENRES, n), "platforms_used": _multi(rng, PLATFORMS, n),
        "weekly_watch_hours": hours, "paid_for_micro_drama": np.where(paid, "是", "否"),
    })
