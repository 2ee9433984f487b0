"""Merging flagged days into episodes, and adjusted facts in the three modes."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from fanxing.errors import MethodologyError
from fanxing.integrity import IntegrityConfig, adjust_facts, merge_episodes

D = dt.date(2024, 5, 1)


def _d(i):
    return D + dt.timedelta(days=i)


def _days(rows):
    df = pd.DataFrame(rows, columns=["drama_id", "platform", "date", "indicator", "reason", "severity_rank",
                                     "score", "expected", "observed", "others_z"])
    df["others_z"] = df["others_z"].astype(float)
    return df


@pytest.fixture
def con():
    return ibis.duckdb.connect()


def test_gap_of_one_day_merges_and_larger_gap_splits(con):
    rows = [("A", "p", _d(i), "plays", "spike", 2 if i == 1 else 0, 6.0 + i, 100.0, 300.0, None)
            for i in (0, 1, 3, 8)]
    days = con.create_table("days", _days(rows))
    ep = merge_episodes(days, IntegrityConfig(max_gap_days=2)).to_pandas().sort_values("start")
    assert list(ep.days) == [3, 1]
    first = ep.iloc[0]
    assert (pd.Timestamp(first.start), pd.Timestamp(first.end)) == (pd.Timestamp(_d(0)), pd.Timestamp(_d(3)))
    assert first.expected == 300.0 and first.observed == 900.0  # sums for counts
    assert first.severity == "high"


def test_rates_are_averaged_and_duplicates_counted_once(con):
    rows = [("A", "p", _d(0), "completion_rate", "completion_drop", 1, 9.0, 0.4, 0.1, None),
            ("A", "p", _d(1), "completion_rate", "completion_drop", 0, 6.0, 0.4, 0.2, None),
            ("A", "p", _d(1), "completion_rate", "impossible_out_of_range", 2, 1e6, 1.0, 0.2, None)]
    ep = merge_episodes(con.create_table("days", _days(rows))).to_pandas()
    assert len(ep) == 1
    row = ep.iloc[0]
    assert row.days == 2 and row.observed == pytest.approx(0.15)
    assert row.reason == "impossible_out_of_range" and row.severity == "high"


@pytest.fixture
def facts_and_days(con):
    facts = pd.DataFrame({"date": [_d(0), _d(1), _d(2)], "platform": "p", "drama_id": "A",
                          "plays": [100, 500, 110], "likes": [5, 6, 40], "watch_minutes": [200.0, 1000.0, 220.0],
                          "completion_rate": [0.4, 0.1, 0.4]})
    days = _days([("A", "p", _d(1), "plays", "spike", 2, 9.0, 120.0, 500.0, None),
                  ("A", "p", _d(2), "likes", "ratio_vs_own_history", 2, 8.0, 6.0, 40.0, None)])
    return con.create_table("facts", facts), con.create_table("days", days)


def test_discount_replaces_flagged_values_with_expectation(facts_and_days):
    facts, days = facts_and_days
    out = adjust_facts(facts, days, "discount").to_pandas().sort_values("date")
    assert list(out.plays) == [100, 500, 110]
    assert list(out.plays_adj) == [100, 120, 110]
    assert list(out.likes_adj) == [5, 6, 6]
    assert list(out.flagged) == [False, True, True]
    assert out.watch_minutes_adj.tolist() == pytest.approx([200.0, 240.0, 220.0])  # follows plays


def test_exclude_nulls_flagged_values(facts_and_days):
    facts, days = facts_and_days
    out = adjust_facts(facts, days, "exclude").to_pandas().sort_values("date")
    assert out.plays_adj.isna().tolist() == [False, True, False]
    assert out.likes_adj.isna().tolist() == [False, False, True]
    assert out.watch_minutes_adj.isna().tolist() == [False, True, False]


def test_report_only_changes_nothing(facts_and_days):
    facts, days = facts_and_days
    out = adjust_facts(facts, days, "report_only").to_pandas().sort_values("date")
    assert out.plays_adj.tolist() == out.plays.tolist()
    assert out.flagged.tolist() == [False, True, True]


def test_unknown_mode_is_an_error(facts_and_days):
    with pytest.raises(MethodologyError, match="discount"):
        adjust_facts(*facts_and_days, mode="ignore")


def test_config_rejects_unknown_keys():
    with pytest.raises(ValueError, match="spike_zz"):
        IntegrityConfig(spike_zz=3)
