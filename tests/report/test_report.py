"""The annual insight report written on a real demo build: sections, cited figures with sources,
charts, data CSVs, an offline HTML and a real multi-page PDF."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import run

SECTIONS = ["一、市场规模", "二、年度榜单", "三、趋势", "四、地域文化元素", "五、受众调查", "六、流量核验", "七、方法说明"]


@pytest.fixture(scope="module")
def html(report: dict) -> str:
    return report["paths"]["html"].read_text(encoding="utf-8")


def test_sections_and_key_content(html: str, report: dict) -> None:
    for s in SECTIONS:
        assert s in html
    annual = pd.read_csv(report["build"] / "rankings" / "annual.csv")
    assert f"《{annual.iloc[0]['title']}》" in html
    assert "年度要点" in html and "名次区间" in html
    assert "川剧变脸" in html and "四川话方言剧" in html and "rank_shift_integrity" in html
    assert "虚构" in html  # the demo season's data note
    manifest = json.loads(report["build"].joinpath("manifest.json").read_text(encoding="utf-8"))
    assert manifest["methodology"]["sha256"][:16] in html and manifest["build_id"] in html


def test_real_market_and_audience_figures_with_sources(html: str) -> None:
    for value in ("9.4", "36.8", "101.7", "373.9", "504.4", "677.9", "634.0", "793.3", "856.5", "1,006.8"):
        assert value in html, value
    for source in ("艾媒咨询", "国泰海通", "中国网络视听协会", "《中国网络视听发展研究报告（2025）》", "QuestMobile"):
        assert source in html, source
    assert "6.62亿" in html and "59.7%" in html and "5.76亿" in html and "31.9%" in html
    assert "+34.9%" in html and "+267.6%" in html  # growth computed from the series
    assert "来源之间存在分歧" in html and "2025年：国泰海通 634.0" in html and "艾媒咨询 677.9" in html


def test_charts_and_data(report: dict, html: str) -> None:
    out = report["paths"]["html"].parent
    srcs = re.findall(r'<img src="([^"]+)"', html)
    assert len(srcs) >= 15
    for s in srcs:
        p = out / s
        assert p.is_file() and p.stat().st_size > 2000, s
        assert p.read_text(encoding="utf-8").lstrip().startswith(("<?xml", "<svg"))
    status = (out / "report.json").read_text(encoding="utf-8")
    assert '"problems": []' in status
    for name in re.findall(r'charts/([\w-]+)\.svg', html):
        assert (out / "data" / f"{name}.csv").is_file(), name
    top = pd.read_csv(out / "data" / "top20.csv")
    annual = pd.read_csv(report["build"] / "rankings" / "annual.csv")
    assert len(top) == 20 and top["drama_id"].tolist() == annual.sort_values("rank").head(20)["drama_id"].tolist()


def test_html_is_offline(html: str) -> None:
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert "@import" not in html and "url(http" not in html
    assert "<script" not in html


def test_survey_figures_match_a_hand_computation(report: dict) -> None:
    """成都's weighted share recomputed straight from the season's respondent file."""
    raw = pd.read_csv(report["season"] / "surveys" / "audience_2024.csv", dtype=str, keep_default_na=False)
    w = raw["weight"].astype(float)
    chose = raw["live_city"].str.split("|").map(lambda x: "成都" in x)
    answered = raw["live_city"] != ""
    expected = (w * chose)[answered].sum() / w[answered].sum()
    got = pd.read_csv(report["paths"]["data"] / "survey_cities.csv").set_index("option").loc["成都", "share"]
    assert got == pytest.approx(expected)
    watched = raw["watched_chengdu_drama"] == "是"
    pay_answered = watched & (raw["pay_chengdu_experience"] != "")
    exp_pay = (w * (raw["pay_chengdu_experience"] == "愿意"))[pay_answered].sum() / w[pay_answered].sum()
    pay = pd.read_csv(report["paths"]["data"] / "survey_pay.csv").set_index("segment")
    assert pay.loc["看过成都题材微短剧", "愿意"] == pytest.approx(exp_pay)


def _pages(pdf: Path) -> int:
    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"Pages:\s+(\d+)", out).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def test_pdf_is_real(report: dict) -> None:
    pdf = report["paths"].get("pdf")
    assert pdf is not None and pdf.is_file(), (report["paths"]["status"].read_text(encoding="utf-8"))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert _pages(pdf) >= 2
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
        assert "市场规模" in text and "受众调查" in text and "艾媒咨询" in text  # CJK text extractable, not boxes


def test_without_chromium_the_html_is_still_written(real_build, tmp_path: Path) -> None:
    import os

    from fanxing.report import write_report

    copy = tmp_path / "build"
    shutil.copytree(real_build[0], copy, ignore=shutil.ignore_patterns("report"))
    old = os.environ.get("FANXING_CHROMIUM")
    os.environ["FANXING_CHROMIUM"] = str(tmp_path / "no-such-chromium")
    try:
        with pytest.warns(RuntimeWarning, match="PDF not written"):
            paths = write_report(copy)  # no surveys, no market: shorter sections, cited fallback series
    finally:
        if old is None:
            os.environ.pop("FANXING_CHROMIUM")
        else:
            os.environ["FANXING_CHROMIUM"] = old
    assert "pdf" not in paths and not (copy / "report" / "report.pdf").exists()
    status = paths["status"].read_text(encoding="utf-8")
    assert "Chromium not found" in status
    html = paths["html"].read_text(encoding="utf-8")
    assert "本次构建未提供受众调查" in html and "504.4" in html and "未提供 market.csv" in html


def test_cli_report_standalone(real_build, tmp_path: Path) -> None:
    copy = tmp_path / "build"
    shutil.copytree(real_build[0], copy, ignore=shutil.ignore_patterns("report"))
    code = ("import sys; from fanxing.cli import main, report_cmds; "
            "sys.argv = ['fanxing', 'report', *sys.argv[1:]]; main()")
    proc = run([sys.executable, "-c", code, str(copy), "--season", str(real_build[1]), "--no-pdf"])
    assert "report" in proc.stdout
    html = (copy / "report" / "index.html").read_text(encoding="utf-8")
    assert "五、受众调查" in html and "有效样本量" in html
    assert not (copy / "report" / "report.pdf").exists()
    bad = subprocess.run([sys.executable, "-c", code, str(tmp_path / "nothing")], capture_output=True, text=True)
    assert bad.returncode == 2 and "not a published build" in bad.stderr
