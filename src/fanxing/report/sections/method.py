"""七、方法说明: methodology identity and weights, sensitivity, data accounting, the data note."""

from __future__ import annotations

import pandas as pd

from fanxing.report import charts
from fanxing.report.builddata import BuildData
from fanxing.report.fmt import Writer, integer, num, pct, table, text
from fanxing.report.sections import figure, h3, note, p, section, tbl, ul

FACTOR_ZH = {"weights": "权重", "normalise": "归一化方法", "impute": "插补方法", "drop_indicator": "剔除指标"}


def data_note(bd: BuildData) -> str:
    if bd.is_demo:
        return ("本报告基于演示赛季（fanxing demo 生成）：剧名、创作机构、播放与收入数据、评委与受访者均为虚构，"
                "仅用于展示方法；只有第一节中注明来源的市场规模与受众数据、以及引用的繁星指数 2024 报告结论为真实公开数据。")
    return ("榜单、趋势、文化元素与调查结果均由本赛季输入数据计算；第一节中的市场规模与受众数据为引用的公开数据，来源与口径逐条标注。")


def build_method(bd: BuildData, w: Writer) -> dict:
    m = bd.manifest.get("methodology", {})
    blocks = [p(f"方法学 {m.get('name', '–')}，版本 {m.get('version', '–')}，规范哈希 {str(m.get('sha256', '–'))[:16]}…；"
                f"构建编号 {bd.manifest.get('build_id', '–')}，生成于 {bd.manifest.get('created_at', '–')}。"
                f"赛季：{bd.season.get('name', '–')}（{bd.season.get('start', '')} 至 {bd.season.get('end', '')}）。")]
    idx = (bd.methodology or {}).get("index", {})
    aggs = pd.DataFrame([a for a in idx.get("aggregates", []) if a.get("parent")])
    inds = pd.DataFrame(idx.get("indicators", []))
    if len(aggs):
        aggs = aggs.rename(columns={"code": "dimension", "name": "name_zh"})
        if len(inds):
            per = inds.groupby("parent").apply(lambda g: "、".join(f"{r['name']} {r['weight']:g}" for _, r in g.iterrows()),
                                               include_groups=False)
            aggs["indicators"] = aggs["dimension"].map(per)
        blocks.append(tbl("表：维度权重与指标（括号内为维度内权重）", table(aggs, [
            ("name_zh", "维度", text), ("dimension", "代码", text), ("weight", "权重", pct),
            ("indicators", "指标及维度内权重", text)]), data=w.data("weights", aggs), small=True))
    blocks.append(p("计算步骤：平台内、周期内归一（等效播放等），按平台触达加权合并；对数变换、中位数插补、偏度/峰度规则处理极端值，"
                    "min-max 归一至 0–100，逐级加权算术平均。每部剧的指数等于其各指标贡献之和（explanations/annual.csv）。"))
    sens = bd.sensitivity
    if sens is not None and len(sens):
        s = sens[sens["output"] == "mean_abs_rank_shift"].copy() if "output" in sens else sens.copy()
        if len(s):
            s["label"] = s["factor"].map(FACTOR_ZH).fillna(s["factor"])
            fig = w.chart("sensitivity", "敏感性分析（Sobol 指数，输出：平均名次变化）", charts.grouped_bars, s, "label",
                          ["S1", "ST"], data=s, ylabel="Sobol 指数", names=["一阶 S1", "总效应 ST"])
            spec = bd.uncertainty.get("spec", {})
            blocks += [h3("不确定性与敏感性"),
                       p(f"名次区间来自 {spec.get('replications', '–')} 次蒙特卡洛重算（权重按 Dirichlet 扰动、归一化与插补方法随机切换、"
                         f"以一定概率剔除单个指标）。对平均名次变化贡献最大的不确定因素为“{s.loc[s.ST.idxmax(), 'label']}”"
                         f"（总效应 ST = {num(s.ST.max(), 2)}）。"),
                       figure(fig)]
    else:
        blocks.append(p("本次构建未进行 Sobol 敏感性分析（uncertainty/sensitivity.csv 不存在）。"))
    inputs = pd.DataFrame(bd.manifest.get("inputs", []))
    if len(inputs):
        acc = inputs.groupby("kind")[["rows_read", "rows_loaded", "rows_merged", "rows_quarantined"]].sum().reset_index()
        acc["files"] = inputs.groupby("kind").size().reindex(acc.kind).to_numpy()
        tot = acc[["rows_read", "rows_loaded", "rows_merged", "rows_quarantined"]].sum()
        acc = pd.concat([acc, pd.DataFrame([{"kind": "合计", "files": len(inputs), **tot.to_dict()}])], ignore_index=True)
        balanced = int(tot.rows_read) == int(tot.rows_loaded + tot.rows_merged + tot.rows_quarantined)
        blocks += [h3("数据核算"),
                   p(f"共读取 {len(inputs)} 个文件 {integer(tot.rows_read)} 行：入库 {integer(tot.rows_loaded)} 行，"
                     f"合并完全重复 {integer(tot.rows_merged)} 行，隔离 {integer(tot.rows_quarantined)} 行"
                     f"（{'读取 = 入库 + 合并 + 隔离，账目平衡' if balanced else '账目不平衡，请检查 manifest'}）。"),
                   tbl("表：按文件类型的行数核算", table(acc, [("kind", "类型", text), ("files", "文件", integer),
                                                        ("rows_read", "读取", integer), ("rows_loaded", "入库", integer),
                                                        ("rows_merged", "合并", integer),
                                                        ("rows_quarantined", "隔离", integer)]),
                       data=w.data("data_accounting", acc), small=True)]
        qr = bd.manifest.get("quarantine_by_reason") or {}
        if qr:
            blocks.append(ul(["隔离原因：" + "；".join(f"{k} {v}" for k, v in sorted(qr.items(), key=lambda x: -x[1]))]))
    v = bd.manifest.get("versions", {})
    if v:
        blocks.append(ul(["软件版本：" + "，".join(f"{k} {val}" for k, val in v.items())]))
    blocks.append(note("数据说明：" + data_note(bd)))
    lead = "所有榜单数字均可由构建目录复现：方法学文件、其哈希与输入文件哈希记录在 manifest.json。"
    return section("method", "七、方法说明", lead, blocks)
