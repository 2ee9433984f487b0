"""Weighted survey shares against hand-computed values."""

from __future__ import annotations

import pandas as pd
import pytest

from fanxing.insight.survey import (
    kish_neff,
    question_types,
    share_of,
    survey_sizes,
    survey_wide,
    weighted_mean,
    weighted_shares,
)

# respondent, weight, city (multi), pay (single, blank = not asked), tier, score
ROWS = [("R1", 1.0, "上海|成都", "愿意", "一线", "5"),
        ("R2", 2.0, "成都", "不愿意", "一线", "4"),
        ("R3", 3.0, "杭州", "", "二线", "2"),
        ("R4", 4.0, "成都|杭州", "愿意", "二线", "3")]


@pytest.fixture()
def long() -> pd.DataFrame:
    recs = []
    for rid, w, city, pay, tier, score in ROWS:
        for var, val in (("live_city", city), ("pay", pay), ("city_tier", tier), ("score", score)):
            recs.append({"survey": "s1", "respondent_id": rid, "weight": w, "variable": var, "value": val or None})
    recs.append({"survey": "small", "respondent_id": "X", "weight": 1.0, "variable": "pay", "value": "愿意"})
    return pd.DataFrame(recs)


@pytest.fixture()
def wide(long: pd.DataFrame) -> pd.DataFrame:
    return survey_wide(long)


def test_wide_picks_the_largest_survey(long: pd.DataFrame, wide: pd.DataFrame) -> None:
    assert survey_sizes(long)["survey"].tolist() == ["s1", "small"]
    assert wide["respondent_id"].tolist() == ["R1", "R2", "R3", "R4"]
    assert wide["weight"].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert wide.loc[2, "pay"] == ""


def test_multi_choice_shares_by_hand(wide: pd.DataFrame) -> None:
    s = weighted_shares(wide, "live_city", multi=True)
    # base: all 4 respondents, Σw = 10. 成都: R1+R2+R4 = 7; 杭州: R3+R4 = 7; 上海: R1 = 1
    assert share_of(s, "成都") == pytest.approx(0.7)
    assert share_of(s, "杭州") == pytest.approx(0.7)
    assert share_of(s, "上海") == pytest.approx(0.1)
    row = s[s.option == "成都"].iloc[0]
    assert row.share_unweighted == pytest.approx(0.75) and row.n_selected == 3 and row.base_n == 4
    assert row.n_eff == pytest.approx(100 / 30)
    assert row.moe95 == pytest.approx(1.96 * (0.7 * 0.3 / (100 / 30)) ** 0.5)


def test_single_choice_excludes_blanks_and_respects_mask_and_by(wide: pd.DataFrame) -> None:
    s = weighted_shares(wide, "pay", multi=False)
    # R3 did not answer: base Σw = 1 + 2 + 4 = 7; 愿意 = 1 + 4
    assert share_of(s, "愿意") == pytest.approx(5 / 7)
    assert share_of(s, "不愿意") == pytest.approx(2 / 7)
    assert s.base_n.iloc[0] == 3
    chengdu = wide["live_city"].str.split("|").map(lambda x: "成都" in x)
    m = weighted_shares(wide, "pay", multi=False, mask=chengdu)
    assert share_of(m, "愿意") == pytest.approx(5 / 7)  # the same three respondents chose 成都
    by = weighted_shares(wide, "pay", multi=False, by="city_tier")
    t1 = by[(by.city_tier == "一线") & (by.option == "愿意")].iloc[0]
    assert t1.share == pytest.approx(1 / 3) and t1.base_weight == pytest.approx(3.0)
    t2 = by[(by.city_tier == "二线") & (by.option == "愿意")].iloc[0]
    assert t2.share == pytest.approx(1.0) and t2.base_n == 1


def test_weighted_mean_and_types(wide: pd.DataFrame) -> None:
    m = weighted_mean(wide, "score", at_least=4)
    assert m.iloc[0]["mean"] == pytest.approx((5 * 1 + 4 * 2 + 2 * 3 + 3 * 4) / 10)
    assert m.iloc[0]["share_at_least"] == pytest.approx(0.3)
    types = question_types(wide)
    assert types["live_city"] == "multi" and types["score"] == "numeric" and types["pay"] == "single"
    q = pd.DataFrame({"survey": ["s1"], "question_id": ["score"], "text": ["兴趣"], "type": ["scale"]})
    assert question_types(wide, q, "s1")["score"] == "scale"


def test_kish() -> None:
    assert kish_neff([1, 1, 1, 1]) == pytest.approx(4)
    assert kish_neff([1, 3]) == pytest.approx(16 / 10)
