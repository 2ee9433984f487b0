"""三、趋势: monthly releases and plays by genre, monthly champions, IP adaptation, brands, 微短剧+."""

from __future__ import annotations

import pandas as pd

from fanxing.insight.trends import (
    adapted_summary,
    brand_dramas,
    industry_tags,
    ip_share,
    monthly_plays,
    monthly_releases,
)
from fanxing.report import charts
from fanxing.report.builddata import BuildData
from fanxing.report.fmt import Writer, integer, num, pct, table, text, wan
from fanxing.report.sections import figure, h3, p, section, tbl


def _plays_per_month(bd: BuildData) -> pd.DataFrame | None:
    ind = bd.indicators_monthly
    if ind is not None and "plays_total" in ind.columns:
        return ind[["period", "drama_id"]].assign(plays=pd.to_numeric(ind["plays_total"], errors="coerce").fillna(0))
    daily = bd.build_dir / "daily.parquet"
    if daily.exists():
        d = pd.read_parquet(daily)
        col = "plays_adj" if "plays_adj" in d.columns else "plays"
        d["period"] = pd.to_datetime(d["date"]).dt.strftime("%Y-%m")
        return d.groupby(["period", "drama_id"], as_index=False)[col].sum().rename(columns={col: "plays"})
    return None


def build_trends(bd: BuildData, w: Writer) -> tuple[dict, dict]:
    cat, a = bd.catalogue, bd.annual
    s = bd.season
    rel = monthly_releases(cat, s.get("start"), s.get("end"), n_genres=8)
    genre_cols = [c for c in rel.columns if c not in ("month", "全部")]
    blocks = []
    if len(rel):
        f1 = w.chart("releases_by_genre", "赛季内每月上线剧目（按题材）", charts.stacked_columns, rel, "month", genre_cols,
                     data=rel, ylabel="剧目数（多题材剧目在每个题材各计一次）", note="前八大题材单列，其余合并为“其他”。")
        busiest = rel.loc[rel["全部"].idxmax()]
        blocks += [p(f"赛季内共上线 {int(rel['全部'].sum())} 部剧目，{busiest['month']} 上线最多（{int(busiest['全部'])} 部）。"),
                   figure(f1)]
    pp = _plays_per_month(bd)
    facts: dict = {}
    if pp is not None and len(pp):
        mp = monthly_plays(pp, cat)
        cols = [c for c in mp.columns if c not in ("month", "全部")]
        f2 = w.chart("plays_by_genre", "每月播放量（主要题材，核验折算后，单位：万次）", charts.lines, mp, "month",
                     [c for c in cols if c != "其他"], data=mp, ylabel="播放量（万次）", scale=1e4,
                     note="播放量为各平台当月原始播放之和（已按流量核验折算），未做平台归一；多题材剧目在每个题材各计一次。")
        named = [c for c in cols if c != "其他"]
        lead_genre = mp[named].sum().idxmax() if named else ""
        blocks += [p(f"全赛季播放（核验后）合计 {wan(mp['全部'].sum())} 次；播放量最高的题材为“{lead_genre}”。"), figure(f2)]
    if bd.monthly is not None and len(bd.monthly):
        champs = bd.monthly[bd.monthly["rank"] == 1].sort_values("period")
        blocks += [h3("月度冠军"), tbl("表：各月月榜第一", table(champs, [
            ("period", "月份", text), ("title", "剧目", lambda v: f"《{v}》"), ("producer", "创作机构", text),
            ("score", "月度指数", num), ("genres", "题材", lambda v: text(v).replace("|", "、"))]),
            data=w.data("monthly_champions", champs), small=True)]
    ip = ip_share(cat, a)
    ad = adapted_summary(cat, a)
    f3 = w.chart("ip_sources", "剧目来源：原创与IP改编（占全部剧目）", charts.bar_h, ip, "label", "share", pct=True,
                 data=ip, xlabel="占全部剧目（%）")
    blocks += [h3("IP 改编"),
               p(f"IP 改编剧 {ad['n']} 部，占 {pct(ad['share'])}；其年度指数均值 {num(ad['mean_score'])}，"
                 f"原创剧为 {num(ad['mean_score_original'])}。"),
               figure(f3),
               tbl("表：按来源的剧目数与表现", table(ip, [("label", "来源", text), ("n_dramas", "剧目", integer),
                                                   ("share", "占比", pct), ("mean_score", "指数均值", num),
                                                   ("n_top20", "前20名", integer)]), small=True)]
    br = brand_dramas(cat, a)
    blocks += [h3("品牌定制剧")]
    if len(br):
        blocks += [p(f"品牌定制剧 {len(br)} 部，占 {pct(len(br) / len(cat))}，涉及 {br.brand_partner.nunique()} 个品牌；"
                     f"入榜 {int(br['rank'].notna().sum())} 部，指数均值 {num(br.score.mean())}。"),
                   tbl("表：品牌定制剧", table(br.head(15), [("title", "剧目", lambda v: f"《{v}》"),
                                                         ("brand_partner", "品牌", text), ("producer", "创作机构", text),
                                                         ("rank", "年度名次", integer), ("score", "指数", num)]),
                       data=w.data("brand_dramas", br), small=True)]
    else:
        w.data("brand_dramas", br)
        blocks.append(p("本赛季目录中没有标注品牌方（brand_partner）的剧目，品牌定制剧数量为 0。"))
    tags = industry_tags(cat, a)
    n_tagged = int(cat.get("industry_tags", pd.Series(dtype=str)).fillna("").astype(str).str.strip().ne("").sum())
    blocks += [h3("“微短剧+”")]
    if len(tags):
        f4 = w.chart("industry_tags", "“微短剧+”行业标签（剧目数）", charts.bar_h, tags, "label", "n_dramas", data=tags,
                     xlabel="剧目数（一部剧可有多个标签）", fmt="{:.0f}")
        blocks += [p(f"{n_tagged} 部剧目（{pct(n_tagged / len(cat))}）带有至少一个“微短剧+”标签，最多的是"
                     f"“{tags.iloc[0]['label']}”（{int(tags.iloc[0]['n_dramas'])} 部）。"),
                   figure(f4),
                   tbl("表：“微短剧+”标签与表现", table(tags, [("label", "标签", text), ("n_dramas", "剧目", integer),
                                                        ("share", "占比", pct), ("mean_score", "指数均值", num),
                                                        ("n_top20", "前20名", integer)]), small=True)]
    else:
        blocks.append(p("本赛季目录中没有“微短剧+”行业标签。"))
    facts.update({"adapted": ad, "n_brand": len(br), "n_tagged": n_tagged})
    lead = "趋势基于剧目目录（上线日期、题材、来源、品牌与行业标签）和月度指标。"
    return section("trends", "三、趋势", lead, blocks), facts
