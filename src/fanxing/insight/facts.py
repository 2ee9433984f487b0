"""The only real-world figures the report prints, each with its source and 口径 (definition).

Copied from docs/spec industry-facts (secondary reporting). Everything else in the report is
computed from the build and the season; the demo season's dramas and traffic are fictional.
"""

from __future__ import annotations

#: audience and platform figures: (what, value, 口径, source)
AUDIENCE_FACTS: list[dict[str, str]] = [
    {"item": "微短剧用户规模（2024年6月）", "value": "5.76亿", "basis": "看过微短剧的网民，占网民 52.4%",
     "source": "《中国微短剧行业发展白皮书（2024）》，中国网络视听协会"},
    {"item": "微短剧用户规模（2024年12月）", "value": "6.62亿", "basis": "占网民 59.7%；人均单日观看 101 分钟",
     "source": "《中国网络视听发展研究报告（2025）》"},
    {"item": "经常观看微短剧的用户占比", "value": "39.9%", "basis": "微短剧用户中经常观看者",
     "source": "《中国网络视听发展研究报告（2024）》"},
    {"item": "曾为微短剧付费的用户占比", "value": "31.9%", "basis": "微短剧用户中曾付费者",
     "source": "《中国网络视听发展研究报告（2024）》"},
    {"item": "红果短剧月活跃用户", "value": "1.58亿 → 2.10亿 → 2.36亿",
     "basis": "2024年12月 / 2025年6月 / 2025年9月，月活（MAU）", "source": "QuestMobile"},
    {"item": "免费（广告变现）微短剧市场占比", "value": "约一半", "basis": "截至2024年10月",
     "source": "国泰海通（证券研究）"},
    {"item": "微短剧拍摄备案数量", "value": "398 → 2,775 → 2,581", "basis": "2021年 / 2022年 / 2023年1–11月",
     "source": "二手报道汇总（见 industry-facts）"},
    {"item": "平台清理虚假流量", "value": "383万 条虚假预约；拦截作弊行为 5,000万+ 次",
     "basis": "2025年某月，红果短剧披露", "source": "36氪/市象（2025年12月）"},
]

#: the seed article's survey findings (繁星指数 2024 insight report), quoted as reported
SEED_FINDINGS: list[str] = [
    "上海、成都位列用户最想旅居城市前列；成都的美食、气候、生活气息与休闲氛围是主要吸引力",
    "看过成都题材微短剧的观众中，近九成表示愿意花钱体验成都文旅特色",
    "观众对四川话方言剧兴趣浓厚；川剧变脸、蜀锦蜀绣是受欢迎的文化元素",
]
SEED_SOURCE = "繁星指数 2024 年度洞察报告（据“繁星闪耀”微短剧之夜报道，2025年1月8日，成都）"

#: the real market series, used only when neither the build nor the season supplies market data
MARKET_FALLBACK: list[tuple[int, float, str, str]] = [
    (2020, 9.4, "actual", "艾媒咨询 (iiMedia), as quoted by DataEye's 2024 report and 每日经济新闻 (2024-06-29)"),
    (2021, 36.8, "actual", "艾媒咨询 (iiMedia), as quoted by DataEye's 2024 report and 每日经济新闻 (2024-06-29)"),
    (2022, 101.7, "actual", "艾媒咨询 (iiMedia), as quoted by DataEye's 2024 report and 每日经济新闻 (2024-06-29)"),
    (2023, 373.9, "actual", "艾媒咨询 (iiMedia), as quoted by DataEye's 2024 report and 每日经济新闻 (2024-06-29)"),
    (2024, 504.4, "estimate", "《中国微短剧行业发展白皮书（2024）》, 中国网络视听协会, 2024-11-06 (citing industry estimates)"),
    (2025, 677.9, "forecast", "艾媒咨询 (iiMedia)"),
    (2025, 634.0, "estimate", "国泰海通 (securities research)"),
    (2026, 793.3, "forecast", "艾媒咨询 (iiMedia)"),
    (2026, 856.5, "forecast", "国泰海通 (securities research)"),
    (2027, 1006.8, "forecast", "艾媒咨询 (iiMedia); the 2024 white paper says above 1,000"),
]

MARKET_BASIS = "微短剧市场规模，亿元人民币；含付费、广告与分账收入（艾媒口径）"

INDUSTRY_TAG_ZH = {"culture_tourism": "文旅", "intangible_heritage": "非遗", "agriculture": "助农",
                   "legal": "普法", "science": "科普", "health": "健康", "sports": "体育", "other": "其他"}
IP_SOURCE_ZH = {"original": "原创", "web_novel": "网络小说", "novel": "小说/出版物", "comic": "漫画",
                "game": "游戏", "film_tv": "影视", "other": "其他"}
KIND_ZH = {"actual": "实际值", "estimate": "估算值", "forecast": "预测值"}
