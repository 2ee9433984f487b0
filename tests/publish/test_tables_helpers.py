"""The vectorised helpers of the published ranking tables agree with the plain definitions."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pandas as pd

from fanxing.drama.periods import Season
from fanxing.publish.tables import _flagged, _platforms_on


def test_platforms_on_is_the_sorted_joined_set_per_drama():
    rng = np.random.default_rng(0)
    daily = pd.DataFrame({"drama_id": rng.choice([f"D{i}" for i in range(50)], 2000),
                          "platform": rng.choice(["douyin", "kuaishou", "bilibili", "iqiyi"], 2000)})
    want = daily.groupby("drama_id")["platform"].unique().map(lambda a: "|".join(sorted(a)))
    got = _platforms_on(daily)
    assert got.sort_index().to_dict() == want.sort_index().to_dict()


def test_flagged_marks_dramas_with_an_episode_overlapping_the_period():
    season = Season("2024", dt.date(2024, 1, 1), dt.date(2024, 3, 31))
    starts = pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"])
    ind = pd.DataFrame({"period_start": starts, "period": ["2024-01", "2024-02", "2024-03"]})
    an = pd.DataFrame({"drama_id": ["a", "b"], "start": ["2024-01-30", "2024-03-05"],
                       "end": ["2024-02-02", "2024-03-06"]})
    ctx = SimpleNamespace(anomalies=an, season=season, indicators={"monthly": ind})
    table = pd.DataFrame({"period": ["2024-01", "2024-02", "2024-03", "2024-01", "2024-03", "2024-02"],
                          "drama_id": ["a", "a", "a", "b", "b", "c"]})
    from fanxing.drama.periods import period_label
    labels = {period_label("monthly", d.date(), season) for d in starts}
    assert labels == set(ind["period"])  # the labels the build uses
    got = _flagged(table, "monthly", ctx)
    assert got.tolist() == [True, True, False, False, True, False]
