"""UI strings of the dashboard in Chinese (default) and English; the language comes from ?lang= or a cookie."""

from __future__ import annotations

from fastapi import Request

LANGS = ("zh", "en")
COOKIE = "fanxing_lang"

STRINGS: dict[str, dict[str, str]] = {
    "site": {"zh": "繁星指数", "en": "Fanxing Index"},
    "tagline": {"zh": "微短剧开放评价平台", "en": "An open evaluation platform for micro short dramas"},
    "nav_rankings": {"zh": "榜单", "en": "Rankings"},
    "nav_awards": {"zh": "奖项", "en": "Awards"},
    "nav_platforms": {"zh": "平台", "en": "Platforms"},
    "nav_producers": {"zh": "创作机构", "en": "Producers"},
    "nav_methodology": {"zh": "方法与权重", "en": "Methodology"},
    "nav_anomalies": {"zh": "异常流量", "en": "Anomalies"},
    "nav_report": {"zh": "年度报告", "en": "Report"},
    "nav_api": {"zh": "API", "en": "API"},
    "search_placeholder": {"zh": "搜索剧名或别名", "en": "Search titles or aliases"},
    "search": {"zh": "搜索", "en": "Search"},
    "search_results": {"zh": "搜索结果", "en": "Search results"},
    "no_results": {"zh": "没有找到匹配的剧目。", "en": "No matching drama."},
    "annual": {"zh": "年度", "en": "Annual"},
    "monthly": {"zh": "月度", "en": "Monthly"},
    "weekly": {"zh": "周度", "en": "Weekly"},
    "launch7": {"zh": "首播7日", "en": "First 7 days"},
    "launch30": {"zh": "首播30日", "en": "First 30 days"},
    "period": {"zh": "周期", "en": "Period"},
    "rank": {"zh": "排名", "en": "Rank"},
    "title": {"zh": "剧名", "en": "Title"},
    "score": {"zh": "指数", "en": "Score"},
    "interval": {"zh": "排名区间", "en": "Rank interval"},
    "p_top10": {"zh": "进入前10概率", "en": "P(top 10)"},
    "producer": {"zh": "创作机构", "en": "Producer"},
    "platform": {"zh": "平台", "en": "Platform"},
    "platforms": {"zh": "播出平台", "en": "Platforms"},
    "genre": {"zh": "题材", "en": "Genre"},
    "region": {"zh": "地区", "en": "Region"},
    "all": {"zh": "全部", "en": "All"},
    "filter": {"zh": "筛选", "en": "Filter"},
    "reset": {"zh": "重置", "en": "Reset"},
    "flagged": {"zh": "流量异常", "en": "Flagged"},
    "flagged_note": {"zh": "该剧存在异常流量，已按诚信规则折算", "en": "Anomalous traffic found and discounted"},
    "total_rows": {"zh": "共 {n} 部", "en": "{n} dramas"},
    "n_rows": {"zh": "共 {n} 行", "en": "{n} rows"},
    "n_records": {"zh": "共 {n} 条", "en": "{n} records"},
    "prev": {"zh": "上一页", "en": "Previous"},
    "next": {"zh": "下一页", "en": "Next"},
    "export_csv": {"zh": "导出 CSV", "en": "Export CSV"},
    "export_json": {"zh": "JSON", "en": "JSON"},
    "none_yet": {"zh": "暂无", "en": "Not available yet"},
    "not_published": {"zh": "本次发布暂无该部分数据。", "en": "This part is not in the current build."},
    "release_date": {"zh": "首播日期", "en": "Released"},
    "episodes": {"zh": "集数", "en": "Episodes"},
    "aliases": {"zh": "别名", "en": "Aliases"},
    "dialect": {"zh": "方言", "en": "Dialect"},
    "ip_source": {"zh": "IP 来源", "en": "IP source"},
    "synopsis": {"zh": "简介", "en": "Synopsis"},
    "dimension_scores": {"zh": "维度得分", "en": "Dimension scores"},
    "contributions": {"zh": "指标贡献", "en": "Indicator contributions"},
    "contributions_note": {"zh": "各指标对年度指数的贡献，合计等于指数得分。",
                           "en": "What each indicator adds to the annual score; they sum to the score."},
    "trend": {"zh": "分平台日播放趋势", "en": "Daily plays per platform"},
    "trend_note": {"zh": "实线为折算后播放量；虚线为原始上报；红色区域为异常流量区间。",
                   "en": "Solid: adjusted plays; dashed: reported plays; red bands: anomalous traffic."},
    "anomalies": {"zh": "异常流量记录", "en": "Traffic anomalies"},
    "start": {"zh": "开始", "en": "Start"},
    "end": {"zh": "结束", "en": "End"},
    "indicator": {"zh": "指标", "en": "Indicator"},
    "reason": {"zh": "原因", "en": "Reason"},
    "severity": {"zh": "严重程度", "en": "Severity"},
    "expected": {"zh": "预期", "en": "Expected"},
    "observed": {"zh": "观测", "en": "Observed"},
    "period_ranks": {"zh": "各周期排名", "en": "Ranks by period"},
    "winners": {"zh": "获奖", "en": "Winners"},
    "shortlist": {"zh": "入围", "en": "Shortlist"},
    "evidence": {"zh": "依据", "en": "Evidence"},
    "dramas": {"zh": "剧目数", "en": "Dramas"},
    "plays": {"zh": "播放量", "en": "Plays"},
    "plays_adj": {"zh": "折算播放量", "en": "Adjusted plays"},
    "revenue": {"zh": "收入(元)", "en": "Revenue (CNY)"},
    "flagged_days": {"zh": "异常天数", "en": "Flagged days"},
    "best_drama": {"zh": "最佳排名剧目", "en": "Best-ranked drama"},
    "weights": {"zh": "维度权重", "en": "Dimension weights"},
    "whatif": {"zh": "权重推演", "en": "Weights what-if"},
    "whatif_note": {"zh": "调整各维度权重，服务器按加权算术平均重新计算年度排名（权重自动归一化）。",
                    "en": "Change the dimension weights; the server re-ranks the annual list with a weighted "
                          "arithmetic mean (weights are normalised)."},
    "rerank": {"zh": "重新排名", "en": "Re-rank"},
    "restore": {"zh": "恢复发布权重", "en": "Published weights"},
    "change": {"zh": "变化", "en": "Change"},
    "new_score": {"zh": "推演得分", "en": "What-if score"},
    "published_rank": {"zh": "发布排名", "en": "Published rank"},
    "moved": {"zh": "{n} 部剧目排名变化", "en": "{n} dramas changed rank"},
    "methodology_file": {"zh": "方法论文件", "en": "Methodology file"},
    "hash": {"zh": "哈希", "en": "Hash"},
    "hash_ok": {"zh": "与发布清单一致", "en": "matches the manifest"},
    "hash_bad": {"zh": "与发布清单不一致", "en": "does not match the manifest"},
    "indicators": {"zh": "指标体系", "en": "Indicators"},
    "dimension": {"zh": "维度", "en": "Dimension"},
    "weight": {"zh": "权重", "en": "Weight"},
    "build": {"zh": "发布版本", "en": "Build"},
    "season": {"zh": "评价周期", "en": "Season"},
    "created": {"zh": "生成于", "en": "Created"},
    "api_docs": {"zh": "API 文档", "en": "API reference"},
    "lang_switch": {"zh": "English", "en": "中文"},
    "error": {"zh": "出错了", "en": "Something went wrong"},
    "back_home": {"zh": "返回榜单", "en": "Back to the rankings"},
    "reach": {"zh": "传播力", "en": "Reach"},
    "engagement": {"zh": "互动力", "en": "Engagement"},
    "reputation": {"zh": "口碑", "en": "Reputation"},
    "commercial": {"zh": "商业价值", "en": "Commercial"},
    "longevity": {"zh": "长尾力", "en": "Longevity"},
    "components": {"zh": "构成", "en": "Components"},
    "name": {"zh": "名称", "en": "Name"},
    "category": {"zh": "类别", "en": "Category"},
    "drama": {"zh": "剧目", "en": "Drama"},
    "quarantine": {"zh": "隔离数据行", "en": "Quarantined rows"},
    "file": {"zh": "文件", "en": "File"},
    "line": {"zh": "行", "en": "Line"},
    "column": {"zh": "列", "en": "Column"},
    "value": {"zh": "值", "en": "Value"},
    "detail": {"zh": "说明", "en": "Detail"},
    "n_works": {"zh": "作品数", "en": "Works"},
    "quality": {"zh": "质量", "en": "Quality"},
    "excellence": {"zh": "卓越", "en": "Excellence"},
    "breadth": {"zh": "广度", "en": "Breadth"},
    "n_top": {"zh": "前10%作品", "en": "Top-10% works"},
    "n_genres": {"zh": "题材数", "en": "Genres"},
    "n_platforms": {"zh": "平台数", "en": "Platforms"},
    "n_hits": {"zh": "热门作品", "en": "Hits"},
    "n_exclusives": {"zh": "独播作品", "en": "Exclusives"},
    "top_works": {"zh": "代表作品", "en": "Top works"},
    "entrants": {"zh": "参评 {n} · 候选 {c}", "en": "{n} entrants · {c} candidates"},
    "jury_agreement": {"zh": "评委一致性", "en": "Jury agreement"},
    "jury_mean": {"zh": "评委均分", "en": "Jury mean"},
    "jurors": {"zh": "位评委", "en": "jurors"},
    "blended": {"zh": "综合得分", "en": "Blended score"},
    "jury": {"zh": "评委", "en": "Jury"},
    "novelty": {"zh": "新颖度", "en": "Novelty"},
    "hits": {"zh": "热度", "en": "Hits"},
    "exclusives": {"zh": "独播", "en": "Exclusives"},
    "loading": {"zh": "计算中…", "en": "Computing…"},
}


PLATFORM_NAMES = {
    "zh": {"douyin": "抖音", "kuaishou": "快手", "hongguo": "红果短剧", "wechat_channels": "微信视频号",
           "tencent_video": "腾讯视频", "iqiyi": "爱奇艺", "youku": "优酷", "mgtv": "芒果TV", "bilibili": "哔哩哔哩"},
    "en": {"douyin": "Douyin", "kuaishou": "Kuaishou", "hongguo": "Hongguo", "wechat_channels": "WeChat Channels",
           "tencent_video": "Tencent Video", "iqiyi": "iQIYI", "youku": "Youku", "mgtv": "MGTV", "bilibili": "bilibili"},
}


def language(request: Request) -> str:
    """?lang= wins, then the cookie, then Chinese."""
    q = request.query_params.get("lang")
    if q in LANGS:
        return q
    c = request.cookies.get(COOKIE)
    return c if c in LANGS else "zh"


def translator(lang: str):
    """``t(key, **fmt)``: the UI string in ``lang`` (the key itself when unknown, never an error)."""

    def t(key: str, **fmt: object) -> str:
        entry = STRINGS.get(key)
        text = entry.get(lang, entry["zh"]) if entry else key
        return text.format(**fmt) if fmt else text

    return t
