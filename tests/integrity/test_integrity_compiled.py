"""The compiled detectors (integrity/compiled.py) flag exactly the days the Ibis detectors flag.

Both run on a real DuckDB database; the Ibis detectors are the reference (they are the ones that
also run on Spark, tests marked spark compare those engines)."""

from __future__ import annotations

import duckdb
import ibis
import numpy as np
import pandas as pd
import pytest
from integrity_cases import build

from fanxing.integrity import IntegrityConfig, detect_days
from fanxing.integrity.compiled import _quantile, chunk_rows, chunks
from fanxing.integrity.detect import use_compiled
from fanxing.integrity.prepare import series_frame
from fanxing.integrity.synthetic import make_facts

KEY = ["drama_id", "platform", "date", "indicator", "reason", "severity_rank"]


def _days(facts: pd.DataFrame, dramas: pd.DataFrame | None, config=None, method="compiled") -> pd.DataFrame:
    con = ibis.duckdb.connect()
    f = con.create_table("facts", facts)
    d = con.create_table("dramas", dramas) if dramas is not None else None
    out = detect_days(f, d, config, method=method).to_pandas()
    return out.sort_values(KEY, kind="stable").reset_index(drop=True)


def assert_same_days(facts, dramas, config=None):
    a = _days(facts, dramas, config, "ibis")
    b = _days(facts, dramas, config, "compiled")
    assert len(a) > 0
    pd.testing.assert_frame_equal(a[KEY], b[KEY])
    for c in ("score", "expected", "observed", "others_z"):
        pd.testing.assert_series_equal(a[c], b[c], rtol=1e-7, atol=1e-9)
    return a


def test_quantile_matches_duckdb_quantile_cont():
    rng = np.random.default_rng(0)
    con = duckdb.connect()
    for _ in range(200):
        n = int(rng.integers(1, 40))
        x = np.round(rng.normal(size=n), int(rng.integers(0, 3)))  # rounding makes ties
        for q in (0.5, 0.025, 0.975):
            want = con.execute("SELECT quantile_cont(v, ?) FROM (SELECT unnest(?::DOUBLE[]) v)",
                               [q, x.tolist()]).fetchone()[0]
            assert _quantile(x.copy(), n, q) == want


def test_same_days_on_the_hand_built_season():
    facts, dramas = build()
    assert_same_days(facts, dramas)


@pytest.mark.parametrize("seed", [3, 11])
def test_same_days_on_synthetic_seasons(seed):
    facts, dramas, _ = make_facts(n_dramas=120, n_days=200, seed=seed, anomaly_share=0.25)
    days = assert_same_days(facts, dramas)
    assert {"plays", "likes", "completion_rate"} <= set(days.indicator)


def test_same_days_on_messy_facts():
    """Gaps (irregular series), missing and NaN values, impossible values, a missing metric column,
    very short series, a platform with few series and no release dates."""
    facts, dramas, _ = make_facts(n_dramas=80, n_days=150, seed=8, anomaly_share=0.3)
    rng = np.random.default_rng(1)
    facts = facts.drop(columns=["favorites"]).sample(frac=0.93, random_state=2).reset_index(drop=True)
    for c in ("likes", "completion_rate", "comments"):
        facts[c] = facts[c].astype(float)
        facts.loc[rng.random(len(facts)) < 0.02, c] = np.nan
    facts["plays"] = facts["plays"].astype(float)
    facts.loc[rng.random(len(facts)) < 0.005, "plays"] = np.nan
    bad = rng.choice(len(facts), 20, replace=False)
    facts.loc[bad[:5], "likes"] = facts.loc[bad[:5], "plays"] + 50
    facts.loc[bad[5:10], "completion_rate"] = 1.4
    facts.loc[bad[10:15], "plays"] = -3
    small = facts[facts.platform == facts.platform.iloc[0]].head(40).assign(platform="tiny")
    facts = pd.concat([facts, small], ignore_index=True)
    assert_same_days(facts, None)
    assert_same_days(facts, dramas, IntegrityConfig(launch_days=0, flag_corroborated=True, max_gap_days=1))


def test_chunks_change_nothing(monkeypatch):
    """A season processed in chunks of a few dramas (bounded memory) gives the same flags as in one
    piece: the day, launch and platform statistics are gathered over every chunk first."""
    facts, dramas, _ = make_facts(n_dramas=90, n_days=160, seed=21, anomaly_share=0.3)
    whole = _days(facts, dramas)
    monkeypatch.setenv("FANXING_INTEGRITY_CHUNK_ROWS", "3000")
    import fanxing.integrity.compiled as C

    queried, query = [], C._Season.query
    monkeypatch.setattr(C._Season, "query", lambda self, lo, hi: (queried.append((lo, hi)), query(self, lo, hi))[1])
    parts = _days(facts, dramas)
    n = len(chunks(series_frame(ibis.memtable(facts)), 3000))
    assert n > 5
    pd.testing.assert_frame_equal(whole, parts)
    # each chunk is queried once for the three passes (the later passes map its spilled rows back)
    assert len(queried) == len(set(queried)) == n


def test_chunk_rows_follows_the_memory_limit(monkeypatch):
    monkeypatch.delenv("FANXING_INTEGRITY_CHUNK_ROWS", raising=False)
    monkeypatch.setenv("FANXING_DUCKDB_MEMORY_LIMIT", "4GB")
    assert chunk_rows() == 4_000_000
    monkeypatch.setenv("FANXING_DUCKDB_MEMORY_LIMIT", "2 GiB")
    assert chunk_rows() == 2 ** 31 // 1000
    monkeypatch.setenv("FANXING_DUCKDB_MEMORY_LIMIT", "100MB")
    assert chunk_rows() == 1_000_000
    monkeypatch.setenv("FANXING_DUCKDB_MEMORY_LIMIT", "lots")
    assert chunk_rows() == 8_000_000
    monkeypatch.delenv("FANXING_DUCKDB_MEMORY_LIMIT")
    assert chunk_rows() == 8_000_000


def test_method_choice():
    con = ibis.duckdb.connect()
    t = con.create_table("f", pd.DataFrame({"date": [pd.Timestamp("2024-01-01")], "platform": ["a"],
                                            "drama_id": ["d"], "plays": [1.0]}))
    assert use_compiled(t) and use_compiled(t, "compiled") and not use_compiled(t, "ibis")
    with pytest.raises(ValueError, match="unknown integrity method"):
        use_compiled(t, "fast")
