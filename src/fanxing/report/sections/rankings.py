"""二、年度榜单: top 20 with dimensions and rank intervals, platforms, producers, genres, awards."""

from __future__ import annotations

import pandas as pd

from fanxing.insight.trends import genre_leaders
from fanxing.report import charts
from fanxing.report.builddata import BuildData
from fanxing.report.fmt import Writer, integer, num, table, text
from fanxing.report.sections import figure, h3, p, section, tbl

DIMS = {"reach": "传播力", "engagement": "互动力", "reputation": "口碑", "commercial": "商业力", "longevity": "持续力"}


def _interval(r) -> str:
    try:
        return f"{int(r['rank_low'])}–{int(r['rank_high'])}"
    except (KeyError, TypeError, ValueError):
        return "–"


def award_rows(awards: dict, platform_names: dict | None = None) -> pd.DataFrame:
    rows = []
    platform_names = platform_names or {}
    for cid, c in (awards.get("categories") or {}).items():
        winners = c.get("winners") or []
        if not winners:
            rows.append({"category": cid, "category_zh": c.get("name_zh", cid), "rank": None, "name": "（本届空缺）",
                         "producer": "", "reason": f"符合条件的候选 {c.get('n_candidates', 0)} 个，未产生获奖案例"})
        for wnr in winners:
            rows.append({"category": cid, "category_zh": c.get("name_zh", cid), "rank": wnr.get("category_rank"),
                         "name": platform_names.get(wnr.get("name"), wnr.get("name", ""))
                         if c.get("kind") == "platform" else wnr.get("name", ""), "drama_id": wnr.get("drama_id", ""),
                         "producer": wnr.get("producer", ""), "reason": wnr.get("reason", "")})
    return pd.DataFrame(rows, columns=["category", "category_zh", "rank", "name", "drama_id", "producer", "reason"])


def build_rankings(bd: BuildData, w: Writer) -> tuple[dict, dict]:
    a = bd.annual.sort_values(["rank", "drama_id"])
    top = a.head(20).copy()
    top["interval"] = top.apply(_interval, axis=1)
    top["flag"] = top.get("flagged", pd.Series(False, index=top.index)).astype(str).str.lower().map(
        {"true": "⚑", "1": "⚑"}).fillna("")
    dims = [d for d in DIMS if d in top.columns]
    keep = ["rank", "drama_id", "title", "producer", "score", "rank_low", "rank_high", "p_top10", *dims,
            "rank_unadjusted", "rank_shift_integrity", "flagged"]
    data = top[[c for c in keep if c in top.columns]]
    fig = w.chart("top20_intervals", "年度榜前20名与名次区间", charts.whiskers, top, data=data,
                  note="名次区间为方法学不确定性（权重、归一化、插补、指标剔除）下 1000 次重算的 5%–95% 分位。")
    cols = [("rank", "名次", integer), ("title", "剧目", lambda v: f"《{v}》"), ("producer", "创作机构", text),
            ("score", "指数", num), ("interval", "名次区间", text)]
    cols += [(d, DIMS[d], num) for d in dims] + [("flag", "核验", text)]
    t = table(top, cols)
    blocks = [p(f"年度榜共 {len(a)} 部剧目入榜（赛季内播放达到门槛），下表为前 20 名。"
                f"第一名《{top.iloc[0]['title']}》指数 {num(top.iloc[0]['score'])}，名次区间 {top.iloc[0]['interval']}；"
                f"前 20 名中名次区间宽度中位数为 {num((top.rank_high - top.rank_low).median(), 0)} 位。")
              if len(top) else p("年度榜为空。"),
              figure(fig),
              tbl("表：年度榜前20名（五维得分 0–100）", t, data=w.data("top20", data), small=True,
                  note="⚑ = 该剧存在流量核验异常（已按方法学折算）。")]
    facts = {"top": top, "n_ranked": len(a)}
    if bd.platforms is not None and len(bd.platforms):
        pl = bd.platforms.copy()
        pl["label"] = pl.get("name", pl["platform"]).fillna(pl["platform"])
        pf = w.chart("platforms", "年度微短剧传播平台排名（综合得分）", charts.bar_h, pl.sort_values("rank"), "label",
                     "score", data=pl.drop(columns=[c for c in ("top_works", "top_work_ids") if c in pl]),
                     xlabel="综合得分")
        blocks += [h3("传播平台"), figure(pf), tbl("表：平台排名", table(pl.sort_values("rank"), [
            ("rank", "名次", integer), ("label", "平台", text), ("n_works", "作品数", integer),
            ("quality", "最佳作品质量", num), ("n_hits", "年度前100作品", integer),
            ("n_exclusives", "独家", integer), ("reach", "等效播放占比(%)", num), ("score", "得分", num)]))]
    if bd.producers is not None and len(bd.producers):
        pr = bd.producers.sort_values("rank").head(10)
        prf = w.chart("producers", "年度创作机构前10名（综合得分）", charts.bar_h, pr, "producer", "score",
                      data=pr, xlabel="综合得分")
        blocks += [h3("创作机构"), figure(prf), tbl("表：创作机构前10名", table(pr, [
            ("rank", "名次", integer), ("producer", "机构", text), ("n_works", "作品数", integer),
            ("quality", "最佳作品均分", num), ("n_top", "前10%作品", integer), ("n_genres", "题材数", integer),
            ("n_platforms", "平台数", integer), ("score", "得分", num)]), small=True)]
    gl = genre_leaders(a, bd.catalogue, bd.genres)
    if len(gl):
        gl = gl.assign(interval=gl.apply(_interval, axis=1))
        blocks += [h3("题材榜首"), tbl("表：各题材最高排名剧目", table(gl, [
            ("genre", "题材", text), ("n_in_genre", "入榜剧目", integer), ("title", "榜首剧目", lambda v: f"《{v}》"),
            ("rank", "年度名次", integer), ("interval", "名次区间", text), ("score", "指数", num)]),
            data=w.data("genre_leaders", gl), small=True)]
    names = dict(zip(bd.platforms.platform, bd.platforms.get("name", bd.platforms.platform), strict=False)) \
        if bd.platforms is not None else {}
    aw = award_rows(bd.awards, names)
    if len(aw):
        blocks += [h3("年度案例（奖项）"),
                   p("奖项依据 awards.json：由指数、分维度得分、新颖度与评委评分按各类别规则加权遴选，理由由证据自动生成。"),
                   tbl("表：年度案例与一句话理由", table(aw, [("category_zh", "类别", text), ("rank", "序", integer),
                                                   ("name", "获奖案例", text), ("producer", "创作机构", text),
                                                   ("reason", "理由", text)]),
                       data=w.data("awards", aw), small=True)]
    facts["awards"] = aw
    top_share = float((a["p_top10"] >= 0.5).sum()) if "p_top10" in a else None
    if top_share is not None:
        blocks.append(p(f"有 {int(top_share)} 部剧目进入前10名的概率不低于 50%（p_top10），"
                        f"前10名中 {int((a.head(10).get('p_top10', pd.Series(dtype=float)) >= 0.9).sum())} 部的概率不低于 90%。"))
    lead = "年度榜以繁星指数（0–100）排序，并给出名次的不确定区间；平台、机构与奖项均来自同一次构建。"
    return section("rankings", "二、年度榜单", lead, blocks), facts
