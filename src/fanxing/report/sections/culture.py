"""四、地域文化元素: jieba tagging of titles and synopses, Sichuan/Chengdu productions, dialects."""

from __future__ import annotations

from fanxing.insight.culture import CultureTagger, element_performance, tag_dramas
from fanxing.insight.regional import dialect_table, group_performance, regional_dramas, sichuan_masks
from fanxing.report import charts
from fanxing.report.builddata import BuildData
from fanxing.report.fmt import Writer, integer, num, pct, signed, table, text
from fanxing.report.sections import figure, h3, note, p, section, tbl


def build_culture(bd: BuildData, w: Writer) -> tuple[dict, dict]:
    cat, a = bd.catalogue, bd.annual
    tagger = CultureTagger()
    tags = tag_dramas(cat, tagger)
    w.data("culture_tags", tags.merge(cat[["drama_id", "title"]], on="drama_id", how="left"))
    perf = element_performance(cat, a, tags)
    elements = perf[perf.level == "element"].sort_values(["n_dramas", "element"], ascending=[False, True])
    groups = perf[perf.level == "group"].sort_values("n_dramas", ascending=False)
    n_any = tags.drama_id.nunique()
    overall = a.score.mean()
    blocks = [p(f"用 jieba 分词并加载文化元素用户词典（{len(tagger.alias_map)} 个词条，归入 "
                f"{len({g for _, g, _ in tagger.elements})} 个文化区），在剧名与剧情简介中识别到文化元素的剧目 {n_any} 部，"
                f"占全部 {len(cat)} 部的 {pct(n_any / len(cat) if len(cat) else 0)}。"
                "“指数差”为提及该元素的入榜剧目的年度指数均值减去其余入榜剧目的均值。")]
    top_el = elements.head(20)
    if len(top_el):
        fig = w.chart("culture_elements", "文化元素：提及剧目占比与指数差", charts.bar_h2, top_el, "element", "share", "diff",
                      left_title="提及该元素的剧目占比", right_title="指数均值差（提及 − 其余）",
                      data=elements, note="按提及剧目数取前 20 个元素；剧名与简介中任一处提及即计。提及剧目少于 5 部的元素，指数差受个别剧目影响大，仅供参考。")
        blocks.append(figure(fig))
    blocks.append(tbl("表：文化区汇总（任一元素）", table(groups, [
        ("group", "文化区", text), ("n_dramas", "剧目", integer), ("share", "占比", pct), ("n_ranked", "入榜", integer),
        ("mean_score", "指数均值", num), ("mean_score_rest", "其余均值", num), ("diff", "指数差", signed),
        ("n_top20", "前20名", integer)]), data=w.data("culture_groups", groups), small=True))
    bashu = elements[elements.group == "巴蜀文化"]
    if len(bashu):
        blocks.append(tbl("表：巴蜀文化元素明细", table(bashu, [
            ("element", "元素", text), ("n_dramas", "剧目", integer), ("share", "占比", pct),
            ("mean_score", "指数均值", num), ("diff", "指数差", signed), ("median_rank", "名次中位数", num),
            ("n_top20", "前20名", integer)]), small=True))
    masks = sichuan_masks(cat)
    gp = group_performance(cat, a, masks)
    fig2 = w.chart("sichuan_dialect", "四川/成都出品与四川话剧目：年度指数均值", charts.bar_h, gp[gp.n_ranked > 0], "group",
                   "mean_score", data=gp, xlabel="年度指数均值（入榜剧目）", ref=overall, ref_label=f"全部均值 {overall:.1f}",
                   highlight={"四川取景/设定", "其中：成都", "成都创作机构出品", "四川话方言剧"})
    sc = gp.set_index("group")
    blocks += [h3("四川、成都与四川话剧目"),
               p(f"设定或取景在四川的剧目 {integer(sc.loc['四川取景/设定', 'n_dramas'])} 部（其中成都 "
                 f"{integer(sc.loc['其中：成都', 'n_dramas'])} 部），成都创作机构出品 "
                 f"{integer(sc.loc['成都创作机构出品', 'n_dramas'])} 部，四川话方言剧 {integer(sc.loc['四川话方言剧', 'n_dramas'])} 部；"
                 f"四川话剧目入榜 {integer(sc.loc['四川话方言剧', 'n_ranked'])} 部，指数均值 "
                 f"{num(sc.loc['四川话方言剧', 'mean_score'])}，其余剧目 {num(sc.loc['四川话方言剧', 'mean_score_rest'])}，"
                 f"前20名中有 {integer(sc.loc['四川话方言剧', 'n_top20'])} 部。"),
               figure(fig2),
               tbl("表：分组表现（五维为入榜剧目均值）", table(gp, [
                   ("group", "分组", text), ("n_dramas", "剧目", integer), ("share", "占比", pct),
                   ("n_ranked", "入榜", integer), ("mean_score", "指数均值", num), ("diff", "较其余", signed),
                   ("median_rank", "名次中位数", num), ("n_top20", "前20名", integer), ("reach", "传播力", num),
                   ("reputation", "口碑", num)]), small=True)]
    dt = dialect_table(cat, a)
    if len(dt):
        blocks.append(tbl("表：方言剧", table(dt, [("dialect", "方言", text), ("n_dramas", "剧目", integer),
                                               ("n_ranked", "入榜", integer), ("mean_score", "指数均值", num),
                                               ("best_rank", "最好名次", integer),
                                               ("best_title", "代表作", lambda v: f"《{v}》" if v else "")]),
                          data=w.data("dialects", dt), small=True))
    sich = regional_dramas(cat, a, masks["四川取景/设定"] | masks["成都创作机构出品"] | masks["四川话方言剧"])
    if len(sich):
        blocks.append(tbl("表：四川相关剧目（按年度名次）", table(sich, [
            ("rank", "名次", integer), ("title", "剧目", lambda v: f"《{v}》"), ("producer", "创作机构", text),
            ("region", "地域", text), ("dialect", "方言", text), ("score", "指数", num)]),
            data=w.data("sichuan_dramas", sich), small=True))
    blocks.append(note("指数差是描述性对比，不是因果效应：提及文化元素的剧目在题材、平台与上线时间上与其余剧目不同。"))
    facts = {"n_culture": n_any, "groups": gp, "elements": elements}
    lead = "以成都为代表的地域文化元素在微短剧中的出现频率及其表现。"
    return section("culture", "四、地域文化元素", lead, blocks), facts
