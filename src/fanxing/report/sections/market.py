"""一、市场规模: the market series with growth, the sources' disagreement, cited audience figures."""

from __future__ import annotations

import pandas as pd

from fanxing.insight.facts import AUDIENCE_FACTS, KIND_ZH, MARKET_BASIS
from fanxing.insight.market import cagr, fallback_market, market_conflicts, market_growth
from fanxing.report import charts
from fanxing.report.fmt import Writer, num, pct, signed_pct, table, text
from fanxing.report.sections import figure, note, p, section, tbl, ul


def build_market(market: pd.DataFrame | None, w: Writer) -> tuple[dict, dict]:
    supplied = market is not None and len(market) > 0
    if not supplied:
        market = fallback_market()
    g = market_growth(market)
    conflicts = market_conflicts(market)
    c = cagr(market)
    data = g.assign(kind_zh=g.kind.map(KIND_ZH).fillna(g.kind))[
        ["year", "market_size_cny_100m", "kind", "kind_zh", "source_key", "source", "growth", "base_value", "base_source"]]
    fig = w.chart("market_size", "中国微短剧市场规模（亿元）：实际、估算与预测", charts.market, g, data=data,
                  note="实心=实际值，斜线=估算值，虚线浅色=预测值；同一年份多个来源并列显示。")
    w.data("market_conflicts", conflicts)
    rows = data.assign(
        source_full=data.source,
        growth_text=[f"{signed_pct(r.growth)}（较{r.base_source} {num(r.base_value)}）" if pd.notna(r.growth) else "–"
                     for r in data.itertuples()])
    t = table(rows, [("year", "年份", text), ("market_size_cny_100m", "规模（亿元）", num), ("kind_zh", "口径", text),
                     ("growth_text", "同比增速", text), ("source_full", "来源", text)])
    actual = g[g.kind == "actual"]
    n_rows = g.groupby("year")["year"].transform("size")
    latest_single = g[(n_rows == 1) & g.kind.isin(["actual", "estimate"])]
    facts = {}
    paras = []
    if len(latest_single):
        last = latest_single.iloc[-1]
        facts["market_latest"] = last
        paras.append(f"按{last.source_key}口径，{int(last.year)}年微短剧市场规模为 {num(last.market_size_cny_100m)} 亿元"
                     f"（{KIND_ZH.get(last.kind, last.kind)}），同比 {signed_pct(last.growth)}。")
    if c:
        paras.append(f"{c['from']}–{c['to']}年（实际值）市场规模由 {num(c['v0'])} 亿元增至 {num(c['v1'])} 亿元，"
                     f"年均复合增长率 {pct(c['cagr'])}；增速最快的一年为 "
                     f"{int(actual.loc[actual.growth.idxmax(), 'year'])}年（{signed_pct(actual.growth.max())}）。"
                     if len(actual.dropna(subset=['growth'])) else "")
    dis = []
    for r in conflicts.itertuples():
        dis.append(f"{r.year}年：{r.values}；高低相差 {num(r.spread)} 亿元（{pct(r.spread_pct)}），"
                   f"{r.high_source}更高。")
    facts["conflicts"] = conflicts
    blocks = [p(x) for x in paras if x]
    blocks.append(figure(fig))
    if len(conflicts):
        blocks.append(note("来源之间存在分歧，本报告不取舍、不平均，两种口径并列展示：" + " ".join(dis)
                           + " 各来源预测增速均以其自身上一年数值为基数；无上一年数值时以上一年唯一公开值为基数。"))
    blocks.append(tbl("表：市场规模序列与同比增速（每行保留来源与口径）", t, data=w.data("market_growth", data),
                      note=f"口径：{MARKET_BASIS}。" + ("" if supplied else
                            " 本次构建未提供 market.csv，使用 industry-facts 中列明来源的公开数据。")))
    aud = pd.DataFrame(AUDIENCE_FACTS)
    blocks.append(tbl("表：受众与平台公开数据（引用，非本平台计算）", table(aud, [
        ("item", "指标", text), ("value", "数值", text), ("basis", "口径", text), ("source", "来源", text)]),
        data=w.data("audience_facts", aud)))
    blocks.append(ul(["以上受众数据均为公开二手报道，引用时保留原始口径；不同报告的统计时点与样本不同，不宜直接相减。"]))
    lead = "市场规模与受众规模均为引用的公开数据，来源与口径逐条标注；增速由本平台根据序列计算。"
    return section("market", "一、市场规模", lead, blocks), facts
