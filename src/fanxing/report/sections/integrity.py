"""六、流量核验: anomaly episodes by shape, reason, platform; rank changes from discounting."""

from __future__ import annotations

import pandas as pd

from fanxing.insight.verification import (
    REASON_ZH,
    SEVERITY_ZH,
    SHAPE_ZH,
    anomaly_counts,
    biggest_movers,
    rank_shift_summary,
)
from fanxing.report import charts
from fanxing.report.builddata import BuildData
from fanxing.report.fmt import Writer, integer, num, table, text
from fanxing.report.sections import figure, h3, p, section, tbl


def build_integrity(bd: BuildData, w: Writer) -> tuple[dict, dict]:
    an = bd.anomalies if bd.anomalies is not None else pd.DataFrame()
    plat_names = {}
    if bd.platforms is not None and "name" in bd.platforms:
        plat_names = dict(zip(bd.platforms.platform, bd.platforms.name, strict=False))
    blocks = []
    if len(an):
        shape_col = "shape" if "shape" in an.columns else "indicator"
        by_shape = anomaly_counts(an, shape_col).assign(label=lambda d: d[shape_col].map(SHAPE_ZH).fillna(d[shape_col]))
        by_reason = anomaly_counts(an, "reason").assign(label=lambda d: d["reason"].map(REASON_ZH).fillna(d["reason"]))
        by_plat = anomaly_counts(an, "platform").assign(label=lambda d: d["platform"].map(plat_names).fillna(d["platform"]))
        by_sev = anomaly_counts(an, "severity").assign(label=lambda d: d["severity"].map(SEVERITY_ZH).fillna(d["severity"]))
        ct = pd.crosstab(an["platform"].map(plat_names).fillna(an["platform"]),
                         an[shape_col].map(SHAPE_ZH).fillna(an[shape_col])).reset_index()
        ct = ct.rename(columns={ct.columns[0]: "platform"})
        shapes = [c for c in ct.columns if c != "platform"]
        fig = w.chart("anomalies", "异常流量片段：平台 × 形态", charts.stacked_columns, ct, "platform", shapes, data=ct,
                      ylabel="片段数")
        blocks += [p(f"共识别异常片段 {len(an)} 个，涉及 {an.drama_id.nunique()} 部剧目、{an.platform.nunique()} 个平台，"
                     f"累计 {integer(by_shape.days.sum())} 个剧目·平台·日；高严重度 "
                     f"{int((an.severity == 'high').sum()) if 'severity' in an else 0} 个。"),
                   figure(fig)]
        for cap, d in (("按形态", by_shape), ("按原因", by_reason), ("按严重度", by_sev), ("按平台", by_plat)):
            w.data(f"anomalies_{ {'按形态': 'shape', '按原因': 'reason', '按严重度': 'severity', '按平台': 'platform'}[cap] }", d)
        blocks.append(tbl("表：异常片段按形态与原因", table(pd.concat([
            by_shape.assign(dim="形态"), by_reason.assign(dim="原因"), by_sev.assign(dim="严重度")]), [
            ("dim", "维度", text), ("label", "类别", text), ("episodes", "片段", integer), ("dramas", "剧目", integer),
            ("days", "天数", integer)]), small=True))
    else:
        blocks.append(p("本次构建没有识别出异常流量片段。"))
    rs = rank_shift_summary(bd.annual)
    facts = {"n_anomalies": len(an), "shift": rs}
    if rs.get("available"):
        fig = w.chart("rank_shift", "流量折算对年度名次的影响（rank_shift_integrity）", charts.histogram,
                      bd.annual["rank_shift_integrity"], data=bd.annual[["drama_id", "title", "rank", "rank_unadjusted",
                                                                         "rank_shift_integrity", "flagged"]],
                      xlabel="名次变化（正=折算后上升，负=下降）")
        mv = biggest_movers(bd.annual)
        blocks += [h3("折算前后的名次变化"),
                   p(f"{rs['n_ranked']} 部入榜剧目中，{rs['n_flagged']} 部被标记，{rs['n_moved']} 部名次因折算发生变化"
                     f"（最大 {rs['max_shift']} 位，平均 {num(rs['mean_abs_shift'], 2)} 位）；"
                     f"{rs['top20_entered']} 部剧目因折算进入前 20 名。"),
                   figure(fig)]
        if len(mv):
            blocks.append(tbl("表：名次变化最大的剧目", table(mv, [
                ("title", "剧目", lambda v: f"《{v}》"), ("rank_unadjusted", "折算前", integer), ("rank", "折算后", integer),
                ("rank_shift_integrity", "变化", integer), ("flagged", "标记", text)]), small=True))
    lead = "流量核验在计算指标前识别刷量等异常片段，并按方法学以基线期望值折算；本节说明折算的规模与影响。"
    return section("integrity", "六、流量核验", lead, blocks), facts
