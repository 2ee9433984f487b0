"""Conformance: the engine, driven by the shipped coinr-asem.yaml, reproduces COINr's ASEM build stage by stage."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fanxing.index import compute, load_methodology

REPO = Path(__file__).resolve().parents[2]
METHODOLOGY = REPO / "src" / "fanxing" / "methodologies" / "coinr-asem.yaml"
TOL = 1e-9


def _case_dir() -> Path:
    shared = Path(os.environ["FANXING_SHARED"]) if os.environ.get("FANXING_SHARED") else REPO.parent / "shared"
    case = shared / "conformance" / "coinr-asem"
    if not (case / "raw.csv").is_file():
        pytest.fail(f"conformance data not found at {case}; set FANXING_SHARED to the shared/ directory")
    return case


@pytest.fixture(scope="module")
def case() -> Path:
    return _case_dir()


@pytest.fixture(scope="module")
def result(case):
    raw = pd.read_csv(case / "raw.csv", index_col="UnitCode")
    den = pd.read_csv(case / "denominators.csv", index_col="UnitCode")
    return compute(raw, load_methodology(METHODOLOGY), den)


@pytest.mark.parametrize("stage", ["denominated", "imputed", "treated", "normalised", "aggregated"])
def test_stage_matches_coinr(case, result, stage):
    ref = pd.read_csv(case / f"{stage}.csv", index_col="UnitCode")
    ours = result.stages[stage]
    meta = {"UnitName", "Year"} | {c for c in ref.columns if c.startswith("Group_")}
    cols = [c for c in ref.columns if c not in meta]
    assert set(cols) == set(ours.columns), "same indicators/aggregates as COINr"
    assert list(ours.index) == list(ref.index)
    a = ours[cols].to_numpy(dtype=float)
    b = ref[cols].to_numpy(dtype=float)
    assert (np.isnan(a) == np.isnan(b)).all(), "missing values in the same places"
    diff = np.abs(np.where(np.isnan(a), 0.0, a - b))
    worst = np.unravel_index(np.argmax(diff), diff.shape)
    assert diff.max() <= TOL, f"{stage}: {cols[worst[1]]} of {ref.index[worst[0]]} differs by {diff.max():g}"


def test_index_ranks_identical(case, result):
    ref = pd.read_csv(case / "aggregated.csv", index_col="UnitCode")["Index"]
    ref_rank = ref.rank(ascending=False, method="min").astype(int)
    ours = result.ranks["Index"].astype(int)
    pd.testing.assert_series_equal(ours.loc[ref.index], ref_rank, check_names=False)


def test_treatment_log_lists_winsorised_indicators(result):
    log = result.log
    wins = log[(log.stage == "treat") & (log.action == "winsorised")]
    assert {"Services", "FDI", "ForPort"} <= set(wins.code)
    assert wins.set_index("code").loc["Services", "value"] == 5


def test_methodology_mirrors_the_metadata(case):
    """The shipped YAML is data taken from COINr's metadata, not special code."""
    m = load_methodology(METHODOLOGY)
    meta = pd.read_csv(case / "ind_meta.csv").set_index("IndCode")
    assert m.indicator_codes == list(meta.index)
    for ind in m.indicators:
        row = meta.loc[ind.code]
        assert ind.parent == row["Agg1"]
        assert ind.direction == row["Direction"]
        assert ind.weight == row["IndWeight"]
        assert ind.denominator == (row["Denominator"] if isinstance(row["Denominator"], str) else None)
    aggs = pd.read_csv(case / "agg_meta.csv").set_index("Code")
    assert sorted(m.aggregate_codes) == sorted(aggs.index)
    assert all(a.weight == aggs.loc[a.code, "Weight"] for a in m.aggregates)


def test_explanations_add_up_to_the_index(result):
    contrib = result.contributions[result.hierarchy.indicators].sum(axis=1)
    np.testing.assert_allclose(contrib, result.scores["Index"], rtol=0, atol=1e-9)
