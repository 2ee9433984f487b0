"""Detectors on a hand-built season, on DuckDB and (marked spark) on Spark local mode."""

from __future__ import annotations

import pandas as pd
import pytest
from integrity_cases import CLEAN_DRAMAS, PLANTED, build, day

from fanxing.integrity import detect


@pytest.fixture(scope="module")
def season():
    return build()


_RESULTS: dict[str, pd.DataFrame] = {}  # episodes per engine, shared with test_engines_agree


def _detect_on(name, load, season):
    if name not in _RESULTS:
        facts, dramas = season
        t = load(facts=facts, dramas=dramas)
        _RESULTS[name] = detect(t["facts"], t["dramas"])
    return _RESULTS[name]


@pytest.fixture(scope="module")
def episodes(engine, season):
    return _detect_on(*engine, season)


def _overlapping(ep: pd.DataFrame, drama, platform, start, end, indicator=None) -> pd.DataFrame:
    m = (ep.drama_id == drama) & (ep.platform == platform) & (ep.start <= end) & (ep.end >= start)
    if indicator:
        m &= ep.indicator == indicator
    return ep[m]


def test_episode_columns(episodes):
    assert list(episodes.columns[:9]) == ["drama_id", "platform", "start", "end", "indicator", "reason",
                                          "severity", "expected", "observed"]
    assert set(episodes.severity) <= {"low", "medium", "high"}


def test_burst_found_as_spike(episodes):
    hit = _overlapping(episodes, *PLANTED["burst"], indicator="plays")
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row.reason == "spike" and row["shape"] == "burst" and row.severity == "high"
    assert row.start >= day(39) and row.end <= day(42)
    assert row.observed > 3 * row.expected


def test_plateau_found_as_sustained_excess(episodes):
    hit = _overlapping(episodes, *PLANTED["plateau"], indicator="plays")
    assert len(hit) == 1
    row = hit.iloc[0]
    assert row.reason == "sustained_excess" and row["shape"] == "plateau"
    assert row.end - row.start >= pd.Timedelta(days=6).to_pytimedelta()


def test_slow_creep_found(episodes):
    hit = _overlapping(episodes, *PLANTED["slow_creep"], indicator="plays")
    assert len(hit) >= 1
    assert hit.end.max() >= day(75)


def test_likes_only_found_on_likes(episodes):
    hit = _overlapping(episodes, *PLANTED["likes_only"])
    assert set(hit.indicator) == {"likes"}
    assert hit.iloc[0].reason == "ratio_vs_own_history" and hit.iloc[0]["shape"] == "likes_only"


def test_impossible_values_flagged_high(episodes):
    likes = _overlapping(episodes, "D04", "kuaishou", day(30), day(30), indicator="likes")
    assert list(likes.reason) == ["impossible_exceeds_plays"] and list(likes.severity) == ["high"]
    comp = _overlapping(episodes, "D05", "hongguo", day(33), day(33), indicator="completion_rate")
    assert "impossible_out_of_range" in set(comp.reason)


def test_surge_on_every_platform_is_not_flagged(episodes):
    assert _overlapping(episodes, "D06", "douyin", day(45), day(46), indicator="plays").empty


def test_clean_series_stay_clean(episodes):
    clean = episodes[episodes.drama_id.isin(CLEAN_DRAMAS) & (episodes.indicator == "plays")]
    assert len(clean) <= 1


@pytest.mark.spark
def test_engines_agree(season, spark):
    """The same anomalies on DuckDB and on Spark local mode."""
    from integrity_engines import duckdb_loader, spark_loader

    a = _detect_on("duckdb", duckdb_loader(), season)
    b = _detect_on("spark", spark_loader(spark), season)
    cols = ["drama_id", "platform", "start", "end", "indicator", "reason", "severity", "days", "shape"]
    pd.testing.assert_frame_equal(a[cols], b[cols])
    pd.testing.assert_series_equal(a.expected, b.expected, rtol=1e-6)
    pd.testing.assert_series_equal(a.score, b.score, rtol=1e-6)
