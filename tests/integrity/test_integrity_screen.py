"""Two-stage detection: the screen (integrity/screen.py) clears most series cheaply, and the
robust detectors on the rest find the same episodes as running them on every series."""

from __future__ import annotations

import sys

import ibis
import pandas as pd
import pytest

from fanxing.integrity import IntegrityConfig, detect
from fanxing.integrity.prepare import prepare, series_table
from fanxing.integrity.screen import screen
from fanxing.integrity.synthetic import make_facts

KEY = ["drama_id", "platform", "start", "end", "indicator", "reason"]


@pytest.fixture(scope="module")
def synth():
    facts, dramas, truth = make_facts(n_dramas=150, n_days=200, seed=3, anomaly_share=0.1)
    con = ibis.duckdb.connect()
    return con.create_table("facts", facts), con.create_table("dramas", dramas), truth


@pytest.fixture(scope="module")
def results(synth):
    facts, dramas, _ = synth
    full = detect(facts, dramas, IntegrityConfig(screen=False))
    # a small reference sample, so that the screen really leaves series out of stage 2
    two = detect(facts, dramas, IntegrityConfig(screen=True, screen_reference_series=40), method="ibis")
    stats = dict(sys.modules["fanxing.integrity.detect"].LAST_SCREEN)
    return full, two, stats


def test_screen_leaves_most_rows_out(results):
    _, _, stats = results
    assert stats["series"] > stats["stage2_series"] >= stats["candidates"] > 0
    assert stats["stage2_rows"] < 0.7 * stats["rows"]


def test_screen_keeps_every_episode(results):
    full, two, _ = results
    assert len(full) > 20
    m = full[KEY].merge(two[KEY], how="left", indicator=True)
    assert (m["_merge"] == "both").all(), m[m["_merge"] != "both"]
    assert len(two) <= len(full) + 2


def test_screen_passes_every_planted_series(synth):
    facts, dramas, truth = synth
    config = IntegrityConfig()
    series = series_table(facts, dramas)
    sc = screen(prepare(facts, series), config)
    st = sc.stats.merge(series.to_pandas()[["sid", "drama_id", "platform"]], on="sid")
    planted = truth[["drama_id", "platform"]].drop_duplicates()
    m = planted.merge(st[["drama_id", "platform", "candidate", "n"]], on=["drama_id", "platform"])
    assert len(m) == len(planted)
    # planted episodes on series too short to score (< min_days) cannot reach the detectors anyway
    m = m[m["n"] >= config.min_days]
    assert m["candidate"].all(), m[~m["candidate"]]


def test_screen_with_the_full_reference_is_exact(results, synth):
    """With every series in the reference sample stage 2 scores everything: same episodes, same numbers."""
    facts, dramas, _ = synth
    full = results[0]
    same = detect(facts, dramas, IntegrityConfig(screen=True, screen_reference_series=10_000), method="ibis")
    pd.testing.assert_frame_equal(full[KEY], same[KEY])
    pd.testing.assert_series_equal(full["score"], same["score"], rtol=1e-6)


@pytest.mark.spark
def test_screen_engines_agree(spark):
    """The screen and stage 2 are Ibis expressions: Spark finds what DuckDB finds."""
    from integrity_engines import duckdb_loader, spark_loader

    facts, dramas, _ = make_facts(n_dramas=30, n_days=90, seed=5, anomaly_share=0.2)
    config = IntegrityConfig(screen=True, screen_reference_series=6, screen_min_days=30)
    out = {}
    for name, load in (("duckdb", duckdb_loader()), ("spark", spark_loader(spark))):
        t = load(facts=facts, dramas=dramas)
        out[name] = detect(t["facts"], t["dramas"], config, method="ibis")
        stats = dict(sys.modules["fanxing.integrity.detect"].LAST_SCREEN)
        assert stats["stage2_series"] < stats["series"]
    pd.testing.assert_frame_equal(out["duckdb"][KEY], out["spark"][KEY])


def test_spilling_intermediates_to_duckdb_tables_changes_nothing(synth, results, monkeypatch):
    """Bounded memory (temporary tables that DuckDB spills) finds the same episodes as Arrow."""
    facts, dramas, _ = synth
    full, _, _ = results
    monkeypatch.setenv("FANXING_INTEGRITY_MATERIALIZE", "table")
    spilled = detect(facts, dramas, IntegrityConfig(screen=False), method="ibis")
    a = full.sort_values(KEY).reset_index(drop=True)
    b = spilled.sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[KEY], b[KEY])
    pd.testing.assert_series_equal(a["severity"], b["severity"], rtol=1e-9)
