"""market.csv: the REAL published market-size series (亿元) with sources, from the project's industry facts.

Where sources disagree (2025, 2026) both rows are kept, as published.
"""

from __future__ import annotations

import pandas as pd

IIMEDIA = "艾媒咨询 (iiMedia), as quoted by DataEye's 2024 report and 每日经济新闻 (2024-06-29)"
WHITE_PAPER = "《中国微短剧行业发展白皮书（2024）》, 中国网络视听协会, 2024-11-06 (citing industry estimates)"
GTHT = "国泰海通 (securities research)"

MARKET = [
    (2020, 9.4, "actual", IIMEDIA),
    (2021, 36.8, "actual", IIMEDIA),
    (2022, 101.7, "actual", IIMEDIA),
    (2023, 373.9, "actual", IIMEDIA),
    (2024, 504.4, "estimate", WHITE_PAPER),
    (2025, 677.9, "forecast", "艾媒咨询 (iiMedia)"),
    (2025, 634.0, "estimate", GTHT),
    (2026, 793.3, "forecast", "艾媒咨询 (iiMedia)"),
    (2026, 856.5, "forecast", GTHT),
    (2027, 1006.8, "forecast", "艾媒咨询 (iiMedia); the 2024 white paper says above 1,000"),
]


def market_frame() -> pd.DataFrame:
    return pd.DataFrame(MARKET, columns=["year", "market_size_cny_100m", "kind", "source"])
