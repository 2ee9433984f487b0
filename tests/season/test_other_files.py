"""season.yaml, platforms.csv, jury.csv, surveys/ (+ questions.yaml) and market.csv."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from season_helpers import HEADER, quarantine, rows, write_season


def _survey_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["respondent_id", "weight", "gender", "q1", "q2"])
    ws.append(["r1", 1.5, "女", "古装|甜宠", 4])
    ws.append(["r2", None, "男", "逆袭", 5])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_other_files(tmp_path, load):
    files = {
        "season.yaml": "name: 2024 年度\nstart: 2024-01-01\nend: 2024-12-31\n",
        "jury.csv": ("drama_id,category,juror,score,institution\nd1,influence,张三,88,甲大学\n"
                     "d1,influence,李四,101,\nd9,innovation,张三,70,\nd2,awards,张三,70,\n"),
        "surveys/audience.csv": "respondent_id,weight,gender,q1,q2\nr1,2,女,古装|甜宠,5\nr2,,男,,3\n,1,男,x,1\n",
        "surveys/panel.xlsx": _survey_xlsx(),
        "surveys/questions.yaml": ("audience:\n  - {id: q1, text: 喜欢的题材, type: multi}\n"
                                   "  - {id: q2, text: 满意度, type: scale}\n"),
        "market.csv": ("year,market_size_cny_100m,kind,source\n2023,373.9,actual,艾媒\n2024,504.4,estimate,艾媒\n"
                       "2025,680,guess,x\n"),
    }
    season = write_season(tmp_path / "s", metrics={"m.csv": HEADER + "2024-03-01,douyin,d1,1,1,0.1\n"}, files=files)
    report, wh = load(season)
    assert not report.errors, report.errors
    assert report.season == {"name": "2024 年度", "start": dt.date(2024, 1, 1), "end": dt.date(2024, 12, 31)}
    s = rows(wh, "season")
    assert s.name.tolist() == ["2024 年度"]
    jury = rows(wh, "jury")
    assert jury[["drama_id", "juror", "score", "institution"]].values.tolist() == [["d1", "张三", 88.0, "甲大学"]]
    q = quarantine(wh)
    assert [x for x in q if x[0] == "jury.csv"] == [
        ("jury.csv", 3, "score", "101", "out_of_range"), ("jury.csv", 4, "drama_id", "d9", "unknown_drama"),
        ("jury.csv", 5, "category", "awards", "bad_choice")]
    sv = rows(wh, "surveys", ["survey", "respondent_id", "variable"])
    aud = sv[sv.survey == "audience"]
    assert aud[aud.respondent_id == "r1"][["variable", "value"]].values.tolist() == [
        ["gender", "女"], ["q1", "古装|甜宠"], ["q2", "5"]]
    assert aud[aud.respondent_id == "r2"].weight.unique().tolist() == [1.0]
    assert [x for x in q if x[0] == "surveys/audience.csv"] == [
        ("surveys/audience.csv", 4, "respondent_id", None, "missing_value")]
    panel = sv[sv.survey == "panel"]
    assert sorted(panel.respondent_id.unique()) == ["r1", "r2"] and panel[panel.respondent_id == "r1"].weight.iloc[0] == 1.5
    qs = rows(wh, "survey_questions", "question_id")
    assert qs[["survey", "question_id", "type"]].values.tolist() == [["audience", "q1", "multi"], ["audience", "q2", "scale"]]
    market = rows(wh, "market", "year")
    assert market.year.tolist() == [2023, 2024] and market.market_size_cny_100m.tolist() == [373.9, 504.4]
    assert [x for x in q if x[0] == "market.csv"] == [("market.csv", 4, "kind", "guess", "bad_choice")]


def test_season_defaults_from_metrics(tmp_path, load):
    season = write_season(tmp_path / "autumn", metrics={
        "m.csv": HEADER + "2024-03-05,douyin,d1,1,1,0.1\n2024-09-30,douyin,d1,1,1,0.1\n"})
    report, _ = load(season)
    assert report.season == {"name": "autumn", "start": dt.date(2024, 3, 5), "end": dt.date(2024, 9, 30)}


def test_market_same_year_and_kind_from_two_sources(tmp_path, load):
    """The contract's own data: 艾媒咨询 and 国泰海通 forecast the same years; both are kept
    (key year, kind, source); only a real repeat of (year, kind, source) is a duplicate."""
    market = ("year,market_size_cny_100m,kind,source\n"
              "2025,677.9,forecast,艾媒咨询 (iiMedia)\n"
              "2025,634,estimate,国泰海通 (securities research)\n"
              "2026,793.3,forecast,艾媒咨询 (iiMedia)\n"
              "2026,856.5,forecast,国泰海通 (securities research)\n"
              "2026,800,forecast,艾媒咨询 (iiMedia)\n"
              "2026,856.5,forecast,国泰海通 (securities research)\n")
    season = write_season(tmp_path / "s", metrics={"m.csv": HEADER + "2024-03-01,douyin,d1,1,1,0.1\n"},
                          files={"market.csv": market})
    report, wh = load(season)
    assert not report.errors, report.errors
    m = rows(wh, "market", ["year", "kind", "source"])
    assert m[["year", "kind", "source", "market_size_cny_100m"]].values.tolist() == [
        [2025, "estimate", "国泰海通 (securities research)", 634.0],
        [2025, "forecast", "艾媒咨询 (iiMedia)", 677.9],
        [2026, "forecast", "国泰海通 (securities research)", 856.5],
        [2026, "forecast", "艾媒咨询 (iiMedia)", 793.3],
    ]
    assert [x for x in quarantine(wh) if x[0] == "market.csv"] == [
        ("market.csv", 6, "market_size_cny_100m", "800.0", "conflicting_duplicate")]
    fr = next(f for f in report.files if f.file == "market.csv")
    assert (fr.rows_read, fr.rows_loaded, fr.rows_merged, fr.rows_quarantined) == (6, 4, 1, 1)
    # reloading the same season changes nothing
    report2, _ = load(season, wh)
    assert len(rows(wh, "market")) == 4 and all(f.status == "skipped" for f in report2.files)
