"""Property tests (hypothesis) of the index engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from index_builders import spec

from fanxing.index import compute, parse_methodology

SETTINGS = settings(max_examples=30, deadline=None)
values = st.floats(min_value=0.5, max_value=1000.0, allow_nan=False, allow_infinity=False)


def frame(x: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(x, columns=list("abcd"), index=pd.Index([f"u{i:03d}" for i in range(len(x))]))


tables = st.integers(min_value=3, max_value=25).flatmap(lambda n: arrays(np.float64, (n, 4), elements=values))


@SETTINGS
@given(tables)
def test_ranks_are_a_permutation(x):
    r = compute(frame(x), spec())
    scores = r.scores["Index"].to_numpy()
    ranks = r.ranks["Index"].to_numpy(dtype=int)
    expected = np.array([1 + np.sum(scores > s) for s in scores])
    np.testing.assert_array_equal(ranks, expected)  # 1 = best, ties share the lowest rank
    if len(np.unique(scores)) == len(scores):
        assert sorted(ranks) == list(range(1, len(scores) + 1))


@SETTINGS
@given(tables, st.integers(min_value=0, max_value=24), st.floats(min_value=0.0, max_value=500.0))
def test_score_is_monotone_in_a_positive_indicator(x, unit, bump):
    unit %= len(x)
    before = compute(frame(x), spec())
    y = x.copy()
    y[unit, 0] += bump  # indicator 'a' has direction +1
    after = compute(frame(y), spec())
    u = f"u{unit:03d}"
    assert after.scores.loc[u, "Index"] >= before.scores.loc[u, "Index"] - 1e-9


weight_lists = st.lists(st.floats(min_value=0.01, max_value=10.0), min_size=6, max_size=6)


@SETTINGS
@given(tables, weight_lists, st.sampled_from(["explicit", "equal", "entropy", "critic", "pca"]),
       st.sampled_from([None, 1, 2]))
def test_weights_sum_to_one(x, ws, method, level):
    s = spec(weights={"method": method, "level": level})
    for node, w in zip(s["indicators"] + s["aggregates"][:2], ws, strict=True):
        node["weight"] = w
    r = compute(frame(x), s)
    assert abs(r.effective_weights.sum() - 1.0) < 1e-9
    table = r.weights.dropna(subset=["parent"])
    for _, group in table.groupby("parent"):
        assert abs(group["weight"].sum() - 1.0) < 1e-9


@SETTINGS
@given(tables, st.floats(min_value=1e-3, max_value=1e3), st.sampled_from(list("abcd")))
def test_scaling_an_indicator_leaves_minmax_unchanged(x, factor, code):
    base = compute(frame(x), spec())
    scaled = frame(x)
    scaled[code] = scaled[code] * factor
    other = compute(scaled, spec())
    np.testing.assert_allclose(other.stages["normalised"], base.stages["normalised"], atol=1e-9)
    np.testing.assert_allclose(other.scores, base.scores, atol=1e-9)


GOALPOSTS = spec(normalise={"method": "goalposts", "scale": 100})
for _ind in GOALPOSTS["indicators"]:
    _ind["goalposts"] = {"low": 10.0, "high": 800.0}
GOALPOST_METHODOLOGY = parse_methodology(GOALPOSTS)


@SETTINGS
@given(tables, arrays(np.float64, (1, 4), elements=values))
def test_adding_a_unit_leaves_goalpost_scores_unchanged(x, extra):
    base = compute(frame(x), GOALPOST_METHODOLOGY)
    bigger = pd.concat([frame(x), pd.DataFrame(extra, columns=list("abcd"), index=["new"])])
    more = compute(bigger, GOALPOST_METHODOLOGY)
    pd.testing.assert_frame_equal(more.scores.loc[base.scores.index], base.scores)
    pd.testing.assert_frame_equal(more.stages["normalised"].loc[base.scores.index], base.stages["normalised"])
