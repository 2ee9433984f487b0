"""``write_report``: the annual insight report (年度洞察报告) of one published build."""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import warnings
from pathlib import Path

import pandas as pd

import fanxing
from fanxing.report.builddata import BuildData, load_build
from fanxing.report.fmt import Writer, num, pct, signed, signed_pct
from fanxing.report.html import render_html
from fanxing.report.pdf import PdfUnavailable, html_to_pdf
from fanxing.report.sections.culture import build_culture
from fanxing.report.sections.integrity import build_integrity
from fanxing.report.sections.market import build_market
from fanxing.report.sections.method import build_method, data_note
from fanxing.report.sections.rankings import build_rankings
from fanxing.report.sections.survey import build_survey
from fanxing.report.sections.trends import build_trends

log = logging.getLogger(__name__)


def _year(bd: BuildData) -> str:
    start = str(bd.season.get("start", ""))
    return start[:4] if start[:4].isdigit() else ""


def key_findings(bd: BuildData, f: dict) -> list[str]:
    out = []
    m = f.get("market", {})
    if "market_latest" in m:
        r = m["market_latest"]
        out.append(f"市场：{int(r.year)}年微短剧市场规模 {num(r.market_size_cny_100m)} 亿元（{r.source_key}），同比 {signed_pct(r.growth)}。")
    for r in m.get("conflicts", pd.DataFrame()).itertuples():
        out.append(f"分歧：{r.year}年各方数据为 {r.values}，相差 {num(r.spread)} 亿元，报告并列展示。")
    rk = f.get("rankings", {})
    if len(rk.get("top", [])):
        t = rk["top"].iloc[0]
        out.append(f"年度榜首：《{t['title']}》（{t['producer']}），指数 {num(t['score'])}，名次区间 {t['interval']}；共 {rk['n_ranked']} 部入榜。")
    tr = f.get("trends", {})
    if "adapted" in tr:
        out.append(f"IP 改编剧占 {pct(tr['adapted']['share'])}，指数均值 {num(tr['adapted']['mean_score'])}（原创 "
                   f"{num(tr['adapted']['mean_score_original'])}）；{tr['n_tagged']} 部剧目带“微短剧+”标签。")
    cu = f.get("culture", {})
    if "groups" in cu:
        g = cu["groups"].set_index("group")
        out.append(f"地域文化：{cu['n_culture']} 部剧目提及文化元素；四川话方言剧 {int(g.loc['四川话方言剧', 'n_dramas'])} 部，"
                   f"入榜均值较其余 {signed(g.loc['四川话方言剧', 'diff'])}。")
    sv = f.get("survey", {})
    if "city" in sv and len(sv["city"]) >= 2:
        c = sv["city"]
        out.append(f"受众：最想旅居城市前两位为{c.iloc[0]['option']}（{pct(c.iloc[0]['share'])}）和{c.iloc[1]['option']}"
                   f"（{pct(c.iloc[1]['share'])}）（加权，n = {sv['n']:,}）。")
    if "pay" in sv:
        w = sv["pay"][sv["pay"].segment == "看过成都题材微短剧"]
        if len(w):
            out.append(f"看过成都题材微短剧的受访者中 {pct(w.iloc[0]['愿意'])} 愿意花钱体验成都文旅（加权）。")
    ig = f.get("integrity", {})
    if ig:
        s = ig.get("shift", {})
        out.append(f"流量核验：识别异常片段 {ig['n_anomalies']} 个；折算使 {s.get('n_moved', 0)} 部剧目的年度名次发生变化。")
    return out


def write_report(build_dir: str | Path, *, surveys: pd.DataFrame | None = None, questions: pd.DataFrame | None = None,
                 market: pd.DataFrame | None = None, pdf: bool = True) -> dict[str, Path]:
    """Write ``build_dir/report/``: index.html, report.pdf, charts/*.svg, data/*.csv, report.json.

    ``surveys`` is the warehouse long form (survey, respondent_id, weight, variable, value),
    ``questions`` the survey_questions table, ``market`` the market table (year,
    market_size_cny_100m, kind, source). All optional: missing inputs shorten their section.
    A PDF that cannot be printed is recorded in report.json (``pdf_error``) and warned about; it
    never raises. The report directory is replaced as a whole.
    """
    build_dir = Path(build_dir)
    bd = load_build(build_dir)
    final = build_dir / "report"
    out = build_dir / "report.partial"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    w = Writer(out)
    facts: dict = {}
    sections = []
    for key, fn, args in (("market", build_market, (market, w)), ("rankings", build_rankings, (bd, w)),
                          ("trends", build_trends, (bd, w)), ("culture", build_culture, (bd, w)),
                          ("survey", build_survey, (surveys, questions, w)), ("integrity", build_integrity, (bd, w))):
        sec, facts[key] = fn(*args)
        sections.append(sec)
    sections.append(build_method(bd, w))
    year = _year(bd)
    title = f"繁星指数{year}微短剧年度洞察报告" if year else "繁星指数微短剧年度洞察报告"
    context = {
        "title": title, "subtitle": "China Micro Short Drama Annual Insight Report", "season": bd.season,
        "methodology": bd.manifest.get("methodology", {}), "build_id": bd.manifest.get("build_id", "–"),
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "data_note": data_note(bd),
        "sections": sections, "key_findings": key_findings(bd, facts), "problems": w.problems,
        "version": fanxing.__version__,
    }
    (out / "index.html").write_text(render_html(context), encoding="utf-8")
    status = {"title": title, "build_id": context["build_id"], "figures": [f["name"] for f in w.figures],
              "problems": w.problems, "pdf": None, "pdf_error": None}
    if pdf:
        try:
            html_to_pdf(out / "index.html", out / "report.pdf", title=title)
            status["pdf"] = "report.pdf"
        except PdfUnavailable as exc:
            status["pdf_error"] = str(exc)
            log.warning("report PDF not written: %s", exc)
            warnings.warn(f"report PDF not written: {exc}", RuntimeWarning, stacklevel=2)
    (out / "report.json").write_text(json.dumps(status, ensure_ascii=False, indent=2), encoding="utf-8")
    if final.exists():
        shutil.rmtree(final)
    out.rename(final)
    paths = {"html": final / "index.html", "charts": final / "charts", "data": final / "data",
             "status": final / "report.json"}
    if status["pdf"]:
        paths["pdf"] = final / "report.pdf"
    return paths
