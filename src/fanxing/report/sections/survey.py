"""五、受众调查: weighted shares of the audience survey, overall and by age group / city tier."""

from __future__ import annotations

import pandas as pd

from fanxing.insight.facts import SEED_FINDINGS, SEED_SOURCE
from fanxing.insight.survey import (
    kish_neff,
    question_texts,
    question_types,
    share_of,
    survey_sizes,
    survey_wide,
    weighted_mean,
    weighted_shares,
)
from fanxing.report import charts
from fanxing.report.fmt import Writer, integer, num, pct, table, text
from fanxing.report.sections import figure, h3, note, p, section, tbl, ul

#: the variables the key analyses look for (the demo season's names; absent ones are skipped)
V = {"city": "live_city", "appeal": "chengdu_appeal", "watched": "watched_chengdu_drama",
     "pay": "pay_chengdu_experience", "dialect": "dialect_interest", "sc_score": "sichuan_dialect_score",
     "elements": "cultural_elements", "paid": "paid_for_micro_drama", "hours": "weekly_watch_hours"}
YES, PAY_OPTIONS = "是", ["愿意", "不确定", "不愿意"]
BREAKDOWNS = {"age_group": "年龄", "city_tier": "城市级别"}
DEMOGRAPHIC_TEXT = {"gender": "性别", "age_group": "年龄段", "city_tier": "城市级别", "province": "省份"}
GROUP_ORDER = ["一线", "新一线", "二线", "三线", "三线及以下", "四线及以下"]


def _shares_fig(w: Writer, name: str, title: str, wide, var: str, texts: dict, highlight=None, mask=None):
    s = weighted_shares(wide, var, multi=True, mask=mask)
    fig = w.chart(name, title, charts.bar_h, s, "option", "share", pct=True, err="moe95", highlight=highlight,
                  data=s, xlabel="加权占比（%），误差线为 95% 置信区间",
                  note=f"题目：{texts.get(var, var)}　作答 {len(wide[wide[var] != ''])} 人（多选，占比之和可超过 100%）。")
    return s, fig


