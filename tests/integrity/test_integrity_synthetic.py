"""Episode-level precision and recall on seeded synthetic seasons (fanxing.integrity.synthetic)."""

from __future__ import annotations

import ibis
import pytest

from fanxing.integrity import detect, evaluate
from fanxing.integrity.synthetic import make_facts


def _run(**kw):
    facts, dramas, truth = make_facts(**kw)
    con = ibis.duckdb.connect()
    ep = detect(con.create_table("facts", facts), con.create_table("dramas", dramas))
    return ep, truth, len(facts)


@pytest.mark.parametrize("seed", [11, 12])
def test_bursts_and_plateaus_found_precisely(seed):
    ep, truth, _ = _run(n_dramas=60, n_days=150, seed=seed, anomaly_share=0.3)
    res = evaluate(ep, truth).set_index("shape")
    for shape in ("burst", "plateau"):
        assert res.loc[shape, "recall"] >= 0.9, res
        assert res.loc[shape, "precision"] >= 0.9, res
    assert res.loc["overall", "precision"] >= 0.9, res


def test_few_false_positives_on_clean_noisy_series():
    ep, truth, n_rows = _run(n_dramas=80, n_days=150, seed=5, anomaly_share=0.0, noise=0.18)
    assert truth.empty
    plays = ep[ep.indicator == "plays"]
    assert len(plays) <= max(2, n_rows // 10_000), plays
    assert len(ep) <= max(4, n_rows // 5_000), ep
