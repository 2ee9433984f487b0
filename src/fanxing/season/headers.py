"""Header names: the contract columns of each file kind and the Chinese headers recognised for them."""

from __future__ import annotations

import unicodedata

from fanxing.season.values import Column

PLATFORM_IDS = (
    "douyin", "kuaishou", "hongguo", "wechat_channels", "tencent_video", "iqiyi", "youku", "mgtv",
    "bilibili",
)
#: common Chinese platform names → platform id (used when values are not ids)
PLATFORM_NAMES = {
    "抖音": "douyin", "快手": "kuaishou", "红果": "hongguo", "红果短剧": "hongguo",
    "微信视频号": "wechat_channels", "视频号": "wechat_channels", "腾讯视频": "tencent_video",
    "爱奇艺": "iqiyi", "优酷": "youku", "芒果tv": "mgtv", "芒果": "mgtv", "哔哩哔哩": "bilibili",
    "b站": "bilibili",
}

METRIC_COLUMNS = (
    Column("date", "date", required=True),
    Column("platform", "text", required=True),
    Column("drama_id", "text"),
    Column("title", "text"),
    Column("plays", "count", required=True),
    Column("likes", "count"),
    Column("comments", "count"),
    Column("shares", "count"),
    Column("favorites", "count"),
    Column("completion_rate", "rate"),
    Column("watch_minutes", "amount"),
    Column("revenue_cny", "amount"),
    Column("rating", "rating"),
)
METRIC_HEADERS = {
    "日期": "date", "平台": "platform", "剧目id": "drama_id", "剧名": "title", "播放量": "plays",
    "点赞": "likes", "点赞量": "likes", "点赞数": "likes",
    "评论": "comments", "评论量": "comments", "评论数": "comments",
    "分享": "shares", "分享量": "shares", "转发": "shares",
    "收藏": "favorites", "收藏量": "favorites", "完播率": "completion_rate",
    "观看时长(分钟)": "watch_minutes", "充值金额(元)": "revenue_cny", "收入(元)": "revenue_cny",
    "评分": "rating",
}

IP_SOURCES = ("original", "web_novel", "novel", "comic", "game", "film_tv", "other")
INDUSTRY_TAGS = (
    "culture_tourism", "intangible_heritage", "agriculture", "legal", "science", "health", "sports",
    "other",
)
DRAMA_COLUMNS = (
    Column("drama_id", "text", required=True),
    Column("title", "text", required=True),
    Column("aliases", "list"),
    Column("producer", "text", required=True),
    Column("release_date", "date", required=True),
    Column("episodes", "int", required=True, minimum=1),
    Column("episode_minutes", "float", minimum=0, strict_minimum=True),
    Column("genres", "list"),
    Column("ip_source", "choice", choices=IP_SOURCES),
    Column("brand_partner", "text"),
    Column("industry_tags", "list", choices=INDUSTRY_TAGS),
    Column("region", "text"),
    Column("dialect", "text"),
    Column("synopsis", "text"),
)
DRAMA_HEADERS = {
    "剧目id": "drama_id", "剧名": "title", "片名": "title", "别名": "aliases",
    "出品方": "producer", "制作机构": "producer", "创作机构": "producer", "出品机构": "producer",
    "上线日期": "release_date", "首播日期": "release_date", "发布日期": "release_date",
    "集数": "episodes", "单集时长(分钟)": "episode_minutes", "题材": "genres", "类型": "genres",
    "ip来源": "ip_source", "品牌方": "brand_partner", "定制品牌": "brand_partner",
    "行业标签": "industry_tags", "地区": "region", "方言": "dialect", "简介": "synopsis",
    "剧情简介": "synopsis",
}

JURY_CATEGORIES = ("influence", "innovation", "ip_adaptation", "brand_story", "empowerment")
JURY_COLUMNS = (
    Column("drama_id", "text", required=True),
    Column("category", "choice", required=True, choices=JURY_CATEGORIES),
    Column("juror", "text", required=True),
    Column("score", "score", required=True),
    Column("institution", "text"),
)
JURY_HEADERS = {"剧目id": "drama_id", "奖项": "category", "类别": "category", "评委": "juror",
                "评分": "score", "分数": "score", "机构": "institution", "所属机构": "institution"}

MARKET_COLUMNS = (
    Column("year", "int", required=True),
    Column("market_size_cny_100m", "float", required=True, minimum=0),
    Column("kind", "choice", required=True, choices=("actual", "estimate", "forecast")),
    Column("source", "text"),
)
MARKET_HEADERS = {"年份": "year", "市场规模(亿元)": "market_size_cny_100m", "类型": "kind", "来源": "source"}

PLATFORM_COLUMNS = (Column("platform", "text", required=True), Column("name", "text"))
PLATFORM_HEADERS = {"平台": "platform", "平台id": "platform", "名称": "name", "平台名称": "name"}

QUESTION_TYPES = ("single", "multi", "scale", "numeric")


def normalise_header(name: str) -> str:
    """Header comparison key: NFKC (full-width → half-width), trimmed, lower case, no BOM."""
    return unicodedata.normalize("NFKC", name).replace("\ufeff", "").strip().lower()


def canonical_names(
    headers: list[str], known: dict[str, str], contract: tuple[str, ...], overrides: dict[str, str]
) -> dict[str, str]:
    """Source header → contract column, for the headers that have one (first header wins)."""
    mapping_keys = {normalise_header(k): v for k, v in overrides.items()}
    builtin = {normalise_header(k): v for k, v in known.items()}
    contract_keys = {normalise_header(c): c for c in contract}
    out: dict[str, str] = {}
    taken: set[str] = set()
    for h in headers:
        key = normalise_header(h)
        target = mapping_keys.get(key) or contract_keys.get(key) or builtin.get(key)
        if target and target not in taken:
            out[h] = target
            taken.add(target)
    return out