def build_survey(surveys: pd.DataFrame | None, questions: pd.DataFrame | None, w: Writer) -> tuple[dict, dict]:
    lead = "受众调查为受访者层面的加权分析：每个占比 = 选择该项者的权重之和 ÷ 该题作答者的权重之和。"
    if surveys is None or surveys.empty:
        return section("survey", "五、受众调查", lead, [p("本次构建未提供受众调查（surveys/），本节从略。")]), {}
    sizes = survey_sizes(surveys)
    name = sizes["survey"].iloc[0]
    wide = survey_wide(surveys, name)
    types = question_types(wide, questions, name)
    texts = {**DEMOGRAPHIC_TEXT,
             **question_texts(questions if questions is None or "survey" not in questions else questions[questions.survey == name])}
    wts = wide["weight"]
    n, neff = len(wide), kish_neff(wts)
    blocks = [p(f"调查“{name}”共 {n:,} 名受访者；权重取自数据的 weight 列（缺失按 1），权重范围 "
                f"{wts.min():.2f}–{wts.max():.2f}，权重和 {wts.sum():,.1f}，有效样本量（Kish）{neff:,.0f}，"
                f"设计效应 {n / neff:.2f}。多选题占比之和可超过 100%；误差线与 ± 为按有效样本量计算的 95% 置信区间。")]
    if len(sizes) > 1:
        blocks.append(note("另有调查：" + "；".join(f"{r.survey}（{r.respondents} 人）" for r in sizes.iloc[1:].itertuples())
                           + "，见 data/survey_questions_all.csv。"))
    demo = []
    for var, label in BREAKDOWNS.items():
        if var in wide:
            s = weighted_shares(wide, var, multi=False)
            s = s.sort_values("option", key=lambda o: o.map(lambda g: (GROUP_ORDER.index(g) if g in GROUP_ORDER else -1, g)))
            demo.append(s.assign(variable=label))
    if demo:
        d = pd.concat(demo)
        w.data("survey_sample", d)
        blocks.append(tbl("表：样本构成（加权）", table(d, [("variable", "维度", text), ("option", "分组", text),
                                                       ("base_n", "该题作答", integer), ("n_selected", "人数", integer),
                                                       ("share", "加权占比", pct), ("share_unweighted", "未加权", pct)]),
                          small=True))
    facts: dict = {"n": n, "neff": neff}
    if V["city"] in wide:
        s, fig = _shares_fig(w, "survey_cities", "最想旅居的城市", wide, V["city"], texts, highlight={"成都", "上海"})
        order = s.option.tolist()
        facts["city"] = s
        rank_cd = order.index("成都") + 1 if "成都" in order else None
        blocks += [h3("最想旅居的城市"),
                   p(f"加权后排名前两位的城市为{s.iloc[0]['option']}（{pct(s.iloc[0]['share'])}）与"
                     f"{s.iloc[1]['option']}（{pct(s.iloc[1]['share'])}）"
                     + (f"；成都排第 {rank_cd} 位，±{pct(s.loc[s.option == '成都', 'moe95'].iloc[0])}" if rank_cd else "")
                     + ("（前两位之差小于两者误差之和，排序在统计上不确定）。"
                        if abs(s.iloc[0]["share"] - s.iloc[1]["share"]) < s.iloc[0]["moe95"] + s.iloc[1]["moe95"] else "。")),
                   figure(fig)]
    if V["appeal"] in wide:
        s, fig = _shares_fig(w, "survey_chengdu_appeal", "成都的吸引力（选择成都者）", wide, V["appeal"], texts)
        blocks += [p("选择成都的受访者中，吸引力排名前三为：" + "、".join(
            f"{r.option}（{pct(r.share)}）" for r in s.head(3).itertuples()) + "。"), figure(fig)]
    if V["pay"] in wide:
        segs = [("全部作答者", None)]
        if V["watched"] in wide:
            segs += [("看过成都题材微短剧", wide[V["watched"]] == YES), ("未看过", wide[V["watched"]] == "否")]
        if V["city"] in wide:
            segs.append(("最想旅居城市含成都", wide[V["city"]].str.split("|").map(lambda x: "成都" in x)))
        rows = []
        for label, mask in segs:
            s = weighted_shares(wide, V["pay"], multi=False, mask=mask)
            if s.empty:
                continue
            rows.append({"segment": label, **{o: share_of(s, o) for o in PAY_OPTIONS},
                         "base_n": int(s.base_n.iloc[0]), "n_eff": float(s.n_eff.iloc[0]),
                         "moe95_yes": float(s.loc[s.option == PAY_OPTIONS[0], "moe95"].iloc[0]) if (s.option == PAY_OPTIONS[0]).any() else None})
        pay = pd.DataFrame(rows)
        asked_only_watchers = len(pay) > 1 and pay.iloc[1]["segment"] == "看过成都题材微短剧" and \
            pay.iloc[1]["base_n"] == pay.iloc[0]["base_n"]
        if asked_only_watchers:
            pay = pay.iloc[1:].reset_index(drop=True)
        facts["pay"] = pay
        fig = w.chart("survey_pay", "看完成都题材微短剧后是否愿意花钱体验成都文旅", charts.stacked_100, pay, "segment",
                      PAY_OPTIONS, data=pay, colours=["#4f8f3a", "#e3b23c", "#c0504d"],
                      note=f"题目：{texts.get(V['pay'], V['pay'])}")
        watched = pay[pay.segment == "看过成都题材微短剧"]
        blocks += [h3("文旅付费意愿"),
                   p(("看过成都题材微短剧的受访者中，愿意花钱体验成都文旅特色的加权占比为 "
                      f"{pct(watched.iloc[0]['愿意'])}（±{pct(watched.iloc[0]['moe95_yes'])}，作答 {int(watched.iloc[0]['base_n'])} 人）；"
                      if len(watched) else "")
                     + ("该题仅由看过者作答。" if asked_only_watchers else f"全部作答者为 {pct(pay.iloc[0]['愿意'])}。")),
                   figure(fig),
                   tbl("表：付费意愿（加权）", table(pay, [("segment", "人群", text), ("base_n", "作答", integer),
                                                   ("愿意", "愿意", pct), ("不确定", "不确定", pct),
                                                   ("不愿意", "不愿意", pct), ("moe95_yes", "“愿意”±", pct)]), small=True)]
    if V["dialect"] in wide:
        s, fig = _shares_fig(w, "survey_dialects", "感兴趣的方言微短剧", wide, V["dialect"], texts, highlight={"四川话"})
        facts["dialect"] = s
        extra = ""
        if V["sc_score"] in wide:
            m = weighted_mean(wide, V["sc_score"], at_least=4)
            facts["sc_score"] = m
            extra = (f"四川话微短剧兴趣评分（1–5）加权均值 {num(m.iloc[0]['mean'], 2)}，"
                     f"评 4–5 分者占 {pct(m.iloc[0]['share_at_least'])}。")
        blocks += [h3("方言兴趣"), p(f"对四川话微短剧感兴趣的受访者加权占比 {pct(share_of(s, '四川话'))}，"
                                   f"在 {len(s)} 种方言中排第 {s.option.tolist().index('四川话') + 1 if '四川话' in s.option.tolist() else '–'} 位。"
                                   + extra), figure(fig)]
    if V["elements"] in wide:
        s, fig = _shares_fig(w, "survey_elements", "最喜欢的成都/四川文化元素", wide, V["elements"], texts,
                             highlight={"川剧变脸", "蜀锦蜀绣"})
        facts["elements"] = s
        blocks += [h3("喜爱的文化元素"), p("加权占比前三：" + "、".join(f"{r.option}（{pct(r.share)}）"
                                                               for r in s.head(3).itertuples()) + "。"), figure(fig)]
    # breakdowns by age group and city tier
    measures = []
    if V["city"] in wide:
        measures.append(("想旅居成都", V["city"], "成都", True))
    if V["pay"] in wide:
        measures.append(("愿意付费体验成都文旅", V["pay"], "愿意", False))
    if V["dialect"] in wide:
        measures.append(("对四川话剧感兴趣", V["dialect"], "四川话", True))
    if V["paid"] in wide:
        measures.append(("曾为微短剧付费", V["paid"], YES, False))
    rows = []
    for by, by_label in BREAKDOWNS.items():
        if by not in wide:
            continue
        for label, var, opt, multi in measures:
            s = weighted_shares(wide, var, multi=multi, by=by)
            for g, gs in s.groupby(by):
                hit = gs.loc[gs.option == opt]
                rows.append({"dimension": by_label, "group": g, "measure": label,
                             "share": float(hit.share.iloc[0]) if len(hit) else 0.0,
                             "base_n": int(gs.base_n.iloc[0]), "moe95": float(hit.moe95.iloc[0]) if len(hit) else None})
    if rows:
        bd = pd.DataFrame(rows)
        rank = {g: i for i, g in enumerate(GROUP_ORDER)}
        bd["_o"] = [rank.get(g, -1) for g in bd["group"]]
        bd = bd.sort_values(["dimension", "_o", "group"], key=lambda s: s.map({"年龄": 0, "城市级别": 1}) if s.name == "dimension"
                            else s, kind="stable").drop(columns="_o")
        piv = bd.pivot_table(index=["dimension", "group"], columns="measure", values="share", sort=False)
        piv = piv.reindex(columns=[m[0] for m in measures])
        piv.index = [f"{d}·{g}" for d, g in piv.index]
        fig = w.chart("survey_breakdown", "分年龄与城市级别（加权占比）", charts.heatmap, piv, data=bd,
                      note="每列为一个指标在各组内的加权占比；颜色按列内相对高低着色。")
        blocks += [h3("分人群"), figure(fig)]
        facts["breakdown"] = bd
    # every question: top options (appendix-style table)
    allq = []
    for var, qtype in types.items():
        if var not in wide or qtype not in ("single", "multi"):
            continue
        s = weighted_shares(wide, var, multi=qtype == "multi")
        allq.append(s.assign(question=var, text=texts.get(var, var), type=qtype))
    for var, qtype in types.items():
        if var in wide and qtype in ("scale", "numeric"):
            m = weighted_mean(wide, var)
            if len(m):
                allq.append(pd.DataFrame([{"question": var, "text": texts.get(var, var), "type": qtype, "option": "（加权均值）",
                                           "share": float(m.iloc[0]["mean"]), "base_n": int(m.iloc[0]["base_n"])}]))
    if allq:
        aq = pd.concat(allq, ignore_index=True)
        w.data("survey_questions_all", aq)
        summary = []
        for _q, g in aq.groupby("question", sort=False):
            g0 = g.iloc[0]
            if g0["type"] in ("scale", "numeric"):
                summary.append({"text": g0["text"], "base_n": g0["base_n"], "top": f"加权均值 {g0['share']:.2f}"})
            else:
                summary.append({"text": g0["text"], "base_n": g0["base_n"],
                                "top": "、".join(f"{r.option} {pct(r.share)}" for r in g.head(3).itertuples())})
        blocks.append(tbl("表：全部题目加权结果（前三选项）", table(pd.DataFrame(summary), [
            ("text", "题目", text), ("base_n", "作答", integer), ("top", "加权结果", text)]), small=True,
            data="data/survey_questions_all.csv"))
    blocks += [h3("与繁星指数 2024 报告公开结论对照"), ul(SEED_FINDINGS), note(f"来源：{SEED_SOURCE}。本赛季调查结果为本平台按上述方法计算。")]
    return section("survey", "五、受众调查", lead, blocks), facts
