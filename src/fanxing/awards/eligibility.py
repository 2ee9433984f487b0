"""Category eligibility of dramas: release window, ranking, IP source, brand partner, industry tags."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from fanxing.awards.config import Eligibility
from fanxing.frames import isin

# reason code -> Chinese explanation (used in evidence)
REASONS_ZH = {
    "not_ranked": "不在年度榜单中",
    "no_release_date": "缺少首播日期",
    "released_before_season": "首播早于本季",
    "released_after_season": "首播晚于本季",
    "not_ip_adaptation": "非IP改编（原创）",
    "no_brand_partner": "无品牌合作方",
    "no_industry_tags": "无“微短剧+”行业标签",
    "industry_tags_not_listed": "行业标签不在本类别范围内",
    "genre_not_listed": "题材不在本类别范围内",
    "anomaly_excluded": "存在未解决的异常流量",
    "missing_component": "缺少必需的评分要素",
    "too_few_jurors": "评委人数不足",
}


def _ts(day: dt.date | str | None) -> pd.Timestamp | None:
    return None if day is None else pd.Timestamp(day)


def ineligibility(units: pd.Index, annual: pd.DataFrame, dramas: pd.DataFrame, rules: Eligibility,
                  season_start: dt.date | str | None = None,
                  season_end: dt.date | str | None = None) -> pd.Series:
    """The first rule each drama breaks (a reason code of REASONS_ZH), '' for eligible dramas.

    Rules are checked in a fixed order; a drama missing from the catalogue has no release date,
    no IP source, no brand partner and no tags.
    """
    cat = dramas.reindex(units)
    reason = pd.Series("", index=units, dtype="object")

    def fail(mask: np.ndarray | pd.Series, code: str) -> None:
        m = np.asarray(mask, dtype=bool) & (reason.to_numpy() == "")
        reason[m] = code

    if rules.ranked:
        fail(~isin(units, annual.index), "not_ranked")
    if rules.release_in_season:
        rel = cat["release_date"]
        fail(rel.isna(), "no_release_date")
        start, end = _ts(season_start), _ts(season_end)
        if start is not None:
            fail(rel.notna() & (rel < start), "released_before_season")
        if end is not None:
            fail(rel.notna() & (rel > end), "released_after_season")
    if rules.ip_adapted:
        src = cat["ip_source"].fillna("").str.strip().str.lower()
        fail(src.isin(["", "original"]), "not_ip_adaptation")
    if rules.brand_partner:
        fail(cat["brand_partner"].fillna("").str.strip() == "", "no_brand_partner")
    tags = cat["industry_tags"].map(lambda v: v if isinstance(v, list) else [])
    if rules.industry_tags:
        fail(tags.map(len) == 0, "no_industry_tags")
    if rules.industry_tags_any:
        wanted = set(rules.industry_tags_any)
        fail(~tags.map(lambda v: bool(wanted.intersection(v))), "industry_tags_not_listed")
    if rules.genres_any:
        wanted = set(rules.genres_any)
        genres = cat["genres"].map(lambda v: v if isinstance(v, list) else [])
        fail(~genres.map(lambda v: bool(wanted.intersection(v))), "genre_not_listed")
    return reason
