"""Ranking every period of a kind (``fanxing.drama.ranking.rank_kind``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.drama.indicators import INDICATORS
from fanxing.drama.methodology import load_fanxing_methodology
from fanxing.drama.ranking import rank_kind


def _indicators(periods: int = 5, dramas: int = 60, seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for p in range(periods):
        for d in range(dramas):
            if rng.random() < 0.2:
                continue
            row = {"period": f"2024-W{p + 1:02d}", "drama_id": f"D{d:03d}", "plays_total": int(rng.integers(0, 10 ** 6))}
            row.update({c: float(rng.lognormal(0, 1)) for c in INDICATORS})
            row["breadth"] = float(rng.uniform(0, 1))
            rows.append(row)
    df = pd.DataFrame(rows)
    df.loc[df.sample(frac=0.05, random_state=seed).index, "rating"] = np.nan
    return df


def test_periods_ranked_on_threads_give_the_ranking_of_one_thread(monkeypatch):
    """Periods without intervals are ranked side by side on threads; the tables are identical."""
    m, _, _ = load_fanxing_methodology(None)
    ind = _indicators()
    out = {}
    for n in ("1", "3"):
        monkeypatch.setenv("FANXING_THREADS", n)
        out[n] = rank_kind(ind, m.index, "weekly", min_plays=1000, keep_results=True)
    pd.testing.assert_frame_equal(out["1"].table, out["3"].table, check_exact=True)
    assert list(out["1"].results) == list(out["3"].results) == sorted(ind.period.unique())
    for p, res in out["1"].results.items():
        pd.testing.assert_frame_equal(res.scores, out["3"].results[p].scores, check_exact=True)
    t = out["1"].table
    assert list(t.period.unique()) == sorted(ind.period.unique())  # in period order
    for _, g in t.groupby("period"):
        assert (np.diff(g["score"].to_numpy()) <= 0).all() and g["rank"].iloc[0] == 1
    assert set(t.drama_id) <= set(ind.loc[ind.plays_total >= 1000, "drama_id"])
