"""fanxing.frames.isin gives pandas' answer, fast, for every kind of input the package passes it."""

import numpy as np
import pandas as pd
import pytest

from fanxing.frames import isin, lookup, positions

CASES = [
    (pd.Index(["a", "b", None, "c"]), pd.Index(["b", None])),
    (pd.Index(["a", "b", "c"]), []),
    (pd.Index(["a", "b", "c"]), ["a", 1]),
    (pd.Index([1, 2, 3]), [2, 5]),
    (pd.Index([1.0, np.nan, 3.0]), [np.nan]),
    (pd.Series(["x", "y"], dtype=object), pd.Index(["y"])),
    (pd.Index(["a", "b"]), pd.Series([], dtype=object)),
    (pd.Index([], dtype=str), ["a"]),
    (pd.Index(["a", "b"]), {"b"}),
    (pd.Series(["D1", "D2", "D3"]), frozenset({"D3", "D9"})),
]


@pytest.mark.parametrize(("values", "candidates"), CASES)
def test_isin_matches_pandas(values, candidates):
    expected = pd.Index(values).isin(list(candidates) if isinstance(candidates, set | frozenset) else candidates)
    got = isin(values, candidates)
    assert got.dtype == bool
    assert got.tolist() == expected.tolist()


def test_isin_large_string_ids():
    ids = pd.Index([f"D{i:06d}" for i in range(50_000)])
    sub = ids[::3]
    assert isin(ids, sub).tolist() == ids.isin(sub).tolist()


LOOKUPS = [
    (pd.Series(["b", "a", "zz", "c", None], name="drama_id"), pd.Series(["x", "y", None], index=["a", "b", "c"])),
    (pd.Series(["b", "a", None]), pd.Series([1.5, 2.5, 3.5], index=pd.Index(["a", "b", None]))),
    (pd.Series([2, 7, 1]), pd.Series(["two", "one"], index=[2, 1])),
    (pd.Series([2, "x", 1], dtype=object), pd.Series([1.5, 2.5], index=[1, 2])),
    (pd.Series(["a"], index=[10]), pd.Series([], dtype=float, index=pd.Index([], dtype=str))),
    (pd.Series([], dtype=str), pd.Series(["x"], index=["a"])),
    (pd.Series(["D3", "D1"]), pd.Series(pd.array([4, None], dtype="Int64"), index=["D1", "D3"])),
]


@pytest.mark.parametrize(("values", "mapping"), LOOKUPS)
def test_lookup_is_map(values, mapping):
    """lookup gives Series.map's answer (values, dtype, index and name); positions get_indexer's."""
    pd.testing.assert_series_equal(lookup(values, mapping), values.map(mapping))
    assert positions(values, mapping.index).tolist() == mapping.index.get_indexer(values).tolist()


def test_positions_shared_and_large():
    ids = pd.Index([f"D{i:06d}" for i in range(50_000)])
    values = pd.Series(np.random.default_rng(1).choice(np.r_[ids.to_numpy(), ["nope"]], 200_000))
    cat = pd.DataFrame({"title": ids.str.lower(), "n": np.arange(50_000)}, index=ids)
    at = positions(values, cat.index)
    assert at.tolist() == cat.index.get_indexer(values).tolist()
    for c in cat:
        pd.testing.assert_series_equal(lookup(values, cat[c], at), values.map(cat[c]))


def test_positions_needs_unique_index():
    with pytest.raises(ValueError, match="repeated"):
        positions(pd.Series(["a"]), pd.Index(["a", "a"]))
