"""A realistic constructed season for the awards tests (seeded; ~200 dramas, every input frame)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SEASON = ("2024-01-01", "2024-12-31")
PLATFORMS = ["douyin", "kuaishou", "hongguo", "wechat_channels", "tencent_video", "iqiyi", "bilibili"]
GENRES = ["古装", "都市", "甜宠", "逆袭", "悬疑", "家庭", "喜剧", "穿越", "重生", "战神", "萌宝", "年代", "仙侠", "青春"]
TROPES = ["霸道总裁爱上平凡女孩", "战神赘婿隐忍归来", "真假千金身份互换", "萌宝助攻父母复合", "重生回到十八岁改写命运",
          "穿越古代成为王妃", "神医下山悬壶济世", "闪婚后发现老公是豪门继承人", "被退婚后逆袭成为女首富"]
CULTURE = ["川剧变脸", "蜀锦蜀绣", "三星堆", "宽窄巷子", "杜甫草堂", "太阳神鸟", "大熊猫", "火锅", "武侯祠", "都江堰"]
PLACES = ["成都", "重庆", "上海", "北京", "杭州", "西安"]
UNIQUE = ["考古学家在三星堆发现会说话的青铜面具，穿梭古蜀文明寻找太阳神鸟的秘密",
          "熊猫饲养员用四川话直播，带领全村发展生态旅游，守护大熊猫栖息地",
          "川剧变脸传承人与人工智能工程师合作，让千年非遗登上元宇宙舞台",
          "蜀锦织娘与时装设计师跨越百年对话，一根丝线连起两代人的梦想",
          "火锅店老板娘用一锅红汤调解街坊邻里的龙门阵，温情治愈小人物"]
BRANDS = ["某乳业", "某手机", "某白酒", "某文旅集团", "某美妆"]
TAGS = ["culture_tourism", "intangible_heritage", "agriculture", "legal", "science"]
JURORS = [f"J{i}" for i in range(1, 8)]


def make_season(n: int = 200, seed: int = 7) -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = [f"D{i:03d}" for i in range(1, n + 1)]
    # producers: 20 ordinary ones, one volume house with 30 mediocre works, one boutique with 5 excellent ones
    producers = list(rng.choice([f"机构{i:02d}" for i in range(1, 21)], size=n))
    quality = rng.normal(55, 12, size=n).clip(5, 95)
    volume = list(range(0, 30))
    boutique = list(range(30, 35))
    for i in volume:
        producers[i] = "量产影业"
        quality[i] = rng.normal(48, 4)
    for i in boutique:
        producers[i] = "精品工作室"
        quality[i] = rng.normal(90, 2)
    days = rng.integers(-60, 366, size=n)  # some released before the season
    days[: boutique[-1] + 1] = rng.integers(0, 366, size=boutique[-1] + 1)  # the two houses: all in season
    release = pd.Timestamp(SEASON[0]) + pd.to_timedelta(days, unit="D")
    genres = ["|".join(sorted(set(rng.choice(GENRES, size=rng.integers(1, 4), replace=False)))) for _ in ids]
    synopsis = []
    for i in range(n):
        if i % 40 == 39:
            synopsis.append(UNIQUE[(i // 40) % len(UNIQUE)])
        else:
            synopsis.append(f"{rng.choice(TROPES)}，在{rng.choice(PLACES)}的{rng.choice(CULTURE)}旁展开一段故事")
    ip = rng.choice(["original"] * 6 + ["web_novel", "novel", "comic", "game"], size=n)
    brand = [rng.choice(BRANDS) if rng.random() < 0.12 else "" for _ in ids]
    tags = ["|".join(rng.choice(TAGS, size=rng.integers(1, 3), replace=False)) if rng.random() < 0.15 else ""
            for _ in ids]
    dramas = pd.DataFrame({
        "drama_id": ids, "title": [f"剧{i:03d}" for i in range(1, n + 1)], "producer": producers,
        "release_date": release.strftime("%Y-%m-%d"), "genres": genres, "ip_source": ip, "brand_partner": brand,
        "industry_tags": tags, "region": rng.choice(["四川/成都", "浙江/横店", "陕西/西安"], size=n),
        "dialect": "", "synopsis": synopsis,
    })
    dims = {d: (quality + rng.normal(0, 8, size=n)).clip(0, 100)
            for d in ("reach", "engagement", "reputation", "commercial", "longevity")}
    score = np.mean(list(dims.values()), axis=0)
    order = np.argsort(-score, kind="stable")
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    annual = pd.DataFrame({"rank": rank, "drama_id": ids, "title": dramas["title"], "score": score,
                           "rank_low": np.maximum(1, rank - 2), "rank_high": np.minimum(n, rank + 3),
                           "p_top10": np.clip(1.0 - rank / 20.0, 0, 1), **dims, "flagged": False})
    annual = annual.sort_values("rank").reset_index(drop=True)
    indicators = pd.DataFrame({"drama_id": ids, "completion": rng.uniform(0.2, 0.8, size=n),
                               "rating": rng.uniform(5, 9.5, size=n), "eq_plays": rng.lognormal(0, 1, size=n)})
    rows = []
    for i, did in enumerate(ids):
        k = int(rng.integers(1, 4))
        for p in rng.choice(PLATFORMS[:5] if i % 3 else PLATFORMS, size=k, replace=False):
            plays = float(rng.lognormal(14 + quality[i] / 40, 0.5))
            rows.append({"platform": str(p), "drama_id": did, "plays": plays, "eq_plays": plays / 1e6})
    per_platform = pd.DataFrame(rows)
    jrows = []
    for cat in ("influence", "innovation", "ip_adaptation", "brand_story", "empowerment"):
        for i in range(n):
            if quality[i] < 50 and i % 5:
                continue
            for j, juror in enumerate(JURORS):
                jrows.append({"drama_id": ids[i], "category": cat, "juror": juror,
                              "score": float(np.clip(quality[i] + rng.normal(0, 6), 0, 100)),
                              "institution": "精品工作室" if j == 0 else ("机构03" if j == 1 else None)})
    jury = pd.DataFrame(jrows)
    anomalies = pd.DataFrame([
        {"drama_id": ids[boutique[0]], "platform": "douyin", "start": "2024-05-01", "end": "2024-05-07",
         "indicator": "plays", "reason": "burst", "severity": "high"},
        {"drama_id": ids[5], "platform": "kuaishou", "start": "2024-06-01", "end": "2024-06-03",
         "indicator": "likes", "reason": "likes_only", "severity": "low"},
    ])
    return {"annual": annual, "dramas": dramas, "indicators": indicators, "per_platform": per_platform,
            "jury": jury, "anomalies": anomalies}


def small(rows: list[dict]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(annual, dramas) from a few hand-written rows: drama_id, score and any catalogue column.

    Dimensions default to the score; ranks follow the scores (ties: by drama_id)."""
    df = pd.DataFrame(rows)
    df["title"] = df.get("title", df["drama_id"])
    for d in ("reach", "engagement", "reputation", "commercial", "longevity"):
        if d not in df:
            df[d] = df["score"]
    df = df.sort_values(["score", "drama_id"], ascending=[False, True]).reset_index(drop=True)
    df["rank"] = range(1, len(df) + 1)
    defaults = {"producer": "P", "release_date": "2024-06-01", "genres": "都市", "ip_source": "original",
                "brand_partner": "", "industry_tags": "", "synopsis": ""}
    for k, v in defaults.items():
        if k not in df:
            df[k] = v
    annual = df[["rank", "drama_id", "title", "score", "reach", "engagement", "reputation", "commercial",
                 "longevity"]].copy()
    dramas = df[["drama_id", "title", *defaults]].copy()
    return annual, dramas
