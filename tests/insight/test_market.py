"""Market series: growth per source, conflicting forecasts both kept, CAGR."""

from __future__ import annotations

import pandas as pd
import pytest

from fanxing.insight.market import cagr, fallback_market, market_conflicts, market_growth, source_key


@pytest.fixture()
def market() -> pd.DataFrame:
    return fallback_market()


def test_source_key() -> None:
    assert source_key("艾媒咨询 (iiMedia), as quoted by DataEye") == "艾媒咨询"
    assert source_key("《中国微短剧行业发展白皮书（2024）》, 中国网络视听协会") == "《中国微短剧行业发展白皮书（2024）》"
    assert source_key("国泰海通 (securities research)") == "国泰海通"


def test_growth_rates(market: pd.DataFrame) -> None:
    g = market_growth(market)
    one = g.set_index(["year", "source_key"])
    assert one.loc[(2021, "艾媒咨询"), "growth"] == pytest.approx(36.8 / 9.4 - 1)
    assert one.loc[(2023, "艾媒咨询"), "growth"] == pytest.approx(2.6765, abs=5e-5)  # the published +267.65%
    assert one.loc[(2024, "《中国微短剧行业发展白皮书（2024）》"), "growth"] == pytest.approx(0.3490, abs=5e-5)
    # forecasts: against the same source's previous year when it has one, else the agreed 2024 value
    assert one.loc[(2025, "艾媒咨询"), "growth"] == pytest.approx(677.9 / 504.4 - 1)
    assert one.loc[(2025, "国泰海通"), "growth"] == pytest.approx(634 / 504.4 - 1)
    assert one.loc[(2026, "艾媒咨询"), "growth"] == pytest.approx(793.3 / 677.9 - 1)
    assert one.loc[(2026, "国泰海通"), "growth"] == pytest.approx(856.5 / 634 - 1)
    assert one.loc[(2026, "国泰海通"), "base_source"] == "国泰海通"
    assert pd.isna(one.loc[(2020, "艾媒咨询"), "growth"])
    assert len(g) == len(market)  # nothing averaged away


def test_conflicting_sources_both_present(market: pd.DataFrame) -> None:
    c = market_conflicts(market).set_index("year")
    assert sorted(c.index) == [2025, 2026]
    assert "艾媒咨询 677.9" in c.loc[2025, "values"] and "国泰海通 634.0" in c.loc[2025, "values"]
    assert c.loc[2025, "spread"] == pytest.approx(43.9) and c.loc[2025, "high_source"] == "艾媒咨询"
    assert c.loc[2026, "high_source"] == "国泰海通" and c.loc[2026, "spread"] == pytest.approx(63.2)


def test_cagr_and_messy_input() -> None:
    m = pd.DataFrame({"year": ["2020", "2021", "2022"], "market_size_cny_100m": ["10", "20", "40"],
                      "kind": ["ACTUAL", None, "actual"], "source": ["x", "x", "x"]})
    c = cagr(m)
    assert c["from"] == 2020 and c["to"] == 2022 and c["cagr"] == pytest.approx(1.0)
    assert market_growth(None).empty and market_conflicts(None).empty
