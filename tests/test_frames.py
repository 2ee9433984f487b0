"""fanxing.frames.isin gives pandas' answer, fast, for every kind of input the package passes it."""

import numpy as np
import pandas as pd
import pytest

from fanxing.frames import isin

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
