"""One-line Chinese reasons for award cases, built only from the evidence they carry."""

from __future__ import annotations

import math
import numbers

COMPONENT_ZH = {
    "score": "年度指数", "reach": "传播力", "engagement": "互动力", "reputation": "口碑力",
    "commercial": "商业力", "longevity": "长尾力", "novelty": "新颖度", "jury": "评委均分",
    "eq_plays": "等效播放量", "eq_shares": "等效分享量", "breadth": "平台覆盖", "interaction_rate": "互动率",
    "comment_rate": "评论率", "completion": "完播率", "rating": "评分", "positive_rate": "正向互动率",
    "eq_revenue": "等效收入", "revenue_per_play": "单次播放收入", "active_ratio": "活跃天数占比",
    "retention": "后半程留存",
}
IP_SOURCE_ZH = {"web_novel": "网络小说", "novel": "小说", "comic": "漫画", "game": "游戏",
                "film_tv": "影视作品", "other": "其他IP"}
INDUSTRY_ZH = {"culture_tourism": "文旅", "intangible_heritage": "非遗", "agriculture": "农业",
               "legal": "普法", "science": "科普", "health": "健康", "sports": "体育", "other": "其他"}
SEVERITY_ZH = {"low": "低", "medium": "中", "high": "高"}


def _ok(x: object) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and not math.isnan(float(x))


def index_phrase(rank: object, low: object, high: object) -> str:
    if not _ok(rank):
        return "未进入年度榜单"
    text = f"年度指数第{int(rank)}名"
    if _ok(low) and _ok(high) and (int(low) != int(rank) or int(high) != int(rank)):
        text += f"（区间{int(low)}–{int(high)}）"
    return text


def jury_phrase(jury: dict) -> str | None:
    n = jury.get("n_jurors", 0)
    if not n and not jury.get("n_recused"):
        return None
    if jury.get("used"):
        text = f"评委均分{jury['trimmed_mean']:.1f}（{n}位评委"
    else:
        text = f"评委仅{n}位，评委分未计入（按其余要素重新归一"
    if jury.get("n_recused"):
        text += f"，{jury['n_recused']}位回避"
    return text + "）"


def drama_reason(case: dict, category: str) -> str:
    """E.g. 年度指数第3名（区间2–5），传播力98.1，评委均分91.2（7位评委）."""
    idx = case["index"]
    parts = [index_phrase(idx.get("rank"), idx.get("rank_low"), idx.get("rank_high"))]
    comps, weights = case["components"], case["weights"]
    if category == "innovation" and _ok(comps.get("novelty")):
        nov = f"新颖度{comps['novelty']:.1f}"
        near = case.get("novelty") or {}
        if near.get("nearest_title") and _ok(near.get("nearest_similarity")):
            nov += f"（与最相近的早期作品《{near['nearest_title']}》相似度{near['nearest_similarity']:.2f}）"
        parts.append(nov)
    lead = [(weights.get(k, 0.0) * v, k, v) for k, v in comps.items()
            if k not in ("score", "jury", "novelty") and _ok(v) and _ok(weights.get(k))]
    if lead:
        _, name, value = max(lead, key=lambda t: (t[0], t[1]))
        parts.append(f"{COMPONENT_ZH.get(name, name)}{value:.1f}")
    drama = case.get("drama", {})
    if category == "ip_adaptation" and drama.get("ip_source"):
        parts.append(f"改编自{IP_SOURCE_ZH.get(drama['ip_source'], drama['ip_source'])}")
    if category == "brand_story" and drama.get("brand_partner"):
        parts.append(f"合作品牌{drama['brand_partner']}")
    if category == "empowerment" and drama.get("industry_tags"):
        parts.append("赋能" + "、".join(INDUSTRY_ZH.get(t, t) for t in drama["industry_tags"]))
    jp = jury_phrase(case["jury"])
    if jp:
        parts.append(jp)
    integ = case["integrity"]
    if integ.get("rule_applied") == "demote":
        parts.append(f"存在{integ['anomalies']}条未解决的{SEVERITY_ZH.get(integ['max_severity'], '')}风险异常，已降级排序")
    elif integ.get("rule_applied") == "flag":
        parts.append(f"存在{integ['anomalies']}条未解决的{SEVERITY_ZH.get(integ['max_severity'], '')}风险异常（已标注）")
    return "，".join(parts)


def producer_reason(row: dict, top_k: int, top_share: float) -> str:
    k = min(top_k, row["n_works"])
    text = (f"{row['n_works']}部作品，最佳{k}部指数均分{row['quality']:.1f}，"
            f"{row['n_top']}部进入年度前{round(top_share * 100)}%，"
            f"覆盖{row['n_genres']}类题材")
    if row.get("n_platforms"):
        text += f"、{row['n_platforms']}个平台"
    return text


def platform_reason(row: dict, top_k: int, hits_top_n: int) -> str:
    k = min(top_k, row["n_works"])
    return (f"承载{row['n_works']}部作品，最佳{k}部播放加权指数均分{row['quality']:.1f}，"
            f"年度前{hits_top_n}中{row['n_hits']}部（独家{row['n_exclusives']}部），"
            f"等效播放占比{row['reach']:.1f}%")
