"""The fast exact ranking and summaries: min_ranks against scipy's 'min' ranks and against the full-sort
reference (ties, gaps, near-ties, colliding keys, infinite scores), rank statistics against a plain
per-unit computation, and the block-wise / tiled evaluation of the replications against scores()."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata
from uncertainty_builders import data, methodology

from fanxing.index import parse_methodology
from fanxing.index.uncertainty import build_plan, parse_uncertainty
from fanxing.index.uncertainty import replicate as rp
from fanxing.index.uncertainty.replicate import Replicator, _min_ranks_by_argsort, min_ranks
from fanxing.index.uncertainty.sampling import choices_from, make_design, weight_uniforms
from fanxing.index.uncertainty.summary import HIGH_Q, LOW_Q, rank_shift, rank_table

SIZES = [1, 2, 5, 200, 256, 257, 3000]  # both sides of the full-sort threshold (256 units)


def _scipy_min_ranks(row: np.ndarray) -> np.ndarray:
    """Descending 'min' ranks by scipy, 0 where missing."""
    out = np.zeros(len(row), dtype=np.int64)
    present = ~np.isnan(row)
    if present.any():
        out[present] = rankdata(-row[present], method="min")
    return out


@pytest.mark.parametrize("n", SIZES)
def test_min_ranks_are_scipys_min_ranks_with_ties_and_gaps(n):
    rng = np.random.default_rng(n)
    s = np.stack([
        rng.normal(50, 20, n),  # distinct
        rng.integers(0, 5, n).astype(float),  # many ties
        np.where(rng.random(n) < 0.3, np.nan, rng.integers(0, 50, n)),  # ties and gaps
        np.full(n, 3.0),  # all tied
        np.full(n, np.nan),  # nothing ranked
        -np.abs(rng.normal(0, 1e6, n)),  # negative, large
    ])
    ours = min_ranks(s)
    assert ours.dtype == np.int32
    for row, r in zip(s, ours, strict=True):
        assert (r == _scipy_min_ranks(row)).all()


@pytest.mark.parametrize("n", SIZES)
def test_near_ties_within_the_tolerance_share_a_rank(n):
    rng = np.random.default_rng(7)
    base = rng.integers(0, max(2, n // 3), n).astype(float) + 10.0
    top = base.max()
    jitter = rng.integers(0, 3, n) * 1e-13 * top  # within 1e-12 of the largest magnitude
    s = (base + jitter)[None, :]
    assert (min_ranks(s)[0] == _scipy_min_ranks(base)).all()
    assert (min_ranks(s) == _min_ranks_by_argsort(s)).all()


def test_gaps_just_above_the_tolerance_and_below_the_key_resolution_are_ranked_exactly():
    # 1e-10 apart: more than the tolerance (1e-12 · 100), less than one step of the 32-bit key
    # (span / 2^31 ≈ 5e-8), so these units collide and are ordered by their scores
    rng = np.random.default_rng(3)
    n = 4000
    s = rng.uniform(0, 100, n)
    s[1::2] = s[0::2] + rng.integers(1, 4, n // 2) * 1e-10
    s[10] = s[11] = s[12]  # and an exact tie among them
    s = np.stack([s, s[::-1], np.where(rng.random(n) < 0.1, np.nan, s)])
    ours = min_ranks(s)
    assert (ours == _min_ranks_by_argsort(s)).all()
    for row, r in zip(s, ours, strict=True):
        assert (r == _scipy_min_ranks(row)).all()


def test_chained_near_ties_follow_the_sort():
    # steps of 0.8·tol chain into one tie group in the sorted order
    n = 600
    tol = 1e-12 * 100.0
    s = (100.0 - np.arange(n) * 0.8 * tol)[None, :]
    assert (min_ranks(s) == _min_ranks_by_argsort(s)).all()
    assert (min_ranks(s) == 1).all()


@pytest.mark.parametrize("n", [50, 1000])
def test_infinite_and_degenerate_rows(n):
    rng = np.random.default_rng(1)
    s = rng.normal(0, 1, (6, n))
    s[0, 3] = np.inf
    s[1, 5] = -np.inf
    s[2, :10] = 1e308
    s[2, 10:20] = -1e308  # span overflows
    s[3] = rng.normal(0, 1e-310, n)  # subnormal scores
    s[4, ::2] = np.nan
    s[5] = np.nan
    with np.errstate(all="ignore"):
        assert (min_ranks(s) == _min_ranks_by_argsort(s)).all()


def test_ranks_go_to_the_given_rows():
    rng = np.random.default_rng(2)
    s = rng.normal(0, 1, (5, 700))
    out = np.full((8, 700), -1, dtype=np.int32)
    rows = np.array([6, 0, 3, 7, 1])
    min_ranks(s, out=out, rows=rows)
    ref = _min_ranks_by_argsort(s)
    assert (out[rows] == ref).all()
    assert (out[[2, 4, 5]] == -1).all()


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 600), st.integers(0, 2**32 - 1), st.sampled_from([0.0, 0.1, 0.5]),
       st.sampled_from([None, 3, 50]))
def test_min_ranks_match_the_full_sort(n, seed, gaps, levels):
    rng = np.random.default_rng(seed)
    s = rng.normal(0, 1, (3, n)) if levels is None else rng.integers(0, levels, (3, n)).astype(float)
    s[rng.random(s.shape) < gaps] = np.nan
    assert (min_ranks(s) == _min_ranks_by_argsort(s)).all()


def _rank_table_reference(ranks: np.ndarray, nominal: np.ndarray, top: int) -> pd.DataFrame:
    rows = []
    for u in range(ranks.shape[1]):
        r = np.sort(ranks[:, u][ranks[:, u] > 0])
        nom = float(nominal[u]) if nominal[u] > 0 else np.nan
        if len(r):
            p5 = float(np.quantile(r, LOW_Q, method="inverted_cdf"))
            p95 = float(np.quantile(r, HIGH_Q, method="inverted_cdf"))
            med = float(np.median(r))
        else:
            p5 = p95 = med = np.nan
        rows.append({"nominal_rank": nom, "median_rank": med, "rank_low": np.fmin(p5, nom),
                     "rank_high": np.fmax(p95, nom), f"p_top{top}": ((ranks[:, u] > 0) & (ranks[:, u] <= top)).mean(),
                     "rank_p5": p5, "rank_p95": p95})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("n_rep", [1, 7, 100])
def test_rank_table_is_the_per_unit_statistics(n_rep):
    rng = np.random.default_rng(n_rep)
    n = 700
    ranks = rng.integers(1, n + 1, (n_rep, n)).astype(np.int32)
    ranks[rng.random(ranks.shape) < 0.2] = 0  # unranked in some replications
    ranks[:, 5] = 0  # never ranked
    nominal = rng.integers(0, n + 1, n).astype(np.int32)
    units = pd.Index([f"u{i}" for i in range(n)])
    ours = rank_table(ranks, nominal, units, 10)
    ref = _rank_table_reference(ranks, nominal, 10)
    assert list(ours.index) == list(units)
    for col in ref:
        a = ours[col].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        assert np.array_equal(a, ref[col].to_numpy(dtype=float), equal_nan=True), col


@pytest.mark.parametrize(("n_rep", "n"), [(3, 70_000), (50, 3000)])  # ranks beyond and within 16 bits
def test_rank_table_matches_a_full_sort_of_every_unit(n_rep, n):
    rng = np.random.default_rng(n)
    ranks = rng.integers(1, n + 1, (n_rep, n)).astype(np.int32)
    ranks[rng.random(ranks.shape) < 0.1] = 0
    nominal = rng.permutation(n).astype(np.int32)
    big = np.iinfo(np.int32).max
    srt = np.sort(np.where(ranks > 0, ranks, big), axis=0)  # (replications, units), unranked last
    count = (ranks > 0).sum(axis=0)
    cols = np.arange(n)

    def pick(idx):
        return np.where(count > 0, srt[np.minimum(idx, n_rep - 1), cols], np.nan)

    p5 = pick(np.clip(np.ceil(LOW_Q * count).astype(np.int64) - 1, 0, np.maximum(count - 1, 0)))
    p95 = pick(np.clip(np.ceil(HIGH_Q * count).astype(np.int64) - 1, 0, np.maximum(count - 1, 0)))
    median = (pick(np.maximum(count - 1, 0) // 2) + pick(count // 2)) / 2.0
    ours = rank_table(ranks, nominal, pd.RangeIndex(n), 10)
    assert np.array_equal(ours["rank_p5"].to_numpy(dtype=float, na_value=np.nan), p5, equal_nan=True)
    assert np.array_equal(ours["rank_p95"].to_numpy(dtype=float, na_value=np.nan), p95, equal_nan=True)
    assert np.array_equal(ours["median_rank"].to_numpy(), median, equal_nan=True)
    assert np.array_equal(ours["p_top10"].to_numpy(), ((ranks > 0) & (ranks <= 10)).sum(axis=0) / n_rep)


def test_rank_shift_is_the_mean_absolute_shift_over_units_ranked_in_both():
    rng = np.random.default_rng(4)
    ranks = rng.integers(0, 50, (40, 300)).astype(np.int32)
    ranks[3] = 0
    nominal = rng.integers(0, 50, 300).astype(np.int32)
    ours = rank_shift(ranks, nominal)
    for i in range(len(ranks)):
        both = (ranks[i] > 0) & (nominal > 0)
        ref = np.abs(ranks[i][both] - nominal[both]).mean() if both.any() else np.nan
        assert np.array_equal(ours[i], ref, equal_nan=True)


SPEC = {
    "replications": 90, "seed": 4, "sensitivity": False,
    "weights": {"kind": "dirichlet", "concentration": 30},
    "normalise": {"options": [{"method": "minmax", "range": [1, 100]}, "rank"]},
    "impute": {"options": ["none", "mean"]},
    "drop_indicator": {"probability": 0.4},
}


@pytest.mark.parametrize("aggregate", [
    None,
    {"options": ["arithmetic", "copeland"]},
    {"options": ["arithmetic", "harmonic", {"method": "power", "power": 2}], "level": 2},
    {"options": ["arithmetic", "geometric"]},  # positive-value checks: the whole-chunk path
])
def test_block_by_block_scores_are_the_chunk_scores(aggregate, monkeypatch):
    m = parse_methodology(methodology(normalise={"method": "minmax", "range": [1, 100]},
                                      aggregate={"min_share": 0.5}))
    spec = parse_uncertainty({**SPEC, "aggregate": aggregate} if aggregate else SPEC)
    plan = build_plan(data(60, missing=0.1), m, spec)
    choices = choices_from(plan, make_design(spec.factors, spec.replications, spec.seed, saltelli=False))
    ref = Replicator(plan, weight_uniforms(plan)).scores(choices)[plan.hierarchy.root]
    monkeypatch.setattr(rp, "_TILE", 7)  # tiny tiles: rows and columns split
    rep = Replicator(plan, weight_uniforms(plan))
    for part in (choices.take(slice(0, 50)), choices.take(slice(50, None))):
        got = np.full((len(part), len(plan.units)), -1.0)
        blocks = 0
        for scores, rows in rep.root_blocks(part):
            got[rows] = scores
            blocks += 1
        assert blocks >= 1 and (aggregate is None or "geometric" not in str(aggregate) or blocks == 1)
        start = 0 if len(part) == 50 else 50
        assert got.tobytes() == ref[start:start + len(part)].tobytes()


def test_rank_table_is_the_same_on_any_number_of_threads(monkeypatch):
    """Blocks of units run on threads, each writing its own slice: one table on 1, 2 and 3 threads."""
    rng = np.random.default_rng(5)
    n_rep, n = 40, 20_000  # 6,553 units a block: several blocks, the last one short
    ranks = rng.integers(1, n + 1, (n_rep, n)).astype(np.int32)
    ranks[rng.random(ranks.shape) < 0.1] = 0
    nominal = rng.permutation(n).astype(np.int32)
    tables = []
    for t in ("1", "2", "3"):
        monkeypatch.setenv("FANXING_THREADS", t)
        tables.append(rank_table(ranks, nominal, pd.RangeIndex(n), 10))
    pd.testing.assert_frame_equal(tables[0], tables[1], check_exact=True)
    pd.testing.assert_frame_equal(tables[0], tables[2], check_exact=True)
